#include "net/http.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <time.h>

namespace maskd::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

} // namespace

std::optional<std::string_view> request::header(std::string_view name) const {
  for (const header_field &h : headers)
    if (iequals(h.name, name))
      return h.value;
  return std::nullopt;
}

namespace detail {

padded_buffer::~padded_buffer() { release(); }

void padded_buffer::release() {
  std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = 0;
}

bool padded_buffer::reserve(size_t bytes, size_t padding) {
  size_t want = bytes + padding;
  if (want <= capacity_)
    return true;
  // Grow geometrically so a chunked body costs O(n) copies overall.
  size_t cap = std::max(want, capacity_ + capacity_ / 2);
  char *p = static_cast<char *>(std::realloc(data_, cap));
  if (p == nullptr)
    return false;
  data_ = p;
  capacity_ = cap;
  return true;
}

bool padded_buffer::append(const char *data, size_t len, size_t padding) {
  if (!reserve(size_ + len, padding))
    return false;
  std::memcpy(data_ + size_, data, len);
  size_ += len;
  return true;
}

// Every callback the server needs; the lenient_* switches stay off (strict).
const llhttp_settings_t request_parser::settings_ = [] {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_message_begin = &request_parser::on_message_begin;
  s.on_url = &request_parser::on_url;
  s.on_header_field = &request_parser::on_header_field;
  s.on_header_value = &request_parser::on_header_value;
  s.on_header_field_complete = &request_parser::on_header_field_complete;
  s.on_headers_complete = &request_parser::on_headers_complete;
  s.on_body = &request_parser::on_body;
  s.on_message_complete = &request_parser::on_message_complete;
  return s;
}();

request_parser::request_parser(const parser_limits &lim) : lim_(lim) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

static request_parser *self(llhttp_t *p) {
  return static_cast<request_parser *>(p->data);
}

int request_parser::fail(uint16_t status) {
  error_status_ = status;
  return -1; // llhttp turns this into an HPE_CB_* error: parsing stops
}

int request_parser::append_head(const char *at, size_t len) {
  if (head_.size() + len > lim_.header_bytes_max)
    return fail(431);
  head_.append(at, len);
  return 0;
}

int request_parser::on_message_begin(llhttp_t *p) {
  request_parser *s = self(p);
  s->phase_ = parse_phase::headers;
  s->start_ns_ = monotonic_ns();
  return 0;
}

int request_parser::on_url(llhttp_t *p, const char *at, size_t len) {
  request_parser *s = self(p);
  s->url_len_ += uint32_t(len);
  return s->append_head(at, len);
}

int request_parser::on_header_field(llhttp_t *p, const char *at, size_t len) {
  request_parser *s = self(p);
  if (s->in_value_ || s->spans_.empty()) {
    if (s->spans_.size() >= s->lim_.headers_count_max)
      return s->fail(431);
    uint32_t off = uint32_t(s->head_.size());
    s->spans_.push_back({off, 0, off, 0});
    s->in_value_ = false;
  }
  s->spans_.back().name_len += uint32_t(len);
  s->spans_.back().value_off += uint32_t(len);
  return s->append_head(at, len);
}

// The name is complete: the next name starts a new header even when this
// one's value turns out empty (X-Langfuse-Org-Id often is).
int request_parser::on_header_field_complete(llhttp_t *p) {
  self(p)->in_value_ = true;
  return 0;
}

int request_parser::on_header_value(llhttp_t *p, const char *at, size_t len) {
  request_parser *s = self(p);
  s->in_value_ = true;
  s->spans_.back().value_len += uint32_t(len);
  return s->append_head(at, len);
}

void request_parser::check_expect() {
  for (const span_pair &sp : spans_) {
    std::string_view name(head_.data() + sp.name_off, sp.name_len);
    std::string_view value(head_.data() + sp.value_off, sp.value_len);
    if (iequals(name, "expect") && iequals(trim(value), "100-continue"))
      expect_continue_ = true;
  }
}

int request_parser::on_headers_complete(llhttp_t *p) {
  request_parser *s = self(p);
  s->phase_ = parse_phase::body;
  s->in_value_ = false;
  // We never switch protocols (RFC 9110 lets a server ignore Upgrade); left
  // set, llhttp would stop after this message and fail the next one.
  p->upgrade = 0;
  s->keep_alive_ = llhttp_should_keep_alive(p) != 0;
  s->http10_ = p->http_major == 1 && p->http_minor == 0;
  s->method_ = llhttp_method_name(llhttp_method_t(p->method));
  bool has_length = (p->flags & F_CONTENT_LENGTH) != 0;
  if (has_length && p->content_length > s->lim_.body_bytes_max)
    return s->fail(413); // refuse before reading a byte of the body
  size_t expected = has_length ? size_t(p->content_length) : 0;
  if (!s->body_.reserve(expected, s->lim_.body_padding_bytes))
    return s->fail(413);
  if (has_length ? p->content_length > 0 : (p->flags & F_CHUNKED) != 0)
    s->check_expect(); // 100-continue only matters when a body follows
  return 0;
}

int request_parser::on_body(llhttp_t *p, const char *at, size_t len) {
  request_parser *s = self(p);
  if (s->body_.size() + len > s->lim_.body_bytes_max)
    return s->fail(413);
  if (!s->body_.append(at, len, s->lim_.body_padding_bytes))
    return s->fail(413);
  return 0;
}

int request_parser::on_message_complete(llhttp_t *p) {
  request_parser *s = self(p);
  s->phase_ = parse_phase::complete;
  s->expect_continue_ = false; // the body is here: no interim answer needed
  // Pausing stops llhttp right after this message, so pipelined bytes stay
  // unparsed until the response to this one is on its way (in order).
  return HPE_PAUSED;
}

request_parser::result request_parser::feed(const char *data, size_t len,
                                            size_t *used) {
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_OK) {
    *used = len;
    return result::need_more;
  }
  if (err == HPE_PAUSED && phase_ == parse_phase::complete) {
    *used = size_t(llhttp_get_error_pos(&parser_) - data);
    return result::message_complete;
  }
  *used = len;
  phase_ = parse_phase::failed;
  if (error_status_ == 0)
    error_status_ = 400;
  return result::error;
}

