// net::server end to end over loopback with an echo handler.
#include "net/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "tests/net/test_client.h"

namespace maskd::net {
namespace {

using test::client;
using test::http_reply;
using test::post;
using namespace std::chrono_literals;

constexpr size_t padding_bytes = 64;

// POST /echo: the body back, sent from the request buffer itself.
// GET /info: method, path, query and the x-test header (case-insensitive).
// POST /pad: 200 only if the padding after the body is readable zeros.
// POST /slow: sleeps 300 ms first (a request that is in flight for a while).
// GET /big: a 16 MiB body (a response the client may abandon).
class echo_handler : public handler {
public:
  static inline std::atomic<uint64_t> rejected_413{0};
  void rejected(uint16_t status, size_t) override {
    if (status == 413)
      rejected_413++;
  }
  void handle(const request &req, response &out) override {
    if (req.path == "/echo") {
      out.content_type = "text/plain";
      out.body = req.body;
    } else if (req.path == "/info") {
      auto h = req.header("X-TEST");
      *out.storage = std::string(req.method) + " " + std::string(req.path) +
                     " " + std::string(req.query) + " " +
                     std::string(h ? *h : "-");
      out.body = *out.storage;
    } else if (req.path == "/pad") {
      bool zero = true;
      for (size_t i = 0; i < padding_bytes; i++)
        zero = zero && req.body.data()[req.body.size() + i] == 0;
      out.status = zero ? 200 : 500;
    } else if (req.path == "/slow") {
      std::this_thread::sleep_for(300ms);
      out.body = req.body;
    } else if (req.path == "/big") {
      out.storage->assign(size_t{16} << 20, 'x');
      out.body = *out.storage;
    } else {
      out.status = 404;
      out.body = R"({"error":"not_found"})";
    }
  }
};

server_config test_config(unsigned shards = 1) {
  server_config cfg;
  cfg.listen_host = "127.0.0.1";
  cfg.listen_port = 0;
  cfg.shard_count = shards;
  cfg.body_padding_bytes = padding_bytes;
  cfg.recv_buffer_count = 64;
  cfg.recv_buffer_bytes = 4096;
  cfg.connections_max = 512;
  cfg.drain_timeout_ms = 2000;
  return cfg;
}

class running_server {
public:
  explicit running_server(const server_config &cfg) {
    std::string err;
    srv_ = server::create(
        cfg, [](unsigned) { return std::make_unique<echo_handler>(); }, &err);
    EXPECT_TRUE(srv_) << err;
    if (srv_ && !srv_->start(&err)) {
      ADD_FAILURE() << err;
      srv_.reset();
    }
  }
  ~running_server() {
    if (srv_) {
      srv_->stop();
      srv_->wait();
    }
  }
  server &operator*() { return *srv_; }
  server *operator->() { return srv_.get(); }
  uint16_t port() const { return test::port_of(srv_->local_address()); }
  uint64_t open_connections() const {
    uint64_t n = 0;
    for (unsigned i = 0; i < srv_->shard_count(); i++)
      n += srv_->stats(i).connections_open();
    return n;
  }
  // Waits for the shards to have noticed opens/closes (they are async).
  bool wait_open(uint64_t want) const {
    for (int i = 0; i < 200; i++) {
      if (open_connections() == want)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

private:
  std::unique_ptr<server> srv_;
};

TEST(NetServer, StartFailuresAreReportedNotFatal) {
  auto factory = [](unsigned) { return std::make_unique<echo_handler>(); };
  std::string err;
  server_config bad = test_config(2);
  bad.recv_buffer_count = 3; // a buffer ring needs a power of two
  auto srv = server::create(bad, factory, &err);
  ASSERT_TRUE(srv) << err;
  EXPECT_FALSE(srv->start(&err));
  EXPECT_NE(err.find("power of two"), std::string::npos) << err;
  running_server s(test_config());
  server_config taken = test_config();
  taken.listen_port = s.port(); // already bound by s
  err.clear();
  EXPECT_FALSE(server::create(taken, factory, &err));
  EXPECT_NE(err.find("cannot listen"), std::string::npos) << err;
}

TEST(NetServer, KeepAliveReusesOneConnection) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 5; i++) {
    std::string body = "[" + std::to_string(i) + "]";
    ASSERT_TRUE(c.send(post("/echo", body)));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
    EXPECT_EQ(r.headers.count("connection"), 0u);
  }
  EXPECT_EQ(s->stats(0).connections_accepted.load(), 1u);
  EXPECT_EQ(s->stats(0).requests.load(), 5u);
}

TEST(NetServer, PipelinedRequestsAnsweredInOrder) {
  running_server s(test_config());
  client c(s.port());
  std::string all;
  for (int i = 0; i < 20; i++)
    all += post("/echo", "body-" + std::to_string(i));
  all += "GET /info?q=1 HTTP/1.1\r\nx-test: last\r\n\r\n";
  ASSERT_TRUE(c.send(all));
  for (int i = 0; i < 20; i++) {
    http_reply r;
    ASSERT_TRUE(c.read_response(&r)) << i;
    EXPECT_EQ(r.body, "body-" + std::to_string(i));
  }
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "GET /info q=1 last");
}

TEST(NetServer, Http10ConnectionHandling) {
  running_server s(test_config());
  {
    client c(s.port()); // 1.0 without keep-alive: answer, then close
    ASSERT_TRUE(c.send("GET /info HTTP/1.0\r\n\r\n"));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(c.closed_by_peer(2000));
  }
  client c(s.port()); // 1.0 asking for keep-alive gets it, spelled out
  for (int i = 0; i < 2; i++) {
    ASSERT_TRUE(c.send("GET /info HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.headers["connection"], "keep-alive");
  }
}

TEST(NetServer, HeadResponseHasNoBody) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.send("HEAD /info HTTP/1.1\r\n\r\nGET /info HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(c.fill(1));
  std::this_thread::sleep_for(50ms);
  // The HEAD answer announces the length but sends no body, so the very
  // next bytes are the GET's status line.
  ASSERT_TRUE(c.fill(c.buffered().find("\r\n\r\n") + 4 + 5));
  std::string &b = c.buffered();
  EXPECT_NE(b.find("Content-Length: 13\r\n"), std::string::npos) << b;
  EXPECT_EQ(b.substr(b.find("\r\n\r\n") + 4, 5), "HTTP/") << b;
}

TEST(NetServer, QueryStringAndCaseInsensitiveHeaders) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.send("GET /info?x=1&y=2 HTTP/1.1\r\nX-Test: Hello\r\n\r\n"));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "GET /info x=1&y=2 Hello");
}

