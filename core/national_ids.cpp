// maskd core: national identifiers' shapes and check digits (declared in
// validators.h). Each function reads one identifier at the start of its
// text and returns its length, 0 when none is there; what follows it is
// the caller's to judge. Allocation-free: small stack buffers only.
#include "core/scanner.h"
#include "core/validators.h"

#include <array>
#include <initializer_list>

namespace maskd::core::validate {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? char(c - 32) : c;
}
constexpr bool is_letter(char c) {
  return to_upper(c) >= 'A' && to_upper(c) <= 'Z';
}

// The length of a space of any kind at s[i]: ASCII, the no-break space
// (U+00A0) or the narrow one (U+202F), which French text puts between the
// groups of a number, also spelled as the escape of a document nested in
// the string ("\\u00a0"); 0 when there is none.
size_t space_at(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == ' ')
    return 1;
  const size_t e = scan::wide_space_end(s, i);
  return e != 0 ? e - i : 0;
}

// Digits in groups of the given sizes at the start of `s`: unbroken, or
// with one separator from `seps` between every two groups, the same one
// throughout (' ' in `seps` stands for a space of any kind, and the kinds
// may mix). The digits go to `out` (room for the groups' sum); returns the
// length read, 0 when the digits are not there so.
size_t digit_groups(std::string_view s, std::initializer_list<size_t> groups,
                    std::string_view seps, char *out) {
  size_t total = 0;
  for (size_t g : groups)
    total += g;
  size_t i = 0, d = 0;
  char sep = 0;
  for (size_t g : groups) {
    if (d > 0) {
      // The separator here: its kind (' ' for any space) and length.
      char kind = 0;
      size_t width = 0;
      if (size_t sp = space_at(s, i);
          sp != 0 && seps.find(' ') != std::string_view::npos) {
        kind = ' ';
        width = sp;
      } else if (i < s.size() && s[i] != ' ' && !is_digit(s[i]) &&
                 seps.find(s[i]) != std::string_view::npos) {
        kind = s[i];
        width = 1;
      }
      if (d == groups.begin()[0])
        sep = kind; // 0: unbroken
      if (kind != sep)
        return 0;
      i += width;
    }
    for (size_t k = 0; k < g; ++k, ++i, ++d) {
      if (i >= s.size() || !is_digit(s[i]))
        return 0;
      out[d] = s[i];
    }
  }
  return d == total ? i : 0;
}

bool all_same(const char *d, size_t n) {
  for (size_t i = 1; i < n; ++i)
    if (d[i] != d[0])
      return false;
  return true;
}

} // namespace

