// DESIGN.md §3 invariants of the masking pass, checked on every corpus body
// (public/, bench/, langfuse/, globbed at run time from $MASKD_CORPUS), and
// the ground truth of the manifests (planted PII gone, decoys kept).
// The checks use the independent parser of test_support.h, never core code,
// except json_text::validate as a second opinion on output validity.
#include "core/json_text.h"
#include "core/masker.h"
#include "core/rule_set.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/core/test_support.h"

namespace maskd::test {
namespace {

namespace fs = std::filesystem;
using core::error_kind;

// "public/001-small.json" for every body of the three sets.
std::vector<std::string> all_bodies() {
  std::vector<std::string> out;
  for (const char *set : {"public", "bench", "langfuse"})
    for (const auto &p : corpus_bodies(set))
      out.push_back(std::string(set) + "/" + p.filename().string());
  return out;
}

std::vector<std::string> bodies_with_manifest() {
  std::vector<std::string> out;
  for (const auto &b : all_bodies()) {
    fs::path p = corpus_dir() / b;
    fs::path m = p.parent_path() / (p.stem().string() + ".manifest.json");
    if (fs::exists(m))
      out.push_back(b);
  }
  return out;
}

fs::path manifest_of(const std::string &body) {
  fs::path p = corpus_dir() / body;
  return p.parent_path() / (p.stem().string() + ".manifest.json");
}

std::string param_name(const testing::TestParamInfo<std::string> &info) {
  std::string_view p = info.param;
  if (p.size() > 5 && p.substr(p.size() - 5) == ".json")
    p.remove_suffix(5);
  std::string n;
  for (char c : p)
    n.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return n;
}

// One masking of each body, shared by the tests of that body.
struct masked_body {
  std::string input;
  core::mask_result result; // output view not kept: see `output`
  std::string output;
  bool output_is_input = false; // output view pointed at the input buffer
};

const masked_body &masked(const std::string &rel) {
  static std::map<std::string, masked_body> cache;
  auto it = cache.find(rel);
  if (it != cache.end())
    return it->second;
  masked_body mb;
  mb.input = read_file(corpus_dir() / rel);
  padded in(mb.input);
  mb.result = shared_masker().mask(in.view());
  mb.output = std::string(mb.result.output);
  mb.output_is_input = mb.result.output.data() == in.data();
  mb.result.output = {};
  mb.result.replacements_by_rule = {};
  return cache.emplace(rel, std::move(mb)).first->second;
}

// The leaf string plus every string and key inside JSON it encodes,
// recursively (like score.py's universe()).
void universe(const std::string &s, std::vector<std::string> *out,
              int depth = 0) {
  out->push_back(s);
  if (depth > 6 || !looks_like_container(s))
    return;
  auto d = parse_json(s);
  if (!d)
    return;
  for (const auto &n : d->nodes) {
    if (n.kind != jkind::string)
      continue;
    if (n.is_key)
      out->push_back(n.str);
    else
      universe(n.str, out, depth + 1);
  }
}

std::string joined_universe(const std::string &leaf) {
  std::vector<std::string> u;
  universe(leaf, &u);
  std::string all;
  for (const auto &s : u)
    all.append(s).push_back('\0');
  return all;
}

// Follows a manifest path (keys and indices) in a document.
const json_node *at_path(const json_doc &d, const json_doc &manifest,
                         const json_node &path) {
  const json_node *n = &d.root();
  for (uint32_t k : path.kids) {
    const json_node &step = manifest.nodes[k];
    if (step.kind == jkind::string) {
      n = d.member(*n, step.str);
    } else if (step.kind == jkind::number && n->kind == jkind::array) {
      size_t i = std::stoul(std::string(manifest.raw(step)));
      n = i < n->kids.size() ? &d.nodes[n->kids[i]] : nullptr;
    } else {
      n = nullptr;
    }
    if (!n)
      return nullptr;
  }
  return n;
}

// ------------------------------------------------------------ checkers

// The checkers below must catch what they claim to, or every corpus test
// passes vacuously.
TEST(Checkers, OnlyLabelsSpliced) {
  EXPECT_TRUE(only_labels_spliced("abc", "abc"));
  EXPECT_TRUE(
      only_labels_spliced("mail jane@x.com now", "mail [REDACTED_EMAIL] now"));
  EXPECT_TRUE(only_labels_spliced("a1b2c", "a[REDACTED_X]b[REDACTED_Y]c"));
  EXPECT_TRUE(only_labels_spliced("12", "[REDACTED_X][REDACTED_Y]"));
  EXPECT_FALSE(only_labels_spliced("ac", "a[REDACTED_X]c")); // empty match
  EXPECT_FALSE(only_labels_spliced("abc", "abd"));
  EXPECT_FALSE(only_labels_spliced("abc", "[REDACTED_X]d"));
  EXPECT_FALSE(only_labels_spliced("x jane y", "x [REDACTED_EMAIL]  y"));
  EXPECT_FALSE(only_labels_spliced("1", "[REDACTED_X][REDACTED_Y]"));
  // A label quoted for a nested document, one or two levels down.
  EXPECT_TRUE(
      only_labels_spliced(R"({\"a\":41})", R"({\"a\":\"[REDACTED_X]\"})"));
  EXPECT_TRUE(only_labels_spliced(R"(\\\"a\\\":41})",
                                  R"(\\\"a\\\":\\\"[REDACTED_X]\\\"})"));
  EXPECT_FALSE(
      only_labels_spliced(R"({\"a\":41})", R"({\"a\":\"[REDACTED_X]\\\"})"));
  EXPECT_FALSE(
      only_labels_spliced(R"({\"a\":41})", R"({\"a\":\"[REDACTED_X]})"));
}

TEST(Checkers, StructureCheckCatchesChangesOutsideStrings) {
  EXPECT_NONFATAL_FAILURE(
      expect_only_strings_changed(R"({"a":1})", R"({"a":1.0})", "t"),
      "outside string values");
  EXPECT_NONFATAL_FAILURE(
      expect_only_strings_changed(R"({"a": "x"})", R"({"a":"x"})", "t"),
      "outside string values");
  EXPECT_NONFATAL_FAILURE(
      expect_only_strings_changed(R"({"jane@x.com":"x"})",
                                  R"({"[REDACTED_EMAIL]":"x"})", "t"),
      "outside string values");
  EXPECT_NONFATAL_FAILURE(
      expect_only_strings_changed(R"(["jane@x.com"])",
                                  R"(["[REDACTED_EMAIL]x"])", "t"),
      "more than spliced labels");
  EXPECT_FATAL_FAILURE(
      expect_only_strings_changed(R"(["a","b"])", R"(["a"])", "t"),
      "string value count");
}

TEST(Checkers, ProtectedAndNestedChecksCatchChanges) {
  auto check = [](std::string_view in, std::string_view out) {
    auto a = parse_json(in), b = parse_json(out);
    return a && b ? protected_problem(*a, *b) : std::string("no parse");
  };
  EXPECT_EQ(
      check(R"({"traceId":"ab","x":"ab"})", R"({"traceId":"ab","x":"[R]"})"),
      "");
  EXPECT_NE(check(R"({"traceId":"ab"})", R"({"traceId":"[R]"})"), "");
  EXPECT_NE(check(R"({"a":{"key":["a@b.co"]}})", R"({"a":{"key":["[R]"]}})"),
            "");
  EXPECT_NE(check(R"([{"type":"Buffer","data":[1]}])",
                  R"([{"type":"Buffer","data":[2]}])"),
            "");
  size_t seen = 0;
  EXPECT_EQ(nested_problem(R"(["{\"a\":\"x@y.co\"}"])",
                           R"(["{\"a\":\"[REDACTED_EMAIL]\"}"])", 6, &seen),
            "");
  EXPECT_EQ(seen, 1u);
  // A nested document's keys are text to the masker: masked like values.
  EXPECT_EQ(nested_problem(R"(["{\"x@y.co\":1}"])",
                           R"(["{\"[REDACTED_EMAIL]\":1}"])"),
            "");
  EXPECT_NE(nested_problem(R"(["{\"x@y.co\":1}"])",
                           R"(["{\"[REDACTED_EMAIL]\":2}"])"),
            "");
  EXPECT_NE(nested_problem(R"(["{\"a\":\"x@y.co\"}"])",
                           R"(["{\"a\":[REDACTED_EMAIL]\"}"])"),
            "");
  EXPECT_NE(nested_problem(R"(["[\"x@y.co\"]"])", R"(["[\"x@[R]\" ]"])"), "");
  // A masked bare number of a nested document becomes a string holding
  // the label; anything else in its place is a violation.
  EXPECT_EQ(nested_problem(R"(["[1,41]"])", R"(["[1,\"[REDACTED_X]\"]"])"), "");
  EXPECT_NE(nested_problem(R"(["[1,41]"])", R"(["[1,[REDACTED_X]]"])"), "");
  EXPECT_NE(nested_problem(R"(["[1,41]"])", R"(["[1,\"[REDACTED_X] \"]"])"),
            "");
  EXPECT_NE(nested_problem(R"(["[1,41]"])", R"(["[1,\"41\"]"])"), "");
}

TEST(Checkers, ParserIsStrict) {
  for (const char *bad : {"", "[1,]", "{\"a\"}", "[01]", "[1.]", "\"\\x\"",
                          "[\"a\nb\"]", "[] x", "{'a':1}", "[tru]"})
    EXPECT_FALSE(parse_json(bad).has_value()) << bad;
  auto d = parse_json(R"({"k":"a\u0040b\ud83d","n":[1,-0.0,1e-7,true,null]})");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->member(d->root(), "k")->str, "a@b\xEF\xBF\xBD");
  EXPECT_EQ(string_values(*d).size(), 1u);
}

// ------------------------------------------------------------ layout

TEST(Checkers, DoubledBodies) {
  auto d = doubled("[1, \"a\"]", "[1, \"b\"]");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->input, "[[1, \"a\"],[1, \"a\"]]");
  EXPECT_EQ(d->expected, "[[1, \"b\"],[1, \"b\"]]");
  d = doubled("{\"x\":\"a\"}", "{\"x\":\"b\"}");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->input, "{\"k\":{\"x\":\"a\"},\"k\":{\"x\":\"a\"}}");
  d = doubled("{\"resourceSpans\": [{\"a\":1}, {\"a\":\"m\"}] }",
              "{\"resourceSpans\": [{\"a\":1}, {\"a\":\"[REDACTED_X]\"}] }");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->input,
            "{\"resourceSpans\": [{\"a\":1}, {\"a\":\"m\"},{\"a\":1}, "
            "{\"a\":\"m\"}] }");
  EXPECT_EQ(
      d->expected,
      "{\"resourceSpans\": [{\"a\":1}, {\"a\":\"[REDACTED_X]\"},{\"a\":1}, "
      "{\"a\":\"[REDACTED_X]\"}] }");
  EXPECT_FALSE(doubled("{\"resourceSpans\":[1],\"x\":2}",
                       "{\"resourceSpans\":[1],\"x\":2}"));
  EXPECT_FALSE(doubled("{\"resourceSpans\":[]}", "{\"resourceSpans\":[]}"));
}

