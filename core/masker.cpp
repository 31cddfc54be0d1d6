// The masking pass. Life of a body (docs/architecture.md has the long form):
//  1. simdjson's stage 1 (runtime-dispatched SIMD) indexes the structure;
//     a strict walk over that index validates every token. Each string value
//     in a scannable position is decoded (only if it has escapes) into one
//     NUL-separated text buffer and recorded as a segment (where it is in
//     the input, where its text is) with the attribute key above it.
//  2. Pass 1: one Hyperscan scan without start-of-match (fast) over the text
//     finds where literal-anchored candidates end, and the context words.
//     Their starts and full extent are found in code (scanner.cpp).
//  3. Digit clusters (found in code) are scanned rule by rule with
//     start-of-match databases: the slow automata see little text. Context
//     rules run on a cluster only when a context word precedes it in its
//     string (or the attribute key gives context).
//  4. Code checks boundaries, context and validators, resolves overlaps;
//     strings with glued values are rescanned with masked ranges blanked.
//  5. Replacements are mapped back to raw input offsets and spliced; every
//     untouched byte is copied as is. No match: the input is the output.
#include "core/masker.h"

#include "core/json_text.h"
#include "core/rule_set.h"
#include "core/rule_set_internal.h"
#include "core/scanner.h"
#include "core/spaced.h"
#include "core/stable_sort.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <climits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstring>
#include <string>
#include <utility>
#include <vector>

static_assert(maskd::core::input_padding_bytes >= simdjson::SIMDJSON_PADDING,
              "callers must pad for simdjson");

namespace maskd::core {
namespace {

enum class doc_mode : uint8_t { generic, otlp, probe };

struct walk_ctx {
  bool scan = true;
  doc_mode mode = doc_mode::generic;
  // Nearest attribute key / member name above this value (raw JSON text),
  // classified lazily: only when a context-dependent rule needs it.
  std::string_view key;
};

// One NUL-terminated segment of the text buffer: the decoded text of a
// scannable string value.
struct span_rec {
  uint32_t raw_begin; // input offset of the first content byte
  uint32_t raw_len;
  uint32_t text_begin; // offset in the decoded text buffer
  uint32_t text_len;
  bool escaped;
  int32_t key; // index in `keys` of the key above this value, or -1
};

// The attribute key / member name above scannable values (raw JSON text,
// never scanned nor masked): what it implies, classified on first need.
struct key_rec {
  uint32_t raw_begin;
  uint32_t raw_len;
  bool classified;
  scan::key_context ctx;
  int8_t secret; // the scan::keyed_secret it names; -1: not asked yet
};

struct hit {
  uint32_t end; // text buffer offset one past the candidate
  uint16_t rule;
};

// A digit cluster long enough for a context rule, in text buffer
// coordinates: [first, end) from its first digit to just past its last.
struct context_window {
  uint32_t first;
  uint32_t end;
  uint8_t fits; // bit c set: a rule with needs == context(c) can match here
};
// context_window::fits: a no-break space of a nested string joins the
// cluster (rules::with_nested_spaces).
constexpr uint8_t k_window_nested_space = 0x80;
// How far from its head an IBAN reaches: 34 characters and 8 spaces
// between its groups, each spelled as an escape of a nested string (up to
// 13 bytes): 138.
constexpr uint32_t k_iban_reach = 144;

struct replacement {
  uint32_t raw_begin;
  uint32_t raw_end;
  uint16_t rule;
  // 0: the label alone. L + 1: the match is a bare number of a JSON document
  // nested L levels deep in the string (0: the string's own text is the
  // document), and the label goes in as a string of that document: between
  // quotes escaped for every level above it (see nested_number_level).
  uint8_t quote = 0;
};

// `s` equals the literal: a few loads and compares in place. These run for
// every key and literal of the walk, and whether GCC inlines string_view's
// operator== depends on the size of the whole file: code added elsewhere in
// it once turned eleven of them into memcmp calls (+4% on the bench bodies).
template <size_t N>
[[gnu::always_inline]] inline bool is(std::string_view s,
                                      const char (&lit)[N]) {
  return s.size() == N - 1 && __builtin_memcmp(s.data(), lit, N - 1) == 0;
}

// OTLP fields that are never scanned, by their raw key text: ids, timestamps,
// intValue/bytesValue, enums, schema URLs and the attribute "key" itself.
bool otlp_protected_key(std::string_view k) {
  // Timestamps in every spelling: startTimeUnixNano, endTimeUnixNano,
  // timeUnixNano, observedTimeUnixNano.
  if (k.size() > 8 && is(k.substr(k.size() - 8), "UnixNano"))
    return true;
  switch (k.size()) {
  case 3:
    return is(k, "key");
  case 4:
    return is(k, "kind") || is(k, "code");
  case 5:
    return is(k, "flags");
  case 6:
    return is(k, "spanId");
  case 7:
    return is(k, "traceId");
  case 8:
    return is(k, "intValue");
  case 9:
    return is(k, "schemaUrl");
  case 10:
    return is(k, "traceState") || is(k, "bytesValue");
  case 12:
    return is(k, "parentSpanId");
  default:
    return false;
  }
}

bool otlp_marker_key(std::string_view k) {
  return is(k, "resource") || is(k, "scopeSpans") || is(k, "schemaUrl") ||
         is(k, "scope_spans");
}

bool is_hex_digit(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

// True when `raw` (a string's bytes, padded input) is at most 32 bytes long
// and holds no backslash, so there is no escape to check: most keys and
// ids, in two 16-byte looks instead of a call.
bool short_and_plain(std::string_view raw) {
#if defined(__SSE2__)
  if (raw.size() > 32)
    return false;
  const __m128i bs = _mm_set1_epi8('\\');
  const auto *p = reinterpret_cast<const __m128i *>(raw.data());
  uint32_t m =
      uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p), bs))) |
      uint32_t(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(p + 1), bs)))
          << 16;
  uint32_t keep = raw.size() == 32 ? ~0u : (1u << raw.size()) - 1;
  return (m & keep) == 0;
#else
  (void)raw;
  return false;
#endif
}

bool json_ws(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

// Bytes of a JSON number token.
bool number_char(char ch) {
  return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' ||
         ch == 'e' || ch == 'E';
}

bool opens_document(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && json_ws(t[i]))
    ++i;
  return i < t.size() && (t[i] == '{' || t[i] == '[');
}

// The cheap gate of masker::impl::nested_number_level, on a string's own
// text (which opens like a JSON document): the match is all digits, and the
// number it is part of has JSON punctuation around it (',', ':', '['
// before; ',', '}', ']' after) past whitespace, which in the text of a
// document nested deeper is escaped ("\n", two levels down "\\n", ...).
bool maybe_nested_number(std::string_view t, uint32_t from, uint32_t to) {
  if (to <= from)
    return false;
  for (uint32_t i = from; i < to; ++i)
    if (t[i] < '0' || t[i] > '9')
      return false;
  size_t i = from;
  while (i > 0 && number_char(t[i - 1]))
    --i;
  while (i > 0) {
    char ch = t[i - 1];
    if (json_ws(ch)) {
      --i;
    } else if ((ch == 'n' || ch == 't' || ch == 'r') && i >= 2 &&
               t[i - 2] == '\\') {
      i -= 2;
      while (i > 0 && t[i - 1] == '\\')
        --i;
    } else {
      break;
    }
  }
  if (i == 0 || (t[i - 1] != ':' && t[i - 1] != ',' && t[i - 1] != '['))
    return false;
  size_t j = to;
  while (j < t.size() && number_char(t[j]))
    ++j;
  while (j < t.size()) {
    if (json_ws(t[j])) {
      ++j;
      continue;
    }
    size_t k = j;
    while (k < t.size() && t[k] == '\\')
      ++k;
    if (k == j || k >= t.size() || (t[k] != 'n' && t[k] != 't' && t[k] != 'r'))
      break;
    j = k + 1;
  }
  return j < t.size() && (t[j] == ',' || t[j] == '}' || t[j] == ']');
}

std::string_view trim_token(std::string_view t) {
  while (!t.empty() && json_ws(t.back()))
    t.remove_suffix(1);
  return t;
}

} // namespace

struct masker::impl {
  std::shared_ptr<const rule_set> rules;
  const rule_set_internals *in;
  limits lim;
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1_impl;
  size_t stage1_capacity = 0;
  hs_scratch_t *scratch = nullptr;
  bool scratch_ok = true;

  const char *base = nullptr;
  size_t base_len = 0;
  error_kind err = error_kind::none;
  size_t err_offset = 0;

  std::vector<char> text;
  size_t text_len = 0;
  std::string name_buf; // decoded_name
  std::vector<span_rec> spans;
  std::vector<key_rec> keys;
  const char *last_key_ptr = nullptr;
  std::vector<hit> hits;
  std::vector<scan::candidate> cluster_cands; // text buffer coordinates
  std::vector<context_window> ctx_windows, rescan_windows;
  std::vector<scan::candidate> window_cands; // text buffer coordinates
  std::vector<scan::candidate> *located_out = nullptr;
  std::vector<hit> *hits_out = nullptr;
  std::vector<scan::candidate> seg_accepted, accepted, rescan_cands;
  std::vector<hit> rescan_hits;
  std::vector<uint32_t> word_ends[3]; // by rules::context, one string
  bool hits_overflow = false;
  // Bytes of glued strings rescanned in this document, and the most allowed.
  size_t rescanned = 0, rescan_budget = 0;
  std::vector<scan::candidate> cands, cand_scratch;
  // The last scanned string's candidates before checks, for rescan_glued.
  std::vector<scan::candidate> located;
  // add_context_candidates: the masked ranges in order, and the running
  // sum of their lengths.
  std::vector<scan::candidate> ctx_merged;
  std::vector<uint64_t> ctx_length_prefix;
  std::vector<scan::token_run> token_runs; // by rule, one string's hits
  // By rule: the segment its token_runs entry belongs to (an entry of an
  // earlier one is reset when first used: no sweep over every rule's per
  // string).
  std::vector<uint32_t> token_run_segment;
  uint32_t segment_serial = 0;
  // The media references of the string being checked: [begin, end).
  std::vector<std::pair<uint32_t, uint32_t>> media_refs;
  // For could_find_more, built once per rescan_glued round when needed: the
  // masked ranges by (rule, start), and the candidates of `located` that no
  // masked range accounts for, by start, with the furthest end up to each.
  bool unowned_ready = false;
  std::vector<scan::candidate> accepted_by_rule, unowned;
  std::vector<uint32_t> unowned_reach;
  std::vector<uint8_t> claimed;
  std::vector<uint8_t> ends_seen; // locate_in: by end - ends_base
  uint32_t ends_base = 0;
  const std::array<bool, 256> *right_blocked = nullptr; // on_anchored
  // on_anchored gives an end to its leftmost start that is an IBAN
  // (scan::iban_ok), not to its leftmost start, for the IBAN rule.
  bool iban_ends = false;
  std::vector<uint32_t> dec_pos, raw_pos;
  // nested_number_level: the documents nested in the string being emitted,
  // level by level (0: the string's own text), each decoded once.
  struct nested_doc {
    std::string_view text;
    std::string buf; // levels 1 and deeper: the decoded literal
    std::vector<std::pair<uint32_t, uint32_t>> literals;
    bool lexed = false;
    int8_t valid = -1;                 // -1: not checked yet
    size_t parent = SIZE_MAX;          // which literal of the level above
    uint32_t map_up = 0, map_here = 0; // a position above and here
  };
  static constexpr int k_nested_levels = 4;
  std::array<nested_doc, k_nested_levels> nested;
  std::string nested_scratch;
  std::string valid_scratch;       // valid_document
  std::vector<uint8_t> cand_quote; // emit: by candidate, replacement::quote
  scan::repeat_space dedup_space;  // scan::drop_repeated_starts
  // Buffers of stable_sort_with (std::stable_sort allocates on every call).
  std::vector<hit> hit_sort_buf;
  std::vector<scan::candidate> cand_sort_buf;
  std::vector<replacement> repls;
  std::vector<uint32_t> per_rule;
  std::vector<std::string> labels;
  std::string out;
  bool out_is_result = false; // `out` holds the last mask()'s output

  uint32_t cur_window_begin = 0;  // for on_located and on_end
  size_t cur_window_end = 0;      // for on_end
  unsigned email_rule = UINT_MAX; // the e-mail rule's index, if enabled
  // Rules whose pass-1 hit is a name its value is assigned to (locator
  // assignment), by index: a bit each.
  uint64_t name_rules = 0;
  // By scan::keyed_secret: the rule that masks a value under a key named
  // for such a secret, or UINT16_MAX (none, or the rule is off).
  std::array<uint16_t, scan::keyed_secret_kinds> keyed_rule{};
  uint16_t cookie_rule = UINT16_MAX;      // cookie_header's index, if enabled
  bool any_keyed_rule = false;            // one of keyed_rule is on
  uint16_t phone_value_rule = UINT16_MAX; // phone_context's, if enabled
  std::vector<scan::candidate> wholes;    // scan_segment: cookie candidates

