// `maskd serve` as a black box: the real binary on 127.0.0.1:0, spoken to
// over loopback sockets.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "tests/integration/maskd_process.h"
#include "tests/net/test_client.h"

namespace maskd::test {
namespace {

class ServeTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    proc_ = new maskd_process({"--shards", "2"});
    port_ = port_of_or_zero(proc_->wait_listening());
  }
  static void TearDownTestSuite() {
    delete proc_;
    proc_ = nullptr;
  }
  static uint16_t port_of_or_zero(const std::string &address) {
    return address.empty() ? 0 : port_of(address);
  }
  void SetUp() override { ASSERT_NE(port_, 0) << proc_->log(); }

  static http_reply call(const std::string &raw, uint16_t port = port_) {
    client c(port);
    http_reply r;
    EXPECT_TRUE(c.send(raw));
    EXPECT_TRUE(c.read_response(&r)) << raw.substr(0, 60);
    return r;
  }

  static maskd_process *proc_;
  static uint16_t port_;
};
maskd_process *ServeTest::proc_ = nullptr;
uint16_t ServeTest::port_ = 0;

TEST_F(ServeTest, HealthzAndReadyz) {
  http_reply h = call("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.headers["content-type"], "application/json");
  http_reply r = call("GET /readyz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready"})");
}

