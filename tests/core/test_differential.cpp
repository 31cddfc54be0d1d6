// Differential tests. The masker's fast path (simdjson stage 1 + its own
// grammar walk) must agree with json_text::validate (a scalar reference)
// on every input, valid or not; the independent parser of test_support.h
// is a third opinion on the grammar. Inputs are deterministic pseudo-random
// mutations of small corpus bodies, and generated documents full of PII,
// escapes and nested JSON.
//
// Observed and required: when both refuse, the error kind and offset are
// identical (the masker locates syntax/UTF-8/depth errors with validate),
// so no invalid_json/invalid_utf8 leeway is needed.
#include "core/json_text.h"
#include "core/masker.h"
#include "core/rule_set.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "tests/core/test_support.h"

namespace maskd::test {
namespace {

using core::error_kind;

// splitmix64: small, fast, and the same sequence on every platform.
struct rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
};

// Fragments that change the grammar or the encoding.
const std::string_view k_inserts[] = {"\"",
                                      "{",
                                      "}",
                                      "[",
                                      "]",
                                      ",",
                                      ":",
                                      "\\",
                                      "\\u",
                                      "\\ud83d",
                                      "\\u00",
                                      "\\\"",
                                      "0",
                                      "-",
                                      ".",
                                      "e",
                                      " ",
                                      "\n",
                                      "true",
                                      "nul",
                                      "01",
                                      "1.",
                                      std::string_view("\0", 1),
                                      "\x01",
                                      "\xC3",
                                      "\xA9",
                                      "\xC3\xA9",
                                      "\xE2\x82",
                                      "\xE2\x82\xAC",
                                      "\xED\xA0\x80",
                                      "\xF0\x9F\x98\x80",
                                      "\x80",
                                      "\xFF",
                                      "\xC0\xAF",
                                      "@example.com",
                                      "4111 1111 1111 1111",
                                      "\\n",
                                      "{\"a\":",
                                      "[[[[",
                                      "]]]]"};

std::string mutate(std::string s, rng &r) {
  size_t n = 1 + r.below(3);
  for (size_t k = 0; k < n; ++k) {
    size_t pos = r.below(s.size() + 1);
    switch (r.below(4)) {
    case 0: // byte flip
      if (!s.empty()) {
        pos = r.below(s.size());
        s[pos] = char(r.next() & 0xFF);
      }
      break;
    case 1: // delete 1-4 bytes
      s.erase(std::min(pos, s.size()), 1 + r.below(4));
      break;
    case 2: { // insert a fragment
      auto f = k_inserts[r.below(std::size(k_inserts))];
      s.insert(pos, f.data(), f.size());
      break;
    }
    case 3: // truncate
      s.resize(pos);
      break;
    }
  }
  return s;
}

std::vector<std::string> seed_bodies() {
  std::vector<std::string> seeds;
  for (const char *rel :
       {"public/001-small.json", "public/004-small.json",
        "public/008-small.json", "langfuse/00_langfuse_unit_test_request.json",
        "langfuse/"
        "03_semantic_kernel_gen_ai_events_callback_body.current.json"}) {
    std::string body = read_file(corpus_dir() / rel);
    EXPECT_FALSE(body.empty()) << rel;
    if (!body.empty())
      seeds.push_back(body);
  }
  seeds.push_back(
      R"({"a":"jane\u0040example.com \ud83d","b":[1.0,-0.0,1e-7,true,null],)"
      R"("c":"{\"k\":\"+14155550123\",\"n\":[1,2]}","d":"caf\u00e9 \n\t"})");
  return seeds;
}

struct verdict {
  error_kind kind;
  size_t offset;
  std::string output;
  uint32_t replacements;
};

verdict run(core::masker &m, std::string_view body, size_t align) {
  padded in(body, align);
  core::mask_result r = m.mask(in.view());
  return {r.error, r.error_offset, std::string(r.output), r.replacements};
}

// Checks one input against the reference and the invariants; returns false
// (after reporting) on the first disagreement so a run stops early.
bool check_one(core::masker &a, core::masker &b, std::string_view body,
               size_t case_no, size_t *accepted) {
  const uint32_t depth_max = core::limits{}.depth_max;
  auto v = core::json_text::validate(body, depth_max);
  verdict x = run(a, body, 0);
  verdict y = run(b, body, 1 + case_no % 63);
  std::string show = std::string(body.substr(0, 200));
  if (x.kind != v.kind ||
      (v.kind != error_kind::none && x.offset != v.offset)) {
    ADD_FAILURE() << "case " << case_no << ": masker "
                  << core::error_kind_name(x.kind) << "@" << x.offset
                  << " vs validate " << core::error_kind_name(v.kind) << "@"
                  << v.offset << "\n  input (" << body.size()
                  << " bytes): " << show;
    return false;
  }
  if (x.kind != y.kind || x.offset != y.offset || x.output != y.output) {
    ADD_FAILURE() << "case " << case_no
                  << ": second masker / other alignment disagrees\n  input: "
                  << show;
    return false;
  }
  // The independent parser agrees on the grammar (it does not check UTF-8).
  bool parses = parse_json(body).has_value();
  if (v.kind == error_kind::none && !parses) {
    ADD_FAILURE() << "case " << case_no
                  << ": validate accepts, test parser refuses: " << show;
    return false;
  }
  if (v.kind == error_kind::invalid_json && parses) {
    ADD_FAILURE() << "case " << case_no
                  << ": validate refuses, test parser accepts: " << show;
    return false;
  }
  if (x.kind != error_kind::none) {
    if (!x.output.empty()) {
      ADD_FAILURE() << "case " << case_no << ": output on error";
      return false;
    }
    return true;
  }
  ++*accepted;
  auto vo = core::json_text::validate(x.output, depth_max);
  if (vo.kind != error_kind::none) {
    ADD_FAILURE() << "case " << case_no
                  << ": output invalid: " << core::error_kind_name(vo.kind)
                  << "@" << vo.offset << "\n  input: " << show;
    return false;
  }
  if (x.replacements == 0 && x.output != body) {
    ADD_FAILURE() << "case " << case_no << ": no replacement, output differs";
    return false;
  }
  if (x.replacements > 0) {
    const auto *info = testing::UnitTest::GetInstance()->current_test_info();
    int parts_before = info->result()->total_part_count();
    expect_only_strings_changed(body, x.output,
                                "case " + std::to_string(case_no));
    if (info->result()->total_part_count() != parts_before)
      return false;
    verdict again = run(a, x.output, 0);
    if (again.kind != error_kind::none || again.replacements != 0) {
      ADD_FAILURE() << "case " << case_no << ": not idempotent, second pass "
                    << again.replacements << " replacements\n  input:  " << show
                    << "\n  first pass vs second pass "
                    << first_difference(x.output, again.output);
      return false;
    }
  }
  return true;
}

TEST(Differential, MutatedCorpusBodiesAgreeWithValidate) {
  ASSERT_TRUE(builtin_rules());
  auto seeds = seed_bodies();
  ASSERT_GE(seeds.size(), 5u);
  core::masker a(builtin_rules());
  core::masker b(builtin_rules());
  rng r{0x6D61736B64ull}; // "maskd"
  constexpr size_t k_cases = 20000;
  size_t accepted = 0, failures = 0;
  for (size_t i = 0; i < k_cases && failures < 5; ++i) {
    std::string body = mutate(seeds[i % seeds.size()], r);
    failures += !check_one(a, b, body, i, &accepted);
  }
  // Mutations must exercise both verdicts, or the test proves little.
  EXPECT_GT(accepted, k_cases / 20);
  EXPECT_LT(accepted, k_cases - k_cases / 20);
  RecordProperty("accepted", int(accepted));
}

// Generated valid documents: strings assembled from raw (already escaped)
// fragments that hold PII, escapes, surrogates and nested JSON.
const std::string_view k_fragments[] = {
    "jane@example.com",
    "jane\\u0040example.com",
    " ",
    "\\n",
    "\\\"",
    "+14155550123",
    "4111 1111 1111 1111",
    "192.168.1.20",
    "2001:db8::1",
    "caf\xC3\xA9",
    "\xF0\x9F\x98\x80",
    "\\ud83d",
    "\\ud83d\\ude00",
    "call me on ",
    "4155550123",
    "ssn ",
    "536228726",
    "536-22-8726",
    "DE89370400440532013000",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "4111\\u00a01111\\u00a01111\\u00a01111",
    "https://h.io/?e=jane%40example.com&x=1",
    "j\xC3\xBC"
    "rgen.m\xC3\xBC"
    "ller@b\xC3\xBC"
    "cher.de",
    "Bearer 8f3kA9xQ2mP7vL4tR6wZ1nB5",
    "postgres://app:s3cr3tPass@db:5432/x",
    "AKIAIOSFODNN7EXAMPLE",
    "{\\\"k\\\":\\\"jane@example.com\\\",\\\"n\\\":[1,2]}",
    "\\\\",
    "\\/",
    "[REDACTED_EMAIL]",
    "550e8400-e29b-41d4-a716-446655440000",
    "1744035565203784629",
    "@@@langfuseMedia:type=image/png|id=a|source=b@@@",
    "-----BEGIN PRIVATE KEY-----\\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\\n"
    "-----END PRIVATE KEY-----"};

std::string gen_string(rng &r, bool glue = false) {
  std::string s = "\"";
  size_t n = r.below(6);
  // Separated like words in text; GluedFragmentPairsAreIdempotent covers
  // fragments that touch (and `glue` lets some touch here).
  const char *seps[] = {" ", "\\n", ", ", " - ", "\\t", "", ""};
  for (size_t i = 0; i < n; ++i) {
    if (i)
      s += seps[r.below(std::size(seps) - (glue ? 0 : 2))];
    s += k_fragments[r.below(std::size(k_fragments))];
  }
  return s + "\"";
}

std::string gen_value(rng &r, int depth, bool glue = false) {
  size_t pick = r.below(depth > 4 ? 3 : 6);
  switch (pick) {
  case 0:
  case 1:
    return gen_string(r, glue);
  case 2: {
    const char *scalars[] = {"0",
                             "-0.0",
                             "1e-7",
                             "1.50",
                             "true",
                             "null",
                             "4111111111111111",
                             "1744035565203784629"};
    return scalars[r.below(std::size(scalars))];
  }
  case 3:
  case 4: {
    std::string s = "{";
    const char *keys[] = {"msg",   "phone",   "ssn",         "key",
                          "value", "traceId", "stringValue", "jane@example.com",
                          "a"};
    size_t n = r.below(5);
    for (size_t i = 0; i < n; ++i) {
      s += i ? ", " : "";
      s.append("\"").append(keys[r.below(std::size(keys))]).append("\":");
      s += gen_value(r, depth + 1, glue);
    }
    return s + "}";
  }
  default: {
    std::string s = "[";
    size_t n = r.below(5);
    for (size_t i = 0; i < n; ++i) {
      s += i ? "," : "";
      s += gen_value(r, depth + 1, glue);
    }
    return s + "]";
  }
  }
}

TEST(Differential, GeneratedDocumentsKeepInvariants) {
  ASSERT_TRUE(builtin_rules());
  core::masker a(builtin_rules());
  core::masker b(builtin_rules());
  rng r{20261127};
  size_t accepted = 0, failures = 0, masked = 0;
  for (size_t i = 0; i < 2000 && failures < 10; ++i) {
    std::string doc = gen_value(r, 0);
    if (r.below(3) == 0) { // also the bare-array OTLP probe path
      std::string wrapped = "[{\"resource\":";
      wrapped.append(doc).append(",\"scopeSpans\":[").append(doc).append("]}]");
      doc = std::move(wrapped);
    }
    ASSERT_EQ(core::json_text::validate(doc, 256).kind, error_kind::none)
        << "generator made invalid JSON: " << doc;
    failures += !check_one(a, b, doc, i, &accepted);
    masked += doc.find("example.com") != std::string::npos;
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(masked, 50u);
}

// Generated documents nested in strings of generated documents, one to four
// levels deep (a message list holding a tool call holding its arguments):
// every invariant holds (masking_problem: nested documents stay valid at
// every level, which needs bare numbers masked as quoted labels), and a
// second pass changes nothing.
// `doc` with random JSON whitespace (spaces, newlines, tabs) after some of
// its structural characters: pretty-printed documents spell their layout
// with escapes once nested.
std::string sprinkle_whitespace(const std::string &doc, rng &r) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < doc.size(); ++i) {
    char ch = doc[i];
    out.push_back(ch);
    if (in_string) {
      if (ch == '\\' && i + 1 < doc.size())
        out.push_back(doc[++i]);
      else if (ch == '"')
        in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (std::strchr("{[,:", ch) && r.below(3) == 0) {
      const char *ws[] = {" ", "\n  ", "\t", "\r\n"};
      out += ws[r.below(std::size(ws))];
    }
  }
  return out;
}

// MASKD_NESTED_SEED and MASKD_NESTED_CASES run it longer from another seed
// (a soak: each million cases takes ~20 s; at 300,000 cases per seed, seeds
// 1 and 2 found the two bugs the default run now covers in test_rules.cpp).
TEST(Differential, NestedGeneratedDocumentsStayValid) {
  ASSERT_TRUE(builtin_rules());
  core::masker m(builtin_rules());
  auto env = [](const char *name, uint64_t fallback) {
    const char *v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 10) : fallback;
  };
  rng r{env("MASKD_NESTED_SEED", 20261206)};
  const uint64_t cases = env("MASKD_NESTED_CASES", 20000);
  size_t failures = 0, quoted = 0;
  for (size_t i = 0; i < cases && failures < 10; ++i) {
    std::string doc = gen_value(r, 2, r.below(2) == 0);
    size_t levels = 1 + r.below(4);
    for (size_t k = 0; k < levels; ++k) {
      if (r.below(2) == 0)
        doc = sprinkle_whitespace(doc, r);
      const char *keys[] = {"arguments", "phone", "ssn", "content", "card"};
      doc = "{\"" + std::string(keys[r.below(std::size(keys))]) + "\":\"" +
            json_escape(doc) + "\"}";
    }
    ASSERT_EQ(core::json_text::validate(doc, 256).kind, error_kind::none)
        << doc;
    core::mask_result res;
    std::string out = mask_copy(m, doc, &res);
    ASSERT_TRUE(res.ok()) << core::error_kind_name(res.error) << ": " << doc;
    std::string p = masking_problem(doc, out, res.replacements);
    if (!p.empty()) {
      ADD_FAILURE() << "case " << i << ": " << p << "\n  input: " << doc;
      ++failures;
      continue;
    }
    core::mask_result again;
    std::string twice = mask_copy(m, out, &again);
    if (again.replacements != 0 || twice != out) {
      ADD_FAILURE() << "case " << i << ": not idempotent\n  input: " << doc;
      ++failures;
      continue;
    }
    quoted += out.find("\\\"[REDACTED_") != std::string::npos;
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(quoted, 50u); // the generator does reach quoted labels
  RecordProperty("quoted", int(quoted));
}

// Everything is decided on decoded text and JSON structure, not spelling:
// a value spelled with escapes masks to the same decoded text as the value
// spelled plainly (the labels cover the escapes their text came from), a
// key spelled with escapes is the key it spells (an OTLP id under
// "trace\u0049d" stays, a number under "\u0070hone" is a phone), and
// whitespace between the body's tokens changes nothing. Corpus bodies and
// generated documents nested one to three levels, each with escapes
// sprinkled at three densities, in values only and in keys too, and
// with whitespace.
TEST(Differential, EscapedTextMasksAsPlain) {
  core::masker m(builtin_rules());
  rng r{20261207};
  std::vector<std::string> docs;
  for (const char *set : {"public", "langfuse", "bench"})
    for (const auto &path : corpus_bodies(set))
      docs.push_back(read_file(path));
  ASSERT_GE(docs.size(), 30u);
  for (size_t i = 0; i < 1500; ++i) {
    std::string doc = gen_value(r, 1, r.below(2) == 0);
    for (size_t k = r.below(3); k > 0; --k)
      doc = "{\"content\":\"" + json_escape(doc) + "\"}";
    docs.push_back(doc);
  }
  size_t failures = 0, masked = 0;
  for (size_t i = 0; i < docs.size() && failures < 10; ++i) {
    core::mask_result plain_r;
    std::string plain = mask_copy(m, docs[i], &plain_r);
    ASSERT_TRUE(plain_r.ok()) << docs[i];
    auto want = parse_json(plain);
    ASSERT_TRUE(want);
    masked += plain_r.replacements > 0;
    // (escape one in N, keys too, then whitespace between tokens); N = 0:
    // no escapes.
    for (auto [one_in, keys, pretty] :
         {std::tuple<size_t, bool, bool>{1, false, false},
          {3, false, false},
          {17, false, false},
          {1, true, false},
          {4, true, false},
          {0, false, true},
          {5, true, true}}) {
      std::string esc =
          one_in ? escape_some(docs[i], r.next(), one_in, keys) : docs[i];
      if (pretty)
        esc = sprinkle_whitespace(esc, r);
      core::mask_result er;
      std::string out = mask_copy(m, esc, &er);
      auto got = er.ok() ? parse_json(out) : std::nullopt;
      std::string d = got ? tree_difference(*want, 0, *got, 0) : "an error";
      if (!d.empty() || er.replacements != plain_r.replacements) {
        ++failures;
        ADD_FAILURE() << "document " << i << ", escapes 1 in " << one_in
                      << (keys ? " (keys too)" : "")
                      << (pretty ? " (whitespace)" : "") << ": " << d
                      << "\n  input: " << esc.substr(0, 2000);
        break;
      }
    }
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(masked, 500u);
}

// Every pair of fragments glued together, alone in a string: masking is
// idempotent and keeps the document valid. Glued text is where a label can
// change what its neighbour's boundary looks like.
TEST(Differential, GluedFragmentPairsAreIdempotent) {
  core::masker a(builtin_rules());
  core::masker b(builtin_rules());
  size_t accepted = 0, failures = 0, n = 0;
  for (auto f1 : k_fragments)
    for (auto f2 : k_fragments) {
      std::string doc =
          "{\"msg\":\"" + std::string(f1) + std::string(f2) + "\"}";
      failures += !check_one(a, b, doc, n++, &accepted);
    }
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(accepted, n);
}

// Strings never join: each is its own segment of the text buffer, after a
// NUL. So two values side by side mask as each does alone, whatever the
// first one ends with (a context word, half an e-mail, a digit run, an
// open escape of a nested document) and the second begins with. Every
// pair of fragments, then generated values (nested documents among them).
TEST(Differential, NeighbouringValuesMaskAsAlone) {
  core::masker m(builtin_rules());
  size_t failures = 0;
  auto check = [&](const std::string &x, const std::string &y) {
    core::mask_result rx, ry, rp;
    std::string mx = mask_copy(m, x, &rx), my = mask_copy(m, y, &ry);
    // Under a neutral key, as each is alone on top (generic mode).
    std::string pair = "{\"a\":" + x + ",\"b\":" + y + "}";
    std::string got = mask_copy(m, pair, &rp);
    if (!rx.ok() || !ry.ok() || !rp.ok())
      return ++failures, void(ADD_FAILURE() << "an error: " << pair);
    std::string want = "{\"a\":" + mx + ",\"b\":" + my + "}";
    if (got != want || rp.replacements != rx.replacements + ry.replacements) {
      ++failures;
      ADD_FAILURE() << first_difference(want, got) << "\n  input: " << pair;
    }
  };
  auto quoted = [](std::string_view f) {
    std::string s(1, '"');
    return s.append(f).append(1, '"');
  };
  for (auto f1 : k_fragments)
    for (auto f2 : k_fragments)
      if (failures < 10)
        check(quoted(f1), quoted(f2));
  rng r{20261207};
  for (size_t i = 0; i < 3000 && failures < 10; ++i)
    check(gen_value(r, 1, r.below(2) == 0), gen_value(r, 1, r.below(2) == 0));
  EXPECT_EQ(failures, 0u);
}

// Offsets past a body's end must not matter: the same body at the end of a
// larger buffer, followed by poison bytes, gives the same answer.
TEST(Differential, BytesAfterTheInputAreIgnored) {
  core::masker m(builtin_rules());
  for (std::string body :
       {std::string(R"({"a":"jane@example.com"})"), std::string("[1,2"),
        std::string(R"({"a":"x)"), std::string("[\"\xC3")}) {
    verdict base = run(m, body, 0);
    std::string bigger = body + "\"]}";
    // A view of the first body.size() bytes of a buffer that continues
    // with text that would complete the document.
    std::string buf = bigger + std::string(core::input_padding_bytes, '}');
    core::mask_result r = m.mask(std::string_view(buf).substr(0, body.size()));
    EXPECT_EQ(r.error, base.kind) << body;
    EXPECT_EQ(r.error_offset, base.offset) << body;
    EXPECT_EQ(std::string(r.output), base.output) << body;
  }
}

// ------------------------------------------------ anchored vs start-of-match
// The cluster and context rules are located by an anchored automaton run
// from each byte a confirmable match can start at: for each end, the
// leftmost start that passes the left edge check (and, for an IBAN, mod
// 97). The reference is the rule's start-of-match automaton over the whole
// window, which gives each end its leftmost start whatever the edge; where
// that start fails, it scans again from the byte after it (masker.cpp,
// locate_in_som). The two must mask the same bytes.

const std::shared_ptr<const core::rule_set> &som_reference_rules() {
  static const std::shared_ptr<const core::rule_set> rules = [] {
    std::string err;
    core::rule_set_options opts;
    opts.reference_locator = true;
    auto r = core::rule_set::compile(opts, &err);
    if (!r)
      ADD_FAILURE() << "rule_set::compile failed: " << err;
    return r;
  }();
  return rules;
}

// Text made of what digit clusters hold: digit runs, separators, '+', '(',
// capitals, hex letters, NBSP, escapes, and real values to glue to them.
std::string gen_cluster_text(rng &r) {
  static const char *pieces[] = {"0",
                                 "1",
                                 "2",
                                 "3",
                                 "4",
                                 "5",
                                 "7",
                                 "9",
                                 "41",
                                 "555",
                                 "0123",
                                 "4111",
                                 "1111",
                                 "2020",
                                 "07700",
                                 "900123",
                                 "89",
                                 "3704",
                                 "0532013000",
                                 " ",
                                 " ",
                                 "-",
                                 ".",
                                 "(",
                                 ")",
                                 "+",
                                 "/",
                                 ":",
                                 "::",
                                 "\\u00a0",
                                 "\xC2\xA0",
                                 "\xE2\x80\xAF",
                                 "\\n",
                                 "\\t",
                                 "DE",
                                 "GB",
                                 "WEST",
                                 "X",
                                 "a",
                                 "fe80",
                                 "v",
                                 "x",
                                 "tel ",
                                 "call ",
                                 "ssn ",
                                 "phone: ",
                                 ", ",
                                 "@",
                                 "_",
                                 "4111 1111 1111 1111",
                                 "DE89 3704 0044 0532 0130 00",
                                 "GB82WEST12345698765432",
                                 "+44 20 7946 0958",
                                 "(415) 555-0123",
                                 "536-22-4681",
                                 "192.168.10.24",
                                 "2001:db8::8a2e:370:7334",
                                 "030 12345678",
                                 "4155550123",
                                 "5500-0000-0000-0004",
                                 "378282246310005",
                                 "4111\xC2\xA0"
                                 "1111\xC2\xA0"
                                 "1111\xC2\xA0"
                                 "1111",
                                 "536\xE2\x80\xAF"
                                 "22\xE2\x80\xAF"
                                 "8726",
                                 "MT84MALT011000012345MTLCAST001S",
                                 "USD"};
  std::string s;
  size_t n = 1 + r.below(24);
  for (size_t i = 0; i < n; ++i)
    s += pieces[r.below(std::size(pieces))];
  return s;
}

// The international phone rule's variant for nested no-break-space escapes
// is too large for a start-of-match automaton, so the reference takes the
// plain expression and misses such a phone. After an SSN word it then
// masks the SSN-shaped digits inside it instead: as many labels, less
// masked (found by the fuzzer). The anchored locator masks the phone whole.
TEST(Differential, ReferenceMissesPhonesJoinedByNestedEscapes) {
  core::masker fast(builtin_rules());
  core::masker ref(som_reference_rules());
  const std::string doc = R"(["ssn.+3\\u00a0133333400"])";
  verdict a = run(fast, doc, 0), b = run(ref, doc, 0);
  EXPECT_EQ(a.output, R"(["ssn.[REDACTED_PHONE]"])");
  EXPECT_EQ(b.output, R"(["ssn.+3\\u00a0[REDACTED_US_SSN]"])");
  EXPECT_TRUE(masked_more(a.output, b.output));
  EXPECT_FALSE(masked_more(b.output, a.output));
  // Glued to an e-mail address that takes its digits for a local part
  // (fuzz run 13's input): the anchored locator masks the phone, the
  // reference the address. Neither keeps what the other masked, so the
  // fuzzer compares no such body (fuzz_mask.cpp: has_nested_space_escape).
  const std::string glued =
      R"x("-EN333933333/333{sn33'41111111111&11113V3911/33.33366')x"
      R"x(3106354911{\"card\":/33.+33\\u00a01333339@bbit.loc(l:55511/1/)x"
      R"x(33.33333'31109386673400")x";
  a = run(fast, glued, 0);
  b = run(ref, glued, 0);
  EXPECT_NE(a.output.find("[REDACTED_PHONE]@bbit.loc"), std::string::npos);
  EXPECT_NE(b.output.find(R"(+33\\u00a0[REDACTED_EMAIL])"), std::string::npos);
  EXPECT_FALSE(masked_more(a.output, b.output));
  EXPECT_FALSE(masked_more(b.output, a.output));
}

// Each end's leftmost start fails the edge check, and a later one passes:
// the reference finds it by scanning again. Before it did, it kept these
// values, or kept a shorter overlapping one that then let a second value in
// (fuzz run 33: "00300048-006-000000001" after "handy", where the leftmost
// start of the longer phone, "0048-...", is glued to the digits before it).
TEST(Differential, ReferenceRetriesAStartThatFailsTheEdge) {
  core::masker fast(builtin_rules());
  core::masker ref(som_reference_rules());
  const std::pair<const char *, const char *> cases[] = {
      {R"(["handy 00300048-006-000000001"])",
       R"(["handy 00300048-[REDACTED_PHONE]"])"},
      {R"(["ref AB12 DE89 3704 0044 0532 0130 00"])",
       R"(["ref AB12 [REDACTED_IBAN]"])"},
      {R"(["id 9+1(415) 555-0123"])", R"(["id 9+[REDACTED_PHONE]"])"},
  };
  for (const auto &[doc, want] : cases) {
    EXPECT_EQ(run(fast, doc, 0).output, want);
    EXPECT_EQ(run(ref, doc, 0).output, want);
  }
}

TEST(Differential, AnchoredLocatorMasksWhatStartOfMatchMasks) {
  ASSERT_TRUE(builtin_rules() && som_reference_rules());
  core::masker fast(builtin_rules());
  core::masker ref(som_reference_rules());
  rng r{20261128};
  size_t same = 0, masked = 0, failures = 0;
  auto compare = [&](const std::string &doc, const std::string &what) {
    verdict a = run(fast, doc, 0), b = run(ref, doc, 0);
    if (a.kind != b.kind) {
      ADD_FAILURE() << what << ": " << core::error_kind_name(a.kind) << " vs "
                    << core::error_kind_name(b.kind);
      return ++failures, void();
    }
    masked += b.replacements > 0;
    if (a.output == b.output) {
      ++same;
      return;
    }
    ADD_FAILURE() << what << ": anchored " << a.replacements
                  << " replacements vs start-of-match " << b.replacements
                  << "\n  " << first_difference(a.output, b.output);
    ++failures;
  };
  for (size_t i = 0; i < 20000 && failures < 10; ++i) {
    std::string text = gen_cluster_text(r);
    std::string key = r.below(4) == 0   ? "phone"
                      : r.below(3) == 0 ? "ssn"
                                        : "msg";
    compare("{\"" + key + "\":\"" + text + "\"}", "generated " + text);
  }
  for (const auto &p : corpus_bodies("public"))
    compare(read_file(p), p.string());
  for (const auto &p : corpus_bodies("bench"))
    compare(read_file(p), p.string());
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(masked, 5000u); // the generator does reach the rules
  RecordProperty("same", int(same));
}

} // namespace
} // namespace maskd::test
