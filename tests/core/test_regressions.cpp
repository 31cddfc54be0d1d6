// Inputs the fuzzer (tools/fuzz.sh) found, kept as files: for each, the
// fast path agrees with the reference validator, the output is valid JSON
// and keeps the invariants the fuzzer checks (tests/core/json_check.h),
// and masking it again changes nothing.
#include "core/json_text.h"
#include "core/masker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/core/test_support.h"

namespace maskd::test {
namespace {

std::filesystem::path regressions_dir() {
  const char *env = std::getenv("MASKD_REGRESSIONS");
  return env ? std::filesystem::path(env) : std::filesystem::path();
}

TEST(FuzzRegressions, EveryKeptInputMasksIdempotently) {
  auto dir = regressions_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t files = 0, failed_closed = 0;
  for (const auto &entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    std::string body = read_file(entry.path());
    SCOPED_TRACE(entry.path().filename().string());
    core::mask_result r;
    std::string out = mask_copy(shared_masker(), body, &r);
    auto ref = core::json_text::validate(body, core::limits{}.depth_max);
    if (r.error == core::error_kind::match_limit &&
        ref.kind == core::error_kind::none) {
      // Valid, but past the rescan budget of a chain of glued values: it
      // fails closed, with nothing written.
      EXPECT_TRUE(out.empty());
      ++failed_closed;
      continue;
    }
    ASSERT_EQ(r.error, ref.kind);
    if (!r.ok())
      continue;
    EXPECT_EQ(core::json_text::validate(out, core::limits{}.depth_max).kind,
              core::error_kind::none);
    EXPECT_EQ(masking_problem(body, out, r.replacements), "");
    core::mask_result again;
    std::string twice = mask_copy(shared_masker(), out, &again);
    EXPECT_TRUE(again.ok());
    EXPECT_EQ(again.replacements, 0u) << "not idempotent";
    EXPECT_EQ(twice, out);
  }
  EXPECT_GE(files, 2u);
  EXPECT_LT(failed_closed, files) << "every kept input failed closed";
}

} // namespace
} // namespace maskd::test
