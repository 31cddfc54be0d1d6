#include "net/shard.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace maskd::net::detail {

namespace {

enum op : uint8_t {
  op_accept = 1,
  op_recv,
  op_send,
  op_new_conn, // a socket handed over by the acceptor (MSG_RING target)
  op_msg_sent, // the acceptor's own completion of that hand-over
  op_wake,
  op_cancel, // completions of cancel requests carry no state
};

uint64_t pack(op o, uint32_t slot, uint32_t gen) {
  return uint64_t(o) << 56 | uint64_t(slot & 0xffffff) << 32 | gen;
}
op op_of(uint64_t ud) { return op(ud >> 56); }
uint32_t slot_of(uint64_t ud) { return uint32_t(ud >> 32) & 0xffffff; }
uint32_t gen_of(uint64_t ud) { return uint32_t(ud); }

uint64_t monotonic_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

uint64_t monotonic_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

// Within one batch of completions, queued sends are handed to the kernel
// once this much time went by since the last submission: a response
// masked early in a batch of several large bodies leaves then, not after
// the whole batch (with 8 x 1 MB bodies a batch is ~20 ms of masking).
// Small requests never reach it, so they keep one submission per turn.
constexpr uint64_t flush_after_us = 200;

// Bodies and headers above this are freed after their request, so an idle
// keep-alive connection does not pin a once-large buffer.
constexpr size_t retain_bytes = size_t{1} << 20;
// How long a connection with its receive armed stays silent before
// probe_silent() looks at its socket, and then how often.
constexpr uint64_t probe_after_ms = 1000;

} // namespace