TEST(Checkers, EscapeSomeSpellsTheSameText) {
  // Every byte it may escape, escaped: letters, punctuation, a two-byte and
  // a four-byte character (a surrogate pair); keys only when asked.
  EXPECT_EQ(
      escape_some("{\"k\":\"a.\xC3\xA9\xF0\x9F\x98\x80\\n\"}", 7, 1, false),
      "{\"k\":\"\\u0061\\u002e\\u00e9\\ud83d\\ude00\\n\"}");
  EXPECT_EQ(escape_some("{\"k\":1}", 7, 1, true), "{\"\\u006b\":1}");
  auto a = parse_json("[\"x\\u0041\"]"), b = parse_json("[\"xA\"]");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(tree_difference(*a, 0, *b, 0), "");
  auto c = parse_json("[\"xB\"]");
  EXPECT_NE(tree_difference(*a, 0, *c, 0), "");
}

TEST(CorpusLayout, AllSetsPresent) {
  ASSERT_FALSE(corpus_dir().empty()) << "MASKD_CORPUS is not set";
  EXPECT_GE(corpus_bodies("public").size(), 30u) << corpus_dir();
  EXPECT_GE(corpus_bodies("bench").size(), 3u) << corpus_dir();
  EXPECT_GE(corpus_bodies("langfuse").size(), 6u) << corpus_dir();
  EXPECT_GE(bodies_with_manifest().size(), 33u);
}

