// The shared objects of State, as the engine's independence test sees them.
// Every step reports the objects it accessed (through Ctx's accessors, the
// only way kernel paths reach State) and, by comparing bytes, the ones it
// changed. Two steps are independent when neither changed an object the other
// accessed; the engine then need not try both orders.
//
// Granularity follows the kernel's own: a struct page, an inode (its page
// cache, extent map and i_rwsem together), a disk block, a PTE, the vma list,
// mmap_sem, a bio, a task (its frames and its struct dio), the LRU lists, the
// bdi_writeback's state.
#pragma once

#include "model/include/state.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace pagerace::model::obj {

inline constexpr int Page = 0;
inline constexpr int Inode = Page + kMaxPages;
inline constexpr int Disk = Inode + kMaxFiles;
inline constexpr int Pte = Disk + kMaxBlocks;
inline constexpr int Vmas = Pte + kMaxVpages;
inline constexpr int MmapSem = Vmas + 1;
inline constexpr int Fds = MmapSem + 1;
inline constexpr int Bio = Fds + 1;
inline constexpr int Task = Bio + kMaxBios;
inline constexpr int Vars = Task + kMaxTasks;
inline constexpr int Lru = Vars + 1;
inline constexpr int Pgdat = Lru + 1;
inline constexpr int NextBlock = Pgdat + 1;
inline constexpr int Crashed = NextBlock + 1;
inline constexpr int BioDirtyList = Crashed + 1;
inline constexpr int Clock = BioDirtyList + 1;
inline constexpr int Pin = Clock + 1;
inline constexpr int Wb = Pin + kMaxPins;
inline constexpr int Count = Wb + 1;
static_assert(Count <= 128, "object sets are two 64-bit words");

using Set = std::array<uint64_t, 2>;

inline void add(Set &s, int o) {
  s[static_cast<size_t>(o) / 64] |= uint64_t{1} << (o % 64);
}
inline void add_range(Set &s, int first, int n) {
  for (int i = 0; i < n; ++i)
    add(s, first + i);
}
inline bool has(const Set &s, int o) {
  return (s[static_cast<size_t>(o) / 64] >> (o % 64)) & 1;
}
inline Set all() {
  Set s{};
  add_range(s, 0, Count);
  return s;
}

// The bytes of State an object occupies: at most two runs.
struct Region {
  uint16_t off[2];
  uint16_t len[2];
};
const Region &region(int o);

// The objects whose bytes differ between `before` and `after`, among `accessed`.
Set changed(const State &before, const State &after, const Set &accessed);

} // namespace pagerace::model::obj