  impl(std::shared_ptr<const rule_set> r, limits l)
      : rules(std::move(r)), in(&rules->internals()), lim(l) {
    for (const auto *dbs :
         {&in->find_start, &in->find_anchored, &in->find_anchored_nested})
      for (hs_database_t *db : *dbs)
        if (db && hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
          scratch_ok = false;
    if (in->find_ends &&
        hs_alloc_scratch(in->find_ends, &scratch) != HS_SUCCESS)
      scratch_ok = false;
    per_rule.assign(rules->rule_count(), 0);
    for (size_t i = 0; i < in->defs.size(); ++i)
      if (in->defs[i]->locate == rules::locator::email)
        email_rule = unsigned(i);
      else if (in->defs[i]->locate == rules::locator::assignment && i < 64)
        name_rules |= uint64_t(1) << i;
    // The rules whose values a key gives whole: one named for a secret,
    // or for a phone (phone_context).
    keyed_rule.fill(UINT16_MAX);
    for (size_t i = 0; i < rules->rule_count(); ++i) {
      if (!rules->enabled(i))
        continue;
      std::string_view id = rules->rule(i).id;
      if (id == "phone_context")
        phone_value_rule = uint16_t(i);
      auto kind = id == "password_assignment" ? scan::keyed_secret::password
                  : id == "secret_assignment" ? scan::keyed_secret::secret
                  : id == "authorization_header"
                      ? scan::keyed_secret::authorization
                  : id == "cookie_header"      ? scan::keyed_secret::cookie
                  : id == "card_security_code" ? scan::keyed_secret::card_code
                  : id == "date_of_birth"      ? scan::keyed_secret::birth_date
                  : id == "medical_record_number"
                      ? scan::keyed_secret::record_number
                      : scan::national_id_kind(in->defs[i]->validator);
      if (kind != scan::keyed_secret::none)
        keyed_rule[size_t(kind)] = uint16_t(i);
      if (kind == scan::keyed_secret::password)
        keyed_rule[size_t(scan::keyed_secret::short_password)] = uint16_t(i);
      if (kind == scan::keyed_secret::secret) {
        keyed_rule[size_t(scan::keyed_secret::other_token)] = uint16_t(i);
        keyed_rule[size_t(scan::keyed_secret::other_key)] = uint16_t(i);
        keyed_rule[size_t(scan::keyed_secret::auth_credential)] = uint16_t(i);
      }
    }
    cookie_rule = keyed_rule[size_t(scan::keyed_secret::cookie)];
    any_keyed_rule = std::any_of(keyed_rule.begin(), keyed_rule.end(),
                                 [](uint16_t r) { return r != UINT16_MAX; });
    for (size_t i = 0; i < rules->rule_count(); ++i)
      labels.push_back("[REDACTED_" + std::string(rules->rule(i).entity) + "]");
  }
  ~impl() { hs_free_scratch(scratch); }

  // ------------------------------------------------------------ errors
  bool fail(error_kind k, size_t offset) {
    if (err == error_kind::none) {
      err = k;
      err_offset = offset;
    }
    return false;
  }
  size_t offset_of(const char *p) const {
    return p >= base && p <= base + base_len ? size_t(p - base) : 0;
  }
  bool fail_sj(simdjson::error_code e, const char *where) {
    error_kind k = error_kind::invalid_json;
    if (e == simdjson::UTF8_ERROR)
      k = error_kind::invalid_utf8;
    else if (e == simdjson::DEPTH_ERROR)
      k = error_kind::depth_limit;
    else if (e == simdjson::MEMALLOC)
      k = error_kind::internal;
    return fail(k, where ? offset_of(where) : 0);
  }

  // ------------------------------------------------------------ walk
  // simdjson's stage 1 (SIMD, dispatched at run time to the best kernel of
  // this CPU) finds every structural character and token start and checks
  // UTF-8, string termination and raw control characters. The walk below
  // checks the grammar over that index and validates each token, so a body
  // is accepted only if it is strict RFC 8259 JSON.
  const uint32_t *idx = nullptr;
  uint32_t n_idx = 0;
  uint32_t pos = 0;

  char peek() const { return pos < n_idx ? base[idx[pos]] : '\0'; }
  size_t here() const { return pos < n_idx ? idx[pos] : base_len; }
  std::string_view token() const { return token_at(pos); }
  // Inlined by force: the walk reads every token through it, and with
  // walk_pair a caller too the medium bench body cost 2% more (in-process
  // A/B); forced, within the harness's spread.
  [[gnu::always_inline]] std::string_view token_at(size_t at) const {
    size_t b = idx[at];
    size_t e = at + 1 < n_idx ? idx[at + 1] : base_len;
    return trim_token({base + b, e - b});
  }
  // A string token's content, without its quotes.
  static std::string_view content(std::string_view t) {
    return t.substr(1, t.size() >= 2 ? t.size() - 2 : 0);
  }

  bool add_string(std::string_view tok, const walk_ctx &c) {
    if (tok.size() < 2 || tok.back() != '"')
      return fail(error_kind::invalid_json, offset_of(tok.data()));
    std::string_view raw = tok.substr(1, tok.size() - 2);
    if (!c.scan) {
      size_t bad;
      if (!short_and_plain(raw) && !json_text::escapes_valid(raw, &bad, true))
        return fail(error_kind::invalid_json, offset_of(raw.data()) + bad);
      return true;
    }
    if (raw.empty())
      return true;
    // Segments are disjoint slices of the input plus one NUL each (which
    // replaces the two quotes), so the buffer sized at input + 64 suffices,
    // with the 15 bytes a padded unescape may store past the string;
    // checked anyway: an overflow here must be an error, not a write.
    if (text_len + raw.size() + 16 > text.size())
      return fail(error_kind::internal, offset_of(raw.data()));
    if (!c.key.empty() && c.key.data() != last_key_ptr) {
      // Once per distinct key occurrence: every value under it shares it.
      keys.push_back({uint32_t(c.key.data() - base),
                      uint32_t(c.key.size()),
                      false,
                      {},
                      -1});
      last_key_ptr = c.key.data();
    }
    int32_t key = c.key.empty() ? -1 : int32_t(keys.size() - 1);
    // One pass copies and decodes; every escape is longer than what it
    // decodes to, so the text is shorter exactly when there were escapes.
    size_t bad = 0;
    size_t len;
    if (text_len + 32 <= text.size() && short_and_plain(raw)) {
      // Nothing to decode: one 32-byte copy (the input is padded; the text
      // buffer, input size + 64, has room: checked anyway).
      std::memcpy(text.data() + text_len, raw.data(), 32);
      len = raw.size();
    } else {
      len = json_text::unescape(raw, text.data() + text_len, &bad, true);
    }
    if (len == SIZE_MAX)
      return fail(error_kind::invalid_json, offset_of(raw.data()) + bad);
    bool escaped = len != raw.size();
    spans.push_back({uint32_t(raw.data() - base), uint32_t(raw.size()),
                     uint32_t(text_len), uint32_t(len), escaped, key});
    text_len += len;
    text[text_len++] = '\0'; // no rule matches NUL: strings never join
    return true;
  }

  bool walk_value(uint32_t depth, const walk_ctx &c) {
    switch (peek()) {
    case '{':
      return walk_object(depth + 1, c);
    case '[':
      return walk_array(depth + 1, c);
    case '"': {
      bool ok = add_string(token(), c);
      ++pos;
      return ok;
    }
    case 't':
    case 'f':
    case 'n': {
      std::string_view t = token();
      ++pos;
      return is(t, "true") || is(t, "false") || is(t, "null") ||
             fail(error_kind::invalid_json, offset_of(t.data()));
    }
    default: {
      if (pos >= n_idx)
        return fail(error_kind::invalid_json, base_len);
      std::string_view t = token();
      ++pos;
      return json_text::is_number(t, true) ||
             fail(error_kind::invalid_json, offset_of(t.data()));
    }
    }
  }

  // Reads an object key at pos; returns false on a syntax error. `*key` is
  // the raw text; `*name` the member name it spells, decoded when it has
  // escapes ("trace\u0049d" is traceId, as for any JSON reader).
  bool read_key(std::string_view *key, std::string_view *name) {
    if (peek() != '"')
      return fail(error_kind::invalid_json, here());
    std::string_view t = token();
    if (t.size() < 2 || t.back() != '"')
      return fail(error_kind::invalid_json, here());
    *key = *name = t.substr(1, t.size() - 2);
    size_t bad;
    if (!short_and_plain(*key)) {
      if (!json_text::escapes_valid(*key, &bad, true))
        return fail(error_kind::invalid_json, offset_of(key->data()) + bad);
      if (key->find('\\') != std::string_view::npos)
        *name = decoded_name(*key);
    }
    ++pos;
    if (peek() != ':')
      return fail(error_kind::invalid_json, here());
    ++pos;
    return true;
  }

  bool walk_object(uint32_t depth, walk_ctx c) {
    if (depth > lim.depth_max)
      return fail(error_kind::depth_limit, here());
    ++pos; // '{'
    if (peek() == '}')
      return ++pos, true;
    bool first = true;
    std::string_view attr_key; // the sibling "key" (or "name") of a "value"
    while (true) {
      std::string_view key, name;
      if (!read_key(&key, &name))
        return false;
      if (first && c.mode == doc_mode::probe)
        c.mode = otlp_marker_key(name) ? doc_mode::otlp : doc_mode::generic;
      first = false;
      walk_ctx child = c;
      if (c.mode == doc_mode::otlp) {
        if (otlp_protected_key(name))
          child.scan = false;
        if (!attr_key.empty())
          child.key = attr_key;
        if (is(name, "key") && peek() == '"') {
          // Attribute keys are never masked, but give context to "value".
          attr_key = content(token());
        }
      } else {
        child.key = key;
        // A name/value pair ({"name": "password", "value": "..."}, a
        // form's field and its "label", a Postman variable's "key"): the
        // name is the key of the value, as an OTLP attribute's is.
        if (!attr_key.empty() && is(name, "value"))
          child.key = attr_key;
        if ((is(name, "key") || is(name, "name") || is(name, "label") ||
             is(name, "field")) &&
            peek() == '"') {
          attr_key = content(token());
        }
        if (depth == 1 &&
            (is(name, "resourceSpans") || is(name, "resource_spans")))
          child.mode = doc_mode::probe; // {"resourceSpans":[...]}
      }
      if (child.mode == doc_mode::probe && peek() == '[') {
        if (!walk_array(depth + 1, child))
          return false;
      } else {
        if (child.mode == doc_mode::probe)
          child.mode = doc_mode::generic;
        if (!walk_value(depth, child))
          return false;
      }
      bool done;
      if (!next_item('}', &done))
        return false;
      if (done)
        return true;
    }
  }

  // After a member or element: ',' goes on, `close` ends the container.
  bool next_item(char close, bool *done) {
    char ch = peek();
    if (ch != ',' && ch != close)
      return fail(error_kind::invalid_json, here());
    ++pos;
    *done = ch == close;
    return true;
  }

  bool walk_array(uint32_t depth, const walk_ctx &c) {
    if (depth > lim.depth_max)
      return fail(error_kind::depth_limit, here());
    ++pos; // '['
    if (peek() == ']')
      return ++pos, true;
    if (c.mode != doc_mode::otlp) // generic, or a bare array's elements
      return walk_list(depth, c);
    while (true) {
      bool done;
      if (!walk_value(depth, c) || !next_item(']', &done))
        return false;
      if (done)
        return true;
    }
  }

  // The elements of an array of a generic document (or of the bare array
  // at the top, whose elements decide), pos at the first: a pair of
  // strings among them goes to walk_pair. Out of line and cold: an
  // OTLP body's arrays take the loop above, and with this loop inside
  // walk_array (or only out of line) the walk of the medium bench body,
  // which never comes here, cost ~2% more (bench/ab_inproc.sh).
  [[gnu::cold, gnu::noinline]] bool walk_list(uint32_t depth,
                                              const walk_ctx &c) {
    while (true) {
      bool done;
      if (peek() == '[' && pos + 4 < n_idx && base[idx[pos + 1]] == '"' &&
          base[idx[pos + 2]] == ',' && base[idx[pos + 3]] == '"' &&
          base[idx[pos + 4]] == ']') {
        if (!walk_pair(depth + 1, c))
          return false;
      } else if (!walk_value(depth, c)) {
        return false;
      }
      if (!next_item(']', &done))
        return false;
      if (done)
        return true;
    }
  }

  // A pair of strings in a list (pos at its '['), whose first is a name (a
  // header's in an ASGI scope, a list of tuples: [["authorization",
  // "..."], ["cookie", "..."]], [["DB_PASSWORD", "..."]]): the name is the
  // second's key when it names a secret, a phone or an SSN, and the key
  // above names no secret (a pair only adds context). Not in an OTLP body
  // (its arrays hold AnyValue objects). Out of line: rare.
  [[gnu::cold, gnu::noinline]] bool walk_pair(uint32_t depth,
                                              const walk_ctx &c) {
    if (depth > lim.depth_max)
      return fail(error_kind::depth_limit, here());
    const std::string_view name = content(token_at(pos + 1));
    if (!pair_name(name) ||
        scan::secret_named(c.key) != scan::keyed_secret::none)
      return walk_array(depth, c);
    const scan::key_context named = scan::classify_key(name);
    if (!named.phone && !named.ssn &&
        scan::secret_named(name) == scan::keyed_secret::none)
      return walk_array(depth, c);
    walk_ctx second = c;
    second.key = name;
    ++pos; // '['
    bool done;
    return walk_value(depth, c) && next_item(']', &done) &&
           walk_value(depth, second) && next_item(']', &done);
  }

  // A header's or a variable's name: 1-64 letters, digits, '-', '_' and
  // '.', a letter among them (a label is none: what a first pass masked
  // names nothing in the second).
  static bool pair_name(std::string_view name) {
    if (name.empty() || name.size() > 64)
      return false;
    bool letter = false;
    for (char ch : name) {
      bool alpha = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
      letter = letter || alpha;
      if (!alpha && !(ch >= '0' && ch <= '9') && ch != '-' && ch != '_' &&
          ch != '.')
        return false;
    }
    return letter;
  }

  bool walk_document() {
    walk_ctx c;
    // Langfuse posts a bare array of ResourceSpans: decide per element.
    if (peek() == '[')
      c.mode = doc_mode::probe;
    bool ok = c.mode == doc_mode::probe ? walk_array(1, c) : walk_value(0, c);
    if (ok && pos != n_idx)
      return fail(error_kind::invalid_json, here()); // trailing content
    return ok;
  }

  // ------------------------------------------------------------ scanning
  // Pass 1 (no start-of-match, the fast mode) over the whole text buffer:
  // the literal-anchored rules, located afterwards in code, and context
  // words. Digit-dense rules are not in it: they run with start-of-match,
  // rule by rule, only over the digit clusters found in code, and context
  // rules only on the digit clusters a context word precedes.
  static int on_end(unsigned id, unsigned long long, unsigned long long to,
                    unsigned, void *ctx) {
    auto *self = static_cast<impl *>(ctx);
    std::vector<hit> &out = *self->hits_out;
    if (id == self->email_rule) {
      // The e-mail trigger ends after the domain's first character: keep
      // it where the domain has a dot within 63 characters, then an
      // alphanumeric, reported at the end that whole pattern would have.
      // (Letters beyond ASCII, raw or escaped in a nested document, are
      // domain characters here: confirm() checks them.)
      const char *t = self->text.data();
      size_t k = self->cur_window_begin + size_t(to);
      const size_t stop = self->cur_window_end, most = k + 62;
      auto alnum = [](char ch) {
        return (ch >= '0' && ch <= '9') ||
               ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
      };
      while (
          k < stop && k < most &&
          (alnum(t[k]) || t[k] == '-' || uint8_t(t[k]) >= 0x80 || t[k] == '\\'))
        ++k;
      if (k + 1 >= stop || t[k] != '.' || !alnum(t[k + 1]))
        return 0;
      to = k + 2 - self->cur_window_begin;
    }
    // A name with a letter or digit right after it takes no value there
    // ("max_tokens", "secretary"): scan::assignment_head would refuse it
    // (a name that ends with its '=' takes any value byte).
    if (id < 64 && (self->name_rules >> id) & 1) {
      const unsigned char next =
          uint8_t(self->text[self->cur_window_begin + size_t(to)]);
      if (self->text[self->cur_window_begin + size_t(to) - 1] != '=' &&
          (unsigned((next | 0x20) - 'a') < 26u || unsigned(next - '0') < 10u))
        return 0;
    }
    if (out.size() >= size_t(self->lim.matches_per_document_max) * 4) {
      self->hits_overflow = true;
      return 1; // stop scanning
    }
    out.push_back({self->cur_window_begin + uint32_t(to), uint16_t(id)});
    return 0;
  }

  // Start-of-match results, in text buffer coordinates.
  static int on_located(unsigned id, unsigned long long from,
                        unsigned long long to, unsigned, void *ctx) {
    auto *self = static_cast<impl *>(ctx);
    if (self->located_out->size() >=
        size_t(self->lim.matches_per_document_max) * 4) {
      self->hits_overflow = true;
      return 1;
    }
    self->located_out->push_back({self->cur_window_begin + uint32_t(from),
                                  self->cur_window_begin + uint32_t(to),
                                  uint16_t(id)});
    return 0;
  }

  // Anchored results: one call per start, each end once per window.
  static int on_anchored(unsigned id, unsigned long long, unsigned long long to,
                         unsigned, void *ctx) {
    auto *self = static_cast<impl *>(ctx);
    uint32_t end = self->cur_window_begin + uint32_t(to);
    // confirm() refuses a match with a word byte after it, whatever its
    // start: such an end is no candidate (the text's NUL after a string
    // never refuses).
    if ((*self->right_blocked)[uint8_t(self->text[end])])
      return 0;
    uint8_t &seen = self->ends_seen[end - self->ends_base];
    if (seen)
      return 0; // an earlier (leftmost) start has this end
    if (self->iban_ends && !scan::iban_ok(std::string_view(
                               self->text.data() + self->cur_window_begin,
                               end - self->cur_window_begin)))
      return 0;
    seen = 1;
    if (self->located_out->size() >=
        size_t(self->lim.matches_per_document_max) * 4) {
      self->hits_overflow = true;
      return 1;
    }
    self->located_out->push_back({self->cur_window_begin, end, uint16_t(id)});
    return 0;
  }

  // Finds rule `rule`'s matches that start in text[b, e) and end by e, and
  // appends them to `out`: for each end, the leftmost start. A match can
  // pass confirm() only where the rule's left edge check passes, so the
  // rule's anchored automaton runs from each such byte the rule can start
  // with. Start-of-match over the whole window found the same, except
  // where its leftmost start failed the edge check and hid a later one
  // (then this finds the later one); it cost 3-140 cycles a byte, the
  // anchored automaton a fraction of that, over fewer bytes.
  // `nested_space`: a no-break space spelled as a nested escape joins the
  // window's digits; the rule's variant for them runs (if it has one).
  bool locate_in(uint16_t rule, uint32_t b, uint32_t e,
                 std::vector<scan::candidate> &out, bool nested_space) {
    if (in->locate_by_som)
      return locate_in_som(rule, b, e, out);
    located_out = &out;
    const rules::rule_def &r = *in->defs[rule];
    const auto &starts = in->starts_with[rule];
    const bool variant = nested_space && in->find_anchored_nested[rule];
    const uint32_t width =
        variant ? in->anchored_width_nested[rule] : in->anchored_width[rule];
    const hs_database_t *db =
        variant ? in->find_anchored_nested[rule] : in->find_anchored[rule];
    // The whole buffer: a rescan's copy of a string lies past text_len.
    std::string_view t(text.data(), text.size());
    ends_seen.assign(e - b + 1, 0);
    ends_base = b;
    iban_ends = r.validator == rules::check::iban;
    const auto &blocked = in->left_blocked[rule];
    right_blocked = &in->right_blocked[rule];
    // A match from k ends by e and holds min_digits: once fewer digits are
    // left in [k, e), no start further on can match (a card's second group
    // on is no card).
    const uint32_t need = rules::min_digits(r);
    uint32_t left = 0;
    if (need > 0)
      for (uint32_t k = b; k < e; ++k)
        left += unsigned(t[k] - '0') <= 9;
    for (uint32_t k = b; k < e; left -= unsigned(t[k] - '0') <= 9, ++k) {
      if (left < need)
        break;
      if (!starts[uint8_t(t[k])])
        continue;
      // Mostly a digit after a digit: the table says so; only then the
      // full check (an escape before the start, "\n", "\u00a0", is no
      // word byte).
      if (k > 0 && blocked[uint8_t(t[k - 1])] && !scan::left_edge_ok(r, t, k))
        continue;
      cur_window_begin = k;
      uint32_t len = std::min(e - k, width);
      if (hs_scan(db, t.data() + k, len, 0, scratch, on_anchored, this) !=
          HS_SUCCESS)
        return hits_overflow ? fail(error_kind::match_limit, 0)
                             : fail(error_kind::internal, 0);
    }
    return true;
  }

  // The reference locator: rule `rule`'s start-of-match database over
  // text[b, e) (the differential test compares the two). For each end it
  // reports the leftmost start; where that start fails the left edge check
  // (or, for an IBAN, mod 97), a later start may pass, and the anchored
  // locator takes it: start-of-match over the rest of the match, again
  // until one passes, finds it here too.
  bool locate_in_som(uint16_t rule, uint32_t b, uint32_t e,
                     std::vector<scan::candidate> &out) {
    located_out = &out;
    const size_t first = out.size();
    if (!scan_som(rule, b, e))
      return false;
    const rules::rule_def &r = *in->defs[rule];
    std::string_view t(text.data(), text.size());
    auto start_ok = [&](uint32_t from, uint32_t to) {
      return scan::left_edge_ok(r, t, from) &&
             (r.validator != rules::check::iban ||
              scan::iban_ok(t.substr(from, to - from)));
    };
    for (size_t i = first, n = out.size(); i < n; ++i) {
      const uint32_t to = out[i].to;
      uint32_t from = out[i].from;
      while (from < to && !start_ok(from, to)) {
        const size_t mark = out.size();
        if (!scan_som(rule, from + 1, to))
          return false;
        uint32_t next = to;
        for (size_t j = mark; j < out.size(); ++j)
          if (out[j].to == to)
            next = std::min(next, out[j].from);
        out.resize(mark);
        if (next == to)
          break; // none: the leftmost start stays, and fails confirm()
        from = out[i].from = next;
      }
    }
    return true;
  }

  bool scan_som(uint16_t rule, uint32_t b, uint32_t e) {
    cur_window_begin = b;
    if (hs_scan(in->find_start[rule], text.data() + b, e - b, 0, scratch,
                on_located, this) != HS_SUCCESS)
      return hits_overflow ? fail(error_kind::match_limit, 0)
                           : fail(error_kind::internal, 0);
    return true;
  }

  // Pass 1 and the cluster pass over text[b, e): pass-1 hits by end,
  // cluster candidates by start, context windows, in text coordinates.
  // `where`: the input offset an error is reported at.
  bool scan_text(uint32_t b, uint32_t e, size_t where, std::vector<hit> &hs,
                 std::vector<scan::candidate> &cs,
                 std::vector<context_window> &ws) {
    hs.clear();
    cs.clear();
    ws.clear();
    hits_overflow = false;
    if (in->find_ends) {
      hits_out = &hs;
      cur_window_begin = b;
      cur_window_end = e;
      hs_error_t rc = hs_scan(in->find_ends, text.data() + b, e - b, 0, scratch,
                              on_end, this);
      if (hits_overflow)
        return fail(error_kind::match_limit, where);
      if (rc != HS_SUCCESS)
        return fail(error_kind::internal, where);
    }
    auto by_end = [](const hit &x, const hit &y) { return x.end < y.end; };
    stable_sort_with(hs, hit_sort_buf, by_end);
    if (!scan_digit_clusters(b, e, cs, ws))
      return false;
    stable_sort_with(cs, cand_sort_buf,
                     [](const scan::candidate &x, const scan::candidate &y) {
                       return x.from < y.from;
                     });
    return true;
  }

  bool scan_all() {
    if (spans.empty())
      return true;
    if (!scratch_ok)
      return fail(error_kind::internal, 0);
    if (!scan_text(0, uint32_t(text_len), 0, hits, cluster_cands, ctx_windows))
      return false;
    // Walk segments, pass-1 hits (by end) and cluster candidates (by start)
    // together: all three are ordered by text offset.
    const hit *h = hits.data(), *he = hits.data() + hits.size();
    const scan::candidate *c = cluster_cands.data();
    const scan::candidate *ce = c + cluster_cands.size();
    const context_window *w = ctx_windows.data();
    const context_window *we = w + ctx_windows.size();
    for (size_t si = 0; si < spans.size(); ++si) {
      span_rec &s = spans[si];
      uint32_t seg_end = s.text_begin + s.text_len;
      const hit *first = h;
      while (h != he && h->end <= seg_end)
        ++h;
      const scan::candidate *cfirst = c;
      while (c != ce && c->from < seg_end)
        ++c;
      const context_window *wfirst = w;
      while (w != we && w->first < seg_end)
        ++w;
      if (first == h && cfirst == c && wfirst == w && keyed_rule_of(s) < 0 &&
          !maybe_phone_value(s))
        continue; // nothing located in this string: nothing to check
      size_t before = repls.size();
      if (!scan_segment(s, first, h, cfirst, c, wfirst, w))
        return false;
      if (repls.size() != before && !rescan_glued(s))
        return false;
    }
    return true;
  }

  // One value segment: candidates of the code-located rules from pass-1
  // ends and of the cluster rules; then checks and overlaps; then the
  // context rules on the clusters a context word precedes; replacements.
  bool scan_segment(const span_rec &s, const hit *hb, const hit *he,
                    const scan::candidate *cb, const scan::candidate *ce,
                    const context_window *wb, const context_window *we) {
    cands.clear();
    const auto &defs = in->defs;
    const uint32_t seg_end = s.text_begin + s.text_len;
    std::string_view t(text.data() + s.text_begin, s.text_len);
    // Where pass 1 saw context words end, by kind (string coordinates).
    for (auto &v : word_ends)
      v.clear();
    if (token_runs.size() != in->defs.size()) {
      token_runs.assign(in->defs.size(), {});
      token_run_segment.assign(in->defs.size(), 0);
    }
    if (++segment_serial == 0) {
      std::fill(token_run_segment.begin(), token_run_segment.end(), 0);
      segment_serial = 1;
    }
    for (const hit *h = hb; h != he; ++h) {
      if (h->rule >= in->trigger_id_base) {
        word_ends[h->rule - in->trigger_id_base + 1].push_back(h->end -
                                                               s.text_begin);
        continue;
      }
      const rules::rule_def &r = *defs[h->rule];
      uint32_t end = h->end - s.text_begin;
      // A Cookie header's value runs to its line's end (8 KiB at most): a
      // hit inside the last one's is part of it, not walked again (a line
      // of thousands of "Cookie: " took quadratic time, 5 s a MB). Each
      // command is parsed from its own name (400 bytes at most): a line of
      // several has a password for each.
      scan::token_run &run = token_runs[h->rule];
      if (token_run_segment[h->rule] != segment_serial) {
        run = {};
        token_run_segment[h->rule] = segment_serial;
      }
      const bool to_line_end = r.validator == rules::check::cookie;
      if (to_line_end && run.end != UINT32_MAX && end <= run.end)
        continue;
      uint32_t from = scan::locate_start(r, t, end, run);
      if (from >= end)
        continue;
      uint32_t to = scan::extend_end(r, t, from, end);
      if (to_line_end)
        run.end = to;
      cands.push_back({from, to, h->rule});
    }
    if (wb != we)
      add_escaped_word_ends(t);
    scan::drop_repeated_starts(cands, in->defs.size(), dedup_space);
    for (const scan::candidate *c = cb; c != ce; ++c)
      if (c->to <= seg_end)
        cands.push_back(
            {c->from - s.text_begin, c->to - s.text_begin, c->rule});
    located.assign(cands.begin(), cands.end());
    if (!cands.empty()) {
      size_t kept = 0;
      // Media references are rare: look for one once per string, not per
      // candidate (a long nested document can hold hundreds of candidates).
      find_media_references(t);
      bool cookie_seen = false;
      for (size_t i = 0; i < cands.size(); ++i) {
        scan::candidate c = cands[i];
        if (scan::confirm(*defs[c.rule], t, c, {}) && // no context rule here
            !in_media_reference(c)) {
          cands[kept++] = c;
          // An assignment is located from its name and masks its value: the
          // value is what may lose to a range (OPENAI_API_KEY=sk-proj-...)
          // and what a rescan could find again (rescan_glued).
          if (defs[c.rule]->locate == rules::locator::assignment ||
              defs[c.rule]->locate == rules::locator::command ||
              defs[c.rule]->locate == rules::locator::after_word ||
              defs[c.rule]->locate == rules::locator::before_word) {
            located[i] = c;
            cookie_seen |= c.rule == cookie_rule;
          }
        }
      }
      cands.resize(kept);
      if (cookie_seen)
        absorb_cookies();
    }
    if (s.key >= 0 && any_keyed_rule)
      add_keyed_candidate(s, t);
    // In a rescan, before the overlaps: a candidate holding a blanked byte
    // must not win the bytes of one that stays ("3'@g.si+@p.le+@tcp(" after
    // a ':': the DSN password read over the blanked first address hid the
    // second address, and a second pass found it).
    if (s.text_begin >= text_len && !cands.empty())
      drop_blanked(s);
    if (!cands.empty())
      scan::resolve_overlaps(cands, cand_scratch, claimed);
    // Context rules are checked last, against what the others masked: the
    // distance to a context word must not count masked text, so that a
    // second pass (which sees labels there) decides the same.
    if (!add_context_candidates(s, t, wb, we))
      return false;
    if (cands.empty() && phone_value_rule != UINT16_MAX && s.key >= 0)
      add_phone_value(s, t);
    return emit(s);
  }

  // A string under a key naming a phone that nothing else masked and that
  // is a phone number whole ("phone": "555-0123": a local number is too
  // short for the context rule, which wants 9-11 digits anywhere).
  [[gnu::noinline]] void add_phone_value(const span_rec &s,
                                         std::string_view t) {
    scan::candidate c{0, 0, phone_value_rule};
    if (key_context_of(s).phone && scan::phone_value(t, c))
      cands.push_back(c);
  }

  // The context words with accents spelled as nested escapes are not in
  // pass 1 (rules::escaped_context_words): in a string with a context
  // window, scan::add_escaped_word_ends adds their ends to pass 1's.
  void add_escaped_word_ends(std::string_view t) {
    for (auto need : {rules::context::phone, rules::context::ssn})
      scan::add_escaped_word_ends(t, rules::escaped_context_words(need),
                                  word_ends[size_t(need)]);
  }

  // Every match of a context rule starts with a digit and holds at least
  // rules::context_min_digits of them, so it lies in a digit cluster with
  // that many digits, and a context word (which never sits inside a
  // cluster) comes before the cluster's first digit. So a context rule runs
  // on such a cluster only when the key gives context or pass 1 saw one of
  // its words within reach. Clusters go left to right, and what one masks
  // counts (as free distance) for the next, as confirm() measures it.
  bool add_context_candidates(const span_rec &s, std::string_view t,
                              const context_window *wb,
                              const context_window *we) {
    if (wb == we)
      return true;
    scan::key_context kc = key_context_of(s);
    // What is masked so far, in order of start: the other rules' ranges
    // (`cands`, sorted, disjoint) are moved in up to each window and each
    // candidate, the context ranges appended as they are kept (windows and
    // their candidates go left to right). The checks only look before a
    // candidate's start, the overlap test at the last range moved in and
    // the next one of `cands`: no insertion in the middle, which made a
    // string of many context values and other values quadratic.
    // With the running sum of their lengths, so that the reach check adds
    // up the masked bytes between a word and a window at once (a word
    // followed by thousands of masked values and windows was quadratic).
    ctx_merged.clear();
    ctx_length_prefix.assign(1, 0);
    auto append = [&](const scan::candidate &c) {
      ctx_merged.push_back(c);
      ctx_length_prefix.push_back(ctx_length_prefix.back() + (c.to - c.from));
    };
    size_t next = 0; // first of `cands` not yet in ctx_merged
    auto take_before = [&](uint32_t pos) {
      while (next < cands.size() && cands[next].from < pos)
        append(cands[next++]);
    };
    for (const context_window *w = wb; w != we; ++w) {
      take_before(w->first - s.text_begin);
      window_cands.clear();
      for (uint16_t rule : in->context_rules) {
        rules::context need = in->defs[rule]->needs;
        if (!(w->fits & (1u << unsigned(need))))
          continue;
        if (!keyed(kc, need) &&
            !word_in_cluster(word_ends[size_t(need)], *w, s) &&
            !scan::word_end_in_reach(t, w->first - s.text_begin,
                                     word_ends[size_t(need)], ctx_merged,
                                     ctx_length_prefix))
          continue;
        if (!locate_in(rule, w->first, w->end, window_cands,
                       w->fits & k_window_nested_space))
          return false;
      }
      if (window_cands.empty())
        continue;
      for (auto &c : window_cands) {
        c.from -= s.text_begin;
        c.to -= s.text_begin;
      }
      std::sort(window_cands.begin(), window_cands.end(),
                [](const scan::candidate &a, const scan::candidate &b) {
                  // Ties in rule order, as in overlap resolution
                  // (docs/rules.md): an SSN before a phone on one range.
                  if (a.from != b.from)
                    return a.from < b.from;
                  return a.to != b.to ? a.to > b.to : a.rule < b.rule;
                });
      // Each one that passes its checks and overlaps nothing kept is
      // masked before the next is checked.
      for (scan::candidate c : window_cands) {
        take_before(c.from);
        const rules::rule_def &r = *in->defs[c.rule];
        // No context word in reach of this candidate, which confirm() would
        // walk back to find: a cheap no first (a window of thousands of
        // glued numbers after one word walked back from each of them).
        if (!keyed(kc, r.needs) &&
            !scan::word_end_in_reach(t, c.from, word_ends[size_t(r.needs)],
                                     ctx_merged, ctx_length_prefix))
          continue;
        if (!scan::confirm(r, t, c, kc, ctx_merged))
          continue;
        bool clash = (!ctx_merged.empty() && ctx_merged.back().to > c.from) ||
                     (next < cands.size() && cands[next].from < c.to);
        if (!clash)
          append(c);
      }
    }
    take_before(UINT32_MAX);
    cands.assign(ctx_merged.begin(), ctx_merged.end());
    return true;
  }

  // Whether add_phone_value would add a candidate: a short string that
  // starts like a phone number (a quick look first), under a key naming a
  // phone, with the rule on. Most strings fail the first look.
  bool maybe_phone_value(const span_rec &s) {
    if (phone_value_rule == UINT16_MAX || s.key < 0 || s.text_len > 40 ||
        s.text_len < 7)
      return false;
    char first = text[s.text_begin];
    if (!((first >= '0' && first <= '9') || first == '+' || first == '(' ||
          first == ' '))
      return false;
    scan::candidate c{0, 0, phone_value_rule};
    return scan::phone_value({text.data() + s.text_begin, s.text_len}, c) &&
           key_context_of(s).phone;
  }

  // The rule that masks string `s` whole for the key it sits under (a key
  // named for a secret), or -1.
  int keyed_rule_of(const span_rec &s) {
    if (s.key < 0 || !any_keyed_rule)
      return -1;
    key_rec &k = keys[size_t(s.key)];
    if (k.secret < 0) {
      std::string_view name(base + k.raw_begin, k.raw_len);
      if (!short_and_plain(name) && name.find('\\') != name.npos)
        name = decoded_name(name);
      k.secret = int8_t(scan::secret_named(name));
    }
    uint16_t rule = keyed_rule[size_t(k.secret)];
    return rule == UINT16_MAX ? -1 : int(rule);
  }

  // A string under a key named for a secret is that secret: its value goes
  // whole, as one candidate that takes the place of those inside it (a JWT
  // in a cookie would leave the cookie's other pairs), unless another
  // secret's candidate spans the same bytes (it keeps its label: "Bearer
  // ghp_..." under "Authorization").
  [[gnu::noinline]] void add_keyed_candidate(const span_rec &s,
                                             std::string_view t) {
    int rule = keyed_rule_of(s);
    if (rule < 0)
      return;
    scan::candidate k{0, 0, uint16_t(rule)};
    if (!scan::keyed_value(scan::keyed_secret(keys[size_t(s.key)].secret), t,
                           k))
      return;
    wholes.assign(1, k);
    absorb_wholes();
  }

  // A cookie header's value goes whole: a token inside would leave the
  // other pairs, and a label next to them (not idempotent).
  [[gnu::noinline]] void absorb_cookies() {
    wholes.clear();
    size_t others = 0;
    for (const scan::candidate &c : cands)
      if (c.rule == cookie_rule)
        wholes.push_back(c);
      else
        cands[others++] = c;
    cands.resize(others);
    absorb_wholes();
  }

  // Adds the values of `wholes`, each masked whole, to `cands` in place of
  // the candidates inside them, unless another secret's spans the same
  // bytes: that one keeps its label, as in text ("Bearer
  // [REDACTED_BEARER_TOKEN]" under an Authorization key as after
  // "Authorization:"). One that runs past an end of a value (a PEM block
  // from a cookie's line into the next) is masked with it, as one range: it
  // would win the overlap, leave the rest of the value visible, and a second
  // pass would take that value whole. So each group of candidates that
  // overlap one another (a run in order of start where each starts before
  // the furthest end so far) holding a value becomes one range, under the
  // first value's rule. Sorted, in one sweep: a string of thousands of
  // cookie lines stays linear (a look at every candidate for each value
  // took 6 s for a MB of "Cookie: a=b" lines).
  void absorb_wholes() {
    auto by_start = [](const scan::candidate &a, const scan::candidate &b) {
      return a.from != b.from ? a.from < b.from : a.to < b.to;
    };
    std::sort(cands.begin(), cands.end(), by_start);
    std::sort(wholes.begin(), wholes.end(), by_start);
    cand_scratch.clear();
    size_t i = 0, j = 0;
    while (i < cands.size() || j < wholes.size()) {
      // One group: the others cands[i0, i) and the values wholes[j0, j).
      const size_t i0 = i, j0 = j;
      uint32_t lo = UINT32_MAX, hi = 0;
      while (true) {
        const bool other = i < cands.size() && (j == wholes.size() ||
                                                !by_start(wholes[j], cands[i]));
        const bool value = !other && j < wholes.size();
        const scan::candidate *c = other   ? &cands[i]
                                   : value ? &wholes[j]
                                           : nullptr;
        if (!c || (lo != UINT32_MAX && c->from >= hi))
          break;
        lo = std::min(lo, c->from);
        hi = std::max(hi, c->to);
        (other ? i : j)++;
      }
      bool whole = j > j0;
      // Another secret's that spans a value's bytes exactly keeps them (both
      // lists are in order: one walk).
      for (size_t v = j0, o = i0; v < j && whole; ++v) {
        while (o < i && by_start(cands[o], wholes[v]))
          ++o;
        for (size_t e = o; e < i && !by_start(wholes[v], cands[e]) && whole;
             ++e)
          whole = rules->rule(cands[e].rule).klass == precision::pii;
      }
      if (whole)
        cand_scratch.push_back({lo, hi, wholes[j0].rule});
      else
        cand_scratch.insert(cand_scratch.end(), cands.begin() + ptrdiff_t(i0),
                            cands.begin() + ptrdiff_t(i));
    }
    cands.swap(cand_scratch);
  }

  // Whether the key the string sits under gives context `need` (then no
  // context word is needed).
  static bool keyed(const scan::key_context &kc, rules::context need) {
    return need == rules::context::phone ? kc.phone : kc.ssn;
  }

  // A short word can sit between two digits of a cluster ("1ssn2-536...").
  static bool word_in_cluster(const std::vector<uint32_t> &ends,
                              const context_window &w, const span_rec &s) {
    auto it =
        std::upper_bound(ends.begin(), ends.end(), w.first - s.text_begin);
    return it != ends.end() && *it <= w.end - s.text_begin;
  }

  scan::key_context key_context_of(const span_rec &s) {
    if (s.key < 0)
      return {};
    key_rec &k = keys[size_t(s.key)];
    if (!k.classified) {
      std::string_view name(base + k.raw_begin, k.raw_len);
      if (name.find('\\') != std::string_view::npos)
        name = decoded_name(name);
      k.ctx = scan::classify_key(name.substr(0, 128)); // words in 128 bytes
      k.classified = true;
    }
    return k.ctx;
  }

  // The text a key or attribute key spells (valid escapes), in a buffer
  // that lives until the next call. Rare: most names have no backslash.
  std::string_view decoded_name(std::string_view raw) {
    name_buf.resize(std::max(name_buf.size(), raw.size()));
    size_t bad = 0;
    size_t n = json_text::unescape(raw, name_buf.data(), &bad);
    return n == SIZE_MAX ? raw : std::string_view(name_buf.data(), n);
  }

  // Langfuse media references (@@@langfuseMedia:type=...|id=...@@@) stay.
  // Found once per string (a reference runs to its closing "@@@", or to the
  // end of the string), then each candidate is one binary search: a string
  // of thousands of references and values costs linear time.
  void find_media_references(std::string_view t) {
    media_refs.clear();
    constexpr std::string_view open = "@@@langfuseMedia:";
    size_t pos = 0;
    while ((pos = t.find(open, pos)) != std::string_view::npos) {
      size_t close = t.find("@@@", pos + open.size());
      size_t end = close == std::string_view::npos ? t.size() : close + 3;
      media_refs.push_back({uint32_t(pos), uint32_t(end)});
      pos = end;
    }
  }

  // Whether the candidate overlaps one of the string's media references
  // (they are disjoint and in order).
  bool in_media_reference(const scan::candidate &c) const {
    auto after = std::upper_bound(
        media_refs.begin(), media_refs.end(), c.from,
        [](uint32_t from, const std::pair<uint32_t, uint32_t> &r) {
          return from < r.second;
        });
    // `after`: the first reference that ends past c.from.
    return after != media_refs.end() && after->first < c.to;
  }

  // The literal of document `d` that begins last at or before f (its
  // literals lexed once), SIZE_MAX when f lies before the first.
  static size_t literal_before(nested_doc &d, uint32_t f) {
    if (!d.lexed) {
      json_text::string_literals(d.text, &d.literals);
      d.lexed = true;
    }
    auto it = std::upper_bound(
        d.literals.begin(), d.literals.end(), f,
        [](uint32_t v, const std::pair<uint32_t, uint32_t> &l) {
          return v < l.first;
        });
    return it == d.literals.begin() ? SIZE_MAX
                                    : size_t(it - d.literals.begin()) - 1;
  }

  // Whether a document nested in a string is valid JSON. In a rescan's
  // copy of the string, the ranges masked before are blanked (NUL), each
  // inside a literal or a whole number: read as the digit 1 there, which
  // keeps both as they were (a NUL in a literal would make any document
  // invalid, and a value read across its end would stay: fuzz run 43).
  bool valid_document(std::string_view doc) {
    if (std::memchr(doc.data(), 0, doc.size()) == nullptr)
      return json_text::validate(doc, lim.depth_max).kind == error_kind::none;
    valid_scratch.assign(doc.begin(), doc.end());
    std::replace(valid_scratch.begin(), valid_scratch.end(), '\0', '1');
    return json_text::validate(valid_scratch, lim.depth_max).kind ==
           error_kind::none;
  }

  // [f, e), inside literal `which` of nested[level]'s document, mapped to
  // the document one level down (nested[level + 1], that literal decoded,
  // once per literal); false when it cannot be: no level kept there, a
  // literal that is no valid string, an escape split at f or e, or (when
  // `exact`: a number's digits) any escape inside the range. Linear per
  // string: positions are mapped on from the last one (candidates come in
  // order).
  bool descend(int level, size_t which, uint32_t &f, uint32_t &e, bool exact) {
    if (level + 1 >= k_nested_levels)
      return false;
    const nested_doc &d = nested[level];
    const auto lit = d.literals[which];
    nested_doc &down = nested[level + 1];
    std::string_view contents =
        d.text.substr(lit.first, lit.second - lit.first);
    size_t bad;
    if (down.parent != which) {
      down.buf.resize(contents.size() + 1);
      size_t len = json_text::unescape(contents, down.buf.data(), &bad);
      if (len == SIZE_MAX)
        return false;
      down.text = std::string_view(down.buf.data(), len);
      down.parent = which;
      down.lexed = false;
      down.valid = -1;
      down.map_up = lit.first;
      down.map_here = 0;
      for (int k = level + 2; k < k_nested_levels; ++k)
        nested[k].parent = SIZE_MAX;
    }
    if (f < down.map_up) {
      down.map_up = lit.first;
      down.map_here = 0;
    }
    // Whole escapes only: f follows punctuation or whitespace.
    std::string_view step = d.text.substr(down.map_up, f - down.map_up);
    nested_scratch.resize(step.size() + 1);
    size_t n = json_text::unescape(step, nested_scratch.data(), &bad);
    if (n == SIZE_MAX)
      return false;
    down.map_up = f;
    down.map_here += uint32_t(n);
    uint32_t nf = down.map_here, ne = nf + (e - f);
    if (!exact) {
      std::string_view range = d.text.substr(f, e - f);
      nested_scratch.resize(range.size() + 1);
      size_t m = json_text::unescape(range, nested_scratch.data(), &bad);
      if (m == SIZE_MAX)
        return false;
      ne = nf + uint32_t(m);
      if (ne > down.text.size())
        return false;
    } else if (ne > down.text.size() ||
               down.text.substr(nf, e - f) != d.text.substr(f, e - f)) {
      return false;
    }
    f = nf;
    e = ne;
    return true;
  }

  // A string can hold a JSON document (a message list, a tool call), and
  // documents hold more in their strings ({"arguments":"{\"ssn\":...}"}).
  // A match that is a bare number of such a document
  // ({"card":4111111111111111}) cannot become a bare label: the document
  // would no longer be JSON (DESIGN.md §3.4). Returns the level of the
  // document it is a whole number of (0: the string's own text), with `c`
  // widened to the whole number token (a sign, a fraction); -1 when it is
  // none, or the document is not valid JSON: the label goes in as is.
  // `lo`/`hi`: the neighbouring candidates, which the widened range must not
  // reach. Linear per string: each level is decoded and lexed once, and
  // positions are mapped down from the last one (candidates come in order).
  [[gnu::noinline]] int nested_number_level(scan::candidate &c, uint32_t lo,
                                            uint32_t hi) {
    const std::string_view t0 = nested[0].text;
    uint32_t f = c.from, e = c.to;
    for (int level = 0; level < k_nested_levels; ++level) {
      nested_doc &d = nested[level];
      if (!opens_document(d.text))
        return -1;
      const size_t which = literal_before(d, f);
      if (which == SIZE_MAX || f >= d.literals[which].second) {
        // Bare at this level: the whole number token, JSON punctuation
        // around it, in a valid document.
        uint32_t a = f, b = e;
        while (a > 0 && number_char(d.text[a - 1]))
          --a;
        while (b < d.text.size() && number_char(d.text[b]))
          ++b;
        size_t p = a, q = b;
        while (p > 0 && json_ws(d.text[p - 1]))
          --p;
        while (q < d.text.size() && json_ws(d.text[q]))
          ++q;
        if (p == 0 || q >= d.text.size() ||
            (d.text[p - 1] != ':' && d.text[p - 1] != ',' &&
             d.text[p - 1] != '[') ||
            (d.text[q] != ',' && d.text[q] != '}' && d.text[q] != ']'))
          return -1;
        // The same bytes in the string's own text (a digit of a deeper
        // level may be a \u escape there: then not).
        uint32_t from = c.from - (f - a), to = c.to + (b - e);
        if (f - a > c.from || to > t0.size() || from < lo || to > hi ||
            t0.substr(from, to - from) != d.text.substr(a, b - a))
          return -1;
        if (d.valid < 0)
          d.valid = valid_document(d.text);
        if (!d.valid)
          return -1;
        c.from = from;
        c.to = to;
        return level;
      }
      // Inside a string of this level: one level down.
      if (e > d.literals[which].second || !descend(level, which, f, e, true))
        return -1;
    }
    return -1;
  }

  // A rescan's copy of a string has its masked ranges blanked (NUL): a
  // value a locator walked into one (a DSN's password, back from its '@'
  // over "5-----BEGIN PRIVATE KEY-----") would overlap that range's
  // replacement, and the body fail. It stays as it is: a second pass sees
  // a label there, and a value holding one stays (scan::holds_label).
  [[gnu::cold, gnu::noinline]] void drop_blanked(const span_rec &s) {
    const char *t = text.data() + s.text_begin;
    std::erase_if(cands, [t](const scan::candidate &c) {
      return std::memchr(t + c.from, 0, c.to - c.from) != nullptr;
    });
  }

  // cand_quote for this string's candidates (see nested_number_level), and
  // in a string that is a valid JSON document, no candidate that its
  // replacement would break: one not inside one of the document's string
  // literals (its own, or those of a document nested in one of them) and
  // not a whole number of it, nor one that starts inside one of its
  // escapes. (A password read after "PASS=" at a literal's end, from the
  // literal's closing quote over "}]," to the next quote: the guard in
  // scan::confirm sees no quote inside.)
  [[gnu::noinline]] void quote_nested_numbers(const span_rec &s) {
    cand_quote.assign(cands.size(), 0);
    std::string_view t(text.data() + s.text_begin, s.text_len);
    if (!opens_document(t))
      return;
    nested_doc &doc = nested[0];
    doc.text = t;
    doc.lexed = false;
    doc.valid = -1;
    for (int k = 1; k < k_nested_levels; ++k)
      nested[k].parent = SIZE_MAX;
    size_t kept = 0;
    for (size_t i = 0; i < cands.size(); ++i) {
      scan::candidate c = cands[i];
      uint8_t quote = 0;
      if (maybe_nested_number(t, c.from, c.to)) {
        uint32_t lo = kept > 0 ? cands[kept - 1].to : 0;
        uint32_t hi = i + 1 < cands.size() ? cands[i + 1].from : s.text_len;
        int level = nested_number_level(c, lo, hi);
        if (level >= 0)
          quote = uint8_t(level + 1);
      }
      if (quote == 0 && (starts_in_escape(t, c.from) ||
                         (outside_literal_bytes(t, c) && breaks_document(c))))
        continue;
      cands[kept] = c;
      cand_quote[kept] = quote;
      ++kept;
    }
    cands.resize(kept);
    cand_quote.resize(kept);
  }

  // Whether t[at] follows an odd run of backslashes: it is the rest of an
  // escape of a document nested deeper ("\u2013", "\n"), where no value
  // starts (a label there would leave a broken escape).
  static bool starts_in_escape(std::string_view t, uint32_t at) {
    uint32_t k = at;
    while (k > 0 && t[k - 1] == '\\')
      --k;
    return (at - k) % 2 == 1;
  }

  // Whether `c` may lie outside the string literals of a valid document:
  // it holds JSON punctuation ({}[],:) and only bytes a document has
  // outside its literals (that, whitespace, a number's, true/false/null's,
  // and the backslashes of a deeper document's escaped whitespace).
  // Else it lies inside a literal (it holds no quote: scan::confirm), or is
  // at most one number, which maybe_nested_number saw (a phone's "-" or a
  // date's would need a ',' to be two values). Lexing every document with
  // a candidate cost the 64 KB bench body 9%; this look at the candidate's
  // bytes asks it of almost none.
  static bool outside_literal_bytes(std::string_view t,
                                    const scan::candidate &c) {
    static constexpr auto kind = [] {
      std::array<uint8_t, 256> k{}; // 1: outside a literal, 2: punctuation
      for (unsigned char ch :
           std::string_view("0123456789 \t\n\r+-.eEtrufalsn\\"))
        k[ch] = 1;
      for (unsigned char ch : std::string_view("{}[],:"))
        k[ch] = 2;
      return k;
    }();
    bool punctuation = false;
    for (uint32_t i = c.from; i < c.to; ++i) {
      const uint8_t k = kind[uint8_t(t[i])];
      if (k == 0)
        return false;
      punctuation = punctuation || k == 2;
    }
    return punctuation;
  }

  // Whether `c` lies outside the string literals of the document that is
  // the string's own text (nested[0]), or of one nested in one of its
  // literals, deeper (up to k_nested_levels), or across a literal's end
  // there (a quote of a deeper level is an escape: scan::confirm lets whole
  // escapes in), in a valid document.
  bool breaks_document(const scan::candidate &c) {
    uint32_t f = c.from, e = c.to;
    for (int level = 0; level < k_nested_levels; ++level) {
      nested_doc &d = nested[level];
      if (!opens_document(d.text))
        return false;
      const size_t which = literal_before(d, f);
      if (which == SIZE_MAX || f >= d.literals[which].second ||
          e > d.literals[which].second) {
        if (d.valid < 0)
          d.valid = valid_document(d.text);
        return d.valid;
      }
      if (!descend(level, which, f, e, false))
        return false;
    }
    return false;
  }

  bool emit(const span_rec &s) {
    if (s.text_begin >= text_len && !cands.empty())
      drop_blanked(s); // the context rules' candidates, added since
    if (!cands.empty())
      quote_nested_numbers(s);
    seg_accepted = cands; // what this string masks, for rescan_glued
    if (cands.empty())
      return true;
    if (repls.size() + cands.size() > lim.matches_per_document_max)
      return fail(error_kind::match_limit, s.raw_begin);
    if (!s.escaped) {
      for (size_t i = 0; i < cands.size(); ++i)
        repls.push_back({s.raw_begin + cands[i].from, s.raw_begin + cands[i].to,
                         cands[i].rule, cand_quote[i]});
    } else {
      dec_pos.clear();
      for (const auto &c : cands) {
        dec_pos.push_back(c.from);
        dec_pos.push_back(c.to);
      }
      raw_pos.resize(dec_pos.size());
      json_text::map_to_raw({base + s.raw_begin, s.raw_len}, dec_pos.data(),
                            raw_pos.data(), dec_pos.size(), true);
      for (size_t i = 0; i < cands.size(); ++i)
        repls.push_back({s.raw_begin + raw_pos[2 * i],
                         s.raw_begin + raw_pos[2 * i + 1], cands[i].rule,
                         cand_quote[i]});
    }
    for (const auto &c : cands)
      ++per_rule[c.rule];
    return true;
  }

  // Digit clusters: digits with at most 3 allowed bytes between consecutive
  // ones, found in one linear pass. Prose, keys and most values have none,
  // so the digit-dense rules (the slow automata) see a small part of the
  // text, and each only the clusters it can match in.
  enum class cluster_kind : uint8_t { none, numeric };

  // Byte classes for the cluster pass (one table lookup per byte). Bytes
  // that may sit between two digits of one phone, card, IBAN, SSN or IP:
  // separators, letters (IBAN BBANs, IPv6 hex) and the bytes of NBSP /
  // narrow NBSP. Anything else (',', '"', '\\', '=', NUL...) ends a cluster,
  // so lists of numbers do not fuse into one long cluster.
  enum byte_class : uint8_t {
    k_break = 0,
    k_digit,
    k_gap,
    k_space,
    k_dot,
    k_colon,
    k_hex_lower,
    k_hex_upper,
    k_letter,
    k_class_count
  };
  static const uint8_t *byte_classes() {
    static const auto table = [] {
      std::array<uint8_t, 256> c{};
      for (int ch = '0'; ch <= '9'; ++ch)
        c[size_t(ch)] = k_digit;
      for (int ch : std::initializer_list<int>{'-', '(', ')', '+', '/', 0xC2,
                                               0xE2, 0x80})
        c[size_t(ch)] = k_gap;
      for (int ch :
           std::initializer_list<int>{' ', 0xA0, 0xAF}) // space, NBSP ends
        c[size_t(ch)] = k_space;
      c['.'] = k_dot;
      c[':'] = k_colon;
      for (int ch = 'a'; ch <= 'z'; ++ch)
        c[size_t(ch)] = ch <= 'f' ? k_hex_lower : k_letter;
      for (int ch = 'A'; ch <= 'Z'; ++ch)
        c[size_t(ch)] = ch <= 'F' ? k_hex_upper : k_letter;
      return c;
    }();
    return table.data();
  }

  // First digit at or after i (before n). SSE2 is part of baseline x86-64,
  // so this needs no -march: 16 bytes per step through digit-free text.
  static size_t next_digit(const unsigned char *t, size_t i, size_t n) {
#if defined(__SSE2__)
    const __m128i zero_char = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    while (i + 16 <= n) {
      __m128i v = _mm_sub_epi8(
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(t + i)), zero_char);
      // v <= 9 as unsigned: min(v, 9) == v
      int digits = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, nine), v));
      if (digits != 0)
        return i + size_t(__builtin_ctz(unsigned(digits)));
      i += 16;
    }
