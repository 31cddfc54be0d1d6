// maskd core (internal): numbers printed in groups — cards, IBANs, SSNs —
// whose groups may be separated by any kind of space: ASCII, the no-break
// space (U+00A0), the narrow one (U+202F), or either spelled as an escape
// of a JSON document nested in the string ("\u00a0", 2^(L-1) backslashes L
// levels down). Their validators, and where an IBAN around a digit cluster
// may begin and end. Kept out of scanner.cpp and masker.cpp: the same code
// there measured 3-5% slower on the 64 KB body (code layout of their hot
// paths; see docs/performance.md).
#pragma once

#include <cstddef>
#include <string_view>

namespace maskd::core::scan {

// A card, IBAN or SSN with every space spelled as one ASCII space, in
// `buf`; the validators read ASCII. Empty when it does not fit (no match
// of those rules is that long).
std::string_view ascii_spaces(std::string_view s, char (&buf)[160]);

// The validators of core/validators.h on a match of the card, IBAN or SSN
// rule, its spaces of any kind read as spaces.
bool card_ok(std::string_view match);
bool iban_ok(std::string_view match);
bool ssn_ok(std::string_view match);

// The bytes of a printed IBAN, a superset: capitals, digits, spaces, the
// no-break spaces' UTF-8 bytes and the bytes of their nested escapes.
constexpr bool iban_reach_byte(unsigned char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == ' ' ||
         ch == 0xC2 || ch == 0xA0 || ch == 0xE2 || ch == 0x80 || ch == 0xAF ||
         ch == '\\' || ch == 'u' || ch == 'a' || ch == 'f';
}

// Where the IBAN bytes around t[pos] end going forward, at `limit` at the
// latest. Letters can end an IBAN's digit cluster before the IBAN ends
// ("MT84 MALT 0110 0001 2345 MTLC AST0 01S"): its locator runs to here.
size_t iban_reach_end(std::string_view t, size_t pos, size_t limit);

// How far before a digit cluster an IBAN's head may lie: the head, a group
// of letters and two spaces spelled as nested escapes (4 + 13 + 4 + 13),
// with slack.
inline constexpr size_t iban_head_reach = 40;

// The first IBAN head (two capitals, two digits) before `b`, from where
// the stretch of IBAN bytes that ends at `first` (a digit cluster's first
// digit) begins, at most iban_head_reach bytes before `first` and not
// before `from`; `b` when there is none. Wide spaces between the groups
// ("NL91\u202fABNA\u202f0417...") put a head further back than the
// cluster's lead.
size_t iban_head_before(std::string_view t, size_t from, size_t b,
                        size_t first);

} // namespace maskd::core::scan
