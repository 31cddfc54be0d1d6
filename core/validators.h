// maskd core: validators that confirm or reject a candidate match found by a
// rule's pattern. Pure functions on decoded (unescaped) UTF-8 text; no
// allocation, no exceptions. Each returns true when the candidate is real.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace maskd::core::validate {

// Payment card: digits with optional single ' ', '-' separators. 12-19
// digits, Luhn checksum, and a known issuer prefix/length (Visa 13/16/19,
// Mastercard 51-55 and 2221-2720 with 16, Amex 34/37 with 15, Discover
// 6011/644-649/65/622126-622925 with 16-19, JCB 3528-3589 with 16-19,
// Diners 300-305/36/38/39 with 14-19).
bool card(std::string_view text);

// The Luhn check over ASCII digits (all of `digits` must be digits).
bool luhn(std::string_view digits);

// IBAN, compact or printed in groups of 4 separated by single spaces:
// registered country code, that country's length, mod-97 == 1.
bool iban(std::string_view text);

// US SSN "AAA-GG-SSSS", "AAA GG SSSS" or 9 bare digits: area not 000, 666 or
// 900-999; group not 00; serial not 0000; separators consistent.
bool ssn(std::string_view text);

// Dotted-quad IPv4 (inet_pton rules: no leading zeros beyond "0").
bool ipv4(std::string_view text);
// IPv6 text form accepted by inet_pton (AF_INET6), including embedded IPv4;
// requires at least two ':' and rejects things like "::" alone or "1:2".
bool ipv6(std::string_view text);

// GitHub classic token gh[pousr]_ + 30 base62 chars + 6-char base62 CRC32 of
// the 30 random chars (not the prefix). `text` is the full token.
bool github_token(std::string_view text);

// JWT: three base64url segments separated by '.', the first decodes to a JSON
// object text that contains "alg".
bool jwt(std::string_view text);

// A password hash in the Modular Crypt Format at the start of `text`, as
// /etc/shadow, htpasswd files and user tables hold them: bcrypt
// ($2a$/$2b$/$2y$/$2x$, cost 04-31, 53 more), sha512crypt and sha256crypt
// ($6$/$5$, maybe rounds=N$, a salt of 1-16, 86 or 43 more), md5crypt
// ($1$, $apr1$: a salt of 1-8, 22 more), yescrypt ($y$, its parameters,
// salt and 43), Argon2 ($argon2id$/$argon2i$/$argon2d$, v=N$, m=N,t=N,p=N$,
// base64 salt and hash). Its length, or 0 when none is there.
size_t password_hash(std::string_view text);

// National identifiers at the start of `text` (national_ids.cpp): each
// returns its length, 0 when none is there. What follows it is the
// caller's to judge (a longer number).
// UK National Insurance number: AB123456C or AB 12 34 56 C, any case; the
// first letter not D, F, I, Q, U or V, the second not those nor O; not
// BG, GB, KN, NK, NT, TN or ZZ; a suffix A-D.
size_t uk_nino(std::string_view text);
// UK NHS number: 10 digits, 3-3-4 with spaces or '-', or unbroken; the
// mod-11 check digit; not one digit repeated.
size_t uk_nhs_number(std::string_view text);
// Canadian Social Insurance Number: 9 digits, 3-3-3 with spaces or '-', or
// unbroken; Luhn; not from 0 (unassigned) or 8 (unused).
size_t ca_sin(std::string_view text);
// German tax id (Steuer-ID, IdNr): 11 digits, 2-3-3-3 with spaces or
// unbroken; not from 0; of the first ten, one repeated two or three times
// (not three in a row) and the others once at most; ISO 7064 MOD 11,10.
size_t de_tax_id(std::string_view text);
// French NIR (numero de securite sociale): 15 characters, unbroken or
// spaced 1 85 05 78 006 084 36 (or the key alone apart); sex 1-4, 7 or 8;
// a month 01-12, 20-42 or 50-99; department 2A and 2B in Corsica; key =
// 97 - the first 13 mod 97.
size_t fr_nir(std::string_view text);
// Spanish DNI (12345678Z, 12.345.678-Z) or NIE (X1234567L, X-1234567-L):
// the check letter of the number mod 23; any case.
size_t es_nif(std::string_view text);
// Italian codice fiscale: 16 characters (RSSMRA85T10A562S), any case,
// the omocodia letters for digits; the check letter.
size_t it_fiscal_code(std::string_view text);
// Brazilian CPF: 529.982.247-25, 529982247-25 or 52998224725; both mod-11
// check digits; not one digit repeated.
size_t br_cpf(std::string_view text);
// Indian Aadhaar number: 12 digits, 4-4-4 with spaces or '-', or unbroken;
// not from 0 or 1; Verhoeff check digit.
size_t in_aadhaar(std::string_view text);
// Indian PAN: AAAPL1234C in capitals, the fourth letter a holder's kind
// (P, C, H, F, A, T, B, L, J, G).
size_t in_pan(std::string_view text);

// HTTP Basic credential: standard base64 (optional '=' padding) that
// decodes to printable text holding a ':' ("user:password").
bool basic_credential(std::string_view base64);
// SASL PLAIN's credential (SMTP's "AUTH PLAIN ..."): base64 of [authzid]
// NUL authcid NUL password, every other byte printable, a password there.
bool sasl_plain(std::string_view base64);

// A vendor's API key or token of a known prefix and shape (Hugging Face,
// Groq, Perplexity, xAI, Replicate, OpenRouter, LangSmith, npm, PyPI):
// `text` starts with the prefix; the key is the run of its alphabet that
// follows, of the vendor's length, random-looking. Returns the key's length
// (the run may end before `text` does), 0 when it is none.
size_t vendor_key(std::string_view text);

// Equal but for the case of ASCII letters.
bool equals_ignore_case(std::string_view text, std::string_view word);

// Shannon entropy in bits per byte.
double shannon_entropy(std::string_view text);

// The sign of shannon_entropy(text) - bits (-1, 0 or 1), the same answer,
// mostly without its logarithms.
int entropy_compare(std::string_view text, double bits);

// Placeholders that are not real secrets: ${VAR}, {{var}}, <token>, %s,
// values made of one repeated char, "changeme", "password", "xxx...",
// "[REDACTED...]" replacements, "****". Case-insensitive for words.
bool is_placeholder(std::string_view text);

// Whether `text` reads as words rather than random bytes: two or more
// parts between '_', '-', '.', '/', '+' or '=' that are letters only, 3 or
// more ("NEW_CHECKOUT_FLOW_V2", "pa-bulletin-road-closures-2024"); with
// `humps`, also a camelCase name whose letters lie mostly (3/4) in words of
// 3 letters or more, two of them at least ("persistedAppStateV2").
bool reads_as_words(std::string_view text, bool humps);

// CRC32 (IEEE, as zlib) - exposed for tests and the GitHub checksum.
uint32_t crc32(std::string_view data);

} // namespace maskd::core::validate