#endif
    while (i<n &&unsigned(t[i] - '0')> 9)
      ++i;
    return i;
  }

  // The end of the digit run at i (before n): 16 bytes a step, so a run
  // costs one unpredictable branch, not one per digit (the text buffer has
  // slack past every string).
  static size_t digit_run_end(const unsigned char *t, size_t i, size_t n) {
#if defined(__SSE2__)
    const __m128i zero_char = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    for (; i < n; i += 16) {
      __m128i v = _mm_sub_epi8(
          _mm_loadu_si128(reinterpret_cast<const __m128i *>(t + i)), zero_char);
      unsigned digits =
          unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, nine), v)));
      if (unsigned stop = ~digits & 0xFFFFu)
        return std::min(n, i + size_t(__builtin_ctz(stop)));
    }
    return n;
#else
    while (i < n && unsigned(t[i] - '0') <= 9)
      ++i;
    return i;
#endif
  }

  // Which of '+', '(', ':' and A-Z occur in t[b, e) (16 bytes a step; the
  // text buffer has slack past every string, and bytes past e are masked).
  static constexpr unsigned k_mark_plus = 1, k_mark_paren = 2, k_mark_colon = 4,
                            k_mark_upper = 8;
  static unsigned region_marks(const unsigned char *t, size_t b, size_t e) {
    unsigned marks = 0;
#if defined(__SSE2__)
    const __m128i plus = _mm_set1_epi8('+'), paren = _mm_set1_epi8('('),
                  colon = _mm_set1_epi8(':'), a = _mm_set1_epi8('A'),
                  z = _mm_set1_epi8('Z' - 'A');
    for (size_t i = b; i < e; i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(t + i));
      unsigned keep = e - i >= 16 ? 0xFFFFu : (1u << (e - i)) - 1;
      __m128i up = _mm_sub_epi8(v, a);
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, plus)) & keep)
        marks |= k_mark_plus;
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, paren)) & keep)
        marks |= k_mark_paren;
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)) & keep)
        marks |= k_mark_colon;
      if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(up, z), up)) & keep)
        marks |= k_mark_upper;
    }