// Langfuse's own unit-test body holds nothing to mask: the answer is the
// input buffer itself.
TEST(CorpusLayout, LangfuseUnitTestBodyIsReturnedWithoutCopy) {
  std::string body =
      read_file(corpus_dir() / "langfuse/00_langfuse_unit_test_request.json");
  ASSERT_FALSE(body.empty());
  padded in(body);
  core::mask_result r = shared_masker().mask(in.view());
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 0u);
  EXPECT_EQ(r.output.data(), in.data());
  EXPECT_EQ(r.output.size(), body.size());
}

// A string is scanned again only when a masked value is glued to text
// something could still be found in. On the bench bodies, realistic
// traffic, that is almost nothing (the 1 MB body: 107 bytes). A glue check
// that fired at every nested quote once made it rescan a quarter of its
// text: a cost, not an output change, so only this test sees it.
TEST(Rescans, BenchBodiesRescanUnderATenthOfAPercent) {
  for (const auto &p : corpus_bodies("bench")) {
    std::string body = read_file(p);
    padded in(body);
    core::mask_result r = shared_masker().mask(in.view());
    ASSERT_TRUE(r.ok()) << p;
    EXPECT_LT(r.rescanned_bytes * 1000, body.size())
        << p << ": " << r.rescanned_bytes << " bytes rescanned";
  }
}

