// A stable sort that uses a caller-owned buffer. std::stable_sort and
// std::stable_partition ask the heap for a temporary buffer on every call;
// the masking pass allocates nothing in steady state (its buffers grow to
// the largest body seen and are reused).
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace maskd::core {

template <class T, class Less>
void stable_sort_with(std::vector<T> &v, std::vector<T> &buf, Less less) {
  const size_t n = v.size();
  if (n < 2 || std::is_sorted(v.begin(), v.end(), less))
    return;
  // Insertion sort within runs of 16 (stable: an element moves left only
  // past greater ones), then bottom-up merges (std::merge takes the first
  // range's element on ties: stable).
  constexpr size_t run = 16;
  for (size_t b = 0; b < n; b += run) {
    const size_t e = std::min(n, b + run);
    for (size_t i = b + 1; i < e; ++i) {
      T x = std::move(v[i]);
      size_t j = i;
      for (; j > b && less(x, v[j - 1]); --j)
        v[j] = std::move(v[j - 1]);
      v[j] = std::move(x);
    }
  }
  if (n <= run)
    return;
  buf.resize(n);
  T *src = v.data(), *dst = buf.data();
  for (size_t w = run; w < n; w *= 2) {
    for (size_t b = 0; b < n; b += 2 * w) {
      const size_t m = std::min(n, b + w), e = std::min(n, b + 2 * w);
      std::merge(src + b, src + m, src + m, src + e, dst + b, less);
    }
    std::swap(src, dst);
  }
  if (src != v.data())
    std::copy(src, src + n, v.data());
}

} // namespace maskd::core
