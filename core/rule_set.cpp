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
                    (ids[cerr->expression] < rules::table().size()
                         ? std::string(
                               rules::table()[ids[cerr->expression]].info.id)
                         : std::string("context trigger")) +
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

  // Pass 1: rules that need no context, plus the context triggers.
  // Context rules: their own database, run only in context zones.
  // Pass 2 (start of match): one small database per rule that is not
  // located in code.
  std::vector<const char *> ends_exprs, ctx_exprs, num_exprs, v6_exprs;
  std::vector<unsigned> ends_flags, ctx_flags, num_flags, v6_flags;
  std::vector<unsigned> ends_ids, ctx_ids, num_ids, v6_ids;
  bool need_trigger[3] = {false, false, false};
  for (size_t i = 0; i < table.size(); ++i) {
    if (!internals->enabled[i])
      continue;
    const rules::rule_def &r = table[i];
    if (r.needs == rules::context::none && rules::colon_dense(r)) {
      v6_exprs.push_back(r.expression);
      v6_flags.push_back(r.hs_flags);
      v6_ids.push_back(unsigned(i));
    } else if (r.needs == rules::context::none && rules::digit_dense(r)) {
      num_exprs.push_back(r.expression);
      num_flags.push_back(r.hs_flags);
      num_ids.push_back(unsigned(i));
    } else if (r.needs == rules::context::none) {
      ends_exprs.push_back(r.expression);
      ends_flags.push_back(r.hs_flags);
      ends_ids.push_back(unsigned(i));
    } else {
      ctx_exprs.push_back(r.expression);
      ctx_flags.push_back(r.hs_flags);
      ctx_ids.push_back(unsigned(i));
      need_trigger[size_t(r.needs)] = true;
    }
    internals->window_before_max =
        std::max<uint32_t>(internals->window_before_max, r.max_len);
  }
  internals->trigger_id_base = unsigned(table.size());
  for (auto c : {rules::context::phone, rules::context::ssn}) {
    if (!need_trigger[size_t(c)])
      continue;
    ends_exprs.push_back(rules::context_trigger(c));
    ends_flags.push_back(HS_FLAG_CASELESS);
    ends_ids.push_back(internals->trigger_id_base + unsigned(c) - 1);
  }
  if (!ends_exprs.empty()) {
    internals->find_ends = compile_db(ends_exprs, ends_flags, ends_ids, error);
    if (!internals->find_ends)
      return nullptr;
  }
  internals->find_start.assign(table.size(), nullptr);
  for (size_t i = 0; i < table.size(); ++i) {
    const rules::rule_def &r = table[i];
    if (!internals->enabled[i] || r.locate != rules::locator::som)
      continue;
    internals->find_start[i] = compile_db(
        {r.span_expression ? r.span_expression : r.expression},
        {r.hs_flags | HS_FLAG_SOM_LEFTMOST}, {unsigned(i)}, error);
    if (!internals->find_start[i])
      return nullptr;
  }
  if (!num_exprs.empty()) {
    internals->find_numeric = compile_db(num_exprs, num_flags, num_ids, error);
    if (!internals->find_numeric)
      return nullptr;
  }
  if (!v6_exprs.empty()) {
    internals->find_ipv6 = compile_db(v6_exprs, v6_flags, v6_ids, error);
    if (!internals->find_ipv6)
      return nullptr;
  }
  if (!ctx_exprs.empty()) {
    internals->find_in_context =
        compile_db(ctx_exprs, ctx_flags, ctx_ids, error);
    if (!internals->find_in_context)
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
