#include "net/server.h"

#include "net/shard.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <latch>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace maskd::net {

// Start-up rendezvous: every shard sets up its ring before any serves, so
// the acceptor never hands a socket to a ring that does not exist yet.
struct startup {
  explicit startup(unsigned n) : ready(n), go(1) {}
  std::latch ready;
  std::latch go;
  std::atomic<bool> failed{false};
  std::string error; // first failure, written before `ready` counts down
  std::atomic<bool> error_taken{false};
};

class shard {
public:
  shard(unsigned index, const server_config &cfg, shard_stats *stats,
        unsigned count, int listen_fd)
      : index_(index), loop_(index, cfg, stats, count, listen_fd) {}

  void start(const handler_factory &factory, detail::shard_loop *const *loops,
             startup &su) {
    thread_ = std::thread([this, &factory, loops, &su] {
      std::string err;
      bool ok = loop_.setup(&err);
      if (ok) {
        handler_ = factory(index_);
        if (!handler_) {
          ok = false;
          err = "handler factory returned null";
        }
      }
      if (!ok && !su.error_taken.exchange(true))
        su.error = "shard " + std::to_string(index_) + ": " + err;
      if (!ok)
        su.failed.store(true);
      su.ready.count_down();
      su.go.wait();
      if (!su.failed.load()) {
        running_.store(true, std::memory_order_release);
        loop_.run(*handler_, loops);
        running_.store(false, std::memory_order_release);
      }
      handler_.reset(); // destroyed on the thread that created it
      loop_.teardown();
    });
  }
  void stop() { loop_.request_stop(); }
  void join() {
    if (thread_.joinable())
      thread_.join();
  }
  bool running() const { return running_.load(std::memory_order_acquire); }
  detail::shard_loop *loop() { return &loop_; }

private:
  unsigned index_;
  detail::shard_loop loop_;
  std::unique_ptr<handler> handler_;
  std::thread thread_;
  std::atomic<bool> running_{false};
};

namespace {

int open_listener(const server_config &cfg, std::string *error) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo *res = nullptr;
  std::string port = std::to_string(cfg.listen_port);
  int rc = getaddrinfo(cfg.listen_host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    *error = "cannot resolve " + cfg.listen_host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  int err = 0;
  for (addrinfo *ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    // Restarts must not wait out TIME_WAIT of the previous process.
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
      err = errno;
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0)
    *error = "cannot listen on " + cfg.listen_host + ":" + port + ": " +
             std::strerror(err);
  return fd;
}

} // namespace

server::server(const server_config &cfg, handler_factory factory)
    : cfg_(cfg), factory_(std::move(factory)) {}

std::unique_ptr<server> server::create(const server_config &cfg,
                                       handler_factory factory,
                                       std::string *error) {
  if (cfg.shard_count == 0 || cfg.shard_count > 1024) {
    *error = "shard count must be 1..1024";
    return nullptr;
  }
  if (cfg.connections_max == 0 || cfg.connections_max > (1u << 24)) {
    *error = "max connections must be 1..16777216";
    return nullptr;
  }
  std::unique_ptr<server> s(new server(cfg, std::move(factory)));
  s->listen_fd_ = open_listener(cfg, error);
  if (s->listen_fd_ < 0)
    return nullptr;
  s->stats_ = std::make_unique<shard_stats[]>(cfg.shard_count);
  s->shards_ = std::make_unique<std::unique_ptr<shard>[]>(cfg.shard_count);
  for (unsigned i = 0; i < cfg.shard_count; i++)
    s->shards_[i] = std::make_unique<shard>(
        i, cfg, s->stats_.get(), cfg.shard_count, i == 0 ? s->listen_fd_ : -1);
  return s;
}

server::~server() {
  if (started_ && !joined_) {
    stop();
    wait();
  }
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
}

bool server::start(std::string *error) {
  unsigned n = cfg_.shard_count;
  auto su = std::make_shared<startup>(n);
  loops_.resize(n);
  for (unsigned i = 0; i < n; i++)
    loops_[i] = shards_[i]->loop();
  startup_ = su;
  for (unsigned i = 0; i < n; i++)
    shards_[i]->start(factory_, loops_.data(), *su);
  started_ = true;
  su->ready.wait();
  bool ok = !su->failed.load();
  su->go.count_down();
  if (!ok) {
    *error = su->error;
    wait();
  }
  return ok;
}

void server::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  // Shard 0 (the acceptor) stops first and then stops the others, see
  // shard_loop::tell_peers_to_stop.
  shards_[0]->stop();
}

void server::wait() {
  if (!started_ || joined_)
    return;
  for (unsigned i = 0; i < cfg_.shard_count; i++)
    shards_[i]->join();
  joined_ = true;
}

std::string server::local_address() const {
  sockaddr_storage ss = {};
  socklen_t len = sizeof ss;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
    return {};
  char host[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (ss.ss_family == AF_INET6) {
    auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  auto *a = reinterpret_cast<sockaddr_in *>(&ss);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  port = ntohs(a->sin_port);
  return std::string(host) + ":" + std::to_string(port);
}

unsigned server::shard_count() const { return cfg_.shard_count; }

const shard_stats &server::stats(unsigned i) const { return stats_[i]; }

bool server::all_shards_running() const {
  for (unsigned i = 0; i < cfg_.shard_count; i++)
    if (!shards_[i]->running())
      return false;
  return true;
}

} // namespace maskd::net