TEST_F(ServeTest, WrongMethodsGet405WithAllow) {
  http_reply r = call("GET /mask HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST");
  r = call(post("/healthz", "{}"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
  EXPECT_EQ(r.body.front(), '{');
}

TEST_F(ServeTest, UnknownPathGets404) {
  http_reply r = call(post("/masks", "[]"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"not_found"})");
}

TEST_F(ServeTest, NonJsonContentTypeGets415) {
  http_reply r = call("POST /mask HTTP/1.1\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 2\r\n\r\n[]");
  EXPECT_EQ(r.status, 415);
  r = call("POST /mask HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]");
  EXPECT_EQ(r.status, 415);
  r = call("POST /mask HTTP/1.1\r\nContent-Type: Application/JSON; "
           "charset=utf-8\r\nContent-Length: 2\r\n\r\n[]");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
}

TEST_F(ServeTest, MasksAnEmailAndKeepsTheRest) {
  std::string body =
      R"([{"key":"input.value","value":{"stringValue":"mail jane.doe@example.com now"}}])";
  http_reply r = call(post("/mask?x=1", body, "X-Langfuse-Org-Id: \r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body.find("jane.doe@example.com"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("REDACTED"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.substr(0, 43), body.substr(0, 43)); // key untouched
}

TEST_F(ServeTest, UnmatchedBodyComesBackByteForByte) {
  std::string body = R"([ {"a" : 1.0e-7, "b":"\u00e9 nothing here"} ])";
  http_reply r = call(post("/mask", body));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
}

TEST_F(ServeTest, InvalidJsonGets400WithKindAndOffset) {
  http_reply r = call(post("/mask", "[1,"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(std::regex_match(
      r.body, std::regex(R"(\{"error":"invalid_json","offset":[0-9]+\})")))
      << r.body;
  r = call(post("/mask", ""));
  EXPECT_EQ(r.status, 400);
}

TEST_F(ServeTest, KeepAliveAcrossManyRequests) {
  client c(port_);
  for (int i = 0; i < 50; i++) {
    ASSERT_TRUE(c.send(post("/mask", "[" + std::to_string(i) + "]")));
    http_reply r;
    ASSERT_TRUE(c.read_response(&r));
    EXPECT_EQ(r.body, "[" + std::to_string(i) + "]");
  }
}

TEST_F(ServeTest, LogsCarryNoPayload) {
  const std::string marker = "zq-marker-7781@example.org";
  call(post("/mask", "[\"" + marker + "\""));  // invalid: logged as an error
  call(post("/mask", "[\"" + marker + "\"]")); // masked
  call("POST /mask HTTP/1.1\r\nContent-Type: application/json\r\nX-Secret: " +
       marker + "\r\nContent-Length: 3\r\n\r\n[1]");
  call("POST /mask HTTP/1.1\r\nContent-Type: application/json\r\nX-Secret: " +
       marker + "\r\nContent-Length: 3\r\n\r\n[1" + marker); // 400 + junk
  call("GET /" + marker + " HTTP/1.1\r\n\r\n");
  proc_->wait_log("mask_failed");
  std::string log = proc_->wait_log("http_rejected");
  EXPECT_NE(log.find("mask_failed"), std::string::npos) << log;
  EXPECT_NE(log.find("http_rejected"), std::string::npos) << log;
  EXPECT_EQ(log.find("zq-marker"), std::string::npos) << log;
}

void kill_only(maskd_process &proc, int sig) { proc.signal(sig); }

uint64_t metric(const std::string &text, const std::string &series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos)
    return UINT64_MAX;
  return std::stoull(text.substr(at + series.size() + 2));
}

TEST(ServeMetrics, CountWhatWasSent) {
  maskd_process proc({"--shards", "2", "--path", "/m"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  uint16_t port = port_of(addr);
  auto send = [&](const std::string &raw) {
    client c(port);
    http_reply r;
    EXPECT_TRUE(c.send(raw) && c.read_response(&r));
    return r;
  };
  for (int i = 0; i < 3; i++)
    EXPECT_EQ(send(post("/m", R"(["a@b.example.com"])")).status, 200);
  EXPECT_EQ(send(post("/m", "[1")).status, 400);
  EXPECT_EQ(send("POST /m HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status, 415);
  EXPECT_EQ(send("GET /nope HTTP/1.1\r\n\r\n").status, 404);
  http_reply m = send("GET /metrics HTTP/1.1\r\n\r\n");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"], "text/plain; version=0.0.4");
  const std::string &t = m.body;
  EXPECT_EQ(metric(t, R"(maskd_http_requests_total{path="/m",status="200"})"),
            3u)
      << t;
  EXPECT_EQ(metric(t, R"(maskd_http_requests_total{path="/m",status="400"})"),
            1u);
  EXPECT_EQ(metric(t, R"(maskd_http_requests_total{path="/m",status="415"})"),
            1u);
  EXPECT_EQ(
      metric(t, R"(maskd_http_requests_total{path="other",status="404"})"), 1u);
  EXPECT_EQ(metric(t, R"(maskd_mask_errors_total{kind="invalid_json"})"), 1u);
  EXPECT_EQ(metric(t, R"(maskd_masks_applied_total{rule="email"})"), 3u);
  EXPECT_EQ(
      metric(t, R"(maskd_http_request_duration_seconds_count{path="/m"})"), 5u);
  EXPECT_EQ(metric(t, "maskd_shards"), 2u);
  EXPECT_EQ(metric(t, "maskd_body_bytes_received_total"),
            3 * std::string(R"(["a@b.example.com"])").size() + 2);
  EXPECT_EQ(metric(t, "maskd_text_rescanned_bytes_total"), 0u);
  EXPECT_EQ(metric(t, R"(maskd_shard_requests_total{shard="0"})") +
                metric(t, R"(maskd_shard_requests_total{shard="1"})"),
            6u); // the /metrics request counts only after it rendered
  // Ring pressure is exported per shard; this light load never hits it.
  for (const char *name :
       {"maskd_recv_buffers_exhausted_total", "maskd_recv_paused_total",
        "maskd_cq_overflows_total", "maskd_early_submits_total",
        "maskd_recv_stalls_total"}) {
    std::string series = std::string(name) + R"({shard="1"})";
    EXPECT_NE(t.find(series + " "), std::string::npos) << name;
    EXPECT_EQ(metric(t, series), 0u) << name;
  }
  EXPECT_EQ(proc.stop(SIGTERM), 0);
}

// Values glued to each other are found by scanning their string again; the
// server counts that text, so that a rise in costly input shows.
TEST(ServeMetrics, CountRescannedText) {
  maskd_process proc({"--shards", "1"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  uint16_t port = port_of(addr);
  const std::string glued = "jane@example.com+14155550123";
  client c(port);
  http_reply r;
  ASSERT_TRUE(c.send(post("/mask", "[\"" + glued + "\"]")) &&
              c.read_response(&r));
  EXPECT_EQ(r.body, R"(["[REDACTED_EMAIL][REDACTED_PHONE]"])");
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\n\r\n") && c.read_response(&r));
  uint64_t n = metric(r.body, "maskd_text_rescanned_bytes_total");
  // Each round scans the whole string again.
  EXPECT_GT(n, 0u) << r.body;
  EXPECT_EQ(n % glued.size(), 0u) << n;
}

TEST(ServeSignals, SigtermWithIdleKeepAliveConnectionExitsZero) {
  maskd_process proc({"--shards", "2", "--drain-timeout-ms", "2000"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  client c(port_of(addr));
  http_reply r;
  ASSERT_TRUE(c.send(post("/mask", "[]")) && c.read_response(&r));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(proc.stop(SIGTERM), 0) << proc.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_TRUE(c.closed_by_peer(1000));
  std::string log = proc.log();
  EXPECT_NE(log.find("\"event\":\"stopped\""), std::string::npos) << log;
}

TEST(ServeSignals, SigtermFinishesARequestInFlight) {
  maskd_process proc({"--shards", "2", "--drain-timeout-ms", "3000"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  client c(port_of(addr));
  std::string req = post("/mask", R"(["mail x.y@example.com"])");
  size_t half = req.size() - 10;
  ASSERT_TRUE(c.send(req.substr(0, half))); // headers and part of the body
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill_only(proc, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.send(req.substr(half)));
  http_reply r;
  ASSERT_TRUE(c.read_response(&r)) << proc.log();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_EQ(r.body.find("x.y@example.com"), std::string::npos);
  EXPECT_EQ(proc.stop(0), 0) << proc.log(); // signal 0: just wait for exit
}

TEST(ServeSignals, SigtermGivesUpOnAStuckClientAtTheDeadline) {
  maskd_process proc({"--shards", "1", "--drain-timeout-ms", "300"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  client c(port_of(addr));
  ASSERT_TRUE(c.send("POST /mask HTTP/1.1\r\nContent-Length: 100\r\n\r\n["));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(proc.stop(SIGTERM), 0) << proc.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(ServeConfig, FlagsOverrideEnvironment) {
  setenv("MASKD_PATH", "/from-env", 1);
  setenv("MASKD_SHARDS", "3", 1);
  maskd_process proc({"--path", "/from-flag"});
  unsetenv("MASKD_PATH");
  unsetenv("MASKD_SHARDS");
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  uint16_t port = port_of(addr);
  auto status = [&](const std::string &path) {
    client c(port);
    http_reply r;
    EXPECT_TRUE(c.send(post(path, "[]")) && c.read_response(&r));
    return r.status;
  };
  EXPECT_EQ(status("/from-flag"), 200);
  EXPECT_EQ(status("/from-env"), 404);
  std::string log = proc.log();
  EXPECT_NE(log.find("\"path\":\"/from-flag\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"shards\":3"), std::string::npos) << log;
  EXPECT_EQ(proc.stop(SIGINT), 0);
}

int run_maskd(const std::string &args) {
  const char *bin = std::getenv("MASKD_BIN");
  std::string cmd =
      std::string(bin ? bin : "maskd") + " serve " + args + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ServeConfig, HelpAndBadValues) {
  EXPECT_EQ(run_maskd("--help"), 0);
  EXPECT_EQ(run_maskd("--shards 0"), 2);
  EXPECT_EQ(run_maskd("--listen nonsense"), 2);
  EXPECT_EQ(run_maskd("--path no-slash"), 2);
  EXPECT_EQ(run_maskd("--read-timeout-ms -5"), 2);
  EXPECT_EQ(run_maskd("--no-such-flag 1"), 2);
}

// --echo is the benchmark ceiling: the same stack, the body back unmasked,
// and a warning in the log so nobody mistakes it for a masking server.
TEST(ServeEcho, EchoModeAnswersTheBodyUnmaskedAndSaysSo) {
  maskd_process proc({"--shards", "1", "--echo"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  client c(port_of(addr));
  std::string body = R"(["mail jane.doe@example.com"])";
  http_reply r;
  ASSERT_TRUE(c.send(post("/mask", body)) && c.read_response(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
  EXPECT_NE(proc.log().find("\"echo_mode\""), std::string::npos);
}

TEST(ServeEcho, WithoutEchoTheSameBodyIsMasked) {
  maskd_process proc({"--shards", "1"});
  std::string addr = proc.wait_listening();
  ASSERT_FALSE(addr.empty()) << proc.log();
  client c(port_of(addr));
  http_reply r;
  ASSERT_TRUE(c.send(post("/mask", R"(["mail jane.doe@example.com"])")) &&
              c.read_response(&r));
  EXPECT_EQ(r.body, R"(["mail [REDACTED_EMAIL]"])");
  EXPECT_EQ(proc.log().find("\"echo_mode\""), std::string::npos);
}

} // namespace
} // namespace maskd::test