shard_loop::shard_loop(unsigned index, const server_config &cfg,
                       shard_stats *stats, unsigned shard_count, int listen_fd)
    : index_(index), cfg_(cfg), stats_(stats), shard_count_(shard_count),
      listen_fd_(listen_fd) {
  uint32_t shortest = std::min({cfg.header_timeout_ms, cfg.body_timeout_ms,
                                cfg.idle_timeout_ms, cfg.send_timeout_ms});
  // Deadlines are checked once per tick: a quarter of the shortest timeout
  // keeps the error under 25% without waking an idle shard too often.
  tick_ms_ = std::clamp<uint32_t>(shortest / 4, 5, 100);
  backlog_bytes_max_ = cfg.header_bytes_max + 2 * size_t(cfg.recv_buffer_bytes);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

shard_loop::~shard_loop() {
  teardown();
  std::free(buf_ring_);
  std::free(buf_base_);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
}

// On the shard thread: the registered ring fd belongs to this thread.
void shard_loop::teardown() {
  for (auto &c : conns_)
    if (c->in_use && c->fd >= 0) {
      ::close(c->fd);
      c->fd = -1;
    }
  if (ring_ready_)
    io_uring_queue_exit(&ring_);
  ring_ready_ = false;
}

void shard_loop::bump(std::atomic<uint64_t> &counter, uint64_t n) {
  // Single writer: a plain load+store avoids a locked instruction.
  counter.store(counter.load(std::memory_order_relaxed) + n,
                std::memory_order_relaxed);
}

bool shard_loop::setup_ring(std::string *error) {
  io_uring_params p = {};
  // SINGLE_ISSUER: only this shard's thread submits, so the kernel can skip
  //   submission-side locking.
  // DEFER_TASKRUN: completion work runs only when we enter the kernel to
  //   wait, so completions arrive in batches instead of interrupting the
  //   loop (requires SINGLE_ISSUER).
  // SUBMIT_ALL: one bad SQE must not leave the rest of the batch (other
  //   connections' operations) unsubmitted.
  // CQSIZE: multishot accept/recv post many completions per submission;
  //   4x the SQ keeps overflow (still lossless with FEAT_NODROP) rare.
  // No SQPOLL: a polling kernel thread per shard burns a core, wrong for a
  //   sidecar that shares the machine with its client.
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
            IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
  p.cq_entries = cfg_.ring_entries * 4;
  int rc = io_uring_queue_init_params(cfg_.ring_entries, &ring_, &p);
  if (rc == -EINVAL) {
    // Kernels before 6.1 lack DEFER_TASKRUN; the loop works without it.
    p = {};
    p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
    p.cq_entries = cfg_.ring_entries * 4;
    rc = io_uring_queue_init_params(cfg_.ring_entries, &ring_, &p);
  }
  if (rc < 0) {
    *error = std::string("io_uring_queue_init: ") + std::strerror(-rc);
    return false;
  }
  ring_ready_ = true;
  // A registered ring fd spares io_uring_enter the fd-table lookup on every
  // turn; optional (5.18+), and the plain fd stays valid for MSG_RING.
  io_uring_register_ring_fd(&ring_);
  // NODROP: overflowed completions are kept, not lost; EXT_ARG: waiting
  // with a timeout costs no extra SQE. Both are 5.x features we rely on.
  if (!(p.features & IORING_FEAT_NODROP) ||
      !(p.features & IORING_FEAT_EXT_ARG)) {
    *error = "io_uring lacks FEAT_NODROP or FEAT_EXT_ARG (kernel too old)";
    return false;
  }
  return true;
}

bool shard_loop::setup_buffers(std::string *error) {
  unsigned count = cfg_.recv_buffer_count;
  if (count == 0 || (count & (count - 1)) != 0 || count > 32768) {
    *error = "recv_buffer_count must be a power of two <= 32768";
    return false;
  }
  // liburing 2.3 has no io_uring_setup_buf_ring: allocate page-aligned ring
  // memory ourselves and register it.
  size_t page = size_t(sysconf(_SC_PAGESIZE));
  void *mem = nullptr;
  if (posix_memalign(&mem, page, count * sizeof(io_uring_buf)) != 0 ||
      posix_memalign(reinterpret_cast<void **>(&buf_base_), page,
                     size_t(count) * cfg_.recv_buffer_bytes) != 0) {
    std::free(mem);
    *error = "cannot allocate receive buffers";
    return false;
  }
  buf_ring_ = static_cast<io_uring_buf_ring *>(mem);
  io_uring_buf_reg reg = {};
  reg.ring_addr = uint64_t(uintptr_t(buf_ring_));
  reg.ring_entries = count;
  reg.bgid = 0;
  int rc = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (rc < 0) {
    *error = std::string("io_uring_register_buf_ring: ") + std::strerror(-rc);
    return false;
  }
  io_uring_buf_ring_init(buf_ring_);
  int mask = io_uring_buf_ring_mask(count);
  for (unsigned i = 0; i < count; i++)
    io_uring_buf_ring_add(buf_ring_,
                          buf_base_ + size_t(i) * cfg_.recv_buffer_bytes,
                          cfg_.recv_buffer_bytes, uint16_t(i), mask, int(i));
  io_uring_buf_ring_advance(buf_ring_, int(count));
  return true;
}

bool shard_loop::setup(std::string *error) {
  if (wake_fd_ < 0) {
    *error = "eventfd failed";
    return false;
  }
  if (!setup_ring(error) || !setup_buffers(error))
    return false;
  parser_limits lim{cfg_.body_bytes_max, cfg_.header_bytes_max,
                    cfg_.headers_count_max, cfg_.body_padding_bytes};
  conns_.reserve(cfg_.connections_max);
  free_slots_.reserve(cfg_.connections_max);
  for (uint32_t i = 0; i < cfg_.connections_max; i++) {
    conns_.push_back(std::make_unique<conn>(lim));
    conns_.back()->slot = i;
    free_slots_.push_back(cfg_.connections_max - 1 - i);
  }
  retry_.reserve(cfg_.connections_max);
  batch_.resize(size_t(cfg_.ring_entries) * 4);
  assigned_.assign(shard_count_, 0);
  return true;
}

void shard_loop::request_stop() {
  stop_requested_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_, &one, sizeof one);
  (void)n; // a full eventfd counter still wakes the reader
}

