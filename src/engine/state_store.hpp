// Visited states: every distinct state is stored once, with a full compare
// behind the hash, so a hash collision can never prune an unvisited state.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace pagerace::engine {

template <class State> class StateStore {
  static_assert(std::is_trivially_copyable_v<State> &&
                    std::has_unique_object_representations_v<State>,
                "states are hashed and compared as bytes");

public:
  StateStore() : slots_(1024, kEmpty) {}

  static uint64_t hash(const State &s) { return XXH3_64bits(&s, sizeof(State)); }

  // Returns {index, inserted}.
  std::pair<uint32_t, bool> insert(const State &s) { return insert(s, hash(s)); }
  // The same, with hash(s) already computed (by another thread).
  std::pair<uint32_t, bool> insert(const State &s, uint64_t h) {
    if ((states_.size() + 1) * 2 > slots_.size()) grow();
    size_t i = h & (slots_.size() - 1);
    while (slots_[i] != kEmpty) {
      const uint32_t idx = slots_[i];
      if (hashes_[idx] == h && std::memcmp(&states_[idx], &s, sizeof(State)) == 0)
        return {idx, false};
      i = (i + 1) & (slots_.size() - 1);
    }
    const auto idx = static_cast<uint32_t>(states_.size());
    states_.push_back(s);
    hashes_.push_back(h);
    slots_[i] = idx;
    return {idx, true};
  }

  const State &operator[](uint32_t i) const { return states_[i]; }
  size_t size() const { return states_.size(); }
  size_t bytes() const {
    return states_.capacity() * sizeof(State) + hashes_.capacity() * 8 + slots_.capacity() * 4;
  }

private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  void grow() {
    std::vector<uint32_t> next(slots_.size() * 2, kEmpty);
    for (uint32_t idx = 0; idx < states_.size(); ++idx) {
      size_t i = hashes_[idx] & (next.size() - 1);
      while (next[i] != kEmpty)
        i = (i + 1) & (next.size() - 1);
      next[i] = idx;
    }
    slots_.swap(next);
  }

  std::vector<State> states_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> slots_;
};

} // namespace pagerace::engine
