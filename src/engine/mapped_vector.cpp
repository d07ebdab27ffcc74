#include "engine/mapped_vector.hpp"

#include <sys/mman.h>

namespace pagerace::engine::detail {

void *map_grow(void *old, size_t old_bytes, size_t bytes) {
  // Moving a mapping moves its page tables: the pages already faulted in
  // stay, and the new ones are zero until written.
  void *p = old ? mremap(old, old_bytes, bytes, MREMAP_MAYMOVE)
                : mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void map_free(void *p, size_t bytes) noexcept {
  munmap(p, bytes);
}

} // namespace pagerace::engine::detail
