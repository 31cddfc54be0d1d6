// maskd core (internal): what happens to a candidate after Hyperscan found
// it in decoded string text: boundary checks (JSON-escape aware), context
// words, validators, media-reference and nested-JSON guards, and the
// deterministic overlap resolution. Pure functions over caller-owned data.
#pragma once

#include "core/rules.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace maskd::core::scan {

struct candidate {
  uint32_t from; // offsets in the decoded text of one string
  uint32_t to;
  uint16_t rule;
};

// Context known from the JSON structure around the string (the attribute
// key or object member name it sits under).
// What a key named for a secret says its string values are (the value is
// the secret, whole: "password": "...", http.request.header.cookie).
enum class keyed_secret : uint8_t {
  none,
  password,      // password, passwd, passphrase: password_assignment
  secret,        // secret, api_key, access_token...: secret_assignment
  authorization, // an Authorization header: authorization_header
  cookie,        // a Cookie or Set-Cookie header: cookie_header
  // A name ending in a separate "pass" ("db_pass", "smtpPass"): a
  // password too (password_assignment), except a bare number (a count:
  // "first_pass": "3") or, under a name not in capitals, a word (a state:
  // "test_pass": "done").
  short_password,
  // Another name ending in a separate "token" ("HF_TOKEN", "csrfToken"):
  // a secret (secret_assignment) only when the value looks like a key: 16
  // bytes or more, a digit, no space ("eos_token": "</s>" stays).
  other_token,
  // "auth" alone, or ending in "_auth" (a Docker config's, .npmrc's): a
  // secret (secret_assignment) only when the value is base64 of
  // "user:password".
  auth_credential,
  // Another name ending in a separate "key" ("DD_APPLICATION_KEY",
  // "licenseKey"), not a public key's nor a record's, a cache's...: a
  // secret (secret_assignment) only when the value looks like one: 16-256
  // bytes of base64's, a digit and a letter, random, not a UUID.
  other_key,
  // A card security code ("cvv", "card_cvc", "cvv2", "securityCode"):
  // card_security_code, only when the value is 3 or 4 digits.
  card_code,
  // A date of birth ("dob", "birthDate", "date_of_birth", "birthday",
  // "geburtsdatum"): date_of_birth, only when the value is a date.
  birth_date,
  // A medical record number ("mrn", "medicalRecordNumber"):
  // medical_record_number, only when the value is one.
  record_number,
  // A national identifier, only when the value is one (whole):
  nino,           // "nino", "ni_number": uk_nino
  nhs_number,     // "nhs", "nhs_number", "patientNhsNo": uk_nhs_number
  ca_sin,         // "sin", "social_insurance_number": ca_sin
  de_tax_id,      // "steuer_id", "tax_id", "steueridentifikationsnummer"
  fr_nir,         // "nir", "numero_secu", "securite_sociale": fr_nir
  es_nif,         // "dni", "nie", "nif": es_nif
  it_fiscal_code, // "codice_fiscale", "fiscalCode", "tax_code"
  br_cpf,         // "cpf", "cpfNumber": br_cpf
  in_aadhaar,     // "aadhaar", "aadhaar_number": in_aadhaar
  in_pan,         // "pan", "pan_number": in_pan
};
// How many kinds there are (the last one's value plus one).
inline constexpr size_t keyed_secret_kinds = size_t(keyed_secret::in_pan) + 1;

struct key_context {
  bool phone = false;
  bool ssn = false;
};

// Classifies an attribute key / member name (raw JSON text, escapes left as
// is: an escaped key simply does not match, which only loses context).
key_context classify_key(std::string_view key);

// The secret a key names, by its last letters and digits: "password",
// "db_password", "DB_PASS", "OPENAI_API_KEY", "x-api-key",
// "http.request.header.authorization". Cheap: every scanned string under a
// key asks.
keyed_secret secret_named(std::string_view key);
// The kind a key names for a national identifier's rule (its check: NHS,
// SIN, CPF...), keyed_secret::none for any other rule.
keyed_secret national_id_kind(rules::check c);

// The secret in string `t`, a value under a key that names one of kind
// `kind`: `t` less the spaces around it and, for an Authorization header,
// its scheme word. False when there is nothing to hide: empty, a
// placeholder or a label, a word that says there is none (null, true,
// required...), a link; for a secret, a value with spaces (prose, not a
// key); for a password, a sentence (a validation message: "This field is
// required.").
bool keyed_value(keyed_secret kind, std::string_view t, candidate &c);

// A whole string that is a phone number and nothing else, as a value under
// a key naming a phone holds one: an optional '+', 7 to 15 digits between
// spaces, '-', '.', '/' and brackets, then maybe an extension (" ext. 12",
// "x12", "#12", which stays). Sets c to the number (spaces around it and
// the extension left out). Not a date (2024-01-15, 15.01.2024), not a
// decimal number (one '.', no other separator), not one repeated digit.
bool phone_value(std::string_view t, candidate &c);

// Where the candidate of a code-located rule (rule.locate != som) that ends
// at `end` starts, or UINT32_MAX when there is none.
uint32_t locate_start(const rules::rule_def &rule, std::string_view text,
                      uint32_t end);

// A prefix rule's memo for the locate_start below: where the run of token
// characters its last hit ended in begins.
struct token_run {
  uint32_t end = UINT32_MAX; // the last hit's end; UINT32_MAX: none yet
  uint32_t begin = 0;        // where that run of token characters begins
  // In that run: the prefix the last hit located (UINT32_MAX: none), and
  // where a search must start again (no prefix that passes the left edge
  // starts before it, past `begin`).
  uint32_t found = UINT32_MAX;
  uint32_t searched = 0;
};