TEST(NetServer, ChunkedBodyIsAssembled) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n"));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world!");
}

TEST(NetServer, LargeBodiesBothWays) {
  // 8 MiB in, 8 MiB out: body buffer growth and short sends on loopback.
  running_server s(test_config());
  client c(s.port());
  std::string body(size_t{8} << 20, 'q');
  for (size_t i = 0; i < body.size(); i += 4093)
    body[i] = char('a' + i % 26);
  std::thread writer([&] { c.send(post("/echo", body)); });
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  writer.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == body);
}

TEST(NetServer, BodyIsFollowedByPadding) {
  running_server s(test_config());
  client c(s.port());
  for (const std::string &body :
       {std::string(), std::string("x"), std::string(10000, 'y')}) {
    ASSERT_TRUE(c.send(post("/pad", body)));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 200) << body.size();
  }
}

TEST(NetServer, ExpectContinueGetsInterimResponse) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Length: 4\r\n"
                     "Expect: 100-Continue\r\n\r\n"));
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  ASSERT_TRUE(c.fill(interim.size()));
  EXPECT_EQ(c.buffered().substr(0, interim.size()), interim);
  c.buffered().erase(0, interim.size());
  ASSERT_TRUE(c.send("abcd"));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abcd");
}

TEST(NetServer, RequestsSplitIntoTinyWrites) {
  running_server s(test_config());
  std::string req = post("/echo", R"([{"resource":{"attributes":[]}}])",
                         "X-Langfuse-Org-Id: \r\ntraceparent: 00-ab-cd-01\r\n");
  req += "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\n\r\n";
  for (size_t step : {1, 2, 3, 5, 7, 16, 61}) {
    client c(s.port());
    for (size_t off = 0; off < req.size(); off += step) {
      ASSERT_TRUE(c.send(std::string_view(req).substr(off, step)));
      std::this_thread::sleep_for(100us); // separate segments, not one read
    }
    http_reply r1, r2;
    ASSERT_TRUE(c.read_response(&r1)) << step;
    ASSERT_TRUE(c.read_response(&r2)) << step;
    EXPECT_EQ(r1.body, R"([{"resource":{"attributes":[]}}])") << step;
    EXPECT_EQ(r2.body, "abc") << step;
  }
}

