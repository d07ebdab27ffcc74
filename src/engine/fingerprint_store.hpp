// Visited states as 128-bit fingerprints only (hash compaction, as SPIN's
// -DHC and Holzmann's "bitstate" family): 24 bytes a state instead of the
// state itself. Two different states with the same fingerprint make the
// search skip the second one; with n states stored the probability that
// any such omission happened is at most n^2 / 2^129 (a birthday bound over
// XXH3-128), which Exploration reports.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace pagerace::engine {

template <class State> class FingerprintStore {
public:
  FingerprintStore() : slots_(1024, kEmpty) {}

  static XXH128_hash_t fingerprint(const State &s) { return XXH3_128bits(&s, sizeof(State)); }

  // Returns {index, inserted}.
  std::pair<uint32_t, bool> insert(const XXH128_hash_t &h) {
    if ((prints_.size() + 1) * 2 > slots_.size()) grow();
    size_t i = h.low64 & (slots_.size() - 1);
    while (slots_[i] != kEmpty) {
      const uint32_t idx = slots_[i];
      if (XXH128_isEqual(prints_[idx], h)) return {idx, false};
      i = (i + 1) & (slots_.size() - 1);
    }
    const auto idx = static_cast<uint32_t>(prints_.size());
    prints_.push_back(h);
    slots_[i] = idx;
    return {idx, true};
  }
  std::pair<uint32_t, bool> insert(const State &s) { return insert(fingerprint(s)); }

  size_t size() const { return prints_.size(); }
  size_t bytes() const {
    return prints_.capacity() * sizeof(XXH128_hash_t) + slots_.capacity() * 4;
  }

private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  void grow() {
    std::vector<uint32_t> next(slots_.size() * 2, kEmpty);
    for (uint32_t idx = 0; idx < prints_.size(); ++idx) {
      size_t i = prints_[idx].low64 & (next.size() - 1);
      while (next[i] != kEmpty)
        i = (i + 1) & (next.size() - 1);
      next[i] = idx;
    }
    slots_.swap(next);
  }

  std::vector<XXH128_hash_t> prints_;
  std::vector<uint32_t> slots_;
};

} // namespace pagerace::engine
