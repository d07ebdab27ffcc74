// Byte regions of the footprint objects, and the write-set diff.
#include "model/kernel/objects.hpp"

#include <cstring>

namespace pagerace::model::obj {

namespace {

template <class T> uint16_t u16(T v) {
  return static_cast<uint16_t>(v);
}

std::array<Region, Count> build() {
  std::array<Region, Count> r{};
  auto one = [&](int o, size_t off, size_t len) {
    r[static_cast<size_t>(o)] = {{u16(off), 0}, {u16(len), 0}};
  };
  for (int i = 0; i < kMaxPages; ++i)
    one(Page + i, offsetof(State, pages) + i * sizeof(model::Page), sizeof(model::Page));
  for (int i = 0; i < kMaxFiles; ++i)
    one(Inode + i, offsetof(State, inodes) + i * sizeof(model::Inode), sizeof(model::Inode));
  for (int i = 0; i < kMaxBlocks; ++i)
    one(Disk + i, offsetof(State, disk) + i * sizeof(Token), sizeof(Token));
  for (int i = 0; i < kMaxVpages; ++i)
    one(Pte + i, offsetof(State, mm) + offsetof(Mm, pte) + i * sizeof(model::Pte),
        sizeof(model::Pte));
  one(Vmas, offsetof(State, mm) + offsetof(Mm, vma), sizeof(Mm::vma));
  one(MmapSem, offsetof(State, mm) + offsetof(Mm, mmap_sem), sizeof(RwSem));
  one(Fds, offsetof(State, fds), sizeof(State::fds));
  for (int i = 0; i < kMaxBios; ++i)
    one(Bio + i, offsetof(State, bios) + i * sizeof(model::Bio), sizeof(model::Bio));
  for (int i = 0; i < kMaxTasks; ++i)
    one(Task + i, offsetof(State, tasks) + i * sizeof(model::Task), sizeof(model::Task));
  r[Vars] = {{u16(offsetof(State, vars)), u16(offsetof(State, vars_set))},
             {u16(sizeof(State::vars)), u16(sizeof(State::vars_set))}};
  r[Lru] = {{u16(offsetof(State, lru)), u16(offsetof(State, lru_len))},
            {u16(sizeof(State::lru)), u16(sizeof(State::lru_len))}};
  one(Pgdat, offsetof(State, pgdat_flags), 1);
  one(NextBlock, offsetof(State, next_block), 1);
  one(Crashed, offsetof(State, crashed), 1);
  one(BioDirtyList, offsetof(State, bio_dirty_list), 1);
  one(Clock, offsetof(State, clock), sizeof(State::clock));
  for (int i = 0; i < kMaxPins; ++i)
    one(Pin + i, offsetof(State, pins) + i * sizeof(PinSet), sizeof(PinSet));
  one(Wb, offsetof(State, wb_state), 1);
  return r;
}

const std::array<Region, Count> kRegions = build();

} // namespace

const Region &region(int o) {
  return kRegions[static_cast<size_t>(o)];
}

Set changed(const State &before, const State &after, const Set &accessed) {
  Set out{};
  const auto *a = reinterpret_cast<const unsigned char *>(&before);
  const auto *b = reinterpret_cast<const unsigned char *>(&after);
  for (size_t w = 0; w < accessed.size(); ++w)
    for (uint64_t m = accessed[w]; m; m &= m - 1) {
      const int o = static_cast<int>(w * 64) + __builtin_ctzll(m);
      const Region &r = kRegions[static_cast<size_t>(o)];
      for (int k = 0; k < 2; ++k)
        if (r.len[k] && std::memcmp(a + r.off[k], b + r.off[k], r.len[k]) != 0) {
          add(out, o);
          break;
        }
    }
  return out;
}

} // namespace pagerace::model::obj
