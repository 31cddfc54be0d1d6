// `maskd mask [FILE|-]`: masks one JSON document to stdout.
// Exit codes: 0 masked (or nothing to mask), 2 bad input (stdout empty,
// stderr "error: <kind> at byte <offset>"), 1 cannot read/compile/write.
#include "core/masker.h"
#include "core/rule_set.h"
#include "src/commands.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace maskd::app {
namespace {

// Reads the whole stream; the buffer keeps input_padding_bytes of slack.
bool read_all(FILE *f, std::vector<char> &buf, size_t *len) {
  size_t used = 0;
  buf.resize(size_t(1) << 16);
  while (true) {
    if (buf.size() - used < core::input_padding_bytes + 4096)
      buf.resize(buf.size() * 2);
    size_t want = buf.size() - used - core::input_padding_bytes;
    size_t got = std::fread(buf.data() + used, 1, want, f);
    used += got;
    if (got < want) {
      if (std::ferror(f))
        return false;
      break;
    }
  }
  *len = used;
  return true;
}

} // namespace

int run_mask(int argc, char **argv) {
  const char *path = "-";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::puts("usage: maskd mask [FILE|-]\n"
                "Masks PII and secrets in one JSON document (a Langfuse "
                "callback body or any JSON)\nand writes it to stdout. Exit 2 "
                "on bad input with 'error: <kind> at byte <offset>'.");
      return 0;
    }
    path = argv[i];
  }
  FILE *f = std::string_view(path) == "-" ? stdin : std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "error: cannot open %s: %s\n", path,
                 std::strerror(errno));
    return 1;
  }
  std::vector<char> buf;
  size_t len = 0;
  bool read_ok = read_all(f, buf, &len);
  if (f != stdin)
    std::fclose(f);
  if (!read_ok) {
    std::fprintf(stderr, "error: cannot read %s\n", path);
    return 1;
  }
  std::string err;
  auto rules = core::rule_set::builtin(&err);
  if (!rules) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 1;
  }
  core::masker m(rules);
  core::mask_result r = m.mask({buf.data(), len});
  if (!r.ok()) {
    std::fprintf(stderr, "error: %s at byte %zu\n",
                 std::string(core::error_kind_name(r.error)).c_str(),
                 r.error_offset);
    return 2;
  }
  if (std::fwrite(r.output.data(), 1, r.output.size(), stdout) !=
          r.output.size() ||
      std::fflush(stdout) != 0) {
    std::fprintf(stderr, "error: cannot write output\n");
    return 1;
  }
  return 0;
}

int run_rules(int argc, char **argv) {
  (void)argc;
  (void)argv;
  std::printf("%-24s %-20s %-8s %s\n", "ID", "ENTITY", "DEFAULT",
              "DESCRIPTION");
  for (const auto &r : core::builtin_rules())
    std::printf("%-24.*s %-20.*s %-8s %.*s\n", int(r.id.size()), r.id.data(),
                int(r.entity.size()), r.entity.data(),
                r.default_on ? "on" : "off", int(r.description.size()),
                r.description.data());
  return 0;
}

} // namespace maskd::app
