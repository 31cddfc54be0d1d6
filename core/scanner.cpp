#include "core/scanner.h"

#include "core/json_text.h"
#include "core/spaced.h"
#include "core/stable_sort.h"
#include "core/validators.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace maskd::core::scan {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

// A letter of an e-mail address beyond ASCII: Latin, Greek, Cyrillic or
// Armenian (U+00C0-U+05BF but '×' and '÷'), two bytes in UTF-8. Users
// type them ("jürgen.müller@...", "info@bücher.de"); words of those
// scripts stand apart by spaces. CJK text runs into an address with no
// space between, and stays out of it.
bool mail_letter(std::string_view t, size_t at) {
  if (at + 1 >= t.size())
    return false;
  unsigned char lead = static_cast<unsigned char>(t[at]),
                next = static_cast<unsigned char>(t[at + 1]);
  return lead >= 0xC3 && lead <= 0xD6 && next >= 0x80 && next <= 0xBF &&
         !(lead == 0xC3 && (next == 0x97 || next == 0xB7));
}

// True when text[pos-1] is the last character of a JSON escape sequence
// that is still escaped text (a string nested in a string): "\n4155550123"
// must not count 'n' as a letter glued to the number. Any run of
// backslashes counts, not only an odd one: a string nested L levels deep
// spells its escapes with 2^(L-1) backslashes here ("\\t" two levels
// down), and a replacement that took the letter would break that level's
// document. (Where the run is a literal backslash before a letter, this only
// moves a boundary by a letter.)
bool ends_escape(std::string_view t, size_t pos) {
  // An escape's last backslash sits 2 ("\\n") or 6 ("\\u00a0") bytes back.
  if (pos >= 2 && t[pos - 2] == '\\' && t[pos - 1] != '\0' &&
      std::strchr("nrtbf/", t[pos - 1]))
    return true;
  // A URL's percent-escape of an ASCII byte that is no letter or digit
  // ("?q=call%20415-555-0123", "card%3A4111..."): its hex digits are no
  // part of what follows.
  if (pos >= 3 && t[pos - 3] == '%' && is_hex(t[pos - 2]) &&
      is_hex(t[pos - 1])) {
    char ch = char(json_text::hex_value(t[pos - 2]) * 16 +
                   json_text::hex_value(t[pos - 1]));
    return static_cast<unsigned char>(ch) < 0x80 && !is_alnum(ch);
  }
  return ends_unicode_escape(t, pos);
}

} // namespace

bool ends_unicode_escape(std::string_view t, size_t pos) {
  return pos >= 6 && t[pos - 6] == '\\' && t[pos - 5] == 'u' &&
         is_hex(t[pos - 4]) && is_hex(t[pos - 3]) && is_hex(t[pos - 2]) &&
         is_hex(t[pos - 1]);
}

size_t nested_space_end(std::string_view t, size_t pos) {
  size_t i = pos;
  while (i < t.size() && t[i] == '\\' && i - pos < 8)
    ++i;
  if (i == pos || i + 5 > t.size() || t[i] != 'u')
    return 0;
  std::string_view hex = t.substr(i + 1, 4);
  auto lower = [](char c) { return char(c | 0x20); };
  bool nbsp =
      hex[0] == '0' && hex[1] == '0' && lower(hex[2]) == 'a' && hex[3] == '0';
  bool narrow =
      hex[0] == '2' && hex[1] == '0' && hex[2] == '2' && lower(hex[3]) == 'f';
  return nbsp || narrow ? i + 5 : 0;
}

namespace {

// The length of a no-break space at t[i] in UTF-8: U+00A0 (2 bytes) or the
// narrow U+202F (3, French typesetting: "NIR\u202f: ..."); 0 if none.
uint32_t wide_space(std::string_view t, uint32_t i) {
  if (i + 1 < t.size() && t[i] == '\xC2' && t[i + 1] == '\xA0')
    return 2;
  if (i + 2 < t.size() && t[i] == '\xE2' && t[i + 1] == '\x80' &&
      t[i + 2] == '\xAF')
    return 3;
  return 0;
}

} // namespace

size_t wide_space_end(std::string_view t, size_t pos) {
  if (const uint32_t w = wide_space(t, uint32_t(pos)))
    return pos + w;
  return pos < t.size() && t[pos] == '\\' ? nested_space_end(t, pos) : 0;
}

// Where the escape of a mail letter that a JSON document nested in the
// string spells ("\\u00fc": json.dumps writes "m\\u00fcller") begins, if
// one ends at `end` (the backslashes of deeper levels with it); else `end`.
uint32_t mail_escape_begin(std::string_view t, uint32_t end) {
  uint32_t cp = 0;
  if (!ends_unicode_escape(t, end) ||
      !json_text::read_hex4(t.data() + end - 4, t.data() + end, &cp) ||
      cp < 0xC0 || cp > 0x5BF || cp == 0xD7 || cp == 0xF7)
    return end;
  uint32_t b = end - 6;
  while (b > 0 && t[b - 1] == '\\' && end - b < 6 + 8)
    --b;
  return b;
}

size_t mail_escape_end(std::string_view t, size_t pos) {
  size_t u = pos;
  while (u < t.size() && t[u] == '\\' && u - pos < 8)
    ++u;
  return u > pos && u + 5 <= t.size() &&
                 mail_escape_begin(t, uint32_t(u + 5)) == pos
             ? u + 5
             : 0;
}

namespace {

// The first "\u" in t at or after i, 16 bytes a step (a nested document is
// full of backslashes, its quotes'). Reads up to 16 bytes past t: the text
// buffer has slack past every string.
size_t find_backslash_u(std::string_view t, size_t i) {
#if defined(__SSE2__)
  const __m128i bs = _mm_set1_epi8('\\'), u = _mm_set1_epi8('u');
  for (; i + 1 < t.size(); i += 16) {
    __m128i a =
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(t.data() + i));
    __m128i b =
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(t.data() + i + 1));
    unsigned m = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(a, bs)) &
                          _mm_movemask_epi8(_mm_cmpeq_epi8(b, u)));
    if (m) {
      size_t at = i + size_t(__builtin_ctz(m));
      return at + 1 < t.size() ? at : std::string_view::npos;
    }
  }
  return std::string_view::npos;
#else
  return t.find("\\u", i);
#endif
}

} // namespace

void add_escaped_word_ends(std::string_view t,
                           std::span<const std::string_view> words,
                           std::vector<uint32_t> &ends) {
  if (words.empty())
    return;
  auto same = [](char a, char w) {
    return a == w || (a >= 'A' && a <= 'Z' && char(a | 0x20) == w);
  };
  const size_t plain = ends.size();
  for (size_t q = find_backslash_u(t, 0); q != std::string_view::npos;
       q = find_backslash_u(t, q + 1))
    for (std::string_view w : words) {
      size_t k = w.find("\\u"); // where its first escape's 'u' is
      if (q < k || q - k + w.size() > t.size())
        continue;
      std::string_view at = t.substr(q - k, w.size());
      if (std::equal(at.begin(), at.end(), w.begin(), same))
        ends.push_back(uint32_t(q - k + w.size()));
    }
  if (ends.size() != plain) {
    std::sort(ends.begin() + long(plain), ends.end());
    std::inplace_merge(ends.begin(), ends.begin() + long(plain), ends.end());
  }
}

bool blocks(rules::edge e, char c) {
  switch (e) {
  case rules::edge::none:
    return false;
  case rules::edge::digit:
    return is_digit(c);
  case rules::edge::alnum:
    return is_alnum(c);
  case rules::edge::token:
    return is_alnum(c) || c == '_' || c == '-';
  case rules::edge::b64:
    return is_alnum(c) || c == '+' || c == '/' || c == '=' || c == '_' ||
           c == '-';
  }
  return false;
}

bool left_edge_ok(const rules::rule_def &r, std::string_view t, uint32_t from) {
  return from == 0 || !blocks(r.left, t[from - 1]) || ends_escape(t, from);
}

namespace {

bool edges_ok(const rules::rule_def &r, std::string_view t, uint32_t from,
              uint32_t to) {
  if (!left_edge_ok(r, t, from))
    return false;
  if (to < t.size() && blocks(r.right, t[to]))
    return false;
  return true;
}

// Whether a value a rule reads after (or before) its name or word holds one
// of our labels: the first pass masked a secret inside it and kept the
// rest, which it judged with the secret's bytes ("5-----BEGIN PRIVATE
// KEY-----" has spaces), or walked past it only in a rescan, where it is
// blanked (masker.cpp: drop_blanked). A second pass would judge it without
// them and take it whole (fuzz). Such a value stays.
bool holds_label(std::string_view val) {
  return val.find("[REDACTED_") != std::string_view::npos;
}

// True when hay[from, to) lies inside one of our labels, [REDACTED_<A-Z_>]
// (a label may be cut by the start of the window `hay`).
bool inside_label(std::string_view hay, size_t from, size_t to) {
  auto label_char = [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || ch == '_';
  };
  size_t b = from, e = to;
  while (b > 0 && label_char(hay[b - 1]))
    --b;
  while (e < hay.size() && label_char(hay[e]))
    ++e;
  bool opens =
      b == 0 || (hay[b - 1] == '[' && hay.substr(b).starts_with("REDACTED_"));
  bool closes = e < hay.size() && hay[e] == ']';
  return opens && closes;
}

// `glued`: a letter of the text precedes hay[0] (a word there is no word).
bool icontains_word(std::string_view hay, std::string_view word, bool glued) {
  if (word.size() > hay.size())
    return false;
  for (size_t i = 0; i + word.size() <= hay.size(); ++i) {
    if (i > 0 ? is_alpha(hay[i - 1]) : glued)
      continue; // words start at a word boundary ("hotel" is not "tel")
    size_t k = 0;
    while (k < word.size() && lower(hay[i + k]) == word[k])
      ++k;
    if (k != word.size())
      continue;
    // "[REDACTED_PHONE]", "[REDACTED_US_SSN]": our labels are not context
    // (else masking twice would mask more than once).
    if (inside_label(hay, i, i + word.size()))
      continue;
    return true;
  }
  return false;
}

// The context must be in the same sentence, close before the candidate: a
// phone word two sentences earlier says nothing about "Invoice 666907593".
// "Close" is 64 bytes of text that is neither masked in this pass nor one of
// our labels: the first and a second masking pass then measure the same
// distance, which keeps masking idempotent.
bool sentence_end_before(std::string_view t, size_t i, size_t from) {
  char ch = t[i - 1];
  return ch == '\n' || ch == '\r' ||
         ((ch == '.' || ch == '!' || ch == '?' || ch == ';') && i < from &&
          (t[i] == ' ' || t[i] == '\\')) ||
         (ch == '\\' && i < from && (t[i] == 'n' || t[i] == 'r'));
}

// Whether the '.' at `dot` ends an abbreviation a phone or SSN number
// follows ("Tel.", "Mobile No.", "Soc. Sec."), not a sentence: the word
// before it, alone, is one of these (ASCII letters in any case).
bool abbreviation_before(std::string_view t, size_t dot) {
  static constexpr std::string_view k_abbreviations[] = {
      "no", "nr", "tel", "t\xc3\xa9l", "t\xc3\x89l", "mob", "soc", "sec", "num",
      "ph",
      // тел, Тел, моб, Моб
      "\xd1\x82\xd0\xb5\xd0\xbb", "\xd0\xa2\xd0\xb5\xd0\xbb",
      "\xd0\xbc\xd0\xbe\xd0\xb1", "\xd0\x9c\xd0\xbe\xd0\xb1"};
  for (std::string_view a : k_abbreviations) {
    if (dot < a.size())
      continue;
    size_t b = dot - a.size();
    if (b > 0 &&
        (is_alnum(t[b - 1]) || static_cast<unsigned char>(t[b - 1]) >= 0x80))
      continue;
    if (validate::equals_ignore_case(t.substr(b, a.size()), a))
      return true;
  }
  return false;
}

// If t[..i) ends with one of our labels, where that label starts; else i.
size_t label_start_before(std::string_view t, size_t i) {
  if (i == 0 || t[i - 1] != ']')
    return i;
  size_t b = i - 1;
  while (b > 0 && ((t[b - 1] >= 'A' && t[b - 1] <= 'Z') || t[b - 1] == '_'))
    --b;
  if (b >= 1 && t[b - 1] == '[' && t.substr(b).starts_with("REDACTED_"))
    return b - 1;
  return i;
}

// Walks back from `from` over the reach of a context word and calls
// visit(b, e, glued) on each stretch [b, e) of unmasked, unlabelled text in
// it, nearest first, until visit returns true. NUL bytes are skipped free
// too: a rescan blanks what the scan before masked with NUL, and a second
// masking pass sees labels there, which are free. `glued`: the stretch
// starts where the reach ran out, right after a letter of unmasked text, so
// a word cut there is no word ("tcall" cut to "call"; a second pass, whose
// reach ends a few bytes elsewhere, must not find one the first did not).
// Bytes where walk_reach must look closer: a label's end, a NUL, and what
// may end a sentence (sentence_end_before).
constexpr auto reach_special = [] {
  std::array<bool, 256> s{};
  for (unsigned char c : {']', '\0', '\n', '\r', '.', '!', '?', ';', '\\'})
    s[c] = true;
  return s;
}();

template <class Visit>
bool walk_reach(std::string_view t, uint32_t from,
                std::span<const candidate> masked, Visit visit) {
  size_t budget = 64, i = from, piece_end = from;
  auto m = std::lower_bound(
      masked.begin(), masked.end(), from,
      [](const candidate &c, uint32_t f) { return c.to <= f; });
  while (i > 0 && budget > 0) {
    if (m != masked.begin() && std::prev(m)->to == i) {
      --m; // a range masked in this pass: skip it, free
      if (visit(i, piece_end, false))
        return true;
      i = piece_end = m->from;
      continue;
    }
    // Most bytes end no sentence, label or NUL run: one table lookup.
    if (!reach_special[uint8_t(t[i - 1])]) {
      --i;
      --budget;
      continue;
    }
    size_t label = label_start_before(t, i);
    if (label != i) {
      if (visit(i, piece_end, false))
        return true;
      i = piece_end = label;
      continue;
    }
    if (t[i - 1] == '\0') {
      if (visit(i, piece_end, false))
        return true;
      while (i > 0 && t[i - 1] == '\0')
        --i;
      piece_end = i;
      continue;
    }
    if (sentence_end_before(t, i, from) &&
        !(t[i - 1] == '.' && abbreviation_before(t, i - 1)))
      break;
    --i;
    --budget;
  }
  bool masked_before = m != masked.begin() && std::prev(m)->to == i;
  return visit(i, piece_end, i > 0 && !masked_before && is_alpha(t[i - 1]));
}

bool any_word_before(std::string_view t, uint32_t from,
                     std::span<const std::string_view> words,
                     std::span<const std::string_view> escaped,
                     std::span<const candidate> masked) {
  return walk_reach(t, from, masked, [&](size_t b, size_t e, bool glued) {
    std::string_view piece = t.substr(b, e - b);
    for (auto w : words)
      if (icontains_word(piece, w, glued))
        return true;
    // The accented words spelled with nested escapes need a backslash.
    if (!escaped.empty() && piece.find("\\u") != std::string_view::npos)
      for (auto w : escaped)
        if (icontains_word(piece, w, glued))
          return true;
    return false;
  });
}

size_t count_digits(std::string_view s) {
  return size_t(std::count_if(s.begin(), s.end(), is_digit));
}

bool all_same_digit(std::string_view s) {
  char first = 0;
  for (char c : s) {
    if (!is_digit(c))
      continue;
    if (!first)
      first = c;
    else if (c != first)
      return false;
  }
  return true;
}

// The digits of a phone number, without those of the no-break spaces
// spelled as nested escapes between its groups ("+33\u00a01...").
std::string_view phone_digits(std::string_view s, char (&buf)[64]) {
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n < sizeof buf; ++i) {
    if (size_t e = s[i] == '\\' ? nested_space_end(s, i) : 0) {
      i = e - 1;
      continue;
    }
    if (is_digit(s[i]))
      buf[n++] = s[i];
  }
  return {buf, n};
}

bool confirm_email(std::string_view t, candidate &c) {
  // The leftmost start may have swallowed quotes or dots that open the
  // address in prose or SQL ('jane@x.com'); trim them.
  while (c.from < c.to && (t[c.from] == '\'' || t[c.from] == '.'))
    ++c.from;
  std::string_view s = t.substr(c.from, c.to - c.from);
  size_t at = s.find('@'), at_len = 1;
  if (at == std::string_view::npos) {
    at = s.find("%40"); // percent-encoded, in a URL's query
    at_len = 3;
  }
  if (at == 0 || at == std::string_view::npos || at > 64)
    return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + at_len);
  if (local.back() == '.' || local.find("..") != std::string_view::npos)
    return false;
  if (domain.size() > 253 || domain.find("..") != std::string_view::npos)
    return false;
  size_t last_dot = domain.rfind('.');
  if (last_dot == std::string_view::npos || domain.size() - last_dot - 1 < 2)
    return false;
  for (size_t i = last_dot + 1; i < domain.size(); ++i)
    if (!is_alpha(domain[i]))
      return false; // the top-level domain is made of letters
  // Domain labels never start or end with '-'.
  for (size_t i = 0; i < domain.size(); ++i) {
    if (domain[i] != '-')
      continue;
    if (i == 0 || i + 1 == domain.size() || domain[i - 1] == '.' ||
        domain[i + 1] == '.')
      return false;
  }
  // The domain must end here: a longer domain would be a different
  // candidate ("a@b.co" inside "a@b.com").
  if (c.to < t.size()) {
    char n = t[c.to];
    if (is_alnum(n) || n == '-' || n == '_' || n == '@' || mail_letter(t, c.to))
      return false;
    if (n == '.' && c.to + 1 < t.size() && is_alnum(t[c.to + 1]))
      return false;
  }
  // The local part must start here too (e.g. not after a '+' or '_'); the
  // letter of an escape of a nested string ("\\nuser@...") is a boundary.
  if (c.from > 0 && !ends_escape(t, c.from)) {
    char p = t[c.from - 1];
    if (is_alnum(p) || p == '_' || p == '%' || p == '+' || p == '-' ||
        p == '@' || (c.from >= 2 && mail_letter(t, c.from - 2)))
      return false;
  }
  return true;
}

bool confirm_ipv4(std::string_view t, const candidate &c) {
  std::string_view s = t.substr(c.from, c.to - c.from);
  if (c.from > 0) {
    char p = t[c.from - 1];
    if (p == '.' || p == '_' || p == '-' || p == '/')
      return p == '/' && validate::ipv4(s); // "tcp://1.2.3.4" is fine
  }
  if (c.to < t.size()) {
    char n = t[c.to];
    if (n == '_' || ((n == '.' || n == '-') && c.to + 1 < t.size() &&
                     is_alnum(t[c.to + 1])))
      return false; // 1.2.3.4.5, 1.2.3.4-rc
  }
  return validate::ipv4(s);
}

bool confirm_ipv6(std::string_view t, const candidate &c) {
  std::string_view s = t.substr(c.from, c.to - c.from);
  if (c.from > 0 && (t[c.from - 1] == ':' || t[c.from - 1] == '.'))
    return false;
  if (c.to < t.size() && (t[c.to] == ':' || t[c.to] == '.'))
    return false;
  if (count_digits(s) == 0)
    return false; // "Bad::Cafe" is C++, not an address
  return validate::ipv6(s);
}