void request_parser::next() {
  if (phase_ == parse_phase::complete)
    llhttp_resume(&parser_);
  phase_ = parse_phase::idle;
  head_.clear();
  url_len_ = 0;
  spans_.clear();
  fields_.clear();
  body_.clear();
  in_value_ = false;
  expect_continue_ = false;
}

void request_parser::reset() {
  next();
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
  error_status_ = 0;
  keep_alive_ = true;
}

void request_parser::shrink(size_t keep_bytes) {
  if (body_.capacity() > keep_bytes)
    body_.release();
  if (head_.capacity() > keep_bytes)
    std::string().swap(head_);
}

bool request_parser::take_expect_continue() {
  bool v = expect_continue_;
  expect_continue_ = false;
  return v;
}

request request_parser::view() {
  request r;
  r.method = method_;
  std::string_view target(head_.data(), url_len_);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  fields_.clear();
  for (const span_pair &sp : spans_)
    fields_.push_back({{head_.data() + sp.name_off, sp.name_len},
                       {head_.data() + sp.value_off, sp.value_len}});
  r.headers = fields_;
  // Body bytes are followed by zeroed padding: the reader may look ahead.
  if (body_.data() != nullptr)
    std::memset(body_.data() + body_.size(), 0, lim_.body_padding_bytes);
  if (body_.data() != nullptr)
    r.body = std::string_view(body_.data(), body_.size());
  r.start_ns = start_ns_;
  return r;
}

std::string_view status_reason(uint16_t status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  default:
    return "Unknown";
  }
}

std::string_view error_body(uint16_t status) {
  switch (status) {
  case 400:
    return R"({"error":"bad_request"})";
  case 408:
    return R"({"error":"request_timeout"})";
  case 413:
    return R"({"error":"body_too_large"})";
  case 431:
    return R"({"error":"headers_too_large"})";
  case 503:
    return R"({"error":"overloaded"})";
  default:
    return R"({"error":"internal"})";
  }
}

void format_response_head(const response &res, size_t body_len, bool keep_alive,
                          bool http10, std::string *out) {
  // Appends and to_chars: snprintf's format parsing was a visible share of
  // a small request's user time.
  char num[24];
  out->assign("HTTP/1.1 ");
  out->append(
      num,
      size_t(std::to_chars(num, num + sizeof num, unsigned(res.status)).ptr -
             num));
  out->push_back(' ');
  out->append(status_reason(res.status));
  out->append("\r\nContent-Length: ");
  out->append(num,
              size_t(std::to_chars(num, num + sizeof num, body_len).ptr - num));
  out->append("\r\nContent-Type: ");
  out->append(res.content_type);
  out->append("\r\n");
  out->append(res.extra_headers);
  if (!keep_alive)
    out->append("Connection: close\r\n");
  else if (http10)
    out->append("Connection: keep-alive\r\n");
  out->append("\r\n");
}

} // namespace detail
} // namespace maskd::net
