// The masking pass allocates nothing in steady state (docs/architecture.md):
// once a masker has masked a set of bodies, its buffers have grown to the
// largest, and masking them all again asks the heap for nothing. This test
// binary replaces the global operator new to count.
#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/core/test_support.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<size_t> allocations{0};

void *counted(size_t n) {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
} // namespace

void *operator new(size_t n) {
  if (void *p = counted(n))
    return p;
  throw std::bad_alloc();
}
void *operator new[](size_t n) { return operator new(n); }
// Over-aligned types (alignas > 16) come through these.
void *operator new(size_t n, std::align_val_t a) {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
  size_t align = size_t(a);
  if (void *p = std::aligned_alloc(align, (n + align - 1) / align * align))
    return p;
  throw std::bad_alloc();
}
void *operator new[](size_t n, std::align_val_t a) {
  return operator new(n, a);
}
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void *p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void *operator new(size_t n, const std::nothrow_t &) noexcept {
  return counted(n);
}
void *operator new[](size_t n, const std::nothrow_t &) noexcept {
  return counted(n);
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, size_t) noexcept { std::free(p); }
void operator delete[](void *p, size_t) noexcept { std::free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { std::free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept {
  std::free(p);
}

namespace maskd::test {
namespace {

TEST(Allocation, SteadyStateMaskingAllocatesNothing) {
  std::vector<padded> bodies;
  for (const char *set : {"bench", "public", "langfuse"})
    for (const auto &p : corpus_bodies(set))
      bodies.emplace_back(read_file(p));
  ASSERT_GE(bodies.size(), 20u) << "corpus not found: set MASKD_CORPUS";
  core::masker m(builtin_rules());
  size_t with_masks = 0;
  for (const padded &b : bodies) {
    core::mask_result r = m.mask(b.view());
    ASSERT_TRUE(r.ok()) << core::error_kind_name(r.error);
    with_masks += r.replacements > 0;
  }
  ASSERT_GT(with_masks, 10u);
  // Every body again, in corpus order and then backwards (so each body
  // also follows a different one): nothing allocated.
  allocations = 0;
  counting = true;
  size_t failed = 0;
  for (const padded &b : bodies)
    failed += !m.mask(b.view()).ok();
  for (auto b = bodies.rbegin(); b != bodies.rend(); ++b)
    failed += !m.mask(b->view()).ok();
  counting = false;
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(allocations.load(), 0u) << "heap allocations while masking";
}

} // namespace
} // namespace maskd::test
