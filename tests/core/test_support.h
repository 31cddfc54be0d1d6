// Shared helpers for the core test suites: the built-in rule set compiled
// once per test binary, padded input buffers (the masker reads up to
// input_padding_bytes past the end), the corpus location, a JSON string
// escaper, and GoogleTest forms of the checkers of json_check.h (the JSON
// parser written independently of core/, labels, invariants).
//
// Memory: every helper returns owning values (std::string, vectors); views
// into a `json_doc` are valid while the parsed text is alive.
#pragma once

#include "core/masker.h"
#include "core/rule_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/core/json_check.h"

namespace maskd::test {

namespace core = maskd::core;

// ------------------------------------------------------------ rule set

// Compiling the rules takes about a second: once per binary, shared.
inline const std::shared_ptr<const core::rule_set> &builtin_rules() {
  static const std::shared_ptr<const core::rule_set> rules = [] {
    std::string err;
    auto r = core::rule_set::builtin(&err);
    if (!r)
      ADD_FAILURE() << "rule_set::builtin failed: " << err;
    return r;
  }();
  return rules;
}

// ------------------------------------------------------------ padded input

// Bytes that follow every test input. They look like JSON and PII on
// purpose: a masker that read past the end of its input would change its
// verdict or its output, and the tests would see it.
inline constexpr std::string_view k_poison =
    "\"]}, jane@example.com 4111 1111 1111 1111 \\u0040\"}]}]}]}]}]}]}]}]";
static_assert(k_poison.size() >= core::input_padding_bytes);

// A body with input_padding_bytes of readable slack behind it.
class padded {
public:
  padded() : padded(std::string_view{}) {}
  explicit padded(std::string_view body, size_t align_offset = 0)
      : offset_(align_offset), len_(body.size()) {
    buf_.reserve(offset_ + len_ + k_poison.size());
    buf_.assign(offset_, 'X');
    buf_.append(body);
    buf_.append(k_poison);
  }
  std::string_view view() const { return {buf_.data() + offset_, len_}; }
  const char *data() const { return buf_.data() + offset_; }

private:
  std::string buf_;
  size_t offset_;
  size_t len_;
};

// Masks `body` and returns a copy of the output ("" on error).
inline std::string mask_copy(core::masker &m, std::string_view body,
                             core::mask_result *result = nullptr) {
  padded in(body);
  core::mask_result r = m.mask(in.view());
  if (result)
    *result = r;
  return std::string(r.output);
}

// A process-wide masker on the built-in rules (tests run on one thread).
inline core::masker &shared_masker() {
  static core::masker m(builtin_rules());
  return m;
}

// ------------------------------------------------------------ files

inline std::filesystem::path corpus_dir() {
  const char *env = std::getenv("MASKD_CORPUS");
  return env ? std::filesystem::path(env) : std::filesystem::path();
}

inline std::string read_file(const std::filesystem::path &p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Body files (not manifests) of one corpus folder, sorted by name.
inline std::vector<std::filesystem::path> corpus_bodies(std::string_view set) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  auto dir = corpus_dir() / set;
  for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" &&
        name.find(".manifest.") == std::string::npos)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ------------------------------------------------------------ JSON text

// JSON string contents for `text` (no quotes): escapes '"', '\\' and
// control characters, leaves UTF-8 alone.
inline std::string json_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        out += b;
      } else {
        out.push_back(char(c));
      }
    }
  }
  return out;
}

// `{"msg":"<text>"}` with text escaped.
inline std::string msg_doc(std::string_view text) {
  return "{\"msg\":\"" + json_escape(text) + "\"}";
}

// GoogleTest form of structure_problem (json_check.h).
inline void expect_only_strings_changed(std::string_view in,
                                        std::string_view out,
                                        const std::string &where) {
  std::string p = structure_problem(in, out);
  if (p.rfind("string value count", 0) == 0 ||
      p.find("does not parse") != std::string::npos)
    FAIL() << where << ": " << p;
  EXPECT_EQ(p, "") << where;
}

} // namespace maskd::test
