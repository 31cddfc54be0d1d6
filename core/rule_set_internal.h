// maskd core (internal): what a compiled rule_set holds. Owned by rule_set;
// read-only after compile, so any number of shards may scan with it at once
// (each with its own Hyperscan scratch).
#pragma once

#include <vector>

#include <hs/hs.h>

#include "core/rule_set.h"
#include "core/rules.h"

namespace maskd::core {

struct rule_set_internals {
  // Pass 1: every enabled rule without start-of-match, over all scannable
  // text: which strings hold candidates, and where candidates end.
  hs_database_t *find_ends = nullptr;
  // Pass 2: the same expressions with HS_FLAG_SOM_LEFTMOST, run only on
  // small windows around pass-1 ends to learn where candidates start.
  hs_database_t *find_spans = nullptr;
  std::vector<const rules::rule_def *> defs; // by rule index
  std::vector<bool> enabled;                 // by rule index
  uint32_t window_before_max = 0;            // longest max_len + context

  ~rule_set_internals() {
    hs_free_database(find_ends);
    hs_free_database(find_spans);
  }
};

} // namespace maskd::core
