// maskd core: validators. Every function here runs on the scan path for each
// candidate match, so they stay allocation-free, exception-free and silent:
// the only memory they touch is the input view and small fixed stack buffers.
#include "core/validators.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <netinet/in.h>

namespace maskd::core::validate {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_alnum(char c) {
  return is_digit(c) || is_upper(c) || is_lower(c);
}
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr char to_lower(char c) { return is_upper(c) ? char(c + 32) : c; }

bool starts_with_ignore_case(std::string_view text, std::string_view word) {
  return text.size() >= word.size() &&
         equals_ignore_case(text.substr(0, word.size()), word);
}

} // namespace

bool equals_ignore_case(std::string_view text, std::string_view word) {
  if (text.size() != word.size())
    return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (to_lower(text[i]) != to_lower(word[i]))
      return false;
  return true;
}

namespace {

// ---------------------------------------------------------------- CRC32

// Reflected IEEE polynomial, as zlib; built at compile time so the table
// lives in .rodata and there is no init-order question.
constexpr std::array<uint32_t, 256> make_crc32_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> CRC32_TABLE = make_crc32_table();

// ---------------------------------------------------------------- cards

// At most 19 digits and 18 separators; anything longer cannot be a card and
// is rejected before any work.
constexpr size_t CARD_DIGITS_MIN = 12;
constexpr size_t CARD_DIGITS_MAX = 19;
constexpr size_t CARD_TEXT_MAX = CARD_DIGITS_MAX * 2 - 1;

struct card_digits {
  std::array<uint8_t, CARD_DIGITS_MAX> digit{};
  size_t count = 0;
};

// Digits with either no separator or one separator char (' ' or '-') used
// everywhere between groups. Mixed separators ("4111 1111-1111 1111"), double
// separators and leading/trailing separators are how ids, dates and phone
// numbers look, not how cards are printed.
bool parse_card_digits(std::string_view text, card_digits &out) {
  if (text.empty() || text.size() > CARD_TEXT_MAX)
    return false;
  if (!is_digit(text.front()) || !is_digit(text.back()))
    return false;
  char separator = 0;
  bool previous_was_separator = false;
  for (char c : text) {
    if (is_digit(c)) {
      if (out.count == CARD_DIGITS_MAX)
        return false;
      out.digit[out.count++] = uint8_t(c - '0');
      previous_was_separator = false;
      continue;
    }
    if (c != ' ' && c != '-')
      return false;
    if (previous_was_separator || (separator != 0 && c != separator))
      return false;
    separator = c;
    previous_was_separator = true;
  }
  return out.count >= CARD_DIGITS_MIN;
}

// The Luhn check over n digits, digit(i) the i-th from the left (a card's
// digit values, a Canadian SIN's characters).
template <class Digit> bool luhn_sum_ok(size_t n, Digit digit) {
  unsigned sum = 0;
  bool double_it = false;
  for (size_t i = n; i-- > 0;) {
    unsigned v = digit(i);
    if (double_it) {
      v *= 2;
      if (v > 9)
        v -= 9;
    }
    sum += v;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

bool luhn_ok(const card_digits &d) {
  return luhn_sum_ok(d.count, [&d](size_t i) { return unsigned(d.digit[i]); });
}

unsigned leading_number(const card_digits &d, size_t digits) {
  unsigned value = 0;
  for (size_t i = 0; i < digits; ++i)
    value = value * 10 + d.digit[i];
  return value;
}

bool issuer_ok(const card_digits &d) {
  const size_t n = d.count;
  const unsigned p1 = d.digit[0];
  const unsigned p2 = leading_number(d, 2);
  const unsigned p3 = leading_number(d, 3);
  const unsigned p4 = leading_number(d, 4);
  const unsigned p6 = leading_number(d, 6);
  const bool len_16_19 = n >= 16 && n <= 19;

  if (p1 == 4) // Visa
    return n == 13 || n == 16 || n == 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) // Mastercard
    return n == 16;
  if (p2 == 34 || p2 == 37) // Amex
    return n == 15;
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 ||
      (p6 >= 622126 && p6 <= 622925)) // Discover
    return len_16_19;
  if (p4 >= 3528 && p4 <= 3589) // JCB
    return len_16_19;
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) // Diners
    return n >= 14 && n <= 19;
  if (p2 == 62) // UnionPay
    return len_16_19;
  if (p4 >= 2200 && p4 <= 2204) // Mir
    return n == 16;
  // Maestro: its published ranges that no other scheme above holds.
  for (unsigned maestro :
       {5018u, 5020u, 5038u, 5893u, 6304u, 6759u, 6761u, 6762u, 6763u})
    if (p4 == maestro)
      return n >= 13 && n <= 19;
  return false;
}

bool all_same_digit(const card_digits &d) {
  for (size_t i = 1; i < d.count; ++i)
    if (d.digit[i] != d.digit[0])
      return false;
  return true;
}

// ---------------------------------------------------------------- IBAN

struct iban_country {
  char code[2];
  uint8_t length;
};