// locate_start for the hits of one string, taken in order of end, with one
// memo per rule (reset for each string): the same answer, but a prefix
// rule's token is walked back once per run of token characters instead of
// up to max_len bytes per hit (a token of thousands of triggers, such as
// "eyJeyJeyJ...", cost max_len bytes for each).
uint32_t locate_start(const rules::rule_def &rule, std::string_view text,
                      uint32_t end, token_run &run);

// For rules whose pass-1 expression is only a trigger (a prefix and a few
// body bytes): the end of the whole token that starts at `from`, extended
// over the token's characters up to max_len. Returns `end` for the others.
uint32_t extend_end(const rules::rule_def &rule, std::string_view text,
                    uint32_t from, uint32_t end);

// Whether text[pos-6, pos) is a "\uXXXX" escape of a string nested in the
// string (still escaped in the decoded text). Any run of backslashes before
// the 'u' counts: a string nested L levels deep spells it with 2^(L-1).
bool ends_unicode_escape(std::string_view text, size_t pos);

// If text[pos] starts a no-break space (U+00A0) or narrow no-break space
// (U+202F) of a string nested in the string, spelled as an escape ("\u00a0";
// 2^(L-1) backslashes L levels down, at most 8), the offset after it, else
// 0. The groups of a phone, card, IBAN or SSN are separated by one as by
// the character itself (Python's json.dumps escapes both; NBSPS in
// core/rules.cpp).
size_t nested_space_end(std::string_view text, size_t pos);
// If text[pos] starts a no-break space (U+00A0) or narrow no-break space
// (U+202F), in UTF-8 or spelled as nested_space_end reads one, the offset
// after it, else 0.
size_t wide_space_end(std::string_view text, size_t pos);

// Where the escape of a letter an e-mail address may hold beyond ASCII
// (Latin, Greek, Cyrillic, Armenian: U+00C0-U+05BF but × and ÷) that a JSON
// document nested in the string spells ("\u00fc": json.dumps writes
// "m\u00fcller") begins, if one ends at `end` (the backslashes of deeper
// levels with it); else `end`.
uint32_t mail_escape_begin(std::string_view text, uint32_t end);
// If such an escape starts at text[pos], the offset after it, else 0.
size_t mail_escape_end(std::string_view text, size_t pos);

// The context words with accents spelled as nested escapes are not in
// pass 1 (rules::escaped_context_words): in text `t` (a string with a
// context window), each "\u" is tried as the first escape of each of
// `words`, and where one is spelled there (any case), its end is merged
// into `ends` (sorted: pass 1's word ends). A superset is enough: confirm()
// checks the word itself. `t` must be followed by 16 readable bytes (the
// masker's text buffer has them past every string).
void add_escaped_word_ends(std::string_view t,
                           std::span<const std::string_view> words,
                           std::vector<uint32_t> &ends);

// Whether edge check `e` refuses byte c next to a match.
bool blocks(rules::edge e, char c);

// Whether a match of `rule` starting at text[from] passes the left edge
// check of confirm() (a JSON escape before it does not count as a letter).
bool left_edge_ok(const rules::rule_def &rule, std::string_view text,
                  uint32_t from);

// Checks one candidate against its rule. May narrow [from, to) to the part
// that is masked (e.g. only the password of a URL). False: not a match.
// `masked`: ranges already masked in this string (sorted, disjoint); a
// context word is looked for in the text before the candidate without
// counting them, nor our labels, in its 64-byte reach.
bool confirm(const rules::rule_def &rule, std::string_view text, candidate &c,
             key_context ctx, std::span<const candidate> masked = {});

// False when no context word ending at one of `word_ends` (sorted offsets
// in `text`, e.g. where pass 1 saw a context word) is within the reach that
// confirm() searches for a candidate starting at `from`: then no such
// candidate can pass its context check. True does not mean it will.
// `length_prefix`, when given, holds masked.size() + 1 running sums of the
// masked ranges' lengths (0 first): the masked bytes between a word and
// `from` are then summed in O(1), however many ranges lie between.
bool word_end_in_reach(std::string_view text, uint32_t from,
                       std::span<const uint32_t> word_ends,
                       std::span<const candidate> masked,
                       std::span<const uint64_t> length_prefix = {});

// Work space of drop_repeated_starts, reused across calls (no allocation in
// steady state).
struct repeat_space {
  std::vector<uint32_t> last_start; // by rule; UINT32_MAX: none yet
  std::vector<uint32_t> order, order_buf;
  std::vector<uint8_t> repeated;
};

// Several pass-1 triggers inside one token locate the same start: keeps,
// in place and in order, the first candidate of each (rule, from) pair and
// drops the others. `rule_count`: every candidate's rule is below it.
void drop_repeated_starts(std::vector<candidate> &cands, size_t rule_count,
                          repeat_space &space);

// Keeps a deterministic, non-overlapping subset: specific secret > generic
// secret > PII, then longer, then leftmost, then lower rule index. Result is
// sorted by `from`. `scratch` and `claimed` are reusable work space.
void resolve_overlaps(std::vector<candidate> &cands,
                      std::vector<candidate> &scratch,
                      std::vector<uint8_t> &claimed);

} // namespace maskd::core::scan