// A PuTTY private key file (.ppk): from its header through the end of its
// Private-MAC line (the key, its public half and comment with it, as a PEM
// block goes whole), or, cut short, to the end of the string (or of a
// nested one), not into a next file.
bool confirm_putty_key(std::string_view t, candidate &c) {
  size_t limit = std::min<size_t>(t.size(), size_t(c.to) + 64 * 1024);
  std::string_view rest = t.substr(c.to, limit - c.to);
  rest = rest.substr(0, rest.find('"'));
  rest = rest.substr(0, rest.find("PuTTY-User-Key-File-"));
  // The key's algorithm follows ("ssh-ed25519", "ecdsa-sha2-nistp256"):
  // not a sentence about the format.
  if (!rest.starts_with(" ssh-") && !rest.starts_with(" ecdsa-"))
    return false;
  size_t mac = rest.find("Private-MAC:");
  size_t e = rest.size();
  if (mac != std::string_view::npos) {
    e = mac + 12;
    while (e < rest.size() && rest[e] == ' ')
      ++e;
    while (e < rest.size() &&
           (is_digit(rest[e]) || (rest[e] >= 'a' && rest[e] <= 'f')))
      ++e;
  } else {
    // Not the backslashes of a nested string's closing quote ("\\\""): a
    // range that ends inside an escape is refused (review).
    while (e > 0 && (rest[e - 1] == '\n' || rest[e - 1] == '\r' ||
                     rest[e - 1] == ' ' || rest[e - 1] == '\\'))
      --e;
  }
  c.to = uint32_t(c.to + e);
  return true;
}

bool confirm_private_key(std::string_view t, candidate &c) {
  if (t[c.from] == 'P')
    return confirm_putty_key(t, c);
  // Mask the whole block: from BEGIN to its END line, or, for a truncated
  // block, to the end of its base64 body. A block never reaches past a quote
  // (the end of a nested string) nor into the next BEGIN: a truncated block
  // must not swallow the text up to a later block's END.
  constexpr std::string_view end_marker = "-----END";
  constexpr std::string_view tail = "PRIVATE KEY-----";
  constexpr std::string_view pgp_tail = "PRIVATE KEY BLOCK-----"; // PGP
  size_t limit = std::min<size_t>(t.size(), size_t(c.to) + 64 * 1024);
  std::string_view rest = t.substr(c.to, limit - c.to);
  // The quote first: the search for a later BEGIN then stops there too,
  // instead of running to the 64 KiB limit for every block.
  rest = rest.substr(0, rest.find('"'));
  rest = rest.substr(0, rest.find("-----BEGIN"));
  size_t e = rest.find(end_marker);
  if (e != std::string_view::npos) {
    for (std::string_view end_tail : {tail, pgp_tail}) {
      size_t k = rest.find(end_tail, e);
      if (k != std::string_view::npos && k - e < 64) {
        c.to = uint32_t(c.to + k + end_tail.size());
        return true;
      }
    }
  }
  size_t i = c.to, stop = c.to + rest.size();
  while (i < stop) {
    char ch = t[i];
    if (is_alnum(ch) || ch == '+' || ch == '/' || ch == '=' || ch == '\n' ||
        ch == '\r' || ch == ' ') {
      ++i;
      continue;
    }
    // "\n" of a PEM nested in a JSON string, at any nesting depth ("\\n").
    size_t k = i;
    while (k < stop && t[k] == '\\')
      ++k;
    if (k == i || k >= stop || (t[k] != 'n' && t[k] != 'r'))
      break;
    i = k + 1;
  }
  c.to = uint32_t(i);
  return true;
}

bool confirm_url_password(std::string_view t, candidate &c) {
  std::string_view s = t.substr(c.from, c.to - c.from);
  size_t scheme_end = s.find("://");
  if (scheme_end == std::string_view::npos)
    return false;
  size_t colon = s.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || s.back() != '@')
    return false;
  uint32_t from = c.from + uint32_t(colon + 1);
  uint32_t to = c.to - 1;
  // The match ends at the password's first '@'; the userinfo ends at the
  // authority's last (WHATWG URL), so a password written with a raw '@'
  // goes whole. The authority ends where the path, query or fragment
  // starts, or at a byte no password holds (the expression's class).
  for (size_t j = c.to, stop = std::min(t.size(), size_t(from) + 256); j < stop;
       ++j) {
    char ch = t[j];
    if (ch == '@')
      to = uint32_t(j);
    else if (ch == '/' || ch == '?' || ch == '#' || ch == '"' || ch == '\\' ||
             ch == '<' || ch == '>' || ch == '[' || ch == ']' || ch == '\0' ||
             ch == ' ' || (ch >= '\t' && ch <= '\r'))
      break;
  }
  std::string_view pw = t.substr(from, to - from);
  if (pw.empty() || validate::is_placeholder(pw))
    return false;
  c.from = from;
  c.to = to;
  return true;
}

// The value assigned to a name whose last byte is at `name_last`: a nested
// document's backslashes, a closing quote and spaces, then '=' or ':' (the
// separator: none, and there is no value), then spaces, backslashes and an
// opening quote. A quoted value runs to its closing quote (spaces and all)
// when that comes within `limit`, any other to the first byte that ends a
// value in a query, a connection string, a config line or a sentence.
struct assigned {
  uint32_t sep, from, to; // sep == 0: no separator
  char quote;             // the opening quote, or 0
  uint32_t scheme = 0;    // where an Authorization scheme word starts, or 0
  bool verb = false;      // "is" / "was" stands for the separator
  bool xml = false;       // <name>value</name>: the value runs to '<'
  bool block = false;     // a YAML block scalar: the indented lines after
};

// Bytes that end an unquoted value (a table: the walk runs over every byte
// of a value up to 300).
const std::array<bool, 256> &value_stops() {
  static const std::array<bool, 256> table = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view(" \t\n\v\f\r&;,\"'\\<>()[]{}`"))
      t[c] = true;
    t[0] = true;
    return t;
  }();
  return table;
}

// Whether the name ending at name_last takes its value after a space: a
// long option ("--password") or Redis's requirepass and masterauth.
bool spaced_name(std::string_view t, uint32_t name_last) {
  uint32_t k = name_last + 1;
  while (k > 0 && is_alpha(t[k - 1]))
    --k;
  const std::string_view name = t.substr(k, name_last + 1 - k);
  return (k >= 2 && t[k - 1] == '-' && t[k - 2] == '-') ||
         validate::equals_ignore_case(name, "requirepass") ||
         validate::equals_ignore_case(name, "masterauth");
}

// Whether the name ending at name_last ("password") follows "machine HOST
// login USER" (or "default login USER") as in a .netrc file ("machine
// api.heroku.com login me password PW", one entry per line or on one line).
bool netrc_login_before(std::string_view t, uint32_t name_last) {
  auto space = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
  };
  uint32_t k = name_last + 1;
  while (k > 0 && is_alpha(t[k - 1]))
    --k;
  // The word before `at`, after at least one space; `at` moves to its start.
  auto word_before = [&](uint32_t &at, std::string_view &w) {
    uint32_t e = at;
    while (e > 0 && space(t[e - 1]))
      --e;
    if (e == at || e == 0)
      return false;
    uint32_t b = e;
    while (b > 0 && !space(t[b - 1]))
      --b;
    w = t.substr(b, e - b);
    at = b;
    return true;
  };
  std::string_view user, login, host, machine;
  if (!word_before(k, user) || !word_before(k, login) ||
      !validate::equals_ignore_case(login, "login"))
    return false;
  uint32_t d = k;
  std::string_view def;
  if (word_before(d, def) && validate::equals_ignore_case(def, "default"))
    return true;
  return word_before(k, host) && word_before(k, machine) &&
         validate::equals_ignore_case(machine, "machine");
}

// The separator and where the value starts; `to` is left 0. For an
// Authorization header (check::authorization), a word of up to 25 letters,
// digits and '-' followed by spaces and more is the scheme: the value
// starts after it. For a password (check::password), "is" or "was" between
// spaces may stand for the separator ("my password is ...", "the password
// was: ..."): `verb` says so.
assigned assignment_head(std::string_view t, uint32_t name_last, uint32_t limit,
                         rules::check kind) {
  const bool scheme = kind == rules::check::authorization;
  uint32_t i = name_last + 1;
  bool verb = false, xml = false;
  // A name given with its separator ("?token="): the value follows.
  if (t[name_last] != '=') {
    for (uint32_t n = 0; n < 3 && i < limit && t[i] == '\\'; ++n)
      ++i;
    if (i < limit && (t[i] == '"' || t[i] == '\''))
      ++i;
    const uint32_t spaced = i;
    for (uint32_t n = 0; n < 3 && i < limit && t[i] == ' '; ++n)
      ++i;
    // What the password is for, between the name and its separator or
    // verb: "my password for the bank is ...", "SET PASSWORD FOR
    // 'bob'@'%' = '...'" (three words at most, on the line).
    if (i > spaced && kind == rules::check::password && i + 4 < limit &&
        validate::equals_ignore_case(t.substr(i, 4), "for ")) {
      uint32_t k = i + 4;
      for (uint32_t words = 0; words < 3 && k < limit; ++words) {
        while (k < limit && t[k] != ' ' && t[k] != '\n' && t[k] != ':' &&
               t[k] != '=')
          ++k;
        if (k < limit && (t[k] == ':' || t[k] == '=')) {
          i = k; // "for bob: ...", "... 'bob'@'%' = ..."
          break;
        }
        if (k + 1 >= limit || t[k] != ' ')
          break;
        ++k;
        if (t[k] == '=' ||
            validate::equals_ignore_case(t.substr(k, 3), "is ") ||
            validate::equals_ignore_case(t.substr(k, 4), "was ")) {
          i = k;
          break;
        }
      }
    }
    // (A secret's value after a verb must be key-like: see
    // unquoted_value_is_data.)
    if (i < limit && i > spaced &&
        (kind == rules::check::password || kind == rules::check::assignment)) {
      // "is", "was", "to" or "by" ("changed it to ...", MySQL's
      // "...password BY '...'"; German ist/war/lautet, French est, Spanish
      // es/era, Polish jest/to, Portuguese é, Italian è), then a space or
      // ':' (the separator: the last of a space and a ':' after the verb).
      for (std::string_view word :
           {"is", "was", "to", "by", "ist", "war", "lautet", "est", "es", "era",
            "jest", "\xc3\xa9", "\xc3\xa8"}) {
        uint32_t w = i + uint32_t(word.size());
        if (w + 1 < limit && (t[w] == ' ' || t[w] == ':') &&
            validate::equals_ignore_case(t.substr(i, word.size()), word)) {
          verb = true;
          i = w;
          if (t[i] == ' ' && t[i + 1] == ':')
            ++i;
          break;
        }
      }
    }
    // A .netrc entry ("machine HOST login USER password PW"), a command's
    // option or a config directive ("--password PW", "requirepass PW": one
    // space, the value no option), or a quoted value (SQL's "PASSWORD
    // 'PW'" and "IDENTIFIED BY 'PW'"): a space for the separator.
    bool spaced_sep = false;
    if (!verb && i < limit && i > spaced && t[spaced] == ' ' &&
        kind == rules::check::password && t[i] != '=' && t[i] != ':' &&
        (t[i] == '\'' || t[i] == '"' ||
         (i == spaced + 1 && t[i] != '-' && spaced_name(t, name_last)) ||
         netrc_login_before(t, name_last))) {
      spaced_sep = true;
      i = spaced; // the space stands for the separator
    }
    // A full-width colon (Chinese, Japanese), or Chinese 是 ("is") with no
    // space: its last byte stands for the separator.
    bool wide = false;
    if (!verb && !spaced_sep && i + 3 <= limit &&
        (kind == rules::check::password || kind == rules::check::assignment)) {
      std::string_view w = t.substr(i, 3);
      if (w == "\xef\xbc\x9a") {
        wide = true;
      } else if (w == "\xe6\x98\xaf" && kind == rules::check::password) {
        wide = verb = true;
      }
      if (wide)
        i += 2;
    }
    // <add key="ApiKey" value="..."/> (.NET configuration): the value
    // attribute after the name's is its value.
    if (!verb && i + 6 <= limit && i > name_last + 1 &&
        (t[name_last + 1] == '"' || t[name_last + 1] == '\'') &&
        validate::equals_ignore_case(t.substr(i, 6), "value="))
      i += 5;
    // <password>...</password>: an XML element named for the secret.
    if (!verb && i < limit && t[i] == '>' && i == name_last + 1) {
      uint32_t k = name_last;
      while (k > 0 && (is_alnum(t[k - 1]) || t[k - 1] == '_' ||
                       t[k - 1] == '-' || t[k - 1] == '.' || t[k - 1] == ':'))
        --k;
      xml = k > 0 && t[k - 1] == '<';
      if (!xml)
        return {0, 0, 0, 0};
    }
    if (!verb && !xml && !spaced_sep && !wide &&
        (i >= limit || (t[i] != '=' && t[i] != ':')))
      return {0, 0, 0, 0};
    ++i;
  }
  const uint32_t sep = i - 1;
  while (i < limit && t[i] == ' ')
    ++i;
  while (i < limit && t[i] == '\\')
    ++i;
  assigned v{sep, i, 0, 0};
  v.verb = verb;
  v.xml = xml;
  // A YAML block scalar ("password: |", "password: >-", then the value on
  // indented lines): the value starts on the next line.
  if (!verb && !xml && t[sep] == ':' && i < limit &&
      (t[i] == '|' || t[i] == '>')) {
    uint32_t k = i + 1;
    while (k < limit && (t[k] == '-' || t[k] == '+' || is_digit(t[k])) &&
           k - i <= 2)
      ++k;
    while (k < limit && t[k] == ' ')
      ++k;
    if (k + 1 < limit && t[k] == '\n' && t[k + 1] == ' ') {
      ++k;
      while (k < limit && t[k] == ' ')
        ++k;
      if (k < limit && t[k] != '\n') {
        v.from = k;
        v.block = true;
        return v;
      }
    }
  }
  if (i < limit && (t[i] == '"' || t[i] == '\'')) {
    v.quote = t[i];
    v.from = ++i;
  }
  if (scheme && i < limit && is_alpha(t[i])) {
    uint32_t w = i;
    while (w < limit && w - i < 25 && (is_alnum(t[w]) || t[w] == '-'))
      ++w;
    uint32_t k = w;
    while (k < limit && t[k] == ' ')
      ++k;
    if (k > w && k < limit &&
        !value_stops()[static_cast<unsigned char>(t[k])]) {
      v.scheme = i;
      v.from = k;
    }
  }
  return v;
}

assigned assignment_value(std::string_view t, uint32_t name_last,
                          uint32_t limit, rules::check kind) {
  assigned v = assignment_head(t, name_last, limit, kind);
  if (v.sep == 0)
    return v;
  uint32_t j = v.from;
  if (v.quote) {
    while (j < limit && t[j] != v.quote && t[j] != '\\' && t[j] != '\n' &&
           t[j] != '\0')
      ++j;
    if (j < limit && (t[j] == v.quote || t[j] == '\\')) {
      v.to = j;
      return v;
    }
    v.quote = 0; // no closing quote: the value ends as an unquoted one
    j = v.from;
  }
  if (v.block) {
    // Every line indented as deep as the first (or deeper), to the end of
    // the last.
    uint32_t indent = v.from;
    while (indent > 0 && t[indent - 1] == ' ')
      --indent;
    indent = v.from - indent;
    while (true) {
      while (j < limit && t[j] != '\n')
        ++j;
      v.to = j;
      uint32_t k = j + 1, d = 0;
      while (k < limit && t[k] == ' ')
        ++k, ++d;
      if (j >= limit || d < indent || k >= limit || t[k] == '\n')
        break;
      j = k;
    }
    while (v.to > v.from && (t[v.to - 1] == ' ' || t[v.to - 1] == '\r'))
      --v.to;
    return v;
  }
  if (v.xml) {
    // To the closing tag; without one, no element ("user:<password>@db").
    while (j < limit && t[j] != '<' && t[j] != '\0' && t[j] != '\n' &&
           t[j] != '\r' && t[j] != '\\')
      ++j;
    v.to = j < limit && t[j] == '<' && j + 1 < limit && t[j + 1] == '/'
               ? j
               : v.from;
    return v;
  }
  if (kind == rules::check::cookie) {
    // "a=b; c=d" runs to the end of the line (or of a nested string). A
    // no-break space spelled as a nested escape is in it: a phone holding
    // one, once masked, would no longer end the value, and a second pass
    // would reach further (fuzz).
    while (j < limit && t[j] != '\n' && t[j] != '\r' && t[j] != '"' &&
           t[j] != '\0') {
      if (t[j] == '\\') {
        size_t after = nested_space_end(t, j);
        if (after == 0 || after > limit)
          break;
        j = uint32_t(after);
        continue;
      }
      ++j;
    }
    while (j > v.from && t[j - 1] == ' ')
      --j;
    v.to = j;
    return v;
  }
  const auto &stop = value_stops();
  while (j < limit && !stop[static_cast<unsigned char>(t[j])])
    ++j;
  v.to = j;
  return v;
}

uint32_t assignment_limit(const rules::rule_def &r, std::string_view t,
                          uint32_t sep) {
  return uint32_t(std::min<size_t>(t.size(), size_t(sep) + r.max_len));
}

// Letters, digits and '_', in '.'-separated parts (a variable, an
// attribute path); `dotted` says whether there was more than one part.
bool identifier_path(std::string_view v, bool &dotted) {
  dotted = false;
  bool part_start = true;
  for (char ch : v) {
    if (ch == '.') {
      if (part_start)
        return false;
      dotted = part_start = true;
    } else if (is_alpha(ch) || ch == '_' || (is_digit(ch) && !part_start)) {
      part_start = false;
    } else {
      return false;
    }
  }
  return !part_start;
}

// `v` is the name `name` or ends with it as a part: "api_key",
// "OPENAI_API_KEY", "self.password" (not "Hunter2Secret").
bool names(std::string_view v, std::string_view name) {
  if (v.size() < name.size() ||
      !validate::equals_ignore_case(v.substr(v.size() - name.size()), name))
    return false;
  size_t at = v.size() - name.size();
  return at == 0 || name.front() == '_' || v[at - 1] == '_' || v[at - 1] == '.';
}

