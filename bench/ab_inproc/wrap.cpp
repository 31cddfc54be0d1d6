// One masker behind a C interface, built into a shared object per source
// tree by bench/ab_inproc.sh, so that one process can load two versions of
// core/ side by side (RTLD_LOCAL | RTLD_DEEPBIND keeps their symbols apart).
#include "core/masker.h"
#include "core/rule_set.h"

#include <string>

extern "C" void *ab_make() {
  std::string err;
  auto rules = maskd::core::rule_set::builtin(&err);
  return rules ? new maskd::core::masker(rules) : nullptr;
}

// Masks body[0, len) (padded by the caller); returns the output size, or
// SIZE_MAX when masking failed.
extern "C" size_t ab_mask(void *m, const char *body, size_t len) {
  auto r = static_cast<maskd::core::masker *>(m)->mask({body, len});
  return r.ok() ? r.output.size() : SIZE_MAX;
}
