#include "core/rule_set.h"

#include "core/rule_set_internal.h"
#include "core/scanner.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace maskd::core {
namespace {

hs_database_t *compile_db(const std::vector<const char *> &exprs,
                          const std::vector<unsigned> &flags,
                          const std::vector<unsigned> &ids,
                          std::string *error) {
  hs_database_t *db = nullptr;
  hs_compile_error_t *cerr = nullptr;
  hs_error_t rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                                   unsigned(exprs.size()), HS_MODE_BLOCK,
                                   nullptr, &db, &cerr);
  if (rc != HS_SUCCESS) {
    if (error) {
      *error = "rule compile failed";
      if (cerr) {
        *error += ": ";
        *error += cerr->message;
        if (cerr->expression >= 0 && size_t(cerr->expression) < ids.size())
          *error +=
              " (rule " +
              (ids[cerr->expression] < rules::table().size()
                   ? std::string(rules::table()[ids[cerr->expression]].info.id)
                   : std::string("context trigger")) +
              ")";
      }
    }
    hs_free_compile_error(cerr);
    return nullptr;
  }
  return db;
}

// One caseless alternation of the context words, every byte that is not a
// letter or digit written as \\xNN (a literal).
std::string context_trigger(rules::context c) {
  std::string expr = "(?:";
  auto add = [&](std::string_view word) {
    if (expr.size() > 3)
      expr += '|';
    for (unsigned char ch : word) {
      if (std::isalnum(ch)) {
        expr += char(ch);
      } else {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02x", ch);
        expr += hex;
      }
    }
  };
  for (std::string_view w : rules::context_words(c))
    add(w);
  return expr + ")";
}

} // namespace

