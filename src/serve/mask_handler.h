// maskd serve: the net::handler that wires HTTP to the masking pass. One per
// shard, created on the shard thread; owns that shard's core::masker.
#pragma once

#include "core/masker.h"
#include "core/rule_set.h"
#include "net/server.h"
#include "src/serve/metrics.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace maskd::app {

// Read-only state shared by every shard's handler (set before start()).
struct serve_state {
  std::shared_ptr<const core::rule_set> rules;
  core::limits limits;
  std::string mask_path;
  bool echo = false; // benchmark ceiling: answer the body unmasked
  metrics_registry *metrics = nullptr;
  const net::server *server = nullptr;
};

class mask_handler : public net::handler {
public:
  mask_handler(const serve_state &state, unsigned shard);
  void handle(const net::request &req, net::response &out) override;
  void rejected(uint16_t status, size_t body_bytes) override;

private:
  route route_of(const net::request &req) const;
  void serve_mask(const net::request &req, net::response &out);
  void serve_error(const net::request &req, const core::mask_result &r,
                   net::response &out);
  void serve_metrics(net::response &out);
  void serve_ready(net::response &out);

  const serve_state &state_;
  unsigned shard_;
  std::thread::id owner_; // the shard thread; the masker is not thread-safe
  shard_metrics &metrics_;
  core::masker masker_;
};

} // namespace maskd::app