// SWIFT IBAN registry (release 100, 2025): 89 countries. Territories listed
// in the registry under a parent (e.g. GP, JE, AX) issue IBANs with the
// parent's code, so they are deliberately absent. Sorted by code for the
// binary search below.
constexpr iban_country IBAN_COUNTRIES[] = {
    {{'A', 'D'}, 24}, {{'A', 'E'}, 23}, {{'A', 'L'}, 28}, {{'A', 'T'}, 20},
    {{'A', 'Z'}, 28}, {{'B', 'A'}, 20}, {{'B', 'E'}, 16}, {{'B', 'G'}, 22},
    {{'B', 'H'}, 22}, {{'B', 'I'}, 27}, {{'B', 'R'}, 29}, {{'B', 'Y'}, 28},
    {{'C', 'H'}, 21}, {{'C', 'R'}, 22}, {{'C', 'Y'}, 28}, {{'C', 'Z'}, 24},
    {{'D', 'E'}, 22}, {{'D', 'J'}, 27}, {{'D', 'K'}, 18}, {{'D', 'O'}, 28},
    {{'E', 'E'}, 20}, {{'E', 'G'}, 29}, {{'E', 'S'}, 24}, {{'F', 'I'}, 18},
    {{'F', 'K'}, 18}, {{'F', 'O'}, 18}, {{'F', 'R'}, 27}, {{'G', 'B'}, 22},
    {{'G', 'E'}, 22}, {{'G', 'I'}, 23}, {{'G', 'L'}, 18}, {{'G', 'R'}, 27},
    {{'G', 'T'}, 28}, {{'H', 'N'}, 28}, {{'H', 'R'}, 21}, {{'H', 'U'}, 28},
    {{'I', 'E'}, 22}, {{'I', 'L'}, 23}, {{'I', 'Q'}, 23}, {{'I', 'S'}, 26},
    {{'I', 'T'}, 27}, {{'J', 'O'}, 30}, {{'K', 'W'}, 30}, {{'K', 'Z'}, 20},
    {{'L', 'B'}, 28}, {{'L', 'C'}, 32}, {{'L', 'I'}, 21}, {{'L', 'T'}, 20},
    {{'L', 'U'}, 20}, {{'L', 'V'}, 21}, {{'L', 'Y'}, 25}, {{'M', 'C'}, 27},
    {{'M', 'D'}, 24}, {{'M', 'E'}, 22}, {{'M', 'K'}, 19}, {{'M', 'N'}, 20},
    {{'M', 'R'}, 27}, {{'M', 'T'}, 31}, {{'M', 'U'}, 30}, {{'N', 'I'}, 28},
    {{'N', 'L'}, 18}, {{'N', 'O'}, 15}, {{'O', 'M'}, 23}, {{'P', 'K'}, 24},
    {{'P', 'L'}, 28}, {{'P', 'S'}, 29}, {{'P', 'T'}, 25}, {{'Q', 'A'}, 29},
    {{'R', 'O'}, 24}, {{'R', 'S'}, 22}, {{'R', 'U'}, 33}, {{'S', 'A'}, 24},
    {{'S', 'C'}, 31}, {{'S', 'D'}, 18}, {{'S', 'E'}, 24}, {{'S', 'I'}, 19},
    {{'S', 'K'}, 24}, {{'S', 'M'}, 27}, {{'S', 'O'}, 23}, {{'S', 'T'}, 25},
    {{'S', 'V'}, 28}, {{'T', 'L'}, 23}, {{'T', 'N'}, 24}, {{'T', 'R'}, 26},
    {{'U', 'A'}, 29}, {{'V', 'A'}, 22}, {{'V', 'G'}, 24}, {{'X', 'K'}, 20},
    {{'Y', 'E'}, 30},
};

constexpr bool iban_table_sorted() {
  for (size_t i = 1; i < std::size(IBAN_COUNTRIES); ++i) {
    const auto &a = IBAN_COUNTRIES[i - 1].code;
    const auto &b = IBAN_COUNTRIES[i].code;
    if (a[0] > b[0] || (a[0] == b[0] && a[1] >= b[1]))
      return false;
  }
  return true;
}
static_assert(iban_table_sorted(), "binary search needs a sorted table");
static_assert(std::size(IBAN_COUNTRIES) == 89, "registry release 100 size");

constexpr size_t IBAN_LENGTH_MAX = 34; // ISO 13616 upper bound
// Printed form adds one space per 4 chars: 34 + 8.
constexpr size_t IBAN_TEXT_MAX = IBAN_LENGTH_MAX + IBAN_LENGTH_MAX / 4;

size_t iban_length_for(char c0, char c1) {
  size_t lo = 0;
  size_t hi = std::size(IBAN_COUNTRIES);
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const auto &code = IBAN_COUNTRIES[mid].code;
    if (code[0] == c0 && code[1] == c1)
      return IBAN_COUNTRIES[mid].length;
    if (code[0] < c0 || (code[0] == c0 && code[1] < c1))
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

// Copies the IBAN characters out of the compact or printed form. The printed
// form is exactly "groups of 4, single spaces, last group 1-4": anything else
// (double spaces, groups of 3) is a different kind of number.
bool compact_iban(std::string_view text, char *out, size_t &out_len) {
  if (text.size() > IBAN_TEXT_MAX)
    return false;
  const bool printed = text.find(' ') != std::string_view::npos;
  out_len = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (printed && i % 5 == 4) {
      if (c != ' ' || i + 1 == text.size())
        return false;
      continue;
    }
    if (!is_digit(c) && !is_upper(c))
      return false;
    if (out_len == IBAN_LENGTH_MAX)
      return false;
    out[out_len++] = c;
  }
  return true;
}

// ISO 7064 mod 97-10 over BBAN + country + check digits, folding one
// character at a time so no big integer is needed. Letters count as two
// digits (A=10 .. Z=35).
unsigned iban_mod97(const char *iban, size_t len) {
  unsigned r = 0;
  for (size_t k = 0; k < len; ++k) {
    const char c = iban[(k + 4) % len];
    if (is_digit(c))
      r = (r * 10 + unsigned(c - '0')) % 97;
    else
      r = (r * 100 + unsigned(c - 'A' + 10)) % 97;
  }
  return r;
}

// ---------------------------------------------------------------- SSN

