// IBANs for the tests, built and checked here independently of core/: the
// registry's countries and lengths, its published examples, and a
// checksum-correct IBAN for any country and BBAN.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace maskd::test {

// The registry's lengths, typed independently of the implementation's table.
inline constexpr std::pair<const char *, size_t> k_iban_registry[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
    {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28},
    {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
    {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
    {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22},
    {"MK", 19}, {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28},
    {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29},
    {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
    {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
    {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

// Examples published in the registry, printed in groups of four.
inline constexpr const char *k_iban_examples[] = {
    "GB82 WEST 1234 5698 7654 32",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "BE68 5390 0754 7034",
    "CH93 0076 2011 6238 5295 7",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "AT61 1904 3002 3457 3201",
    "NO93 8601 1117 947",
    "PL61 1090 1014 0000 0712 1981 2874",
    "SE45 5000 0000 0583 9825 7466",
    "DK50 0040 0440 1162 43",
    "FI21 1234 5600 0007 85",
    "IE29 AIBK 9311 5212 3456 78",
    "PT50 0002 0123 1234 5678 9015 4",
    "SA03 8000 0000 6080 1016 7519",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "LC55 HEMM 0001 0001 0012 0012 0002 3015",
    "SC18 SSCB 1101 0000 0000 0000 1497 USD",
    "BR18 0036 0305 0000 1000 9795 493C 1",
    "RU02 0445 2560 0407 0281 0412 3456 7890 1",
    "AD12 0001 2030 2003 5910 0100",
    "AE07 0331 2345 6789 0123 456",
    "AL47 2121 1009 0000 0002 3569 8741",
};

inline unsigned mod97_of_rearranged(const std::string &iban) {
  const std::string r = iban.substr(4) + iban.substr(0, 4);
  unsigned m = 0;
  for (char c : r) {
    if (c >= '0' && c <= '9') {
      m = (m * 10 + unsigned(c - '0')) % 97;
    } else {
      const unsigned val = unsigned(c - 'A' + 10);
      m = (m * 10 + val / 10) % 97;
      m = (m * 10 + val % 10) % 97;
    }
  }
  return m;
}

// Builds a checksum-correct compact IBAN from a country code and BBAN.
inline std::string make_iban(std::string_view country, std::string_view bban) {
  std::string probe = std::string(country) + "00" + std::string(bban);
  const unsigned check = 98 - mod97_of_rearranged(probe);
  probe[2] = char('0' + check / 10);
  probe[3] = char('0' + check % 10);
  return probe;
}

// `compact` in groups of four, `sep` between them.
inline std::string print_iban(std::string_view compact,
                              std::string_view sep = " ") {
  std::string out;
  for (size_t i = 0; i < compact.size(); ++i) {
    if (i > 0 && i % 4 == 0)
      out.append(sep);
    out.push_back(compact[i]);
  }
  return out;
}

// `printed` without its spaces.
inline std::string compact_iban(std::string_view printed) {
  std::string out;
  for (char c : printed)
    if (c != ' ')
      out.push_back(c);
  return out;
}

} // namespace maskd::test
