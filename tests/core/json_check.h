// Checkers of the masking invariants (DESIGN.md §3) that need no test
// framework, so the GoogleTest suites and the libFuzzer targets share one
// implementation: a small strict JSON parser written independently of
// core/ (the tests do not check the masker with its own code), replacement
// labels, and checks that return a description of the first violation, or
// an empty string when the invariant holds.
//
// Memory: every helper returns owning values (std::string, vectors); views
// into a `json_doc` are valid while the parsed text is alive.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::test {

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
// Escaped quotes around a label count as part of it (see below).
inline bool only_labels_spliced(std::string_view in, std::string_view out) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t i = 0; i < out.size();) {
    size_t len;
    if (label_at(out, i, &len)) {
      // A label the masker quoted (a bare number of a nested document
      // became a string of it): the escaped quotes around it, the same
      // run of backslashes on both sides, belong to the label.
      size_t open = i, close = i + len;
      if (i >= 2 && out[i - 1] == '"' && out[i - 2] == '\\') {
        size_t m = 0;
        while (m + 1 < i && out[i - 2 - m] == '\\')
          ++m;
        std::string_view q = out.substr(i - 1 - m, m + 1);
        if (i - 1 - m >= start && out.substr(close, m + 1) == q) {
          open = i - 1 - m;
          close += m + 1;
        }
      }
      pieces.push_back(out.substr(start, open - start));
      i = close;
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

// `out` without its labels: the bytes of the input it kept.
inline std::string kept_text(std::string_view out) {
  std::string kept;
  for (size_t i = 0; i < out.size();) {
    size_t len;
    if (label_at(out, i, &len)) {
      i += len;
    } else {
      kept += out[i++];
    }
  }
  return kept;
}

// True when two maskings of one input differ only in that `a` masked more:
// what `a` kept, `b` kept too (in order), and `b` kept more. (The start-of-
// match reference of the differential tests misses matches its automaton is
// too large for, and where one of those loses to a shorter match of another
// rule, the reference masks the shorter one: as many labels, less masked.)
inline bool masked_more(std::string_view a, std::string_view b) {
  std::string ka = kept_text(a), kb = kept_text(b);
  if (ka.size() >= kb.size())
    return false;
  size_t j = 0;
  for (char ch : ka) {
    while (j < kb.size() && kb[j] != ch)
      ++j;
    if (j == kb.size())
      return false;
    ++j;
  }
  return true;
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

// ------------------------------------------------------------ invariants

// Empty when `out` is `in` with only string values changed, each only by
// labels spliced over non-empty text: keys, numbers, literals, whitespace
// and punctuation byte-identical (the rebuilt text equals `out`). Else the
// first violation.
inline std::string structure_problem(std::string_view in,
                                     std::string_view out) {
  auto din = parse_json(in);
  auto dout = parse_json(out);
  if (!din)
    return "input does not parse";
  if (!dout)
    return "output does not parse";
  if (din->root().kind != dout->root().kind)
    return "top-level type changed";
  auto sin = string_values(*din), sout = string_values(*dout);
  if (sin.size() != sout.size())
    return "string value count " + std::to_string(sin.size()) + " -> " +
           std::to_string(sout.size());
  std::string rebuilt;
  rebuilt.reserve(out.size());
  size_t pos = 0;
  for (size_t k = 0; k < sin.size(); ++k) {
    const json_node &a = din->nodes[sin[k]], &b = dout->nodes[sout[k]];
    rebuilt.append(in.substr(pos, a.begin + 1 - pos));
    rebuilt.append(dout->raw_contents(b));
    pos = a.end - 1;
    std::string_view ra = din->raw_contents(a), rb = dout->raw_contents(b);
    if (ra != rb && !only_labels_spliced(ra, rb))
      return "string value " + std::to_string(k) +
             " changed by more than spliced labels\n  in:  " +
             std::string(ra.substr(0, 300)) +
             "\n  out: " + std::string(rb.substr(0, 300));
  }
  rebuilt.append(in.substr(pos));
  if (rebuilt != out)
    return "bytes outside string values changed " +
           first_difference(rebuilt, out);
  return {};
}

inline size_t count_labels(std::string_view text) {
  size_t n = 0, len;
  for (size_t i = 0; i < text.size(); ++i)
    if (label_at(text, i, &len))
      ++n, i += len - 1;
  return n;
}

inline bool looks_like_container(std::string_view s) {
  size_t i = s.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && (s[i] == '{' || s[i] == '[');
}

inline std::string nested_string_problem(const std::string &a,
                                         const std::string &b, int depth_max,
                                         size_t *nested_seen);

// Compares node `ia` of `x` (a document nested in a string, before masking)
// with node `ib` of `y` (after): the same tree, where strings (keys
// included: to the masker they are text like the rest) changed only by
// spliced labels or, holding documents themselves, by the same rules; and
// a number may have become a string holding one label (a masked bare
// number: a bare label would not be JSON).
inline std::string nested_tree_problem(const json_doc &x, uint32_t ia,
                                       const json_doc &y, uint32_t ib,
                                       int depth_max, size_t *nested_seen) {
  const json_node &a = x.nodes[ia], &b = y.nodes[ib];
  size_t len;
  if (a.kind == jkind::number && b.kind == jkind::string)
    return label_at(b.str, 0, &len) && len == b.str.size()
               ? std::string()
               : "a number became " + std::string(y.raw(b).substr(0, 100));
  if (a.kind != b.kind)
    return "a value changed kind: " + std::string(x.raw(a).substr(0, 100)) +
           " -> " + std::string(y.raw(b).substr(0, 100));
  switch (a.kind) {
  case jkind::object:
  case jkind::array:
    if (a.kids.size() != b.kids.size())
      return "members or elements changed in number";
    for (size_t i = 0; i < a.kids.size(); ++i)
      if (std::string p = nested_tree_problem(x, a.kids[i], y, b.kids[i],
                                              depth_max, nested_seen);
          !p.empty())
        return p;
    return {};
  case jkind::string:
    return nested_string_problem(a.str, b.str, depth_max, nested_seen);
  case jkind::number:
  case jkind::literal:
    return x.raw(a) == y.raw(b)
               ? std::string()
               : "a number or literal changed: " + std::string(x.raw(a));
  }
  return {};
}

// A decoded string before (`a`) and after (`b`) masking: the same, or
// changed only by spliced labels; holding a JSON document, it still holds
// one of the same shape (nested_tree_problem), `depth_max` levels down.
inline std::string nested_string_problem(const std::string &a,
                                         const std::string &b, int depth_max,
                                         size_t *nested_seen) {
  if (a == b)
    return {};
  std::optional<json_doc> na;
  if (looks_like_container(a))
    na = parse_json(a);
  if (!na)
    return only_labels_spliced(a, b)
               ? std::string()
               : "changed by more than spliced labels\n  in:  " +
                     a.substr(0, 300) + "\n  out: " + b.substr(0, 300);
  if (nested_seen)
    ++*nested_seen;
  auto nb = parse_json(b);
  if (!nb)
    return "nested JSON broken by masking\n  in:  " + a.substr(0, 300) +
           "\n  out: " + b.substr(0, 300);
  if (depth_max <= 0)
    return na->root().kind == nb->root().kind ? std::string()
                                              : "nested top-level type changed";
  return nested_tree_problem(*na, 0, *nb, 0, depth_max - 1, nested_seen);
}

// Empty when every string value of `in` that held a JSON object or array
// still holds one of the same shape in `out` (nested_string_problem), at
// most `depth_max` levels down. `nested_seen` (may be null) counts the
// nested documents looked at. Assumes structure_problem(in, out) is empty;
// where it is not, says nothing.
inline std::string nested_problem(std::string_view in, std::string_view out,
                                  int depth_max = 6,
                                  size_t *nested_seen = nullptr) {
  auto din = parse_json(in);
  auto dout = parse_json(out);
  if (!din || !dout)
    return {};
  auto sin = string_values(*din), sout = string_values(*dout);
  if (sin.size() != sout.size())
    return {};
  for (size_t k = 0; k < sin.size(); ++k) {
    const std::string &a = din->nodes[sin[k]].str;
    if (!looks_like_container(a))
      continue;
    std::string p = nested_string_problem(a, dout->nodes[sout[k]].str,
                                          depth_max, nested_seen);
    if (!p.empty())
      return "string#" + std::to_string(k) + ": " + p;
  }
  return {};
}

// Fields of OTLP bodies that are never scanned, whatever their encoding, by
// their raw key text (as the masker decides: docs/architecture.md).
inline bool protected_key(std::string_view k) {
  static const std::set<std::string_view> keys = {
      "traceId", "spanId",   "parentSpanId", "schemaUrl",
      "key",     "intValue", "bytesValue",   "traceState",
      "kind",    "flags",    "code"};
  constexpr std::string_view suffix = "UnixNano";
  return keys.count(k) || (k.size() > suffix.size() &&
                           k.substr(k.size() - suffix.size()) == suffix);
}

struct protect_stats {
  size_t strings = 0, buffers = 0, longs = 0;
};

// Walks input and output (the same shape: structure_problem is empty) and
// returns the first protected value that differs: object keys, numbers,
// literals, and the strings under a protected key at any depth. Buffer and
// Long objects hold only numbers, booleans and "Buffer": counted in `st`.
inline std::string protected_problem(const json_doc &a, const json_doc &b,
                                     uint32_t ia = 0, uint32_t ib = 0,
                                     bool prot = false,
                                     const std::string &path = {},
                                     protect_stats *st = nullptr) {
  const json_node &na = a.nodes[ia], &nb = b.nodes[ib];
  if (na.kind != nb.kind)
    return path + ": kind changed";
  switch (na.kind) {
  case jkind::object: {
    const json_node *type = a.member(na, "type");
    bool buffer = type && type->kind == jkind::string && type->str == "Buffer";
    bool long_obj = a.member(na, "low") && a.member(na, "high");
    if (st && (buffer || long_obj))
      ++(buffer ? st->buffers : st->longs);
    if (na.kids.size() != nb.kids.size())
      return path + ": member count changed";
    for (size_t i = 0; i + 1 < na.kids.size(); i += 2) {
      // The name the key spells ("trace\u0049d" is traceId).
      std::string_view key = a.nodes[na.kids[i]].str;
      if (a.raw(a.nodes[na.kids[i]]) != b.raw(b.nodes[nb.kids[i]]))
        return path + ": object key changed";
      std::string p = protected_problem(a, b, na.kids[i + 1], nb.kids[i + 1],
                                        prot || protected_key(key),
                                        path + "/" + std::string(key), st);
      if (!p.empty())
        return p;
    }
    return {};
  }
  case jkind::array:
    if (na.kids.size() != nb.kids.size())
      return path + ": element count changed";
    for (size_t i = 0; i < na.kids.size(); ++i) {
      std::string p = protected_problem(a, b, na.kids[i], nb.kids[i], prot,
                                        path + "/" + std::to_string(i), st);
      if (!p.empty())
        return p;
    }
    return {};
  case jkind::string:
    if (!prot)
      return {};
    if (st)
      ++st->strings;
    if (a.raw(na) != b.raw(nb))
      return path + ": protected string changed";
    return {};
  case jkind::number:
  case jkind::literal:
    if (a.raw(na) != b.raw(nb))
      return path + ": number/literal changed";
    return {};
  }
  return {};
}

// The OTLP parts of a document, found as the masker's walk finds them: a
// bare top-level array, or the array of a top-level "resourceSpans" /
// "resource_spans" member, is probed element by element (arrays in it
// recursively); an object element whose first key is "resource",
// "scopeSpans", "scope_spans" or "schemaUrl" is OTLP.
inline void otlp_parts_under(const json_doc &d, uint32_t node,
                             std::vector<uint32_t> *out) {
  const json_node &n = d.nodes[node];
  if (n.kind == jkind::array) {
    for (uint32_t k : n.kids)
      otlp_parts_under(d, k, out);
  } else if (n.kind == jkind::object && !n.kids.empty()) {
    std::string_view first = d.nodes[n.kids[0]].str; // decoded
    if (first == "resource" || first == "scopeSpans" ||
        first == "scope_spans" || first == "schemaUrl")
      out->push_back(node);
  }
}

inline std::vector<uint32_t> otlp_parts(const json_doc &d) {
  std::vector<uint32_t> out;
  const json_node &root = d.root();
  if (root.kind == jkind::array) {
    otlp_parts_under(d, 0, &out);
  } else if (root.kind == jkind::object) {
    for (size_t i = 0; i + 1 < root.kids.size(); i += 2) {
      std::string_view k = d.nodes[root.kids[i]].str;
      if ((k == "resourceSpans" || k == "resource_spans") &&
          d.nodes[root.kids[i + 1]].kind == jkind::array)
        otlp_parts_under(d, root.kids[i + 1], &out);
    }
  }
  return out;
}

// Every check above on one masking of `in` into `out` with `replacements`
// values masked, for inputs of any shape (the fuzzer's, the kept
// regressions): only strings changed, by spliced labels; one label per
// replacement (a label already in the input may be swallowed: a PEM block
// holding one is masked whole); nested documents intact; in the OTLP parts,
// ids, timestamps and attribute keys untouched. Empty, or the first
// violation.
inline std::string masking_problem(std::string_view in, std::string_view out,
                                   size_t replacements) {
  if (replacements == 0)
    return in == out ? std::string() : "changed with nothing replaced";
  if (std::string p = structure_problem(in, out); !p.empty())
    return "only string values change, by spliced labels: " + p;
  size_t labels = count_labels(out);
  if (labels < replacements || labels > count_labels(in) + replacements)
    return "one label per replacement";
  if (std::string p = nested_problem(in, out); !p.empty())
    return "nested JSON stays valid: " + p;
  auto a = parse_json(in), b = parse_json(out);
  if (!a || !b)
    return "the checkers' parser refuses the input or the output";
  std::vector<uint32_t> pa = otlp_parts(*a), pb = otlp_parts(*b);
  if (pa.size() != pb.size())
    return "OTLP parts differ";
  for (size_t i = 0; i < pa.size(); ++i)
    if (std::string p = protected_problem(*a, *b, pa[i], pb[i]); !p.empty())
      return "OTLP ids, timestamps and keys untouched: " + p;
  return {};
}

// ------------------------------------------------------------ doubling

// A body holding `in` twice, and what masking it must give when masking
// `in` gave `out`. Strings never join (each is its own segment of the text
// buffer), so each copy masks as it does alone, the second one after
// everything the first left in the buffer. An array or a scalar: [X,X]; an
// object: {"k":X,"k":X}; an OTLP export request {"resourceSpans":[E,...]}:
// its elements twice, as a bigger batch holds them (one level down,
// resourceSpans would be no OTLP marker). None for an object that has
// resourceSpans beside other members or no elements in it.
struct doubled_body {
  std::string input, expected;
};

inline std::optional<doubled_body> doubled(std::string_view in,
                                           std::string_view out) {
  auto a = parse_json(in), b = parse_json(out);
  if (!a || !b)
    return std::nullopt;
  const json_node &ra = a->nodes[0], &rb = b->nodes[0];
  auto wrap = [](std::string_view open, std::string_view mid,
                 std::string_view close, std::string_view x) {
    std::string s(open);
    s.append(x).append(mid).append(x).append(close);
    return s;
  };
  if (ra.kind != jkind::object)
    return doubled_body{wrap("[", ",", "]", in), wrap("[", ",", "]", out)};
  bool otlp = false;
  for (size_t k = 0; k < ra.kids.size(); k += 2) {
    const std::string &key = a->nodes[ra.kids[k]].str;
    otlp = otlp || key == "resourceSpans" || key == "resource_spans";
  }
  if (!otlp)
    return doubled_body{wrap("{\"k\":", ",\"k\":", "}", in),
                        wrap("{\"k\":", ",\"k\":", "}", out)};
  if (ra.kids.size() != 2 || rb.kids.size() != 2)
    return std::nullopt;
  const json_node &xa = a->nodes[ra.kids[1]], &xb = b->nodes[rb.kids[1]];
  if (xa.kind != jkind::array || xa.kids.empty() || xb.kind != jkind::array)
    return std::nullopt;
  auto twice = [](std::string_view text, const json_node &arr) {
    std::string_view inner =
        text.substr(arr.begin + 1, arr.end - arr.begin - 2);
    std::string s(text.substr(0, arr.end - 1));
    s.append(",").append(inner).append(text.substr(arr.end - 1));
    return s;
  };
  return doubled_body{twice(in, xa), twice(out, xb)};
}

// ------------------------------------------------------------ escapes

// The UTF-8 character at s[i] (valid, not ASCII) as a JSON \uXXXX escape,
// one past U+FFFF as a surrogate pair, the way Python's json.dumps writes
// it; *len receives the character's byte count.
inline std::string unicode_escape(std::string_view s, size_t i, size_t *len) {
  unsigned char ch = static_cast<unsigned char>(s[i]);
  *len = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;
  uint32_t cp = ch & (0xFF >> (*len + 1));
  for (size_t q = 1; q < *len; ++q)
    cp = (cp << 6) | (uint8_t(s[i + q]) & 0x3F);
  char esc[16];
  if (cp >= 0x10000)
    std::snprintf(esc, sizeof esc, "\\u%04x\\u%04x",
                  unsigned(0xD800 + ((cp - 0x10000) >> 10)),
                  unsigned(0xDC00 + ((cp - 0x10000) & 0x3FF)));
  else
    std::snprintf(esc, sizeof esc, "\\u%04x", unsigned(cp));
  return esc;
}

// `doc` (valid JSON) with about one in `one_in` of the ASCII letters,
// digits and plain punctuation and of the other characters (UTF-8) of its
// string values (and of its keys with `keys`) spelled as \uXXXX escapes;
// existing escapes keep their spelling. Every string decodes to the same
// text.
inline std::string escape_some(std::string_view doc, uint64_t seed,
                               size_t one_in, bool keys) {
  auto below = [&seed](size_t n) { // splitmix64
    uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return size_t((z ^ (z >> 31)) % n);
  };
  std::string out;
  size_t i = 0;
  while (i < doc.size()) {
    if (doc[i] != '"') {
      out += doc[i++];
      continue;
    }
    size_t j = i + 1;
    while (doc[j] != '"')
      j += doc[j] == '\\' ? 2 : 1;
    size_t k = j + 1;
    while (k < doc.size() && std::strchr(" \t\r\n", doc[k]))
      ++k;
    const bool key = k < doc.size() && doc[k] == ':';
    out += '"';
    for (size_t p = i + 1; p < j; ++p) {
      unsigned char ch = static_cast<unsigned char>(doc[p]);
      if (ch == '\\') {
        size_t len = doc[p + 1] == 'u' ? 6 : 2;
        out.append(doc, p, len);
        p += len - 1;
      } else if ((keys || !key) && ch < 0x80 &&
                 (std::isalnum(ch) || std::strchr(" .-@:+/()_[]{},", ch)) &&
                 below(one_in) == 0) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", unsigned(ch));
        out += esc;
      } else if ((keys || !key) && ch >= 0xC2 && ch <= 0xF4 &&
                 below(one_in) == 0) {
        size_t len = 0;
        out += unicode_escape(doc, p, &len);
        p += len - 1;
      } else {
        out += char(ch);
      }
    }
    out += '"';
    i = j + 1;
  }
  return out;
}

// Where two parsed documents differ (strings compared decoded), or "".
inline std::string tree_difference(const json_doc &a, uint32_t ia,
                                   const json_doc &b, uint32_t ib) {
  const json_node &x = a.nodes[ia], &y = b.nodes[ib];
  std::string_view xt = a.text.substr(x.begin, x.end - x.begin);
  std::string_view yt = b.text.substr(y.begin, y.end - y.begin);
  if (x.kind != y.kind || x.kids.size() != y.kids.size())
    return "shape at " + std::string(xt.substr(0, 80));
  if (x.kind == jkind::string && x.str != y.str)
    return "\"" + x.str + "\" vs \"" + y.str + "\"";
  if ((x.kind == jkind::number || x.kind == jkind::literal) && xt != yt)
    return std::string(xt) + " vs " + std::string(yt);
  for (size_t k = 0; k < x.kids.size(); ++k)
    if (std::string d = tree_difference(a, x.kids[k], b, y.kids[k]); !d.empty())
      return d;
  return {};
}

} // namespace maskd::test
