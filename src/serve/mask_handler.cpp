#include "src/serve/mask_handler.h"

#include "src/serve/log.h"

#include <cassert>
#include <cstdio>
#include <strings.h>
#include <time.h>

namespace maskd::app {

namespace {

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// "application/json" with optional parameters (charset=utf-8), any case.
bool is_json(std::optional<std::string_view> content_type) {
  if (!content_type)
    return false;
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  constexpr std::string_view json = "application/json";
  return v.size() == json.size() &&
         strncasecmp(v.data(), json.data(), json.size()) == 0;
}

void simple(net::response &out, uint16_t status, std::string_view body) {
  out.status = status;
  out.body = body;
}

uint16_t status_for(core::error_kind kind) {
  switch (kind) {
  case core::error_kind::invalid_json:
  case core::error_kind::invalid_utf8:
  case core::error_kind::depth_limit:
    return 400;
  case core::error_kind::body_too_large:
    return 413;
  default:
    return 500; // match_limit, internal: fail closed
  }
}

} // namespace

mask_handler::mask_handler(const serve_state &state, unsigned shard)
    : state_(state), shard_(shard), owner_(std::this_thread::get_id()),
      metrics_(state.metrics->shard(shard)),
      masker_(state.rules, state.limits) {}

route mask_handler::route_of(const net::request &req) const {
  if (req.path == state_.mask_path)
    return route::mask;
  if (req.path == "/healthz")
    return route::healthz;
  if (req.path == "/readyz")
    return route::readyz;
  if (req.path == "/metrics")
    return route::metrics;
  return route::other;
}

void mask_handler::handle(const net::request &req, net::response &out) {
  assert(std::this_thread::get_id() == owner_ && req.shard == shard_);
  route r = route_of(req);
  bool get = req.method == "GET" || req.method == "HEAD";
  if (r == route::other) {
    simple(out, 404, R"({"error":"not_found"})");
  } else if (r == route::mask && req.method != "POST") {
    simple(out, 405, R"({"error":"method_not_allowed"})");
    out.extra_headers = "Allow: POST\r\n";
  } else if (r != route::mask && !get) {
    simple(out, 405, R"({"error":"method_not_allowed"})");
    out.extra_headers = "Allow: GET, HEAD\r\n";
  } else if (r == route::mask) {
    serve_mask(req, out);
  } else if (r == route::healthz) {
    simple(out, 200, R"({"status":"alive"})");
  } else if (r == route::readyz) {
    serve_ready(out);
  } else {
    serve_metrics(out);
  }
  uint64_t elapsed_ns = monotonic_ns() - req.start_ns;
  metrics_.record(r, out.status, elapsed_ns / 1000);
}

void mask_handler::serve_mask(const net::request &req, net::response &out) {
  if (!is_json(req.header("content-type")))
    return simple(out, 415, R"({"error":"unsupported_media_type"})");
  bump(metrics_.body_bytes_in, req.body.size());
  if (state_.echo) { // --echo: the same stack without masking (a ceiling)
    out.body = req.body;
    bump(metrics_.body_bytes_out, out.body.size());
    return;
  }
  core::mask_result r = masker_.mask(req.body);
  if (!r.ok())
    return serve_error(req, r, out);
  if (r.output.empty()) {
    // Never an empty 2xx: Langfuse would treat it as a failure anyway.
    core::mask_result bad = r;
    bad.error = core::error_kind::internal;
    return serve_error(req, bad, out);
  }
  if (r.output.data() == req.body.data()) {
    out.body = req.body; // nothing matched: answer with the input, no copy
  } else {
    // The masker's buffer is reused by the next request on this shard,
    // possibly before this response is sent: the output moves to the
    // connection-owned buffer (a swap; the masker keeps the old one).
    if (!masker_.take_output(*out.storage))
      out.storage->assign(r.output.data(), r.output.size());
    out.body = *out.storage;
  }
  for (size_t i = 0; i < r.replacements_by_rule.size(); i++)
    if (r.replacements_by_rule[i] != 0)
      bump(metrics_.masks_by_rule[i], r.replacements_by_rule[i]);
  bump(metrics_.body_bytes_out, out.body.size());
  if (r.rescanned_bytes != 0)
    bump(metrics_.text_rescanned, r.rescanned_bytes);
}

void mask_handler::serve_error(const net::request &req,
                               const core::mask_result &r, net::response &out) {
  std::string_view kind = core::error_kind_name(r.error);
  bump(metrics_.errors_by_kind[size_t(r.error)]);
  char body[128];
  int n =
      std::snprintf(body, sizeof body, "{\"error\":\"%.*s\",\"offset\":%zu}",
                    int(kind.size()), kind.data(), r.error_offset);
  out.storage->assign(body, size_t(n));
  out.status = status_for(r.error);
  out.body = *out.storage;
  log_line(out.status >= 500 ? "error" : "warn", "mask_failed")
      .str("kind", kind)
      .num("status", out.status)
      .num("body_bytes", req.body.size())
      .num("offset", r.error_offset)
      .num("shard", shard_);
}

void mask_handler::rejected(uint16_t status, size_t body_bytes) {
  static constexpr std::string_view reasons[] = {
      "malformed_http", "read_timeout", "body_too_large", "headers_too_large"};
  std::string_view reason = status == 408   ? reasons[1]
                            : status == 413 ? reasons[2]
                            : status == 431 ? reasons[3]
                                            : reasons[0];
  log_line("warn", "http_rejected")
      .str("kind", reason)
      .num("status", status)
      .num("body_bytes", body_bytes)
      .num("shard", shard_);
}

void mask_handler::serve_ready(net::response &out) {
  bool ready = state_.rules != nullptr && state_.server != nullptr &&
               state_.server->all_shards_running() &&
               !state_.server->stopping();
  if (ready)
    simple(out, 200, R"({"status":"ready"})");
  else
    simple(out, 503, R"({"status":"not_ready"})");
}

void mask_handler::serve_metrics(net::response &out) {
  state_.metrics->render(*state_.server, *state_.rules, state_.mask_path,
                         out.storage);
  out.content_type = "text/plain; version=0.0.4";
  out.body = *out.storage;
}

} // namespace maskd::app
