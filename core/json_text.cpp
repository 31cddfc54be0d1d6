#include "core/json_text.h"

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace maskd::core::json_text {
namespace {

// Most strings are short: an inline 16-byte step (SSE2 is baseline x86-64)
// beats a libc call per string or per escape.
const char *find_backslash(const char *p, const char *end) {
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)), bs));
    if (m != 0)
      return p + __builtin_ctz(unsigned(m));
    p += 16;
  }
#endif
  while (p < end && *p != '\\')
    ++p;
  return p;
}

// The same with the tail in one more 16-byte step: `end` must be followed by
// 15 readable bytes (padded input).
const char *find_backslash_padded(const char *p, const char *end) {
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\');
  while (p < end) {
    unsigned m = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)), bs)));
    if (end - p < 16)
      m &= (1u << (end - p)) - 1;
    if (m != 0)
      return p + __builtin_ctz(m);
    p += 16;
  }
  return end;
#else
  return find_backslash(p, end);
#endif
}

// Copies [p, end) to o up to the first backslash; returns the bytes copied.
// May write up to 15 bytes past them, never past o + (end - p).
size_t copy_to_backslash(const char *p, const char *end, char *o) {
  const char *start = p;
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(o), v);
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, bs));
    if (m != 0)
      return size_t(p - start) + __builtin_ctz(unsigned(m));
    p += 16;
    o += 16;
  }
#endif
  while (p < end && *p != '\\')
    *o++ = *p++;
  return size_t(p - start);
}

// The same with the tail in one more 16-byte step: `end` must be followed by
// 15 readable bytes, and o may be written up to 15 bytes past what it gets.
size_t copy_to_backslash_padded(const char *p, const char *end, char *o) {
#if defined(__SSE2__)
  const char *start = p;
  const __m128i bs = _mm_set1_epi8('\\');
  while (p < end) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(o), v);
    unsigned m = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)));
    if (end - p < 16)
      m &= (1u << (end - p)) - 1;
    if (m != 0)
      return size_t(p - start) + __builtin_ctz(m);
    p += 16;
    o += 16;
  }
  return size_t(end - start);
#else
  return copy_to_backslash(p, end, o);
#endif
}

// What the two-byte escape \\<c> decodes to, 0 when <c> is 'u' or
// invalid: these are most escapes (quotes of nested JSON, newlines), taken
// inline by the loops below without a call.
constexpr auto k_simple_escape = [] {
  std::array<char, 256> t{};
  t['"'] = '"';
  t['\\'] = '\\';
  t['/'] = '/';
  t['b'] = '\b';
  t['f'] = '\f';
  t['n'] = '\n';
  t['r'] = '\r';
  t['t'] = '\t';
  return t;
}();

