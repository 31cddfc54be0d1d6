// libFuzzer target (clang): differential and round-trip checks of the
// masking pass on arbitrary bytes.
//  - The fast path (simdjson stage 1 + our walk) and the scalar reference
//    validator (json_text::validate) must agree on accept/reject, and on the
//    error kind and byte offset.
//  - An accepted body masks to valid JSON, and masking that again changes
//    nothing (idempotence).
// Build and run: tools/fuzz.sh [SECONDS]
#include "core/json_text.h"
#include "core/masker.h"
#include "core/rule_set.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

maskd::core::masker &the_masker() {
  static std::unique_ptr<maskd::core::masker> m = [] {
    std::string err;
    auto rules = maskd::core::rule_set::builtin(&err);
    if (!rules)
      std::abort();
    return std::make_unique<maskd::core::masker>(rules);
  }();
  return *m;
}

} // namespace

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
      std::abort();
    return 0;
  }
  if (r.ok() != (ref.kind == error_kind::none))
    std::abort(); // the two implementations disagree on validity
  if (!r.ok()) {
    if (r.error != ref.kind || r.error_offset != ref.offset ||
        !r.output.empty())
      std::abort();
    return 0;
  }
  std::string first(r.output);
  if (json_text::validate(first, lim.depth_max).kind != error_kind::none)
    std::abort(); // masking produced invalid JSON
  first.resize(first.size() + input_padding_bytes, '"');
  mask_result again =
      the_masker().mask({first.data(), first.size() - input_padding_bytes});
  if (!again.ok() || again.replacements != 0)
    std::abort(); // not idempotent
  return 0;
}
