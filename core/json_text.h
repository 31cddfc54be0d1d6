// maskd core: JSON text helpers that work on raw (escaped) bytes: string
// unescaping with an offset map back to the raw text, number/literal grammar
// checks, and a scalar strict validator that pinpoints the first error byte
// (used only on the error path, and as the reference in differential tests).
// No allocation: callers pass output buffers (string_literals grows the
// caller's vector).
#pragma once

#include "core/masker.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace maskd::core::json_text {

// The value of a hex digit, or -1.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// The four hex digits at p (before end) as a number: the XXXX of "\uXXXX".
inline bool read_hex4(const char *p, const char *end, uint32_t *value) {
  if (end - p < 4)
    return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    int h = hex_value(p[i]);
    if (h < 0)
      return false;
    v = (v << 4) | uint32_t(h);
  }
  *value = v;
  return true;
}

// Decodes the contents of a JSON string (between the quotes) into `out`,
// which must have room for raw.size() bytes (decoding never grows text).
// Lone surrogate escapes decode to U+FFFD so the scanner sees valid UTF-8;
// the raw text is never re-encoded, so this loses nothing.
// Returns the decoded length, or SIZE_MAX when an escape is invalid, in
// which case *bad_offset is set to the offset of the bad backslash in `raw`.
// `padded`: `raw` is followed by 15 readable bytes and `out` has 15 bytes of
// room past raw.size() (a masker input and its text buffer): the last few
// bytes go in one 16-byte step instead of one at a time.
size_t unescape(std::string_view raw, char *out, size_t *bad_offset,
                bool padded = false);

// Maps positions in the decoded text of `raw` back to positions in `raw`.
// `decoded_positions` must be sorted ascending and lie on character
// boundaries; results are written to `raw_positions` (same count).
// `padded`: as for unescape (only `raw` is read past its end).
void map_to_raw(std::string_view raw, const uint32_t *decoded_positions,
                uint32_t *raw_positions, size_t count, bool padded = false);

// True when `raw` contains only valid escapes (used for strings we do not
// scan but must still validate, e.g. ids and keys).
// `padded`: as for unescape.
bool escapes_valid(std::string_view raw, size_t *bad_offset,
                   bool padded = false);

// JSON number grammar (RFC 8259), whole token. `padded`: 15 readable bytes
// follow the token (a masker input).
bool is_number(std::string_view token, bool padded = false);

// The contents of each string literal of `doc` at its own level (strings
// nested inside those are part of their contents): for each, the offsets
// of the first content byte and of the closing quote, in order. Stops at an
// unterminated string. Linear; `doc` need not be valid JSON.
void string_literals(std::string_view doc,
                     std::vector<std::pair<uint32_t, uint32_t>> *out);

struct validation_error {
  error_kind kind = error_kind::none;
  size_t offset = 0;
};

// Strict scalar validator (RFC 8259 + UTF-8). Slow; only for error reports
// and tests. `depth_max` bounds nesting like the fast path does.
validation_error validate(std::string_view doc, uint32_t depth_max);

} // namespace maskd::core::json_text
