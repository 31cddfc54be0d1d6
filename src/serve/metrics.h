// maskd serve: request metrics. Each shard writes only its own block
// (relaxed single-writer counters, no locks, no shared cache lines); the
// /metrics handler sums the blocks when it renders the Prometheus text.
#pragma once

#include "core/masker.h"
#include "core/rule_set.h"
#include "net/server.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace maskd::app {

enum class route : uint8_t { mask, healthz, readyz, metrics, other };
inline constexpr size_t route_count = 5;

inline constexpr uint16_t tracked_statuses[] = {200, 400, 404, 405,
                                                413, 415, 500, 503};
inline constexpr size_t status_slots = std::size(tracked_statuses) + 1;

// Upper bounds of the duration histogram, in microseconds.
inline constexpr uint64_t duration_bounds_us[] = {
    100,   250,   500,    1000,   2500,   5000,   10000,
    25000, 50000, 100000, 250000, 500000, 1000000};
inline constexpr size_t duration_buckets = std::size(duration_bounds_us) + 1;

using counter = std::atomic<uint64_t>;

struct alignas(64) shard_metrics {
  explicit shard_metrics(size_t rule_count)
      : masks_by_rule(std::make_unique<counter[]>(rule_count)) {}
  counter requests[route_count][status_slots] = {};
  counter duration[route_count][duration_buckets] = {};
  counter duration_sum_us[route_count] = {};
  counter body_bytes_in{0};
  counter body_bytes_out{0};
  counter text_rescanned{0}; // core::mask_result::rescanned_bytes
  counter errors_by_kind[core::error_kind_count] = {};
  std::unique_ptr<counter[]> masks_by_rule;

  void record(route r, uint16_t status, uint64_t duration_us);
};

// Single writer per counter: load+store instead of a locked add.
inline void bump(counter &c, uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

class metrics_registry {
public:
  metrics_registry(unsigned shards, size_t rule_count);
  shard_metrics &shard(unsigned i) { return *blocks_[i]; }
  // Prometheus text exposition of every block plus the net counters.
  void render(const net::server &srv, const core::rule_set &rules,
              std::string_view mask_path, std::string *out) const;

private:
  unsigned shards_;
  size_t rule_count_;
  std::unique_ptr<std::unique_ptr<shard_metrics>[]> blocks_;
};

} // namespace maskd::app