unsigned parse_digits(std::string_view s) {
  unsigned v = 0;
  for (char c : s)
    v = v * 10 + unsigned(c - '0');
  return v;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c))
      return false;
  return !s.empty();
}

// ---------------------------------------------------------------- IP

// inet_pton needs a NUL-terminated string; copy into a fixed buffer sized for
// the longest textual IPv6 address (INET6_ADDRSTRLEN counts the NUL).
constexpr size_t IP_TEXT_MAX = INET6_ADDRSTRLEN - 1;
static_assert(IP_TEXT_MAX == 45);

bool pton_ok(int family, std::string_view text) {
  if (text.empty() || text.size() > IP_TEXT_MAX)
    return false;
  // An embedded NUL would end the C string early and validate a prefix.
  if (std::memchr(text.data(), '\0', text.size()) != nullptr)
    return false;
  char buf[IP_TEXT_MAX + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char addr[sizeof(struct in6_addr)];
  return inet_pton(family, buf, addr) == 1;
}

// ---------------------------------------------------------------- GitHub

constexpr size_t GH_PREFIX_LEN = 4; // "ghp_"
constexpr size_t GH_RANDOM_LEN = 30;
constexpr size_t GH_CHECKSUM_LEN = 6;
constexpr size_t GH_TOKEN_LEN = GH_PREFIX_LEN + GH_RANDOM_LEN + GH_CHECKSUM_LEN;
constexpr std::string_view BASE62_ALPHABET =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// ---------------------------------------------------------------- JWT

// Bound the decode work and stack use: a real JOSE header is well under
// this; for a longer one only the first HEADER_DECODED_MAX bytes are looked at.
constexpr size_t HEADER_DECODED_MAX = 512;
constexpr size_t JWT_SEGMENT_MIN = 10;

// Value of one base64 digit; the two alphabets differ only in 62 and 63
// ('+' '/' standard, '-' '_' URL-safe).
int base64_value(char c, char c62, char c63) {
  if (is_upper(c))
    return c - 'A';
  if (is_lower(c))
    return c - 'a' + 26;
  if (is_digit(c))
    return c - '0' + 52;
  if (c == c62)
    return 62;
  if (c == c63)
    return 63;
  return -1;
}

int base64url_value(char c) { return base64_value(c, '-', '_'); }

// Unpadded base64url; a length of 1 mod 4 cannot come from any byte string.
bool base64url_segment_ok(std::string_view s) {
  if (s.empty() || s.size() % 4 == 1)
    return false;
  for (char c : s)
    if (base64url_value(c) < 0)
      return false;
  return true;
}

// Decodes at most `cap` bytes of an already-validated segment.
size_t base64url_decode(std::string_view s, unsigned char *out, size_t cap) {
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    acc = (acc << 6) | uint32_t(base64url_value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap)
        return n;
      out[n++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return n;
}

bool contains(const unsigned char *data, size_t len, std::string_view what) {
  if (what.size() > len)
    return false;
  for (size_t i = 0; i + what.size() <= len; ++i)
    if (std::memcmp(data + i, what.data(), what.size()) == 0)
      return true;
  return false;
}

// ---------------------------------------------------------------- placeholders

bool all_one_char(std::string_view s) {
  for (char c : s)
    if (c != s.front())
      return false;
  return true;
}

bool wrapped(std::string_view s, std::string_view open,
             std::string_view close) {
  return s.size() > open.size() + close.size() && s.starts_with(open) &&
         s.ends_with(close);
}

constexpr bool is_x(char c) { return c == 'x' || c == 'X'; }

// "xxxx-xxxx", "XXX...", "sk-xxxxxxxx", "ghp_xxxx...": a run of x standing
// in for a value, optionally followed by an ellipsis. The run (3+) must be
// the whole value (with filler punctuation), follow a '-'/'_' prefix marker,
// or be long enough (8+) that a random secret ending that way is negligible.
bool x_filler(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && s[end - 1] == '.')
    --end;
  size_t run_start = end;
  while (run_start > 0 && is_x(s[run_start - 1]))
    --run_start;
  const size_t run = end - run_start;
  if (run < 3)
    return false;
  if (run >= 8)
    return true;
  bool only_filler = true;
  for (size_t i = 0; i < run_start; ++i) {
    const char c = s[i];
    if (!is_x(c) && c != '-' && c != '_' && c != '.' && c != ' ')
      only_filler = false;
  }
  if (only_filler)
    return true;
  const char before = s[run_start - 1];
  return before == '-' || before == '_';
}

} // namespace

// ---------------------------------------------------------------- public API