// An unquoted value is data, not code or prose. Code (coding agents'
// traces are full of it) passes a call, a subscript, an attribute or a
// variable named for the secret: "OpenAI(api_key=api_key)",
// "os.environ['KEY']", "password = getpass.getpass()". After a ':' the
// name may be a heading or a type ("Password: must be...", "password:
// str"): a password must hold a digit or a sign, as a secret does and a
// word does not; another secret must be key-like (16 bytes with a digit).
bool unquoted_value_is_data(const rules::rule_def &r, std::string_view t,
                            const assigned &v, std::string_view val) {
  const uint32_t sep = v.sep;
  char after = v.to < t.size() ? t[v.to] : '\0';
  if (after == '(' || after == '[')
    return false;
  bool dotted = false;
  if (identifier_path(val, dotted)) {
    for (std::string_view name : {"password", "passwd", "passphrase", "secret",
                                  "apikey", "api_key", "token", "_key"})
      if (names(val, name))
        return false;
    bool spaced = sep > 0 && t[sep - 1] == ' ';
    bool digit = std::any_of(val.begin(), val.end(), is_digit);
    if (spaced && t[sep] == '=' && (dotted || !digit))
      return false; // "api_key = settings.KEY", "password = get_password"
  }
  // Text in an element: a component's label ("<Password>Enter your
  // password</Password>"), not a password.
  if (v.xml)
    return std::none_of(val.begin(), val.end(),
                        [](char ch) { return ch == ' '; });
  // After a space (a .netrc entry, "--password PW") or a full-width colon
  // as after a ':'.
  const bool colon = t[sep] == ':' || t[sep] == ' ' ||
                     (sep >= 2 && t.substr(sep - 2, 3) == "\xef\xbc\x9a");
  if (!colon && !v.verb)
    return true;
  std::string_view core = val;
  if (core.size() > 1 &&
      (core.back() == '.' || core.back() == '!' || core.back() == '?' ||
       core.back() == ':' || core.back() == ','))
    core.remove_suffix(1);
  bool digit = std::any_of(core.begin(), core.end(), is_digit);
  if (r.validator != rules::check::password)
    return digit && core.size() >= 16;
  // After "is": prose says how a password is ("is case-sensitive", "is 12
  // characters long"); one with a digit, 6 bytes or more, is one.
  if (v.verb)
    return digit && core.size() >= 6;
  // Letters beyond ASCII are letters too ("Пароль: обязательно").
  return digit || !std::all_of(core.begin(), core.end(), [](char ch) {
           return is_alpha(ch) || static_cast<unsigned char>(ch) >= 0x80;
         });
}

// A word in a secret's place that says there is none, or names a type.
bool says_none(std::string_view val) {
  for (std::string_view w :
       {"none", "null", "nil", "undefined", "true", "false", "yes", "no",
        "required", "optional", "empty", "hidden", "redacted", "masked",
        "string", "str", "bool", "int"})
    if (validate::equals_ignore_case(val, w))
      return true;
  return false;
}

// `name` ends with `word` (small letters) as a word of its own, with more
// before it: after '_', '-' or '.' ("DB_PASS", "X-CSRF-Token"), or as a
// capital after a small letter ("smtpPass", "csrfToken").
bool ends_with_word(std::string_view name, std::string_view word) {
  if (name.size() <= word.size() ||
      !validate::equals_ignore_case(name.substr(name.size() - word.size()),
                                    word))
    return false;
  const size_t at = name.size() - word.size();
  const char before = name[at - 1];
  return before == '_' || before == '-' || before == '.' ||
         (name[at] >= 'A' && name[at] <= 'Z' && before >= 'a' && before <= 'z');
}

// `name` ends with "pass" as a word of its own (ends_with_word), or is
// "pass" ("bypass", "compass" are none).
bool short_pass_name(std::string_view name) {
  return validate::equals_ignore_case(name, "pass") ||
         ends_with_word(name, "pass");
}

// No small letter in `name` ("DB_PASS", an environment variable's).
bool in_capitals(std::string_view name) {
  return std::none_of(name.begin(), name.end(),
                      [](char ch) { return ch >= 'a' && ch <= 'z'; });
}

// A name ending in a separate "token" that does not say it holds a
// credential (secret_named: access, refresh, auth... token), and is no
// cursor of a paged list ("next_token", "nextPageToken", "sync_token"):
// its value is a secret when it looks like a key (other_token_value).
bool other_token_name(std::string_view name) {
  if (!ends_with_word(name, "token")) // not "token" alone: logprobs' own
    return false;
  std::string_view word = name.substr(0, name.size() - 5);
  while (!word.empty() && !is_alnum(word.back()))
    word.remove_suffix(1);
  for (std::string_view cursor : {"next", "page", "continuation", "sync"})
    if (word.size() >= cursor.size() &&
        validate::equals_ignore_case(word.substr(word.size() - cursor.size()),
                                     cursor))
      return false;
  return true;
}

// A key's look: 16 bytes or more, a digit, no space (a token, not a word,
// a special token of a tokenizer, "<|endoftext|>", or prose).
bool other_token_value(std::string_view val) {
  // Not a value holding a label: masked inside before, it grew past 16
  // bytes ("10.0.0.1:8080"), and a second pass would take it whole.
  return val.size() >= 16 && !holds_label(val) &&
         std::any_of(val.begin(), val.end(), is_digit) &&
         std::none_of(val.begin(), val.end(), [](char ch) {
           return ch == ' ' || (ch >= '\t' && ch <= '\r');
         });
}

// A name ending in a separate "key" ("DD_APPLICATION_KEY",
// "x-functions-key", "licenseKey") that secret_named does not name a secret
// by (api, secret, access, encryption... key), and not one whose values are
// public or names of things: a public key, a store's key of a record, a
// cache's, a message's ("public_key", "sort_key", "cache_key",
// "idempotency_key", "i18n_key"). Its value is a secret when it looks like
// one (other_key_value).
bool other_key_name(std::string_view name) {
  if (!ends_with_word(name, "key"))
    return false;
  std::string_view word = name.substr(0, name.size() - 3);
  while (!word.empty() && !is_alnum(word.back()))
    word.remove_suffix(1);
  for (std::string_view kept :
       {"public",    "publishable", "pub",       "foreign",     "sort",
        "partition", "hash",        "range",     "cache",       "object",
        "routing",   "idempotency", "dedup",     "dedupe",      "lookup",
        "row",       "group",       "message",   "translation", "i18n",
        "label",     "item",        "node",      "s3",          "file",
        "path",      "unique",      "composite", "index",       "map",
        "field",     "attribute",   "config",    "state",       "event",
        "metric",    "cursor",      "next",      "page",        "sync",
        "host",      "gpg",         "pgp",       "verify",      "verification",
        "hot",       "shortcut",    "query",     "flag",        "error",
        "active",    "list",        "table"})
    // The name's last word, whole ("ESCROW_KEY" is no row's key).
    if (word.size() >= kept.size() &&
        validate::equals_ignore_case(word.substr(word.size() - kept.size()),
                                     kept) &&
        (word.size() == kept.size() || ends_with_word(word, kept)))
      return false;
  return true;
}

// 16 to `most` letters, digits and bytes of `extra`, with a digit and a
// letter among them: a key's run, not a word, a number or a path.
bool key_run(std::string_view val, size_t most, std::string_view extra) {
  if (val.size() < 16 || val.size() > most)
    return false;
  bool digit = false, letter = false;
  for (char ch : val) {
    digit = digit || is_digit(ch);
    letter = letter || is_alpha(ch);
    if (!is_alnum(ch) && extra.find(ch) == std::string_view::npos)
      return false;
  }
  return digit && letter;
}

// A secret's look, stricter than a token's: 16-256 bytes of letters,
// digits and '+', '/', '=', '_', '-' with a digit and a letter, random
// enough (entropy over 3 bits a byte), not a UUID (an idempotency key's, a
// record's id). A path, a cache key ("user:123:profile"), a routing key
// ("orders.created.v1") have other bytes.
bool other_key_value(std::string_view val) {
  if (!key_run(val, 256, "+/=_-") || validate::entropy_compare(val, 3.0) <= 0)
    return false;
  // Words: a template's or a constant's name ("summarize_v2_long_form",
  // "ERR_PAYMENT_DECLINED_402"), an identifier ("persistedAppStateV2").
  if (validate::reads_as_words(val, true))
    return false;
  const bool uuid = val.size() == 36 && val[8] == '-' && val[13] == '-' &&
                    val[18] == '-' && val[23] == '-' &&
                    std::all_of(val.begin(), val.end(), [](char ch) {
                      return is_hex(ch) || ch == '-';
                    });
  return !uuid && !validate::is_placeholder(val);
}

// Whether the value of `name`, a name ending in a separate "key" that
// secret_named does not name a secret by, is kept: the name is a public
// key's or a record's, or the value has no secret's look. Out of line:
// inlined into confirm_assignment, it cost the medium bench body ~5%.
[[gnu::noinline]] bool other_key_refused(std::string_view name,
                                         std::string_view val) {
  // A name that says secret anywhere ("APP_SECRET_HASH_KEY") is one.
  for (size_t i = 0; i + 6 <= name.size(); ++i)
    if (validate::equals_ignore_case(name.substr(i, 6), "secret"))
      return false;
  return ends_with_word(name, "key") &&
         secret_named(name) != keyed_secret::secret &&
         !(other_key_name(name) && other_key_value(val));
}

// A URL's query parameter named "key", "auth" or "access_key" (the name
// before the '=' at `eq`): words too common to take any value.
bool weak_query_name(std::string_view t, uint32_t eq) {
  uint32_t k = eq;
  while (k > 0 && (is_alnum(t[k - 1]) || t[k - 1] == '_'))
    --k;
  const std::string_view name = t.substr(k, eq - k);
  return validate::equals_ignore_case(name, "key") ||
         validate::equals_ignore_case(name, "auth") ||
         validate::equals_ignore_case(name, "access_key");
}

// A key's value in a URL: 16 to 128 letters, digits, '-' and '_', a
// digit and a letter among them (not a path, "?key=uploads/2024/a.png",
// nor a word or a number).
bool query_key_value(std::string_view val) { return key_run(val, 128, "-_"); }

// A value under a name ending in "pass" (short_pass_name): not a bare
// number (a count: "first_pass=3") nor prose; under a name not in capitals
// not a word either ("test_pass: done"). "DB_PASS=postgres" is a password.
bool short_pass_value(std::string_view val, bool capitals) {
  if (std::all_of(val.begin(), val.end(), is_digit))
    return false;
  if (std::any_of(val.begin(), val.end(), [](char ch) { return ch == ' '; }))
    return false;
  return capitals || !std::all_of(val.begin(), val.end(), is_alpha);
}

// A value worth hiding: not empty, not a reference to one kept elsewhere
// ($VAR, %s, ${VAR}, <your password>), not a word that says there is none
// (None, null, true, required), and unquoted, data (unquoted_value_is_data).
bool confirm_assignment(const rules::rule_def &r, std::string_view t,
                        candidate &c) {
  // The value's end is the candidate's (extend_end walked it); a quoted
  // value ends at its closing quote.
  const uint32_t limit = assignment_limit(r, t, c.from);
  assigned v = assignment_head(t, c.from, limit, r.validator);
  // Bearer and Basic credentials are their rules' (labels of their own).
  if (v.scheme != 0) {
    std::string_view word = t.substr(v.scheme, v.from - v.scheme);
    while (!word.empty() && word.back() == ' ')
      word.remove_suffix(1);
    if (validate::equals_ignore_case(word, "bearer") ||
        validate::equals_ignore_case(word, "basic"))
      return false;
  }
  v.to = c.to;
  if (v.quote && !(c.to < limit && (t[c.to] == v.quote || t[c.to] == '\\')))
    v.quote = 0;
  if (v.sep == 0 || v.to <= v.from)
    return false;
  std::string_view val = t.substr(v.from, v.to - v.from);
  char first = val.front();
  if (first == '=' || first == ':' || first == '$' || first == '%' ||
      validate::is_placeholder(val))
    return false;
  if (holds_label(val))
    return false;
  // After a space, a quote may close the string the name stands in, in a
  // JSON document nested in the text ("stop--password "}], "usage"): what
  // follows it is the document's structure, no value (fuzz).
  if (v.quote && t[v.sep] == ' ') {
    const size_t k = val.find_first_not_of(' ');
    if (k != std::string_view::npos &&
        std::string_view("}],:").find(val[k]) != std::string_view::npos)
      return false;
  }
  // A link ("Reset password: https://..."), not a password (a URL's own
  // password is url_password's).
  if (val.find("://") != std::string_view::npos)
    return false;
  // PWD=/home/bob in an environment dump is the working directory.
  if ((first == '/' || first == '~') && c.from >= 2 &&
      validate::equals_ignore_case(t.substr(c.from - 2, 3), "pwd"))
    return false;
  if (says_none(val))
    return false;
  // The name the rule's literal ends (not a query's "?token="): "DB_PASS",
  // "--smtp-pass" (the rule's "_pass" and "-pass"), "HF_TOKEN".
  uint32_t k = c.from + 1;
  while (k > 0 && (is_alnum(t[k - 1]) || t[k - 1] == '_' || t[k - 1] == '-' ||
                   t[k - 1] == '.'))
    --k;
  const std::string_view name = t.substr(k, c.from + 1 - k);
  // A name ending in a separate "pass" (short_pass_name; not "requirepass").
  if (r.validator == rules::check::password && short_pass_name(name) &&
      !short_pass_value(val, in_capitals(name)))
    return false;
  if (r.validator == rules::check::assignment && t[c.from] == '=' &&
      weak_query_name(t, c.from) && !query_key_value(val))
    return false;
  // A Docker config's "auth" (a quoted name: the rule's "\"auth") and
  // .npmrc's _auth= hold base64 of "user:password", and nothing else.
  if (r.validator == rules::check::assignment &&
      (validate::equals_ignore_case(name, "auth") ||
       (t[c.from] == '=' && c.from >= 5 &&
        validate::equals_ignore_case(t.substr(c.from - 5, 5), "_auth"))) &&
      !validate::basic_credential(val))
    return false;
  // The rule's "_token" and "-token": a name that says it holds a
  // credential takes any value; another one a key's.
  if (r.validator == rules::check::assignment &&
      ends_with_word(name, "token") &&
      secret_named(name) != keyed_secret::secret &&
      !(other_token_name(name) && other_token_value(val)))
    return false;
  // And "_key", "-key", "Key" the same, with a secret's look for another
  // name's value.
  if (r.validator == rules::check::assignment && other_key_refused(name, val))
    return false;
  if (!v.quote && !unquoted_value_is_data(r, t, v, val))
    return false;
  c.from = v.from;
  // A sentence's own full stop or comma stays ("my password is X1abcd.").
  char last = val.back();
  if (v.verb && !v.quote && val.size() > 1 &&
      (last == '.' || last == ',' || last == '!' || last == '?'))
    --c.to;
  return true;
}

// Whether a word starting at `start` stands apart: no digit, letter or
// label's ']' glued before it (a camelCase hump or '_' may be: "cardCvv",
// "card_cvc"). A label's end is what a value glued to the word left: its
// last byte refused the word on the first pass.
bool word_stands_apart(std::string_view t, uint32_t start) {
  if (start == 0)
    return true;
  const char before = t[start - 1];
  const bool hump =
      t[start] >= 'A' && t[start] <= 'Z' && before >= 'a' && before <= 'z';
  return !(is_digit(before) || (is_alpha(before) && !hump) || before == ']');
}

// Whether a number after a word reads as a year of these two centuries,
// as one after a bare word often does ("the CVC 2023 model", "the MRN 2024
// migration").
bool reads_as_year(std::string_view v) {
  return v.size() == 4 && (v.starts_with("19") || v.starts_with("20"));
}

// Past the separators that follow a word at `i`: up to 8 spaces (also
// no-break ones, and those spelled as nested escapes), ':', '=', '#', '-',
// quotes, tabs, Markdown's '*' and '|' ("**CPF:** ...", "| CVV | 123 |"),
// and a nested document's backslashes, maybe with
// one of `verbs` among them ("my cvc is 123", "born on 12 March 1985"):
// after a space, before a space or ':'. `i` itself when there are none.
// *strong: whether a ':', '=' or '#' was among them (a value follows; after
// spaces alone, or a verb, it may be prose).
uint32_t past_separators(std::string_view t, uint32_t i,
                         std::initializer_list<std::string_view> verbs,
                         bool *strong) {
  const uint32_t n = uint32_t(t.size());
  auto separator = [](char ch) {
    return ch == ' ' || ch == ':' || ch == '=' || ch == '#' || ch == '-' ||
           ch == '"' || ch == '\'' || ch == '\t' || ch == '*' || ch == '|';
  };
  const uint32_t sep = i;
  *strong = false;
  bool line_crossed = false;
  // Up to 8 separators; a nested document's backslashes do not count (its
  // quotes three levels down are \\\\\\\", seven of them a quote), but
  // 40 bytes in all at most.
  uint32_t units = 0;
  while (i < n && units < 8 && i - sep < 40) {
    // A no-break space, also spelled as a nested escape ("\\u00a0").
    if (const size_t e = wide_space_end(t, i)) {
      i = uint32_t(e);
      ++units;
      continue;
    }
    if (t[i] == '\\') {
      // A nested document's quote (its backslashes read past, the
      // quote next), tab and, after a ':', '=' or '#', one line break.
      // Any other escape ends the separators: no value starts inside one.
      uint32_t k = i;
      while (k < n && t[k] == '\\' && k - i < 8)
        ++k;
      const bool odd = (k - i) % 2 == 1;
      if (odd && k < n && t[k] == '"') {
        i = k;
        continue;
      }
      if (odd && k < n &&
          (t[k] == 't' || (t[k] == 'n' && *strong && !line_crossed))) {
        line_crossed = line_crossed || t[k] == 'n';
        i = k + 1;
        ++units;
        continue;
      }
      break;
    }
    // One line break after a ':', '=' or '#' ("CPF:\n529.982.247-25").
    if ((t[i] == '\n' || t[i] == '\r') && *strong && !line_crossed) {
      line_crossed = true;
      i += t[i] == '\r' && i + 1 < n && t[i + 1] == '\n' ? 2 : 1;
      ++units;
      continue;
    }
    if (!separator(t[i]))
      break;
    *strong = *strong || t[i] == ':' || t[i] == '=' || t[i] == '#';
    ++i;
    ++units;
  }
  // A verb after a space (also a no-break one), then a space or ':'.
  if (i == sep || (t[i - 1] != ' ' && t[i - 1] != '\xA0' && t[i - 1] != '\xAF'))
    return i;
  for (std::string_view verb : verbs) {
    const uint32_t e = i + uint32_t(verb.size());
    if (e < n && (t[e] == ' ' || t[e] == ':' || wide_space(t, e) != 0) &&
        validate::equals_ignore_case(t.substr(i, verb.size()), verb)) {
      i = e;
      while (i < n && i - e < 6) {
        const uint32_t w = wide_space(t, i);
        if (w == 0 && !separator(t[i]))
          break;
        i += w != 0 ? w : 1;
      }
      break;
    }
  }
  return i;
}

// Past a word at `i` that says what follows ("CVV code", "cvvNumber",
// "medical record no."): maybe a space, '_' or '-', one of `words` (any
// case) that no letter or digit follows, and a two-letter one's full stop.
// `i` itself when none is there.
uint32_t past_naming_word(std::string_view t, uint32_t i,
                          std::initializer_list<std::string_view> words) {
  const uint32_t n = uint32_t(t.size());
  uint32_t k = i;
  if (k < n && (t[k] == ' ' || t[k] == '_' || t[k] == '-' || t[k] == '\t'))
    ++k;
  else if (const size_t e = wide_space_end(t, k))
    k = uint32_t(e); // also "\\u00a0" in a nested document
  for (std::string_view word : words) {
    const uint32_t e = k + uint32_t(word.size());
    if (e <= n &&
        validate::equals_ignore_case(t.substr(k, word.size()), word) &&
        (e == n || !is_alnum(t[e])))
      return e < n && t[e] == '.' && word.size() == 2 ? e + 1 : e;
  }
  return i;
}

