// maskd core (internal): the built-in rule table. Each rule is a Hyperscan
// expression over DECODED string text plus the checks done in code after a
// match: boundaries (Hyperscan has no lookaround), context words, and a
// validator. rule_set.cpp compiles the expressions; scanner.cpp applies the
// checks. Memory: static tables, nothing owned.
#pragma once

#include "core/rule_set.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::core::rules {

// What may not touch a match on the left/right for it to count.
enum class edge : uint8_t {
  none,
  digit, // no digit adjacent
  alnum, // no [A-Za-z0-9] adjacent
  token, // no [A-Za-z0-9_-] adjacent
  b64,   // no [A-Za-z0-9+/=_-] adjacent
};

enum class check : uint8_t {
  none,
  email,
  phone_intl,
  phone_nanp,
  phone_digits, // national formats: 8-13 digits, not all the same
  card,
  iban,
  ssn,
  ipv4,
  ipv6,
  github_token,
  jwt,
  bearer,        // core = credential after the scheme word
  basic_auth,    // core = base64 credential, must decode to user:pass
  url_password,  // core = password between ':' and '@'
  aws_secret,    // core = last 40 chars
  private_key,   // extend to the END marker in code
  vendor_key,    // core = the key of validate::vendor_key's shapes
  assignment,    // core = the value after the separator, if one to hide
  password,      // as assignment; also after "is" / "was" ("password is ...")
  authorization, // as assignment, after a scheme word (not Bearer, Basic)
  cookie,        // a Cookie header's value: to the end of its line
  cli_password,  // the password option of the command named at the match
  card_code,     // 3 or 4 digits right after a card security code's word
  birth_date,    // a date right after a date of birth's word
  record_number, // a medical record number right after its word
  // A national identifier right after its word (validators.h):
  nino,           // UK National Insurance number
  nhs_number,     // UK NHS number
  ca_sin,         // Canadian Social Insurance Number
  de_tax_id,      // German Steuer-ID
  fr_nir,         // French NIR (numero de securite sociale)
  es_nif,         // Spanish DNI / NIE
  it_fiscal_code, // Italian codice fiscale
  br_cpf,         // Brazilian CPF
  in_aadhaar,     // Indian Aadhaar number
  in_pan,         // Indian PAN
  call_password,  // a string literal a call in code passes as its password
  dsn_password,   // the password of a Go MySQL DSN before its @tcp(
  password_hash,  // validate::password_hash's formats
};

enum class context : uint8_t {
  none,
  phone, // needs a phone-like attribute key or a context word before it
  ssn,   // needs an ssn-like attribute key or a context word before it
};

// How a rule's matches are located.
enum class locator : uint8_t {
  som,          // Hyperscan on digit clusters (anchored from each start)
  prefix,       // back over token_chars, then forward to the first prefix
  email,        // back over the domain to '@', then over the local part
  url_password, // back to "://", then over the scheme
  scheme_token, // back over the credential, spaces, then the scheme word
  tail40,       // the last 40 bytes (AWS secret after its label)
  assignment,   // the value after a name's '=' or ':' (extended in code)
  command,      // the rest of a command line after its name (parsed in code)
  after_word,   // a short value right after its word (parsed in code)
  before_word,  // a value right before its word (parsed in code)
};

struct rule_def {
  rule_info info;
  const char *expression; // Hyperscan syntax
  unsigned hs_flags;      // extra HS_FLAG_* (e.g. caseless)
  uint16_t max_len;       // longest possible match, bounds the re-scan window
  edge left;
  edge right;
  check validator;
  context needs;
  locator locate = locator::som;
  const char *prefix = nullptr;      // locator::prefix: "a|b" literal starts
  const char *token_chars = nullptr; // locator::prefix: non-alnum chars
};

std::span<const rule_def> table();

// The longest literal of a locator::prefix rule's `prefix` (rule_set.cpp
// refuses a longer one: scan::locate_start relies on it).
inline constexpr uint32_t prefix_max_len = 32;
// A locator::prefix rule's literals, its `prefix` split at each '|' (none
// for a rule without one).
std::vector<std::string_view> prefix_literals(const rule_def &r);

// Rules whose every match lies in a digit cluster (digits with at most 3
// other bytes between consecutive ones) holding 8+ digits (phones, cards,
// IBANs, SSNs), or 4+ digits and 3+ dots (IPv4), or 2+ colons (IPv6):
// scanned only inside such clusters, found in code (see masker.cpp).
bool digit_dense(const rule_def &r);
// IPv6: scanned only in clusters with 2+ colons (a separate database, so
// clock times and ISO timestamps, which have colons, skip the others).
bool colon_dense(const rule_def &r);
// Rule r's expression with the no-break spaces of a string nested in the
// string, spelled as escapes ("\u00a0", "\u202f"; 2^(L-1) backslashes L
// levels down, up to 8), among its group separators (phones, cards, IBANs,
// SSNs); "" when it has none.
// Python's json.dumps writes them so. It runs, instead of the expression,
// only on the digit clusters such an escape joins (a second automaton:
// the wider one cost 2% on the bench bodies, which hold none).
std::string with_nested_spaces(const rule_def &r);
inline constexpr uint32_t digit_cluster_min_digits = 8;
inline constexpr uint32_t digit_cluster_max_gap = 3;
// Bytes before a cluster's first digit a match may start at ("+1 (",
// "GB82 WEST "), at most; cluster_lead(r) is rule r's own.
inline constexpr uint32_t digit_cluster_lead = 12;
uint32_t cluster_lead(const rule_def &r);
// Whether byte ch can be part of a match of rule r (a superset; true for a
// rule without its own set). A match starting before a cluster's first digit
// holds only such bytes up to it, so the lead stops at the first other byte.
bool in_match_bytes(const rule_def &r, unsigned char ch);
// Whether a match of rule r can start with byte ch (a superset; true for a
// rule without its own set). With the left edge check this says where a
// match that can pass its checks may start: masker.cpp runs the rule's
// anchored automaton from those bytes only (rule_set.cpp: find_anchored).
bool can_start(const rule_def &r, unsigned char ch);
// The fewest ASCII digits a match of rule r holds (0 for a rule without a
// figure here): read off the expressions in rules.cpp, so a new alternative
// with fewer digits must lower it. masker.cpp stops trying starts once
// fewer digits are left in the window.
uint32_t min_digits(const rule_def &r);
// Every match of a context rule (needs != context::none) starts with a
// digit and holds at least this many digits, its separators being cluster
// gap bytes: masker.cpp runs context rules only on such clusters, and only
// where the digit runs have the shape of the rule (context_fits there: a new
// context rule needs its shape written there too).
inline constexpr uint32_t context_min_digits = 9;

// Context words (lower case, ASCII or UTF-8) of the rules with needs == c,
// in the languages the corpus and our users write in. scanner.cpp looks for
// them (at a word start, same sentence) before a candidate; rule_set.cpp
// turns them into the caseless pass-1 trigger: a context rule runs on a
// digit cluster only when one of its words came earlier in the string.
std::span<const std::string_view> context_words(context c);
// The context words with accents as a JSON document nested in the string
// spells them with json.dumps' escapes ("tel\u00e9fono", one to three
// levels down). Not in pass 1 (there they cost 2-3% on text that has
// none): scan::add_escaped_word_ends finds them in code, only in strings
// with a context window, and the context check in confirm() reads them
// where its reach holds a "\u".
std::span<const std::string_view> escaped_context_words(context c);

} // namespace maskd::core::rules