// ------------------------------------------------------------ every body

class CorpusInvariants : public testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    ASSERT_TRUE(builtin_rules());
    mb_ = &masked(GetParam());
    ASSERT_FALSE(mb_->input.empty()) << "cannot read " << GetParam();
    ASSERT_TRUE(mb_->result.ok())
        << GetParam() << ": " << core::error_kind_name(mb_->result.error)
        << " at byte " << mb_->result.error_offset;
  }
  const masked_body *mb_ = nullptr;
};

TEST_P(CorpusInvariants, OutputIsValidJsonOfTheSameType) {
  auto v = core::json_text::validate(mb_->output, core::limits{}.depth_max);
  EXPECT_EQ(v.kind, error_kind::none)
      << core::error_kind_name(v.kind) << " at byte " << v.offset;
  auto first = [](std::string_view s) {
    size_t i = s.find_first_not_of(" \t\r\n");
    return i == std::string_view::npos ? '\0' : s[i];
  };
  EXPECT_EQ(first(mb_->input), first(mb_->output));
  EXPECT_TRUE(parse_json(mb_->output).has_value());
}

TEST_P(CorpusInvariants, ByteExactOutsideMaskedStrings) {
  expect_only_strings_changed(mb_->input, mb_->output, GetParam());
  // Every replacement shows as exactly one new label.
  EXPECT_EQ(count_labels(mb_->output),
            count_labels(mb_->input) + mb_->result.replacements);
}

TEST_P(CorpusInvariants, ProtectedFieldsUntouched) {
  auto a = parse_json(mb_->input), b = parse_json(mb_->output);
  ASSERT_TRUE(a && b);
  protect_stats st;
  EXPECT_EQ(protected_problem(*a, *b, 0, 0, false, "", &st), "") << GetParam();
  // Every OTLP body has attribute keys and ids: the walk saw them.
  EXPECT_GT(st.strings + st.buffers, 0u);
}

TEST_P(CorpusInvariants, NoCopyWhenNothingMatched) {
  if (mb_->result.replacements == 0) {
    EXPECT_TRUE(mb_->output_is_input);
    EXPECT_EQ(mb_->output, mb_->input);
  } else {
    EXPECT_FALSE(mb_->output_is_input);
    EXPECT_NE(mb_->output, mb_->input);
  }
}

TEST_P(CorpusInvariants, ReplacementsByRuleAddUp) {
  padded in(mb_->input);
  core::masker m(builtin_rules());
  core::mask_result r = m.mask(in.view());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.replacements_by_rule.size(), m.rules().rule_count());
  uint64_t sum = 0;
  for (uint32_t n : r.replacements_by_rule)
    sum += n;
  EXPECT_EQ(sum, r.replacements);
  for (size_t i = 0; i < r.replacements_by_rule.size(); ++i) {
    if (r.replacements_by_rule[i] > 0) {
      EXPECT_TRUE(m.rules().enabled(i)) << m.rules().rule(i).id;
    }
  }
}

TEST_P(CorpusInvariants, NestedJsonStaysValid) {
  size_t nested = 0;
  EXPECT_EQ(nested_problem(mb_->input, mb_->output, 6, &nested), "")
      << GetParam();
  RecordProperty("nested_json_strings", int(nested));
}

TEST_P(CorpusInvariants, Idempotent) {
  padded again(mb_->output);
  core::mask_result r = shared_masker().mask(again.view());
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 0u);
  EXPECT_EQ(r.output.data(), again.data());
  EXPECT_TRUE(r.output == mb_->output)
      << first_difference(mb_->output, r.output);
}

TEST_P(CorpusInvariants, Deterministic) {
  // Same masker again, and a fresh masker with the input at another
  // alignment: same bytes.
  core::mask_result r1;
  std::string again = mask_copy(shared_masker(), mb_->input, &r1);
  EXPECT_TRUE(again == mb_->output) << first_difference(mb_->output, again);
  EXPECT_EQ(r1.replacements, mb_->result.replacements);
  core::masker other(builtin_rules());
  padded shifted(mb_->input, 13);
  core::mask_result r2 = other.mask(shifted.view());
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2.output == mb_->output)
      << first_difference(mb_->output, r2.output);
  EXPECT_EQ(r2.replacements, mb_->result.replacements);
}