TEST(NetServer, OversizedBodyGets413) {
  server_config cfg = test_config();
  cfg.body_bytes_max = 1024;
  running_server s(cfg);
  {
    client c(s.port());
    ASSERT_TRUE(c.send(post("/echo", std::string(1024, 'a'))));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 200); // exactly at the limit is fine
  }
  {
    client c(s.port());
    ASSERT_TRUE(c.send(post("/echo", std::string(1025, 'a'))));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(c.closed_by_peer(2000));
  }
  {
    client c(s.port()); // chunked: no length up front, caught while reading
    std::string chunk(600, 'b');
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                       "\r\n258\r\n" +
                       chunk + "\r\n258\r\n" + chunk + "\r\n"));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 413);
  }
  EXPECT_EQ(s->stats(0).rejected_413.load(), 2u);
  EXPECT_EQ(echo_handler::rejected_413.load(), 2u); // the handler was told
}

TEST(NetServer, OversizedHeadersGet431) {
  server_config cfg = test_config();
  cfg.header_bytes_max = 2048;
  cfg.headers_count_max = 16;
  running_server s(cfg);
  {
    client c(s.port());
    ASSERT_TRUE(c.send(
        post("/echo", "x", "X-Big: " + std::string(3000, 'h') + "\r\n")));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 431);
  }
  {
    client c(s.port());
    std::string many;
    for (int i = 0; i < 20; i++)
      many += "X-H" + std::to_string(i) + ": v\r\n";
    ASSERT_TRUE(c.send(post("/echo", "x", many)));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 431);
  }
}

TEST(NetServer, MalformedRequestsGet400AndServerKeepsServing) {
  running_server s(test_config());
  for (std::string bad :
       {"GARBAGE\r\n\r\n", "POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST /echo HTTP/1.1\r\nBad\"Header: v\r\n\r\n",
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    client c(s.port());
    ASSERT_TRUE(c.send(bad));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r)) << bad;
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(c.closed_by_peer(2000)) << bad;
  }
  client ok(s.port());
  ASSERT_TRUE(ok.send(post("/echo", "fine")));
  http_reply r;
  ASSERT_TRUE(ok.read_response(&r));
  EXPECT_EQ(r.status, 200);
}

TEST(NetServer, SlowClientGets408) {
  server_config cfg = test_config();
  cfg.header_timeout_ms = 200;
  cfg.body_timeout_ms = 200;
  running_server s(cfg);
  {
    client c(s.port());
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Le"));
    auto t0 = std::chrono::steady_clock::now();
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 408);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
    EXPECT_TRUE(c.closed_by_peer(2000));
  }
  {
    client c(s.port()); // headers complete, body stalls
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.status, 408);
  }
  EXPECT_EQ(s->stats(0).rejected_408.load(), 2u);
}

TEST(NetServer, IdleKeepAliveConnectionIsClosed) {
  server_config cfg = test_config();
  cfg.idle_timeout_ms = 200;
  running_server s(cfg);
  client c(s.port());
  ASSERT_TRUE(c.send(post("/echo", "1")));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_TRUE(c.closed_by_peer(2000));
  EXPECT_TRUE(s.wait_open(0));
}

std::string to_hex(size_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%zx", n);
  return b;
}

size_t open_fds() {
  size_t n = 0;
  for (auto &e : std::filesystem::directory_iterator("/proc/self/fd"))
    n += e.exists() ? 1 : 0;
  return n;
}

// Waits for the process to hold `want` descriptors again: a connection the
// kernel queued before its client gave up can still be accepted after the
// clients are gone (under load, seen 100 ms late), and is then closed.
bool wait_fds(size_t want) {
  for (int i = 0; i < 200; i++) {
    if (open_fds() == want)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(NetServer, TwoHundredConcurrentConnections) {
  running_server s(test_config(2));
  size_t fds_before = open_fds();
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 200; i++) {
    clients.push_back(std::make_unique<client>(s.port()));
    ASSERT_TRUE(clients.back()->ok()) << i;
  }
  for (int i = 0; i < 200; i++)
    ASSERT_TRUE(clients[i]->send(post("/echo", std::to_string(i))));
  for (int i = 0; i < 200; i++) {
    http_reply r;
    ASSERT_TRUE(clients[i]->read_response(&r)) << i;
    EXPECT_EQ(r.body, std::to_string(i));
  }
  EXPECT_TRUE(s.wait_open(200));
  clients.clear();
  EXPECT_TRUE(s.wait_open(0));
  EXPECT_TRUE(wait_fds(fds_before)); // every server-side socket was closed
}

TEST(NetServer, ClientVanishingMidBodyOrResponseIsHarmless) {
  running_server s(test_config());
  {
    client c(s.port());
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" +
                       std::string(100, 'a')));
    std::this_thread::sleep_for(20ms);
    c.abort();
  }
  {
    client c(s.port());
    ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\n\r\n"));
    ASSERT_TRUE(c.fill(100)); // the response started
    c.abort();
  }
  EXPECT_TRUE(s.wait_open(0));
  client c(s.port());
  ASSERT_TRUE(c.send(post("/echo", "still here")));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r));
  EXPECT_EQ(r.body, "still here");
}