// The digits of a card security code whose word a pass-1 hit of
// card_security_code ends at `end` ("cvv", "CVC", "cav2", "security code"):
// the word glued to no letter or digit before it (a camelCase hump or a '_'
// may be: "cardCvv", "card_cvc"); then "2" (CVV2, CVC2) and a word saying
// what follows ("code", "number", "no", "nr": "CVV code", "cvv_number",
// "cvcNumber"); then separators (past_separators: spaces, ':', '=', '#',
// '-', quotes, Markdown's '*' and '|', one line break after a ':'...),
// maybe with "is" among them;
// then 3 or 4 digits that no digit or letter follows, nor '-', '/', '.' or
// ',' and a digit (a date, a phone, an amount). {0, 0} when there are none.
std::pair<uint32_t, uint32_t> card_code_digits(std::string_view t,
                                               uint32_t end) {
  const uint32_t n = uint32_t(t.size());
  const char last = lower(t[end - 1]);
  const uint32_t len = last == '2' ? 4 : last == 'e' ? 13 : 3;
  if (end < len)
    return {0, 0};
  const uint32_t start = end - len;
  if (!word_stands_apart(t, start))
    return {0, 0};
  uint32_t i = end;
  if (len == 3 && i < n && t[i] == '2')
    ++i;
  i = past_naming_word(t, i, {"number", "code", "num", "nr", "no"});
  // Spaces alone, or "is", may be prose ("HTTP security code 401", "the
  // CVC 2023 model").
  bool strong = false;
  const uint32_t sep = i;
  i = past_separators(t, i, {"is"}, &strong);
  if (i == sep)
    return {0, 0};
  uint32_t j = i;
  while (j < n && is_digit(t[j]) && j - i < 5)
    ++j;
  if (j - i < 3 || j - i > 4)
    return {0, 0};
  if (j < n && (is_alpha(t[j]) ||
                ((t[j] == '-' || t[j] == '/' || t[j] == '.' || t[j] == ',') &&
                 j + 1 < n && is_digit(t[j + 1]))))
    return {0, 0};
  if (!strong) {
    // A year after a bare word is one ("the CVC 2023 model").
    if (reads_as_year(t.substr(i, j - i)))
      return {0, 0};
    // "security code" alone is also a program's: a card named within 80
    // bytes before it, or a ':' / '=' after it.
    if (len == 13) {
      const uint32_t floor = start > 80 ? start - 80 : 0;
      bool card = false;
      // Not a word of a label ("[REDACTED_CREDIT_CARD]", also where the
      // window cuts one): a second pass must decide as the first.
      for (uint32_t k = floor; k < start && !card; ++k)
        for (std::string_view w : {"card", "visa", "amex", "cvv", "cvc"})
          if (k + w.size() <= start &&
              validate::equals_ignore_case(t.substr(k, w.size()), w) &&
              !inside_label(t, k, k + w.size())) {
            card = true;
            break;
          }
      if (!card)
        return {0, 0};
    }
  }
  return {i, j};
}