io_uring_sqe *shard_loop::get_sqe() {
  io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // SQ full: hand the queued entries to the kernel and try once more.
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void shard_loop::recycle(uint16_t bid) {
  io_uring_buf_ring_add(
      buf_ring_, buf_base_ + size_t(bid) * cfg_.recv_buffer_bytes,
      cfg_.recv_buffer_bytes, bid,
      io_uring_buf_ring_mask(cfg_.recv_buffer_count), int(buffers_recycled_));
  buffers_recycled_++;
}

// ---- main loop -----------------------------------------------------------

void shard_loop::run(handler &h, shard_loop *const *peers) {
  owner_ = std::this_thread::get_id();
  handler_ = &h;
  peers_ = peers;
  now_ms_ = monotonic_ms();
  next_tick_ms_ = now_ms_ + tick_ms_;
  arm_wake();
  if (listen_fd_ >= 0)
    arm_accept();
  while (!drained())
    turn();
  // A socket whose hand-over completed just before we were told to stop may
  // still sit in deferred task work: flush it and close such sockets.
  io_uring_submit_and_get_events(&ring_);
  io_uring_cqe *cqe;
  unsigned head, n = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    if (op_of(cqe->user_data) == op_new_conn && cqe->res >= 0)
      ::close(cqe->res);
    n++;
  }
  io_uring_cq_advance(&ring_, n);
}

// One batched turn: submit and wait, copy out every completion, advance the
// CQ once, then act on the copies (no handler runs while iterating the CQ).
void shard_loop::turn() {
  assert(std::this_thread::get_id() ==
         owner_); // nothing shared, nothing locked
  run_retries();
  int rc;
  if (io_uring_cq_has_overflow(&ring_)) {
    bump(stats_[index_].cq_overflows);
    rc = io_uring_submit_and_get_events(&ring_); // flush the overflow list
  } else {
    __kernel_timespec ts = {0, int64_t(tick_ms_) * 1000000};
    io_uring_cqe *first;
    rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &ts, nullptr);
  }
  (void)rc; // -ETIME/-EINTR/-EBUSY: we reap what is there and come back
  io_uring_cqe *cqe;
  unsigned head, n = 0;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    if (n == batch_.size())
      break; // the rest stays for the next turn
    batch_[n++] = *cqe;
  }
  io_uring_cq_advance(&ring_, n);
  now_ms_ = monotonic_ms();
  uint64_t flushed_us = n > 1 ? monotonic_us() : 0;
  for (unsigned i = 0; i < n; i++) {
    dispatch_cqe(batch_[i]);
    if (i + 1 < n && io_uring_sq_ready(&ring_) > 0) {
      uint64_t t = monotonic_us();
      if (t - flushed_us >= flush_after_us) {
        bump(stats_[index_].early_submits);
        io_uring_submit(&ring_);
        flushed_us = t;
      }
    }
  }
  if (buffers_recycled_ > 0) {
    io_uring_buf_ring_advance(buf_ring_, int(buffers_recycled_));
    buffers_recycled_ = 0;
  }
  if (stop_requested_.load(std::memory_order_acquire) && !stopping_)
    begin_stop();
  bool handed_over = !accept_armed_ && handoffs_inflight_ == 0;
  if (stopping_ && !peers_told_ &&
      (handed_over || now_ms_ >= drain_deadline_ms_))
    tell_peers_to_stop();
  if (now_ms_ >= next_tick_ms_) {
    next_tick_ms_ = now_ms_ + tick_ms_;
    check_deadlines();
  }
}