size_t encode_utf8(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = char(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = char(0xC0 | (cp >> 6));
    out[1] = char(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = char(0xE0 | (cp >> 12));
    out[1] = char(0x80 | ((cp >> 6) & 0x3F));
    out[2] = char(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = char(0xF0 | (cp >> 18));
  out[1] = char(0x80 | ((cp >> 12) & 0x3F));
  out[2] = char(0x80 | ((cp >> 6) & 0x3F));
  out[3] = char(0x80 | (cp & 0x3F));
  return 4;
}

constexpr uint32_t replacement_char = 0xFFFD;

// Decodes one escape starting at p (p[0] == '\\'). Writes the decoded bytes
// to out (may be null to only measure). Returns raw bytes consumed, 0 when
// invalid; *out_len receives the decoded length.
size_t decode_escape(const char *p, const char *end, char *out,
                     size_t *out_len) {
  if (end - p < 2)
    return 0;
  char tmp[4];
  char *dst = out ? out : tmp;
  char simple = 0;
  switch (p[1]) {
  case '"':
    simple = '"';
    break;
  case '\\':
    simple = '\\';
    break;
  case '/':
    simple = '/';
    break;
  case 'b':
    simple = '\b';
    break;
  case 'f':
    simple = '\f';
    break;
  case 'n':
    simple = '\n';
    break;
  case 'r':
    simple = '\r';
    break;
  case 't':
    simple = '\t';
    break;
  case 'u': {
    uint32_t cp;
    if (!read_hex4(p + 2, end, &cp))
      return 0;
    size_t used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t lo;
      if (end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
          read_hex4(p + 8, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        used = 12;
      } else {
        cp = replacement_char; // lone high surrogate
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      cp = replacement_char; // lone low surrogate
    }
    *out_len = encode_utf8(cp, dst);
    return used;
  }
  default:
    return 0;
  }
  dst[0] = simple;
  *out_len = 1;
  return 2;
}

} // namespace

size_t unescape(std::string_view raw, char *out, size_t *bad_offset,
                bool padded) {
  const char *p = raw.data();
  const char *end = p + raw.size();
  char *o = out;
  while (p < end) {
    // The decoded text never gets ahead of the raw one, so the block
    // stores stay inside the room the caller gave (plus 15 when padded).
    size_t chunk = padded ? copy_to_backslash_padded(p, end, o)
                          : copy_to_backslash(p, end, o);
    o += chunk;
    p += chunk;
    if (p == end)
      break;
    if (end - p >= 2) {
      if (char simple = k_simple_escape[uint8_t(p[1])]) {
        *o++ = simple;
        p += 2;
        continue;
      }
    }
    size_t dec_len = 0;
    size_t used = decode_escape(p, end, o, &dec_len);
    if (used == 0) {
      *bad_offset = size_t(p - raw.data());
      return SIZE_MAX;
    }
    o += dec_len;
    p += used;
  }
  return size_t(o - out);
}

void map_to_raw(std::string_view raw, const uint32_t *decoded_positions,
                uint32_t *raw_positions, size_t count, bool padded) {
  const char *base = raw.data();
  const char *p = base;
  const char *end = base + raw.size();
  uint32_t dec = 0;
  size_t i = 0;
  while (i < count) {
    // Emit every requested position at or before the current point.
    while (i < count && decoded_positions[i] <= dec) {
      raw_positions[i] = uint32_t(p - base);
      ++i;
    }
    if (i == count || p >= end)
      break;
    if (*p != '\\') {
      // Skip up to the next escape or the next requested position,
      // whichever comes first (looking no further than the position: the
      // next escape may be far, and several positions may lie before it).
      size_t want = decoded_positions[i] - dec;
      const char *lim = size_t(end - p) < want ? end : p + want;
      const char *stop =
          padded ? find_backslash_padded(p, lim) : find_backslash(p, lim);
      dec += uint32_t(stop - p);
      p = stop;
      continue;
    }
    if (end - p >= 2 && k_simple_escape[uint8_t(p[1])]) { // two bytes, one
      p += 2;
      dec += 1;
      continue;
    }
    size_t dec_len = 0;
    size_t used = decode_escape(p, end, nullptr, &dec_len);
    if (used == 0)
      used = 2, dec_len = 1; // unreachable: validated when decoded
    p += used;
    dec += uint32_t(dec_len);
  }
  for (; i < count; ++i)
    raw_positions[i] = uint32_t(raw.size());
}

bool escapes_valid(std::string_view raw, size_t *bad_offset, bool padded) {
  const char *p = raw.data();
  const char *end = p + raw.size();
  while (p < end) {
    const char *bs =
        padded ? find_backslash_padded(p, end) : find_backslash(p, end);
    if (bs == end)
      return true;
    if (end - bs >= 2 && k_simple_escape[uint8_t(bs[1])]) {
      p = bs + 2;
      continue;
    }
    size_t dec_len;
    size_t used = decode_escape(bs, end, nullptr, &dec_len);
    if (used == 0) {
      *bad_offset = size_t(bs - raw.data());
      return false;
    }
    p = bs + used;
  }
  return true;
}

bool is_number(std::string_view t, bool padded) {
  size_t i = 0, n = t.size();
  // Skips a run of digits; false when there is none. Padded: 16 bytes a
  // step (embeddings are long arrays of long decimals).
  auto digits = [&] {
    size_t start = i;
#if defined(__SSE2__)
    if (padded) {
      const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
      while (i < n) {
        __m128i v = _mm_sub_epi8(
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(t.data() + i)),
            zero);
        unsigned other = ~unsigned(_mm_movemask_epi8(
                             _mm_cmpeq_epi8(_mm_min_epu8(v, nine), v))) &
                         0xFFFFu;
        if (other != 0) {
          i = std::min(n, i + size_t(__builtin_ctz(other)));
          break;
        }
        i = std::min(n, i + 16);
      }
      return i > start;
    }
#endif
    while (i < n && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i > start;
  };
  if (i < n && t[i] == '-')
    ++i;
  if (i < n && t[i] == '0')
    ++i;
  else if (i >= n || t[i] < '1' || t[i] > '9' || !digits())
    return false;
  if (i < n && t[i] == '.' && (++i, !digits()))
    return false;
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  return i == n;
}

namespace {

// Recursive-descent validator. Depth is bounded by depth_max, so recursion
// is bounded too.
struct validator {
  const unsigned char *s;
  size_t n;
  size_t i = 0;
  uint32_t depth_max;
  validation_error err;

  bool fail(error_kind k, size_t at) {
    if (err.kind == error_kind::none)
      err = {k, at};
    return false;
  }
  void ws() {
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
      ++i;
  }
  bool utf8_char() {
    unsigned char c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
      return ++i, true;
    if ((c & 0xE0) == 0xC0)
      len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
      len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
      len = 4, cp = c & 0x07;
    else
      return fail(error_kind::invalid_utf8, i);
    if (i + len > n)
      return fail(error_kind::invalid_utf8, i);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        return fail(error_kind::invalid_utf8, i);
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return fail(error_kind::invalid_utf8, i);
    i += len;
    return true;
  }
  bool string() {
    ++i; // opening quote
    while (i < n) {
      unsigned char c = s[i];
      if (c == '"')
        return ++i, true;
      if (c < 0x20)
        return fail(error_kind::invalid_json, i);
      if (c == '\\') {
        size_t len;
        size_t used =
            decode_escape(reinterpret_cast<const char *>(s + i),
                          reinterpret_cast<const char *>(s + n), nullptr, &len);
        if (used == 0)
          return fail(error_kind::invalid_json, i);
        i += used;
        continue;
      }
      if (!utf8_char())
        return false;
    }
    return fail(error_kind::invalid_json, n);
  }
  bool literal(const char *word) {
    size_t len = std::strlen(word);
    if (n - i < len || std::memcmp(s + i, word, len) != 0)
      return fail(error_kind::invalid_json, i);
    i += len;
    return true;
  }
  bool number() {
    size_t start = i;
    while (i < n &&
           (std::strchr("+-.eE", s[i]) || (s[i] >= '0' && s[i] <= '9')) && s[i])
      ++i;
    if (!is_number({reinterpret_cast<const char *>(s + start), i - start}))
      return fail(error_kind::invalid_json, start);
    return true;
  }
  bool value(uint32_t depth) {
    ws();
    if (i >= n)
      return fail(error_kind::invalid_json, i);
    switch (s[i]) {
    case '{':
    case '[':
      if (depth >= depth_max)
        return fail(error_kind::depth_limit, i);
      return s[i] == '{' ? object(depth + 1) : array(depth + 1);
    case '"':
      return string();
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))
        return number();
      return fail(error_kind::invalid_json, i);
    }
  }
  bool object(uint32_t depth) {
    ++i;
    ws();
    if (i < n && s[i] == '}')
      return ++i, true;
    while (true) {
      ws();
      if (i >= n || s[i] != '"')
        return fail(error_kind::invalid_json, i);
      if (!string())
        return false;
      ws();
      if (i >= n || s[i] != ':')
        return fail(error_kind::invalid_json, i);
      ++i;
      bool done;
      if (!value(depth) || !next_item('}', &done))
        return false;
      if (done)
        return true;
    }
  }
  // After a member or element: ',' goes on, `close` ends the container.
  bool next_item(char close, bool *done) {
    ws();
    if (i >= n || (s[i] != ',' && s[i] != close))
      return fail(error_kind::invalid_json, i);
    *done = s[i++] == close;
    return true;
  }
  bool array(uint32_t depth) {
    ++i;
    ws();
    if (i < n && s[i] == ']')
      return ++i, true;
    while (true) {
      bool done;
      if (!value(depth) || !next_item(']', &done))
        return false;
      if (done)
        return true;
    }
  }
};

} // namespace

validation_error validate(std::string_view doc, uint32_t depth_max) {
  validator v{reinterpret_cast<const unsigned char *>(doc.data()),
              doc.size(),
              0,
              depth_max,
              {}};
  // UTF-8 outside strings is caught as a JSON syntax error at that byte;
  // inside strings, utf8_char() reports it.
  if (v.value(0)) {
    v.ws();
    if (v.i != v.n)
      v.fail(error_kind::invalid_json, v.i);
  }
  return v.err;
}

void string_literals(std::string_view doc,
                     std::vector<std::pair<uint32_t, uint32_t>> *out) {
  out->clear();
  const char *p = doc.data();
  const size_t n = doc.size();
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != '"')
      continue;
    size_t b = ++i;
    while (i < n && p[i] != '"')
      i += p[i] == '\\' ? 2 : 1;
    if (i >= n)
      return; // unterminated
    out->emplace_back(uint32_t(b), uint32_t(i));
  }
}

} // namespace maskd::core::json_text
