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
  // Pass 2, by rule index: the rule's expression with HS_FLAG_SOM_LEFTMOST,
  // run only on a window of max_len bytes before a pass-1 end to learn where
  // the candidate starts. nullptr for rules located in code (prefix scans).
  std::vector<hs_database_t *> find_start;
  // Digit-dense rules (phones, cards, IBANs, SSNs) without start-of-match,
  // run only over the digit clusters that the masker finds in code: most
  // text has no cluster of 8+ digits, and these automata are the slow ones.
  hs_database_t *find_numeric = nullptr;
  hs_database_t *find_ipv6 = nullptr;
  // Context rules (bare digit runs that are a phone or SSN only after a
  // context word) without start-of-match, run only inside context zones.
  hs_database_t *find_in_context = nullptr;
  // Pass-1 ids at and above this are context triggers, not rules:
  // trigger_id_base + context::phone / + context::ssn (minus one).
  unsigned trigger_id_base = 0;
  std::vector<const rules::rule_def *> defs; // by rule index
  std::vector<bool> enabled;                 // by rule index
  uint32_t window_before_max = 0;            // longest max_len + context

  ~rule_set_internals() {
    hs_free_database(find_ends);
    for (hs_database_t *db : find_start)
      hs_free_database(db);
    hs_free_database(find_in_context);
    hs_free_database(find_numeric);
    hs_free_database(find_ipv6);
  }
};

} // namespace maskd::core
