// Bad input and edge cases: every error is a value with the right kind and
// byte offset, and the output is empty (never partial, never the input).
// Valid but unusual documents (lone surrogate escapes, deep nesting, huge
// strings, many strings, escapes everywhere, scalars) pass byte-exact with
// only the PII replaced.
#include "core/json_text.h"
#include "core/masker.h"
#include "core/rule_set.h"

#include <gtest/gtest.h>

#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "tests/core/test_support.h"

namespace maskd::test {
namespace {

using core::error_kind;

constexpr size_t k_unchecked = SIZE_MAX;

struct bad_case {
  const char *name;
  std::string body;
  error_kind kind;
  size_t offset; // hand-checked, or k_unchecked (compared with validate())
};

std::vector<bad_case> bad_cases() {
  return {
      // Offsets below are counted by hand from the first byte.
      {"bad_literal", R"({"a":tru})", error_kind::invalid_json, 5},
      {"trailing_comma_array", "[1,2,]", error_kind::invalid_json, 5},
      {"missing_colon", R"({"a" 1})", error_kind::invalid_json, 5},
      {"unquoted_key", "{a:1}", error_kind::invalid_json, 1},
      {"single_quotes", "['a']", error_kind::invalid_json, 1},
      {"leading_zero", "[01]", error_kind::invalid_json, 1},
      {"dot_without_fraction", "[1.]", error_kind::invalid_json, 1},
      {"trailing_garbage", "[] x", error_kind::invalid_json, 3},
      {"invalid_escape", R"(["\x"])", error_kind::invalid_json, 2},
      {"raw_control_char", std::string("[\"a\x01") + "b\"]",
       error_kind::invalid_json, 3},
      {"raw_newline", "[\"a\nb\"]", error_kind::invalid_json, 3},
      {"empty", "", error_kind::invalid_json, 0},
      {"only_whitespace", " \n\t ", error_kind::invalid_json, 4},
      {"truncated_array", R"({"a":[1,2)", error_kind::invalid_json, 9},
      {"truncated_string", R"({"a":"xy)", error_kind::invalid_json, 8},
      {"trailing_comma_object", R"({"a":1,})", error_kind::invalid_json, 7},
      // The rest: kind checked, offset compared with json_text::validate.
      {"truncated_after_key", R"({"a")", error_kind::invalid_json, k_unchecked},
      {"truncated_open", "[", error_kind::invalid_json, k_unchecked},
      {"two_documents", "{}{}", error_kind::invalid_json, k_unchecked},
      {"missing_comma", "[1 2]", error_kind::invalid_json, k_unchecked},
      {"nan", "[NaN]", error_kind::invalid_json, k_unchecked},
      {"infinity", "[-Infinity]", error_kind::invalid_json, k_unchecked},
      {"plus_sign", "[+1]", error_kind::invalid_json, k_unchecked},
      {"hex_number", "[0x10]", error_kind::invalid_json, k_unchecked},
      {"exponent_without_digits", "[1e]", error_kind::invalid_json,
       k_unchecked},
      {"short_unicode_escape", R"(["\u12"])", error_kind::invalid_json,
       k_unchecked},
      {"bad_unicode_hex", R"(["\u12G4"])", error_kind::invalid_json,
       k_unchecked},
      {"invalid_escape_in_key", R"({"\q":1})", error_kind::invalid_json,
       k_unchecked},
      {"comment", "[1] // c", error_kind::invalid_json, k_unchecked},
      {"capital_true", "[True]", error_kind::invalid_json, k_unchecked},
      {"nul_in_string", std::string("[\"a\0b\"]", 6), error_kind::invalid_json,
       k_unchecked},
      {"bad_escape_in_otlp_id",
       R"([{"resource":{},"scopeSpans":[{"spans":[{"traceId":"\x"}]}]}])",
       error_kind::invalid_json, k_unchecked},
      {"bad_escape_after_pii", R"({"a":"jane@example.com","b":"\x"})",
       error_kind::invalid_json, 29},
      // UTF-8 inside strings.
      {"overlong", "[\"\xC0\xAF\"]", error_kind::invalid_utf8, 2},
      {"lone_continuation", "[\"a\x80\"]", error_kind::invalid_utf8, 3},
      {"truncated_sequence", "[\"\xE2\x82\"]", error_kind::invalid_utf8, 2},
      {"utf8_surrogate", "[\"\xED\xA0\x80\"]", error_kind::invalid_utf8, 2},
      {"above_u10ffff", "[\"\xF4\x90\x80\x80\"]", error_kind::invalid_utf8, 2},
      {"invalid_lead_byte", "[\"\xFF\"]", error_kind::invalid_utf8, 2},
      {"utf8_error_in_key", "{\"\xC3\":1}", error_kind::invalid_utf8, 2},
      {"utf8_error_after_pii", "{\"a\":\"jane@example.com\",\"b\":\"\xC3(\"}",
       error_kind::invalid_utf8, 29},
  };
}

class BadInput : public testing::TestWithParam<bad_case> {};

TEST_P(BadInput, RefusedWithKindAndOffsetAndNoOutput) {
  const bad_case &c = GetParam();
  // A masker that just produced output: an error must not return it again.
  core::masker &m = shared_masker();
  std::string warm = mask_copy(m, R"({"a":"jane@example.com"})");
  ASSERT_EQ(warm, R"({"a":"[REDACTED_EMAIL]"})");

  padded in(c.body);
  core::mask_result r = m.mask(in.view());
  EXPECT_EQ(r.error, c.kind) << core::error_kind_name(r.error);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.output.empty()) << "output on error: " << r.output;
  EXPECT_EQ(r.replacements, 0u);
  auto v = core::json_text::validate(c.body, core::limits{}.depth_max);
  EXPECT_EQ(v.kind, c.kind) << "validate: " << core::error_kind_name(v.kind);
  EXPECT_EQ(r.error_offset, v.offset) << "masker and validate disagree";
  if (c.offset != k_unchecked) {
    EXPECT_EQ(r.error_offset, c.offset);
  }
}

INSTANTIATE_TEST_SUITE_P(Errors, BadInput, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<bad_case> &i) {
                           return i.param.name;
                         });

