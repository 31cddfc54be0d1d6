// Shared helpers for the core test suites: the built-in rule set compiled
// once per test binary, padded input buffers (the masker reads up to
// input_padding_bytes past the end), the corpus location, a JSON string
// escaper, and a small strict JSON parser written independently of core/
// so the tests do not check the masker with its own code.
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

// ------------------------------------------------------------ mini parser

// A strict RFC 8259 parser (no UTF-8 validation: json_text::validate and
// the masker do that) that records where every node is in the text.
enum class jkind : uint8_t { object, array, string, number, literal };

struct json_node {
  jkind kind;
  uint32_t begin; // raw span in the text; strings include their quotes
  uint32_t end;
  bool is_key = false;
  std::string str; // decoded text of strings (lone surrogates -> U+FFFD)
  std::vector<uint32_t> kids; // arrays: values; objects: key, value, key, ...
};

struct json_doc {
  std::string_view text;
  std::vector<json_node> nodes; // nodes[0] is the root; kids in text order

  const json_node &root() const { return nodes[0]; }
  std::string_view raw(const json_node &n) const {
    return text.substr(n.begin, n.end - n.begin);
  }
  // Contents of a string node without its quotes, still escaped.
  std::string_view raw_contents(const json_node &n) const {
    return text.substr(n.begin + 1, n.end - n.begin - 2);
  }
  // Member value by key, or nullptr.
  const json_node *member(const json_node &obj, std::string_view key) const {
    if (obj.kind != jkind::object)
      return nullptr;
    for (size_t i = 0; i + 1 < obj.kids.size(); i += 2)
      if (nodes[obj.kids[i]].str == key)
        return &nodes[obj.kids[i + 1]];
    return nullptr;
  }
};

class json_parser {
public:
  explicit json_parser(std::string_view text, uint32_t depth_max = 2000)
      : s_(text), depth_max_(depth_max) {}

  std::optional<json_doc> parse() {
    json_doc d;
    d.text = s_;
    doc_ = &d;
    ws();
    if (!value(0))
      return std::nullopt;
    ws();
    if (i_ != s_.size())
      return std::nullopt;
    return d;
  }

private:
  std::string_view s_;
  uint32_t depth_max_;
  size_t i_ = 0;
  json_doc *doc_ = nullptr;

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  uint32_t add(jkind k) {
    doc_->nodes.push_back({k, uint32_t(i_), uint32_t(i_), false, {}, {}});
    return uint32_t(doc_->nodes.size() - 1);
  }
  static void put_utf8(std::string &o, uint32_t cp) {
    if (cp < 0x80) {
      o.push_back(char(cp));
    } else if (cp < 0x800) {
      o.push_back(char(0xC0 | (cp >> 6)));
      o.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      o.push_back(char(0xE0 | (cp >> 12)));
      o.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      o.push_back(char(0x80 | (cp & 0x3F)));
    } else {
      o.push_back(char(0xF0 | (cp >> 18)));
      o.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
      o.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      o.push_back(char(0x80 | (cp & 0x3F)));
    }
  }
  bool hex4(size_t at, uint32_t *v) {
    if (at + 4 > s_.size())
      return false;
    *v = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = s_[at + k];
      int h = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (h < 0)
        return false;
      *v = (*v << 4) | uint32_t(h);
    }
    return true;
  }
  bool string(bool is_key) {
    uint32_t id = add(jkind::string);
    std::string out;
    ++i_;
    while (true) {
      if (i_ >= s_.size())
        return false;
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"')
        break;
      if (c < 0x20)
        return false;
      if (c != '\\') {
        out.push_back(char(c));
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size())
        return false;
      char e = s_[i_ + 1];
      const char *simple = std::strchr("\"\\/bfnrt", e);
      if (e != 0 && simple) {
        static const char map[] = "\"\\/\b\f\n\r\t";
        out.push_back(map[simple - "\"\\/bfnrt"]);
        i_ += 2;
        continue;
      }
      uint32_t cp, lo;
      if (e != 'u' || !hex4(i_ + 2, &cp))
        return false;
      i_ += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 1 < s_.size() &&
          s_[i_] == '\\' && s_[i_ + 1] == 'u' && hex4(i_ + 2, &lo) &&
          lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        i_ += 6;
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      put_utf8(out, cp);
    }
    ++i_;
    auto &n = doc_->nodes[id];
    n.end = uint32_t(i_);
    n.is_key = is_key;
    n.str = std::move(out);
    return true;
  }
  bool number() {
    uint32_t id = add(jkind::number);
    auto digits = [&] {
      size_t b = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
        ++i_;
      return i_ > b;
    };
    if (i_ < s_.size() && s_[i_] == '-')
      ++i_;
    if (i_ < s_.size() && s_[i_] == '0')
      ++i_;
    else if (!(i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') || !digits())
      return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits())
        return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'))
        ++i_;
      if (!digits())
        return false;
    }
    doc_->nodes[id].end = uint32_t(i_);
    return true;
  }
  bool literal() {
    uint32_t id = add(jkind::literal);
    for (std::string_view w : {"true", "false", "null"}) {
      if (s_.substr(i_, w.size()) == w) {
        i_ += w.size();
        doc_->nodes[id].end = uint32_t(i_);
        return true;
      }
    }
    return false;
  }
  bool value(uint32_t depth) {
    if (i_ >= s_.size())
      return false;
    char c = s_[i_];
    if (c == '{' || c == '[') {
      if (depth >= depth_max_)
        return false;
      return c == '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c == '"')
      return string(false);
    if (c == 't' || c == 'f' || c == 'n')
      return literal();
    if (c == '-' || (c >= '0' && c <= '9'))
      return number();
    return false;
  }
  bool object(uint32_t depth) {
    uint32_t id = add(jkind::object);
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      doc_->nodes[id].end = uint32_t(++i_);
      return true;
    }
    while (true) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"')
        return false;
      doc_->nodes[id].kids.push_back(uint32_t(doc_->nodes.size()));
      if (!string(true))
        return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':')
        return false;
      ++i_;
      ws();
      doc_->nodes[id].kids.push_back(uint32_t(doc_->nodes.size()));
      if (!value(depth))
        return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        doc_->nodes[id].end = uint32_t(++i_);
        return true;
      }
      return false;
    }
  }
  bool array(uint32_t depth) {
    uint32_t id = add(jkind::array);
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      doc_->nodes[id].end = uint32_t(++i_);
      return true;
    }
    while (true) {
      ws();
      doc_->nodes[id].kids.push_back(uint32_t(doc_->nodes.size()));
      if (!value(depth))
        return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        doc_->nodes[id].end = uint32_t(++i_);
        return true;
      }
      return false;
    }
  }
};

