// A blocking loopback HTTP/1.1 client for the net tests: raw bytes out,
// responses parsed just enough to check status, headers and body.
#pragma once

#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace maskd::test {

inline uint16_t port_of(const std::string &address) {
  return uint16_t(std::stoi(address.substr(address.rfind(':') + 1)));
}

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers; // lowercase names
  std::string body;
};

class client {
public:
  explicit client(uint16_t port, int timeout_ms = 5000) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeout_ms_ = timeout_ms;
  }
  ~client() { close(); }
  client(const client &) = delete;
  client &operator=(const client &) = delete;

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  // Closes with RST (SO_LINGER 0): an abrupt client disappearance.
  void abort() {
    linger l = {1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      data.remove_prefix(size_t(n));
    }
    return true;
  }

  // Reads until `n` bytes are buffered; false on EOF, error or timeout.
  bool fill(size_t n) {
    while (buf_.size() < n)
      if (!read_some())
        return false;
    return true;
  }

  bool read_response(http_reply *out) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!read_some())
        return false;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    *out = {};
    out->status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char &ch : name)
        ch = char(std::tolower(static_cast<unsigned char>(ch)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      out->headers[name] = v == std::string::npos ? "" : line.substr(v);
      pos = next;
    }
    size_t len = std::stoul(out->headers["content-length"]);
    if (!fill(len))
      return false;
    out->body = buf_.substr(0, len);
    buf_.erase(0, len);
    return true;
  }

  // True when the peer closed (EOF or reset) within timeout_ms.
  bool closed_by_peer(int timeout_ms) {
    int saved = timeout_ms_;
    timeout_ms_ = timeout_ms;
    bool closed = false;
    while (true) {
      char tmp[4096];
      pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms_) <= 0)
        break;
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
    }
    timeout_ms_ = saved;
    return closed;
  }

  std::string &buffered() { return buf_; }

private:
  bool read_some() {
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms_) <= 0)
      return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0)
      return false;
    buf_.append(tmp, size_t(n));
    return true;
  }

  int fd_ = -1;
  int timeout_ms_ = 5000;
  std::string buf_;
};

inline std::string post(std::string_view path, std::string_view body,
                        std::string_view extra = {}) {
  std::string r = "POST " + std::string(path) +
                  " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
  r += extra;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

} // namespace maskd::test