uint32_t crc32(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data)
    c = CRC32_TABLE[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool luhn(std::string_view digits) {
  return luhn_sum_ok(digits.size(),
                     [digits](size_t i) { return unsigned(digits[i] - '0'); });
}

bool card(std::string_view text) {
  card_digits d;
  if (!parse_card_digits(text, d))
    return false;
  // Repeated-digit filler. With today's issuer table no such number also
  // passes Luhn (the 4s and 5s all fail it), so this only guards future
  // table changes; it is also the cheapest reject.
  if (all_same_digit(d))
    return false;
  return issuer_ok(d) && luhn_ok(d);
}

bool iban(std::string_view text) {
  char buf[IBAN_LENGTH_MAX];
  size_t len = 0;
  if (!compact_iban(text, buf, len) || len < 5)
    return false;
  if (!is_upper(buf[0]) || !is_upper(buf[1]) || !is_digit(buf[2]) ||
      !is_digit(buf[3]))
    return false;
  if (iban_length_for(buf[0], buf[1]) != len)
    return false;
  // Generated check digits are 98 - (x mod 97), always 02..98; 00, 01 and 99
  // can only pass mod 97 by coincidence (00 and 97 are congruent).
  const unsigned check = unsigned(buf[2] - '0') * 10 + unsigned(buf[3] - '0');
  if (check < 2 || check > 98)
    return false;
  return iban_mod97(buf, len) == 1;
}

bool ssn(std::string_view text) {
  std::string_view area, group, serial;
  if (text.size() == 9) {
    area = text.substr(0, 3);
    group = text.substr(3, 2);
    serial = text.substr(5, 4);
  } else if (text.size() == 11) {
    const char sep = text[3];
    if ((sep != '-' && sep != ' ') || text[6] != sep)
      return false;
    area = text.substr(0, 3);
    group = text.substr(4, 2);
    serial = text.substr(7, 4);
  } else {
    return false;
  }
  if (!all_digits(area) || !all_digits(group) || !all_digits(serial))
    return false;
  const unsigned a = parse_digits(area);
  const unsigned g = parse_digits(group);
  const unsigned s = parse_digits(serial);
  if (a == 0 || a == 666 || a >= 900 || g == 0 || s == 0)
    return false;
  // 078-05-1120 was printed on a wallet insert sample card and used by
  // thousands of people; 219-09-9999 appeared in an SSA advertisement. Both
  // were voided and show up in logs only as examples.
  if ((a == 78 && g == 5 && s == 1120) || (a == 219 && g == 9 && s == 9999))
    return false;
  return true;
}

bool ipv4(std::string_view text) {
  // inet_pton(AF_INET) already demands four decimal parts without leading
  // zeros on glibc, but the POSIX text allows other forms on other libcs;
  // check the shape ourselves so the result does not depend on the libc.
  int parts = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = i;
    while (j < text.size() && is_digit(text[j]))
      ++j;
    const size_t len = j - i;
    if (len == 0 || len > 3 || (len > 1 && text[i] == '0'))
      return false;
    if (parse_digits(text.substr(i, len)) > 255)
      return false;
    ++parts;
    if (j == text.size())
      break;
    if (text[j] != '.' || parts == 4)
      return false;
    i = j + 1;
  }
  return parts == 4 && pton_ok(AF_INET, text);
}

bool ipv6(std::string_view text) {
  int colons = 0;
  bool hex_digit = false;
  for (char c : text) {
    if (!is_hex(c) && c != ':' && c != '.')
      return false;
    colons += c == ':';
    hex_digit = hex_digit || is_hex(c);
  }
  // "::" alone is valid for inet_pton but is the unspecified address and far
  // more often C++/Rust scope syntax than an address in a log.
  if (colons < 2 || !hex_digit)
    return false;
  return pton_ok(AF_INET6, text);
}

bool github_token(std::string_view text) {
  if (text.size() != GH_TOKEN_LEN || !text.starts_with("gh") || text[3] != '_')
    return false;
  if (std::string_view("pousr").find(text[2]) == std::string_view::npos)
    return false;
  const std::string_view payload = text.substr(GH_PREFIX_LEN);
  for (char c : payload)
    if (!is_alnum(c))
      return false;
  // The checksum covers only the 30 random characters, not "ghp_": checked
  // against 20 real (expired, revoked) PATs published as fixtures in
  // therootcompany/base62-token.js test.js, all of which verify this way and
  // none over prefix+random. (validators.h says "prefix+body"; the evidence
  // says otherwise.)
  uint32_t crc = crc32(payload.substr(0, GH_RANDOM_LEN));
  // Base62, most significant digit first, left-padded with '0'. 62^6 > 2^32,
  // so six digits always hold the CRC.
  for (size_t i = GH_CHECKSUM_LEN; i-- > 0;) {
    if (payload[GH_RANDOM_LEN + i] != BASE62_ALPHABET[crc % 62])
      return false;
    crc /= 62;
  }
  return true;
}

