// maskd entry point: dispatches to the sub-commands.
#include "src/commands.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#if MASKD_WITH_SERVER
#include "src/serve/serve.h"
#endif

namespace {

void usage(FILE *out) {
  std::fputs("usage: maskd <command> [options]\n"
             "  serve [--listen HOST:PORT] [--shards N] [--path /mask] ...\n"
             "                     run the Langfuse masking callback server\n"
             "  mask [FILE|-]      mask one JSON document to stdout\n"
             "  rules              list the built-in rules\n"
             "run 'maskd serve --help' for the server's flags\n",
             out);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "mask")
    return maskd::app::run_mask(argc - 1, argv + 1);
  if (cmd == "rules")
    return maskd::app::run_rules(argc - 1, argv + 1);
#if MASKD_WITH_SERVER
  if (cmd == "serve")
    return maskd::app::run_serve(argc - 1, argv + 1);
#endif
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
