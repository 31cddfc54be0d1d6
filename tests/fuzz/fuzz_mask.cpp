// libFuzzer target (clang): differential and round-trip checks of the
// masking pass on arbitrary bytes.
//  - The fast path (simdjson stage 1 + our walk) and the scalar reference
//    validator (json_text::validate) must agree on accept/reject, and on the
//    error kind and byte offset.
//  - An accepted body masks to valid JSON, and masking that again changes
//    nothing (idempotence).
//  - The invariants the corpus tests check (tests/core/json_check.h): only
//    string values change, each only by labels spliced over non-empty text;
//    one label per replacement; the per-rule counts add up; nothing
//    replaced means the output is the input buffer; nested JSON documents
//    stay valid; in OTLP parts, ids, timestamps and attribute keys are
//    untouched.
//  - The body twice masks as each copy alone; spelled with \uXXXX escapes,
//    it masks to the same decoded text.
//  - The same body at another alignment, and through the start-of-match
//    reference locator (rule_set_options::reference_locator), masks the
//    same (as the differential test requires).
// A violation prints what it was to stderr and aborts.
// Build and run: tools/fuzz.sh [SECONDS]
#include "core/json_text.h"
#include "core/masker.h"
#include "core/rule_set.h"
#include "core/validators.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/core/json_check.h"

namespace {

using maskd::core::masker;
using maskd::core::rule_set;
using namespace maskd::test;

std::unique_ptr<masker> make_masker(bool reference) {
  std::string err;
  maskd::core::rule_set_options opts;
  opts.reference_locator = reference;
  auto rules = rule_set::compile(opts, &err);
  if (!rules)
    std::abort();
  return std::make_unique<masker>(rules);
}

masker &the_masker() {
  static std::unique_ptr<masker> m = make_masker(false);
  return *m;
}
masker &second_masker() { // same rules, its own buffers
  static std::unique_ptr<masker> m = make_masker(false);
  return *m;
}
masker &reference_masker() {
  static std::unique_ptr<masker> m = make_masker(true);
  return *m;
}

// Whether the raw body holds a no-break space escaped in a nested document
// ("\\u00a0", "\\u202F": a backslash escaped before the \u).
bool has_nested_space_escape(std::string_view body) {
  for (size_t i = body.find("\\\\u"); i != std::string_view::npos;
       i = body.find("\\\\u", i + 1)) {
    std::string_view hex = body.substr(i + 3, 4);
    if (hex.size() == 4 &&
        (maskd::core::validate::equals_ignore_case(hex, "00a0") ||
         maskd::core::validate::equals_ignore_case(hex, "202f")))
      return true;
  }
  return false;
}

[[noreturn]] void violated(const char *what, const std::string &detail = {}) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Masks `body` placed `shift` bytes into a fresh padded buffer; "" on error.
std::string mask_at(masker &m, std::string_view body, size_t shift,
                    uint32_t *replacements) {
  std::string buf(shift, 'x');
  buf.append(body);
  buf.append(maskd::core::input_padding_bytes, '"');
  auto r = m.mask({buf.data() + shift, body.size()});
  *replacements = r.replacements;
  return r.ok() ? std::string(r.output) : std::string();
}

void check_invariants(std::string_view in, const maskd::core::mask_result &r,
                      const rule_set &rules) {
  std::string_view out = r.output;
  if ((r.replacements == 0) != (out.data() == in.data()))
    violated("output is the input buffer exactly when nothing was replaced");
  uint64_t sum = 0;
  for (size_t i = 0; i < r.replacements_by_rule.size(); ++i) {
    sum += r.replacements_by_rule[i];
    if (r.replacements_by_rule[i] && !rules.enabled(i))
      violated("a disabled rule replaced something");
  }
  if (sum != r.replacements)
    violated("replacements by rule do not add up");
  if (std::string p = masking_problem(in, out, r.replacements); !p.empty())
    violated("the invariants of tests/core/json_check.h", p);
}

// Strings never join: the body twice (json_check.h's doubled()) masks as
// each copy alone.
void check_pair(std::string_view in, std::string_view alone,
                uint32_t replacements) {
  auto d = doubled(in, alone);
  if (!d)
    return;
  d->input.resize(d->input.size() + maskd::core::input_padding_bytes, '"');
  auto r = the_masker().mask(
      {d->input.data(), d->input.size() - maskd::core::input_padding_bytes});
  if (r.error == maskd::core::error_kind::depth_limit ||
      r.error == maskd::core::error_kind::match_limit)
    return; // one level deeper, twice the values
  if (!r.ok() || r.output != d->expected || r.replacements != 2 * replacements)
    violated("each copy of a body masks as it does alone",
             r.ok() ? first_difference(d->expected, r.output) : "an error");
}

// Everything is decided on decoded text: the body with letters, digits,
// punctuation and other characters of its strings (keys too) spelled as
// \uXXXX escapes masks to the same decoded text (json_check.h's escape_some
// and tree_difference).
void check_escaped(std::string_view in, std::string_view alone,
                   uint32_t replacements) {
  auto want = parse_json(alone);
  if (!want)
    violated("the checkers' parser refuses the output");
  uint64_t seed = in.size();
  for (char ch : in.substr(0, 64))
    seed = seed * 131 + uint8_t(ch);
  for (auto [one_in, keys] :
       {std::pair<size_t, bool>{1, true}, std::pair<size_t, bool>{5, false}}) {
    std::string esc = escape_some(in, seed, one_in, keys);
    esc.resize(esc.size() + maskd::core::input_padding_bytes, '"');
    auto r = the_masker().mask(
        {esc.data(), esc.size() - maskd::core::input_padding_bytes});
    if (r.error == maskd::core::error_kind::match_limit)
      continue;
    auto got = r.ok() ? parse_json(r.output) : std::nullopt;
    std::string d = got ? tree_difference(*want, 0, *got, 0) : "an error";
    if (!d.empty() || r.replacements != replacements)
      violated("escaped text masks as plain text", d);
  }
}

} // namespace

