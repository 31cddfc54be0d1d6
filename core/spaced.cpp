#include "core/spaced.h"

#include "core/scanner.h"
#include "core/validators.h"

namespace maskd::core::scan {
namespace {

// Whether s holds a byte ascii_spaces may rewrite.
bool has_wide_space(std::string_view s) {
  for (char c : s)
    if (c == '\\' || static_cast<unsigned char>(c) >= 0x80)
      return true;
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::string_view ascii_spaces(std::string_view s, char (&buf)[160]) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (n == sizeof buf)
      return {};
    if (const size_t space_end = wide_space_end(s, i)) {
      buf[n++] = ' ';
      i = space_end - 1;
    } else {
      buf[n++] = s[i];
    }
  }
  return {buf, n};
}

namespace {

bool validated(std::string_view match, bool (*validator)(std::string_view)) {
  char buf[160];
  return validator(has_wide_space(match) ? ascii_spaces(match, buf) : match);
}

} // namespace

bool card_ok(std::string_view match) {
  return validated(match, validate::card);
}
bool iban_ok(std::string_view match) {
  return validated(match, validate::iban);
}
bool ssn_ok(std::string_view match) { return validated(match, validate::ssn); }

size_t iban_reach_end(std::string_view t, size_t pos, size_t limit) {
  while (pos < limit && iban_reach_byte(static_cast<unsigned char>(t[pos])))
    ++pos;
  return pos;
}

size_t iban_head_before(std::string_view t, size_t from, size_t b,
                        size_t first) {
  size_t k = first;
  const size_t floor =
      first > from + iban_head_reach ? first - iban_head_reach : from;
  while (k > floor && iban_reach_byte(static_cast<unsigned char>(t[k - 1])))
    --k;
  auto upper = [](char ch) { return ch >= 'A' && ch <= 'Z'; };
  for (; k < b; ++k)
    if (upper(t[k]) && upper(t[k + 1]) && is_digit(t[k + 2]) &&
        is_digit(t[k + 3]))
      return k;
  return b;
}

} // namespace maskd::core::scan