namespace {

// base36: digits and small letters, not hex alone (a hash after a "key-").
// b64: base64 of either alphabet with its padding ('+', '/', '=', '_', '-').
// uuid: small hex digits and '-'.
enum class alphabet : uint8_t {
  letters,
  alnum,
  base36,
  hex,
  b64url,
  b64,
  uuid
};

struct key_shape {
  std::string_view prefix;
  uint16_t min, max; // length of the run after the prefix
  alphabet chars;
  int16_t sep_at = -1; // where the run holds `sep` (LangSmith: 32 hex, '_')
  char sep = '_';
  // Doppler's service tokens name their config between the prefix and the
  // key: "dp.st.prd." (2-35 of small letters, digits, '_', '-', then '.').
  bool slug = false;
  // A digit required: the shape is common among words (Resend's "re_" + 8
  // '_' 24 is a function's name too: re_sanitize_multipleFilenames).
  bool digit = false;
};

// Published formats (the vendors' documentation and the secret scanners'
// rule sets agree on them).
constexpr key_shape k_key_shapes[] = {
    {"hf_", 34, 34, alphabet::letters, -1},      // Hugging Face user token
    {"api_org_", 34, 34, alphabet::letters, -1}, // Hugging Face org token
    {"gsk_", 52, 52, alphabet::alnum, -1},       // Groq
    {"pplx-", 48, 48, alphabet::alnum, -1},      // Perplexity
    {"xai-", 70, 120, alphabet::b64url, -1},     // xAI
    {"r8_", 37, 37, alphabet::alnum, -1},        // Replicate
    {"sk-or-v1-", 64, 64, alphabet::hex, -1},    // OpenRouter
    {"lsv2_pt_", 43, 43, alphabet::hex, 32},     // LangSmith personal
    {"lsv2_sk_", 43, 43, alphabet::hex, 32},     // LangSmith service
    {"pcsk_", 69, 70, alphabet::b64url, -1},     // Pinecone
    {"jina_", 60, 60, alphabet::b64url, -1},     // Jina AI
    {"pa-", 43, 43, alphabet::b64url, -1, '_', false, true}, // Voyage AI
    {"e2b_", 40, 40, alphabet::hex, -1},                     // E2B
    {"tgp_v1_", 43, 43, alphabet::b64url, -1},               // Together AI
    {"sk-", 32, 32, alphabet::hex, -1},    // DeepSeek, Alibaba DashScope
    {"npm_", 36, 36, alphabet::alnum, -1}, // npm access token
    {"pypi-AgEIcHlwaS5vcmc", 50, 1000, alphabet::b64url, -1}, // PyPI
    {"rubygems_", 48, 48, alphabet::hex, -1},                 // RubyGems
    {"CLOJARS_", 60, 60, alphabet::alnum, -1},                // Clojars
    // Services an agent's tools call (saas_api_key).
    {"SG.", 66, 66, alphabet::b64url, 22, '.'},  // SendGrid: 22 '.' 43
    {"shpat_", 32, 32, alphabet::hex, -1},       // Shopify access token
    {"shpca_", 32, 32, alphabet::hex, -1},       // Shopify custom app
    {"shppa_", 32, 32, alphabet::hex, -1},       // Shopify private app
    {"shpss_", 32, 32, alphabet::hex, -1},       // Shopify shared secret
    {"dop_v1_", 64, 64, alphabet::hex, -1},      // DigitalOcean personal
    {"doo_v1_", 64, 64, alphabet::hex, -1},      // DigitalOcean OAuth
    {"dor_v1_", 64, 64, alphabet::hex, -1},      // DigitalOcean refresh
    {"dckr_pat_", 27, 27, alphabet::b64url, -1}, // Docker Hub
    {"hvs.", 90, 200, alphabet::b64url, -1},     // HashiCorp Vault service
    {"dapi", 32, 32, alphabet::hex, -1},         // Databricks
    {"sbp_", 40, 40, alphabet::hex, -1},         // Supabase
    {"lin_api_", 40, 40, alphabet::alnum, -1},   // Linear
    {"PMAK-", 59, 59, alphabet::hex, 24, '-'},   // Postman: 24 '-' 34
    {"glsa_", 41, 41, alphabet::alnum, 32},      // Grafana service account
    {"NRAK-", 27, 27, alphabet::alnum, -1},      // New Relic user key
    {"tvly-dev-", 32, 32, alphabet::alnum, -1},  // Tavily (development)
    {"tvly-", 32, 32, alphabet::alnum, -1},      // Tavily
    {"fc-", 32, 32, alphabet::hex, -1},          // Firecrawl
    {"key-", 32, 32, alphabet::base36, -1},      // Mailgun (legacy API key)
    {"ntn_", 46, 46, alphabet::alnum, -1},       // Notion integration
    {"sntryu_", 64, 64, alphabet::hex, -1},      // Sentry user token
    {"HRKU-AA", 58, 58, alphabet::b64url, -1},   // Heroku
    {"dp.pt.", 40, 44, alphabet::alnum, -1},     // Doppler personal
    {"dp.ct.", 40, 44, alphabet::alnum, -1},     // Doppler CLI
    {"dp.sa.", 40, 44, alphabet::alnum, -1},     // Doppler service account
    {"dp.scim.", 40, 44, alphabet::alnum, -1},   // Doppler SCIM
    {"dp.audit.", 40, 44, alphabet::alnum, -1},  // Doppler audit
    {"dp.st.", 40, 44, alphabet::alnum, -1, '_', true}, // Doppler service
    {"phx_", 40, 48, alphabet::alnum, -1},              // PostHog personal
    {"sq0atp-", 22, 60, alphabet::b64url, -1},          // Square access token
    {"sq0csp-", 43, 43, alphabet::b64url, -1},          // Square OAuth secret
    {"pul-", 40, 40, alphabet::hex, -1},                // Pulumi
    {"sl.u.", 130, 160, alphabet::b64url, -1},          // Dropbox short-lived
    {"sl.", 130, 152, alphabet::b64url, -1},            // Dropbox short-lived
    {"figd_", 38, 42, alphabet::b64url, -1},            // Figma
    {"pat-na1-", 36, 36, alphabet::uuid, -1},           // HubSpot private app
    {"pat-eu1-", 36, 36, alphabet::uuid, -1},           // HubSpot private app
    {"pat", 79, 79, alphabet::alnum, 14, '.'},       // Airtable: 14 '.' 64 hex
    {"xkeysib-", 81, 81, alphabet::alnum, 64, '-'},  // Brevo: 64 hex '-' 16
    {"xsmtpsib-", 81, 81, alphabet::alnum, 64, '-'}, // Brevo SMTP
    {"pscale_tkn_", 32, 64, alphabet::b64url, -1},   // PlanetScale
    {"pscale_pw_", 32, 64, alphabet::b64url, -1},    // PlanetScale password
    {"pscale_oauth_", 32, 64, alphabet::b64url, -1}, // PlanetScale OAuth
    {"fo1_", 43, 43, alphabet::b64url, -1},          // Fly.io org token
    {"shippo_live_", 40, 40, alphabet::hex, -1},     // Shippo
    {"shippo_test_", 40, 40, alphabet::hex, -1},     // Shippo
    {"FLWSECK-", 34, 34, alphabet::alnum, 32, '-'},  // Flutterwave: 32 '-' X
    {"FLWSECK_TEST-", 34, 34, alphabet::alnum, 32, '-'}, // Flutterwave test
    {"CFPAT-", 43, 43, alphabet::b64url, -1},            // Contentful
    {"dt0c01.", 89, 89, alphabet::alnum, 24, '.'},       // Dynatrace: 24 '.' 64
    {"EZAK", 54, 54, alphabet::alnum, -1},               // EasyPost
    {"EZTK", 54, 54, alphabet::alnum, -1},               // EasyPost test
    {"ico-", 32, 32, alphabet::alnum, -1},               // Infracost
    {"pnu_", 36, 36, alphabet::alnum, -1},               // Prefect
    {"rdme_", 70, 70, alphabet::base36, -1},             // ReadMe
    {"tk-us-", 48, 48, alphabet::b64url, -1},            // Scalingo
    {"re_", 33, 33, alphabet::alnum, 8, '_', false, true}, // Resend: 8 '_' 24
    {"LTAI", 20, 20, alphabet::alnum, -1},          // Alibaba Cloud key id
    {"p8e-", 32, 32, alphabet::alnum, -1},          // Adobe
    {"AKCp", 69, 69, alphabet::alnum, -1},          // JFrog Artifactory
    {"duffel_live_", 43, 43, alphabet::b64url, -1}, // Duffel
    {"duffel_test_", 43, 43, alphabet::b64url, -1}, // Duffel
    {"hvb.", 138, 300, alphabet::b64url, -1},       // HashiCorp Vault batch
    {"NRII-", 32, 32, alphabet::b64url, -1},        // New Relic insert key
    {"SK", 32, 32, alphabet::hex, -1},              // Twilio API key
    {"v1.0-", 171, 171, alphabet::hex, 24, '-'},    // Cloudflare Origin CA
    // Base64 with '+', '/' and '=' (service_token).
    {"sntrys_eyJ", 100, 400, alphabet::b64, -1},       // Sentry org token
    {"ops_eyJ", 250, 2000, alphabet::b64, -1},         // 1Password service acct
    {"fm1a_", 100, 2000, alphabet::b64, -1},           // Fly.io macaroon
    {"fm1r_", 100, 2000, alphabet::b64, -1},           // Fly.io macaroon
    {"fm2_", 100, 2000, alphabet::b64, -1},            // Fly.io macaroon
    {"glc_eyJ", 29, 400, alphabet::b64, -1},           // Grafana Cloud
    {"fio-u-", 64, 64, alphabet::b64, -1},             // Frame.io
    {"ATATT3", 186, 186, alphabet::b64, -1},           // Atlassian API token
    {"AGE-SECRET-KEY-1", 58, 58, alphabet::alnum, -1}, // age secret key
    // Telegram bot token's secret, after "<bot id>:" (scan::confirm checks
    // the id)
    {"AA", 33, 33, alphabet::b64url, -1},
};

bool in_alphabet(char c, alphabet a) {
  switch (a) {
  case alphabet::letters:
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  case alphabet::alnum:
    return is_alnum(c);
  case alphabet::base36:
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
  case alphabet::hex:
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  case alphabet::b64url:
    return is_alnum(c) || c == '_' || c == '-';
  case alphabet::b64:
    return is_alnum(c) || c == '_' || c == '-' || c == '+' || c == '/' ||
           c == '=';
  case alphabet::uuid:
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
  }
  return false;
}

} // namespace

