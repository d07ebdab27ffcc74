// A growable array of trivially copyable elements in an anonymous mapping of
// its own, for the search's largest per-state and per-edge arrays.
//
// Why not std::vector: growing one allocates twice the room, writes zeros
// over the new elements and copies the old ones, so every page is faulted in
// again at each doubling, and the old block is unmapped (a TLB shootdown on
// every core that ran the search). A threaded BFS grows its edge array while
// the other members wait (PERFORMANCE.md). Here growth moves page tables
// (mremap), never the elements, and a new element's page is faulted in by
// whichever thread first writes it: measured on scale-2-1 on two threads,
// the time the members wait fell from 0.88 to 0.61 s of CPU time.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace pagerace::engine {

namespace detail {
// An anonymous mapping of `bytes` (a multiple of the page size) with the
// contents of `old` (nullptr: none) and zeros after them; throws
// std::bad_alloc. In a .cpp, as <sys/mman.h> defines macros (MAP_SHARED,
// PROT_READ) that the scenario language uses as names.
void *map_grow(void *old, size_t old_bytes, size_t bytes);
void map_free(void *p, size_t bytes) noexcept;
} // namespace detail

template <class T> class MappedVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
  MappedVector() = default;
  MappedVector(const MappedVector &) = delete;
  MappedVector &operator=(const MappedVector &) = delete;
  MappedVector(MappedVector &&o) noexcept { swap(o); }
  MappedVector &operator=(MappedVector &&o) noexcept {
    MappedVector old; // takes this one's mapping, and frees it on return
    old.swap(*this);
    swap(o);
    return *this;
  }
  ~MappedVector() {
    if (data_) detail::map_free(data_, bytes_);
  }
  void swap(MappedVector &o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(bytes_, o.bytes_);
    std::swap(written_, o.written_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Elements room is mapped for: address space, not memory, beyond size().
  size_t capacity() const { return bytes_ / sizeof(T); }
  // What the array holds in memory: the elements it ever had.
  size_t resident_bytes() const { return written_ * sizeof(T); }

  T *data() { return data_; }
  const T *data() const { return data_; }
  T *begin() { return data_; }
  T *end() { return data_ + size_; }
  const T *begin() const { return data_; }
  const T *end() const { return data_ + size_; }
  T &operator[](size_t i) { return data_[checked(i)]; }
  const T &operator[](size_t i) const { return data_[checked(i)]; }
  T &back() { return data_[checked(size_ - 1)]; }

  // New elements are zero bytes: the arrays' element types are plain
  // numbers, and the structs of them whose members default to zero.
  void resize(size_t n) {
    if (n > capacity()) grow(n);
    if (n > size_ && size_ < written_) // elements dropped earlier: zero them again
      std::memset(static_cast<void *>(data_ + size_), 0,
                  (std::min(n, written_) - size_) * sizeof(T));
    size_ = n;
    written_ = std::max(written_, n);
  }
  // By value: growing may move the mapping an argument points into.
  void resize(size_t n, const T value) {
    const size_t old = size_;
    resize(n);
    for (size_t i = old; i < n; ++i)
      data_[i] = value;
  }
  void push_back(const T v) {
    if (size_ == capacity()) grow(size_ + 1);
    data_[size_++] = v;
    written_ = std::max(written_, size_);
  }
  void clear() { size_ = 0; }

private:
  // The sanitizer build checks every index, as the mapping has no redzones;
  // an assertion, not an exception, as the team's phases must not throw.
  size_t checked(size_t i) const {
    assert(i < size_);
    return i;
  }
  void grow(size_t n) {
    // 1 MiB and its doublings: a multiple of any page size up to it, as
    // mremap() needs, and address space only until written.
    size_t want = bytes_ ? bytes_ : size_t{1} << 20;
    while (want / sizeof(T) < n) {
      if (want > (SIZE_MAX >> 2)) throw std::bad_alloc();
      want *= 2;
    }
    data_ = static_cast<T *>(detail::map_grow(data_, bytes_, want));
    bytes_ = want;
  }

  T *data_ = nullptr;
  size_t size_ = 0, bytes_ = 0;
  size_t written_ = 0; // elements below it may be non-zero
};

} // namespace pagerace::engine