void shard_loop::dispatch_cqe(const io_uring_cqe &cqe) {
  uint64_t ud = cqe.user_data;
  switch (op_of(ud)) {
  case op_accept:
    return on_accept(cqe.res, cqe.flags);
  case op_new_conn:
    if (cqe.res >= 0)
      adopt(cqe.res);
    return;
  case op_msg_sent:
    return on_msg_sent(cqe.res, slot_of(ud), gen_of(ud));
  case op_wake:
    misc_inflight_--;
    wake_armed_ = false;
    if (!stopping_ && !stop_requested_.load(std::memory_order_acquire))
      arm_wake();
    return;
  case op_cancel:
    return;
  case op_recv:
  case op_send:
    break;
  }
  conn &c = *conns_[slot_of(ud)];
  // A slot is reused only after its last completion: a mismatch is a bug.
  assert(c.in_use && c.gen == gen_of(ud));
  if (!c.in_use || c.gen != gen_of(ud)) {
    if (cqe.flags & IORING_CQE_F_BUFFER)
      recycle(uint16_t(cqe.flags >> IORING_CQE_BUFFER_SHIFT));
    return;
  }
  if (op_of(ud) == op_recv)
    on_recv(c, cqe.res, cqe.flags);
  else
    on_send(c, cqe.res);
}

// Only the acceptor is told to stop by the server. It tells the others once
// it accepts no more and every socket it handed over has landed in its
// target's ring (the hand-over completed), so no shard exits with a socket
// still on its way to it.
void shard_loop::tell_peers_to_stop() {
  peers_told_ = true;
  if (listen_fd_ < 0)
    return;
  for (unsigned i = 0; i < shard_count_; i++)
    if (i != index_)
      peers_[i]->request_stop();
}

bool shard_loop::drained() const {
  if (!stopping_ || !peers_told_)
    return false;
  if (now_ms_ > drain_deadline_ms_ + 1000)
    return true; // completions that never came: give up, the fds close
  return active_ == 0 && misc_inflight_ == 0;
}

void shard_loop::begin_stop() {
  stopping_ = true;
  drain_deadline_ms_ = now_ms_ + cfg_.drain_timeout_ms;
  if (listen_fd_ >= 0) {
    // Stop listening now: new clients get refused at once instead of
    // waiting in the kernel's accept queue through the drain.
    ::shutdown(listen_fd_, SHUT_RDWR);
  }
  if (accept_armed_) {
    if (io_uring_sqe *sqe = get_sqe()) {
      io_uring_prep_cancel64(sqe, pack(op_accept, 0, 0), 0);
      io_uring_sqe_set_data64(sqe, pack(op_cancel, 0, 0));
    }
  }
  if (wake_armed_) {
    if (io_uring_sqe *sqe = get_sqe()) {
      io_uring_prep_cancel64(sqe, pack(op_wake, 0, 0), 0);
      io_uring_sqe_set_data64(sqe, pack(op_cancel, 0, 0));
    }
  }
  // Idle keep-alive connections close now; busy ones after their response.
  for (auto &cp : conns_) {
    conn &c = *cp;
    if (c.in_use && !c.closing && !c.writing && c.iov_end == 0 &&
        c.parser.phase() == parse_phase::idle && c.backlog.empty())
      close_now(c);
  }
}

void shard_loop::check_deadlines() {
  if (stopping_ && !forced_ && now_ms_ >= drain_deadline_ms_) {
    forced_ = true; // drain deadline: whatever is still open goes now
    for (auto &cp : conns_)
      if (cp->in_use)
        close_now(*cp);
  }
  if (accept_retry_ && !stopping_) {
    accept_retry_ = false;
    arm_accept();
  }
  for (auto &cp : conns_) {
    conn &c = *cp;
    if (!c.in_use || c.closing || c.dkind == deadline_kind::none ||
        now_ms_ < c.deadline_ms)
      continue;
    bool reading =
        c.dkind == deadline_kind::header || c.dkind == deadline_kind::body;
    if (reading && !c.writing)
      respond_error(c, 408);
    else
      close_now(c);
  }
  for (auto &cp : conns_)
    if (cp->in_use && !cp->closing && cp->recv_armed && !cp->writing &&
        now_ms_ - cp->heard_ms >= probe_after_ms &&
        now_ms_ - cp->probed_ms >= probe_after_ms)
      probe_silent(*cp);
}

