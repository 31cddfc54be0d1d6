// net internal: HTTP/1.1 request parsing (the only user of llhttp) and
// response head formatting. One request_parser per connection; it owns the
// header bytes and the padded body buffer of the request being read.
#pragma once

#include "net/server.h"

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::net::detail {

struct parser_limits {
  size_t body_bytes_max;
  size_t header_bytes_max;
  uint32_t headers_count_max;
  size_t body_padding_bytes;
};

// A growable byte buffer that always keeps `padding` spare bytes after size.
class padded_buffer {
public:
  padded_buffer() = default;
  ~padded_buffer();
  padded_buffer(const padded_buffer &) = delete;
  padded_buffer &operator=(const padded_buffer &) = delete;

  bool reserve(size_t bytes, size_t padding); // false: allocation failed
  bool append(const char *data, size_t len, size_t padding);
  void clear() { size_ = 0; }
  void release(); // frees the memory (used to shrink after big requests)
  const char *data() const { return data_; }
  char *data() { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

private:
  char *data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0; // bytes allocated, padding included
};

enum class parse_phase : uint8_t { idle, headers, body, complete, failed };

class request_parser {
public:
  enum class result : uint8_t { need_more, message_complete, error };

  explicit request_parser(const parser_limits &lim);
  request_parser(const request_parser &) = delete;
  request_parser &operator=(const request_parser &) = delete;

  // Feeds bytes; *used is how many were consumed. After message_complete the
  // parser holds the request until next() is called.
  result feed(const char *data, size_t len, size_t *used);
  // Forgets the completed request and prepares for the next one.
  void next();
  // Forgets everything, errors included (a connection slot being reused).
  void reset();
  void shrink(size_t keep_bytes); // frees buffers larger than keep_bytes

  parse_phase phase() const { return phase_; }
  uint16_t error_status() const { return error_status_; } // 400/413/431
  bool keep_alive() const { return keep_alive_; }
  bool http10() const { return http10_; }
  // HEAD: the response carries headers (and Content-Length) but no body.
  bool head_method() const { return parser_.method == HTTP_HEAD; }
  // True once per request, when its headers asked for 100-continue.
  bool take_expect_continue();
  // The completed request (valid until next()); zeroes the body padding.
  request view();
  size_t body_size() const { return body_.size(); }

private:
  static int on_message_begin(llhttp_t *p);
  static int on_url(llhttp_t *p, const char *at, size_t len);
  static int on_header_field(llhttp_t *p, const char *at, size_t len);
  static int on_header_field_complete(llhttp_t *p);
  static int on_header_value(llhttp_t *p, const char *at, size_t len);
  static int on_headers_complete(llhttp_t *p);
  static int on_body(llhttp_t *p, const char *at, size_t len);
  static int on_message_complete(llhttp_t *p);
  static const llhttp_settings_t settings_;

  int append_head(const char *at, size_t len);
  int fail(uint16_t status);
  void check_expect();

  struct span_pair {
    uint32_t name_off, name_len, value_off, value_len;
  };

  llhttp_t parser_;
  parser_limits lim_;
  parse_phase phase_ = parse_phase::idle;
  uint16_t error_status_ = 0;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool in_value_ = false;
  bool expect_continue_ = false;
  std::string head_; // url bytes then header names and values, back to back
  uint32_t url_len_ = 0;
  std::vector<span_pair> spans_;
  std::vector<header_field> fields_;
  padded_buffer body_;
  std::string_view method_;
  uint64_t start_ns_ = 0;
};

// Formats status line and headers into `out` (replacing its content).
// HTTP/1.0 peers need keep-alive spelled out; 1.1 peers need close spelled.
void format_response_head(const response &res, size_t body_len, bool keep_alive,
                          bool http10, std::string *out);
std::string_view status_reason(uint16_t status);
// A complete small JSON error response, e.g. for 408 {"error":"timeout"}.
std::string_view error_body(uint16_t status);

} // namespace maskd::net::detail