std::shared_ptr<const rule_set> rule_set::compile(const rule_set_options &opts,
                                                  std::string *error) {
  auto table = rules::table();
  auto internals = std::make_unique<rule_set_internals>();
  internals->enabled.assign(table.size(), false);
  for (size_t i = 0; i < table.size(); ++i) {
    internals->defs.push_back(&table[i]);
    if (opts.enabled.empty()) {
      internals->enabled[i] = table[i].info.default_on;
    } else {
      internals->enabled[i] =
          std::find(opts.enabled.begin(), opts.enabled.end(),
                    table[i].info.id) != opts.enabled.end();
    }
  }
  for (const auto &id : opts.enabled) {
    bool known = std::any_of(table.begin(), table.end(),
                             [&](const auto &r) { return r.info.id == id; });
    if (!known) {
      if (error)
        *error = "unknown rule id '" + id + "'";
      return nullptr;
    }
  }

  // Pass 1: the rules located in code, plus the context triggers.
  // Every other rule gets its own start-of-match database and is run on
  // digit clusters (digit-dense rules, and context rules after a context
  // word).
  std::vector<const char *> ends_exprs;
  std::vector<unsigned> ends_flags, ends_ids;
  bool need_trigger[3] = {false, false, false};
  internals->locate_by_som = opts.reference_locator;
  internals->find_start.assign(table.size(), nullptr);
  internals->find_anchored.assign(table.size(), nullptr);
  internals->anchored_width.assign(table.size(), 0);
  internals->find_anchored_nested.assign(table.size(), nullptr);
  internals->anchored_width_nested.assign(table.size(), 0);
  internals->starts_with.assign(table.size(), {});
  internals->left_blocked.assign(table.size(), {});
  internals->right_blocked.assign(table.size(), {});
  for (size_t i = 0; i < table.size(); ++i) {
    if (!internals->enabled[i])
      continue;
    const rules::rule_def &r = table[i];
    if (r.locate != rules::locator::som) {
      // scan::locate_start resumes its search for a prefix this far back.
      if (r.locate == rules::locator::prefix)
        for (std::string_view lit : rules::prefix_literals(r))
          if (lit.size() > rules::prefix_max_len) {
            if (error)
              *error = "rule " + std::string(r.info.id) +
                       " has a prefix longer than rules::prefix_max_len";
            return nullptr;
          }
      ends_exprs.push_back(r.expression);
      ends_flags.push_back(r.hs_flags);
      ends_ids.push_back(unsigned(i));
      continue;
    }
    if (r.needs != rules::context::none) {
      internals->context_rules.push_back(uint16_t(i));
      need_trigger[size_t(r.needs)] = true;
    } else if (rules::digit_dense(r) || rules::colon_dense(r)) {
      internals->cluster_rules.push_back(uint16_t(i));
    } else {
      // A rule no pass would ever run must not compile silently.
      if (error)
        *error = "rule " + std::string(r.info.id) +
                 " has no scanning pass (not code-located, digit-dense or "
                 "context)";
      return nullptr;
    }
    // The expression, and its variant for no-break spaces spelled as
    // nested escapes (the reference locator takes the variant: it finds
    // what either finds; where the variant is too large for start-of-match,
    // as the IBAN's is, it takes the expression, and the differential test
    // sees the anchored locator mask more there).
    const std::string nested = rules::with_nested_spaces(r);
    if (opts.reference_locator) {
      if (!nested.empty())
        internals->find_start[i] =
            compile_db({nested.c_str()}, {r.hs_flags | HS_FLAG_SOM_LEFTMOST},
                       {unsigned(i)}, nullptr);
      if (!internals->find_start[i])
        internals->find_start[i] =
            compile_db({r.expression}, {r.hs_flags | HS_FLAG_SOM_LEFTMOST},
                       {unsigned(i)}, error);
      if (!internals->find_start[i])
        return nullptr;
    }
    for (const bool variant : {false, true}) {
      if (variant && nested.empty())
        continue;
      std::string anchored =
          "^(?:" + (variant ? nested : std::string(r.expression)) + ")";
      hs_expr_info_t *info = nullptr;
      hs_compile_error_t *cerr = nullptr;
      if (hs_expression_info(anchored.c_str(), r.hs_flags, &info, &cerr) !=
              HS_SUCCESS ||
          info->max_width == UINT_MAX || info->min_width == 0) {
        // Every located rule has bounded, non-empty matches: the anchored
        // scan from a start needs no more bytes than the longest one.
        if (error)
          *error = "rule " + std::string(r.info.id) +
                   " has no bounded anchored form";
        hs_free_compile_error(cerr);
        std::free(info);
        return nullptr;
      }
      (variant ? internals->anchored_width_nested
               : internals->anchored_width)[i] = info->max_width;
      std::free(info);
      hs_database_t *db =
          compile_db({anchored.c_str()}, {r.hs_flags}, {unsigned(i)}, error);
      if (!db)
        return nullptr;
      (variant ? internals->find_anchored_nested
               : internals->find_anchored)[i] = db;
    }
    for (unsigned ch = 0; ch < 256; ++ch) {
      internals->starts_with[i][ch] = rules::can_start(r, (unsigned char)ch);
      internals->left_blocked[i][ch] = scan::blocks(r.left, char(ch));
      internals->right_blocked[i][ch] = scan::blocks(r.right, char(ch));
    }
  }
  internals->trigger_id_base = unsigned(table.size());
  std::string triggers[3]; // alive until the database is compiled
  for (auto c : {rules::context::phone, rules::context::ssn}) {
    if (!need_trigger[size_t(c)])
      continue;
    triggers[size_t(c)] = context_trigger(c);
    ends_exprs.push_back(triggers[size_t(c)].c_str());
    ends_flags.push_back(HS_FLAG_CASELESS);
    ends_ids.push_back(internals->trigger_id_base + unsigned(c) - 1);
  }
  if (!ends_exprs.empty()) {
    internals->find_ends = compile_db(ends_exprs, ends_flags, ends_ids, error);
    if (!internals->find_ends)
      return nullptr;
  }
  std::shared_ptr<rule_set> set(new rule_set());
  set->internals_ = std::move(internals);
  return set;
}

rule_set::~rule_set() = default;

size_t rule_set::rule_count() const { return internals_->defs.size(); }

const rule_info &rule_set::rule(size_t i) const {
  return internals_->defs[i]->info;
}

bool rule_set::enabled(size_t i) const { return internals_->enabled[i]; }

} // namespace maskd::core
