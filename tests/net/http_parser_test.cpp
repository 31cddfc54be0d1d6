// request_parser (the llhttp wrapper) fed the same bytes split at every
// possible fragment size: the parsed requests must not depend on the split.
#include "net/http.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace maskd::net::detail {
namespace {

constexpr parser_limits limits{1 << 20, 8192, 64, 64};

struct parsed {
  std::string method, path, query, body, org, project, traceparent;
  bool operator==(const parsed &) const = default;
};

// Parses every request in `wire`, `step` bytes per feed.
std::vector<parsed> parse_all(const std::string &wire, size_t step,
                              bool *failed) {
  request_parser p(limits);
  std::vector<parsed> out;
  std::string pending;
  *failed = false;
  for (size_t off = 0; off < wire.size(); off += step) {
    pending += wire.substr(off, step);
    size_t used = 0;
    while (!pending.empty()) {
      auto r = p.feed(pending.data(), pending.size(), &used);
      pending.erase(0, used);
      if (r == request_parser::result::error) {
        *failed = true;
        return out;
      }
      if (r == request_parser::result::need_more)
        break;
      request v = p.view();
      auto h = [&](const char *n) {
        return std::string(v.header(n).value_or("?"));
      };
      out.push_back({std::string(v.method), std::string(v.path),
                     std::string(v.query), std::string(v.body),
                     h("x-langfuse-org-id"), h("X-LANGFUSE-PROJECT-ID"),
                     h("traceparent")});
      p.next();
    }
  }
  return out;
}

const std::string langfuse_like =
    "POST /mask?x=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n"
    "Content-Type: application/json\r\nX-Langfuse-Org-Id: \r\n"
    "X-Empty:\r\nX-Langfuse-Project-Id: proj, spoofed\r\n"
    "traceparent: 00-aa-bb-01\r\n"
    "content-length: 29\r\nconnection: keep-alive\r\n\r\n"
    "[{\"resource\":{\"a\":\"\\u0040\"}}]";

const std::string chunked =
    "POST /mask HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4\r\n[1,2\r\n3;name=v\r\n,3]\r\n0\r\nTrailer-X: t\r\n\r\n";

TEST(HttpParser, SameResultForEveryFragmentSize) {
  std::string wire = langfuse_like + chunked + langfuse_like;
  bool failed;
  std::vector<parsed> whole = parse_all(wire, wire.size(), &failed);
  ASSERT_FALSE(failed);
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[0].path, "/mask");
  EXPECT_EQ(whole[0].query, "x=1");
  EXPECT_EQ(whole[0].org, "");
  EXPECT_EQ(whole[0].project, "proj, spoofed");
  EXPECT_EQ(whole[0].traceparent, "00-aa-bb-01");
  EXPECT_EQ(whole[0].body, "[{\"resource\":{\"a\":\"\\u0040\"}}]");
  EXPECT_EQ(whole[1].body, "[1,2,3]");
  EXPECT_EQ(whole[1].org, "?");
  for (size_t step = 1; step < wire.size(); step++) {
    std::vector<parsed> split = parse_all(wire, step, &failed);
    ASSERT_FALSE(failed) << step;
    ASSERT_EQ(split, whole) << "fragment size " << step;
  }
}

TEST(HttpParser, LimitsMapToStatuses) {
  struct {
    std::string wire;
    uint16_t status;
  } cases[] = {
      {"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nbad\"name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\nx: bare-newlines\n\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
       "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: "
       "chunked\r\n\r\n",
       400},
  };
  for (auto &tc : cases) {
    bool failed;
    parse_all(tc.wire, tc.wire.size(), &failed);
    EXPECT_TRUE(failed) << tc.wire.substr(0, 40);
    request_parser p(limits);
    size_t used;
    auto r = p.feed(tc.wire.data(), tc.wire.size(), &used);
    if (r == request_parser::result::message_complete) {
      std::string rest = tc.wire.substr(used);
      p.next();
      r = p.feed(rest.data(), rest.size(), &used);
    }
    ASSERT_EQ(r, request_parser::result::error);
    EXPECT_EQ(p.error_status(), tc.status) << tc.wire.substr(0, 40);
  }
}

TEST(HttpParser, UpgradeRequestsAreServedAsPlainHttp) {
  std::string wire = "GET /a HTTP/1.1\r\nConnection: Upgrade\r\n"
                     "Upgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  bool failed;
  std::vector<parsed> all = parse_all(wire, wire.size(), &failed);
  EXPECT_FALSE(failed);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].path, "/b");
}

TEST(HttpParser, ExpectContinueOnlyWhenABodyFollows) {
  request_parser p(limits);
  std::string with_body =
      "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  size_t used;
  EXPECT_EQ(p.feed(with_body.data(), with_body.size(), &used),
            request_parser::result::need_more);
  EXPECT_TRUE(p.take_expect_continue());
  EXPECT_FALSE(p.take_expect_continue()); // once per request
  request_parser q(limits);
  std::string no_body = "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n";
  EXPECT_EQ(q.feed(no_body.data(), no_body.size(), &used),
            request_parser::result::message_complete);
  EXPECT_FALSE(q.take_expect_continue());
}

} // namespace
} // namespace maskd::net::detail