// The rule sets are compiled before the first input: the reference's
// start-of-match databases take seconds under the sanitizers, which the
// first input's 10 s timeout would count (it did, at 44 rules).
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  the_masker();
  second_masker();
  reference_masker();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace maskd::core;
  std::string body(reinterpret_cast<const char *>(data), size);
  body.resize(size + input_padding_bytes,
              '"'); // padding is never read as input
  std::string_view input(body.data(), size);
  limits lim;
  mask_result r = the_masker().mask(input);
  json_text::validation_error ref = json_text::validate(input, lim.depth_max);
  // A valid body may fail closed on purpose: a chain of hundreds of glued
  // values needs a rescan per value, and past the per-body rescan budget
  // (docs/architecture.md) the answer is match_limit, with no output.
  if (r.error == error_kind::match_limit && ref.kind == error_kind::none) {
    if (!r.output.empty())
      violated("an error comes with no output");
    return 0;
  }
  if (r.ok() != (ref.kind == error_kind::none))
    violated("the fast path and the reference validator agree on validity");
  if (!r.ok()) {
    if (r.error != ref.kind || r.error_offset != ref.offset ||
        !r.output.empty())
      violated("the same error kind and offset, and no output");
    return 0;
  }
  check_invariants(input, r, the_masker().rules());
  std::string first(r.output);
  uint32_t n_shifted, n_ref;
  // Another masker, another alignment: the same bytes.
  if (mask_at(second_masker(), input, 1 + size % 13, &n_shifted) != first ||
      n_shifted != r.replacements)
    violated("deterministic across maskers and alignments");
  // The start-of-match reference locator masks the same bytes.
  std::string by_som = mask_at(reference_masker(), input, 0, &n_ref);
  if (by_som.empty())
    violated("the reference locator rejects what the anchored one takes");
  // The reference cannot build the phone, card, IBAN and SSN variants with
  // a nested document's escaped no-break spaces (too large for start-of-
  // match): where such a value is glued to another ("+33\\u00a01333339@
  // bbit.loc"), it masks the other one and keeps the value's head, and the
  // anchored locator the reverse. No comparison then.
  if (!has_nested_space_escape(input) &&
      (by_som != first || n_ref != r.replacements))
    violated("the anchored locator masks what start-of-match masks",
             first_difference(first, by_som));
  if (json_text::validate(first, lim.depth_max).kind != error_kind::none)
    violated("masking produced invalid JSON");
  first.resize(first.size() + input_padding_bytes, '"');
  mask_result again =
      the_masker().mask({first.data(), first.size() - input_padding_bytes});
  if (!again.ok() || again.replacements != 0)
    violated("idempotent");
  first.resize(first.size() - input_padding_bytes);
  check_pair(input, first, r.replacements);
  check_escaped(input, first, r.replacements);
  return 0;
}
