// Runs the real `maskd serve` binary for integration tests: port 0, the
// bound address read from its JSON "listening" log line, stderr captured.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace maskd::test {

class maskd_process {
public:
  explicit maskd_process(std::vector<std::string> extra_args = {}) {
    const char *bin = std::getenv("MASKD_BIN");
    std::vector<std::string> args = {bin ? bin : "maskd", "serve", "--listen",
                                     "127.0.0.1:0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 2);
      std::vector<char *> argv;
      for (auto &a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(fds[1]);
    err_fd_ = fds[0];
    reader_ = std::thread([this] { read_stderr(); });
  }

  ~maskd_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable())
      reader_.join();
    if (err_fd_ >= 0)
      ::close(err_fd_);
  }

  // The "address" of the listening line, or "" after timeout_ms.
  std::string wait_listening(int timeout_ms = 30000) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                 [&] { return !address_.empty() || eof_; });
    return address_;
  }

  void signal(int sig) { kill(pid_, sig); }

  // Sends `sig` (0: none) and returns the exit status (-1: killed or timed
  // out).
  int stop(int sig = SIGTERM, int timeout_ms = 10000) {
    if (sig != 0)
      kill(pid_, sig);
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  std::string log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

  // The log once it holds `needle`, or as it is after `timeout_ms`: the
  // server writes a line after it answered, and stderr is read by a thread.
  std::string wait_log(const std::string &needle, int timeout_ms = 3000) {
    for (int waited = 0;; waited += 10) {
      std::string l = log();
      if (l.find(needle) != std::string::npos || waited >= timeout_ms)
        return l;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

private:
  void read_stderr() {
    char buf[4096];
    while (true) {
      ssize_t n = ::read(err_fd_, buf, sizeof buf);
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        return;
      }
      log_.append(buf, size_t(n));
      find_address();
    }
  }

  void find_address() {
    if (!address_.empty())
      return;
    size_t ev = log_.find("\"event\":\"listening\"");
    if (ev == std::string::npos)
      return;
    size_t key = log_.find("\"address\":\"", ev);
    size_t end = key == std::string::npos ? key : log_.find('"', key + 11);
    if (end == std::string::npos)
      return;
    address_ = log_.substr(key + 11, end - key - 11);
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  int err_fd_ = -1;
  bool exited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;
  std::string address_;
  bool eof_ = false;
};

} // namespace maskd::test
