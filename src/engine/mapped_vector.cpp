#include "engine/mapped_vector.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace pagerace::engine::detail {

#if defined(__SANITIZE_THREAD__)
#define PAGERACE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PAGERACE_TSAN 1
#endif
#endif

void *map_grow(void *old, size_t old_bytes, size_t bytes) {
  const auto fresh = [bytes] {
    return mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                -1, 0);
  };
  void *p = MAP_FAILED;
  if (old == nullptr) {
    p = fresh();
  } else {
#ifdef PAGERACE_TSAN
    // ThreadSanitizer does not follow mremap(): it would keep the history
    // of the old addresses. Under it only, the elements are copied.
    p = fresh();
    if (p != MAP_FAILED) {
      std::memcpy(p, old, old_bytes);
      munmap(old, old_bytes);
    }
#else
    // Moving a mapping moves its page tables: the pages already faulted in
    // stay, and the new ones are zero until written.
    p = mremap(old, old_bytes, bytes, MREMAP_MAYMOVE);
#endif
  }
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void map_free(void *p, size_t bytes) noexcept {
  munmap(p, bytes);
}

} // namespace pagerace::engine::detail
