// net internal: one shard = one thread, one io_uring, one connection pool,
// one provided-buffer ring, one handler. The only user of liburing. Shard 0
// also owns the listening socket and hands accepted sockets to the least
// loaded shard with IORING_OP_MSG_RING, so a few long-lived keep-alive
// connections still spread evenly (SO_REUSEPORT hashing would not).
#pragma once

#include "net/http.h"
#include "net/server.h"

#include <liburing.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/uio.h>
#include <thread>
#include <vector>

namespace maskd::net::detail {

enum class deadline_kind : uint8_t { none, idle, header, body, send, linger };

// Everything one connection owns. In-flight operations are counted in
// `inflight`; the slot is reused only after it drops to zero.
struct conn {
  explicit conn(const parser_limits &lim) : parser(lim) {}
  int fd = -1;
  uint32_t slot = 0;
  uint32_t gen = 0; // bumped on release; user_data carries it for checks
  uint16_t inflight = 0;
  bool in_use = false;
  bool recv_armed = false;
  bool send_armed = false;
  bool peer_eof = false;
  bool closing = false;   // shut down; waiting for the last completion
  bool lingering = false; // error sent, discarding input until EOF
  bool writing = false;   // a final response is queued or being sent
  bool close_after = false;
  bool in_retry = false;
  uint64_t heard_ms = 0;  // the last receive completion, adoption or response
  uint64_t probed_ms = 0; // the last probe_silent() look at the socket
  deadline_kind dkind = deadline_kind::none;
  uint64_t deadline_ms = 0;
  request_parser parser;
  std::string backlog; // received, not yet parsed (pipelined) bytes
  size_t backlog_off = 0;
  std::string head;    // response status line + headers
  std::string storage; // handler-owned response body scratch
  iovec iov[3] = {};   // 100-continue, head, body
  unsigned iov_next = 0;
  unsigned iov_end = 0;
  msghdr msg = {};
};

class shard_loop {
public:
  shard_loop(unsigned index, const server_config &cfg, shard_stats *stats,
             unsigned shard_count, int listen_fd);
  ~shard_loop();
  shard_loop(const shard_loop &) = delete;
  shard_loop &operator=(const shard_loop &) = delete;

  bool setup(std::string *error); // on the shard thread
  void run(handler &h, shard_loop *const *peers);
  void request_stop(); // any thread
  void teardown();     // closes sockets and the ring; on the shard thread
  int ring_fd() const { return ring_.ring_fd; }

private:
  // ring plumbing
  io_uring_sqe *get_sqe();
  bool setup_ring(std::string *error);
  bool setup_buffers(std::string *error);
  void recycle(uint16_t bid);
  void turn();
  void dispatch_cqe(const io_uring_cqe &cqe);
  // acceptor
  void arm_accept();
  void on_accept(int res, uint32_t flags);
  void distribute(int fd);
  unsigned pick_shard() const;
  void refuse(int fd);
  void on_msg_sent(int res, uint32_t fd, uint32_t target);
  void arm_wake();
  // connections
  void adopt(int fd);
  bool arm_recv(conn &c);
  bool flush_send(conn &c);
  void retry_later(conn &c);
  void run_retries();
  void on_recv(conn &c, int res, uint32_t flags);
  void on_recv_data(conn &c, const char *data, size_t len);
  void on_eof(conn &c);
  void on_send(conn &c, int res);
  size_t feed(conn &c, const char *data, size_t len);
  void drain_backlog(conn &c);
  void dispatch_request(conn &c);
  void queue_response(conn &c, const response &res, bool keep_alive);
  void queue_continue(conn &c);
  void respond_error(conn &c, uint16_t status);
  void response_sent(conn &c);
  void start_linger(conn &c);
  void close_now(conn &c);
  void cancel_recv(conn &c);
  void probe_silent(conn &c);
  void check_release(conn &c);
  bool wants_recv(const conn &c) const;
  void set_deadline(conn &c, deadline_kind kind, uint32_t timeout_ms);
  void check_deadlines();
  void begin_stop();
  void tell_peers_to_stop();
  bool drained() const;
  void bump(std::atomic<uint64_t> &counter, uint64_t n = 1);

  unsigned index_;
  std::thread::id
      owner_; // the shard thread: every member is touched only there
  server_config cfg_;
  shard_stats *stats_; // all shards' stats; stats_[index_] is ours
  unsigned shard_count_;
  int listen_fd_; // >= 0 only on the acceptor shard
  io_uring ring_ = {};
  bool ring_ready_ = false;
  io_uring_buf_ring *buf_ring_ = nullptr;
  char *buf_base_ = nullptr;
  unsigned buffers_recycled_ = 0; // added this turn, published once per turn
  int wake_fd_ = -1;
  uint64_t wake_value_ = 0;
  std::atomic<bool> stop_requested_{false};
  handler *handler_ = nullptr;
  shard_loop *const *peers_ = nullptr;
  std::vector<std::unique_ptr<conn>> conns_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> retry_;
  std::vector<io_uring_cqe> batch_;
  std::vector<uint64_t> assigned_; // acceptor: connections handed per shard
  unsigned next_pick_ = 0;
  uint32_t active_ = 0;
  uint32_t misc_inflight_ = 0;     // accept, wake, msg_ring: not per connection
  uint32_t handoffs_inflight_ = 0; // MSG_RING sends not yet completed
  bool peers_told_ = false;
  bool accept_armed_ = false;
  bool accept_retry_ = false;
  bool wake_armed_ = false;
  bool stopping_ = false;
  bool forced_ = false;
  uint64_t now_ms_ = 0;
  uint64_t next_tick_ms_ = 0;
  uint64_t drain_deadline_ms_ = 0;
  uint32_t tick_ms_ = 50;
  size_t backlog_bytes_max_ = 0;
};

} // namespace maskd::net::detail
