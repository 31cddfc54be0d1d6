// Tests for core/validators: each validator gets real positives, constructed
// positives (checksums computed here, independently of the code under test
// where practical) and the near misses that must be rejected.
#include "core/rules.h"
#include "core/scanner.h"
#include "core/stable_sort.h"
#include "core/validators.h"

#include <gtest/gtest.h>
#include <hs/hs.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/core/iban_samples.h"

namespace v = maskd::core::validate;
using maskd::test::compact_iban;
using maskd::test::k_iban_examples;
using maskd::test::k_iban_registry;
using maskd::test::make_iban;
using maskd::test::mod97_of_rearranged;
using maskd::test::print_iban;

namespace {

// ---------------------------------------------------------------- helpers

// xorshift64: the same pseudo-random sequence on every run, for the
// randomised comparisons below.
struct xorshift {
  uint64_t x;
  uint64_t next() { return x ^= x << 13, x ^= x >> 7, x ^= x << 17; }
  uint32_t below(uint32_t n) { return uint32_t(next() % n); }
};

// Appends the Luhn check digit that makes `prefix` + filler valid at `length`.
std::string luhn_complete(std::string prefix, size_t length) {
  prefix.resize(length - 1, '0');
  int sum = 0;
  // Walking from the right, the check digit is position 0, so the last
  // payload digit is doubled.
  bool double_it = true;
  for (size_t i = prefix.size(); i-- > 0;) {
    int d = prefix[i] - '0';
    if (double_it) {
      d *= 2;
      if (d > 9)
        d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  prefix.push_back(char('0' + (10 - sum % 10) % 10));
  return prefix;
}

// Replaces the last digit with the next one: a single-digit typo, which Luhn
// always catches.
std::string break_last_digit(std::string number) {
  char &c = number.back();
  c = c == '9' ? '0' : char(c + 1);
  return number;
}

std::string group(std::string_view digits, std::vector<size_t> sizes,
                  char sep) {
  std::string out;
  size_t pos = 0;
  for (size_t s : sizes) {
    if (!out.empty())
      out.push_back(sep);
    out.append(digits.substr(pos, s));
    pos += s;
  }
  EXPECT_EQ(pos, digits.size()) << "group sizes must cover the number";
  return out;
}

// Deterministic BBAN filler of the given length (digits only, which every
// country's BBAN accepts at the checksum level).
std::string bban_of(size_t length) {
  std::string out;
  for (size_t i = 0; i < length; ++i)
    out.push_back(char('0' + (i * 7 + 3) % 10));
  return out;
}

std::string base62_6(uint32_t value) {
  static constexpr char ALPHABET[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out(6, '0');
  for (size_t i = 6; i-- > 0;) {
    out[i] = ALPHABET[value % 62];
    value /= 62;
  }
  return out;
}

std::string make_github_token(std::string_view prefix,
                              std::string_view random30) {
  return std::string(prefix) + std::string(random30) +
         base62_6(v::crc32(random30));
}

std::string base64url(std::string_view bytes) {
  static constexpr char ALPHABET[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(ALPHABET[(acc >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(ALPHABET[(acc << (6 - bits)) & 63]);
  return out;
}

std::string make_jwt(
    std::string_view header_json,
    std::string_view payload_json = R"({"sub":"1234567890","iat":1516239022})",
    std::string_view signature = "sig-bytes-0123456789") {
  return base64url(header_json) + "." + base64url(payload_json) + "." +
         base64url(signature);
}

// ---------------------------------------------------------------- CRC32

TEST(Crc32, KnownVectors) {
  EXPECT_EQ(v::crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(v::crc32(""), 0x00000000u);
  EXPECT_EQ(v::crc32("a"), 0xE8B7BE43u);
  EXPECT_EQ(v::crc32("The quick brown fox jumps over the lazy dog"),
            0x414FA339u);
}

TEST(Crc32, HandlesHighBytesAndEmbeddedNul) {
  // Bytes >= 0x80 must index the table unsigned; NUL must not terminate.
  EXPECT_EQ(v::crc32(std::string_view("\xff", 1)), 0xFF000000u);
  EXPECT_EQ(v::crc32(std::string_view("\0", 1)), 0xD202EF8Du);
}

// ---------------------------------------------------------------- cards

TEST(Card, PublishedTestNumbersForEveryBrand) {
  const char *numbers[] = {
      "4111111111111111", "4242424242424242", "4012888888881881", // Visa 16
      "4222222222222",                                            // Visa 13
      "5555555555554444", "5105105105105100",                     // MC 5x
      "2223003122003222",                                         // MC 2x
      "378282246310005",  "371449635398431",                      // Amex
      "6011111111111117", "6011000990139424", "6445644564456445", // Discover
      "3530111333300000", "3566002020360505",                     // JCB
      "30569309025904",   "38520000023237",   "36227206271667",   // Diners
  };
  for (const char *n : numbers) {
    EXPECT_TRUE(v::card(n)) << n;
    EXPECT_FALSE(v::card(break_last_digit(n))) << n;
  }
}

// Every issuer range boundary, at every allowed length, is accepted; the
// values just outside each range are rejected even with a correct Luhn digit.
TEST(Card, IssuerRangesAndLengths) {
  struct range {
    const char *prefix;
    size_t min_len, max_len;
  };
  const range accepted[] = {
      {"2221", 16, 16},
      {"2720", 16, 16},
      {"51", 16, 16},
      {"55", 16, 16},
      {"34", 15, 15},
      {"37", 15, 15},
      {"6011", 16, 19},
      {"644", 16, 19},
      {"649", 16, 19},
      {"65", 16, 19},
      {"622126", 16, 19},
      {"622925", 16, 19},
      {"3528", 16, 19},
      {"3589", 16, 19},
      {"300", 14, 19},
      {"305", 14, 19},
      {"36", 14, 19},
      {"38", 14, 19},
      {"39", 14, 19},
      // UnionPay (62, its co-branded Discover range inside), Mir, Maestro's
      // own ranges.
      {"62", 16, 19},
      {"622125", 16, 19},
      {"622926", 16, 19},
      {"2200", 16, 16},
      {"2204", 16, 16},
      {"5018", 13, 19},
      {"5020", 13, 19},
      {"5038", 13, 19},
      {"5893", 13, 19},
      {"6304", 13, 19},
      {"6759", 13, 19},
      {"6763", 13, 19},
  };
  for (const auto &r : accepted) {
    for (size_t len = 12; len <= 19; ++len) {
      const std::string n = luhn_complete(r.prefix, len);
      const bool in_range = len >= r.min_len && len <= r.max_len;
      EXPECT_EQ(v::card(n), in_range) << n;
    }
  }
  for (size_t len = 12; len <= 19; ++len) {
    const std::string visa = luhn_complete("4", len);
    EXPECT_EQ(v::card(visa), len == 13 || len == 16 || len == 19) << visa;
  }
  const char *outside[] = {
      "2220", "2721", "50",   "56",   "33",   "35", "6010", "643",  "66",
      "3527", "3590", "306",  "2199", "2205", "61", "63",   "6305", "6758",
      "6764", "5019", "5039", "1",    "7",    "8",  "9",    "0"};
  for (const char *p : outside)
    for (size_t len = 12; len <= 19; ++len)
      EXPECT_FALSE(v::card(luhn_complete(p, len))) << p << " len " << len;
}

TEST(Card, LengthBounds) {
  // 20 digits with a matching prefix and Luhn digit: too long for any card.
  EXPECT_FALSE(v::card(luhn_complete("6011", 20)));
  EXPECT_FALSE(v::card(luhn_complete("4", 11)));
  EXPECT_FALSE(v::card(""));
  EXPECT_FALSE(v::card("4"));
}

TEST(Card, SeparatorForms) {
  const std::string visa = "4111111111111111";
  const std::string amex = "378282246310005";
  const std::string diners = "30569309025904";
  const std::string visa19 = luhn_complete("4", 19);
  for (char sep : {' ', '-'}) {
    EXPECT_TRUE(v::card(group(visa, {4, 4, 4, 4}, sep))) << sep;
    EXPECT_TRUE(v::card(group(amex, {4, 6, 5}, sep))) << sep;
    EXPECT_TRUE(v::card(group(diners, {4, 6, 4}, sep))) << sep;
    EXPECT_TRUE(v::card(group(visa19, {4, 4, 4, 4, 3}, sep))) << sep;
  }
}

TEST(Card, InconsistentOrMalformedSeparatorsRejected) {
  EXPECT_FALSE(v::card("4111 1111-1111 1111"));
  EXPECT_FALSE(v::card("4111-1111-1111 1111"));
  EXPECT_FALSE(v::card("4111  1111 1111 1111"));
  EXPECT_FALSE(v::card("4111--1111-1111-1111"));
  EXPECT_FALSE(v::card(" 4111 1111 1111 1111"));
  EXPECT_FALSE(v::card("4111 1111 1111 1111 "));
  EXPECT_FALSE(v::card("-4111-1111-1111-1111"));
  EXPECT_FALSE(v::card("4111.1111.1111.1111"));
  EXPECT_FALSE(v::card("4111/1111/1111/1111"));
  EXPECT_FALSE(v::card("4111\t1111\t1111\t1111"));
  EXPECT_FALSE(v::card("4111_1111_1111_1111"));
  EXPECT_FALSE(v::card("4111111111111111a"));
}

TEST(Card, LuhnFailuresRejected) {
  EXPECT_FALSE(v::card("4111111111111112"));
  EXPECT_FALSE(v::card("4111 1111 1111 1112"));
  EXPECT_FALSE(v::card("5555555555554445"));
  EXPECT_FALSE(v::card("378282246310006"));
  // Transposition of two adjacent distinct digits ("40" -> "04").
  EXPECT_FALSE(v::card("4102888888881881"));
}

TEST(Card, FillerNumbersRejected) {
  for (char d = '0'; d <= '9'; ++d)
    for (size_t len : {13u, 15u, 16u, 19u})
      EXPECT_FALSE(v::card(std::string(len, d))) << d << " x" << len;
  EXPECT_FALSE(v::card("4444 4444 4444 4444"));
}

// ---------------------------------------------------------------- IBAN

TEST(Iban, PublishedRegistryExamples) {
  for (const char *p : k_iban_examples) {
    EXPECT_TRUE(v::iban(p)) << p;
    EXPECT_TRUE(v::iban(compact_iban(p))) << compact_iban(p);
  }
}

TEST(Iban, EveryRegisteredCountryAtItsLengthOnly) {
  EXPECT_EQ(std::size(k_iban_registry), 89u);
  for (const auto &[country, length] : k_iban_registry) {
    const std::string ok = make_iban(country, bban_of(length - 4));
    EXPECT_TRUE(v::iban(ok)) << ok;
    EXPECT_TRUE(v::iban(print_iban(ok))) << print_iban(ok);
    // Checksum-correct but one char too short / too long.
    const std::string shorter = make_iban(country, bban_of(length - 5));
    const std::string longer = make_iban(country, bban_of(length - 3));
    EXPECT_FALSE(v::iban(shorter)) << shorter;
    EXPECT_FALSE(v::iban(longer)) << longer;
  }
}

TEST(Iban, UnregisteredCountriesRejectedAtEveryLength) {
  // US/XX never issue IBANs; GP, JE and AX are registry "territories" that
  // use FR, GB and FI codes.
  for (const char *country : {"US", "XX", "GP", "JE", "AX", "ZZ", "AA", "CA"})
    for (size_t length = 15; length <= 34; ++length) {
      const std::string candidate = make_iban(country, bban_of(length - 4));
      EXPECT_FALSE(v::iban(candidate)) << candidate;
    }
}

TEST(Iban, ConstructedWithLettersInBban) {
  // Alphanumeric BBANs (bank codes as letters) exercise the two-digit
  // letter expansion in the checksum.
  const std::pair<const char *, const char *> cases[] = {
      {"GB", "NWBK60161331926819"},
      {"NL", "RABO0300065264"},
      {"IT", "X0542811101000000123456"},
      {"FR", "20041010050500013M02606"},
      {"MT", "MALT011000012345MTLCAST001S"},
      {"KW", "CBKU0000000000001234560101"},
      {"QA", "DOHB00001234567890ABCDEFG"},
      {"JO", "CBJO0010000000000131000302"},
      {"BG", "BNBG96611020345678"},
      {"RO", "AAAA1B31007593840000"},
      {"HU", "117730161111101800000000"},
      {"CY", "002001280000001200527600"},
      {"GR", "01101250000000012300695"},
      {"TR", "0006100519786457841326"},
      {"UA", "3223130000026007233566001"},
      {"VG", "VPVG0000012345678901"},
  };
  for (const auto &[country, bban] : cases) {
    const std::string ok = make_iban(country, bban);
    EXPECT_TRUE(v::iban(ok)) << ok;
    EXPECT_TRUE(v::iban(print_iban(ok))) << print_iban(ok);
  }
}

TEST(Iban, WrongChecksumRejected) {
  EXPECT_FALSE(v::iban("GB83WEST12345698765432"));
  EXPECT_FALSE(v::iban("GB82WEST12345698765433"));
  EXPECT_FALSE(v::iban("GB82 WEST 1234 5698 7654 33"));
  EXPECT_FALSE(v::iban("DE89370400440532013001"));
  // Transposed BBAN digits.
  EXPECT_FALSE(v::iban("DE89370400440532010300"));
  EXPECT_FALSE(v::iban("GB82WETS12345698765432"));
}

TEST(Iban, CheckDigitsOutsideTwoToNinetyEightRejected) {
  // 00 is congruent to 97 and 01/99 to 98/02, so they would satisfy mod 97;
  // only the range check rejects them. Find BBANs whose true check digits
  // are 97, 98 and 02.
  bool seen_00 = false, seen_01 = false, seen_99 = false;
  for (unsigned i = 0; i < 100000 && !(seen_00 && seen_01 && seen_99); ++i) {
    const std::string bban = "WEST" + std::to_string(10000000000000u + i);
    const std::string real = make_iban("GB", bban);
    const std::string check = real.substr(2, 2);
    std::string alias = real;
    if (check == "97" && !seen_00) {
      alias.replace(2, 2, "00");
      seen_00 = true;
    } else if (check == "98" && !seen_01) {
      alias.replace(2, 2, "01");
      seen_01 = true;
    } else if (check == "02" && !seen_99) {
      alias.replace(2, 2, "99");
      seen_99 = true;
    } else {
      continue;
    }
    EXPECT_TRUE(v::iban(real)) << real;
    EXPECT_EQ(mod97_of_rearranged(alias), 1u) << alias;
    EXPECT_FALSE(v::iban(alias)) << alias;
  }
  EXPECT_TRUE(seen_00 && seen_01 && seen_99);
}

TEST(Iban, CaseAndShapeRejected) {
  EXPECT_FALSE(v::iban("gb82west12345698765432"));
  EXPECT_FALSE(v::iban("gb82 west 1234 5698 7654 32"));
  EXPECT_FALSE(v::iban("GB82west12345698765432"));
  EXPECT_FALSE(v::iban("Gb82WEST12345698765432"));
  // Non-digit check digits.
  EXPECT_FALSE(v::iban("GBA2WEST12345698765432"));
  // Grouping other than 4s with single spaces.
  EXPECT_FALSE(v::iban("GB82  WEST 1234 5698 7654 32"));
  EXPECT_FALSE(v::iban("GB82 WEST 1234 5698 7654 3 2"));
  EXPECT_FALSE(v::iban("GB82 WEST1234 5698 7654 32"));
  EXPECT_FALSE(v::iban("GB82WEST 1234 5698 7654 32"));
  EXPECT_FALSE(v::iban("GB 82WE ST12 3456 9876 5432"));
  EXPECT_FALSE(v::iban("GB82 WEST 1234 5698 7654 32 "));
  EXPECT_FALSE(v::iban(" GB82 WEST 1234 5698 7654 32"));
  EXPECT_FALSE(v::iban("GB82-WEST-1234-5698-7654-32"));
  EXPECT_FALSE(v::iban("GB82\tWEST\t1234\t5698\t7654\t32"));
  // Last group may be 1-4 chars but not empty; a full last group is fine.
  EXPECT_TRUE(v::iban("NL91 ABNA 0417 1643 00"));
  EXPECT_TRUE(v::iban("BE68 5390 0754 7034"));
  EXPECT_FALSE(v::iban("BE68 5390 0754 7034 "));
}

TEST(Iban, DegenerateInputs) {
  EXPECT_FALSE(v::iban(""));
  EXPECT_FALSE(v::iban("GB"));
  EXPECT_FALSE(v::iban("GB82"));
  EXPECT_FALSE(v::iban("GB82W"));
  EXPECT_FALSE(v::iban(std::string(60, 'A')));
  EXPECT_FALSE(v::iban(make_iban("GB", bban_of(40))));
}

// ---------------------------------------------------------------- SSN

TEST(Ssn, ValidForms) {
  EXPECT_TRUE(v::ssn("123-45-6789"));
  EXPECT_TRUE(v::ssn("123 45 6789"));
  EXPECT_TRUE(v::ssn("123456789"));
  EXPECT_TRUE(v::ssn("001-01-0001"));
  EXPECT_TRUE(v::ssn("665-99-9999"));
  EXPECT_TRUE(v::ssn("667-01-0001"));
  EXPECT_TRUE(v::ssn("899-99-9999"));
  // Neighbours of the voided numbers are ordinary.
  EXPECT_TRUE(v::ssn("078-05-1121"));
  EXPECT_TRUE(v::ssn("219-09-9998"));
}

TEST(Ssn, ForbiddenAreaGroupSerial) {
  for (const char *s :
       {"000-12-3456", "666-12-3456", "900-12-3456", "950-12-3456",
        "999-12-3456", "123-00-4567", "123-45-0000", "000000000", "666123456",
        "900123456", "123004567", "123450000", "000 12 3456"})
    EXPECT_FALSE(v::ssn(s)) << s;
}

TEST(Ssn, VoidedAdvertisedNumbers) {
  for (const char *s : {"078-05-1120", "078 05 1120", "078051120",
                        "219-09-9999", "219 09 9999", "219099999"})
    EXPECT_FALSE(v::ssn(s)) << s;
}

TEST(Ssn, ShapeAndSeparators) {
  for (const char *s : {"123-45 6789",
                        "123 45-6789",
                        "123-456789",
                        "12345-6789",
                        "123_45_6789",
                        "123.45.6789",
                        "12-345-6789",
                        "1234-5-6789",
                        "123-45-678",
                        "123-45-67890",
                        "12345678",
                        "1234567890",
                        "",
                        "abc-de-fghi",
                        "12a-45-6789",
                        "123-4b-6789",
                        "123-45-678x",
                        " 123-45-6789",
                        "123--45-6789",
                        "+23-45-6789",
                        "123-45-+789"})
    EXPECT_FALSE(v::ssn(s)) << '"' << s << '"';
}

// ---------------------------------------------------------------- IPv4

TEST(Ipv4, Valid) {
  for (const char *s : {"192.168.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.1",
                        "8.8.8.8", "1.2.3.4", "100.64.0.10"})
    EXPECT_TRUE(v::ipv4(s)) << s;
}

TEST(Ipv4, Invalid) {
  for (const char *s :
       {"256.1.1.1", "1.256.1.1",  "1.1.1.256", "999.1.1.1",  "01.2.3.4",
        "1.02.3.4",  "1.2.3.00",   "00.0.0.0",  "1.2.3",      "1.2",
        "1",         "1.2.3.4.5",  "1..2.3",    "1.2.3.",     ".1.2.3",
        "1.2.3.4.",  " 1.2.3.4",   "1.2.3.4 ",  "a.b.c.d",    "1.2.3.-4",
        "1.2.3.+4",  "1234.1.1.1", "0x1.2.3.4", "1.2.3.4/24", "1.2.3.4:80",
        "",          "...",        "1.2.3.04"})
    EXPECT_FALSE(v::ipv4(s)) << '"' << s << '"';
}

// ---------------------------------------------------------------- IPv6

TEST(Ipv6, Valid) {
  for (const char *s :
       {"::1", "2001:db8::1", "fe80::1ff:fe23:4567:890a",
        "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.128",
        "64:ff9b::192.0.2.33", "1::", "1:2:3:4:5:6:7:8", "FE80::ABCD",
        // 45 characters: the longest textual form, fills the stack buffer.
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"})
    EXPECT_TRUE(v::ipv6(s)) << s;
}

TEST(Ipv6, Invalid) {
  for (const char *s :
       {"::", ":::", "1:2", "12:34:56", "1:2:3:4:5:6:7:8:9", "2001:db8::1::1",
        "gggg::1", "fe80::1%eth0", "std::vector", "2001:db8:::1", "1.2.3.4", "",
        "12345::1", "::ffff:256.0.0.1", "2001:db8::1 ", " ::1",
        // 46 characters: longer than any address; must not overflow.
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555"})
    EXPECT_FALSE(v::ipv6(s)) << '"' << s << '"';
}

TEST(Ipv6, EmbeddedNulDoesNotTruncate) {
  // A NUL inside the view would make a naive C-string copy accept "::1".
  EXPECT_FALSE(v::ipv6(std::string_view("::1\0garbage", 11)));
  EXPECT_FALSE(v::ipv4(std::string_view("1.2.3.4\0", 8)));
}

// ---------------------------------------------------------------- GitHub

// Real classic PATs, expired and revoked, published as verification
// fixtures in therootcompany/base62-token.js (test.js). Split literals so
// secret scanners do not flag this file.
const char *const REAL_GITHUB_TOKENS[] = {
    "ghp_"
    "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq17",
    "ghp_"
    "adE7dp8rHP6gUTuPwxLTZjZdtya3sV0UQzQM",
    "ghp_"
    "H3xbiBdlzffNx7Y56iNsPw3joObj7U2nO29h",
    "ghp_"
    "rfiEmMei16VFX94119HuTNTXmRlMmA425qZS",
    "ghp_"
    "MXum81IYH7kioWQyIvN4zPMfECIWYd1ldyCH",
};

TEST(GithubToken, RealTokensVerify) {
  for (const char *t : REAL_GITHUB_TOKENS)
    EXPECT_TRUE(v::github_token(t)) << t;
}

TEST(GithubToken, ChecksumCoversRandomPartNotPrefix) {
  // Same body under another prefix still verifies (prefix not in the CRC)...
  std::string other_prefix = REAL_GITHUB_TOKENS[0];
  other_prefix[2] = 'o';
  EXPECT_TRUE(v::github_token(other_prefix));
  // ...and a checksum computed over prefix+random does not.
  const std::string random30 = "zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ";
  const std::string over_prefix =
      "ghp_" + random30 + base62_6(v::crc32("ghp_" + random30));
  EXPECT_FALSE(v::github_token(over_prefix));
}

TEST(GithubToken, ConstructedTokensForEveryPrefix) {
  const std::string random30 = "aB3dE5fG7hI9jK1lM2nO4pQ6rS8tU0";
  ASSERT_EQ(random30.size(), 30u);
  for (const char *prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    const std::string token = make_github_token(prefix, random30);
    EXPECT_TRUE(v::github_token(token)) << token;
  }
  for (const char *prefix : {"gha_", "ghx_", "ghP_", "GHP_", "gh_p", "glp_"}) {
    const std::string token = make_github_token(prefix, random30);
    EXPECT_FALSE(v::github_token(token)) << token;
  }
}

TEST(GithubToken, SmallChecksumIsZeroPadded) {
  // Search a body whose CRC is below 62^5 so the encoding starts with '0';
  // roughly 1 in 62 bodies qualifies.
  std::string random30 = "000000000000000000000000000000";
  bool found = false;
  for (int i = 0; i < 100000 && !found; ++i) {
    const std::string n = std::to_string(i);
    random30.replace(30 - n.size(), n.size(), n);
    found = v::crc32(random30) < 916132832u; // 62^5
  }
  ASSERT_TRUE(found);
  const std::string token = make_github_token("ghp_", random30);
  EXPECT_EQ(token[34], '0') << token;
  EXPECT_TRUE(v::github_token(token)) << token;
  // Dropping the pad is a different (wrong-length) token.
  std::string unpadded = token;
  unpadded.erase(34, 1);
  EXPECT_FALSE(v::github_token(unpadded));
}

TEST(GithubToken, AnyFlippedCharacterFails) {
  const std::string good = REAL_GITHUB_TOKENS[1];
  for (size_t i = 4; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(v::github_token(bad)) << bad;
  }
  // Case flip in the checksum: base62 is case sensitive.
  std::string case_flip = good; // ...0UQzQM
  case_flip[39] = 'm';
  EXPECT_FALSE(v::github_token(case_flip));
}

TEST(GithubToken, ShapeRejected) {
  const std::string good = REAL_GITHUB_TOKENS[0];
  EXPECT_FALSE(v::github_token(good.substr(0, 39)));
  EXPECT_FALSE(v::github_token(good + "a"));
  EXPECT_FALSE(v::github_token(""));
  EXPECT_FALSE(v::github_token("ghp_"));
  std::string dash = good;
  dash[10] = '-';
  EXPECT_FALSE(v::github_token(dash));
  std::string no_underscore = good;
  no_underscore[3] = '-';
  EXPECT_FALSE(v::github_token(no_underscore));
  EXPECT_FALSE(v::github_token("github_pat_11AAAAAAA0aaaaaaaaaaaaaa"));
}

// ---------------------------------------------------------------- JWT

TEST(Jwt, WellKnownExample) {
  // jwt.io's default token.
  EXPECT_TRUE(v::jwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                     "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
                     "IjoxNTE2MjM5MDIyfQ."
                     "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"));
}

TEST(Jwt, ConstructedHeaders) {
  EXPECT_TRUE(v::jwt(make_jwt(R"({"alg":"RS256","typ":"JWT"})")));
  EXPECT_TRUE(v::jwt(make_jwt(R"({"typ":"JWT","alg":"ES256"})")));
  EXPECT_TRUE(v::jwt(make_jwt("{\n  \"alg\": \"HS512\"\n}")));
  // Base64url alphabet chars '-' and '_' in the signature.
  EXPECT_TRUE(v::jwt(make_jwt(R"({"alg":"HS256"})", R"({"sub":"x","n":1})",
                              "\xfb\xff\xfe\xfb\xef\xbe")));
}

TEST(Jwt, HeaderMustBeObjectWithAlg) {
  EXPECT_FALSE(v::jwt(make_jwt(R"({"typ":"JWT","kid":"k1"})")));
  EXPECT_FALSE(v::jwt(make_jwt(R"(["alg","HS256"])")));
  EXPECT_FALSE(v::jwt(make_jwt(R"( {"alg":"HS256"})")));
  EXPECT_FALSE(v::jwt(make_jwt(R"({"algorithm":"HS256"})")));
  EXPECT_FALSE(v::jwt(make_jwt("not json at all, alg")));
}

TEST(Jwt, SegmentStructure) {
  const std::string h = base64url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string p = base64url(R"({"sub":"1234567890"})");
  const std::string s = base64url("signature-bytes");
  EXPECT_TRUE(v::jwt(h + "." + p + "." + s));
  EXPECT_FALSE(v::jwt(h + "." + p));                     // two segments
  EXPECT_FALSE(v::jwt(h + "." + p + "."));               // empty signature
  EXPECT_FALSE(v::jwt(h + ".." + s));                    // empty payload
  EXPECT_FALSE(v::jwt("." + p + "." + s));               // empty header
  EXPECT_FALSE(v::jwt(h + "." + p + "." + s + "." + s)); // four segments
  // Five segments under a header without "enc": no JWE either.
  EXPECT_FALSE(v::jwt(h + "." + p + "." + s + "." + s + "." + s));
  EXPECT_FALSE(v::jwt(h));
  EXPECT_FALSE(v::jwt(""));
  EXPECT_FALSE(v::jwt(".."));
}

// An encrypted token (JWE, compact: header.key.iv.ciphertext.tag) is a JWT
// too, and as much a credential: its header names "alg" and "enc"; the key
// is empty for direct encryption. It leaked whole.
TEST(Jwt, EncryptedTokens) {
  const std::string h = base64url(R"({"alg":"RSA-OAEP","enc":"A256GCM"})");
  const std::string dir = base64url(R"({"alg":"dir","enc":"A256GCM"})");
  const std::string key = base64url("encrypted-content-key-bytes");
  const std::string iv = base64url("twelve-bytes"),
                    tag = base64url("tag-16-bytes!!!!");
  const std::string ct = base64url("ciphertext of the claims, encrypted");
  EXPECT_TRUE(v::jwt(h + "." + key + "." + iv + "." + ct + "." + tag));
  EXPECT_TRUE(v::jwt(dir + ".." + iv + "." + ct + "." + tag));
  EXPECT_FALSE(v::jwt(h + "." + key + "." + iv + ".." + tag)); // no ciphertext
  EXPECT_FALSE(v::jwt(h + "." + key + "." + iv + "." + ct + ".")); // no tag
  EXPECT_FALSE(v::jwt(h + "." + key + "." + iv + "." + ct + "." + tag + "." +
                      tag)); // six segments
  EXPECT_FALSE(v::jwt(base64url(R"({"enc":"A256GCM"})") + "." + key + "." + iv +
                      "." + ct + "." + tag)); // no alg
}

TEST(Jwt, AlphabetAndPadding) {
  const std::string h = base64url(R"({"alg":"HS256","typ":"JWT"})");
  const std::string p = base64url(R"({"sub":"1234567890"})");
  EXPECT_FALSE(v::jwt(h + "." + p + ".abc+def/ghi")); // standard base64
  EXPECT_FALSE(v::jwt(h + "." + p + ".abcdefghi==")); // padding
  EXPECT_FALSE(v::jwt(h + "." + p + " .abcdefghij")); // whitespace
  EXPECT_FALSE(v::jwt(h + "." + p + ".abcde"));       // 1 mod 4: not base64
  EXPECT_FALSE(v::jwt(h + "A." + p + ".abcdefgh"));   // header 1 mod 4
}

TEST(Jwt, MinimumSegmentLengths) {
  // 7 bytes encode to 10 chars (the minimum), 6 bytes to 8.
  const std::string h = base64url(R"({"alg"})");
  const std::string p10 = base64url(R"({"a":1})");
  const std::string p8 = base64url(R"({"a":})");
  ASSERT_EQ(h.size(), 10u);
  ASSERT_EQ(p10.size(), 10u);
  ASSERT_EQ(p8.size(), 8u);
  EXPECT_TRUE(v::jwt(h + "." + p10 + ".c2ln"));
  EXPECT_FALSE(v::jwt(h + "." + p8 + ".c2ln"));
  EXPECT_FALSE(v::jwt(base64url(R"({"alg")") + "." + p10 + ".c2ln"));
}

TEST(Jwt, OnlyFirst512HeaderBytesAreInspected) {
  const std::string pad(600, ' ');
  // "alg" near the start of a long header: found.
  EXPECT_TRUE(v::jwt(make_jwt("{\"alg\":\"HS256\",\"x\":\"" + pad + "\"}")));
  // "alg" only beyond the first 512 decoded bytes: bounded decode misses it.
  EXPECT_FALSE(v::jwt(make_jwt("{\"x\":\"" + pad + "\",\"alg\":\"HS256\"}")));
  // Just inside the bound: "alg" ends at decoded byte 512.
  const std::string inside = "{" + std::string(506, ' ') + "\"alg\":1}";
  ASSERT_EQ(inside.find("\"alg\"") + 5, 512u);
  EXPECT_TRUE(v::jwt(make_jwt(inside)));
  const std::string outside = "{" + std::string(507, ' ') + "\"alg\":1}";
  EXPECT_FALSE(v::jwt(make_jwt(outside)));
}

// ---------------------------------------------------------------- overlaps

// resolve_overlaps settles each group of overlapping candidates alone; the
// answer must be the one of settling all of them at once, as it did: merge
// overlapping specific secrets, then in priority order (class, longer,
// leftmost, rule) keep each candidate none of whose bytes a kept one holds.
TEST(Overlaps, GroupsGiveTheAnswerOfOneGlobalPass) {
  namespace s = maskd::core::scan;
  auto table = maskd::core::rules::table();
  auto klass = [&](const s::candidate &c) { return table[c.rule].info.klass; };
  auto reference = [&](std::vector<s::candidate> cands) {
    std::vector<s::candidate> specific, out;
    for (const auto &c : cands)
      (klass(c) == maskd::core::precision::specific_secret ? specific : out)
          .push_back(c);
    std::sort(specific.begin(), specific.end(), [](auto &a, auto &b) {
      return a.from != b.from ? a.from < b.from : a.rule < b.rule;
    });
    for (size_t i = 0; i < specific.size();) {
      s::candidate best = specific[i];
      uint32_t from = best.from, to = best.to;
      size_t j = i + 1;
      for (; j < specific.size() && specific[j].from < to; ++j) {
        const auto &x = specific[j];
        uint32_t lb = best.to - best.from, lx = x.to - x.from;
        if (lx > lb || (lx == lb && x.rule < best.rule && x.from == best.from))
          best = x;
        to = std::max(to, x.to);
      }
      best.from = from, best.to = to;
      out.push_back(best);
      i = j;
    }
    std::sort(out.begin(), out.end(), [&](auto &a, auto &b) {
      if (klass(a) != klass(b))
        return klass(a) < klass(b);
      if (a.to - a.from != b.to - b.from)
        return a.to - a.from > b.to - b.from;
      return a.from != b.from ? a.from < b.from : a.rule < b.rule;
    });
    std::vector<uint8_t> taken(4096, 0);
    std::vector<s::candidate> kept;
    for (const auto &c : out) {
      if (std::any_of(taken.begin() + c.from, taken.begin() + c.to,
                      [](uint8_t t) { return t != 0; }))
        continue;
      std::fill(taken.begin() + c.from, taken.begin() + c.to, 1);
      kept.push_back(c);
    }
    std::sort(kept.begin(), kept.end(),
              [](auto &a, auto &b) { return a.from < b.from; });
    return kept;
  };
  const uint16_t rules = uint16_t(table.size());
  xorshift rng{0x9E3779B97F4A7C15ull};
  std::vector<s::candidate> cands, scratch;
  std::vector<uint8_t> claimed;
  size_t overlapping = 0;
  for (int round = 0; round < 5000; ++round) {
    cands.clear();
    size_t n = 1 + rng.next() % 40, span = 40 + rng.next() % 400;
    for (size_t i = 0; i < n; ++i) {
      uint32_t from = uint32_t(rng.next() % span),
               len = uint32_t(1 + rng.next() % 30);
      cands.push_back({from, from + len, uint16_t(rng.next() % rules)});
    }
    for (size_t i = 1; i < n; ++i)
      for (size_t j = 0; j < i; ++j)
        overlapping +=
            cands[i].from < cands[j].to && cands[j].from < cands[i].to;
    auto want = reference(cands);
    s::resolve_overlaps(cands, scratch, claimed);
    ASSERT_EQ(cands.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(cands[i].from, want[i].from) << "round " << round;
      ASSERT_EQ(cands[i].to, want[i].to) << "round " << round;
      ASSERT_EQ(cands[i].rule, want[i].rule) << "round " << round;
    }
  }
  EXPECT_GT(overlapping, 1000u);
}

// ---------------------------------------------------------------- stable sort

// stable_sort_with (the masking pass's allocation-free stable sort) orders
// as std::stable_sort does, ties included, at every size around its runs of
// 16 and merge widths, and leaves sorted input alone.
// Repeated trigger starts: the first candidate of each (rule, start) stays,
// in order, whether each rule's starts rise along the list (the one-pass
// path) or not (the sorted path), against a reference that looks back over
// the list.
TEST(RepeatedStarts, FirstOfEachRuleAndStartStaysInOrder) {
  using maskd::core::scan::candidate;
  xorshift rng{0x9E3779B97F4A7C15ull};
  maskd::core::scan::repeat_space space;
  size_t rising_lists = 0, falling_lists = 0;
  for (int round = 0; round < 4000; ++round) {
    const uint32_t rules = 1 + rng.below(6), starts = 1 + rng.below(20);
    const size_t n = rng.below(40);
    const bool rising = round % 2 == 0;
    std::vector<candidate> cs;
    std::vector<uint32_t> last(rules, 0);
    for (size_t i = 0; i < n; ++i) {
      uint16_t rule = uint16_t(rng.below(rules));
      // Rising lists: each rule's starts never decrease (repeats stay).
      uint32_t from = rising ? last[rule] + rng.below(3) : rng.below(starts);
      last[rule] = from;
      cs.push_back({from, from + 1 + rng.below(5), rule});
    }
    bool falls = false;
    std::vector<uint32_t> seen(rules, UINT32_MAX);
    for (const candidate &c : cs) {
      falls = falls || (seen[c.rule] != UINT32_MAX && c.from < seen[c.rule]);
      seen[c.rule] = c.from;
    }
    (falls ? falling_lists : rising_lists)++;
    std::vector<candidate> want;
    for (size_t i = 0; i < cs.size(); ++i) {
      bool repeat = false;
      for (size_t k = 0; k < i && !repeat; ++k)
        repeat = cs[k].rule == cs[i].rule && cs[k].from == cs[i].from;
      if (!repeat)
        want.push_back(cs[i]);
    }
    maskd::core::scan::drop_repeated_starts(cs, rules, space);
    ASSERT_EQ(cs.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < cs.size(); ++i) {
      ASSERT_EQ(cs[i].from, want[i].from) << "round " << round << " at " << i;
      ASSERT_EQ(cs[i].to, want[i].to) << "round " << round << " at " << i;
      ASSERT_EQ(cs[i].rule, want[i].rule) << "round " << round << " at " << i;
    }
  }
  // Both paths ran, many times.
  EXPECT_GT(rising_lists, 1000u);
  EXPECT_GT(falling_lists, 1000u);
}

// The reach check sums the masked bytes between a word and a window either
// range by range or from running sums: the same answer either way.
TEST(ContextReach, RunningSumsAgreeWithTheRangeByRangeSum) {
  using maskd::core::scan::candidate;
  xorshift rng{0xD1B54A32D192ED03ull};
  size_t reached = 0, not_reached = 0;
  for (int round = 0; round < 3000; ++round) {
    // Text of letters, spaces, a few sentence ends; masked ranges of 'X'.
    std::string text(64 + rng.below(600), 'a');
    for (char &ch : text)
      ch = " abc.]"[rng.below(6)];
    std::vector<candidate> masked;
    std::vector<uint64_t> prefix{0};
    for (uint32_t pos = rng.below(20); pos + 2 < text.size();
         pos += 1 + rng.below(30)) {
      uint32_t to =
          std::min<uint32_t>(uint32_t(text.size()), pos + 1 + rng.below(25));
      for (uint32_t k = pos; k < to; ++k)
        text[k] = 'X';
      masked.push_back({pos, to, 0});
      prefix.push_back(prefix.back() + (to - pos));
      pos = to;
    }
    std::vector<uint32_t> ends;
    for (uint32_t k = rng.below(40); k < text.size(); k += 1 + rng.below(120))
      ends.push_back(k);
    text.append(64, ' '); // the 16-byte steps may read ahead
    std::string_view t(text.data(), text.size() - 64);
    for (int q = 0; q < 8; ++q) {
      uint32_t from = rng.below(uint32_t(t.size()));
      bool a = maskd::core::scan::word_end_in_reach(t, from, ends, masked);
      bool b =
          maskd::core::scan::word_end_in_reach(t, from, ends, masked, prefix);
      ASSERT_EQ(a, b) << "round " << round << " from " << from;
      (a ? reached : not_reached)++;
    }
  }
  EXPECT_GT(reached, 1000u);
  EXPECT_GT(not_reached, 1000u);
}

// locate_start with a per-rule memo of the last hit's token run gives the
// answer of the plain one for every hit of a string taken in order of end,
// for every prefix rule, on strings of prefixes, token bytes and breaks.
TEST(LocateStart, TokenRunMemoAgreesWithTheWalk) {
  namespace rules = maskd::core::rules;
  namespace scan = maskd::core::scan;
  xorshift rng{0x2545F4914F6CDD1Dull};
  size_t found = 0, rules_seen = 0;
  for (const rules::rule_def &r : rules::table()) {
    if (r.locate != rules::locator::prefix)
      continue;
    ++rules_seen;
    std::string first(r.prefix);
    first = first.substr(0, first.find('|'));
    for (int round = 0; round < 300; ++round) {
      std::string text;
      while (text.size() < 200 + rng.below(3000)) {
        switch (rng.below(5)) {
        case 0:
          text += first;
          break;
        case 1:
          text += " ,\"\n"[rng.below(4)];
          break;
        default:
          text.append(1 + rng.below(40), "aZ9_-./+="[rng.below(9)]);
        }
      }
      text.append(64, ' ');
      std::string_view t(text.data(), text.size() - 64);
      scan::token_run memo;
      for (uint32_t end = 1; end <= t.size(); end += 1 + rng.below(7)) {
        uint32_t plain = scan::locate_start(r, t, end);
        ASSERT_EQ(scan::locate_start(r, t, end, memo), plain)
            << r.info.id << " round " << round << " end " << end;
        found += plain < end;
      }
    }
  }
  EXPECT_GE(rules_seen, 10u);
  EXPECT_GT(found, 10000u);
}

TEST(StableSortWith, AgreesWithStdStableSort) {
  xorshift rng{0x2545F4914F6CDD1Dull};
  std::vector<std::pair<uint32_t, uint32_t>> v, want, buf;
  auto by_key = [](const auto &a, const auto &b) { return a.first < b.first; };
  for (size_t n : {0u, 1u, 2u, 15u, 16u, 17u, 31u, 32u, 33u, 100u, 257u, 1000u})
    for (uint32_t keys : {1u, 3u, 50u, 100000u}) {
      v.clear();
      for (uint32_t i = 0; i < n; ++i) {
        v.push_back({uint32_t(rng.next() % keys), i}); // i: the original order
      }
      want = v;
      std::stable_sort(want.begin(), want.end(), by_key);
      maskd::core::stable_sort_with(v, buf, by_key);
      ASSERT_EQ(v, want) << n << " elements, " << keys << " keys";
      maskd::core::stable_sort_with(v, buf, by_key);
      ASSERT_EQ(v, want);
    }
}

// ---------------------------------------------------------------- entropy

TEST(Entropy, KnownValues) {
  EXPECT_DOUBLE_EQ(v::shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(v::shannon_entropy("aaaaaaaa"), 0.0);
  EXPECT_DOUBLE_EQ(v::shannon_entropy("ab"), 1.0);
  EXPECT_DOUBLE_EQ(v::shannon_entropy("abcd"), 2.0);
  EXPECT_DOUBLE_EQ(v::shannon_entropy("aabb"), 1.0);
  EXPECT_NEAR(v::shannon_entropy("aab"),
              -(2.0 / 3) * std::log2(2.0 / 3) - (1.0 / 3) * std::log2(1.0 / 3),
              1e-12);
  std::string all_bytes;
  for (int i = 0; i < 256; ++i)
    all_bytes.push_back(char(i));
  EXPECT_DOUBLE_EQ(v::shannon_entropy(all_bytes), 8.0);
}

// The thresholds compare exactly (a bearer token needs >= 3.0): equal
// counts of 2^n distinct bytes give exactly n bits, for every count.
TEST(Entropy, PowerOfTwoAlphabetsGiveExactBits) {
  for (size_t distinct : {2u, 4u, 8u, 16u})
    for (size_t k = 1; k <= 64; ++k) {
      std::string s;
      for (size_t d = 0; d < distinct; ++d)
        s.append(k, char('a' + d));
      EXPECT_EQ(v::shannon_entropy(s), std::log2(double(distinct)))
          << distinct << " bytes, " << k << " each";
    }
}

TEST(Entropy, RandomTokenScoresHigherThanWords) {
  EXPECT_GT(v::shannon_entropy(REAL_GITHUB_TOKENS[0]), 4.5);
  EXPECT_LT(v::shannon_entropy("passwordpassword"), 3.0);
}

// entropy_compare answers as the sum does, bounds or not: on texts at the
// thresholds the rules use (exactly 3.0 and 3.5 bits among them), far
// above and below them, and random texts of every alphabet size.
TEST(Entropy, CompareAgreesWithTheSum) {
  auto sign = [](double d) { return d < 0 ? -1 : d > 0 ? 1 : 0; };
  std::vector<std::string> texts = {"",
                                    "a",
                                    "aaaaaaaa",
                                    "abcdefgh",
                                    "passwordpassword",
                                    REAL_GITHUB_TOKENS[0]};
  for (size_t distinct : {2u, 4u, 8u, 11u, 12u, 16u, 64u})
    for (size_t k : {1u, 2u, 5u}) {
      std::string s;
      for (size_t d = 0; d < distinct; ++d)
        s.append(k, char('!' + d));
      texts.push_back(s);
      texts.push_back(s + "!"); // one count off: just above or below
    }
  xorshift rng{0x9E3779B97F4A7C15ull};
  for (int i = 0; i < 3000; ++i) {
    uint64_t x = rng.next();
    size_t len = 1 + x % 300, alphabet = 1 + (x >> 20) % 70;
    std::string s;
    for (size_t j = 0; j < len; ++j) {
      x = rng.next();
      // Skewed: low bytes are likelier, so the largest count varies.
      s.push_back(
          char('0' + (x % alphabet) * ((x >> 32) % alphabet) / alphabet));
    }
    texts.push_back(s);
  }
  size_t exact = 0;
  for (const std::string &s : texts)
    for (double bits : {0.0, 1.0, 2.5, 3.0, 3.5, 3.58, 4.0, 6.0}) {
      double h = v::shannon_entropy(s);
      exact += h == bits;
      ASSERT_EQ(v::entropy_compare(s, bits), sign(h - bits))
          << "'" << s << "' against " << bits << " (entropy " << h << ")";
    }
  EXPECT_GT(exact, 10u); // texts right on a threshold were among them
}

// ---------------------------------------------------------------- placeholders

TEST(Placeholder, TemplateSyntax) {
  for (const char *s :
       {"${DB_PASSWORD}", "${secret}", "{{ api_key }}", "{{token}}", "<token>",
        "<your-api-key>", "<YOUR API KEY>", "%s"})
    EXPECT_TRUE(v::is_placeholder(s)) << s;
}

TEST(Placeholder, Words) {
  for (const char *s :
       {"changeme", "CHANGEME", "ChangeMe", "password", "PASSWORD", "Password",
        "[REDACTED]", "[redacted]", "[REDACTED:email]", "[Redacted-secret]"})
    EXPECT_TRUE(v::is_placeholder(s)) << s;
}

TEST(Placeholder, FillerValues) {
  for (const char *s :
       {"", "****", "********", "xxx", "XXXXXXXX", "xXxX", "0000000000",
        "aaaaaaaaaaaa", "xxxx-xxxx-xxxx", "XXX...", "xxx...", "sk-xxx",
        "sk-xxx...", "ghp_xxxxxxxxxxxx", "api_key_xxxx", "sk-proj-XXXX",
        "AKIAXXXXXXXXXXXX", "abcdefghxxxxxxxx", "x"})
    EXPECT_TRUE(v::is_placeholder(s)) << '"' << s << '"';
}

TEST(Placeholder, RealLookingValuesAreNot) {
  for (const char *s : {"hunter2",
                        "password1",
                        "mypassword",
                        "changeme2",
                        "change me",
                        "${DB_PASSWORD",
                        "DB_PASSWORD}",
                        "{{token}",
                        "<token",
                        "token>",
                        "%s%s",
                        "%d",
                        "[REDACTED",
                        "REDACTED]",
                        "**1234",
                        "ab",
                        "Maxxx",
                        "abcxxx",
                        "abcdefgxxxxxxx",
                        "xy",
                        "sk-xx",
                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "AKIAIOSFODNN7EXAMPLE"})
    EXPECT_FALSE(v::is_placeholder(s)) << '"' << s << '"';
  EXPECT_FALSE(v::is_placeholder(REAL_GITHUB_TOKENS[0]));
}

} // namespace

namespace maskd::core::validate {
namespace {

// "Authorization: Basic <base64 of user:password>": the credential must
// decode to printable text with a ':'; other base64 is not a credential.
TEST(BasicCredential, UserColonPasswordDecodes) {
  EXPECT_TRUE(
      basic_credential("YWxhZGRpbjpvcGVuc2VzYW1l")); // aladdin:opensesame
  EXPECT_TRUE(basic_credential("dXNlcjpwYXNz"));     // user:pass
  EXPECT_TRUE(basic_credential("dTpw"));             // u:p
  EXPECT_TRUE(basic_credential("YTpi"));             // a:b
  EXPECT_TRUE(basic_credential("YWRtaW46cw=="));     // admin:s (padded)
}

TEST(BasicCredential, NotACredential) {
  EXPECT_FALSE(basic_credential("dXNlcnBhc3M=")); // "userpass": no colon
  EXPECT_FALSE(basic_credential("AAECAwQ6BQY=")); // control bytes
  EXPECT_FALSE(basic_credential("dXNlcjpw-_ss")); // base64url alphabet
  EXPECT_FALSE(basic_credential("dXNlc"));        // length 1 mod 4
  EXPECT_FALSE(basic_credential(""));
  EXPECT_FALSE(basic_credential("===="));
}

// SMTP's "AUTH PLAIN <base64>" (RFC 4616): [authzid] NUL authcid NUL
// password, printable between the NULs, a password after the second.
TEST(SaslPlain, TwoNulsAndAPassword) {
  EXPECT_TRUE(
      sasl_plain("AGJvYkBleGFtcGxlLmNvbQBTM2NyZXRQdw==")); // \0bob@..\0S3cretPw
  EXPECT_TRUE(sasl_plain("YWRtaW4AYm9iAHB3"));             // admin\0bob\0pw
  EXPECT_FALSE(sasl_plain("AGJvYgA="));     // \0bob\0: no password
  EXPECT_FALSE(sasl_plain("AGJvYg=="));     // \0bob: one NUL
  EXPECT_FALSE(sasl_plain("YQBiAGMAZA==")); // three NULs
  EXPECT_FALSE(sasl_plain("AGJvYgBwAXc=")); // a control byte
  EXPECT_FALSE(sasl_plain("CRAM-MD5"));
  EXPECT_FALSE(basic_credential("AGJvYkBleGFtcGxlLmNvbQBTM2NyZXRQdw=="));
}

// ------------------------------------------------ replacement guard
// confirm() refuses a candidate that would swallow a quote of a nested JSON
// document or end inside an escape, wherever in a long candidate it is
// (the check steps 16 bytes at a time).
TEST(ReplacementGuard, QuotesAndSplitEscapesAnywhereInALongCandidate) {
  const rules::rule_def *rule = nullptr;
  for (const auto &r : rules::table())
    if (r.info.id == "gitlab_token")
      rule = &r; // no validator: only the edges and the guard decide
  ASSERT_NE(rule, nullptr);
  auto confirms = [&](const std::string &text) {
    scan::candidate c{0, uint32_t(text.size()), 0};
    return scan::confirm(*rule, text, c, {});
  };
  const std::string body(40, 'a');
  EXPECT_TRUE(confirms("glpat-" + body));
  for (size_t at = 0; at < body.size(); ++at) {
    std::string quoted = "glpat-" + body;
    quoted[6 + at] = '"';
    EXPECT_FALSE(confirms(quoted)) << "quote at " << at;
    std::string escaped = "glpat-" + body;
    escaped.replace(6 + at, 2, "\\n");
    EXPECT_TRUE(confirms(escaped)) << "whole escape at " << at;
    std::string escaped_quote = "glpat-" + body;
    escaped_quote.replace(6 + at, 2, "\\\"");
    EXPECT_TRUE(confirms(escaped_quote)) << "escaped quote at " << at;
  }
  for (size_t len = 1; len <= body.size(); ++len)
    EXPECT_FALSE(confirms("glpat-" + body.substr(0, len) + "\\"))
        << "escape cut after " << len;
}

// Every match of a rule holds at least rules::min_digits digits: the
// anchored locator stops trying starts once fewer are left, so a bound set
// too high would lose the shortest shapes. Each rule's expression, anchored,
// runs from every offset of generated digit-and-separator text and of the
// shortest shapes written out; every match it reports is counted.
TEST(RuleShape, EveryMatchHoldsTheRulesMinimumDigits) {
  const std::string_view pieces[] = {"0",        "1",
                                     "2",        "3",
                                     "4",        "5",
                                     "6",        "7",
                                     "8",        "9",
                                     "0",        "1",
                                     "4",        "12",
                                     "345",      "6789",
                                     " ",        "-",
                                     ".",        "(",
                                     ")",        "+",
                                     "/",        ":",
                                     "\xC2\xA0", "\xE2\x80\xAF",
                                     "GB",       "DE",
                                     "A",        "Z",
                                     "x"};
  std::vector<std::string> texts = {
      "+1234567",      "01-1-1234",           "020 7946 0958",
      "4111111111111", "4111 1111 1111 1",    "3782 822463 1000",
      "536-22-4681",   "536224681",           "1.2.3.4",
      "GB12ABCDEFGH",  "(02) 9374 4000",      "415 555 0123",
      "12 3456 7890",  "+44 (0) 20 7946 0958"};
  uint64_t x = 0x5EED;
  for (int n = 0; n < 3000; ++n) {
    std::string t;
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    for (int k = int(x >> 59) + 1; k > 0; --k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      t += pieces[(x >> 33) % std::size(pieces)];
    }
    texts.push_back(t);
  }
  size_t rules_checked = 0;
  for (const rules::rule_def &r : rules::table()) {
    const uint32_t need = rules::min_digits(r);
    if (need == 0)
      continue;
    ++rules_checked;
    std::string expr = std::string("^(?:") + r.expression + ")";
    hs_database_t *db = nullptr;
    hs_compile_error_t *err = nullptr;
    ASSERT_EQ(
        hs_compile(expr.c_str(), r.hs_flags, HS_MODE_BLOCK, nullptr, &db, &err),
        HS_SUCCESS)
        << r.info.id;
    hs_scratch_t *scratch = nullptr;
    ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    struct found {
      std::vector<unsigned long long> ends;
    } f;
    size_t matches = 0, fewest = SIZE_MAX;
    for (const std::string &t : texts)
      for (size_t k = 0; k < t.size(); ++k) {
        f.ends.clear();
        hs_scan(
            db, t.data() + k, unsigned(t.size() - k), 0, scratch,
            [](unsigned, unsigned long long, unsigned long long to, unsigned,
               void *ctx) {
              static_cast<found *>(ctx)->ends.push_back(to);
              return 0;
            },
            &f);
        for (unsigned long long end : f.ends) {
          size_t digits = 0;
          for (size_t i = k; i < k + end; ++i)
            digits += t[i] >= '0' && t[i] <= '9';
          ++matches;
          fewest = std::min(fewest, digits);
          EXPECT_GE(digits, need)
              << r.info.id << " matches \"" << t.substr(k, end) << "\"";
        }
      }
    EXPECT_GT(matches, 0u) << r.info.id << ": the texts reach no match";
    // Tight, too: a bound below every match only tries starts in vain.
    EXPECT_EQ(fewest, need) << r.info.id << ": no match has so few digits";
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
  EXPECT_GE(rules_checked, 9u);
}

} // namespace
} // namespace maskd::core::validate

// ------------------------------------------------------------ national ids
// Published examples (the issuers' own, or the ones the registries' pages
// use) and numbers whose check digits were computed apart from this code
// (in Python, from the published algorithms); every one-digit change of a
// valid number must fail its check.

namespace {

using id_reader = size_t (*)(std::string_view);

// Every change of one digit of `valid` to another digit is refused.
void expect_digit_changes_refused(id_reader read, std::string_view valid) {
  ASSERT_EQ(read(valid), valid.size()) << valid;
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i] < '0' || valid[i] > '9')
      continue;
    for (char d = '0'; d <= '9'; ++d) {
      if (d == valid[i])
        continue;
      std::string changed(valid);
      changed[i] = d;
      EXPECT_EQ(read(changed), 0u) << changed;
    }
  }
}

} // namespace

TEST(NationalIds, UkNhsNumber) {
  for (const char *ok :
       {"9434765919", "943 476 5919", "943-476-5919", "4010232137"})
    EXPECT_EQ(v::uk_nhs_number(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::uk_nhs_number, "943 476 5919");
  // 123456789 has no check digit (11 - 1 = 10); one digit repeated; mixed
  // separators; too short.
  for (const char *bad : {"1234567890", "0000000000", "943 476-5919",
                          "943 4765919", "943476591", "94347659 19"})
    EXPECT_EQ(v::uk_nhs_number(bad), 0u) << bad;
  // Reads the number at the start only: what follows is the caller's.
  EXPECT_EQ(v::uk_nhs_number("9434765919 and more"), 10u);
}

TEST(NationalIds, CanadianSin) {
  // Spaces of any kind between the groups, mixed: no-break ones in French.
  for (const char *ok : {"130692544", "130 692 544", "130-692-544",
                         "130\u00a0692\u00a0544", "130\u202f692 544"})
    EXPECT_EQ(v::ca_sin(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::ca_sin, "130-692-544");
  // The government's example starts with 0, which is never assigned.
  for (const char *bad : {"046 454 286", "830692544", "130 692-544"})
    EXPECT_EQ(v::ca_sin(bad), 0u) << bad;
}

TEST(NationalIds, GermanTaxId) {
  // The Federal Central Tax Office's examples; one with a digit three times.
  for (const char *ok : {"86095742719", "65929970489", "57549285017",
                         "25768131411", "12131456787", "86 095 742 719"})
    EXPECT_EQ(v::de_tax_id(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::de_tax_id, "86095742719");
  // Check digits right, digit pattern wrong: two digits repeated; one three
  // times in a row; none repeated; a leading 0.
  for (const char *bad : {"47123456704", "11123456786", "01234567890",
                          "1234567890"
                          "1",
                          "86-095-742-719"})
    EXPECT_EQ(v::de_tax_id(bad), 0u) << bad;
}

TEST(NationalIds, FrenchNir) {
  for (const char *ok :
       {"184127645108946", "1 84 12 76 451 089 46", "2 55 08 14 168 025 38",
        "1841276451089 46", "1 85 12 2A 004 123 71", "2 90 05 2B 004 123 79",
        "1\u00a084\u00a012\u00a076\u00a0451\u00a0089\u00a046",
        "185122a00412371"})
    EXPECT_EQ(v::fr_nir(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::fr_nir, "1 84 12 76 451 089 46");
  // Corsica's letters only there; a month that is none; spacing broken off.
  for (const char *bad :
       {"1 85 12 2C 004 123 71", "1 85 12 3A 004 123 71",
        "1 84 13 76 451 089 46", "1 84 12 76451 089 46", "18412764510894"})
    EXPECT_EQ(v::fr_nir(bad), 0u) << bad;
}

TEST(NationalIds, SpanishNif) {
  for (const char *ok :
       {"12345678Z", "12345678z", "12345678-Z", "12.345.678-Z", "12345678 Z",
        "X1234567L", "X-1234567-L", "Y1234567X", "Z1234567R", "00000023T"})
    EXPECT_EQ(v::es_nif(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::es_nif, "12345678Z");
  expect_digit_changes_refused(v::es_nif, "X1234567L");
  for (const char *bad : {"12345678A", "X1234567Z", "W1234567L", "1234567Z",
                          "12.345678-Z", "12345678"})
    EXPECT_EQ(v::es_nif(bad), 0u) << bad;
}

TEST(NationalIds, ItalianFiscalCode) {
  // The textbook Mario Rossi; an omocodia variant (a digit as a letter,
  // check letter recomputed); a woman's day + 40.
  for (const char *ok : {"RSSMRA85T10A562S", "rssmra85t10a562s",
                         "RSSMRA85T10A56NH", "BNCGLI90A41F205H"})
    EXPECT_EQ(v::it_fiscal_code(ok), 16u) << ok;
  expect_digit_changes_refused(v::it_fiscal_code, "RSSMRA85T10A562S");
  for (const char *bad :
       {"RSSMRA85T10A562T", "RSSMRA85X10A562S", "RSSMR185T10A562S",
        "RSSMRA85T10A562", "RSSMRA85T10A56AS"})
    EXPECT_EQ(v::it_fiscal_code(bad), 0u) << bad;
}

TEST(NationalIds, BrazilianCpf) {
  for (const char *ok : {"529.982.247-25", "529982247-25", "52998224725",
                         "111.444.777-35", "12345678909"})
    EXPECT_EQ(v::br_cpf(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::br_cpf, "529.982.247-25");
  for (const char *bad : {"111.111.111-11", "529.982.24725", "529.982247-25",
                          "529.982.247", "5299822472"})
    EXPECT_EQ(v::br_cpf(bad), 0u) << bad;
}

TEST(NationalIds, IndianAadhaarAndPan) {
  for (const char *ok : {"234567890124", "2345 6789 0124", "2345-6789-0124",
                         "4991 1866 5247", "9876 5432 1012"})
    EXPECT_EQ(v::in_aadhaar(ok), std::string_view(ok).size()) << ok;
  expect_digit_changes_refused(v::in_aadhaar, "4991 1866 5247");
  // The widely quoted 499118665246 fails its Verhoeff check; none starts
  // with 0 or 1.
  for (const char *bad : {"499118665246", "1345 6789 0124", "2345 67890124"})
    EXPECT_EQ(v::in_aadhaar(bad), 0u) << bad;
  for (const char *ok : {"ABCPE1234F", "AAACB1234C"})
    EXPECT_EQ(v::in_pan(ok), 10u) << ok;
  for (const char *bad :
       {"ABCXE1234F", "abcpe1234f", "ABCPE12345", "ABCP1234F"})
    EXPECT_EQ(v::in_pan(bad), 0u) << bad;
}

TEST(NationalIds, UkNino) {
  for (const char *ok : {"AB123456C", "ab123456c", "AB 12 34 56 C", "JG103759A",
                         "AB\u00a012\u00a034\u00a056\u00a0C"})
    EXPECT_EQ(v::uk_nino(ok), std::string_view(ok).size()) << ok;
  for (const char *bad : {"QQ123456C", "GB123456A", "DA123456A", "AB123456E",
                          "AB 12 3456 C", "AB12345C"})
    EXPECT_EQ(v::uk_nino(bad), 0u) << bad;
}
