#include "src/serve/metrics.h"

#include <cstdio>

namespace maskd::app {

namespace {

uint64_t get(const counter &c) { return c.load(std::memory_order_relaxed); }

void append_label_value(std::string *out, std::string_view v) {
  for (char ch : v) {
    if (ch == '\\' || ch == '"')
      out->push_back('\\');
    if (ch == '\n') {
      out->append("\\n");
      continue;
    }
    out->push_back(ch);
  }
}

void header(std::string *out, const char *name, const char *type,
            const char *help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string *out, std::string_view name, std::string_view labels,
            uint64_t value) {
  out->append(name);
  if (!labels.empty())
    out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(value)).append("\n");
}

std::string route_label(route r, std::string_view mask_path) {
  static constexpr std::string_view fixed[] = {"", "/healthz", "/readyz",
                                               "/metrics", "other"};
  std::string s = "path=\"";
  append_label_value(&s, r == route::mask ? mask_path : fixed[size_t(r)]);
  return s + "\"";
}

std::string seconds(uint64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", double(us) / 1e6);
  return b;
}

} // namespace

void shard_metrics::record(route r, uint16_t status, uint64_t duration_us) {
  size_t slot = std::size(tracked_statuses);
  for (size_t i = 0; i < std::size(tracked_statuses); i++)
    if (tracked_statuses[i] == status)
      slot = i;
  size_t ri = size_t(r);
  bump(requests[ri][slot]);
  size_t b = 0;
  while (b < std::size(duration_bounds_us) &&
         duration_us > duration_bounds_us[b])
    b++;
  bump(duration[ri][b]);
  bump(duration_sum_us[ri], duration_us);
}

metrics_registry::metrics_registry(unsigned shards, size_t rule_count)
    : shards_(shards), rule_count_(rule_count),
      blocks_(std::make_unique<std::unique_ptr<shard_metrics>[]>(shards)) {
  for (unsigned i = 0; i < shards; i++)
    blocks_[i] = std::make_unique<shard_metrics>(rule_count);
}

