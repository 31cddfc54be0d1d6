// `maskd serve`: configuration, rule compilation, the net server with one
// mask_handler per shard, signals and graceful drain.
#include "src/serve/serve.h"

#include "core/masker.h"
#include "core/rule_set.h"
#include "net/server.h"
#include "src/serve/config.h"
#include "src/serve/log.h"
#include "src/serve/mask_handler.h"
#include "src/serve/metrics.h"

#include <cstdio>
#include <memory>
#include <signal.h>
#include <string>
#include <time.h>

namespace maskd::app {

namespace {

void log_config(const serve_config &c) {
  const net::server_config &n = c.net;
  log_line("info", "start")
      .str("listen", n.listen_host + ":" + std::to_string(n.listen_port))
      .str("path", c.mask_path)
      .num("shards", n.shard_count)
      .num("body_max_bytes", n.body_bytes_max)
      .num("header_max_bytes", n.header_bytes_max)
      .num("read_timeout_ms", n.header_timeout_ms)
      .num("idle_timeout_ms", n.idle_timeout_ms)
      .num("max_connections", n.connections_max)
      .num("drain_timeout_ms", n.drain_timeout_ms);
}

// SIGTERM/SIGINT are blocked in every thread (the shards inherit the mask)
// and taken synchronously here, so no handler runs in signal context.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

int wait_for_stop_signal(const sigset_t &set) {
  while (true) {
    int sig = sigwaitinfo(&set, nullptr);
    if (sig > 0)
      return sig;
  }
}

} // namespace

int run_serve(int argc, char **argv) {
  serve_config cfg;
  std::string err;
  if (!parse_serve_config(argc, argv, &cfg, &err)) {
    log_line("error", "bad_config").str("message", err);
    std::fputs(serve_usage, stderr);
    return 2;
  }
  if (cfg.help) {
    std::fputs(serve_usage, stdout);
    return 0;
  }
  cfg.net.body_padding_bytes = core::input_padding_bytes;
  log_config(cfg);

  serve_state state;
  state.rules = core::rule_set::builtin(&err);
  if (!state.rules) {
    log_line("error", "rules_failed").str("message", err);
    return 1;
  }
  state.limits.body_bytes_max = cfg.net.body_bytes_max;
  state.mask_path = cfg.mask_path;
  state.echo = cfg.echo;
  if (cfg.echo)
    log_line("warn", "echo_mode")
        .str("message", "masking is OFF: bodies are answered unmasked "
                        "(benchmark ceiling only)");
  metrics_registry metrics(cfg.net.shard_count, state.rules->rule_count());
  state.metrics = &metrics;

  sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN); // sends use MSG_NOSIGNAL; this is for the rest

  auto factory = [&state](unsigned shard) -> std::unique_ptr<net::handler> {
    return std::make_unique<mask_handler>(state, shard);
  };
  std::unique_ptr<net::server> srv =
      net::server::create(cfg.net, factory, &err);
  if (!srv) {
    log_line("error", "listen_failed").str("message", err);
    return 1;
  }
  state.server = srv.get();
  if (!srv->start(&err)) {
    log_line("error", "start_failed").str("message", err);
    return 1;
  }
  log_line("info", "listening")
      .str("address", srv->local_address())
      .str("path", cfg.mask_path)
      .num("shards", srv->shard_count())
      .num("rules", state.rules->rule_count());

  int sig = wait_for_stop_signal(signals);
  log_line("info", "stopping")
      .str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
      .num("drain_timeout_ms", cfg.net.drain_timeout_ms);
  srv->stop();
  srv->wait();
  uint64_t requests = 0;
  for (unsigned i = 0; i < srv->shard_count(); i++)
    requests += srv->stats(i).requests.load(std::memory_order_relaxed);
  log_line("info", "stopped").num("requests", requests);
  return 0;
}

} // namespace maskd::app
