// What one step touched, as bit sets over the system's shared objects (the
// system decides what an object is). Two steps are dependent when one
// changed an object the other accessed; independent steps commute and
// neither enables nor disables the other, because a step's access set
// includes what its enabling condition reads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pagerace::engine {

struct Footprint {
  std::array<uint64_t, 2> access{}; // read or written (write is a subset)
  std::array<uint64_t, 2> write{};
};

inline bool dependent(const Footprint &a, const Footprint &b) {
  for (size_t w = 0; w < a.access.size(); ++w)
    if ((a.write[w] & b.access[w]) | (b.write[w] & a.access[w])) return true;
  return false;
}

inline void merge(Footprint &into, const Footprint &f) {
  for (size_t w = 0; w < into.access.size(); ++w) {
    into.access[w] |= f.access[w];
    into.write[w] |= f.write[w];
  }
}

} // namespace pagerace::engine