// A multishot receive can miss the wakeup of its socket: under load, a
// client's reset (a client that gave up halfway through a body) went
// unreported and the connection stayed open, its receive armed, until the
// body deadline (seen in NetServer.MixedTrafficSoak; a peek then found
// ECONNRESET waiting). A connection silent for probe_after_ms gets one
// non-blocking peek a period: an end or an error closes it now; bytes the
// receive did not deliver restart it (cancelled, re-armed by on_recv).
void shard_loop::probe_silent(conn &c) {
  c.probed_ms = now_ms_;
  char byte;
  ssize_t n = ::recv(c.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return; // nothing waits: the receive is right to wait
  bump(stats_[index_].recv_stalls);
  if (n > 0)
    return cancel_recv(c);
  if (n == 0)
    return on_eof(c);
  close_now(c);
}

// ---- acceptor ------------------------------------------------------------

void shard_loop::arm_wake() {
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr)
    return; // stop still arrives through stop_requested_ on the next tick
  io_uring_prep_read(sqe, wake_fd_, &wake_value_, sizeof wake_value_, 0);
  io_uring_sqe_set_data64(sqe, pack(op_wake, 0, 0));
  wake_armed_ = true;
  misc_inflight_++;
}

void shard_loop::arm_accept() {
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr) {
    accept_retry_ = true;
    return;
  }
  // Multishot: one submission keeps accepting until it reports !F_MORE.
  io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr,
                                 SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, pack(op_accept, 0, 0));
  accept_armed_ = true;
  misc_inflight_++;
}

void shard_loop::on_accept(int res, uint32_t flags) {
  if (!(flags & IORING_CQE_F_MORE)) {
    accept_armed_ = false;
    misc_inflight_--;
  }
  if (res >= 0)
    distribute(res);
  if (!accept_armed_ && !stopping_) {
    if (res < 0)
      accept_retry_ = true; // e.g. EMFILE: retry next tick, do not spin
    else
      arm_accept();
  }
}

unsigned shard_loop::pick_shard() const {
  // Least loaded; ties go round-robin from next_pick_.
  unsigned best = next_pick_ % shard_count_;
  uint64_t best_load = UINT64_MAX;
  for (unsigned k = 0; k < shard_count_; k++) {
    unsigned i = (next_pick_ + k) % shard_count_;
    uint64_t closed =
        stats_[i].connections_closed.load(std::memory_order_relaxed);
    uint64_t load = assigned_[i] > closed ? assigned_[i] - closed : 0;
    if (load < best_load) {
      best = i;
      best_load = load;
    }
  }
  return best;
}

void shard_loop::distribute(int fd) {
  if (stopping_) {
    ::close(fd);
    return;
  }
  uint64_t total = 0;
  for (unsigned i = 0; i < shard_count_; i++) {
    uint64_t closed =
        stats_[i].connections_closed.load(std::memory_order_relaxed);
    total += assigned_[i] > closed ? assigned_[i] - closed : 0;
  }
  if (total >= cfg_.connections_max)
    return refuse(fd);
  unsigned target = pick_shard();
  next_pick_ = target + 1;
  assigned_[target]++;
  if (target == index_)
    return adopt(fd);
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr) {
    assigned_[target]--;
    assigned_[index_]++;
    return adopt(fd);
  }
  // MSG_DATA: the target ring sees a CQE with res = fd, user_data = op.
  io_uring_prep_msg_ring(sqe, peers_[target]->ring_fd(), unsigned(fd),
                         pack(op_new_conn, 0, 0), 0);
  io_uring_sqe_set_data64(sqe, pack(op_msg_sent, uint32_t(fd), target));
  misc_inflight_++;
  handoffs_inflight_++;
}

void shard_loop::on_msg_sent(int res, uint32_t fd, uint32_t target) {
  misc_inflight_--;
  handoffs_inflight_--;
  if (res >= 0)
    return;
  // The target ring refused (e.g. CQ overflow): serve it here instead.
  assigned_[target]--;
  assigned_[index_]++;
  adopt(int(fd));
}

