#include "core/rule_set.h"

#include "core/rule_set_internal.h"

#include <algorithm>

namespace maskd::core {
namespace {

hs_database_t *compile_db(const std::vector<const char *> &exprs,
                          const std::vector<unsigned> &flags,
                          const std::vector<unsigned> &ids,
                          std::string *error) {
  hs_database_t *db = nullptr;
  hs_compile_error_t *cerr = nullptr;
  hs_error_t rc =
      hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                       unsigned(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                       &cerr);
  if (rc != HS_SUCCESS) {
    if (error) {
      *error = "rule compile failed";
      if (cerr) {
        *error += ": ";
        *error += cerr->message;
        if (cerr->expression >= 0 && size_t(cerr->expression) < ids.size())
          *error += " (rule " +
                    std::string(rules::table()[ids[cerr->expression]].info.id) +
                    ")";
      }
    }
    hs_free_compile_error(cerr);
    return nullptr;
  }
  return db;
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

  std::vector<const char *> exprs, span_exprs;
  std::vector<unsigned> ends_flags, span_flags, ids;
  for (size_t i = 0; i < table.size(); ++i) {
    if (!internals->enabled[i])
      continue;
    exprs.push_back(table[i].expression);
    ends_flags.push_back(table[i].hs_flags);
    span_flags.push_back(table[i].hs_flags | HS_FLAG_SOM_LEFTMOST);
    span_exprs.push_back(table[i].span_expression ? table[i].span_expression
                                                  : table[i].expression);
    ids.push_back(unsigned(i));
    internals->window_before_max =
        std::max<uint32_t>(internals->window_before_max, table[i].max_len);
  }
  if (!exprs.empty()) {
    internals->find_ends = compile_db(exprs, ends_flags, ids, error);
    if (!internals->find_ends)
      return nullptr;
    internals->find_spans = compile_db(span_exprs, span_flags, ids, error);
    if (!internals->find_spans)
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
