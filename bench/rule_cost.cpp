// What some rules cost: two maskers in one process, one with the default
// rules, one without the rules named on the command line, alternating on
// one body chunk by chunk (so both see the same machine drift, as
// bench/ab_inproc.sh's two builds do). Prints the median ratio with/without
// over 150 chunks, with its quartiles.
//
//   build/bench/rule_cost BODY RULE_ID...
//
// A figure for docs/performance.md (a rule's pass-1 words, its locator
// and checks), not a test.
#include "core/masker.h"
#include "core/rule_set.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace maskd::core;

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: rule_cost BODY RULE_ID...\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string body = buf.str();
  if (body.empty()) {
    std::fprintf(stderr, "rule_cost: cannot read %s\n", argv[1]);
    return 2;
  }
  // The parser reads ahead: the body sits in a padded buffer.
  const std::string padded = body + std::string(input_padding_bytes, '\0');
  const std::set<std::string> off(argv + 2, argv + argc);
  rule_set_options with, without;
  for (const rule_info &r : builtin_rules()) {
    if (!r.default_on)
      continue;
    with.enabled.emplace_back(r.id);
    if (!off.count(std::string(r.id)))
      without.enabled.emplace_back(r.id);
  }
  if (with.enabled.size() - without.enabled.size() != off.size()) {
    std::fprintf(stderr, "rule_cost: not every id names a default rule\n");
    return 2;
  }
  std::string error;
  auto rules_with = rule_set::compile(with, &error);
  auto rules_without = rule_set::compile(without, &error);
  if (!rules_with || !rules_without) {
    std::fprintf(stderr, "rule_cost: %s\n", error.c_str());
    return 1;
  }
  masker m_with(rules_with), m_without(rules_without);
  const int per_chunk = body.size() > 500000 ? 5 : 50;
  std::vector<double> ratios;
  for (int chunk = 0; chunk < 150; ++chunk) {
    double seconds[2] = {0, 0}; // without, with
    for (int k = 0; k < 2; ++k) {
      const bool use_with = (chunk + k) % 2 == 1; // alternate the order
      masker &m = use_with ? m_with : m_without;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < per_chunk; ++i)
        if (!m.mask({padded.data(), body.size()}).ok()) {
          std::fprintf(stderr, "rule_cost: the body does not mask\n");
          return 1;
        }
      seconds[use_with] = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count();
    }
    ratios.push_back(seconds[1] / seconds[0]);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("with/without, median of 150 chunks: %.3f (quartiles %.3f, "
              "%.3f)\n",
              ratios[75], ratios[37], ratios[112]);
  return 0;
}