TEST_P(CorpusInvariants, EachCopyMasksAsAlone) {
  // Strings never join: the body's parts twice (a Langfuse batch of two
  // such exports) mask as each copy alone, the second copy after all the
  // first one left in the text buffer.
  auto d = doubled(mb_->input, mb_->output);
  ASSERT_TRUE(d) << "every corpus body has a doubled form";
  core::mask_result r;
  std::string out = mask_copy(shared_masker(), d->input, &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 2 * mb_->result.replacements);
  EXPECT_TRUE(out == d->expected) << first_difference(d->expected, out);
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusInvariants,
                         testing::ValuesIn(all_bodies()), param_name);

// ------------------------------------------------------------ manifests

class CorpusManifest : public CorpusInvariants {
protected:
  void SetUp() override {
    CorpusInvariants::SetUp();
    if (HasFatalFailure())
      return;
    text_ = read_file(manifest_of(GetParam()));
    man_ = parse_json(text_);
    ASSERT_TRUE(man_.has_value()) << manifest_of(GetParam());
    in_ = parse_json(mb_->input);
    out_ = parse_json(mb_->output);
    ASSERT_TRUE(in_ && out_);
  }
  std::string text_;
  std::optional<json_doc> man_, in_, out_;
};

TEST_P(CorpusManifest, PlantedPiiIsGone) {
  const json_node *pii = man_->member(man_->root(), "pii");
  ASSERT_TRUE(pii && pii->kind == jkind::array);
  std::string everything;
  for (uint32_t s : string_values(*out_))
    everything += joined_universe(out_->nodes[s].str);
  size_t cores = 0;
  std::vector<std::string> leaks;
  for (uint32_t e : pii->kids) {
    const json_node &entry = man_->nodes[e];
    const json_node *type = man_->member(entry, "type");
    const json_node *list = man_->member(entry, "cores");
    ASSERT_TRUE(type && list && !list->kids.empty());
    for (uint32_t c : list->kids) {
      const std::string &core_text = man_->nodes[c].str;
      ASSERT_FALSE(core_text.empty());
      ++cores;
      if (everything.find(core_text) != std::string::npos ||
          mb_->output.find(core_text) != std::string::npos)
        leaks.push_back(type->str + ": " + core_text.substr(0, 80));
    }
  }
  EXPECT_GT(cores, 0u);
  std::string list;
  for (const auto &l : leaks)
    list += "\n  " + l;
  EXPECT_TRUE(leaks.empty()) << leaks.size() << " of " << cores
                             << " planted values still present:" << list;
}

TEST_P(CorpusManifest, DecoysSurvive) {
  const json_node *decoys = man_->member(man_->root(), "decoys");
  ASSERT_TRUE(decoys && decoys->kind == jkind::array);
  size_t checked = 0;
  std::vector<std::string> lost;
  for (uint32_t d : decoys->kids) {
    const json_node &entry = man_->nodes[d];
    const json_node *type = man_->member(entry, "type");
    const json_node *value = man_->member(entry, "value");
    const json_node *occ = man_->member(entry, "occurrences");
    ASSERT_TRUE(type && value && occ);
    for (uint32_t o : occ->kids) {
      const json_node *path = man_->member(man_->nodes[o], "path");
      ASSERT_TRUE(path);
      const json_node *a = at_path(*in_, *man_, *path);
      const json_node *b = at_path(*out_, *man_, *path);
      ASSERT_TRUE(a && b) << "manifest path not found: "
                          << std::string(man_->raw(*path));
      if (a->kind != jkind::string)
        continue;
      if (joined_universe(a->str).find(value->str) == std::string::npos)
        continue; // not planted verbatim here: nothing to keep
      ++checked;
      if (b->kind != jkind::string ||
          joined_universe(b->str).find(value->str) == std::string::npos)
        lost.push_back(type->str + ": " + value->str.substr(0, 80) + " in " +
                       (b->kind == jkind::string ? b->str.substr(0, 200) : ""));
    }
  }
  EXPECT_GT(checked, 0u);
  std::string list;
  for (const auto &l : lost)
    list += "\n  " + l;
  EXPECT_TRUE(lost.empty())
      << lost.size() << " of " << checked << " decoy occurrences lost:" << list;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusManifest,
                         testing::ValuesIn(bodies_with_manifest()), param_name);

} // namespace
} // namespace maskd::test
