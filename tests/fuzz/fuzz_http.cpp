// libFuzzer target for net/'s HTTP/1.1 request parser (llhttp underneath),
// the code that reads every byte a client sends before any masking.
// Arbitrary bytes are fed once whole and once in pieces of 1-16 bytes (the
// first input byte picks the size), the way the shard loop feeds whatever
// a receive brought, pipelined requests included. Besides surviving ASan
// and UBSan, the parser must
//   - see the same requests (method, target, headers, body, keep-alive)
//     and end in an error, or in the same state, whatever the pieces (which
//     error may differ: llhttp reports a name or value in pieces as they
//     arrive, so a header over the count limit can be seen before the bad
//     byte further on in it that the whole input stops at: 431 or 400);
//   - never ask for a 100 Continue once the body is complete (whether one
//     is asked for before depends on the pieces: it is sent only while the
//     body has not arrived);
//   - take every byte of a piece unless a request completed in it;
//   - answer errors with 400, 413 or 431 only;
//   - never hand over a body larger than its limit, and keep the padding
//     after the body zeroed (simdjson reads past the end).
// Small limits so that the fuzzer reaches 413 and 431 often.
#include "net/http.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using maskd::net::detail::parser_limits;
using maskd::net::detail::request_parser;

constexpr parser_limits k_limits{/*body_bytes_max=*/1024,
                                 /*header_bytes_max=*/512,
                                 /*headers_count_max=*/8,
                                 /*body_padding_bytes=*/64};

void check(bool ok) {
  if (!ok)
    std::abort();
}

// What the parser saw, as one string to compare.
std::string parse(const char *data, size_t size, size_t piece) {
  request_parser p(k_limits);
  std::string seen;
  size_t off = 0;
  while (off < size) {
    const size_t len = std::min(piece, size - off);
    size_t used = 0;
    const auto r = p.feed(data + off, len, &used);
    check(used <= len);
    off += used;
    const bool asked_continue = p.take_expect_continue();
    if (r == request_parser::result::error) {
      const uint16_t s = p.error_status();
      check(s == 400 || s == 413 || s == 431);
      return seen + "error";
    }
    if (r == request_parser::result::need_more) {
      check(used == len);
      continue;
    }
    check(!asked_continue);
    const maskd::net::request req = p.view();
    check(req.body.size() <= k_limits.body_bytes_max);
    for (size_t i = 0; i < k_limits.body_padding_bytes; ++i)
      check(req.body.data()[req.body.size() + i] == '\0');
    seen += "request ";
    seen.append(req.method).append(" ").append(req.path);
    seen.append("?").append(req.query).append("\n");
    for (const auto &h : req.headers)
      seen.append(h.name).append(": ").append(h.value).append("\n");
    seen += std::to_string(req.body.size()) + " body bytes:";
    seen.append(req.body);
    const bool keep = p.keep_alive();
    seen += keep ? " keep-alive\n" : " close\n";
    p.next();
    if (!keep)
      return seen + "closed";
  }
  return seen + "end in phase " + std::to_string(int(p.phase()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const size_t piece = 1 + data[0] % 16;
  const char *bytes = reinterpret_cast<const char *>(data + 1);
  const size_t n = size - 1;
  check(parse(bytes, n, n == 0 ? 1 : n) == parse(bytes, n, piece));
  return 0;
}