// The length of a date of birth at the start of `s`, 0 if none is there:
// 1985-03-12 (also with '/' or '.'), 12.03.1985, 03/12/1985, 12-03-85 (day
// and month in either order, the same separator twice), 19850312, 12 March
// 1985, 12th March 1985, 12-Mar-1985, 12-MAR-85, 12/Mar/1985, 12 Mar 85,
// March 12, 1985, Mar 12th 1985. A real day of a real month, a year from
// 1900 to 2099 (or two digits).
size_t date_length(std::string_view s) {
  const size_t n = s.size();
  auto digits = [&](size_t at) {
    size_t k = at;
    while (k < n && is_digit(s[k]) && k - at < 9)
      ++k;
    return k - at;
  };
  auto number = [&](size_t at, size_t len) {
    unsigned v = 0;
    for (size_t k = at; k < at + len; ++k)
      v = v * 10 + unsigned(s[k] - '0');
    return v;
  };
  auto valid = [](unsigned y, unsigned m, unsigned d, size_t year_digits) {
    if (year_digits == 4 && (y < 1900 || y > 2099))
      return false;
    if (m < 1 || m > 12 || d < 1)
      return false;
    static constexpr unsigned days[] = {31, 29, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
    return d <= days[m - 1] &&
           !(m == 2 && d == 29 && year_digits == 4 &&
             (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
  };
  // A month's name or its first three letters ("Sept" too): its number.
  auto month = [&](size_t at, size_t *len) -> unsigned {
    static constexpr std::string_view names[] = {
        "january", "february", "march",     "april",   "may",      "june",
        "july",    "august",   "september", "october", "november", "december"};
    size_t k = at;
    while (k < n && is_alpha(s[k]))
      ++k;
    const std::string_view word = s.substr(at, k - at);
    for (unsigned m = 0; m < 12; ++m)
      if (word.size() >= 3 && word.size() <= names[m].size() &&
          (word.size() == 3 || word.size() == names[m].size() ||
           (m == 8 && word.size() == 4)) &&
          validate::equals_ignore_case(word, names[m].substr(0, word.size()))) {
        *len = k - at + (k < n && s[k] == '.' && word.size() < 5);
        return m + 1;
      }
    return 0;
  };
  auto year4 = [&](size_t at) { return digits(at) == 4 ? number(at, 4) : 0u; };
  // Past a day's ordinal suffix at `at` ("12th"), if one is there.
  auto past_ordinal = [&](size_t at) {
    for (std::string_view suffix : {"st", "nd", "rd", "th"})
      if (at + 2 <= n && validate::equals_ignore_case(s.substr(at, 2), suffix))
        return at + 2;
    return at;
  };
  const size_t a = digits(0);
  if (a == 8)
    return valid(number(0, 4), number(4, 2), number(6, 2), 4) ? 8 : 0;
  if (a == 4) { // year, month, day
    const char sep = 4 < n ? s[4] : '\0';
    if (sep != '-' && sep != '/' && sep != '.')
      return 0;
    const size_t m = digits(5);
    if (m < 1 || m > 2 || 5 + m >= n || s[5 + m] != sep)
      return 0;
    const size_t d = digits(6 + m);
    if (d < 1 || d > 2 ||
        !valid(number(0, 4), number(5, m), number(6 + m, d), 4))
      return 0;
    return 6 + m + d;
  }
  if (a == 1 || a == 2) {
    const unsigned first = number(0, a);
    const char sep = a < n ? s[a] : '\0';
    if (sep == '-' || sep == '/' || sep == '.') {
      if (const size_t b = digits(a + 1); b == 1 || b == 2) {
        // Day and month, either order, then the year.
        const size_t at = a + 1 + b;
        const size_t y = at < n && s[at] == sep ? digits(at + 1) : 0;
        if (y != 2 && y != 4)
          return 0;
        const unsigned second = number(a + 1, b), year = number(at + 1, y);
        return valid(year, second, first, y) || valid(year, first, second, y)
                   ? at + 1 + y
                   : 0;
      }
    }
    // 12 March 1985, 12. March 1985, 12th March 1985, 12-Mar-85,
    // 12/Mar/1985, 12 Mar 85: the month's name between two of one gap.
    size_t k = past_ordinal(a);
    char gap = ' ';
    if (k < n && (s[k] == '-' || s[k] == '/')) {
      gap = s[k];
    } else {
      if (k < n && s[k] == '.')
        ++k;
      if (k >= n || s[k] != ' ')
        return 0;
    }
    ++k;
    size_t len = 0;
    const unsigned m = month(k, &len);
    k += len;
    if (!m || k >= n || s[k] != gap)
      return 0;
    const size_t y = digits(k + 1);
    if ((y != 2 && y != 4) || !valid(number(k + 1, y), m, first, y))
      return 0;
    return k + 1 + y;
  }
  if (a != 0)
    return 0;
  // March 12, 1985; Mar 12th 1985
  size_t len = 0;
  const unsigned m = month(0, &len);
  if (!m || len >= n || s[len] != ' ')
    return 0;
  size_t k = len + 1;
  const size_t d = digits(k);
  if (d < 1 || d > 2)
    return 0;
  const unsigned day = number(k, d);
  k = past_ordinal(k + d);
  if (k < n && s[k] == ',')
    ++k;
  if (k >= n || s[k] != ' ' || !valid(year4(k + 1), m, day, 4))
    return 0;
  return k + 5;
}

// The length of a medical record number at the start of `s`: 4-20
// letters, digits and single '-' between them, 4 digits or more; 0 if
// there is none.
size_t record_number_length(std::string_view s) {
  size_t j = 0, digits = 0;
  while (j < s.size() && j <= 20 &&
         (is_alnum(s[j]) ||
          (s[j] == '-' && j > 0 && j + 1 < s.size() && is_alnum(s[j + 1])))) {
    digits += is_digit(s[j]);
    ++j;
  }
  return j >= 4 && j <= 20 && digits >= 4 ? j : 0;
}

// The medical record number after a word that a pass-1 hit of
// medical_record_number ends at `end` ("MRN", "medical record", with
// "number", "no." or "nr" after it): the word standing apart
// (word_stands_apart), separators after it (past_separators, "is"), then
// the number (record_number_length) that no letter or digit follows, nor
// '.', '/' or ',' and a digit. After spaces alone, not a year ("the MRN 2024
// migration"). {0, 0} when there is none.
std::pair<uint32_t, uint32_t> record_number_value(std::string_view t,
                                                  uint32_t end) {
  const uint32_t n = uint32_t(t.size());
  uint32_t start = end - 3; // "mrn"
  if (lower(t[end - 1]) == 'd') {
    // "medical record", "medical_record", "medicalRecord"
    const char gap = t[end - 7];
    start = gap == ' ' || gap == '_' || gap == '-' ? end - 14 : end - 13;
  }
  if (!word_stands_apart(t, start))
    return {0, 0};
  const uint32_t named = past_naming_word(t, end, {"number", "nr", "no"});
  bool strong = false;
  const uint32_t i = past_separators(t, named, {"is"}, &strong);
  if (i == named)
    return {0, 0};
  const uint32_t j = i + uint32_t(record_number_length(t.substr(i, 22)));
  if (j == i || (j < n && (is_alnum(t[j]) ||
                           ((t[j] == '.' || t[j] == '/' || t[j] == ',') &&
                            j + 1 < n && is_digit(t[j + 1])))))
    return {0, 0};
  if (!strong && reads_as_year(t.substr(i, j - i)))
    return {0, 0};
  return {i, j};
}

// The national identifiers read after their words (locator::after_word)
// or under a key named for them: the check of each rule, the keyed kind,
// and the validator that reads one (validators.h).
struct national_id {
  rules::check check;
  keyed_secret kind;
  size_t (*length)(std::string_view);
};
constexpr national_id national_ids[] = {
    {rules::check::nino, keyed_secret::nino, validate::uk_nino},
    {rules::check::nhs_number, keyed_secret::nhs_number,
     validate::uk_nhs_number},
    {rules::check::ca_sin, keyed_secret::ca_sin, validate::ca_sin},
    {rules::check::de_tax_id, keyed_secret::de_tax_id, validate::de_tax_id},
    {rules::check::fr_nir, keyed_secret::fr_nir, validate::fr_nir},
    {rules::check::es_nif, keyed_secret::es_nif, validate::es_nif},
    {rules::check::it_fiscal_code, keyed_secret::it_fiscal_code,
     validate::it_fiscal_code},
    {rules::check::br_cpf, keyed_secret::br_cpf, validate::br_cpf},
    {rules::check::in_aadhaar, keyed_secret::in_aadhaar, validate::in_aadhaar},
    {rules::check::in_pan, keyed_secret::in_pan, validate::in_pan},
};

const national_id *national_id_checked(rules::check c) {
  for (const national_id &id : national_ids)
    if (id.check == c)
      return &id;
  return nullptr;
}

} // namespace

keyed_secret national_id_kind(rules::check c) {
  const national_id *id = national_id_checked(c);
  return id ? id->kind : keyed_secret::none;
}

namespace {

const national_id *national_id_keyed(keyed_secret k) {
  for (const national_id &id : national_ids)
    if (id.kind == k)
      return &id;
  return nullptr;
}

// The national identifier after a word that a pass-1 hit of its rule ends
// at `end` ("NHS", "SIN", "Steuer-ID", "CPF", "codice fiscale"...: the
// expression holds the word whole, no letter, digit or label's ']' before
// it, and maybe "_number" or "_card" after it): up to two words saying what
// follows ("number", "no.", "card", "n\xc2\xb0": "PAN card number"), then
// separators (past_separators, maybe "is"), then the identifier (its
// validator) that no letter or digit follows, nor a separator and a digit
// (a longer number). {0, 0} when there is none.
std::pair<uint32_t, uint32_t>
national_id_value(const national_id &id, std::string_view t, uint32_t end) {
  const uint32_t n = uint32_t(t.size());
  // The hit ends one byte past the word (rules.cpp: WORD_END); an
  // abbreviation's full stop ("NI No.", "IdNr.") is the word's.
  uint32_t named = --end;
  if (named < n && t[named] == '.')
    ++named;
  for (int words = 0; words < 2; ++words)
    named = past_naming_word(
        t, named,
        {"number", "nr", "no", "num", "card", "nummer", "numero",
         "n\xc3\xbamero", "n\\u00famero", "n\xc2\xb0", "n\xc2\xba",
         "n.\xc2\xba", "n.\xc2\xb0", "n\\u00b0", "n\\u00ba", "n.\\u00ba"});
  // The value after the separators, maybe with a verb among them ("is",
  // "ist", "est", "es"); or, when there is none after it, after the
  // separators alone: the verb was the value's start ("NINO: ES 12 34 56 A").
  bool strong = false;
  const uint32_t bare = past_separators(t, named, {}, &strong);
  if (bare == named)
    return {0, 0};
  const uint32_t verb =
      past_separators(t, named, {"is", "ist", "est", "es"}, &strong);
  for (uint32_t i : {verb, bare}) {
    // 64 bytes: a NIR's fifteen characters with six no-break spaces
    // spelled as nested escapes.
    const uint32_t j = i + uint32_t(id.length(t.substr(i, 64)));
    const size_t wide = wide_space_end(t, j);
    const uint32_t gap = j < n && (t[j] == ' ' || t[j] == '-' || t[j] == '.' ||
                                   t[j] == '/' || t[j] == ',')
                             ? 1
                         : wide != 0 ? uint32_t(wide - j)
                                     : 0;
    const bool longer =
        j < n &&
        (is_alnum(t[j]) || (gap != 0 && j + gap < n && is_digit(t[j + gap])));
    if (j > i && !longer)
      return {i, j};
    if (verb == bare)
      break;
  }
  return {0, 0};
}

// The date of birth after a word that a pass-1 hit of date_of_birth ends
// at `end` ("date of birth", "DOB", "D.O.B.", "birthdate", "born",
// "Geburtsdatum", "geboren", "date de naissance", "fecha de nacimiento",
// ...): the word glued to no letter, digit or label before it (a camelCase
// hump or '_' may be); then maybe a format in brackets ("(MM/DD/YYYY)");
// then separators (past_separators), maybe with a short word among them
// ("is", "on", "am", "op", "was"); then a date
// (date_length) that no letter or digit follows, nor '-', '/', '.', ',' or
// ':' and a digit. {0, 0} when there is none.
std::pair<uint32_t, uint32_t> birth_date_value(std::string_view t,
                                               uint32_t end) {
  const uint32_t n = uint32_t(t.size());
  // The word's letters (lower case, UTF-8 bytes as they are), matched from
  // its end, a space, '_', '-' or '.' allowed between two of them.
  static constexpr std::string_view words[] = {"dateofbirth",
                                               "birthdate",
                                               "birthday",
                                               "dob",
                                               "born",
                                               "geburtsdatum",
                                               "geboren",
                                               "geb",
                                               "datedenaissance",
                                               "n\xc3\xa9le",
                                               "n\xc3\xa9\x65le",
                                               "fechadenacimiento",
                                               "nacidoel",
                                               "nacidael",
                                               "datadinascita",
                                               "natoil",
                                               "natail",
                                               "geboortedatum",
                                               "datadenascimento"};
  uint32_t start = UINT32_MAX;
  const uint32_t last = end > 0 && t[end - 1] == '.' ? end - 1 : end;
  for (std::string_view w : words) {
    uint32_t i = last;
    size_t j = w.size();
    while (j > 0 && i > 0 && lower(t[i - 1]) == w[j - 1]) {
      --i;
      --j;
      if (j > 0 && i > 0 &&
          (t[i - 1] == ' ' || t[i - 1] == '_' || t[i - 1] == '-' ||
           t[i - 1] == '.'))
        --i;
    }
    if (j == 0) {
      start = i;
      break;
    }
  }
  if (start == UINT32_MAX || !word_stands_apart(t, start))
    return {0, 0};
  // An abbreviation's full stop ("D.O.B.").
  uint32_t i = end < n && t[end] == '.' ? end + 1 : end;
  // A format in brackets: "Date of birth (MM/DD/YYYY): 03/12/1985".
  if (i + 2 < n && t[i] == ' ' && t[i + 1] == '(') {
    uint32_t k = i + 2;
    while (k < n && k - i < 16 &&
           (is_alpha(t[k]) || t[k] == '/' || t[k] == '.' || t[k] == '-'))
      ++k;
    if (k < n && t[k] == ')')
      i = k + 1;
  }
  bool strong = false;
  const uint32_t sep = i;
  i = past_separators(t, i, {"is", "on", "am", "op", "was"}, &strong);
  if (i == sep)
    return {0, 0};
  const uint32_t j = i + uint32_t(date_length(t.substr(i, 40)));
  if (j == i)
    return {0, 0};
  if (j < n &&
      (is_alnum(t[j]) || ((t[j] == '-' || t[j] == '/' || t[j] == '.' ||
                           t[j] == ',' || t[j] == ':') &&
                          j + 1 < n && is_digit(t[j + 1]))) &&
      !(t[j] == 'T' && j + 1 < n && is_digit(t[j + 1])))
    return {0, 0};
  return {i, j};
}

// How far call_password reads a literal, an argument, or back from
// "pass:" to its "user:". Generous: a value masked inside the span makes it
// shorter, and a second pass must find what the first did (a bound of 200
// bytes left a password behind an argument holding an e-mail address).
constexpr uint32_t k_code_span = 1024;

// Where the quoted string literal at t[i] (', " or `, or \" and the like
// in a JSON document nested in the string: code in a tool call's
// arguments) ends, its contents between the quotes: on one line, no
// escapes of its own (a literal with a backslash is left alone), at most
// k_code_span bytes. 0 when there is none. `contents`, when given, gets
// where its contents lie.
uint32_t literal_end(std::string_view t, uint32_t i,
                     std::pair<uint32_t, uint32_t> *contents = nullptr) {
  const uint32_t n = uint32_t(t.size());
  uint32_t b = 0;
  while (i + b < n && t[i + b] == '\\' && b < 8)
    ++b;
  const uint32_t open = i + b;
  if (open >= n || (t[open] != '"' && t[open] != '\'' && t[open] != '`'))
    return 0;
  const char q = t[open];
  uint32_t j = open + 1;
  while (j < n && j - open <= k_code_span && t[j] != q && t[j] != '\\' &&
         t[j] != '\n' && t[j] != '\r' && t[j] != '\0')
    ++j;
  // Closed by as many backslashes (none at the top) and the same quote.
  if (j - open > k_code_span || j + b >= n || t[j + b] != q ||
      t.substr(j, b).find_first_not_of('\\') != std::string_view::npos)
    return 0;
  if (contents)
    *contents = {open + 1, j};
  return j + b + 1;
}

// Where whitespace at t[i] ends, a nested document's "\n", "\t" and "\r"
// escapes (any run of backslashes before the letter) counting.
uint32_t code_space_end(std::string_view t, uint32_t i) {
  const uint32_t n = uint32_t(t.size());
  while (i < n) {
    if (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
      ++i;
      continue;
    }
    uint32_t k = i;
    while (k < n && t[k] == '\\' && k - i < 8)
      ++k;
    if (k == i || k >= n || (t[k] != 'n' && t[k] != 't' && t[k] != 'r'))
      break;
    i = k + 1;
  }
  return i;
}

// Which argument of the call named `fn` is the password, or 0: login(USER,
// PW) (smtplib, imaplib, ftplib); requests' HTTPBasicAuth/HTTPDigestAuth,
// aiohttp's BasicAuth, Go's SetBasicAuth; Go's smtp.PlainAuth(IDENTITY,
// USER, PW, HOST); .NET's NetworkCredential, Apache's and AWS's
// ...Credentials(USER or KEY ID, PW or SECRET); Azure's
// ClientSecretCredential(TENANT, CLIENT, SECRET) and
// UsernamePasswordCredential(CLIENT, USER, PW); PHP's mysqli_connect(HOST,
// USER, PW) and new PDO(DSN, USER, PW); LDAP's simple_bind_s(DN, PW);
// JDBC's DriverManager.getConnection(URL, USER, PW); Python's FTP(HOST,
// USER, PW) and urllib's add_password(REALM, URI, USER, PW).
uint32_t password_argument(std::string_view fn) {
  if (fn == "login" || fn.ends_with("BasicAuth") ||
      fn.ends_with("DigestAuth") || fn.ends_with("ProxyAuth") ||
      fn == "NetworkCredential" || fn.ends_with("Credentials") ||
      fn == "simple_bind_s" || fn == "simple_bind" || fn == "bind_s")
    return 2;
  if (fn.ends_with("PlainAuth") || fn.ends_with("ClientSecretCredential") ||
      fn == "UsernamePasswordCredential" || fn == "mysqli_connect" ||
      fn == "mysql_connect" || fn == "mysql_pconnect" || fn == "PDO" ||
      fn == "getConnection" || fn == "FTP" || fn == "FTP_TLS")
    return 3;
  if (fn == "add_password")
    return 4;
  return 0;
}

// The password a call in code passes by its place, or nodemailer's "pass:"
// next to its "user:", where a pass-1 hit of call_password ends at `end`
// ("login(", "Auth(", "auth=(", "Credential(", "_connect(", "PDO(",
// "simple_bind", "pass:"): the contents [from, to) of that argument, a
// string literal, or {0, 0}. An argument given by name ("password=...") is
// password_assignment's; one that is no literal (a variable) holds nothing
// to hide.
std::pair<uint32_t, uint32_t> call_password_value(std::string_view t,
                                                  uint32_t end) {
  const uint32_t n = uint32_t(t.size());
  auto skip_space = [&](uint32_t i) { return code_space_end(t, i); };
  auto word_start = [&](uint32_t at) {
    return at == 0 || !(is_alnum(t[at - 1]) || t[at - 1] == '_');
  };
  auto literal = [&](uint32_t i) -> std::pair<uint32_t, uint32_t> {
    std::pair<uint32_t, uint32_t> v;
    const uint32_t e = literal_end(t, i, &v);
    if (e == 0 || v.first == v.second)
      return {0, 0}; // none, or empty
    // What may follow the literal: the next argument, the call's end, or a
    // conversion ("...".toCharArray(), .encode()).
    const uint32_t k = skip_space(e);
    if (k < n && t[k] != ',' && t[k] != ')' && t[k] != '.' && t[k] != '}')
      return {0, 0};
    return v;
  };
  if (t[end - 1] == ':') {
    // nodemailer: auth: { user: ..., pass: "..." }: "pass" a word of its
    // own, a "user" (or "username") key within k_code_span bytes before it.
    const uint32_t name = end - 5;
    if (!word_start(name))
      return {0, 0};
    const uint32_t floor = name > k_code_span ? name - k_code_span : 0;
    std::string_view before = t.substr(floor, name - floor);
    bool user = false;
    for (std::string_view key :
         {"user:", "user\":", "user\\\":", "user':", "username:"})
      user = user || before.find(key) != std::string_view::npos;
    if (!user)
      return {0, 0};
    return literal(skip_space(end));
  }
  uint32_t open = end - 1;
  if (t[open] == 'd') {
    // "simple_bind", then "_s(" or "(".
    open = end;
    if (open + 2 < n && t[open] == '_' && t[open + 1] == 's')
      open += 2;
    if (open >= n || t[open] != '(')
      return {0, 0};
  }
  uint32_t place;
  if (t[open - 1] == '=' || t[open - 1] == ' ') {
    // requests' and httpx's auth=("USER", "PW") tuple.
    uint32_t k = open;
    while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '='))
      --k;
    if (k < 4 || t.substr(k - 4, 4) != "auth" || !word_start(k - 4))
      return {0, 0};
    place = 2;
  } else {
    uint32_t k = open;
    while (k > 0 && (is_alnum(t[k - 1]) || t[k - 1] == '_'))
      --k;
    place = password_argument(t.substr(k, open - k));
  }
  if (place == 0)
    return {0, 0};
  uint32_t i = open + 1;
  for (uint32_t arg = 1; arg < place; ++arg) {
    // An argument before the password: a literal, or an expression up to
    // its ',' (brackets and literals inside it skipped), not given by name.
    i = skip_space(i);
    uint32_t depth = 0, start = i;
    while (i < n && i - start < k_code_span) {
      const char ch = t[i];
      if (ch == '"' || ch == '\'' || ch == '`' || ch == '\\') {
        const uint32_t e = literal_end(t, i);
        if (e != 0) {
          i = e;
          continue;
        }
        const uint32_t w = code_space_end(t, i);
        if (ch != '\\' || w == i)
          return {0, 0};
        i = w;
        continue;
      }
      if (depth == 0 && (ch == ',' || ch == ')'))
        break;
      if ((ch == '(' || ch == '[' || ch == '{') && ++depth > 16)
        return {0, 0}; // no argument nests so deep ("PDO(PDO(PDO(...")
      else if (ch == ')' || ch == ']' || ch == '}') {
        if (depth == 0)
          return {0, 0}; // the argument list ended with another bracket
        --depth;
      } else if (depth == 0 && ch == '=')
        return {0, 0}; // a keyword argument
      ++i;
    }
    if (i >= n || t[i] != ',' || i == start)
      return {0, 0};
    ++i;
  }
  return literal(skip_space(i));
}

// The password of a Go MySQL DSN, "USER:PW@tcp(HOST)/DB" (or "@unix("),
// whose '@' is at `at`: from the first ':' of the user's part (back to a
// quote, space, '/', '=', backslash, bracket, ',' or ';': not into the DSN
// before it, "a:b@tcp(h)a:b@tcp(") to the '@'. {0, 0} when there is
// none, or it is a placeholder or a label.
std::pair<uint32_t, uint32_t> dsn_password(std::string_view t, uint32_t at) {
  uint32_t k = at;
  // No byte bound (a value masked in the user's part would move it): each
  // walk stops at the '(' of the DSN before, if no sooner.
  while (k > 0 && std::string_view("\"'` /=\\\n\t(),;").find(t[k - 1]) ==
                      std::string_view::npos)
    --k;
  const size_t colon = t.substr(k, at - k).find(':');
  if (colon == std::string_view::npos || k + colon + 1 >= at)
    return {0, 0};
  const uint32_t from = k + uint32_t(colon) + 1;
  const std::string_view val = t.substr(from, at - from);
  if (validate::is_placeholder(val) || val.front() == '$' || holds_label(val))
    return {0, 0};
  return {from, at};
}

// Where the '@' before a pass-1 hit of dsn_password ("@tcp(", "@unix(")
// ending at `end` is.
uint32_t dsn_at(std::string_view t, uint32_t end) {
  return t[end - 2] == 'p' ? end - 5 : end - 6;
}

// The value a locator::after_word rule reads after its word, which a
// pass-1 hit ends at `end`.
std::pair<uint32_t, uint32_t>
after_word_value(const rules::rule_def &r, std::string_view t, uint32_t end) {
  if (r.validator == rules::check::card_code)
    return card_code_digits(t, end);
  if (r.validator == rules::check::birth_date)
    return birth_date_value(t, end);
  if (r.validator == rules::check::record_number)
    return record_number_value(t, end);
  if (const national_id *id = national_id_checked(r.validator))
    return national_id_value(*id, t, end);
  auto v = call_password_value(t, end);
  if (v.second == 0)
    return v;
  std::string_view val = t.substr(v.first, v.second - v.first);
  if (validate::is_placeholder(val) || says_none(val) || val.front() == '$' ||
      val.front() == '%' || val.find("://") != std::string_view::npos ||
      holds_label(val))
    return {0, 0};
  return v;
}

// A Cookie or Set-Cookie header ("Cookie: sid=...; theme=dark"; in a
// nested document "cookie": "sid=..."): name=value pairs after a ':'.
bool confirm_cookie(const rules::rule_def &r, std::string_view t,
                    candidate &c) {
  const uint32_t limit = assignment_limit(r, t, c.from);
  assigned v = assignment_head(t, c.from, limit, rules::check::cookie);
  if (v.sep == 0 || t[v.sep] != ':' || c.to <= v.from)
    return false;
  std::string_view val = t.substr(v.from, c.to - v.from);
  // A value masked before (its line ran past max_len: the rest follows
  // the label) stays as it is.
  // Nor one whose '=' comes only after a label: a secret that ran past
  // the value's end (a PEM block on, after a backslash that ends the
  // value) won the overlap on the first pass, and its label would bring
  // the value's '=' into a second (fuzz). Pairs before a label
  // ("user=[REDACTED_EMAIL]; sid=...") still make a cookie.
  const size_t label = val.find("[REDACTED_");
  if (val.find('=') == std::string_view::npos ||
      validate::is_placeholder(val) || val.front() == '$' ||
      (label != std::string_view::npos &&
       val.substr(0, label).find('=') == std::string_view::npos))
    return false;
  c.from = v.from;
  return true;
}

// How a command takes its password, after which option.
enum class takes : uint8_t {
  next,       // the next word ("-a PW"), or "--option=PW"
  glued,      // the rest of the option's word only ("-pPW": "-p PW" asks)
  user_colon, // user:PW, the next word or glued ("-u user:PW", "-uuser:PW")
  user_pct,   // user%PW, as user_colon (smbclient -U)
  openssl,    // pass:PW, the next word (not env:VAR, file:PATH, stdin)
  cookie,     // name=value pairs, the next word (curl -b; not a file name)
};
struct cli_option {
  std::string_view command, option;
  takes how;
};
constexpr cli_option k_cli_options[] = {
    {"curl", "--user", takes::user_colon},
    {"curl", "-u", takes::user_colon},
    {"mysql", "-p", takes::glued},
    {"mariadb", "-p", takes::glued},
    {"mysqldump", "-p", takes::glued},
    {"mysqladmin", "-p", takes::glued},
    {"redis-cli", "--pass", takes::next},
    {"redis-cli", "-a", takes::next},
    {"sshpass", "-p", takes::next},
    {"sshpass", "-p", takes::glued},
    {"docker", "--password", takes::next}, // docker login
    {"docker", "-p", takes::next},
    {"sqlcmd", "-P", takes::next},
    {"mongo", "--password", takes::next},
    {"mongo", "-p", takes::next},
    {"mongosh", "--password", takes::next},
    {"mongosh", "-p", takes::next},
    {"ldapsearch", "-w", takes::next},
    {"ldapadd", "-w", takes::next},
    {"ldapmodify", "-w", takes::next},
    {"ldapdelete", "-w", takes::next},
    {"keytool", "-storepass", takes::next},
    {"keytool", "-keypass", takes::next},
    {"keytool", "-srcstorepass", takes::next},
    {"keytool", "-deststorepass", takes::next},
    {"openssl", "-passin", takes::openssl},
    {"openssl", "-passout", takes::openssl},
    {"openssl", "-pass", takes::openssl},
    {"az", "-p", takes::next}, // az login
    {"az", "--password", takes::next},
    {"openssl", "-k", takes::next}, // openssl enc -k PW
    {"zip", "-P", takes::next},
    {"zip", "--password", takes::next},
    {"unzip", "-P", takes::next},
    {"7z", "-p", takes::glued},
    {"smbclient", "--user", takes::user_pct},
    {"smbclient", "-U", takes::user_pct},
    {"curl", "--cookie", takes::cookie},
    {"curl", "-b", takes::cookie},
};

// What "echo 'USER:PW' | chpasswd" pipes in (the command named at `name`;
// "sudo" between them too): PW, the bytes after the first ':' of echo's
// word, quoted or not; {0, 0} if the line is no such pipe.
std::pair<uint32_t, uint32_t> chpasswd_input(std::string_view t,
                                             uint32_t name) {
  uint32_t k = name;
  auto spaces = [&] {
    while (k > 0 && t[k - 1] == ' ')
      --k;
  };
  spaces();
  if (k >= 4 && t.substr(k - 4, 4) == "sudo") {
    k -= 4;
    spaces();
  }
  if (k == 0 || t[k - 1] != '|')
    return {0, 0};
  --k;
  spaces();
  uint32_t to = k, from = k;
  if (k > 0 && (t[k - 1] == '\'' || t[k - 1] == '"')) {
    const char q = t[k - 1];
    to = k - 1;
    from = to;
    while (from > 0 && t[from - 1] != q && t[from - 1] != '\n')
      --from;
    if (from == 0 || t[from - 1] != q)
      return {0, 0};
    k = from - 1;
  } else {
    while (from > 0 && t[from - 1] != ' ' && t[from - 1] != '\n')
      --from;
    k = from;
  }
  spaces();
  // echo, echo -e / -n, printf.
  if (k >= 3 && t[k - 1] == 'e' && t[k - 2] == '-' && t[k - 3] == ' ')
    k -= 3;
  else if (k >= 3 && t[k - 1] == 'n' && t[k - 2] == '-' && t[k - 3] == ' ')
    k -= 3;
  spaces();
  const bool echo = k >= 4 && t.substr(k - 4, 4) == "echo";
  const bool printf = k >= 6 && t.substr(k - 6, 6) == "printf";
  if (!echo && !printf)
    return {0, 0};
  const size_t colon = t.substr(from, to - from).find(':');
  if (colon == std::string_view::npos)
    return {0, 0};
  return {from + uint32_t(colon) + 1, to};
}

// Redis's AUTH after its prompt ("127.0.0.1:6379> AUTH PW", "redis> AUTH
// USER PW"): one or two words to the end of the command, the last the
// password. SMTP's "AUTH PLAIN CREDENTIAL": base64 of the user and the
// password. `name`: where AUTH starts.
// `end`: where the command ends; a NUL there is a value masked before (a
// rescan blanks them), which was its last word, and '|', ';', '&' another
// command than a password's.
bool auth_command(std::string_view t, uint32_t name, uint32_t end, size_t n,
                  const std::string_view *words, size_t *pw) {
  if (n >= 2 && words[0] == "PLAIN" && validate::sasl_plain(words[1])) {
    *pw = 1;
    return true;
  }
  // redis-cli's prompt: "host:port> " or "redis> " (not a quote's "> ").
  if (name < 3 || t[name - 1] != ' ' || t[name - 2] != '>' ||
      !(is_digit(t[name - 3]) ||
        (name >= 7 && t.substr(name - 7, 5) == "redis")))
    return false;
  // The line must end the command: one cut at the rule's max_len would
  // end elsewhere once values before its end are labels (fuzz).
  if (n == 0 || n > 2 ||
      (end < t.size() && t[end] != '\n' && t[end] != '\r' && t[end] != '\\'))
    return false;
  *pw = n - 1;
  return true;
}

// Whether a command starts at `at`: the string's or a line's start, a
// prompt ("C:\> ", "$ ", "# "), or after a pipe, ';', '&&', a backquote, an
// opening bracket or quote (not "we saw a net user gain").
bool at_command_start(std::string_view t, uint32_t at) {
  while (at > 0 && t[at - 1] == ' ')
    --at;
  if (at == 0)
    return true;
  const char ch = t[at - 1];
  return ch == '\n' || ch == '\r' || ch == '>' || ch == '$' || ch == '#' ||
         ch == '|' || ch == ';' || ch == '&' || ch == '`' || ch == '(' ||
         ch == '"' || ch == '\'' || (ch == 'n' && at >= 2 && t[at - 2] == '\\');
}

// The password a command line gives (c: from the command name's last byte
// to the end of the command): curl's -u/--user user:PW, mysql's -pPW (glued:
// "-p PW" asks, and PW is then the database), redis-cli's -a PW and --pass
// PW, sshpass's -p PW, docker login's -p/--password PW, and the commands
// that take it by its place (AUTH, net user, openssl passwd, htpasswd) or
// before them (chpasswd). Words are split at spaces outside quotes ('...'
// or "..."); the quotes stay.
bool confirm_cli_password(std::string_view t, candidate &c) {
  uint32_t name_end = c.from + 1, name = name_end;
  while (name > 0 && (is_alnum(t[name - 1]) || t[name - 1] == '-'))
    --name;
  // Two words: "az login", "net user" (the rule's literal ends with the
  // second); the first is the command.
  uint32_t cmd_end = name_end;
  if (const std::string_view second = t.substr(name, name_end - name);
      second == "login" || second == "user") {
    const uint32_t first_len = second == "login" ? 2 : 3;
    if (name < first_len + 1)
      return false;
    name -= first_len + 1;
    cmd_end = name + first_len;
  }
  if (name > 0 && (is_alnum(t[name - 1]) || t[name - 1] == '_' ||
                   t[name - 1] == '.' || t[name - 1] == '-'))
    return false; // "libcurl", "my_mysql", "x.docker", "internet user"
  const std::string_view cmd = t.substr(name, cmd_end - name);
  // Names that are also words of prose ("the zip -P option"): only where a
  // command starts (after sudo too).
  if (cmd == "zip" || cmd == "unzip" || cmd == "7z" || cmd == "smbclient" ||
      cmd == "rabbitmqctl") {
    uint32_t k = name;
    while (k > 0 && t[k - 1] == ' ')
      --k;
    if (k >= 4 && t.substr(k - 4, 4) == "sudo")
      k -= 4;
    while (k > 0 && t[k - 1] == ' ')
      --k;
    // Also after a label's ':' or a list's marker ("Run: zip ...", "- zip
    // ...", "2. zip ...").
    const bool listed =
        k > 0 && (t[k - 1] == ':' || t[k - 1] == '-' || t[k - 1] == '*' ||
                  (t[k - 1] == '.' && k >= 2 && is_digit(t[k - 2])));
    if (!listed && !at_command_start(t, k))
      return false;
  }
  struct word {
    uint32_t from, to; // without its quotes
  };
  word words[24];
  size_t n = 0;
  uint32_t i = name_end;
  if (i < c.to && t[i] != ' ')
    return false; // "curling", "mysql.connector"
  while (n < std::size(words)) {
    while (i < c.to && t[i] == ' ')
      ++i;
    if (i >= c.to)
      break;
    // A word runs to a space outside quotes ("-p'two words'").
    uint32_t from = i, to = i;
    while (to < c.to && t[to] != ' ') {
      if (t[to] == '\'' || t[to] == '"') {
        const char q = t[to];
        ++to;
        while (to < c.to && t[to] != q)
          ++to;
      }
      if (to < c.to)
        ++to;
    }
    i = to;
    // A quoted word whole: without its quotes.
    if (to - from >= 2 && (t[from] == '\'' || t[from] == '"') &&
        t[to - 1] == t[from]) {
      ++from;
      --to;
    }
    words[n++] = {from, to};
  }
  auto text = [&](const word &w) { return t.substr(w.from, w.to - w.from); };
  size_t first = 0;
  if (cmd == "docker") {
    if (n == 0 || text(words[0]) != "login")
      return false;
    first = 1;
  }
  word pw{0, 0};
  // For the commands that take the password by its place: a word before
  // it masked before (a label; a NUL where a rescan blanked one) counts
  // as one word where the value it was counted as several ("AUTH 4111
  // 1111 1111 1111 pw"): refused, as the first pass refused it (review).
  auto labelled_before = [&](size_t k) {
    for (size_t j = 0; j < k; ++j) {
      const std::string_view w = text(words[j]);
      if (holds_label(w) || w.find('\0') != std::string_view::npos)
        return true;
    }
    return false;
  };
  if (cmd == "AUTH") {
    std::string_view texts[3];
    for (size_t k = 0; k < n && k < 3; ++k)
      texts[k] = text(words[k]);
    size_t at = 0;
    if (auth_command(t, name, c.to, n, texts, &at) && !labelled_before(at))
      pw = words[at];
  } else if (cmd == "chpasswd") {
    auto [from, to] = chpasswd_input(t, name);
    pw = {from, to};
  } else if (cmd == "net") {
    // net user USER PASSWORD [/add ...]: not "*" (asks) nor an option; a
    // command, not "a net user gain".
    if (n >= 2 && t[words[0].from] != '/' && t[words[1].from] != '/' &&
        text(words[1]) != "*" && at_command_start(t, name) &&
        !labelled_before(1))
      pw = words[1];
  } else if (cmd == "rabbitmqctl") {
    // rabbitmqctl add_user USER PASSWORD, change_password USER PASSWORD.
    if (n >= 3 &&
        (text(words[0]) == "add_user" || text(words[0]) == "change_password") &&
        !labelled_before(2))
      pw = words[2];
  } else if (cmd == "openssl" && n >= 2 && text(words[0]) == "passwd") {
    // openssl passwd [-6] [-salt S] PASSWORD: the first word no option
    // and no option's argument (-stdin and -in FILE: none on the line).
    for (size_t k = 1; k < n; ++k) {
      const std::string_view w = text(words[k]);
      if (w == "-salt" || w == "-in" || w == "-rand" || w == "-writerand" ||
          w == "-provider" || w == "-provider-path" || w == "-propquery") {
        ++k;
      } else if (w == "-stdin") {
        break;
      } else if (w.empty() || w[0] != '-') {
        if (!labelled_before(k))
          pw = words[k];
        break;
      }
    }
  }
  if (cmd == "htpasswd") {
    // Batch mode (-b, -bc, -nbB...) takes the password as its last
    // argument: FILE USER PASSWORD, or with -n (no file) USER PASSWORD.
    bool batch = false, no_file = false;
    word args[3];
    size_t a = 0;
    for (size_t k = 0; k < n; ++k) {
      const std::string_view w = text(words[k]);
      if (w.size() > 1 && w[0] == '-') {
        batch = batch || w.find('b') != std::string_view::npos;
        no_file = no_file || w.find('n') != std::string_view::npos;
      } else if (a < std::size(args)) {
        args[a++] = words[k];
      }
    }
    const size_t need = no_file ? 2 : 3;
    if (batch && a >= need)
      pw = args[need - 1];
  }
  for (size_t k = first; k < n && pw.to == 0; ++k) {
    const std::string_view w = text(words[k]);
    for (const cli_option &o : k_cli_options) {
      if (o.command != cmd || !w.starts_with(o.option))
        continue;
      const uint32_t after = words[k].from + uint32_t(o.option.size());
      word v{0, 0};
      if (w.size() == o.option.size()) {
        if (o.how != takes::glued && k + 1 < n)
          v = words[k + 1]; // "-a PW"
      } else if (o.how == takes::glued || o.how == takes::user_colon ||
                 o.how == takes::user_pct) {
        if (w[o.option.size()] != '-')
          v = {after, words[k].to}; // "-pPW", "-uuser:PW"
      } else if (o.option.starts_with("--") && w[o.option.size()] == '=') {
        v = {after + 1, words[k].to}; // "--pass=PW"
      }
      if (v.to == 0)
        continue;
      const std::string_view value = text(v);
      // A value masked before: the first pass stopped here too.
      if (holds_label(value)) {
        pw = v;
        break;
      }
      if (o.how == takes::user_colon || o.how == takes::user_pct) {
        size_t colon = value.find(o.how == takes::user_pct ? '%' : ':');
        if (colon != std::string_view::npos)
          pw = {v.from + uint32_t(colon) + 1, v.to};
      } else if (o.how == takes::cookie) {
        if (value.find('=') != std::string_view::npos) // not a cookie jar
          pw = v;
      } else if (o.how == takes::openssl) {
        if (value.starts_with("pass:")) // not env:VAR, file:PATH, stdin
          pw = {v.from + 5, v.to};
      } else {
        pw = v;
      }
      break;
    }
  }
  // -p'pw', user:"pw": the quotes stay.
  if (pw.to - pw.from >= 2 && (t[pw.from] == '\'' || t[pw.from] == '"') &&
      t[pw.to - 1] == t[pw.from]) {
    ++pw.from;
    --pw.to;
  }
  if (pw.to <= pw.from)
    return false;
  std::string_view val = t.substr(pw.from, pw.to - pw.from);
  // A quote inside (not around) the password, or a label at its start: the
  // words would split otherwise once it is masked (a second pass must find
  // what the first did), or it was masked before.
  if (validate::is_placeholder(val) || val.front() == '$' ||
      val.front() == '%' || val.front() == '-' || says_none(val) ||
      val.find_first_of("'\"") != std::string_view::npos || holds_label(val))
    return false;
  c.from = pw.from;
  c.to = pw.to;
  return true;
}

// Start of the credential after "Bearer " / "Basic " (the scheme word
// and the spaces stay visible).
uint32_t credential_start(std::string_view t, const candidate &c) {
  uint32_t i = c.from;
  while (i < c.to && is_alpha(t[i]))
    ++i;
  while (i < c.to && t[i] == ' ')
    ++i;
  return i;
}

bool confirm_bearer(std::string_view t, candidate &c) {
  uint32_t i = credential_start(t, c);
  std::string_view tok = t.substr(i, c.to - i);
  if (tok.size() < 16 || validate::is_placeholder(tok) ||
      validate::entropy_compare(tok, 3.0) < 0)
    return false;
  size_t digits = count_digits(tok);
  if (digits == 0 || digits == tok.size())
    return false; // prose ("bearer of bad news...") or plain numbers
  c.from = uint32_t(i);
  return true;
}

bool confirm_basic(std::string_view t, candidate &c) {
  uint32_t i = credential_start(t, c);
  if (!validate::basic_credential(t.substr(i, c.to - i)))
    return false;
  c.from = i;
  return true;
}

bool in_class(char ch, const char *extra) {
  if (is_alnum(ch))
    return true;
  for (const char *e = extra; *e; ++e) // a few bytes: no libc call
    if (*e == ch)
      return true;
  return false;
}

#if defined(__SSE2__)
// Bit k set when p[k] is alphanumeric or one of `extra` (16 bytes).
unsigned class_mask16(const char *p, const char *extra) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
  __m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                           _mm_set1_epi8('a')); // A-Z and a-z to 0-25
  __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  __m128i m =
      _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l),
                   _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
  for (const char *e = extra; *e; ++e)
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(*e)));
  return unsigned(_mm_movemask_epi8(m));
}
#endif