void metrics_registry::render(const net::server &srv,
                              const core::rule_set &rules,
                              std::string_view mask_path,
                              std::string *out) const {
  out->clear();
  auto sum = [&](auto pick) {
    uint64_t n = 0;
    for (unsigned i = 0; i < shards_; i++)
      n += get(pick(*blocks_[i]));
    return n;
  };
  header(out, "maskd_http_requests_total", "counter",
         "Requests answered by the handler, by path and status.");
  for (size_t r = 0; r < route_count; r++)
    for (size_t s = 0; s < status_slots; s++) {
      uint64_t n = sum([&](const shard_metrics &m) -> const counter & {
        return m.requests[r][s];
      });
      if (n == 0)
        continue;
      std::string st = s < std::size(tracked_statuses)
                           ? std::to_string(tracked_statuses[s])
                           : "other";
      sample(out, "maskd_http_requests_total",
             route_label(route(r), mask_path) + ",status=\"" + st + "\"", n);
    }
  header(out, "maskd_http_request_duration_seconds", "histogram",
         "Time from the first request byte to the response, by path.");
  for (size_t r = 0; r < route_count; r++) {
    std::string path = route_label(route(r), mask_path);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < duration_buckets; b++) {
      cumulative += sum([&](const shard_metrics &m) -> const counter & {
        return m.duration[r][b];
      });
      std::string le = b < std::size(duration_bounds_us)
                           ? seconds(duration_bounds_us[b])
                           : "+Inf";
      sample(out, "maskd_http_request_duration_seconds_bucket",
             path + ",le=\"" + le + "\"", cumulative);
    }
    uint64_t sum_us = sum([&](const shard_metrics &m) -> const counter & {
      return m.duration_sum_us[r];
    });
    out->append("maskd_http_request_duration_seconds_sum{" + path + "} " +
                seconds(sum_us) + "\n");
    sample(out, "maskd_http_request_duration_seconds_count", path, cumulative);
  }
  header(out, "maskd_body_bytes_received_total", "counter",
         "Request body bytes received on the masking path.");
  sample(out, "maskd_body_bytes_received_total", "",
         sum([](const shard_metrics &m) -> const counter & {
           return m.body_bytes_in;
         }));
  header(out, "maskd_body_bytes_sent_total", "counter",
         "Response body bytes sent on the masking path.");
  sample(out, "maskd_body_bytes_sent_total", "",
         sum([](const shard_metrics &m) -> const counter & {
           return m.body_bytes_out;
         }));
  header(out, "maskd_text_rescanned_bytes_total", "counter",
         "Decoded string text scanned again because masked values were glued "
         "to other text (near 0 in ordinary traffic; a rise is costly input).");
  sample(out, "maskd_text_rescanned_bytes_total", "",
         sum([](const shard_metrics &m) -> const counter & {
           return m.text_rescanned;
         }));
  header(out, "maskd_masks_applied_total", "counter",
         "Replacements made, by rule id.");
  for (size_t i = 0; i < rule_count_; i++) {
    std::string label = "rule=\"";
    append_label_value(&label, rules.rule(i).id);
    sample(out, "maskd_masks_applied_total", label + "\"",
           sum([&](const shard_metrics &m) -> const counter & {
             return m.masks_by_rule[i];
           }));
  }
  header(out, "maskd_mask_errors_total", "counter",
         "Bodies refused by the masking pass, by error kind.");
  for (size_t k = 1; k < core::error_kind_count; k++) {
    std::string label = "kind=\"";
    label += core::error_kind_name(core::error_kind(k));
    sample(out, "maskd_mask_errors_total", label + "\"",
           sum([&](const shard_metrics &m) -> const counter & {
             return m.errors_by_kind[k];
           }));
  }
  uint64_t open = 0;
  for (unsigned i = 0; i < srv.shard_count(); i++)
    open += srv.stats(i).connections_open();
  header(out, "maskd_open_connections", "gauge", "Open client connections.");
  sample(out, "maskd_open_connections", "", open);
  header(out, "maskd_shards", "gauge", "Shards (threads with a ring each).");
  sample(out, "maskd_shards", "", srv.shard_count());
  header(out, "maskd_shard_connections", "gauge",
         "Open connections per shard (balance check).");
  for (unsigned i = 0; i < srv.shard_count(); i++)
    sample(out, "maskd_shard_connections",
           "shard=\"" + std::to_string(i) + "\"",
           srv.stats(i).connections_open());
  header(out, "maskd_shard_requests_total", "counter",
         "Requests handled per shard.");
  for (unsigned i = 0; i < srv.shard_count(); i++)
    sample(out, "maskd_shard_requests_total",
           "shard=\"" + std::to_string(i) + "\"", get(srv.stats(i).requests));
  header(out, "maskd_http_rejected_total", "counter",
         "Requests refused by the HTTP layer before the handler.");
  struct {
    const char *status;
    counter net::shard_stats::*field;
  } rejected[] = {{"400", &net::shard_stats::rejected_400},
                  {"408", &net::shard_stats::rejected_408},
                  {"413", &net::shard_stats::rejected_413},
                  {"431", &net::shard_stats::rejected_431},
                  {"503", &net::shard_stats::refused}};
  for (auto &r : rejected) {
    uint64_t n = 0;
    for (unsigned i = 0; i < srv.shard_count(); i++)
      n += get(srv.stats(i).*r.field);
    sample(out, "maskd_http_rejected_total",
           std::string("status=\"") + r.status + "\"", n);
  }
  // Ring pressure: non-zero values mean the receive buffer pool or the
  // completion queue was too small for the load (see net/README.md).
  struct {
    const char *name, *help;
    counter net::shard_stats::*field;
  } pressure[] = {
      {"maskd_recv_buffers_exhausted_total",
       "Receives that found the provided-buffer ring empty (-ENOBUFS).",
       &net::shard_stats::recv_buffers_exhausted},
      {"maskd_recv_paused_total",
       "Reads paused because a connection's pipelined backlog was full.",
       &net::shard_stats::recv_paused},
      {"maskd_cq_overflows_total",
       "Loop turns that found the completion queue overflowed.",
       &net::shard_stats::cq_overflows},
      {"maskd_recv_stalls_total",
       "Receives the kernel had not completed though their socket held "
       "data, an end or an error (found by the probe of silent "
       "connections).",
       &net::shard_stats::recv_stalls},
      {"maskd_early_submits_total",
       "Submissions inside a batch of completions, so that responses to "
       "large bodies leave before the batch is done.",
       &net::shard_stats::early_submits}};
  for (auto &m : pressure) {
    header(out, m.name, "counter", m.help);
    for (unsigned i = 0; i < srv.shard_count(); i++)
      sample(out, m.name, "shard=\"" + std::to_string(i) + "\"",
             get(srv.stats(i).*m.field));
  }
}

} // namespace maskd::app
