// maskd core (internal): what a compiled rule_set holds. Owned by rule_set;
// read-only after compile, so any number of shards may scan with it at once
// (each with its own Hyperscan scratch).
#pragma once

#include "core/rule_set.h"
#include "core/rules.h"

#include <hs/hs.h>

#include <array>
#include <vector>

namespace maskd::core {

struct rule_set_internals {
  // Pass 1, no start-of-match (fast), over all scannable text: the
  // literal-anchored rules (located afterwards in code) and context words.
  hs_database_t *find_ends = nullptr;
  // By rule index: the rule's own start-of-match database for the rules
  // located by Hyperscan (digit-dense and context rules); nullptr for the
  // others. Compiled only for the reference locator (locate_by_som).
  std::vector<hs_database_t *> find_start;
  // By rule index, for the same rules: the expression anchored at the
  // start of the data, without start-of-match (several times cheaper a
  // byte), run from each byte a confirmable match can start at
  // (rules::can_start and the left edge check); its longest match in
  // bytes; and the bytes it can start with.
  std::vector<hs_database_t *> find_anchored;
  std::vector<uint32_t> anchored_width;
  // The same for rules::with_nested_spaces (phone, card, IBAN and SSN
  // rules), run instead on the clusters a no-break space of a nested
  // string joins; nullptr (and 0) for the other rules.
  std::vector<hs_database_t *> find_anchored_nested;
  std::vector<uint32_t> anchored_width_nested;
  std::vector<std::array<bool, 256>> starts_with;
  std::vector<std::array<bool, 256>> left_blocked;  // by the left edge check
  std::vector<std::array<bool, 256>> right_blocked; // by the right one
  // Locate with find_start instead (rule_set_options::reference_locator:
  // the reference the differential test compares with).
  bool locate_by_som = false;
  std::vector<uint16_t> cluster_rules; // enabled digit-dense rules
  std::vector<uint16_t> context_rules; // enabled context rules
  // Pass-1 ids at and above this are context triggers, not rules.
  unsigned trigger_id_base = 0;
  std::vector<const rules::rule_def *> defs; // by rule index
  std::vector<bool> enabled;                 // by rule index

  ~rule_set_internals() {
    hs_free_database(find_ends);
    for (hs_database_t *db : find_start)
      hs_free_database(db);
    for (hs_database_t *db : find_anchored)
      hs_free_database(db);
    for (hs_database_t *db : find_anchored_nested)
      hs_free_database(db);
  }
};

} // namespace maskd::core