inline std::optional<json_doc> parse_json(std::string_view text) {
  return json_parser(text).parse();
}

// String value nodes (not keys) in text order.
inline std::vector<uint32_t> string_values(const json_doc &d) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < d.nodes.size(); ++i)
    if (d.nodes[i].kind == jkind::string && !d.nodes[i].is_key)
      out.push_back(i);
  // Nodes are appended in text order (pre-order), so this is text order.
  return out;
}

// ------------------------------------------------------------ labels

// True when `text` at `pos` starts a replacement label [REDACTED_<A-Z_>+];
// *len receives its length.
inline bool label_at(std::string_view text, size_t pos, size_t *len) {
  constexpr std::string_view open = "[REDACTED_";
  if (text.substr(pos, open.size()) != open)
    return false;
  size_t i = pos + open.size();
  size_t b = i;
  while (i < text.size() &&
         ((text[i] >= 'A' && text[i] <= 'Z') || text[i] == '_'))
    ++i;
  if (i == b || i >= text.size() || text[i] != ']')
    return false;
  *len = i + 1 - pos;
  return true;
}

// True when `in` can be obtained from `out` by replacing each label in
// `out` with some non-empty text: the masker only spliced labels in.
inline bool only_labels_spliced(std::string_view in, std::string_view out) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t i = 0; i < out.size();) {
    size_t len;
    if (label_at(out, i, &len)) {
      pieces.push_back(out.substr(start, i - start));
      i += len;
      start = i;
    } else {
      ++i;
    }
  }
  pieces.push_back(out.substr(start));
  if (pieces.size() == 1)
    return in == out;
  if (in.substr(0, pieces.front().size()) != pieces.front())
    return false;
  size_t pos = pieces.front().size();
  // Middle pieces: leftmost placement after at least one byte of gap leaves
  // the most room for the rest, so greedy matching is exact.
  for (size_t k = 1; k + 1 < pieces.size(); ++k) {
    size_t at = in.find(pieces[k], pos + 1);
    if (at == std::string_view::npos)
      return false;
    pos = at + pieces[k].size();
  }
  std::string_view last = pieces.back();
  return in.size() >= last.size() && in.size() - last.size() >= pos + 1 &&
         in.substr(in.size() - last.size()) == last;
}

// ------------------------------------------------------------ structure

// Where two texts first differ, with some context, for failure messages.
inline std::string first_difference(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i])
    ++i;
  size_t from = i > 40 ? i - 40 : 0;
  return "at byte " + std::to_string(i) +
         ":\n  expected: " + std::string(a.substr(from, 120)) +
         "\n  actual:   " + std::string(b.substr(from, 120));
}

// Checks that `out` is `in` with only string values changed, each only by
// labels spliced over non-empty text. Keys, numbers, literals, whitespace
// and punctuation must be byte-identical (the rebuilt text equals `out`).
inline void expect_only_strings_changed(std::string_view in,
                                        std::string_view out,
                                        const std::string &where) {
  auto din = parse_json(in);
  auto dout = parse_json(out);
  ASSERT_TRUE(din.has_value()) << where << ": input does not parse";
  ASSERT_TRUE(dout.has_value()) << where << ": output does not parse";
  ASSERT_EQ(din->root().kind, dout->root().kind) << where;
  auto sin = string_values(*din), sout = string_values(*dout);
  ASSERT_EQ(sin.size(), sout.size()) << where << ": string value count";
  std::string rebuilt;
  rebuilt.reserve(out.size());
  size_t pos = 0;
  for (size_t k = 0; k < sin.size(); ++k) {
    const json_node &a = din->nodes[sin[k]], &b = dout->nodes[sout[k]];
    rebuilt.append(in.substr(pos, a.begin + 1 - pos));
    rebuilt.append(dout->raw_contents(b));
    pos = a.end - 1;
    std::string_view ra = din->raw_contents(a), rb = dout->raw_contents(b);
    if (ra != rb) {
      EXPECT_TRUE(only_labels_spliced(ra, rb))
          << where << ": string value " << k
          << " changed by more than spliced labels\n  in:  "
          << std::string(ra.substr(0, 300))
          << "\n  out: " << std::string(rb.substr(0, 300));
    }
  }
  rebuilt.append(in.substr(pos));
  EXPECT_TRUE(rebuilt == out)
      << where << ": bytes outside string values changed "
      << first_difference(rebuilt, out);
}

} // namespace maskd::test
