// The states on a stateless search's stack, found by hash. A step back to one
// of them closes a cycle (a task that retries while another makes it, for
// ever): a search that stores no states must not follow it, or it goes round
// without end. Every state reachable from the start lies on some path that
// repeats no state, so plain DFS loses no state and no step that leaves one
// by cutting such steps (the step itself is taken, its violations recorded).
// DPOR also expands the cycle's states fully (dfs.hpp), as a cycle proviso;
// tests/reduction_property_test.cpp checks it against BFS.
//
// A state is hashed component by component (the same cut as the store's), so
// that a step hashes again only the components it may have changed. States
// are compared in full when their hashes match: no collision can cut a path.
#pragma once

#include <xxhash.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace pagerace::engine {

template <class State> class StackStates {
public:
  static constexpr size_t kMaxComponents = 16;

  // A state's hash, and its components' (the first components() of them).
  struct Print {
    std::array<uint64_t, kMaxComponents> part{};
    uint64_t whole = 0;
  };

  explicit StackStates(const std::vector<std::pair<uint32_t, uint32_t>> &layout)
      : layout_(layout), slots_(64, 0) {
    if (layout_.size() > kMaxComponents)
      throw std::logic_error("a state has more components than a print holds");
  }

  void print(const State &s, Print &out) const {
    const auto *bytes = reinterpret_cast<const unsigned char *>(&s);
    out.whole = 0;
    for (size_t c = 0; c < layout_.size(); ++c) {
      out.part[c] = part(bytes + layout_[c].first, layout_[c].second, c);
      out.whole ^= out.part[c];
    }
  }
  // `out` for `s`, a successor of `parent` (printed `pp`) by a step that
  // changed only the components in `maybe` (bit per component): a step
  // reports the components it accessed, and comparing them is cheaper than
  // hashing them.
  void reprint(const State &s, const State &parent, const Print &pp, Print &out,
               uint32_t maybe) const {
    const auto *bytes = reinterpret_cast<const unsigned char *>(&s);
    const auto *before = reinterpret_cast<const unsigned char *>(&parent);
    out = pp;
    for (uint32_t m = maybe & ((1u << layout_.size()) - 1); m; m &= m - 1) {
      const auto c = static_cast<size_t>(__builtin_ctz(m));
      const auto [offset, size] = layout_[c];
      if (std::memcmp(bytes + offset, before + offset, size) == 0) continue;
      out.whole ^= out.part[c];
      out.part[c] = part(bytes + offset, size, c);
      out.whole ^= out.part[c];
    }
  }

  // The depth of the stack's state equal to `s` (printed `p`), or -1;
  // `at(depth)` is the state at that depth.
  template <class At> int find(const Print &p, const State &s, At &&at) const {
    for (size_t i = p.whole & mask(); slots_[i] != 0; i = (i + 1) & mask()) {
      const uint32_t d = slots_[i] - 1;
      if (entries_[d].whole == p.whole && std::memcmp(&at(d), &s, sizeof(State)) == 0)
        return static_cast<int>(d);
    }
    return -1;
  }

  // The state pushed at the next depth, and the last one popped: the
  // stack's order, which lets a pop just clear its slot (linear probing
  // breaks no probe chain when the entry removed is the newest).
  void push(const Print &p) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    entries_.push_back(Entry{p.whole, place(p.whole, static_cast<uint32_t>(entries_.size()))});
  }
  void pop() {
    slots_[entries_.back().slot] = 0;
    entries_.pop_back();
  }
  size_t size() const { return entries_.size(); }
  void clear() {
    entries_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }
  size_t bytes() const { return slots_.capacity() * 4 + entries_.capacity() * sizeof(Entry); }

private:
  // Component c's share of the whole. Not XXH3's seeded form: past 240
  // bytes it derives a secret from the seed at every call. An odd factor
  // per component keeps equal components (two idle tasks) from cancelling.
  static uint64_t part(const unsigned char *bytes, size_t size, size_t c) {
    return XXH3_64bits(bytes, size) * (2 * c + 1);
  }
  struct Entry {
    uint64_t whole;
    size_t slot;
  };
  size_t mask() const { return slots_.size() - 1; }
  size_t place(uint64_t h, uint32_t depth) {
    size_t i = h & mask();
    while (slots_[i] != 0)
      i = (i + 1) & mask();
    slots_[i] = depth + 1;
    return i;
  }
  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    for (size_t d = 0; d < entries_.size(); ++d)
      entries_[d].slot = place(entries_[d].whole, static_cast<uint32_t>(d));
  }

  std::vector<std::pair<uint32_t, uint32_t>> layout_;
  std::vector<uint32_t> slots_; // depth + 1, 0 when free
  std::vector<Entry> entries_;  // [depth]
};

} // namespace pagerace::engine