// Non-UTF-8 outside any string is first of all not JSON.
TEST(BadInputExtra, Utf8OutsideStringsIsInvalidJson) {
  core::mask_result r;
  mask_copy(shared_masker(), "[1,\xC3\xA9]", &r);
  EXPECT_EQ(r.error, error_kind::invalid_json);
  EXPECT_EQ(r.error_offset, 3u);
}

std::string nested_arrays(size_t depth, std::string_view inner) {
  return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

std::string nested_objects(size_t depth, std::string_view inner) {
  std::string s;
  for (size_t i = 0; i < depth; ++i)
    s += "{\"a\":";
  s += inner;
  s.append(depth, '}');
  return s;
}

TEST(Limits, DepthAtLimitPassesAndMasks) {
  const uint32_t max = core::limits{}.depth_max;
  core::mask_result r;
  std::string out = mask_copy(shared_masker(),
                              nested_arrays(max, "\"jane@example.com\""), &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(out, nested_arrays(max, "\"[REDACTED_EMAIL]\""));
  out = mask_copy(shared_masker(), nested_objects(max, "\"jane@example.com\""),
                  &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(out, nested_objects(max, "\"[REDACTED_EMAIL]\""));
}

TEST(Limits, DepthOverLimitIsRefused) {
  const uint32_t max = core::limits{}.depth_max;
  core::mask_result r;
  mask_copy(shared_masker(), nested_arrays(max + 1, "1"), &r);
  EXPECT_EQ(r.error, error_kind::depth_limit);
  EXPECT_EQ(r.error_offset, max); // the bracket that opens level max+1
  EXPECT_TRUE(r.output.empty());
  mask_copy(shared_masker(), nested_objects(max + 1, "1"), &r);
  EXPECT_EQ(r.error, error_kind::depth_limit);
  EXPECT_EQ(r.error_offset, 5u * max);
  EXPECT_TRUE(r.output.empty());
  // Far deeper than the limit (and than any recursion could survive).
  mask_copy(shared_masker(), nested_arrays(100000, ""), &r);
  EXPECT_EQ(r.error, error_kind::depth_limit);
  EXPECT_EQ(r.error_offset, max);
}

TEST(Limits, CustomDepthLimit) {
  core::limits lim;
  lim.depth_max = 4;
  core::masker m(builtin_rules(), lim);
  core::mask_result r;
  mask_copy(m, "[[[[1]]]]", &r);
  EXPECT_TRUE(r.ok());
  mask_copy(m, "[[[[[1]]]]]", &r);
  EXPECT_EQ(r.error, error_kind::depth_limit);
  EXPECT_EQ(r.error_offset, 4u);
  EXPECT_TRUE(r.output.empty());
  // An OTLP-shaped body deeper than the limit.
  mask_copy(m, R"([{"resource":{"attributes":[{"key":"k","value":{}}]}}])", &r);
  EXPECT_EQ(r.error, error_kind::depth_limit);
}

TEST(Limits, BodyTooLarge) {
  core::limits lim;
  lim.body_bytes_max = 100;
  core::masker m(builtin_rules(), lim);
  std::string at_limit = "{\"a\":\"jane@example.com\",\"p\":\"" +
                         std::string(100 - 31, 'x') + "\"}";
  ASSERT_EQ(at_limit.size(), 100u);
  core::mask_result r;
  std::string out = mask_copy(m, at_limit, &r);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.replacements, 1u);
  std::string over = at_limit;
  over.insert(over.size() - 2, "x");
  mask_copy(m, over, &r);
  EXPECT_EQ(r.error, error_kind::body_too_large);
  EXPECT_EQ(r.error_offset, 100u);
  EXPECT_TRUE(r.output.empty());
  // Too large AND invalid: the size is checked first, without parsing.
  mask_copy(m, std::string(101, '['), &r);
  EXPECT_EQ(r.error, error_kind::body_too_large);
}

TEST(Limits, MatchLimit) {
  core::limits lim;
  lim.matches_per_document_max = 3;
  core::masker m(builtin_rules(), lim);
  core::mask_result r;
  std::string three = R"(["a@example.com","b@example.com","c@example.com"])";
  std::string out = mask_copy(m, three, &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 3u);
  mask_copy(m, R"(["a@example.com","b@example.com","c@example.com","d@x.org"])",
            &r);
  EXPECT_EQ(r.error, error_kind::match_limit);
  EXPECT_TRUE(r.output.empty());
  // Many matches in ONE string count too.
  mask_copy(m, R"(["a@example.com b@example.com c@example.com d@x.org"])", &r);
  EXPECT_EQ(r.error, error_kind::match_limit);
  EXPECT_TRUE(r.output.empty());
}

// A chain of glued values takes one rescan of its string per value. The
// bytes rescanned per body are bounded (8x the body + 1 MiB): past that the
// body fails closed instead of costing quadratic time or leaving a value.
TEST(Limits, GluedChainsBeyondTheRescanBudgetFailClosed) {
  core::masker m(builtin_rules());
  core::mask_result r;
  std::string link = "liam.rossi+billing@corp.example.org.";
  std::string chain;
  for (int i = 0; i < 40000; ++i) // 1.4 MB in one string
    chain += link;
  mask_copy(m, R"({"m":"x )" + chain + R"( y"})", &r);
  EXPECT_EQ(r.error, error_kind::match_limit);
  EXPECT_EQ(r.error_offset, 6u); // the string's first byte
  EXPECT_TRUE(r.output.empty());
  // The same body cut to 30 links is masked in full.
  std::string out = mask_copy(
      m, R"({"m":"x )" + chain.substr(0, 30 * link.size()) + R"( y"})", &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 30u);
}

TEST(ErrorKinds, NamesAreStableSnakeCase) {
  EXPECT_EQ(core::error_kind_name(error_kind::none), "none");
  EXPECT_EQ(core::error_kind_name(error_kind::invalid_json), "invalid_json");
  EXPECT_EQ(core::error_kind_name(error_kind::invalid_utf8), "invalid_utf8");
  EXPECT_EQ(core::error_kind_name(error_kind::depth_limit), "depth_limit");
  EXPECT_EQ(core::error_kind_name(error_kind::body_too_large),
            "body_too_large");
  EXPECT_EQ(core::error_kind_name(error_kind::match_limit), "match_limit");
  EXPECT_EQ(core::error_kind_name(error_kind::internal), "internal");
}

// ------------------------------------------------------------ valid edges

// Expects `doc` to be accepted and returned byte-exact without a copy.
void expect_passthrough(std::string_view doc) {
  padded in(doc);
  core::mask_result r = shared_masker().mask(in.view());
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error) << " at "
                      << r.error_offset << " for " << doc;
  EXPECT_EQ(r.replacements, 0u) << doc;
  EXPECT_EQ(r.output.data(), in.data()) << doc;
  EXPECT_EQ(r.output.size(), doc.size()) << doc;
}

TEST(ValidEdges, EmptyDocumentsAndScalars) {
  for (const char *doc :
       {"{}", "[]", "\"\"", "0", "-0.0", "1e-7", "1.0", "1E+2", "true", "false",
        "null", " \n{ }\t", "[[],{},\"\",0]", "\"hello\"",
        "[1.0,1e-7,-0.0,1E+2,123456789012345678901234567890]"})
    expect_passthrough(doc);
  core::mask_result r;
  EXPECT_EQ(mask_copy(shared_masker(), "\"jane@example.com\"", &r),
            "\"[REDACTED_EMAIL]\"");
  EXPECT_EQ(mask_copy(shared_masker(), " [ \"jane@example.com\" ]\n", &r),
            " [ \"[REDACTED_EMAIL]\" ]\n");
}

TEST(ValidEdges, LoneSurrogateEscapesPassThrough) {
  for (
      const char *doc :
      {R"({"msg":"\ud83d"})", R"({"msg":"truncated emoji \ud83d"})",
       R"({"msg":"\udc00\ud83d"})", R"(["\uDBFF\u0041"])",
       R"([{"resource":{"attributes":[{"key":"k","value":{"stringValue":"x\ud83d"}}]}}])"})
    expect_passthrough(doc);
  core::mask_result r;
  EXPECT_EQ(
      mask_copy(shared_masker(), R"({"msg":"jane@example.com \ud83d"})", &r),
      R"({"msg":"[REDACTED_EMAIL] \ud83d"})");
  EXPECT_EQ(mask_copy(shared_masker(),
                      R"({"msg":"\ud83djane@example.com\udc00"})", &r),
            R"({"msg":"\ud83d[REDACTED_EMAIL]\udc00"})");
}

TEST(ValidEdges, WhitespaceAndNumberSpellingKept) {
  std::string doc = " {\n  \"a\" :\t\"jane@example.com\" ,\r\n  \"n\" : "
                    "-0.0e+00 , \"m\":[ 1.50 , 1E400 ] }\n ";
  std::string expected = doc;
  expected.replace(expected.find("jane@example.com"), 16, "[REDACTED_EMAIL]");
  EXPECT_EQ(mask_copy(shared_masker(), doc), expected);
}

TEST(ValidEdges, EscapedNulAndControlCharacters) {
  EXPECT_EQ(
      mask_copy(shared_masker(), R"({"m":"a\u0000jane@example.com\u001f"})"),
      R"({"m":"a\u0000[REDACTED_EMAIL]\u001f"})");
}

// Every character \u-escaped: detection works on decoded text, the label
// replaces exactly the escapes of the address, the rest stays as it was.
std::string escape_all(std::string_view ascii) {
  std::string out;
  char b[8];
  for (unsigned char c : ascii) {
    std::snprintf(b, sizeof b, "\\u%04X", c);
    out += b;
  }
  return out;
}

TEST(ValidEdges, EveryCharacterEscaped) {
  std::string doc = "{\"" + escape_all("msg") + "\":\"" +
                    escape_all("mail jane@example.com or call +14155550123") +
                    "\"}";
  std::string expected = "{\"" + escape_all("msg") + "\":\"" +
                         escape_all("mail ") + "[REDACTED_EMAIL]" +
                         escape_all(" or call ") + "[REDACTED_PHONE]\"}";
  EXPECT_EQ(mask_copy(shared_masker(), doc), expected);
  std::string escaped_slashes = R"({"u":"postgres:\/\/app:s3cr3tPass@db\/x"})";
  EXPECT_EQ(mask_copy(shared_masker(), escaped_slashes),
            R"({"u":"postgres:\/\/app:[REDACTED_PASSWORD]@db\/x"})");
}

TEST(ValidEdges, FiveMegabyteStringWithPiiAtStartMiddleEnd) {
  std::string filler;
  while (filler.size() < 5u << 20)
    filler += "The quick brown fox jumps over the lazy dog 42 times. ";
  std::string text = "jane@example.com " + filler.substr(0, filler.size() / 2) +
                     " 192.168.1.20 " + filler.substr(filler.size() / 2) +
                     " +14155550123";
  std::string expected = "[REDACTED_EMAIL] " +
                         filler.substr(0, filler.size() / 2) +
                         " [REDACTED_IP_ADDRESS] " +
                         filler.substr(filler.size() / 2) + " [REDACTED_PHONE]";
  core::mask_result r;
  std::string out = mask_copy(shared_masker(), msg_doc(text), &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 3u);
  EXPECT_TRUE(out == msg_doc(expected)) << "5 MB output differs";
}

TEST(ValidEdges, HundredThousandSmallStrings) {
  std::string doc = "[", expected = "[";
  for (int i = 0; i < 100000; ++i) {
    std::string v = i % 1000 == 999 ? "u" : "item-";
    v += std::to_string(i);
    if (i % 1000 == 999)
      v += "@example.com";
    std::string e = i % 1000 == 999 ? "[REDACTED_EMAIL]" : v;
    if (i) {
      doc += ',';
      expected += ',';
    }
    doc += "\"" + v + "\"";
    expected += "\"" + e + "\"";
  }
  doc += "]";
  expected += "]";
  core::mask_result r;
  std::string out = mask_copy(shared_masker(), doc, &r);
  ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
  EXPECT_EQ(r.replacements, 100u);
  EXPECT_TRUE(out == expected);
}

TEST(ValidEdges, ManyKeysWithPhoneContext) {
  // Every value under a "phone" key: the context is per member.
  std::string doc = "[", expected = "[";
  for (int i = 0; i < 1000; ++i) {
    const char *key = i % 2 ? "phone" : "order";
    std::string num = "41555" + std::to_string(10000 + i);
    doc += std::string(i ? "," : "") + "{\"" + key + "\":\"" + num + "\"}";
    expected += std::string(i ? "," : "") + "{\"" + key + "\":\"" +
                (i % 2 ? "[REDACTED_PHONE]" : num) + "\"}";
  }
  doc += "]";
  expected += "]";
  EXPECT_EQ(mask_copy(shared_masker(), doc), expected);
}

// The decoder copies 16 bytes a step: an escape at every offset of strings
// around that size decodes exactly, into a buffer of exactly the raw size,
// and positions map back to the raw text.
TEST(ValidEdges, UnescapeAtEveryOffsetOfABlock) {
  for (size_t n = 0; n <= 40; ++n)
    for (size_t k = 0; k <= n; ++k) {
      std::string raw = std::string(k, 'a') + "\\n" + std::string(n - k, 'b');
      std::string want = std::string(k, 'a') + "\n" + std::string(n - k, 'b');
      std::vector<char> out(raw.size());
      size_t bad = 0;
      size_t len = core::json_text::unescape(raw, out.data(), &bad);
      ASSERT_EQ(len, want.size()) << raw;
      EXPECT_EQ(std::string(out.data(), len), want) << raw;
      uint32_t dec[2] = {uint32_t(k), uint32_t(k + 1)}, pos[2] = {};
      core::json_text::map_to_raw(raw, dec, pos, 2);
      EXPECT_EQ(pos[0], k);
      EXPECT_EQ(pos[1], k + 2);
      std::string broken =
          std::string(k, 'a') + "\\q" + std::string(n - k, 'b');
      EXPECT_EQ(core::json_text::unescape(broken, out.data(), &bad), SIZE_MAX);
      EXPECT_EQ(bad, k);
    }
}

// The padded mode reads and writes the last bytes of a string in one more
// 16-byte step: the bytes past the string (backslashes here, as a next
// string's escapes would be) must change nothing, and the 15 bytes it may
// store past the decoded text are all it writes.
TEST(ValidEdges, PaddedUnescapeIgnoresTheBytesAfterTheString) {
  for (size_t n = 0; n <= 40; ++n)
    for (size_t k = 0; k <= n + 1; ++k) {
      // An escape at k (none when k == n + 1), then backslashes after.
      std::string raw =
          k <= n ? std::string(k, 'a') + "\\t" + std::string(n - k, 'b')
                 : std::string(n, 'c');
      std::string buf = raw + std::string(15, '\\');
      std::string_view in(buf.data(), raw.size());
      std::vector<char> plain(raw.size()), padded(raw.size() + 15 + 8, 'Z');
      size_t bad1 = 0, bad2 = 0;
      size_t len = core::json_text::unescape(in, plain.data(), &bad1);
      ASSERT_EQ(core::json_text::unescape(in, padded.data(), &bad2, true), len)
          << raw;
      EXPECT_EQ(std::string(padded.data(), len),
                std::string(plain.data(), len));
      for (size_t i = raw.size() + 15; i < padded.size(); ++i)
        EXPECT_EQ(padded[i], 'Z') << "stored past the room, " << raw;
      size_t bad = 0;
      EXPECT_TRUE(core::json_text::escapes_valid(in, &bad, true)) << raw;
      if (k <= n) {
        std::string broken = raw;
        broken[k + 1] = 'q';
        std::string bbuf = broken + std::string(15, '\\');
        std::string_view bin(bbuf.data(), broken.size());
        EXPECT_FALSE(core::json_text::escapes_valid(bin, &bad, true));
        EXPECT_EQ(bad, k);
        EXPECT_EQ(core::json_text::unescape(bin, padded.data(), &bad, true),
                  SIZE_MAX);
        EXPECT_EQ(bad, k);
      }
    }
}

// Padded number checks and offset maps read 16 bytes a step too: digits or
// backslashes right after the token must not change the answer.
TEST(ValidEdges, PaddedNumberAndMapIgnoreTheBytesAfter) {
  const char *tokens[] = {"0",     "-0",
                          "7",     "-12.5e+3",
                          "1.",    "01",
                          "1e",    "12a",
                          "-",     "0.12345678901234567890",
                          "1E-07", "123456789012345678901234567890",
                          ".5",    ""};
  for (const char *tok : tokens)
    for (const char *after : {"7777777777777777", "\\\\\\\\\\\\\\\\", "77x",
                              "7.5e1", "e5", ".25"}) {
      std::string buf = std::string(tok) + after + std::string(16, 'x');
      std::string_view in(buf.data(), std::strlen(tok));
      EXPECT_EQ(core::json_text::is_number(in, true),
                core::json_text::is_number(in))
          << "'" << tok << "' then '" << after << "'";
    }
  // The padded forms read past the token: give them the padding they need.
  const std::string number = std::string("-12.5e+3") + std::string(16, ' ');
  const std::string leading_zero = std::string("01") + std::string(16, ' ');
  EXPECT_TRUE(core::json_text::is_number({number.data(), 8}, true));
  EXPECT_FALSE(core::json_text::is_number({leading_zero.data(), 2}, true));
  for (size_t n = 0; n <= 40; ++n)
    for (size_t k = 0; k <= n; ++k) {
      std::string raw = std::string(k, 'a') + "\\n" + std::string(n - k, 'b');
      std::string buf = raw + std::string(15, '\\');
      std::string_view in(buf.data(), raw.size());
      uint32_t dec[3] = {uint32_t(k), uint32_t(k + 1), uint32_t(n + 1)};
      uint32_t plain[3] = {}, padded[3] = {};
      core::json_text::map_to_raw(in, dec, plain, 3);
      core::json_text::map_to_raw(in, dec, padded, 3, true);
      for (int i = 0; i < 3; ++i)
        EXPECT_EQ(padded[i], plain[i]) << raw << " position " << dec[i];
      EXPECT_EQ(padded[2], raw.size());
    }
}

// One digit cluster holding thousands of candidates of several rules (a
// long run of phone numbers, of IBANs) costs time linear in its length: 4x
// the bytes must not cost 16x (an insertion sort over a whole cluster once
// made a 4 MB run of NANP numbers take 30 s instead of 0.8). CPU time of
// the faster of two runs each; a linear pass gives a ratio near 4.
TEST(ValidEdges, LongRunsOfCandidatesStayLinear) {
  core::masker &m = shared_masker();
  auto cpu_seconds = [&](const std::string &doc) {
    padded in(doc);
    double best = 1e9;
    for (int k = 0; k < 2; ++k) {
      std::clock_t t0 = std::clock();
      core::mask_result r = m.mask(in.view());
      std::clock_t t1 = std::clock();
      EXPECT_TRUE(r.ok()) << core::error_kind_name(r.error);
      best = std::min(best, double(t1 - t0) / CLOCKS_PER_SEC);
    }
    return best;
  };
  // A document of one string: `head`, then `unit` until `bytes`. 4x the
  // bytes (small, then 4 * small) must cost less than 8x the CPU time.
  auto expect_linear = [&](const std::string &head, const std::string &unit,
                           size_t small_bytes, const std::string &tail = "") {
    auto doc = [&](size_t bytes) {
      std::string v = head;
      while (v.size() < bytes)
        v += unit;
      return "{\"a\":\"" + v + tail + "\"}";
    };
    std::string small = doc(small_bytes), large = doc(4 * small_bytes);
    cpu_seconds(large); // buffers grown
    double ts = cpu_seconds(small), tl = cpu_seconds(large);
    EXPECT_LT(tl, 8 * std::max(ts, 0.01))
        << "'" << head << "' then '" << unit << "': " << (small_bytes >> 10)
        << " KB " << ts << " s, 4x " << tl << " s";
  };
  // (The third: context values between other values, each once inserted
  // in the middle of the string's list of masked ranges.)
  for (std::string unit : {"415-555-0123 ", "DE89 3704 0044 0532 0130 00 ",
                           "phone 4155550123 a@b.co "})
    expect_linear("", unit, size_t(512) << 10);
  // Words that start an IBAN's expression ("AB12 AB12 ..." matches from
  // every word to many ends): each end is checked as an IBAN from each
  // start, a bounded number; and IBANs whose letters end their digit
  // clusters, each scanned up to its end, and with wide spaces.
  for (std::string unit : {"AB12 ", "MT84 MALT 0110 0001 2345 MTLC AST0 01S ",
                           "GB82\\u202fWEST\\u202f1234\\u202f5698 "})
    expect_linear("", unit, size_t(256) << 10);
  // Masked values glued to word bytes ("a@b.co/a@b.co/..."): each one is
  // checked for a neighbour a rescan could find; that check once looked at
  // every candidate of the string for each value (a 1 MB string: 38 s).
  // Smaller sizes, so that a quadratic check fails in seconds.
  // And values between Langfuse media references: each candidate once
  // looked through every reference of the string (1 MB: 8 s).
  for (std::string unit : {"a@b.co/", "x=a@b.co=", "ab@cd.ef~",
                           "a@b.co @@@langfuseMedia:type=image/png|id=x@@@ "})
    expect_linear("", unit, size_t(128) << 10);
  // Cookie lines, each value masked whole in place of what lies in it: each
  // once looked at every candidate of the string, the values before it too
  // (1 MB: 6 s).
  expect_linear("", "Cookie: a=b\\n", size_t(128) << 10);
  // One context word, then masked values and context windows: each window
  // once added up every masked range back to the word (4 MB: 15 s).
  expect_linear("phone ", "a@b.co 123456789 ", size_t(256) << 10);
  // Context words with accents a nested document spells as escapes, each
  // before a number that needs it: found in code from each "\u", once per
  // string; each number's check reads its own reach only.
  expect_linear("", "tel\\\\u00e9fono 612 345 678 ", size_t(256) << 10);
  // Bare numbers of a nested document, in the string's own document and one
  // level down: each becomes a quoted label, each level decoded, lexed and
  // validated once per string, not once per number.
  expect_linear("[", "4111111111111111, ", size_t(256) << 10, "0]");
  expect_linear(R"({\"x\":\"[)", "4111111111111111, ", size_t(256) << 10,
                R"(0]\"})");
}

// Scanned strings of up to 32 bytes without a backslash are copied into the
// text 32 bytes at once: at every length around that size, in a document
// and as its last string (the input's padding follows), what is masked is
// exactly the value, and the bytes copied past a string are never scanned.
TEST(ValidEdges, ShortPlainStringsAreScannedExactly) {
  core::masker &m = shared_masker();
  for (size_t k = 0; k <= 24; ++k) {
    std::string v = std::string(k, 'z') + " jane@example.com";
    std::string want = std::string(k, 'z') + " [REDACTED_EMAIL]";
    std::string doc = "[\"" + v + "\",\"" + v + "\"]";
    std::string out = "[\"" + want + "\",\"" + want + "\"]";
    EXPECT_EQ(mask_copy(m, doc), out) << doc;
    // A short clean string followed (in the input) by what looks like PII:
    // only its own bytes are scanned.
    std::string tail =
        "[\"" + std::string(k, 'q') + "\",\"4111 1111 1111 1111\"]";
    std::string clean = "[\"" + std::string(k, 'q') + "\",1]";
    EXPECT_EQ(mask_copy(m, clean), clean);
    EXPECT_EQ(mask_copy(m, tail),
              "[\"" + std::string(k, 'q') + "\",\"[REDACTED_CREDIT_CARD]\"]");
  }
}

// Keys and values that are not scanned (OTLP ids) of up to 32 bytes without
// a backslash skip the escape check: a bad escape at every offset of keys
// and ids of every length around that size is still refused at its byte,
// and a good one still accepted.
TEST(ValidEdges, EscapesInShortKeysAndIdsAreChecked) {
  core::masker &m = shared_masker();
  for (size_t n = 0; n <= 40; ++n)
    for (size_t k = 0; k <= n; ++k)
      for (bool in_key : {true, false}) {
        std::string good =
            std::string(k, 'a') + "\\n" + std::string(n - k, 'b');
        std::string bad = std::string(k, 'a') + "\\x" + std::string(n - k, 'b');
        auto doc = [&](const std::string &s) {
          // An OTLP span: its traceId is never scanned.
          return in_key
                     ? "{\"" + s + "\":1}"
                     : R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" +
                           s + "\"}]}]}]}";
        };
        std::string ok_doc = doc(good), bad_doc = doc(bad);
        EXPECT_EQ(mask_copy(m, ok_doc), ok_doc);
        padded in(bad_doc);
        core::mask_result r = m.mask(in.view());
        EXPECT_EQ(r.error, core::error_kind::invalid_json) << bad_doc;
        EXPECT_EQ(r.error_offset, bad_doc.find('\\')) << bad_doc;
      }
}

// Every character boundary of strings mixing plain runs and escapes of each
// length (2, 6 and 12 bytes), several positions between two escapes and
// none after the last, maps to the raw offset a byte-by-byte reference
// gives (plain and padded).
TEST(ValidEdges, MapToRawAtEveryDecodedPosition) {
  const char *pieces[] = {
      "abc",  "\\n", "x", "\\u00e9", "0123456789abcdefghij", "\\ud83d\\ude00",
      "\\\"", "q"};
  std::string raw;
  for (int round = 0; round < 3; ++round)
    for (const char *p : pieces)
      raw += p;
  raw += std::string(40, 'z'); // a long tail without escapes
  // Reference: where each decoded character starts, decoded and raw
  // (masked ranges start and end on characters).
  std::vector<uint32_t> starts, ref;
  size_t decoded = 0;
  for (size_t i = 0; i < raw.size();) {
    size_t used = 1, dec = 1;
    if (raw[i] == '\\') {
      used = raw[i + 1] == 'u' ? 6 : 2;
      dec = 1;
      if (raw[i + 1] == 'u') {
        unsigned cp = std::stoul(raw.substr(i + 2, 4), nullptr, 16);
        if (cp >= 0xD800 && cp < 0xDC00) // a pair: one 4-byte character
          used = 12, dec = 4;
        else
          dec = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
      }
    }
    starts.push_back(uint32_t(decoded));
    ref.push_back(uint32_t(i));
    decoded += dec;
    i += used;
  }
  starts.push_back(uint32_t(decoded));
  ref.push_back(uint32_t(raw.size()));
  std::string buf = raw + std::string(15, '\\');
  std::string_view in(buf.data(), raw.size());
  for (uint32_t step : {1u, 2u, 3u, 7u}) {
    std::vector<uint32_t> dec, want;
    for (size_t c = 0; c < starts.size(); c += step) {
      dec.push_back(starts[c]);
      want.push_back(ref[c]);
    }
    std::vector<uint32_t> plain(dec.size()), padded(dec.size());
    core::json_text::map_to_raw(raw, dec.data(), plain.data(), dec.size());
    core::json_text::map_to_raw(in, dec.data(), padded.data(), dec.size(),
                                true);
    for (size_t i = 0; i < dec.size(); ++i) {
      EXPECT_EQ(plain[i], want[i]) << "position " << dec[i];
      EXPECT_EQ(padded[i], want[i]) << "position " << dec[i];
    }
  }
}

} // namespace
} // namespace maskd::test