size_t uk_nino(std::string_view s) {
  if (s.size() < 9)
    return 0;
  const char a = to_upper(s[0]), b = to_upper(s[1]);
  if (!is_letter(a) || !is_letter(b) ||
      std::string_view("DFIQUV").find(a) != std::string_view::npos ||
      std::string_view("DFIOQUV").find(b) != std::string_view::npos)
    return 0;
  const char pair[] = {a, b};
  for (std::string_view bad : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    if (bad == std::string_view(pair, 2))
      return 0;
  size_t k = 2;
  const bool spaced = space_at(s, k) != 0;
  for (int group = 0; group < 3; ++group) {
    if (spaced) {
      const size_t sp = space_at(s, k);
      if (sp == 0)
        return 0;
      k += sp;
    }
    if (k + 2 > s.size() || !is_digit(s[k]) || !is_digit(s[k + 1]))
      return 0;
    k += 2;
  }
  k += space_at(s, k);
  if (k >= s.size() || to_upper(s[k]) < 'A' || to_upper(s[k]) > 'D')
    return 0;
  return k + 1;
}

size_t uk_nhs_number(std::string_view s) {
  char d[10];
  const size_t n = digit_groups(s, {3, 3, 4}, " -", d);
  if (n == 0 || all_same(d, 10))
    return 0;
  unsigned sum = 0;
  for (unsigned i = 0; i < 9; ++i)
    sum += unsigned(d[i] - '0') * (10 - i);
  const unsigned check = (11 - sum % 11) % 11;
  return check != 10 && check == unsigned(d[9] - '0') ? n : 0;
}

size_t ca_sin(std::string_view s) {
  char d[9];
  const size_t n = digit_groups(s, {3, 3, 3}, " -", d);
  // 0 is unassigned (the government's own example, 046 454 286, starts
  // so), 8 unused.
  return n != 0 && d[0] != '0' && d[0] != '8' && luhn({d, 9}) ? n : 0;
}

size_t de_tax_id(std::string_view s) {
  char d[11];
  const size_t n = digit_groups(s, {2, 3, 3, 3}, " ", d);
  if (n == 0 || d[0] == '0')
    return 0;
  // Of the first ten digits, one occurs twice or three times (never three
  // in a row), every other one once at most.
  unsigned count[10] = {};
  for (int i = 0; i < 10; ++i)
    ++count[d[i] - '0'];
  unsigned repeated = 0;
  for (unsigned c : count) {
    if (c > 3)
      return 0;
    repeated += c >= 2;
  }
  if (repeated != 1)
    return 0;
  for (int i = 0; i + 2 < 10; ++i)
    if (d[i] == d[i + 1] && d[i] == d[i + 2])
      return 0;
  // ISO 7064 MOD 11,10.
  unsigned product = 10;
  for (int i = 0; i < 10; ++i) {
    unsigned sum = (unsigned(d[i] - '0') + product) % 10;
    product = (sum == 0 ? 10 : sum) * 2 % 11;
  }
  const unsigned check = (11 - product) % 10;
  return check == unsigned(d[10] - '0') ? n : 0;
}

size_t fr_nir(std::string_view s) {
  // 1 85 05 78 006 084 36: sex, year, month, department (2A and 2B in
  // Corsica), commune, order, key; unbroken, or spaced so, or the key alone
  // apart.
  static constexpr size_t groups[] = {1, 2, 2, 2, 3, 3, 2};
  char d[15];
  size_t i = 0, k = 0;
  bool spaced = false;
  for (size_t g = 0; g < 7; ++g) {
    const size_t sp = g > 0 ? space_at(s, i) : 0;
    if (sp != 0 && (g == 1 || spaced || g == 6)) {
      spaced = spaced || g == 1;
      i += sp;
    } else if (g > 0 && spaced) {
      return 0;
    }
    for (size_t c = 0; c < groups[g]; ++c, ++i, ++k) {
      if (i >= s.size())
        return 0;
      const char ch = to_upper(s[i]);
      if (!is_digit(ch) && !(k == 6 && d[5] == '2' && (ch == 'A' || ch == 'B')))
        return 0;
      d[k] = ch;
    }
  }
  const unsigned month = unsigned(d[3] - '0') * 10 + unsigned(d[4] - '0');
  if (std::string_view("123478").find(d[0]) == std::string_view::npos ||
      month == 0 || (month > 12 && month < 20) || (month > 42 && month < 50))
    return 0;
  uint64_t number = 0;
  for (size_t j = 0; j < 13; ++j) {
    unsigned v = is_digit(d[j]) ? unsigned(d[j] - '0') : 0;
    if (j == 5 && !is_digit(d[6]))
      v = 1; // 2A is counted as 19, 2B as 18
    if (j == 6 && !is_digit(d[6]))
      v = d[6] == 'A' ? 9 : 8;
    number = number * 10 + v;
  }
  const unsigned key = unsigned(d[13] - '0') * 10 + unsigned(d[14] - '0');
  return key == 97 - number % 97 ? i : 0;
}

size_t es_nif(std::string_view s) {
  // DNI: 8 digits (or 12.345.678) and a letter; NIE: X, Y or Z, 7 digits,
  // a letter; a '-' or space may stand before the letter, a '-' after the
  // NIE's first letter.
  char d[8];
  size_t i = 0;
  const char lead = s.empty() ? 0 : to_upper(s[0]);
  if (lead == 'X' || lead == 'Y' || lead == 'Z') {
    d[0] = char('0' + (lead - 'X'));
    i = s.size() > 1 && s[1] == '-' ? 2 : 1;
    const size_t n = digit_groups(s.substr(i), {7}, "", d + 1);
    if (n == 0)
      return 0;
    i += n;
  } else {
    i = digit_groups(s, {2, 3, 3}, ".", d);
    if (i == 0)
      return 0;
  }
  if (i < s.size() && s[i] == '-')
    ++i;
  else
    i += space_at(s, i);
  if (i >= s.size())
    return 0;
  unsigned number = 0;
  for (char c : d)
    number = number * 10 + unsigned(c - '0');
  static constexpr std::string_view letters = "TRWAGMYFPDXBNJZSQVHLCKE";
  return to_upper(s[i]) == letters[number % 23] ? i + 1 : 0;
}

size_t it_fiscal_code(std::string_view s) {
  // Surname and name (6 letters), year (2), month (a letter of ABCDEHLMPRST),
  // day (2), place (a letter, 3), the check letter. A digit may be written
  // as a letter of LMNPQRSTUV where two codes would collide.
  if (s.size() < 16)
    return 0;
  static constexpr std::string_view digit_letters = "LMNPQRSTUV";
  static constexpr std::array<uint8_t, 26> odd = {
      1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
      20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  unsigned sum = 0;
  for (size_t i = 0; i < 15; ++i) {
    const char c = to_upper(s[i]);
    const bool letter_place = i < 6 || i == 8 || i == 11;
    if (letter_place
            ? !is_letter(c)
            : !is_digit(c) && digit_letters.find(c) == std::string_view::npos)
      return 0;
    if (i == 8 &&
        std::string_view("ABCDEHLMPRST").find(c) == std::string_view::npos)
      return 0;
    const unsigned v = is_digit(c) ? unsigned(c - '0') : unsigned(c - 'A');
    sum += i % 2 == 0 ? odd[v] : v; // odd places counted from 1
  }
  return to_upper(s[15]) == char('A' + sum % 26) ? 16 : 0;
}

size_t br_cpf(std::string_view s) {
  // 529.982.247-25, 529982247-25 or 52998224725.
  char d[11];
  size_t n = digit_groups(s, {11}, "", d);
  if (n == 0) {
    n = digit_groups(s, {3, 3, 3}, ".", d);
    if (n == 0 || n >= s.size() || s[n] != '-' ||
        digit_groups(s.substr(n + 1), {2}, "", d + 9) == 0)
      return 0;
    n += 3;
  }
  if (all_same(d, 11))
    return 0;
  for (unsigned check = 9; check <= 10; ++check) {
    unsigned sum = 0;
    for (unsigned i = 0; i < check; ++i)
      sum += unsigned(d[i] - '0') * (check + 1 - i);
    if (sum * 10 % 11 % 10 != unsigned(d[check] - '0'))
      return 0;
  }
  return n;
}

size_t in_aadhaar(std::string_view s) {
  char d[12];
  const size_t n = digit_groups(s, {4, 4, 4}, " -", d);
  if (n == 0 || d[0] < '2')
    return 0;
  // Verhoeff: the dihedral group D5's table and the position permutation.
  static constexpr uint8_t mul[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
      {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
      {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
      {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr uint8_t perm[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
      {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
      {9, 4, 5, 3, 1, 2, 7, 6, 8, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  unsigned c = 0;
  for (size_t i = 0; i < 12; ++i)
    c = mul[c][perm[i % 8][d[11 - i] - '0']];
  return c == 0 ? n : 0;
}

size_t in_pan(std::string_view s) {
  // AAAPL1234C: three letters, the holder's kind (P a person, C a company,
  // H, F, A, T, B, L, J, G), a letter, four digits, a letter; capitals.
  if (s.size() < 10)
    return 0;
  for (size_t i = 0; i < 10; ++i) {
    const bool digit_place = i >= 5 && i <= 8;
    if (digit_place ? !is_digit(s[i]) : !(s[i] >= 'A' && s[i] <= 'Z'))
      return 0;
  }
  return std::string_view("PCHFATBLJG").find(s[3]) != std::string_view::npos
             ? 10
             : 0;
}

} // namespace maskd::core::validate