size_t vendor_key(std::string_view text) {
  // Several shapes may share a prefix's start ("pat-na1-", "pat"; "sl.u.",
  // "sl."): each is tried in turn.
  for (const key_shape &k : k_key_shapes) {
    if (!text.starts_with(k.prefix))
      continue;
    std::string_view rest = text.substr(k.prefix.size());
    size_t slug = 0;
    if (k.slug) {
      while (slug < rest.size() && slug <= 35 &&
             ((rest[slug] >= 'a' && rest[slug] <= 'z') ||
              is_digit(rest[slug]) || rest[slug] == '_' || rest[slug] == '-'))
        ++slug;
      slug =
          slug >= 2 && slug < rest.size() && rest[slug] == '.' ? slug + 1 : 0;
      rest.remove_prefix(slug);
    }
    // The run ends where no key byte can follow: a letter or digit after a
    // key of letters makes the whole run something else.
    size_t n = 0;
    while (n < rest.size() &&
           (is_alnum(rest[n]) || in_alphabet(rest[n], k.chars) ||
            (int(n) == k.sep_at && rest[n] == k.sep)))
      ++n;
    if (n < k.min || n > k.max)
      continue;
    std::string_view body = rest.substr(0, n);
    bool shaped = true;
    for (size_t i = 0; i < n && shaped; ++i)
      shaped =
          int(i) == k.sep_at ? body[i] == k.sep : in_alphabet(body[i], k.chars);
    if (!shaped)
      continue;
    if (is_placeholder(body) || entropy_compare(body, 3.0) <= 0)
      return 0;
    if (k.digit && std::none_of(body.begin(), body.end(), is_digit))
      return 0;
    if ((k.chars == alphabet::b64url || k.chars == alphabet::b64) &&
        reads_as_words(body, false))
      return 0; // a URL's slug, a constant's name
    if (k.chars == alphabet::base36 &&
        std::none_of(body.begin(), body.end(),
                     [](char c) { return c >= 'g' && c <= 'z'; }))
      return 0;
    return k.prefix.size() + slug + n;
  }
  return 0;
}

