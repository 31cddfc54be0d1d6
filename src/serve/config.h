// maskd serve: configuration from flags and MASKD_* environment variables
// (flags win). Pure parsing: no sockets, no logging.
#pragma once

#include "net/server.h"

#include <string>

namespace maskd::app {

struct serve_config {
  net::server_config net;
  std::string mask_path = "/mask";
  // Benchmark mode: the mask endpoint echoes the body unmasked (the ceiling
  // of the HTTP stack). Never point Langfuse at a server in this mode.
  bool echo = false;
  bool help = false;
};

// argv[0] is "serve". Returns false with *error set on a bad flag or value.
bool parse_serve_config(int argc, char **argv, serve_config *out,
                        std::string *error);

extern const char serve_usage[];

} // namespace maskd::app