// Tokens (JWTs, API keys) run to hundreds of bytes: both walks test 16
// bytes a step, never outside [floor, end) or [from, limit).
uint32_t back_over(std::string_view t, uint32_t end, uint32_t limit,
                   const char *extra) {
  uint32_t floor = end > limit ? end - limit : 0;
  uint32_t i = end;
#if defined(__SSE2__)
  while (i >= floor + 16) {
    unsigned out = ~class_mask16(t.data() + i - 16, extra) & 0xFFFFu;
    if (out != 0) // the last byte outside the class ends the walk
      return i - (unsigned(__builtin_clz(out)) - 16);
    i -= 16;
  }
#endif
  while (i > floor && in_class(t[i - 1], extra))
    --i;
  return i;
}

uint32_t forward_over(std::string_view t, uint32_t from, uint32_t limit,
                      const char *extra) {
  uint32_t i = from;
#if defined(__SSE2__)
  while (i + 16 <= limit) {
    unsigned out = ~class_mask16(t.data() + i, extra) & 0xFFFFu;
    if (out != 0)
      return i + unsigned(__builtin_ctz(out));
    i += 16;
  }
#endif
  while (i < limit && in_class(t[i], extra))
    ++i;
  return i;
}

// back_over and forward_over for an e-mail's local part or domain, going
// on over mail_letter()s, raw or spelled as nested escapes (a cold path:
// only where the ASCII walk stops at a byte of one or at a backslash).
[[gnu::cold]] uint32_t mail_back_over(std::string_view t, uint32_t end,
                                      uint32_t limit, const char *extra) {
  const uint32_t floor = end > limit ? end - limit : 0;
  uint32_t i = back_over(t, end, end - floor, extra);
  while (true) {
    if (i >= floor + 2 && mail_letter(t, i - 2)) {
      i -= 2;
    } else if (i > floor && t[i - 1] == '\\') {
      // The ASCII walk took the escape's "u00fc": take it whole.
      uint32_t e = i + 5, b = e <= end ? mail_escape_begin(t, e) : e;
      if (b == e || b < floor)
        return i;
      i = b;
    } else {
      return i;
    }
    i = back_over(t, i, i - floor, extra);
  }
}

[[gnu::cold]] uint32_t mail_forward_over(std::string_view t, uint32_t from,
                                         uint32_t limit, const char *extra) {
  uint32_t i = forward_over(t, from, limit, extra);
  while (true) {
    if (i + 2 <= limit && mail_letter(t, i)) {
      i += 2;
    } else if (size_t e =
                   i < limit ? mail_escape_end(t.substr(0, limit), i) : 0) {
      i = uint32_t(e);
    } else {
      return i;
    }
    i = forward_over(t, i, limit, extra);
  }
}

// A prefix rule's literals, split once, and the bytes they start with.
struct prefix_index {
  std::vector<std::string_view> lits;
  std::array<bool, 256> first{};
  explicit prefix_index(const rules::rule_def &r)
      : lits(rules::prefix_literals(r)) {
    for (std::string_view lit : lits)
      first[static_cast<unsigned char>(lit[0])] = true;
  }
};

// Built once for every rule of the built-in table (a rule_def from
// elsewhere gets its own, each call).
const prefix_index &index_of(const rules::rule_def &r,
                             std::optional<prefix_index> &own) {
  static const std::vector<prefix_index> table = [] {
    std::vector<prefix_index> v;
    for (const rules::rule_def &d : rules::table())
      v.emplace_back(d);
    return v;
  }();
  const auto all = rules::table();
  if (&r >= all.data() && &r < all.data() + all.size())
    return table[size_t(&r - all.data())];
  return own.emplace(r);
}

// First occurrence at or after `from` (and before `end`) of any of rule
// r's '|'-separated prefix literals that passes its left edge check: one
// glued to a letter before it starts no match ("compat_key-..." holds a
// Mailgun key, not an Airtable "pat..."), and would hide a later one.
uint32_t first_prefix(const rules::rule_def &r, std::string_view t,
                      uint32_t from, uint32_t end) {
  // One walk from `from`, trying the literals only where one's first byte
  // stands: a find per literal over the window cost each hit the window
  // times the literals (a 1 MB run of "dp.st." took 2 s).
  std::optional<prefix_index> own;
  const prefix_index &ix = index_of(r, own);
  for (uint32_t at = from; at < end; ++at) {
    if (!ix.first[static_cast<unsigned char>(t[at])])
      continue;
    for (std::string_view lit : ix.lits)
      if (at + lit.size() <= end && t.substr(at, lit.size()) == lit &&
          left_edge_ok(r, t, at))
        return at;
  }
  return UINT32_MAX;
}

// `start` moved past a JSON escape of a nested string that it would begin
// inside (ends_escape says where one ends): an e-mail's local part, walked
// back over letters and digits, must not take the 'n' of "\\n" (nor the
// "u00e9" of "\\u00e9"). Masked from there, the replacement would split the
// escape, and the escape's newline (a sentence end for the context rules)
// would vanish into the label, so that a second pass decided differently.
uint32_t after_escape(std::string_view t, uint32_t start, uint32_t end) {
  if (start == 0 || t[start - 1] != '\\')
    return start;
  for (uint32_t len : {1u, 5u}) // "\\n", "\\u00e9"
    if (start + len <= end && ends_escape(t, start + len))
      return start + len;
  return start;
}

} // namespace

uint32_t locate_start(const rules::rule_def &r, std::string_view t,
                      uint32_t end) {
  switch (r.locate) {
  case rules::locator::som:
    return UINT32_MAX;
  case rules::locator::prefix: {
    if (r.validator == rules::check::private_key) {
      // The header's own BEGIN: the last one before its end (the type
      // between them holds no '-'). The first one in the run of token
      // characters would be an earlier block's when blocks touch
      // ("...KEY-----5555-----BEGIN PRIVATE KEY-----"), and the later block
      // would never be a candidate.
      uint32_t floor = end > r.max_len ? end - r.max_len : 0;
      // A PuTTY file's header ends with its version and ':'.
      std::string_view putty = "PuTTY-User-Key-File-";
      if (end >= floor + putty.size() + 2 && t[end - 1] == ':' &&
          t.substr(end - 2 - putty.size(), putty.size()) == putty)
        return end - 2 - uint32_t(putty.size());
      size_t at = t.substr(floor, end - floor).rfind(r.prefix);
      return at == std::string_view::npos ? UINT32_MAX : floor + uint32_t(at);
    }
    if (r.validator == rules::check::password_hash) {
      // The trigger is a prefix (bcrypt's with its cost) and 8 bytes: the
      // hash starts where one ends 8 bytes back. Not the first prefix of
      // the token run: hashes in a list ("H1,H2", "old=H1,new=H2") share
      // one, and the later ones would never be candidates.
      std::optional<prefix_index> own;
      for (std::string_view p : index_of(r, own).lits) {
        const uint32_t len = uint32_t(p.size()) + (p[1] == '2' ? 3 : 0);
        if (end >= len + 8 && t.substr(end - 8 - len, p.size()) == p)
          return end - 8 - len;
      }
      return UINT32_MAX;
    }
    uint32_t from = back_over(t, end, r.max_len, r.token_chars);
    return first_prefix(r, t, from, end);
  }
  case rules::locator::email: {
    uint32_t at = back_over(t, end, 254, ".-");
    if (at >= 1 &&
        (static_cast<unsigned char>(t[at - 1]) >= 0x80 || t[at - 1] == '\\'))
      at = mail_back_over(t, end, 254, ".-");
    // The '@' of a URL's query is "%40": the walk over the domain took its
    // digits.
    if (at == 0 ||
        (t[at - 1] != '@' && (t[at - 1] != '%' || t.substr(at, 2) != "40")))
      return UINT32_MAX;
    const uint32_t local_end = at - 1;
    uint32_t walked = back_over(t, local_end, 64, "._%+'-");
    if (walked >= 1 && (static_cast<unsigned char>(t[walked - 1]) >= 0x80 ||
                        t[walked - 1] == '\\'))
      walked = mail_back_over(t, local_end, 64, "._%+'-");
    // An earlier address's "%40" is no part of this one's local part: two
    // addresses never share a start (drop_repeated_starts keeps the first
    // candidate of a start), as with '@', where the walk stops.
    size_t enc = t.substr(walked, local_end - walked).rfind("%40");
    if (enc != std::string_view::npos)
      walked += uint32_t(enc + 3);
    uint32_t start = after_escape(t, walked, local_end);
    return start < local_end ? start : UINT32_MAX;
  }
  case rules::locator::url_password: {
    uint32_t floor = end > r.max_len ? end - r.max_len : 0;
    size_t sep = t.substr(floor, end - floor).rfind("://");
    if (sep == std::string_view::npos)
      return UINT32_MAX;
    uint32_t scheme_end = floor + uint32_t(sep);
    uint32_t start = back_over(t, scheme_end, 21, "+.-");
    return start < scheme_end ? start : UINT32_MAX;
  }
  case rules::locator::scheme_token: {
    uint32_t i = back_over(t, end, r.max_len, "-._~+/=");
    while (i > 0 && t[i - 1] == ' ')
      --i;
    uint32_t word = i;
    while (word > 0 && is_alpha(t[word - 1]) && i - word < 6)
      --word;
    return word < i ? word : UINT32_MAX;
  }
  case rules::locator::tail40:
    return end >= 40 ? end - 40 : UINT32_MAX;
  case rules::locator::command:
    // From the command name's last byte: confirm_cli_password reads the
    // name back and the options forward. Only a name a space follows is a
    // command ("mysql://..." in a URL is not: no walk to its line's end);
    // chpasswd, whose input comes before it, may end its line. A literal
    // that ends with the space ("7z ": two bytes alone would hit pass 1 at
    // every "7z" of a file name) from the byte before it.
    if (t[end - 1] == ' ')
      return end - 2;
    if (end < t.size() && t[end] == ' ')
      return end - 1;
    return end >= 8 && t.substr(end - 8, 8) == "chpasswd" &&
                   (end == t.size() || t[end] == '\n' || t[end] == '\r' ||
                    t[end] == '\\' || t[end] == '\0' || t[end] == ';')
               ? end - 1
               : UINT32_MAX;
  case rules::locator::before_word: {
    // The value before the word: where it starts.
    auto v = dsn_password(t, dsn_at(t, end));
    return v.second != 0 ? v.first : UINT32_MAX;
  }
  case rules::locator::after_word:
    // From the word's last byte (confirm moves to the value).
    return after_word_value(r, t, end).second != 0 ? end - 1 : UINT32_MAX;
  case rules::locator::assignment: {
    // From the name's last byte (confirm moves to the value); a name with
    // no separator after it ("passwordless", "secrets.token_hex") is none.
    uint32_t last = end - 1;
    return assignment_head(t, last, assignment_limit(r, t, last), r.validator)
                   .sep
               ? last
               : UINT32_MAX;
  }
  }
  return UINT32_MAX;
}

uint32_t locate_start(const rules::rule_def &r, std::string_view t,
                      uint32_t end, token_run &run) {
  if (r.locate != rules::locator::prefix ||
      r.validator == rules::check::private_key ||
      r.validator == rules::check::password_hash)
    return locate_start(r, t, end);
  // Where the run of token characters that ends at `end` begins: the last
  // hit's run when every byte from its end to this one is in the class,
  // else walked back (to the string's start at most). back_over with
  // max_len gives that, or max_len bytes before `end` if that is later.
  if (run.end == UINT32_MAX || end < run.end ||
      forward_over(t, run.end, end, r.token_chars) != end) {
    run.begin = back_over(t, end, end, r.token_chars);
    run.found = UINT32_MAX;
    run.searched = run.begin;
  }
  run.end = end;
  uint32_t floor = end > r.max_len ? end - r.max_len : 0;
  // The first prefix from the floor on: the last hit's while the floor has
  // not passed it, else searched for from where the last search left off
  // (a run of prefixes each glued to the one before, "ATATT3ATATT3...",
  // searched max_len bytes for each literal at each hit: 4 s a MB).
  if (run.found != UINT32_MAX && run.found >= floor)
    return run.found;
  uint32_t from = std::max({run.begin, floor, run.searched});
  uint32_t at = first_prefix(r, t, from, end);
  run.found = at;
  run.searched = at != UINT32_MAX ? at + 1
                 : end > rules::prefix_max_len
                     ? std::max(from, end - rules::prefix_max_len)
                     : from;
  return at;
}