size_t password_hash(std::string_view s) {
  auto crypt64 = [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '/';
  };
  auto b64 = [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z') || ch == '+' || ch == '/';
  };
  // The run of `in` bytes from `at`: its end; *count: how many characters
  // it holds. A '/' a nested document escapes ("\/": PHP's json_encode
  // writes every '/' so) is one.
  auto run = [&](size_t at, auto in, size_t *count) {
    size_t n = 0;
    while (at < s.size()) {
      if (in(s[at]))
        ++at;
      else if (s[at] == '\\' && at + 1 < s.size() && s[at + 1] == '/')
        at += 2;
      else
        break;
      ++n;
    }
    *count = n;
    return at;
  };
  // "name=digits" at `at`: where it ends, or npos.
  auto param = [&](size_t at, std::string_view name) {
    if (s.substr(at, name.size()) != name)
      return std::string_view::npos;
    size_t e = at + name.size();
    while (e < s.size() && s[e] >= '0' && s[e] <= '9')
      ++e;
    return e > at + name.size() && e - at - name.size() <= 10
               ? e
               : std::string_view::npos;
  };
  // n characters of the crypt alphabet, and no more but a sentence's full
  // stop: where they end, or 0.
  auto exactly = [&](size_t at, size_t n) -> size_t {
    size_t count;
    const size_t e = run(at, crypt64, &count);
    if (count == n)
      return e;
    return count == n + 1 && s[e - 1] == '.' ? e - 1 : 0;
  };
  // A field of 1 to `most` crypt characters and its closing '$': where
  // the next field starts, or 0.
  auto field = [&](size_t at, size_t most) -> size_t {
    size_t count;
    const size_t e = run(at, crypt64, &count);
    return count >= 1 && count <= most && e < s.size() && s[e] == '$' ? e + 1
                                                                      : 0;
  };
  if (s.starts_with("$2a$") || s.starts_with("$2b$") || s.starts_with("$2y$") ||
      s.starts_with("$2x$")) {
    if (s.size() < 7 || s[6] != '$' || s[4] < '0' || s[4] > '3' || s[5] < '0' ||
        s[5] > '9')
      return 0;
    const int cost = (s[4] - '0') * 10 + (s[5] - '0');
    return cost >= 4 && cost <= 31 ? exactly(7, 53) : 0;
  }
  if (s.starts_with("$6$") || s.starts_with("$5$") || s.starts_with("$1$") ||
      s.starts_with("$apr1$")) {
    const bool md5 = s[1] == '1' || s[1] == 'a';
    size_t at = s.find('$', 1) + 1;
    if (!md5 && s.substr(at, 7) == "rounds=") {
      at = param(at, "rounds=");
      if (at == std::string_view::npos || at >= s.size() || s[at] != '$')
        return 0;
      ++at;
    }
    const size_t hash = field(at, md5 ? 8 : 16); // the salt
    return hash ? exactly(hash, md5 ? 22 : s[1] == '6' ? 86 : 43) : 0;
  }
  if (s.starts_with("$y$")) {
    const size_t salt = field(3, 64); // the parameters
    const size_t hash = salt ? field(salt, 64) : 0;
    return hash ? exactly(hash, 43) : 0;
  }
  for (std::string_view head : {"$argon2id$", "$argon2i$", "$argon2d$"}) {
    if (!s.starts_with(head))
      continue;
    size_t at = head.size();
    if (s.substr(at, 2) == "v=") {
      at = param(at, "v=");
      if (at == std::string_view::npos || at >= s.size() || s[at] != '$')
        return 0;
      ++at;
    }
    for (std::string_view name : {"m=", "t=", "p="}) {
      at = param(at, name);
      if (at == std::string_view::npos || at >= s.size() ||
          s[at] != (name == "p=" ? '$' : ','))
        return 0;
      ++at;
    }
    size_t count;
    const size_t salt = run(at, b64, &count);
    if (count < 8 || salt >= s.size() || s[salt] != '$')
      return 0;
    const size_t hash = run(salt + 1, b64, &count);
    return count >= 16 ? hash : 0;
  }
  return 0;
}

bool jwt(std::string_view text) {
  // Compact serialization: a JWS has 3 segments, a JWE (encrypted) 5.
  std::string_view seg[5];
  size_t count = 0, at = 0;
  while (count < 5) {
    const size_t dot = text.find('.', at);
    seg[count++] = text.substr(
        at, dot == std::string_view::npos ? std::string_view::npos : dot - at);
    if (dot == std::string_view::npos)
      break;
    at = dot + 1;
    if (count == 5)
      return false; // a sixth segment: not a token
  }
  if (count != 3 && count != 5)
    return false;
  const std::string_view header = seg[0];
  if (header.size() < JWT_SEGMENT_MIN || !base64url_segment_ok(header))
    return false;
  if (count == 3) {
    // header.payload.signature
    if (seg[1].size() < JWT_SEGMENT_MIN || !base64url_segment_ok(seg[1]) ||
        !base64url_segment_ok(seg[2]))
      return false;
  } else {
    // header.encrypted_key.iv.ciphertext.tag; the key is empty for direct
    // encryption ("alg":"dir").
    if ((!seg[1].empty() && !base64url_segment_ok(seg[1])) ||
        !base64url_segment_ok(seg[2]) || !base64url_segment_ok(seg[4]) ||
        seg[3].size() < JWT_SEGMENT_MIN || !base64url_segment_ok(seg[3]))
      return false;
  }
  unsigned char decoded[HEADER_DECODED_MAX];
  const size_t n = base64url_decode(header, decoded, sizeof decoded);
  return n > 0 && decoded[0] == '{' && contains(decoded, n, "\"alg\"") &&
         (count == 3 || contains(decoded, n, "\"enc\""));
}

namespace {

// Byte counts of a text, with the bytes present marked in four words (so
// the sum below visits them in ascending order without sweeping all 256),
// the number of distinct bytes and the largest count.
struct byte_counts {
  uint32_t counts[256];
  uint64_t present[4] = {};
  uint32_t distinct = 0, most = 0;