TEST(NetServer, HalfClosedClientStillGetsItsResponse) {
  running_server s(test_config());
  client c(s.port());
  ASSERT_TRUE(c.send(post("/echo", "a") + post("/echo", "b")));
  c.shutdown_write();
  http_reply r1, r2;
  ASSERT_TRUE(c.read_response(&r1));
  ASSERT_TRUE(c.read_response(&r2));
  EXPECT_EQ(r1.body + r2.body, "ab");
  EXPECT_TRUE(c.closed_by_peer(2000));
}

TEST(NetServer, TinyRingsAndBufferPoolStillServeEveryone) {
  // 4 SQ entries, 2 receive buffers: SQ-full flushes, -ENOBUFS pauses and
  // CQ overflow all happen; no connection may be dropped because of them.
  server_config cfg = test_config(2);
  cfg.ring_entries = 4;
  cfg.recv_buffer_count = 2;
  cfg.recv_buffer_bytes = 512;
  running_server s(cfg);
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 60; i++)
    clients.push_back(std::make_unique<client>(s.port()));
  std::string body(8000, 'z');
  for (int round = 0; round < 3; round++) {
    for (auto &c : clients)
      ASSERT_TRUE(c->send(post("/echo", body)));
    for (size_t i = 0; i < clients.size(); i++) {
      http_reply r;
      ASSERT_TRUE(clients[i]->read_response(&r)) << round << " " << i;
      ASSERT_EQ(r.body, body);
    }
  }
  uint64_t exhausted = s->stats(0).recv_buffers_exhausted.load() +
                       s->stats(1).recv_buffers_exhausted.load();
  EXPECT_GT(exhausted, 0u); // the pause path was really taken
}

TEST(NetServer, PipelineBackpressureKeepsOrderAndBoundedMemory) {
  // Pipelined input beyond the backlog bound pauses reading; responses
  // keep flowing and reading resumes once the backlog drained.
  server_config cfg = test_config();
  cfg.header_bytes_max = 1024;
  running_server s(cfg);
  client c(s.port());
  const int n = 300;
  std::string all;
  for (int i = 0; i < n; i++)
    all += post("/echo", std::to_string(i) + std::string(2000, '.'));
  std::thread writer([&] { c.send(all); });
  for (int i = 0; i < n; i++) {
    http_reply r;
    ASSERT_TRUE(c.read_response(&r)) << i;
    ASSERT_EQ(r.body, std::to_string(i) + std::string(2000, '.'));
  }
  writer.join();
  EXPECT_GT(s->stats(0).recv_paused.load(), 0u); // the bound was reached
}

