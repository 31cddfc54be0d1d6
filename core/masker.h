// maskd core: the masking pass. One `masker` per shard (thread): it owns its
// simdjson parser, Hyperscan scratch and output buffer, so masking a body in
// steady state allocates nothing. A `rule_set` is immutable and shared: many
// maskers (and several rule sets, e.g. per project) may coexist.
//
// Memory: the view returned in `mask_result::output` is either the caller's
// input (nothing matched) or the masker's own output buffer; it stays valid
// until the next call to mask() on the same masker or its destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace maskd::core {

class rule_set;

// Bytes that must be readable (any value) past the end of the input given to
// masker::mask(). The SIMD parser reads ahead; callers allocate body buffers
// with this much slack so no copy is needed.
inline constexpr size_t input_padding_bytes = 64;

enum class error_kind : uint8_t {
  none = 0,
  invalid_json,   // not a JSON document (offset: byte where parsing failed)
  invalid_utf8,   // a string or the document is not UTF-8
  depth_limit,    // nesting deeper than limits::depth_max
  body_too_large, // input larger than limits::body_bytes_max
  match_limit,    // more replacements than limits::matches_per_document_max
  internal,       // a Hyperscan or allocation failure: fail closed
};
inline constexpr size_t error_kind_count = 7;

// Stable snake_case names used in HTTP error bodies, logs and metrics.
std::string_view error_kind_name(error_kind kind);

struct limits {
  size_t body_bytes_max = size_t{64} << 20;
  uint32_t depth_max = 256;
  uint32_t matches_per_document_max = 1u << 20;
};

struct mask_result {
  error_kind error = error_kind::none;
  size_t error_offset = 0; // byte offset in the input, when error != none
  std::string_view output; // see the header comment for lifetime
  uint32_t replacements = 0;
  // Replacements of this document by rule index (rule_set::rule(i)); owned by
  // the masker, valid like `output`.
  std::span<const uint32_t> replacements_by_rule;
  // Bytes of decoded text scanned again because masked values were glued to
  // other text (see docs/architecture.md, "Overlaps"): a cost figure, near 0
  // for ordinary bodies.
  size_t rescanned_bytes = 0;

  bool ok() const { return error == error_kind::none; }
};

class masker {
public:
  explicit masker(std::shared_ptr<const rule_set> rules, limits lim = {});
  ~masker();
  masker(const masker &) = delete;
  masker &operator=(const masker &) = delete;

  // Masks one JSON document. `input` must be followed by input_padding_bytes
  // readable bytes. Never returns the input with a partial mask: on any error
  // the output is empty and `error` says why.
  mask_result mask(std::string_view input);

  // When the last mask() replaced something, its output lives in the
  // masker's buffer: this swaps that buffer with `dest` (which then holds
  // the output; its old buffer is kept for reuse, so a caller that owns a
  // buffer per response copies nothing) and returns true. Otherwise (error,
  // or the output is the input) it returns false and leaves both alone.
  // Invalidates the last result's `output`.
  bool take_output(std::string &dest);

  const rule_set &rules() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace maskd::core