  explicit byte_counts(std::string_view text) {
    for (unsigned char c : text) {
      uint64_t bit = uint64_t(1) << (c & 63);
      if (present[c >> 6] & bit) {
        ++counts[c];
      } else {
        present[c >> 6] |= bit;
        counts[c] = 1;
      }
    }
    for (unsigned w = 0; w < 4; ++w)
      for (uint64_t m = present[w]; m != 0; m &= m - 1) {
        ++distinct;
        most = std::max(most, counts[w * 64 + unsigned(__builtin_ctzll(m))]);
      }
  }

  // -sum(p * log2(p)) over the distinct bytes in ascending order: the same
  // operations in the same order as a sweep of all 256 counts (results on
  // a threshold, e.g. exactly 3.0 for 8 bytes of equal count, must not
  // move by a rounding step).
  double entropy(size_t size) const {
    const double total = double(size);
    double bits = 0.0;
    for (unsigned w = 0; w < 4; ++w)
      for (uint64_t m = present[w]; m != 0; m &= m - 1) {
        const double p =
            double(counts[w * 64 + unsigned(__builtin_ctzll(m))]) / total;
        bits -= p * std::log2(p);
      }
    return bits;
  }
};

} // namespace

double shannon_entropy(std::string_view text) {
  if (text.empty())
    return 0.0;
  return byte_counts(text).entropy(text.size());
}

int entropy_compare(std::string_view text, double bits) {
  if (text.empty()) // entropy 0
    return bits > 0.0 ? -1 : bits < 0.0 ? 1 : 0;
  const byte_counts c(text);
  // The entropy lies between the min-entropy, -log2(largest p), and
  // log2(distinct bytes). Where the threshold is clearly outside that range
  // (by far more than any rounding of the sum), the answer needs no sum:
  // long random tokens are far above it, short repetitive words below.
  constexpr double margin = 1e-9;
  if (std::log2(double(c.distinct)) < bits - margin)
    return -1;
  if (std::log2(double(text.size()) / double(c.most)) > bits + margin)
    return 1;
  const double h = c.entropy(text.size());
  return h < bits ? -1 : h > bits ? 1 : 0;
}

bool is_placeholder(std::string_view text) {
  // Nothing to leak in an empty value.
  if (text.empty() || all_one_char(text))
    return true;
  if (wrapped(text, "${", "}") || wrapped(text, "{{", "}}") ||
      wrapped(text, "<", ">"))
    return true;
  if (text == "%s")
    return true;
  if (equals_ignore_case(text, "changeme") ||
      equals_ignore_case(text, "password"))
    return true;
  if (starts_with_ignore_case(text, "[redacted") && text.ends_with("]"))
    return true;
  return x_filler(text);
}

bool reads_as_words(std::string_view text, bool humps) {
  auto letter = [](char c) { return is_upper(c) || is_lower(c); };
  auto sep = [](char c) {
    return c == '_' || c == '-' || c == '.' || c == '/' || c == '+' || c == '=';
  };
  size_t words = 0, run = 0;
  bool letters_only = true;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || sep(text[i])) {
      words += letters_only && run >= 3;
      run = 0;
      letters_only = true;
    } else {
      ++run;
      letters_only = letters_only && letter(text[i]);
    }
  }
  if (words >= 2 || !humps)
    return words >= 2;
  // camelCase: letters split where a capital follows a small letter, and
  // where anything but a letter stands; a word is small letters, or one
  // capital and small letters, 3 or more ("persisted", "App", "State"; a
  // random key's "EEPTGEFPHBog" is none).
  size_t total = 0, in_words = 0, long_words = 0, seg = 0, caps = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool l = i < text.size() && letter(text[i]);
    const bool upper = l && is_upper(text[i]);
    const bool hump = upper && i > 0 && is_lower(text[i - 1]);
    if (!l || hump) {
      // Small letters, or one capital first.
      if (seg >= 3 && (caps == 0 || (caps == 1 && is_upper(text[i - seg])))) {
        in_words += seg;
        ++long_words;
      }
      seg = caps = 0;
    }
    if (l) {
      ++seg;
      ++total;
      caps += upper;
    }
  }
  return long_words >= 2 && total > 0 && in_words * 4 >= total * 3;
}

// ---------------------------------------------------------------- Basic

namespace {

// Decodes standard base64 (optional '=' padding) byte by byte into
// `take`, which returns false to stop; false when the text is no base64
// or `take` stopped.
template <typename Take>
bool each_base64_byte(std::string_view b64, Take take) {
  while (!b64.empty() && b64.back() == '=')
    b64.remove_suffix(1);
  if (b64.size() < 4 || b64.size() % 4 == 1)
    return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    int v = base64_value(c, '+', '/');
    if (v < 0)
      return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const unsigned char b = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
      if (!take(b))
        return false;
    }
  }
  return true;
}

} // namespace

bool basic_credential(std::string_view b64) {
  bool colon = false;
  return each_base64_byte(b64,
                          [&](unsigned char b) {
                            colon |= b == ':';
                            // "user:password" is printable text
                            return b >= 0x20 && b != 0x7F;
                          }) &&
         colon;
}

bool sasl_plain(std::string_view b64) {
  int nuls = 0;
  bool after_second = false; // a password byte after the second NUL
  return each_base64_byte(b64,
                          [&](unsigned char b) {
                            if (b == 0)
                              return ++nuls <= 2;
                            after_second |= nuls == 2;
                            return b >= 0x20 && b != 0x7F;
                          }) &&
         nuls == 2 && after_second;
}

} // namespace maskd::core::validate