// A mixed crowd: pipelined, chunked, split, abandoned and
// malformed requests from 8 threads against small pools. Afterwards every
// connection and socket is gone and the server still answers.
TEST(NetServer, MixedTrafficSoak) {
  server_config cfg = test_config(2);
  cfg.recv_buffer_count = 8;
  cfg.recv_buffer_bytes = 1024;
  cfg.ring_entries = 16;
  cfg.body_bytes_max = 64 << 10;
  running_server s(cfg);
  size_t fds_before = open_fds();
  std::atomic<int> wrong{0};
  auto worker = [&](unsigned seed) {
    std::mt19937 rng(seed);
    for (int round = 0; round < 100; round++) {
      client c(s.port());
      std::string body(rng() % 3000, char('a' + rng() % 26));
      int kind = int(rng() % 5);
      std::string req =
          kind == 1
              ? "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    (body.empty()
                         ? ""
                         : to_hex(body.size()) + "\r\n" + body + "\r\n") +
                    "0\r\n\r\n"
              : post("/echo", body);
      if (kind == 0) { // pipelined pair
        if (!c.send(req + req))
          wrong++;
        for (int k = 0; k < 2; k++) {
          http_reply r;
          if (!c.read_response(&r) || r.body != body)
            wrong++;
        }
      } else if (kind == 2) { // abandoned halfway
        c.send(req.substr(0, req.size() / 2));
        c.abort();
      } else if (kind == 3) { // malformed
        http_reply r;
        if (!c.send("POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n") ||
            !c.read_response(&r) || r.status != 400)
          wrong++;
      } else { // chunked or plain, sent in random pieces
        size_t off = 0;
        while (off < req.size()) {
          size_t n = 1 + rng() % 700;
          c.send(std::string_view(req).substr(off, n));
          off += n;
        }
        http_reply r;
        if (!c.read_response(&r) || r.body != body)
          wrong++;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 8; t++)
    threads.emplace_back(worker, t + 1);
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(wait_fds(fds_before))
      << open_fds() << " open, " << fds_before << " before";
  EXPECT_TRUE(s.wait_open(0));
  client c(s.port());
  http_reply r;
  ASSERT_TRUE(c.send(post("/echo", "alive")) && c.read_response(&r));
  EXPECT_EQ(r.body, "alive");
}

TEST(NetServer, FewLongLivedConnectionsSpreadOverShards) {
  running_server s(test_config(2));
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 4; i++) {
    clients.push_back(std::make_unique<client>(s.port()));
    ASSERT_TRUE(clients.back()->send(post("/echo", "x")));
    http_reply r;
    ASSERT_TRUE(clients.back()->read_response(&r));
  }
  EXPECT_EQ(s->stats(0).connections_open(), 2u);
  EXPECT_EQ(s->stats(1).connections_open(), 2u);
  EXPECT_EQ(s->stats(0).requests.load(), 2u);
  EXPECT_EQ(s->stats(1).requests.load(), 2u);
}

TEST(NetServer, OverMaxConnectionsIsRefusedWhileOthersAreServed) {
  server_config cfg = test_config(2);
  cfg.connections_max = 2;
  running_server s(cfg);
  client a(s.port()), b(s.port());
  ASSERT_TRUE(s.wait_open(2));
  client extra(s.port());
  EXPECT_TRUE(extra.closed_by_peer(2000));
  for (client *c : {&a, &b}) {
    ASSERT_TRUE(c->send(post("/echo", "ok")));
    http_reply r;
    ASSERT_TRUE(c->read_response(&r));
    EXPECT_EQ(r.body, "ok");
  }
  EXPECT_GE(s->stats(0).refused.load(), 1u);
}

TEST(NetServer, GracefulStopFinishesRequestsInFlight) {
  running_server s(test_config(2));
  client busy1(s.port()), busy2(s.port()), idle(s.port());
  ASSERT_TRUE(s.wait_open(3));
  ASSERT_TRUE(busy1.send(post("/slow", "one")));
  ASSERT_TRUE(busy2.send(post("/slow", "two")));
  std::this_thread::sleep_for(100ms); // both handlers are now sleeping
  auto t0 = std::chrono::steady_clock::now();
  s->stop();
  EXPECT_TRUE(s->stopping()); // what /readyz reports while draining
  http_reply r1, r2;
  ASSERT_TRUE(busy1.read_response(&r1));
  ASSERT_TRUE(busy2.read_response(&r2));
  EXPECT_EQ(r1.body, "one");
  EXPECT_EQ(r2.body, "two");
  EXPECT_EQ(r1.headers["connection"], "close");
  EXPECT_TRUE(idle.closed_by_peer(2000));
  s->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
  client late(s.port(), 300);
  EXPECT_FALSE(late.ok() && late.send(post("/echo", "x")) && [&] {
    http_reply r;
    return late.read_response(&r);
  }());
}

TEST(NetServer, StopGivesUpOnStuckClientsAtTheDrainDeadline) {
  server_config cfg = test_config();
  cfg.drain_timeout_ms = 300;
  running_server s(cfg);
  client stuck(s.port());
  ASSERT_TRUE(stuck.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\n"));
  ASSERT_TRUE(s.wait_open(1));
  auto t0 = std::chrono::steady_clock::now();
  s->stop();
  s->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_TRUE(stuck.closed_by_peer(1000));
}

} // namespace
} // namespace maskd::net
