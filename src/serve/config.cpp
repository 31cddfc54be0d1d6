#include "src/serve/config.h"

#include <charconv>
#include <cstdlib>
#include <sched.h>
#include <string_view>

namespace maskd::app {

const char serve_usage[] =
    "usage: maskd serve [flags]\n"
    "  --listen HOST:PORT       MASKD_LISTEN            default 127.0.0.1:8080"
    " (port 0: any free port)\n"
    "  --shards N               MASKD_SHARDS            default one per CPU\n"
    "  --path /mask             MASKD_PATH              masking endpoint\n"
    "  --body-max-bytes N       MASKD_BODY_MAX_BYTES    default 67108864\n"
    "  --header-max-bytes N     MASKD_HEADER_MAX_BYTES  default 65536\n"
    "  --read-timeout-ms N      MASKD_READ_TIMEOUT_MS   default 10000\n"
    "  --idle-timeout-ms N      MASKD_IDLE_TIMEOUT_MS   default 60000\n"
    "  --max-connections N      MASKD_MAX_CONNECTIONS   default 4096\n"
    "  --drain-timeout-ms N     MASKD_DRAIN_TIMEOUT_MS  default 5000\n"
    "  --echo                   MASKD_ECHO=1            benchmark only: answer"
    " the body UNMASKED\n"
    "  --help\n"
    "Flags override environment variables.\n";

namespace {

unsigned cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return unsigned(CPU_COUNT(&set));
  return 1;
}

bool parse_u64(std::string_view s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > max)
    return false;
  *out = v;
  return true;
}

bool parse_listen(std::string_view s, net::server_config *cfg) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  std::string_view host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2); // [::1]:8080
  uint64_t port;
  if (!parse_u64(s.substr(colon + 1), 65535, &port))
    return false;
  cfg->listen_host = std::string(host);
  cfg->listen_port = uint16_t(port);
  return true;
}

// One setting, from a flag or an env var; false if the value is invalid.
bool apply(std::string_view name, std::string_view value, serve_config *c) {
  net::server_config &n = c->net;
  uint64_t v = 0;
  auto u32 = [&](uint32_t *dst, uint64_t lo) {
    if (!parse_u64(value, UINT32_MAX, &v) || v < lo)
      return false;
    *dst = uint32_t(v);
    return true;
  };
  if (name == "listen")
    return parse_listen(value, &n);
  if (name == "echo") {
    c->echo = value == "1" || value == "true";
    return c->echo || value == "0" || value == "false";
  }
  if (name == "path") {
    c->mask_path = std::string(value);
    return !value.empty() && value.front() == '/' &&
           value.find('?') == std::string_view::npos;
  }
  if (name == "shards") {
    if (!parse_u64(value, 1024, &v) || v == 0)
      return false;
    n.shard_count = unsigned(v);
    return true;
  }
  if (name == "body-max-bytes") {
    if (!parse_u64(value, uint64_t{1} << 32, &v) || v == 0)
      return false;
    n.body_bytes_max = size_t(v);
    return true;
  }
  if (name == "header-max-bytes") {
    if (!parse_u64(value, uint64_t{16} << 20, &v) || v < 256)
      return false;
    n.header_bytes_max = size_t(v);
    return true;
  }
  if (name == "read-timeout-ms") {
    bool ok = u32(&n.header_timeout_ms, 1);
    n.body_timeout_ms = n.header_timeout_ms;
    return ok;
  }
  if (name == "idle-timeout-ms")
    return u32(&n.idle_timeout_ms, 1);
  if (name == "max-connections")
    return u32(&n.connections_max, 1) && v <= (1u << 24);
  if (name == "drain-timeout-ms")
    return u32(&n.drain_timeout_ms, 0);
  return false;
}

constexpr std::string_view settings[] = {"listen",
                                         "shards",
                                         "path",
                                         "body-max-bytes",
                                         "header-max-bytes",
                                         "read-timeout-ms",
                                         "idle-timeout-ms",
                                         "max-connections",
                                         "drain-timeout-ms",
                                         "echo"};

std::string env_name(std::string_view setting) {
  std::string e = "MASKD_";
  for (char ch : setting)
    e += ch == '-' ? '_' : char(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
  return e;
}

bool apply_env(serve_config *out, std::string *error) {
  for (std::string_view s : settings) {
    std::string name = env_name(s);
    const char *v = std::getenv(name.c_str());
    if (v != nullptr && !apply(s, v, out)) {
      *error = "invalid value for " + name;
      return false;
    }
  }
  return true;
}

} // namespace

bool parse_serve_config(int argc, char **argv, serve_config *out,
                        std::string *error) {
  out->net.shard_count = cpu_count();
  if (!apply_env(out, error))
    return false;
  for (int i = 1; i < argc; i++) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      return true;
    }
    if (arg == "--echo") { // the one flag without a value
      out->echo = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      *error = "unexpected argument " + std::string(arg);
      return false;
    }
    arg.remove_prefix(2);
    std::string_view value;
    size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = "missing value for --" + std::string(arg);
      return false;
    }
    if (!apply(arg, value, out)) {
      *error = "invalid flag or value: --" + std::string(arg);
      return false;
    }
  }
  return true;
}

} // namespace maskd::app
