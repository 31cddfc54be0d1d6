// maskd net: a shard-per-core HTTP/1.1 server on io_uring. It knows bytes and
// HTTP, never masking: the application implements `handler` and net calls it
// on the shard thread that owns the connection.
//
// Memory: every view in `request` points into connection-owned buffers and is
// valid only during handler::handle(). The body given to the handler is
// followed by `server_config::body_padding_bytes` readable bytes. A response
// body must live until the response is sent: point it at the request body, at
// static storage, or at `*response::storage` (a connection-owned buffer).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::net {

struct header_field {
  std::string_view name; // as sent; compare case-insensitively
  std::string_view value;
};

struct request {
  std::string_view method; // e.g. "POST"
  std::string_view path;   // request target up to '?'
  std::string_view query;  // after '?', without it; empty if none
  std::span<const header_field> headers;
  std::string_view body; // padded, see the header comment
  uint64_t start_ns = 0; // CLOCK_MONOTONIC when the first byte arrived
  unsigned shard = 0;

  // First header named `name` (ASCII case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct response {
  uint16_t status = 200;
  std::string_view content_type = "application/json";
  std::string_view body;
  // Extra header lines, each "Name: value\r\n"; same lifetime rule as body.
  std::string_view extra_headers;
  bool close = false; // close the connection after this response
  // Connection-owned scratch for the body (capacity kept between requests).
  std::string *storage = nullptr;
};

class handler {
public:
  virtual ~handler() = default;
  // Runs on the shard thread; must not block and must not throw.
  virtual void handle(const request &req, response &out) = 0;
  // The HTTP layer answered `status` (400/408/413/431) itself and will close
  // the connection; `body_bytes` had been read. For logging; same thread.
  virtual void rejected(uint16_t status, size_t body_bytes) {
    (void)status;
    (void)body_bytes;
  }
};

// Called once per shard, on that shard's thread, before it serves.
using handler_factory = std::function<std::unique_ptr<handler>(unsigned shard)>;

struct server_config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080; // 0: the kernel picks one (see local_address)
  unsigned shard_count = 1;
  size_t body_bytes_max = size_t{64} << 20;   // larger -> 413
  size_t header_bytes_max = size_t{64} << 10; // request line + headers -> 431
  uint32_t headers_count_max = 128;           // more header lines -> 431
  size_t body_padding_bytes = 0;              // readable slack after bodies
  uint32_t header_timeout_ms = 10000; // first byte to end of headers -> 408
  uint32_t body_timeout_ms = 10000;   // longest gap inside a body -> 408
  uint32_t idle_timeout_ms = 60000;   // keep-alive wait for the next request
  uint32_t send_timeout_ms = 10000;   // a response not taken by the peer
  uint32_t linger_timeout_ms = 1000;  // drain input after an error response
  uint32_t connections_max = 4096;    // over it: accept, 503, close
  uint32_t drain_timeout_ms = 5000;   // graceful stop deadline
  uint32_t ring_entries = 1024;       // submission queue size per shard
  uint32_t recv_buffer_bytes = 16384; // one provided receive buffer
  uint32_t recv_buffer_count = 512;   // per shard; power of two
};

// Per-shard counters: written only by the owning shard (relaxed store), read
// by anyone at scrape time. Nothing here is on a shared cache line path.
struct alignas(64) shard_stats {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_closed{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> rejected_400{0}; // malformed HTTP
  std::atomic<uint64_t> rejected_408{0}; // read timeout
  std::atomic<uint64_t> rejected_413{0}; // body over body_bytes_max
  std::atomic<uint64_t> rejected_431{0}; // headers over limits
  std::atomic<uint64_t> refused{0};      // over connections_max (acceptor)
  std::atomic<uint64_t> recv_buffers_exhausted{0}; // -ENOBUFS seen
  std::atomic<uint64_t> recv_paused{0};  // pipelined backlog full: reads paused
  std::atomic<uint64_t> cq_overflows{0}; // turns that found the CQ overflowed
  // Receives the kernel never completed though the socket held data, an end
  // or an error (found by shard_loop's probe of silent connections).
  std::atomic<uint64_t> recv_stalls{0};
  // Submissions made inside a batch of completions because handling it took
  // long (large bodies): their responses left before the batch was done.
  std::atomic<uint64_t> early_submits{0};

  uint64_t connections_open() const {
    return connections_accepted.load(std::memory_order_relaxed) -
           connections_closed.load(std::memory_order_relaxed);
  }
};

class shard;
struct startup;
namespace detail {
class shard_loop;
}

class server {
public:
  // Binds and listens (so local_address() is known); serves after start().
  static std::unique_ptr<server>
  create(const server_config &cfg, handler_factory factory, std::string *error);
  ~server();
  server(const server &) = delete;
  server &operator=(const server &) = delete;

  // Starts the shard threads; returns once every shard serves or one failed.
  bool start(std::string *error);
  // Begins a graceful stop; safe from any thread (not from a signal handler).
  void stop();
  // Joins the shards: returns after they drained or the drain deadline.
  void wait();

  std::string local_address() const; // "host:port" actually bound
  unsigned shard_count() const;
  const shard_stats &stats(unsigned shard) const;
  bool all_shards_running() const;
  // True from stop() on: readiness probes should fail while draining.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  const server_config &config() const { return cfg_; }

private:
  server(const server_config &cfg, handler_factory factory);
  server_config cfg_;
  handler_factory factory_;
  int listen_fd_ = -1;
  std::unique_ptr<std::unique_ptr<shard>[]> shards_;
  std::unique_ptr<shard_stats[]> stats_;
  std::vector<detail::shard_loop *> loops_;
  std::shared_ptr<startup> startup_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool joined_ = false;
};

} // namespace maskd::net