void shard_loop::refuse(int fd) {
  // Over connections_max: a short 503 and close, others keep being served.
  static constexpr char busy[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: 22\r\nConnection: close\r\n\r\n"
      "{\"error\":\"overloaded\"}";
  ssize_t n = ::send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)n; // best effort: the close below is the refusal
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  bump(stats_[index_].refused);
}

// ---- connections ---------------------------------------------------------

void shard_loop::adopt(int fd) {
  shard_stats &st = stats_[index_];
  bump(st.connections_accepted);
  if (stopping_ || free_slots_.empty()) {
    // The acceptor counts this connection as ours until we count it closed.
    ::close(fd);
    bump(st.connections_closed);
    bump(st.refused);
    return;
  }
  int one = 1;
  // Responses go out in one writev; Nagle would only delay the last bytes.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn &c = *conns_[free_slots_.back()];
  free_slots_.pop_back();
  active_++;
  c.fd = fd;
  c.in_use = true;
  c.heard_ms = c.probed_ms = now_ms_;
  set_deadline(c, deadline_kind::idle, cfg_.idle_timeout_ms);
  if (!arm_recv(c))
    retry_later(c);
}

bool shard_loop::wants_recv(const conn &c) const {
  return c.in_use && !c.closing && !c.recv_armed && !c.peer_eof &&
         c.backlog.size() - c.backlog_off < backlog_bytes_max_;
}

bool shard_loop::arm_recv(conn &c) {
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr)
    return false;
  // Multishot recv from the shard's provided buffer ring (group 0).
  io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data64(sqe, pack(op_recv, c.slot, c.gen));
  c.recv_armed = true;
  c.inflight++;
  return true;
}

bool shard_loop::flush_send(conn &c) {
  if (c.send_armed || c.closing || c.iov_next == c.iov_end)
    return true;
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr)
    return false;
  c.msg = {};
  c.msg.msg_iov = &c.iov[c.iov_next];
  c.msg.msg_iovlen = c.iov_end - c.iov_next;
  io_uring_prep_sendmsg(sqe, c.fd, &c.msg, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, pack(op_send, c.slot, c.gen));
  c.send_armed = true;
  c.inflight++;
  return true;
}

void shard_loop::retry_later(conn &c) {
  if (!c.in_retry) {
    c.in_retry = true;
    retry_.push_back(c.slot);
  }
}

// Arms receives paused by -ENOBUFS or a full SQ, now that buffers and SQ
// entries are back (buffers are republished at the end of every turn).
void shard_loop::run_retries() {
  std::vector<uint32_t> pending;
  pending.swap(retry_);
  for (uint32_t slot : pending) {
    conn &c = *conns_[slot];
    c.in_retry = false;
    if (!c.in_use || c.closing)
      continue;
    bool ok = flush_send(c);
    if (wants_recv(c))
      ok = arm_recv(c) && ok;
    if (!ok)
      retry_later(c);
  }
  pending.clear();
  if (retry_.empty())
    retry_.swap(pending); // keep the reserved capacity
}

void shard_loop::on_recv(conn &c, int res, uint32_t flags) {
  c.heard_ms = now_ms_;
  if (!(flags & IORING_CQE_F_MORE)) {
    c.recv_armed = false; // multishot ended: re-armed below if still wanted
    c.inflight--;
  }
  uint32_t gen = c.gen;
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t bid = uint16_t(flags >> IORING_CQE_BUFFER_SHIFT);
    if (res > 0) {
      bump(stats_[index_].bytes_received, uint64_t(res));
      on_recv_data(c, buf_base_ + size_t(bid) * cfg_.recv_buffer_bytes,
                   size_t(res));
    }
    recycle(bid); // only a CQE with F_BUFFER owns a buffer
  }
  if (!c.in_use || c.gen != gen)
    return; // released while handling the data
  if (res == 0) {
    on_eof(c);
  } else if (res == -ENOBUFS) {
    bump(stats_[index_].recv_buffers_exhausted);
  } else if (res < 0 && res != -ECANCELED) {
    close_now(c);
  }
  if (c.in_use && c.gen == gen) {
    if (c.closing)
      check_release(c);
    else if (wants_recv(c))
      retry_later(c); // re-armed at the start of the next turn
  }
}