uint32_t extend_end(const rules::rule_def &r, std::string_view t, uint32_t from,
                    uint32_t end) {
  const char *extra = nullptr;
  switch (r.locate) {
  case rules::locator::prefix:
    if (r.validator == rules::check::private_key)
      return end; // extended to the END line by its validator
    if (r.validator == rules::check::password_hash) {
      // To the hash's end: its bytes run on into the next one of a list
      // ("H1,H2"), and the edge check would look there.
      const size_t n = validate::password_hash(
          t.substr(from, std::min<size_t>(r.max_len, t.size() - from)));
      return n != 0 ? from + uint32_t(n) : end;
    }
    extra = r.token_chars;
    break;
  case rules::locator::email:
    extra = ".-";
    break;
  case rules::locator::scheme_token:
    extra = "-._~+/";
    break;
  case rules::locator::assignment:
    return assignment_value(t, from, assignment_limit(r, t, from), r.validator)
        .to;
  case rules::locator::after_word:
    return after_word_value(r, t, from + 1).second;
  case rules::locator::before_word:
    return dsn_at(t, end);
  case rules::locator::command: {
    // To the end of the command: a line break (also a nested document's
    // "\n"), a pipe, ';', '&' or the end of the string; not one inside
    // quotes that close on the line ("curl -b 'a=1; b=2'"), as
    // confirm_cli_password splits its words.
    uint32_t limit =
        uint32_t(std::min<size_t>(t.size(), size_t(from) + r.max_len));
    auto line_end = [&](uint32_t k) {
      return t[k] == '\n' || t[k] == '\r' || t[k] == '\0' ||
             (t[k] == '\\' && k + 1 < limit && t[k + 1] == 'n');
    };
    uint32_t i = from + 1;
    while (i < limit && !line_end(i) && t[i] != '|' && t[i] != ';' &&
           t[i] != '&') {
      if (t[i] == '\'' || t[i] == '"') {
        uint32_t k = i + 1;
        while (k < limit && t[k] != t[i] && !line_end(k))
          ++k;
        if (k < limit && t[k] == t[i])
          i = k;
      }
      ++i;
    }
    return i;
  }
  default:
    return end;
  }
  uint32_t limit =
      uint32_t(std::min<size_t>(t.size(), size_t(from) + r.max_len));
  uint32_t i = end < limit ? forward_over(t, end, limit, extra) : end;
  if (r.locate == rules::locator::email && i < limit &&
      (static_cast<unsigned char>(t[i]) >= 0x80 || t[i] == '\\'))
    i = mail_forward_over(t, end, limit, extra);
  if (r.locate == rules::locator::scheme_token)
    while (i < limit && t[i] == '=')
      ++i;
  // A sentence may end right after a token or an address.
  while (i > end && (t[i - 1] == '.' ||
                     (r.locate == rules::locator::email && t[i - 1] == '-')))
    --i;
  return i;
}

bool word_end_in_reach(std::string_view t, uint32_t from,
                       std::span<const uint32_t> word_ends,
                       std::span<const candidate> masked,
                       std::span<const uint64_t> length_prefix) {
  // The nearest word end at or before `from`. Within 64 bytes plus the
  // masked ranges in between, the walk may reach it (true is a superset:
  // only a sentence end could stop it earlier). Farther, only labels or
  // NULs it skips could bring it in reach: walk (64 bytes, mostly one table
  // lookup each).
  auto last = std::upper_bound(word_ends.begin(), word_ends.end(), from);
  if (last == word_ends.begin())
    return false;
  uint32_t near = *std::prev(last);
  uint64_t skippable = 64;
  auto m = std::lower_bound(
      masked.begin(), masked.end(), near,
      [](const candidate &c, uint32_t n) { return c.to <= n; });
  if (length_prefix.size() == masked.size() + 1) {
    auto end = std::lower_bound(
        m, masked.end(), from,
        [](const candidate &c, uint32_t f) { return c.from < f; });
    skippable += length_prefix[size_t(end - masked.begin())] -
                 length_prefix[size_t(m - masked.begin())];
  } else {
    for (; m != masked.end() && m->from < from; ++m)
      skippable += m->to - m->from;
  }
  if (from - near <= skippable)
    return true;
  if (from >= 64) {
    // The walk passes more than 64 bytes only by skipping, free, a masked
    // range, a label (it ends with ']') or NULs; a sentence end only stops
    // it sooner. Without one of those in the last 64 bytes, it ends 64
    // bytes back at most, short of `near`. (Decimals full of '.', such as
    // an embedding's, no longer send every 9-digit fraction to the walk.)
    auto r = std::lower_bound(
        masked.begin(), masked.end(), from - 64,
        [](const candidate &c, uint32_t f) { return c.to <= f; });
    bool plain = r == masked.end() || r->from >= from;
    bool free = false;
#if defined(__SSE2__)
    const __m128i close = _mm_set1_epi8(']'), nul = _mm_setzero_si128();
    for (uint32_t k = from - 64; k < from; k += 16) {
      __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(t.data() + k));
      free |= _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, close),
                                             _mm_cmpeq_epi8(v, nul))) != 0;
    }
#else
    for (uint32_t k = from - 64; k < from; ++k)
      free |= t[k] == ']' || t[k] == '\0';
#endif
    if (plain && !free)
      return false;
  }
  return walk_reach(t, from, masked, [&](size_t b, size_t e, bool) {
    auto it = std::upper_bound(word_ends.begin(), word_ends.end(), b);
    return it != word_ends.end() && *it <= e;
  });
}

namespace {

// Where `name` (lower case) starts if the letters and digits of key[0, to)
// end with it, compared from the end, other bytes skipped; SIZE_MAX if
// they do not.
size_t key_suffix_at(std::string_view key, size_t to, std::string_view name) {
  size_t i = to, j = name.size();
  while (j > 0) {
    while (i > 0 && !is_alnum(key[i - 1]))
      --i;
    if (i == 0 || lower(key[i - 1]) != name[j - 1])
      return SIZE_MAX;
    --i;
    --j;
  }
  return i;
}

// The names of national identifiers a key may end with (letters and
// digits, lower case), and the words that may follow one ("nhs_number",
// "pan_card_number"). `named`: only with such a word after it ("ni_number",
// "social_insurance_number": not "ni", "social_insurance").
struct national_name {
  std::string_view name;
  keyed_secret kind;
  bool named = false;
};
constexpr national_name national_names[] = {
    {"ni", keyed_secret::nino, true},
    {"nationalinsurance", keyed_secret::nino, true},
    {"nhs", keyed_secret::nhs_number},
    {"sin", keyed_secret::ca_sin},
    {"socialinsurance", keyed_secret::ca_sin, true},
    {"steuerid", keyed_secret::de_tax_id},
    {"taxid", keyed_secret::de_tax_id},
    {"steueridentifikationsnummer", keyed_secret::de_tax_id},
    {"nir", keyed_secret::fr_nir},
    {"secu", keyed_secret::fr_nir},
    {"securitesociale", keyed_secret::fr_nir},
    {"dni", keyed_secret::es_nif},
    {"nie", keyed_secret::es_nif},
    {"nif", keyed_secret::es_nif},
    {"codicefiscale", keyed_secret::it_fiscal_code},
    {"fiscalcode", keyed_secret::it_fiscal_code},
    {"taxcode", keyed_secret::it_fiscal_code},
    {"cpf", keyed_secret::br_cpf},
    {"aadhaar", keyed_secret::in_aadhaar},
    {"aadhar", keyed_secret::in_aadhaar},
    {"pan", keyed_secret::in_pan},
};
constexpr std::string_view naming_words[] = {"number", "nr", "no", "num",
                                             "card"};

// A pair of lower-case letters as one number, the first in the high byte.
constexpr unsigned letter_pair(std::string_view w) {
  return unsigned(uint8_t(w[w.size() - 2])) << 8 | uint8_t(w.back());
}

// Whether a key whose last two letters are `pair` may name a national
// identifier: they end a name or a naming word. One lookup for every key
// secret_named names nothing for.
bool may_name_national_id(unsigned pair) {
  static constexpr auto pairs = [] {
    std::array<uint32_t, 26> by_last{}; // the letters before each last one
    auto add = [&](std::string_view w) {
      by_last[size_t(w.back() - 'a')] |= uint32_t(1) << (w[w.size() - 2] - 'a');
    };
    for (const national_name &n : national_names)
      add(n.name);
    for (std::string_view w : naming_words)
      add(w);
    return by_last;
  }();
  const unsigned y = pair >> 8, z = pair & 0xff;
  return y >= 'a' && y <= 'z' && z >= 'a' && z <= 'z' &&
         (pairs[z - 'a'] >> (y - 'a') & 1);
}

// The national identifier a key's last letters and digits name (the table
// above), the name starting the key or after a non-alphanumeric byte or a
// camelCase hump ("patient_nhs", "patientNhs"; not "japan", "cosin").
// `last`: one past the key's last letter or digit.
keyed_secret national_id_named(std::string_view key, size_t last) {
  // Where `name` starts if the key's letters and digits up to `to` end
  // with it (SIZE_MAX if they do not); word_at: only at a word start.
  auto suffix_at = [key](size_t to, std::string_view name) {
    return key_suffix_at(key, to, name);
  };
  auto word_at = [&](size_t to, std::string_view name) {
    const size_t i = suffix_at(to, name);
    if (i == SIZE_MAX || i == 0)
      return i;
    const bool hump = key[i] >= 'A' && key[i] <= 'Z' && key[i - 1] >= 'a' &&
                      key[i - 1] <= 'z';
    return !is_alnum(key[i - 1]) || hump ? i : SIZE_MAX;
  };
  // The last two letters or digits before `to`, lower case.
  auto tail = [key](size_t to) {
    size_t i = to - 1;
    while (i > 0 && !is_alnum(key[i - 1]))
      --i;
    const unsigned before = i > 0 ? uint8_t(lower(key[i - 1])) : 0;
    return before << 8 | uint8_t(lower(key[to - 1]));
  };
  // The name's end: before up to two naming words that end the key
  // ("pan_card_number": "number", then "card"; glued too: "cpfno"), not at
  // the key's start.
  size_t to = last;
  bool named = false;
  for (int words = 0; words < 2; ++words) {
    const unsigned end = tail(to);
    size_t at = SIZE_MAX;
    for (std::string_view word : naming_words)
      if (letter_pair(word) == end && (at = suffix_at(to, word)) != SIZE_MAX)
        break;
    if (at == SIZE_MAX || at == 0)
      break;
    while (at > 0 && !is_alnum(key[at - 1]))
      --at;
    if (at == 0)
      break;
    to = at;
    named = true;
  }
  const unsigned end = tail(to);
  for (const national_name &n : national_names)
    if (letter_pair(n.name) == end && (named || !n.named) &&
        word_at(to, n.name) != SIZE_MAX)
      return n.kind;
  return keyed_secret::none;
}

} // namespace

// A key whose letters and digits (lower case, every other byte dropped)
// end with the name of a secret. Not "token" alone (logprobs: {"token":
// " Hello"}), nor "signature" (Anthropic's thinking blocks), nor "pwd" (the
// working directory of an environment dump). The last byte picks the few
// names to compare: every scanned string under a key asks (a table of 24
// suffixes compared in turn cost the medium bench body ~10%).
keyed_secret secret_named(std::string_view key) {
  // Whether the key's letters and digits end with `name`, compared from
  // the end: most keys differ at their last byte or the one before.
  auto ends = [key](std::string_view name) {
    return key_suffix_at(key, key.size(), name) != SIZE_MAX;
  };
  size_t last = key.size();
  while (last > 0 && !is_alnum(key[last - 1]))
    --last;
  if (last == 0)
    return keyed_secret::none;
  switch (lower(key[last - 1])) {
  case 'd':
    if (ends("password") || ends("passwd") || ends("wachtwoord") ||
        ends("passord"))
      return keyed_secret::password;
    break;
  case 'a':
    if (ends("senha") || ends("salasana"))
      return keyed_secret::password;
    if (ends("datadinascita"))
      return keyed_secret::birth_date;
    break;
  case 'o':
    if (ends("haslo") || ends("heslo"))
      return keyed_secret::password;
    if (ends("fechadenacimiento") || ends("datadenascimento"))
      return keyed_secret::birth_date;
    if (ends("mrnno") || ends("medicalrecordno"))
      return keyed_secret::record_number;
    break;
  case 's':
    if (short_pass_name(key.substr(0, last)))
      return in_capitals(key) ? keyed_secret::password
                              : keyed_secret::short_password;
    break;
  case 'e':
    if (ends("passphrase"))
      return keyed_secret::password;
    if (ends("securitycode") || ends("cvvcode") || ends("cvccode"))
      return keyed_secret::card_code;
    if (ends("cookie"))
      return keyed_secret::cookie;
    if (ends("birthdate") || ends("datedenaissance"))
      return keyed_secret::birth_date;
    break;
  case 'b':
    if (ends("dob"))
      return keyed_secret::birth_date;
    break;
  case 'm':
    if (ends("geburtsdatum") || ends("geboortedatum"))
      return keyed_secret::birth_date;
    break;
  case 't':
    if (ends("secret"))
      return keyed_secret::secret;
    if (ends("passwort") || ends("kennwort"))
      return keyed_secret::password;
    break;
  case 'y':
    if (ends("birthday"))
      return keyed_secret::birth_date;
    if (!ends("key"))
      break;
    for (std::string_view name :
         {"secretkey", "apikey", "accesskey", "privatekey", "accountkey",
          "subscriptionkey", "encryptionkey", "signingkey", "masterkey"})
      if (ends(name))
        return keyed_secret::secret;
    if (other_key_name(key.substr(0, last)))
      return keyed_secret::other_key;
    break;
  case 'v':
  case 'c':
  case '2':
    if (ends("cvv") || ends("cvc") || ends("cvv2") || ends("cvc2") ||
        ends("cav2"))
      return keyed_secret::card_code;
    break;
  case 'h':
    if (validate::equals_ignore_case(key.substr(0, last), "auth") ||
        (last >= 5 &&
         validate::equals_ignore_case(key.substr(last - 5, 5), "_auth")))
      return keyed_secret::auth_credential;
    if (ends("dateofbirth"))
      return keyed_secret::birth_date;
    break;
  case 'r':
    if (ends("medicalrecordnumber") || ends("medicalrecordnr") ||
        ends("mrnnumber") || ends("mrnnr"))
      return keyed_secret::record_number;
    break;
  case 'n':
    if (ends("mrn"))
      return keyed_secret::record_number;
    if (ends("authorization"))
      return keyed_secret::authorization;
    if (!ends("token"))
      break;
    for (std::string_view name :
         {"accesstoken", "refreshtoken", "authtoken", "idtoken", "apitoken",
          "bearertoken", "sessiontoken", "securitytoken", "privatetoken",
          "bottoken"})
      if (ends(name))
        return keyed_secret::secret;
    if (other_token_name(key.substr(0, last)))
      return keyed_secret::other_token;
    break;
  default:
    break;
  }
  // Most keys end in two letters no national identifier's name (or naming
  // word) ends with: one lookup.
  if (last < 2 ||
      !may_name_national_id(unsigned(uint8_t(lower(key[last - 2]))) << 8 |
                            uint8_t(lower(key[last - 1]))))
    return keyed_secret::none;
  return national_id_named(key, last);
}

key_context classify_key(std::string_view key) {
  // Split on non-letters and camelCase humps; the last words count: the
  // key names what its value is ("customer_phone", "user.mobileNumber",
  // "socialSecurity"), not what it is about ("phone_verified_at",
  // "sms_sent_at" and "social_media_followers" hold epoch seconds and
  // counts, "phone_id" an id).
  struct word {
    char s[16];
    uint8_t n = 0;
    std::string_view view() const { return {s, n}; }
  };
  word last[3]; // last[0]: the last word
  size_t i = 0;
  while (i < key.size()) {
    while (i < key.size() && !is_alpha(key[i]))
      ++i;
    size_t start = i;
    ++i;
    while (i < key.size() && is_alpha(key[i]) &&
           !(key[i] >= 'A' && key[i] <= 'Z' && key[i - 1] >= 'a' &&
             key[i - 1] <= 'z'))
      ++i;
    if (start >= key.size())
      break;
    last[2] = last[1];
    last[1] = last[0];
    last[0].n = uint8_t(std::min<size_t>(i - start, sizeof last[0].s));
    for (size_t j = 0; j < last[0].n; ++j)
      last[0].s[j] = lower(key[start + j]);
  }
  // "phone_number", "tel_no", "ssn_nr": the word before names it.
  size_t w = 0;
  std::string_view end = last[0].view();
  if (end == "number" || end == "no" || end == "num" || end == "nr" ||
      end == "nummer" || end == "numero")
    w = 1;
  const std::string_view name = last[w].view();
  key_context k;
  k.phone = name == "phone" || name == "tel" || name == "telephone" ||
            name == "mobile" || name == "cell" || name == "cellphone" ||
            name == "fax" || name == "msisdn" || name == "whatsapp" ||
            name == "telefon" || name == "telefono" || name == "handy" ||
            name == "sms";
  k.ssn = name == "ssn" || name == "socialsecurity" ||
          (name == "security" && w < 2 && last[w + 1].view() == "social");
  return k;
}

bool phone_value(std::string_view t, candidate &c) {
  uint32_t from = 0, to = uint32_t(t.size());
  while (from < to && t[from] == ' ')
    ++from;
  while (to > from && t[to - 1] == ' ')
    --to;
  if (to - from > 40 || from == to)
    return false;
  uint32_t i = from, digits = 0, last_digit = 0;
  if (t[i] == '+')
    ++i;
  // Separators between digits: how many, where the first two are (from
  // `from`). One after the last digit ("555-0123)") is not counted.
  uint32_t seps[2] = {0, 0}, nseps = 0, pending = 0;
  for (; i < to; ++i) {
    char ch = t[i];
    if (is_digit(ch)) {
      ++digits;
      last_digit = i;
      nseps += pending;
      pending = 0;
    } else if (ch == ' ' || ch == '-' || ch == '.' || ch == '/' || ch == '(' ||
               ch == ')') {
      if (nseps + pending < 2)
        seps[nseps + pending] = i - from;
      ++pending;
    } else {
      break; // the extension, or not a phone
    }
  }
  if (i < to) {
    // An extension: "x12", " ext. 12", "#12" to the end.
    std::string_view rest = t.substr(i, to - i);
    size_t k = 0;
    if (rest[0] == '#')
      k = 1;
    else if ((rest[0] | 0x20) == 'x')
      k = 1;
    else if (rest.size() >= 3 &&
             validate::equals_ignore_case(rest.substr(0, 3), "ext"))
      k = 3;
    else
      return false;
    if (k < rest.size() && rest[k] == '.')
      ++k;
    while (k < rest.size() && rest[k] == ' ')
      ++k;
    if (k == rest.size())
      return false;
    for (; k < rest.size(); ++k)
      if (!is_digit(rest[k]))
        return false;
  }
  if (digits < 7 || digits > 15)
    return false;
  const std::string_view v = t.substr(from, last_digit + 1 - from);
  if (std::all_of(v.begin(), v.end(),
                  [&](char ch) { return !is_digit(ch) || ch == v.back(); }))
    return false; // 0000000
  // A decimal number: one '.' and no other separator (an embedding's
  // 0.0622501812, an amount).
  if (nseps == 1 && v[seps[0]] == '.' && v.front() != '+')
    return false;
  // Dates: 2024-01-15, 2024/01/15, 15.01.2024, 01/15/2024.
  if (v.size() == 10 && digits == 8 && nseps == 2 && v[seps[0]] == v[seps[1]] &&
      ((seps[0] == 4 && seps[1] == 7) || (seps[0] == 2 && seps[1] == 5)))
    return false;
  c.from = from;
  c.to = last_digit + 1;
  return true;
}