#else
    for (size_t i = b; i < e; ++i) {
      marks |= t[i] == '+' ? k_mark_plus : 0;
      marks |= t[i] == '(' ? k_mark_paren : 0;
      marks |= t[i] == ':' ? k_mark_colon : 0;
      marks |= t[i] >= 'A' && t[i] <= 'Z' ? k_mark_upper : 0;
    }
#endif
    return marks;
  }

  struct cluster_stats {
    uint32_t digits = 0, dots = 0, colons = 0, gaps = 0;
    uint32_t hex_lower = 0, other_letters = 0, other_gap = 0, spaces = 0;
    uint32_t hex_upper = 0; // A-F (other_letters: the letters past f/F)
    // Digit runs by length (1..11, and 12+ in the last slot), longest run.
    uint16_t runs[13] = {};
    uint16_t runs_12_13 = 0; // of 12 or 13 digits
    uint32_t longest_run = 0;
    uint32_t zero_lead = 0;   // runs starting "0" and a digit 1-9 (trunk 0)
    bool dial_prefix = false; // the first run starts "00" and a digit 1-9
    bool url_plus = false;    // the cluster starts with the 2 of "%2B", "%2b"
  };

  // If t[i] is one of the four hex digits of a "\\uXXXX" escape (a string
  // nested in a string keeps its escapes in the decoded text), or of the two
  // of a URL's "%XX", the offset after the escape, else 0. Those digits never
  // start a match: every cluster rule refuses a letter or digit before its
  // match (and takes the escape as the boundary), so a cluster starts after the
  // escape and has the run shapes of what follows it ("\\u00a0415-555-0123").
  static size_t escape_hex_end(const unsigned char *t, size_t i, size_t from,
                               size_t n) {
    // Quick no: up to three hex digits, then a 'u' (or a '%'), must come
    // before t[i].
    size_t h = i;
    while (h > from && i - h < 3 && is_hex_digit(t[h - 1]))
      --h;
    if (h == from)
      return 0;
    // The same for a URL's percent-escape ("%20415-555-0123"), but for the
    // '+' of "%2B": a phone number starts with it (phone_intl).
    if (t[h - 1] == '%' && i - h < 2 && h + 2 <= n && is_hex_digit(t[h]) &&
        is_hex_digit(t[h + 1]))
      return t[h] == '2' && (t[h + 1] | 0x20) == 'b' ? 0 : h + 2;
    if (t[h - 1] != 'u')
      return 0;
    std::string_view v(reinterpret_cast<const char *>(t) + from, n - from);
    for (size_t end = i + 1; end <= i + 4 && end <= n; ++end)
      if (scan::ends_unicode_escape(v, end - from))
        return end;
    return 0;
  }

  // One dot and nothing else between the digits: a decimal number (one
  // word: spaces count in other_gap). Not after a '+': "+1.4155550123" is
  // the registry (EPP/WHOIS) spelling of a phone number.
  static bool is_decimal(const unsigned char *t, size_t first,
                         const cluster_stats &c) {
    return c.dots == 1 && c.other_gap == 0 && c.hex_lower == 0 &&
           c.other_letters + c.hex_upper == 0 && c.colons == 0 &&
           !(first >= 1 && t[first - 1] == '+');
  }

  static cluster_kind classify_cluster(const unsigned char *t, size_t first,
                                       const cluster_stats &c) {
    bool numeric = c.digits >= rules::digit_cluster_min_digits ||
                   (c.digits >= 4 && c.dots >= 3);
    if (!numeric && c.colons < 2 && !(first >= 1 && t[first - 1] == ':'))
      return cluster_kind::none;
    if (c.spaces > 0)
      return cluster_kind::numeric; // several words: anything may be there
    // One word. Skip the shapes that hold nothing we mask:
    // digits and a-f only (a hash, UUID or hex id; not a URL's "%2b"
    // before a phone number),
    if (c.hex_lower > 0 && c.other_letters + c.hex_upper == 0 && c.colons < 2 &&
        !c.url_plus)
      return cluster_kind::none;
    // one dot and nothing else between digits (a decimal number),
    if (is_decimal(t, first, c))
      return cluster_kind::none;
    // a date-time (digits, '-', ':', '.', 'T', 'Z': no phone, card or IP;
    // an IPv6 address in capitals, "2001:DB8::1", has only hex letters),
    if (c.colons >= 2 && c.other_letters > 0 && c.hex_lower == 0 &&
        c.spaces == 0 && c.other_letters <= 2 && c.dots <= 1)
      return cluster_kind::none;
    // one bare run of 13+ digits that cannot be a compact card (issuer digit
    // 2-6) nor follow IBAN letters or an E.164 '+' (epoch-ns timestamps).
    if (c.gaps == 0 && c.digits >= 13) {
      bool lead = first >= 1 && (t[first - 1] == '+' ||
                                 (t[first - 1] >= 'A' && t[first - 1] <= 'Z'));
      if (!lead && (t[first] < '2' || t[first] > '6'))
        return cluster_kind::none;
    }
    return cluster_kind::numeric;
  }

  // `seps`: separators between digit groups ('-', ' ', '.', '(', ...).
  // The rules need no letter or digit around a match, so its first digit
  // group is a whole run of the cluster, and so is every group between
  // separators. (The IBAN rule is not asked: locate_iban decides.)
  static bool rule_fits(const rules::rule_def &r, const cluster_stats &c,
                        bool plus, bool paren, uint32_t region_colons) {
    uint32_t seps = c.other_gap + c.dots;
    switch (r.validator) {
    case rules::check::phone_intl: // +49 30 ..., 0049 30 ..., %2B4930...
      return plus || (c.dial_prefix && seps >= 1) || c.url_plus;
    case rules::check::phone_nanp: // 415-555-0123, (415) 555-0123
      return seps >= 2 && c.runs[3] >= 2 && c.runs[4] >= 1;
    case rules::check::phone_digits:
      // Every national shape has a separator, and starts with a trunk 0
      // ("020 7946 0958") or a '(' ("(11) 91234-5678"), or is CN 3-4-4,
      // IN 5-5, IT 3-3-4 and 3-7, or ES/BE/PL 3-2-2-2 and 2-3-2-2.
      return c.digits >= 8 && seps >= 1 &&
             (c.zero_lead > 0 || paren || c.runs[5] >= 2 ||
              (c.runs[3] >= 1 && c.runs[4] >= 2) ||
              (c.runs[3] >= 2 && c.runs[4] >= 1) ||
              (c.runs[3] >= 1 && c.runs[2] >= 3) ||
              (c.runs[3] >= 1 && c.runs[6] + c.runs[7] >= 1));
    case rules::check::card: // compact 13-19, 4-4-4-x, 4-6-5
      return c.longest_run >= 13 || c.runs[4] >= 3 ||
             (c.runs[4] >= 1 && c.runs[6] >= 1);
    case rules::check::ssn: // AAA-GG-SSSS / AAA GG SSSS (bare: context rule)
      return c.other_gap >= 2 && c.runs[3] >= 1 && c.runs[2] >= 1 &&
             c.runs[4] >= 1;
    case rules::check::ipv4: // four runs of 1-3 digits between dots
      return c.dots >= 3 && c.runs[1] + c.runs[2] + c.runs[3] >= 4;
    case rules::check::ipv6:
      return region_colons >= 2;
    default:
      return false;
    }
  }

  // Whether a context rule's match (which needs no-alnum on both sides, so
  // its digit groups are whole runs) can lie in a cluster of this shape.
  // `lead`: the cluster's first digit.
  static bool context_fits(rules::context need, const cluster_stats &c,
                           unsigned char lead) {
    switch (need) {
    case rules::context::phone: // 9-13 bare digits, 3-3-3, 2-4-4
      // 12-13 bare digits, not from a 1 when the run is the whole cluster
      // (then `lead` is its first digit): most such runs in a trace are
      // epoch milliseconds, and windows for them cost the medium body 4%.
      if (c.runs_12_13 > 0 && (c.gaps > 0 || (lead != '1' && c.digits <= 13)))
        return true;
      // 00, a country code and the number, unbroken: 14-17 digits.
      if (c.dial_prefix && c.gaps == 0 && c.digits >= 14 && c.digits <= 17)
        return true;
      return c.runs[9] + c.runs[10] + c.runs[11] > 0 || c.runs[3] >= 3 ||
             (c.runs[2] >= 1 && c.runs[4] >= 2);
    case rules::context::ssn: // 9 bare digits
      return c.runs[9] > 0;
    case rules::context::none:
      break;
    }
    return false;
  }

  static void close_run(cluster_stats &c, uint32_t len) {
    if (len == 0)
      return;
    ++c.runs[std::min<uint32_t>(len, 12)];
    c.runs_12_13 += uint16_t(len - 12 <= 1); // unsigned: shorter ones wrap
    c.longest_run = std::max(c.longest_run, len);
  }

  // The gap after a digit run ending at `last`, which the byte loop left at
  // a backslash `j`: up to digit_cluster_max_gap units, each a gap byte or
  // a no-break space spelled as a nested escape (rules::with_nested_spaces).
  // Returns where the units end; *escaped is set if one was an escape.
  [[gnu::cold, gnu::noinline]] static size_t
  gap_with_escapes(std::string_view t, const uint8_t *cls, size_t last,
                   size_t j, bool *escaped) {
    size_t units = j - last - 1;
    while (j < t.size() && units < rules::digit_cluster_max_gap) {
      uint8_t k = cls[uint8_t(t[j])];
      if (k == k_digit)
        break;
      if (k == k_break) {
        size_t after = scan::nested_space_end(t, j);
        if (after == 0)
          break;
        j = after;
        *escaped = true;
      } else {
        ++j;
      }
      ++units;
    }
    return j;
  }

  // The IBAN rule on a digit cluster: from its head `iban_at` (two
  // capitals, two digits; e when the lead [b, first) has none: then up to
  // scan::iban_head_reach bytes before b, if the bytes of a printed IBAN
  // go on there: wide spaces between the groups, "NL91\u202fABNA\u202f0417",
  // put it further back) to where those bytes end: letters can end its
  // digit cluster before it ends ("MT84 MALT 0110 0001 2345 MTLC AST0
  // 01S"). Out of line, and all of the rule's own work here: code added to
  // the cluster loop cost it 3% (measured), though it ran on few clusters.
  [[gnu::noinline]] bool locate_iban(uint16_t rule, size_t from, size_t n,
                                     uint32_t b, uint32_t first, uint32_t e,
                                     uint32_t iban_at,
                                     std::vector<scan::candidate> &out,
                                     bool nested_space) {
    const std::string_view t(text.data(), n);
    if (iban_at == e) {
      if (b == from || !scan::iban_reach_byte(uint8_t(t[b])) ||
          !scan::iban_reach_byte(uint8_t(t[b - 1])))
        return true;
      iban_at = uint32_t(scan::iban_head_before(t, from, b, first));
      if (iban_at == b)
        return true;
    }
    uint32_t re = uint32_t(scan::iban_reach_end(
        t, e, std::min<size_t>(n, iban_at + k_iban_reach)));
    return locate_in(rule, iban_at, std::max(re, e), out, nested_space);
  }

  // Scans text[from, to) for clusters; candidates go to `out`.
  // Clusters with enough digits for a context rule go to `windows`.
  bool scan_digit_clusters(size_t from, size_t to,
                           std::vector<scan::candidate> &out,
                           std::vector<context_window> &windows) {
    if (in->cluster_rules.empty() && in->context_rules.empty())
      return true;
    const auto *t = reinterpret_cast<const unsigned char *>(text.data());
    const size_t n = to;
    const std::string_view tv(text.data(), n);
    const uint8_t *cls = byte_classes();
    size_t i = from;
    while (i < n) {
      i = next_digit(t, i, n);
      if (i >= n)
        break;
      if (size_t after = escape_hex_end(t, i, from, n)) {
        i = after;
        continue;
      }
      size_t first = i, last = i, j = i;
      // Byte classes seen in this cluster (bytes after the last digit join
      // it only if another digit follows).
      uint32_t seen[k_class_count] = {};
      uint32_t gaps = 0;
      cluster_stats c;
      uint32_t lead_colons = 0;
      bool nested_space = false; // an escaped no-break space joins digits
      if (first >= 2 && t[first - 1] == ':')
        lead_colons = 1 + (t[first - 2] == ':'); // "::1", "fe80::1"
      while (true) {
        // A run of digits starts at j.
        if (t[j] == '0' && j + 1 < n && t[j + 1] >= '1' && t[j + 1] <= '9')
          ++c.zero_lead;
        size_t run_start = j;
        j = digit_run_end(t, j, n);
        seen[k_digit] += uint32_t(j - run_start);
        close_run(c, uint32_t(j - run_start));
        last = j - 1;
        // Up to digit_cluster_max_gap bytes that may sit between digits,
        // then a digit: the cluster goes on.
        while (j < n) {
          uint8_t k = cls[t[j]];
          if (k == k_digit || k == k_break ||
              j - last > rules::digit_cluster_max_gap)
            break;
          ++j;
        }
        // A no-break space spelled as an escape of a nested string counts
        // as one such byte, a space (rare: looked at only past the loop).
        bool escaped_gap = false;
        if (j < n && t[j] == '\\')
          j = gap_with_escapes(tv, cls, last, j, &escaped_gap);
        if (j >= n || cls[t[j]] != k_digit)
          break;
        ++gaps;
        if (!escaped_gap) {
          for (size_t g = last + 1; g < j; ++g) // at most max_gap bytes
            ++seen[cls[t[g]]];
          continue;
        }
        nested_space = true;
        for (size_t g = last + 1; g < j; ++g) {
          if (size_t after = scan::nested_space_end(tv, g)) {
            ++seen[k_space];
            g = after - 1;
          } else {
            ++seen[cls[t[g]]];
          }
        }
      }
      c.digits = seen[k_digit];
      c.dial_prefix = t[first] == '0' && t[first + 1] == '0' &&
                      cls[t[first + 2]] == k_digit && t[first + 2] != '0';
      c.url_plus = first > from && t[first - 1] == '%' && t[first] == '2' &&
                   (t[first + 1] | 0x20) == 'b';
      c.gaps = gaps;
      c.dots = seen[k_dot];
      c.colons = seen[k_colon] + lead_colons;
      c.hex_lower = seen[k_hex_lower];
      c.other_letters = seen[k_letter];
      c.hex_upper = seen[k_hex_upper];
      c.other_gap = seen[k_gap] + seen[k_space];
      c.spaces = seen[k_space];
      i = j;
      // A context match is a whole digit run; both runs of a decimal touch
      // its dot with a digit beyond, which confirm() refuses.
      if (c.digits >= rules::context_min_digits && !in->context_rules.empty() &&
          !is_decimal(t, first, c)) {
        uint8_t fits = 0;
        for (auto need : {rules::context::phone, rules::context::ssn})
          if (context_fits(need, c, t[first]))
            fits |= uint8_t(1u << unsigned(need));
        if (fits)
          windows.push_back(
              {uint32_t(first), uint32_t(last + 1),
               uint8_t(fits | (nested_space ? k_window_nested_space : 0))});
      }
      cluster_kind kind = classify_cluster(t, first, c);
      if (kind == cluster_kind::none)
        continue;
      uint32_t b = uint32_t(first > from + rules::digit_cluster_lead
                                ? first - rules::digit_cluster_lead
                                : from);
      uint32_t e = uint32_t(std::min(n, last + 2));
      // What the shape gates need from the cluster and its lead. One quick
      // look says which bytes are there; the loops run only when needed.
      const unsigned marks = region_marks(t, b, e);
      const bool plus = marks & k_mark_plus, paren = marks & k_mark_paren;
      auto upper = [](unsigned char ch) { return ch >= 'A' && ch <= 'Z'; };
      uint32_t iban_at = e; // the first IBAN head (two capitals, two digits)
      if (marks & k_mark_upper)
        for (uint32_t k = b; k + 3 < e && iban_at == e; ++k)
          if (upper(t[k]) && upper(t[k + 1]) && cls[t[k + 2]] == k_digit &&
              cls[t[k + 3]] == k_digit)
            iban_at = k;
      // Most colons in one unbroken stretch of hex digits, ':' and '.' (an
      // IPv6 address is one; "::ffff:192.0.2.1" has its ':' in the lead).
      uint32_t region_colons = 0, stretch_colons = 0;
      if (marks & k_mark_colon)
        for (uint32_t k = b; k < e; ++k) {
          bool v6 = t[k] == ':' || t[k] == '.' || cls[t[k]] == k_digit ||
                    ((t[k] | 0x20) >= 'a' && (t[k] | 0x20) <= 'f');
          stretch_colons = v6 ? stretch_colons + (t[k] == ':') : 0;
          region_colons = std::max(region_colons, stretch_colons);
        }
      const size_t group = out.size();
      for (uint16_t rule : in->cluster_rules) {
        const rules::rule_def &r = *in->defs[rule];
        if (r.validator == rules::check::iban) {
          if (!locate_iban(rule, from, n, b, first, e, iban_at, out,
                           nested_space))
            return false;
          continue;
        }
        if (!rule_fits(r, c, plus, paren, region_colons))
          continue;
        // The automata cost several ns a byte: each sees only the bytes
        // its matches can start at and after.
        uint32_t lead = rules::cluster_lead(r);
        uint32_t rb =
            std::max(b, uint32_t(first - std::min<size_t>(first, lead)));
        uint32_t k = uint32_t(first);
        while (k > rb && rules::in_match_bytes(r, t[k - 1]))
          --k;
        if (!locate_in(rule, k, e, out, nested_space))
          return false;
      }
      // This cluster's candidates in order of start (stable: rule order on
      // ties), so that the list is usually sorted as a whole already. Only
      // a few: in a cluster with thousands (a long run of phone numbers or
      // IBANs), the insertion sort would be quadratic; the sort of the whole
      // list in scan_text puts those in order.
      if (out.size() - group <= 32)
        for (size_t k = group + 1; k < out.size(); ++k) {
          scan::candidate x = out[k];
          size_t j = k;
          for (; j > group && x.from < out[j - 1].from; --j)
            out[j] = out[j - 1];
          out[j] = x;
        }
    }
    return true;
  }

  // Values glued to each other ("jane@example.com+14155550123") block each
  // other's boundary checks or overlap; once one is a label, a second
  // masking would find the other. To be idempotent and not leak on the
  // first pass, the string is scanned again with its masked ranges blanked
  // out (NUL: no rule matches it, every boundary check accepts it), until
  // nothing new is found. Only strings where a masked range touches a word
  // character and something could be found next to it: a candidate of the
  // last scan near it (it lost a boundary check or an overlap to it, or was
  // located through it), or digits in the run of cluster bytes it touches
  // (a digit cluster it joined). Anything else a rescan could find, the
  // scan before found, with the same checks.
  bool rescan_glued(const span_rec &s) {
    // Each round masks at least one more range, so rounds end; a chain of n
    // glued values may take n of them ("a.b+c@d.org.a.b+c@d.org..." where
    // each address's local part reaches back into the one before). The
    // bytes rescanned are bounded per document: past the budget the body
    // fails (closed) rather than cost quadratic time or leave a value.
    while (true) {
      std::string_view t(text.data() + s.text_begin, s.text_len);
      accepted.assign(seg_accepted.begin(), seg_accepted.end());
      unowned_ready = false; // seg_accepted and located change each round
      // Characters some rule's boundary check refuses next to a match, or
      // a locator walks over (alnum, token and base64 characters, e-mail
      // local-part ones, and the bytes of letters beyond ASCII, which an
      // e-mail address may hold: a superset; their escapes in a nested
      // document glue too, see `touches`).
      auto word = [](char ch) {
        return (ch >= '0' && ch <= '9') ||
               ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || ch == '+' ||
               ch == '-' || ch == '_' || ch == '/' || ch == '=' || ch == '%' ||
               ch == '\'' || ch == '~' ||
               static_cast<unsigned char>(ch) >= 0x80;
      };
      // Dots glue only when a word character follows them: not at a
      // sentence end. ("key..jane@x.com": an e-mail's local part walks over
      // dots.)
      auto dot_glue = [&](size_t i, int dir) {
        if (t[i] != '.')
          return false;
        while (i < t.size() && t[i] == '.')
          i += size_t(dir);
        return i < t.size() && word(t[i]);
      };
      const uint8_t *cls = byte_classes();
      // Bytes that are not word characters but still glue (i: next to the
      // range, dir: away from it): the ':' of an IPv6 address ("::1",
      // "fe80::") with hex or ':' beyond it, the '(' of "(415) 555-0123",
      // and cluster bytes ('.', ')', '+', NBSP...) with a digit within
      // digit_cluster_max_gap: a cluster the range cut may be whole again
      // once the range is a label. could_find_more decides.
      auto other_glue = [&](size_t i, int dir) {
        char ch = t[i];
        size_t next = i + size_t(dir);
        bool more = next < t.size();
        if (ch == ':' && more &&
            (is_hex_digit(uint8_t(t[next])) || t[next] == ':'))
          return true;
        if (ch == '(' && dir > 0 && more && t[next] >= '0' && t[next] <= '9')
          return true;
        for (size_t n = 0; n <= rules::digit_cluster_max_gap && i < t.size();
             ++n, i += size_t(dir)) {
          uint8_t k = cls[uint8_t(t[i])];
          if (k == k_digit)
            return n > 0;
          if (k == k_break || k == k_space)
            return false;
        }
        return false;
      };
      bool glued = std::any_of(
          seg_accepted.begin(), seg_accepted.end(),
          [&](const scan::candidate &c) {
            // Nor does the letter of an escape of a nested string
            // ("\\n-----BEGIN").
            bool escape_before = c.from > 1 && t[c.from - 2] == '\\';
            bool touches =
                (c.from > 0 && !escape_before &&
                 (word(t[c.from - 1]) || dot_glue(c.from - 1, -1) ||
                  other_glue(c.from - 1, -1))) ||
                (c.to < t.size() &&
                 (word(t[c.to]) || dot_glue(c.to, 1) || other_glue(c.to, 1) ||
                  (t[c.to] == '\\' && scan::mail_escape_end(t, c.to) != 0)));
            return touches && could_find_more(t, c);
          });
      if (!glued)
        return true;
      // Copy the string after the text in use, blank the masked ranges.
      size_t off = text_len;
      if (text.size() < off + s.text_len + 64)
        text.resize(off + s.text_len + 64);
      rescanned += s.text_len;
      if (rescanned > rescan_budget)
        return fail(error_kind::match_limit, s.raw_begin);
      std::memcpy(text.data() + off, text.data() + s.text_begin, s.text_len);
      for (const scan::candidate &c : accepted)
        std::memset(text.data() + off + c.from, 0, c.to - c.from);
      text[off + s.text_len] = '\0';
      span_rec copy = s;
      copy.text_begin = uint32_t(off);
      if (!scan_text(uint32_t(off), uint32_t(off + s.text_len), s.raw_begin,
                     rescan_hits, rescan_cands, rescan_windows))
        return false;
      size_t before = repls.size();
      if (!scan_segment(
              copy, rescan_hits.data(), rescan_hits.data() + rescan_hits.size(),
              rescan_cands.data(), rescan_cands.data() + rescan_cands.size(),
              rescan_windows.data(),
              rescan_windows.data() + rescan_windows.size()))
        return false;
      // emit() left only the new ranges in seg_accepted; they never overlap
      // the blanked ones (no rule matches NUL).
      seg_accepted.insert(seg_accepted.end(), accepted.begin(), accepted.end());
      if (repls.size() == before)
        return true;
    }
  }

  // Whether masked range `d` accounts for candidate `l` of the last scan:
  // its own candidate before the checks narrowed it (a quote before an
  // e-mail, the scheme of a URL), or a shorter or longer match from the
  // same start. Masked ranges never overlap, so among a rule's ranges
  // that start at or after l.from, the first ends first.
  static bool by_rule_then_start(const scan::candidate &a,
                                 const scan::candidate &b) {
    return a.rule != b.rule ? a.rule < b.rule : a.from < b.from;
  }

  bool owned(const scan::candidate &l) const {
    auto it = std::lower_bound(accepted_by_rule.begin(), accepted_by_rule.end(),
                               l, by_rule_then_start);
    if (it == accepted_by_rule.end() || it->rule != l.rule)
      return false;
    return in->defs[l.rule]->locate != rules::locator::som ? it->to <= l.to
                                                           : it->from == l.from;
  }

  void index_unowned() {
    accepted_by_rule.assign(seg_accepted.begin(), seg_accepted.end());
    std::sort(accepted_by_rule.begin(), accepted_by_rule.end(),
              by_rule_then_start);
    unowned.clear();
    for (const scan::candidate &l : located)
      if (!owned(l))
        unowned.push_back(l);
    std::sort(unowned.begin(), unowned.end(),
              [](const scan::candidate &a, const scan::candidate &b) {
                return a.from < b.from;
              });
    unowned_reach.resize(unowned.size());
    uint32_t reach = 0;
    for (size_t k = 0; k < unowned.size(); ++k)
      unowned_reach[k] = reach = std::max(reach, unowned[k].to);
    unowned_ready = true;
  }

  // See rescan_glued. Conservative: true when unsure.
  bool could_find_more(std::string_view t, const scan::candidate &c) {
    // A candidate of the last scan near the range (boundary checks look up
    // to 6 bytes away, a "\\uXXXX" escape), not inside it (blanked, it
    // cannot match again), that no masked range accounts for: it lost a
    // boundary check or an overlap to the range. Looked up in the index of
    // such candidates, so that a string of thousands of glued values costs
    // linear time, not a look at every candidate for each value.
    constexpr uint32_t near = 6;
    if (!unowned_ready)
      index_unowned();
    auto first = std::lower_bound(
        unowned.begin(), unowned.end(), c.from,
        [](const scan::candidate &l, uint32_t from) { return l.from < from; });
    size_t k = size_t(first - unowned.begin());
    // One that starts before the range and ends within `near` of it.
    if (k > 0 && unowned_reach[k - 1] + near >= c.from)
      return true;
    // One that starts in the range or within `near` after it and ends past
    // it. Ranges never overlap, so each candidate is looked at by at most
    // `near` + 1 of them.
    for (; k < unowned.size() && unowned[k].from <= c.to + near; ++k)
      if (unowned[k].to > c.to)
        return true;
    // Digits a cluster could join the range's own through: up to a byte
    // that ends clusters, or a space (clusters of several words are never
    // skipped, so a join over a space finds nothing the scan missed).
    constexpr size_t reach = 512; // longer runs: assume the worst
    const uint8_t *cls = byte_classes();
    auto digits_in_run = [&](size_t i, int dir) {
      for (size_t n = 0; n < reach; ++n, i += size_t(dir)) {
        if (i >= t.size())
          return false;
        uint8_t k = cls[uint8_t(t[i])];
        if (k == k_digit)
          return true;
        if (k == k_break || k == k_space)
          return false;
      }
      return true;
    };
    return (c.from > 0 && digits_in_run(c.from - 1, -1)) ||
           digits_in_run(c.to, 1);
  }

  // False, with nothing written, when two replacements overlap or one runs
  // past the input: a bug upstream, answered as an internal error (fail
  // closed), never a crash or a half-masked output.
  bool splice() {
    // Re-scans of glued strings append after the first batch.
    if (!std::is_sorted(repls.begin(), repls.end(),
                        [](const replacement &a, const replacement &b) {
                          return a.raw_begin < b.raw_begin;
                        }))
      std::sort(repls.begin(), repls.end(),
                [](const replacement &a, const replacement &b) {
                  return a.raw_begin < b.raw_begin;
                });
    size_t extra = 0, end = 0;
    for (const auto &r : repls) {
      if (r.raw_begin < end || r.raw_end < r.raw_begin || r.raw_end > base_len)
        return fail(error_kind::internal, r.raw_begin);
      end = r.raw_end;
      extra += labels[r.rule].size() + (r.quote ? size_t(2) << r.quote : 0);
    }
    out.clear();
    out.reserve(base_len + extra);
    size_t pos = 0;
    for (const auto &r : repls) {
      out.append(base + pos, r.raw_begin - pos);
      if (r.quote == 0) {
        out.append(labels[r.rule]);
      } else {
        // A quote of the document r.quote - 1 levels down, as the raw JSON
        // string spells it: 2^quote - 1 backslashes ("\"", "\\\"", ...).
        size_t backslashes = (size_t(1) << r.quote) - 1;
        out.append(backslashes, '\\').push_back('"');
        out.append(labels[r.rule]);
        out.append(backslashes, '\\').push_back('"');
      }
      pos = r.raw_end;
    }
    out.append(base + pos, base_len - pos);
    return true;
  }

  mask_result run(std::string_view input) {
    mask_result res;
    out_is_result = false;
    err = error_kind::none;
    err_offset = 0;
    spans.clear();
    keys.clear();
    last_key_ptr = nullptr;
    repls.clear();
    std::fill(per_rule.begin(), per_rule.end(), 0);
    base = input.data();
    base_len = input.size();
    rescanned = 0;
    rescan_budget = 8 * input.size() + (size_t(1) << 20);
    if (input.size() > lim.body_bytes_max || input.size() > UINT32_MAX - 64) {
      res.error = error_kind::body_too_large;
      res.error_offset = lim.body_bytes_max;
      return res;
    }
    if (text.size() < input.size() + 64)
      text.resize(input.size() + 64);
    text_len = 0;

    bool ok = stage1(input);
    if (ok) {
      pos = 0;
      ok = walk_document();
    }
    if (ok)
      ok = scan_all();
    if (!ok) {
      locate_error(input);
      res.error = err;
      res.error_offset = err_offset;
      return res;
    }
    if (repls.empty()) {
      res.output = input;
    } else if (!splice()) {
      res.error = err;
      res.error_offset = err_offset;
      return res;
    } else {
      res.output = out;
      out_is_result = true;
    }
    res.replacements = uint32_t(repls.size());
    res.replacements_by_rule = per_rule;
    res.rescanned_bytes = rescanned;
    return res;
  }

  bool stage1(std::string_view input) {
    if (input.empty())
      return fail(error_kind::invalid_json, 0);
    if (!stage1_impl || stage1_capacity < input.size()) {
      // Grows to the largest body seen, then stays: no per-body allocation.
      size_t cap = std::max(input.size(), size_t(64) << 10);
      stage1_impl.reset();
      if (simdjson::get_active_implementation()
              ->create_dom_parser_implementation(
                  cap, lim.depth_max + 1, stage1_impl) != simdjson::SUCCESS)
        return fail(error_kind::internal, 0);
      stage1_capacity = cap;
    }
    auto e =
        stage1_impl->stage1(reinterpret_cast<const uint8_t *>(input.data()),
                            input.size(), simdjson::stage1_mode::regular);
    if (e != simdjson::SUCCESS)
      return fail_sj(e, nullptr);
    idx = stage1_impl->structural_indexes.get();
    n_idx = stage1_impl->n_structural_indexes;
    return true;
  }

  // Syntax errors: the scalar validator pinpoints the first bad byte (off
  // the hot path; the fast path only knows that something is wrong).
  void locate_error(std::string_view input) {
    if (err != error_kind::invalid_json && err != error_kind::invalid_utf8 &&
        err != error_kind::depth_limit)
      return;
    auto v = json_text::validate(input, lim.depth_max);
    if (v.kind != error_kind::none) {
      err = v.kind;
      err_offset = v.offset;
    }
  }
};

masker::masker(std::shared_ptr<const rule_set> rules, limits lim)
    : impl_(std::make_unique<impl>(std::move(rules), lim)) {}

masker::~masker() = default;

mask_result masker::mask(std::string_view input) { return impl_->run(input); }

bool masker::take_output(std::string &dest) {
  if (!impl_->out_is_result)
    return false;
  dest.swap(impl_->out);
  impl_->out_is_result = false;
  return true;
}

const rule_set &masker::rules() const { return *impl_->rules; }

} // namespace maskd::core