void shard_loop::on_recv_data(conn &c, const char *data, size_t len) {
  if (c.closing || c.lingering)
    return; // input after an error response is discarded
  if (c.writing) {
    // Pipelined bytes wait until the current response is out (in order).
    c.backlog.append(data, len);
    if (c.backlog.size() - c.backlog_off >= backlog_bytes_max_ &&
        c.recv_armed) {
      bump(stats_[index_].recv_paused);
      cancel_recv(c); // stop reading; resumes when the backlog drains
    }
    return;
  }
  size_t used = feed(c, data, len);
  if (used < len && c.writing && !c.closing)
    c.backlog.append(data + used, len - used);
}

void shard_loop::on_eof(conn &c) {
  c.peer_eof = true;
  // A half-closed client still gets the responses it asked for.
  if (!c.writing || c.lingering)
    close_now(c);
}

size_t shard_loop::feed(conn &c, const char *data, size_t len) {
  size_t used = 0;
  request_parser::result r = c.parser.feed(data, len, &used);
  switch (r) {
  case request_parser::result::need_more:
    if (c.parser.phase() == parse_phase::headers &&
        c.dkind != deadline_kind::header)
      set_deadline(c, deadline_kind::header, cfg_.header_timeout_ms);
    if (c.parser.phase() == parse_phase::body)
      set_deadline(c, deadline_kind::body, cfg_.body_timeout_ms);
    if (c.parser.take_expect_continue())
      queue_continue(c);
    return used;
  case request_parser::result::message_complete:
    dispatch_request(c);
    return used;
  case request_parser::result::error:
    respond_error(c, c.parser.error_status());
    return len;
  }
  return len;
}

void shard_loop::drain_backlog(conn &c) {
  while (!c.writing && !c.closing && !c.lingering &&
         c.backlog_off < c.backlog.size()) {
    size_t used = feed(c, c.backlog.data() + c.backlog_off,
                       c.backlog.size() - c.backlog_off);
    c.backlog_off += used;
  }
  if (c.backlog_off >= c.backlog.size()) {
    c.backlog.clear();
    c.backlog_off = 0;
    if (c.backlog.capacity() > retain_bytes)
      std::string().swap(c.backlog);
  }
}

void shard_loop::queue_continue(conn &c) {
  static constexpr char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
  c.iov[c.iov_end++] = {const_cast<char *>(interim), sizeof interim - 1};
  if (!flush_send(c))
    retry_later(c);
}

void shard_loop::dispatch_request(conn &c) {
  request req = c.parser.view();
  req.shard = index_;
  response res;
  res.storage = &c.storage;
  handler_->handle(req, res);
  bump(stats_[index_].requests);
  // A stop requested while the handler ran already means "last response".
  bool keep = c.parser.keep_alive() && !res.close && !stopping_ &&
              !stop_requested_.load(std::memory_order_relaxed);
  queue_response(c, res, keep);
}

void shard_loop::queue_response(conn &c, const response &res, bool keep_alive) {
  format_response_head(res, res.body.size(), keep_alive, c.parser.http10(),
                       &c.head);
  c.close_after = !keep_alive;
  c.writing = true;
  c.iov[c.iov_end++] = {c.head.data(), c.head.size()};
  if (!res.body.empty() && !c.parser.head_method())
    c.iov[c.iov_end++] = {const_cast<char *>(res.body.data()), res.body.size()};
  set_deadline(c, deadline_kind::send, cfg_.send_timeout_ms);
  if (!flush_send(c))
    retry_later(c);
}

void shard_loop::respond_error(conn &c, uint16_t status) {
  shard_stats &st = stats_[index_];
  switch (status) {
  case 408:
    bump(st.rejected_408);
    break;
  case 413:
    bump(st.rejected_413);
    break;
  case 431:
    bump(st.rejected_431);
    break;
  default:
    bump(st.rejected_400);
    break;
  }
  handler_->rejected(status, c.parser.body_size());
  response res;
  res.status = status;
  res.body = error_body(status);
  queue_response(c, res, false);
}

