// Alternates two versions of core/ in one process, chunk by chunk, on one
// body: the drift of a shared VM (which moves separate runs by 30% and
// more here) hits both alike. Prints, per version, the fastest chunk, the
// first quartile and the median of the per-body times, and the median of
// the per-chunk ratios NEW/OLD.
//
//   driver OLD.so NEW.so BODY.json ITERATIONS_PER_CHUNK CHUNKS
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s OLD.so NEW.so BODY ITERATIONS CHUNKS\n",
                 argv[0]);
    return 2;
  }
  std::ifstream f(argv[3], std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string body = ss.str();
  const size_t len = body.size();
  if (len == 0) {
    std::fprintf(stderr, "%s: empty or missing\n", argv[3]);
    return 1;
  }
  body.resize(len + 64); // maskd::core::input_padding_bytes
  const int per = std::atoi(argv[4]), chunks = std::atoi(argv[5]);
  using make_fn = void *(*)();
  using mask_fn = size_t (*)(void *, const char *, size_t);
  mask_fn mask[2];
  void *masker[2];
  for (int v = 0; v < 2; ++v) {
    void *h = dlopen(argv[1 + v], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
      std::fprintf(stderr, "%s\n", dlerror());
      return 1;
    }
    auto make = reinterpret_cast<make_fn>(dlsym(h, "ab_make"));
    mask[v] = reinterpret_cast<mask_fn>(dlsym(h, "ab_mask"));
    masker[v] = make ? make() : nullptr;
    if (!masker[v] || !mask[v]) {
      std::fprintf(stderr, "%s: no masker\n", argv[1 + v]);
      return 1;
    }
  }
  std::vector<double> t[2], ratio;
  size_t out[2] = {0, 0};
  for (int c = 0; c < chunks; ++c) {
    for (int v = 0; v < 2; ++v) {
      auto t0 = std::chrono::steady_clock::now();
      for (int k = 0; k < per; ++k)
        out[v] = mask[v](masker[v], body.data(), len);
      t[v].push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - t0)
                         .count() /
                     per);
    }
    ratio.push_back(t[1].back() / t[0].back());
  }
  if (out[0] == SIZE_MAX || out[1] == SIZE_MAX) {
    std::fprintf(stderr, "masking failed: no figures\n");
    return 1;
  }
  for (int v = 0; v < 2; ++v) {
    std::sort(t[v].begin(), t[v].end());
    std::printf("%s: min %.2f  p25 %.2f  median %.2f us/body  (output %zu "
                "bytes)\n",
                argv[1 + v], t[v][0], t[v][t[v].size() / 4],
                t[v][t[v].size() / 2], out[v]);
  }
  std::sort(ratio.begin(), ratio.end());
  std::printf("NEW/OLD, median of %d chunks: %.3f\n", chunks,
              ratio[ratio.size() / 2]);
  return 0;
}