bool keyed_value(keyed_secret kind, std::string_view t, candidate &c) {
  auto space = [](char ch) {
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == '\0';
  };
  uint32_t from = 0, to = uint32_t(t.size());
  while (from < to && space(t[from]))
    ++from;
  while (to > from && space(t[to - 1]))
    --to;
  std::string_view val = t.substr(from, to - from);
  auto has_space = [&](std::string_view v) {
    return std::any_of(v.begin(), v.end(), space);
  };
  if (kind == keyed_secret::authorization) {
    // "Token abc", "Bearer abc": the scheme stays (a bare credential goes
    // whole).
    size_t w = 0;
    while (w < val.size() && w <= 25 && (is_alnum(val[w]) || val[w] == '-'))
      ++w;
    size_t k = w;
    while (k < val.size() && val[k] == ' ')
      ++k;
    if (w > 0 && k > w && k < val.size()) {
      from += uint32_t(k);
      val.remove_prefix(k);
    }
  }
  if (val.empty() || validate::is_placeholder(val) || says_none(val) ||
      val.front() == '$' || val.find("://") != std::string_view::npos)
    return false;
  // A JSON document nested in the value is no secret whole: its strings
  // are scanned as text, and a label in its place would break it (fuzz:
  // a message under a key that ends "password").
  if (val.size() >= 2 &&
      ((val.front() == '{' && val.back() == '}' &&
        val.find('"') != std::string_view::npos) ||
       (val.front() == '[' && val.back() == ']' &&
        (val[1] == '"' || val[1] == '{' || val[1] == '[' || val[1] == ']'))))
    return false;
  switch (kind) {
  case keyed_secret::secret:
  case keyed_secret::authorization:
    if (has_space(val))
      return false; // prose, or a credential of another shape
    break;
  case keyed_secret::password: {
    char last = val.back();
    if (has_space(val) && (last == '.' || last == '!' || last == '?'))
      return false; // "This password is too short."
    break;
  }
  case keyed_secret::short_password:
    if (!short_pass_value(val, false))
      return false;
    break;
  case keyed_secret::other_token:
    if (!other_token_value(val))
      return false;
    break;
  case keyed_secret::other_key:
    if (!other_key_value(val))
      return false;
    break;
  case keyed_secret::auth_credential:
    if (!validate::basic_credential(val))
      return false;
    break;
  case keyed_secret::card_code:
    if ((val.size() != 3 && val.size() != 4) ||
        !std::all_of(val.begin(), val.end(), is_digit))
      return false;
    break;
  case keyed_secret::birth_date: {
    // The date alone, or with a time as JSON serialises one
    // ("1985-03-12T00:00:00.000Z", "1985-03-12 00:00:00+00:00").
    const size_t d = date_length(val);
    if (d == 0 ||
        (d < val.size() && !((val[d] == 'T' || val[d] == ' ') &&
                             d + 1 < val.size() && is_digit(val[d + 1]) &&
                             val.find_first_not_of("0123456789:.+-Z", d + 1) ==
                                 std::string_view::npos)))
      return false;
    break;
  }
  case keyed_secret::record_number:
    if (record_number_length(val) != val.size())
      return false;
    break;
  case keyed_secret::nino:
  case keyed_secret::nhs_number:
  case keyed_secret::ca_sin:
  case keyed_secret::de_tax_id:
  case keyed_secret::fr_nir:
  case keyed_secret::es_nif:
  case keyed_secret::it_fiscal_code:
  case keyed_secret::br_cpf:
  case keyed_secret::in_aadhaar:
  case keyed_secret::in_pan:
    if (national_id_keyed(kind)->length(val) != val.size())
      return false;
    break;
  case keyed_secret::cookie:
  case keyed_secret::none:
    break;
  }
  if (kind == keyed_secret::none)
    return false;
  c.from = from;
  c.to = to;
  return true;
}

bool confirm(const rules::rule_def &r, std::string_view t, candidate &c,
             key_context ctx, std::span<const candidate> masked) {
  if (c.to <= c.from || c.to > t.size())
    return false;
  if (r.validator != rules::check::email && !edges_ok(r, t, c.from, c.to))
    return false;
  // Bare digits with context are never the integer or fraction part of a
  // decimal number: an embedding's 0.0622501812, epoch seconds
  // 1742593247.409 (masker.cpp opens no context window on such a cluster).
  if (r.needs != rules::context::none &&
      ((c.from >= 2 && t[c.from - 1] == '.' && is_digit(t[c.from - 2])) ||
       (size_t(c.to) + 1 < t.size() && t[c.to] == '.' &&
        is_digit(t[c.to + 1]))))
    return false;
  // 12-13 bare digits joined by a '-' to what comes before are a UUID's
  // last group or an id's, not an E.164 number without its '+'.
  if (r.needs == rules::context::phone && c.to - c.from >= 12 && c.from >= 1 &&
      t[c.from - 1] == '-' &&
      std::all_of(t.begin() + c.from, t.begin() + c.to, is_digit))
    return false;
  if (r.needs == rules::context::phone && !ctx.phone &&
      !any_word_before(t, c.from, rules::context_words(r.needs),
                       rules::escaped_context_words(r.needs), masked))
    return false;
  if (r.needs == rules::context::ssn && !ctx.ssn &&
      !any_word_before(t, c.from, rules::context_words(r.needs),
                       rules::escaped_context_words(r.needs), masked))
    return false;
  std::string_view s = t.substr(c.from, c.to - c.from);
  bool ok = true;
  switch (r.validator) {
  case rules::check::none:
    break;
  case rules::check::email:
    ok = confirm_email(t, c);
    break;
  case rules::check::phone_intl:
  case rules::check::phone_nanp:
  case rules::check::phone_digits: {
    // A URL's "%2B" (its '+') and the 00 dialling prefix are no digits of
    // the number, nor are those of the escapes of nested no-break spaces.
    // Nor are those of an extension glued to it ("415-555-0123x12").
    std::string_view n = s.substr(0, s.find_first_of("xX"));
    bool dialled = false;
    if (r.validator == rules::check::phone_intl && s.starts_with("%2")) {
      n = n.substr(3);
    } else if (r.validator == rules::check::phone_intl && s.starts_with("00")) {
      n = n.substr(2);
      dialled = true;
    }
    char buf[64];
    std::string_view p =
        n.find('\\') == std::string_view::npos ? n : phone_digits(n, buf);
    size_t d = count_digits(p);
    ok = !all_same_digit(p);
    if (r.validator == rules::check::phone_intl)
      // After 00, one bare run is an id as likely as a phone: a separator.
      ok = ok && d >= 8 && d <= 15 && (!dialled || count_digits(n) < n.size());
    else if (r.validator == rules::check::phone_digits)
      // After a phone word, 00, a country code and up to 14 digits
      // (country code 1, NANP's: its 10, and 13 in all, under 14).
      ok = ok && d >= 8 &&
           (d <= 13 || (d <= 17 && r.needs == rules::context::phone &&
                        p.starts_with("00") && p[2] != '0' && p[2] != '1'));
    break;
  }
  case rules::check::card:
    ok = card_ok(s);
    break;
  case rules::check::iban:
    ok = iban_ok(s);
    break;
  case rules::check::ssn:
    ok = ssn_ok(s);
    break;
  case rules::check::ipv4:
    ok = confirm_ipv4(t, c);
    break;
  case rules::check::ipv6:
    ok = confirm_ipv6(t, c);
    break;
  case rules::check::github_token:
    // A valid CRC32 proves a real token; random-looking tokens without one
    // (fakes in test data, other generators) are still treated as secrets.
    ok = validate::github_token(s) ||
         (!validate::is_placeholder(s) &&
          validate::entropy_compare(s.substr(4), 3.5) >= 0);
    break;
  case rules::check::jwt:
    ok = validate::jwt(s);
    break;
  case rules::check::bearer:
    ok = confirm_bearer(t, c);
    break;
  case rules::check::basic_auth:
    ok = confirm_basic(t, c);
    break;
  case rules::check::url_password:
    ok = confirm_url_password(t, c);
    break;
  case rules::check::aws_secret:
    c.from = c.to - 40;
    ok = validate::entropy_compare(t.substr(c.from, 40), 3.5) > 0;
    break;
  case rules::check::private_key:
    ok = confirm_private_key(t, c);
    break;
  case rules::check::assignment:
  case rules::check::authorization:
  case rules::check::password:
    ok = confirm_assignment(r, t, c);
    break;
  case rules::check::cookie:
    ok = confirm_cookie(r, t, c);
    break;
  case rules::check::cli_password:
    ok = confirm_cli_password(t, c);
    break;
  case rules::check::dsn_password: {
    // Located from its '@' (c.to): the same value again.
    ok = c.to + 5 <= t.size() && t[c.to] == '@' &&
         (t.substr(c.to, 5) == "@tcp(" || t.substr(c.to, 6) == "@unix(") &&
         dsn_password(t, c.to) == std::pair<uint32_t, uint32_t>{c.from, c.to};
    break;
  }
  case rules::check::card_code:
  case rules::check::birth_date:
  case rules::check::record_number:
  case rules::check::nino:
  case rules::check::nhs_number:
  case rules::check::ca_sin:
  case rules::check::de_tax_id:
  case rules::check::fr_nir:
  case rules::check::es_nif:
  case rules::check::it_fiscal_code:
  case rules::check::br_cpf:
  case rules::check::in_aadhaar:
  case rules::check::in_pan:
  case rules::check::call_password: {
    auto [from, to] = after_word_value(r, t, c.from + 1);
    ok = to != 0;
    c.from = from;
    c.to = to;
    break;
  }
  case rules::check::password_hash: {
    const size_t n = validate::password_hash(s);
    ok = n != 0 && (c.from + n >= t.size() || !is_alnum(t[c.from + n]));
    c.to = c.from + uint32_t(n);
    break;
  }
  case rules::check::vendor_key: {
    size_t n = validate::vendor_key(s);
    // The token's first prefix may start no key ("my-pat-key-<Mailgun
    // key>", "prod-sk-e2b_<key>"): the next two in it are tried.
    for (int tries = 0; n == 0 && tries < 2; ++tries) {
      const uint32_t next = first_prefix(r, t, c.from + 1, c.to);
      if (next == UINT32_MAX)
        break;
      c.from = next;
      s = t.substr(c.from, c.to - c.from);
      n = validate::vendor_key(s);
    }
    ok = n != 0;
    // A Telegram bot's token: its id, 5-10 digits and a ':', before it (in
    // the Bot API's URLs after "bot": api.telegram.org/bot<id>:<token>/).
    if (ok && s.starts_with("AA")) {
      uint32_t k = c.from;
      ok = k >= 1 && t[k - 1] == ':';
      uint32_t d = k - 1;
      while (ok && d > 0 && is_digit(t[d - 1]) && k - 1 - d < 10)
        --d;
      ok = ok && k - 1 - d >= 5 &&
           (d == 0 || !is_alnum(t[d - 1]) ||
            (d >= 3 && t.substr(d - 3, 3) == "bot"));
    }
    c.to = c.from + uint32_t(n);
    break;
  }
  }
  if (!ok)
    return false;
  // A replacement must never swallow a quote of a nested JSON document nor
  // split an escape sequence: whole escapes are fine (PEM "\n" lines).
  // (PEM blocks and JWTs run to thousands of bytes: 16 a step.)
  for (uint32_t i = c.from; i < c.to; ++i) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    while (i + 16 <= c.to) {
      __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(t.data() + i));
      unsigned m = unsigned(_mm_movemask_epi8(
          _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs))));
      if (m != 0) {
        i += unsigned(__builtin_ctz(m));
        break;
      }
      i += 16;
    }
    if (i >= c.to)
      break;
#endif
    if (t[i] == '"')
      return false;
    if (t[i] == '\\') {
      if (i + 1 >= c.to)
        return false;
      ++i;
    }
  }
  return true;
}

namespace {

// Overlapping specific secrets (a JWT glued into a cut PEM body) become one
// range, labelled by the one that would have won: no secret is left half
// visible, and a second pass, which sees one label there, finds nothing
// more. Others keep the first-winner rule below.
void merge_overlapping_secrets(std::vector<candidate> &cands,
                               std::vector<candidate> &tmp) {
  auto table = rules::table();
  auto generic = [&](const candidate &c) {
    return table[c.rule].info.klass != precision::specific_secret;
  };
  // Specific secrets to tmp, the others stay (in order; no
  // std::stable_partition, which allocates).
  tmp.clear();
  size_t kept = 0;
  for (const candidate &c : cands) {
    if (generic(c))
      cands[kept++] = c;
    else
      tmp.push_back(c);
  }
  cands.resize(kept);
  if (tmp.size() < 2) {
    cands.insert(cands.end(), tmp.begin(), tmp.end());
    return;
  }
  std::sort(tmp.begin(), tmp.end(), [](const candidate &a, const candidate &b) {
    return a.from != b.from ? a.from < b.from : a.rule < b.rule;
  });
  for (size_t i = 0; i < tmp.size();) {
    candidate best = tmp[i];
    uint32_t from = tmp[i].from, to = tmp[i].to;
    size_t j = i + 1;
    for (; j < tmp.size() && tmp[j].from < to; ++j) {
      const candidate &x = tmp[j];
      uint32_t lb = best.to - best.from, lx = x.to - x.from;
      if (lx > lb || (lx == lb && x.rule < best.rule && x.from == best.from))
        best = x;
      to = std::max(to, x.to);
    }
    best.from = from;
    best.to = to;
    cands.push_back(best);
    i = j;
  }
}

} // namespace

void drop_repeated_starts(std::vector<candidate> &cs, size_t rule_count,
                          repeat_space &space) {
  if (cs.size() < 2)
    return;
  // Usually each rule's starts never decrease along the list (later
  // triggers lie in the same token or a later one): then a repeat is a
  // start equal to that rule's last one, and one pass drops them.
  auto &last_start = space.last_start;
  last_start.assign(rule_count, UINT32_MAX);
  bool rising = true;
  for (const candidate &c : cs) {
    uint32_t &last = last_start[c.rule];
    if (last != UINT32_MAX && c.from < last) {
      rising = false;
      break;
    }
    last = c.from;
  }
  if (rising) {
    std::fill(last_start.begin(), last_start.end(), UINT32_MAX);
    size_t kept = 0;
    for (const candidate &c : cs)
      if (std::exchange(last_start[c.rule], c.from) != c.from)
        cs[kept++] = c;
    cs.resize(kept);
    return;
  }
  // Otherwise (rare: a start found from a later end lies before an earlier
  // one's) a stable sort by (rule, from) puts repeats next to each other,
  // the first in the list first. Linear-logarithmic even in a string with
  // thousands of triggers.
  auto &order = space.order;
  order.resize(cs.size());
  for (uint32_t i = 0; i < order.size(); ++i)
    order[i] = i;
  stable_sort_with(order, space.order_buf, [&](uint32_t a, uint32_t b) {
    return cs[a].rule != cs[b].rule ? cs[a].rule < cs[b].rule
                                    : cs[a].from < cs[b].from;
  });
  auto &repeated = space.repeated;
  repeated.assign(cs.size(), 0);
  for (size_t k = 1; k < order.size(); ++k) {
    const candidate &a = cs[order[k - 1]], &b = cs[order[k]];
    repeated[order[k]] = a.rule == b.rule && a.from == b.from;
  }
  size_t kept = 0;
  for (size_t i = 0; i < cs.size(); ++i)
    if (!repeated[i])
      cs[kept++] = cs[i];
  cs.resize(kept);
}

void resolve_overlaps(std::vector<candidate> &cands,
                      std::vector<candidate> &scratch,
                      std::vector<uint8_t> &claimed) {
  if (cands.size() < 2)
    return;
  // The two vectors swap their storage below: both keep the larger
  // capacity, so that in steady state neither grows again (the masking
  // pass allocates nothing then).
  if (scratch.capacity() < cands.capacity())
    scratch.reserve(cands.capacity());
  // Mostly nothing overlaps: then every candidate stays, sorted by start.
  // They come as two runs, each (nearly) sorted already: the pass-1
  // candidates, then the digit clusters'. Two sorted runs are merged.
  auto by_start = [](const candidate &a, const candidate &b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  };
  auto sort_by_start = [&] {
    auto mid = std::is_sorted_until(cands.begin(), cands.end(), by_start);
    if (mid == cands.end())
      return;
    if (std::is_sorted(mid, cands.end(), by_start)) {
      scratch.resize(cands.size());
      std::merge(cands.begin(), mid, mid, cands.end(), scratch.begin(),
                 by_start);
      cands.swap(scratch);
    } else {
      std::sort(cands.begin(), cands.end(), by_start);
    }
  };
  sort_by_start();
  bool overlap = false;
  for (size_t i = 1; i < cands.size() && !overlap; ++i)
    overlap = cands[i].from < cands[i - 1].to;
  if (!overlap)
    return;
  merge_overlapping_secrets(cands, scratch);
  // Generic candidates, then the merged specific secrets: two runs in order
  // of start again.
  sort_by_start();
  // Priority: specific secret > generic secret > PII, then longer, then
  // leftmost, then rule order. Each candidate in that order stays unless a
  // byte of it is claimed by one kept before it. Only candidates that
  // overlap can claim each other's bytes, so each group of overlapping
  // candidates (a run in start order where each starts before the furthest
  // end so far) is resolved alone, with the same result as sorting them
  // all, and a lone candidate stays.
  auto table = rules::table();
  auto priority = [&](const candidate &a, const candidate &b) {
    auto ka = table[a.rule].info.klass, kb = table[b.rule].info.klass;
    if (ka != kb)
      return ka < kb;
    uint32_t la = a.to - a.from, lb = b.to - b.from;
    if (la != lb)
      return la > lb;
    if (a.from != b.from)
      return a.from < b.from;
    return a.rule < b.rule;
  };
  scratch.clear();
  const size_t n = cands.size();
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    uint32_t lo = cands[i].from, hi = cands[i].to;
    for (; j < n && cands[j].from < hi; ++j)
      hi = std::max(hi, cands[j].to);
    if (j == i + 1) {
      scratch.push_back(cands[i]);
      i = j;
      continue;
    }
    std::sort(cands.begin() + ptrdiff_t(i), cands.begin() + ptrdiff_t(j),
              priority);
    // Claimed bytes of the group: checking a candidate costs its length,
    // so the pass is linear in the matched text, not quadratic in count.
    claimed.assign(hi - lo, 0);
    const size_t group = scratch.size();
    for (size_t k = i; k < j; ++k) {
      const candidate &c = cands[k];
      uint8_t *m = claimed.data() + (c.from - lo);
      uint32_t len = c.to - c.from;
      if (std::memchr(m, 1, len))
        continue;
      std::memset(m, 1, len);
      scratch.push_back(c);
    }
    // Kept ones never overlap: distinct starts.
    std::sort(
        scratch.begin() + ptrdiff_t(group), scratch.end(),
        [](const candidate &a, const candidate &b) { return a.from < b.from; });
    i = j;
  }
  cands.swap(scratch);
}

} // namespace maskd::core::scan