void shard_loop::on_send(conn &c, int res) {
  c.send_armed = false;
  c.inflight--;
  if (c.closing)
    return check_release(c);
  if (res < 0)
    return close_now(c); // peer gone mid-response
  bump(stats_[index_].bytes_sent, uint64_t(res));
  size_t left = size_t(res);
  while (c.iov_next < c.iov_end && left >= c.iov[c.iov_next].iov_len)
    left -= c.iov[c.iov_next++].iov_len;
  if (c.iov_next < c.iov_end) {
    // Short send: continue from where the kernel stopped.
    iovec &v = c.iov[c.iov_next];
    v.iov_base = static_cast<char *>(v.iov_base) + left;
    v.iov_len -= left;
    if (!flush_send(c))
      retry_later(c);
    return;
  }
  c.iov_next = c.iov_end = 0;
  if (c.writing)
    response_sent(c);
}

void shard_loop::response_sent(conn &c) {
  c.writing = false;
  c.heard_ms = now_ms_; // waiting for input starts now (probe_silent)
  if (c.close_after)
    return start_linger(c);
  c.parser.next();
  c.parser.shrink(retain_bytes);
  if (c.storage.capacity() > retain_bytes)
    std::string().swap(c.storage);
  set_deadline(c, deadline_kind::idle, cfg_.idle_timeout_ms);
  drain_backlog(c);
  if (c.writing || c.closing || c.lingering)
    return;
  bool idle = c.parser.phase() == parse_phase::idle;
  if (c.peer_eof || (stopping_ && idle))
    return close_now(c);
  if (wants_recv(c))
    retry_later(c);
}

void shard_loop::start_linger(conn &c) {
  if (c.peer_eof)
    return close_now(c);
  // Half-close and read until EOF: closing with unread input would RST the
  // connection and could destroy the error response before the peer reads.
  ::shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  set_deadline(c, deadline_kind::linger, cfg_.linger_timeout_ms);
  if (wants_recv(c))
    retry_later(c);
}

void shard_loop::cancel_recv(conn &c) {
  if (!c.recv_armed)
    return;
  io_uring_sqe *sqe = get_sqe();
  if (sqe == nullptr)
    return; // the shutdown in close_now ends the receive anyway
  io_uring_prep_cancel64(sqe, pack(op_recv, c.slot, c.gen), 0);
  io_uring_sqe_set_data64(sqe, pack(op_cancel, 0, 0));
}

void shard_loop::close_now(conn &c) {
  if (!c.in_use || c.closing)
    return; // already released or on its way: closing twice would double-free
  c.closing = true;
  c.dkind = deadline_kind::none;
  // Shutdown completes the pending receive (EOF) and send (EPIPE); the fd is
  // closed only after their completions arrived.
  ::shutdown(c.fd, SHUT_RDWR);
  cancel_recv(c);
  check_release(c);
}

void shard_loop::check_release(conn &c) {
  if (!c.closing || c.inflight != 0)
    return;
  ::close(c.fd);
  bump(stats_[index_].connections_closed);
  c.fd = -1;
  c.gen++;
  c.in_use = c.recv_armed = c.send_armed = c.peer_eof = false;
  c.closing = c.lingering = c.writing = c.close_after = false;
  c.dkind = deadline_kind::none;
  c.parser.reset();
  c.parser.shrink(retain_bytes);
  c.backlog.clear();
  c.backlog_off = 0;
  c.iov_next = c.iov_end = 0;
  if (c.storage.capacity() > retain_bytes)
    std::string().swap(c.storage);
  free_slots_.push_back(c.slot);
  active_--;
}

void shard_loop::set_deadline(conn &c, deadline_kind kind,
                              uint32_t timeout_ms) {
  c.dkind = kind;
  c.deadline_ms = now_ms_ + timeout_ms;
}

} // namespace maskd::net::detail
