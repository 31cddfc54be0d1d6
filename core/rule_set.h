// maskd core: a compiled, immutable set of detection rules (Hyperscan
// databases plus per-rule metadata). Built once (at start-up or on a config
// reload) and shared read-only by every shard's masker via shared_ptr.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::core {

enum class precision : uint8_t {
  specific_secret = 0, // vendor-prefixed token or checksummed format
  generic_secret = 1,  // bearer/basic credentials, URL passwords, PEM blocks
  pii = 2,             // emails, phones, cards, IBANs, SSNs, IPs
};

struct rule_info {
  std::string_view id;     // stable, e.g. "email", "github_token"
  std::string_view entity; // replacement label: [REDACTED_<entity>]
  precision klass;
  bool default_on;
  std::string_view description; // one line for `maskd rules` and docs
};

// Every built-in rule, enabled or not, in a stable order.
const std::vector<rule_info> &builtin_rules();

struct rule_set_options {
  // Ids of the rules to enable; empty means "the built-in defaults".
  std::vector<std::string> enabled;
  // Locate the digit-cluster and context rules with Hyperscan's
  // start-of-match mode over whole windows instead of anchored scans from
  // each possible start: slower, and the reference the differential test
  // compares the anchored locator with. Not for production use.
  bool reference_locator = false;
};

struct rule_set_internals; // Hyperscan databases and tables (rule_set.cpp)

class rule_set {
public:
  // Compiles the rules. Returns nullptr and sets *error on failure.
  static std::shared_ptr<const rule_set> compile(const rule_set_options &opts,
                                                 std::string *error);
  // The built-in defaults; aborts-free: nullptr + *error on failure.
  static std::shared_ptr<const rule_set> builtin(std::string *error) {
    return compile({}, error);
  }

  ~rule_set();
  size_t rule_count() const;             // == builtin_rules().size()
  const rule_info &rule(size_t i) const; // metadata of rule index i
  bool enabled(size_t i) const;

  const rule_set_internals &internals() const { return *internals_; }

private:
  rule_set() = default;
  std::unique_ptr<rule_set_internals> internals_;
};

} // namespace maskd::core
