// Visited states, stored as SPIN stores them with COLLAPSE compression
// (Holzmann, "State compression in SPIN", 1997): the state is cut into
// components (byte ranges the system names: a task, the page array, ...),
// each distinct component value is kept once in its own table, and a state
// is the vector of its components' indices. A step changes one or two
// components, so a new state costs a few bytes instead of a full copy.
//
// Every comparison is exact (component bytes, then index vectors), so no
// collision can prune an unvisited state. Encoding is split so that threads
// can do the hashing: encode() and get() only read the store, and may run
// on other threads while insert() adds states (stored records never move).
#pragma once

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace pagerace::engine {

namespace detail {

// Open addressing over entries kept elsewhere, found by their 64-bit hash
// and compared in full by the caller's `same(index)`. A slot holds the
// entry's index and the hash's upper half, so a probe rarely touches an
// entry that does not match.
class HashIndex {
public:
  HashIndex() : slots_(1024, 0) {}
  template <class Same> uint32_t find(uint64_t h, Same same, size_t &slot) const {
    const uint64_t tag = h & ~uint64_t{0xffffffff};
    size_t i = h & (slots_.size() - 1);
    while (slots_[i] != 0) {
      if ((slots_[i] & ~uint64_t{0xffffffff}) == tag) {
        const auto idx = static_cast<uint32_t>(slots_[i] - 1);
        if (same(idx)) return idx;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
    slot = i;
    return kNone;
  }
  // Adds entry number size(), at the slot find() left.
  uint32_t add(uint64_t h, size_t slot) {
    const auto idx = static_cast<uint32_t>(low_.size());
    low_.push_back(static_cast<uint32_t>(h));
    slots_[slot] = (h & ~uint64_t{0xffffffff}) | (uint64_t{idx} + 1);
    if (low_.size() * 2 > slots_.size()) grow();
    return idx;
  }
  size_t bytes() const { return low_.capacity() * 4 + slots_.capacity() * 8; }
  static constexpr uint32_t kNone = 0xffffffffu;

private:
  void grow() {
    std::vector<uint64_t> next(slots_.size() * 2, 0);
    for (uint64_t slot : slots_) {
      if (slot == 0) continue;
      const auto idx = static_cast<uint32_t>(slot - 1);
      size_t i = ((slot & ~uint64_t{0xffffffff}) | low_[idx]) & (next.size() - 1);
      while (next[i] != 0)
        i = (i + 1) & (next.size() - 1);
      next[i] = slot;
    }
    slots_.swap(next);
  }
  std::vector<uint32_t> low_; // lower half of each entry's hash, for grow()
  std::vector<uint64_t> slots_;
};

// Append-only records of `width` T's each. Records never move, so threads
// may read the ones already added while one thread appends more: chunks are
// never reallocated, and the chunk table is reserved up front (address
// space only, until chunks are added). A chunk's memory is not cleared, so
// only the pages records are written to are ever touched.
template <class T> class StableRecords {
  static constexpr size_t kChunkBits = 14;
  static constexpr size_t kChunks = size_t{1} << (32 - kChunkBits);

public:
  explicit StableRecords(size_t width) : width_(width) { chunks_.reserve(kChunks); }
  const T *operator[](size_t i) const {
    return chunks_[i >> kChunkBits].get() + (i & ((size_t{1} << kChunkBits) - 1)) * width_;
  }
  void push_back(const T *record) {
    if ((size_ >> kChunkBits) == chunks_.size()) {
      if (chunks_.size() == kChunks) throw std::bad_alloc();
      chunks_.push_back(std::make_unique_for_overwrite<T[]>(width_ << kChunkBits));
    }
    auto &chunk = chunks_[size_ >> kChunkBits];
    std::memcpy(chunk.get() + (size_ & ((size_t{1} << kChunkBits) - 1)) * width_, record,
                width_ * sizeof(T));
    ++size_;
  }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * width_ * sizeof(T) + chunks_.size() * sizeof(void *); }

private:
  size_t width_;
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

} // namespace detail

template <class State> class CollapseStore {
  static_assert(std::is_trivially_copyable_v<State> &&
                    std::has_unique_object_representations_v<State>,
                "states are hashed and compared as bytes");

public:
  static constexpr size_t kMaxComponents = 32;

  // A state on its way in: its component indices, where known, and the
  // hashes of the components that are not.
  struct Encoded {
    std::array<uint32_t, kMaxComponents> index;
    std::array<uint64_t, kMaxComponents> hash;
    uint32_t fresh = 0; // bit c: component c differs from the parent's, index unknown
  };

  // (offset, size) of each component; they must cut the whole state into
  // consecutive ranges.
  explicit CollapseStore(const std::vector<std::pair<uint32_t, uint32_t>> &layout)
      : keys_(layout.size()) {
    uint32_t at = 0;
    for (const auto &[offset, size] : layout) {
      if (offset != at || size == 0)
        throw std::logic_error("state components must be consecutive and non-empty");
      layout_.push_back(Component{offset, size});
      at += size;
    }
    if (at != sizeof(State) || layout_.size() > kMaxComponents)
      throw std::logic_error("state components must cover the state, at most 32 of them");
    for (const Component &c : layout_)
      tables_.emplace_back(c.size);
  }

  static uint64_t hash(const State &s) { return XXH3_64bits(&s, sizeof(State)); }
  size_t size() const { return keys_.size(); }
  size_t components() const { return layout_.size(); }

  // Encodes `s` against `parent` (stored as `parent_id`): components equal to
  // the parent's keep its index, the others are hashed. Only reads the
  // store, so threads may encode while no insert() runs.
  void encode(const State &s, const State &parent, uint32_t parent_id, Encoded &e) const {
    const uint32_t *pk = key(parent_id);
    e.fresh = 0;
    for (size_t c = 0; c < layout_.size(); ++c) {
      const auto *a = bytes(s, c), *b = bytes(parent, c);
      if (std::memcmp(a, b, layout_[c].size) == 0) {
        e.index[c] = pk[c];
      } else {
        e.fresh |= 1u << c;
        e.hash[c] = XXH3_64bits(a, layout_[c].size);
      }
    }
  }
  // Encodes a state with no parent (the initial one).
  void encode(const State &s, Encoded &e) const {
    e.fresh = layout_.size() == 32 ? ~0u : (1u << layout_.size()) - 1;
    for (size_t c = 0; c < layout_.size(); ++c)
      e.hash[c] = XXH3_64bits(bytes(s, c), layout_[c].size);
  }

  // Returns {index, inserted}. `e` comes from encode() of the same `s`.
  std::pair<uint32_t, bool> insert(const State &s, Encoded &e) {
    for (size_t c = 0; c < layout_.size(); ++c)
      if (e.fresh & (1u << c)) e.index[c] = intern(c, bytes(s, c), e.hash[c]);
    const size_t n = layout_.size();
    const uint64_t h = XXH3_64bits(e.index.data(), n * sizeof(uint32_t));
    size_t slot = 0;
    const uint32_t found = states_.find(
        h,
        [&](uint32_t idx) {
          return std::memcmp(key(idx), e.index.data(), n * sizeof(uint32_t)) == 0;
        },
        slot);
    if (found != detail::HashIndex::kNone) return {found, false};
    keys_.push_back(e.index.data());
    return {states_.add(h, slot), true};
  }
  std::pair<uint32_t, bool> insert(const State &s) {
    Encoded e;
    encode(s, e);
    return insert(s, e);
  }

  // Rebuilds state `id` into `out`.
  void get(uint32_t id, State &out) const {
    const uint32_t *k = key(id);
    auto *dst = reinterpret_cast<unsigned char *>(&out);
    for (size_t c = 0; c < layout_.size(); ++c)
      std::memcpy(dst + layout_[c].offset, tables_[c].values[k[c]], layout_[c].size);
  }
  State operator[](uint32_t id) const {
    State s;
    get(id, s);
    return s;
  }

  size_t bytes() const {
    size_t b = keys_.bytes() + states_.bytes();
    for (const Table &t : tables_)
      b += t.values.bytes() + t.index.bytes();
    return b;
  }

private:
  struct Component {
    uint32_t offset, size;
  };
  struct Table {
    explicit Table(uint32_t size) : values(size) {}
    detail::StableRecords<unsigned char> values;
    detail::HashIndex index;
  };

  const unsigned char *bytes(const State &s, size_t c) const {
    return reinterpret_cast<const unsigned char *>(&s) + layout_[c].offset;
  }
  const uint32_t *key(uint32_t id) const { return keys_[id]; }

  uint32_t intern(size_t c, const unsigned char *v, uint64_t h) {
    Table &t = tables_[c];
    const uint32_t size = layout_[c].size;
    size_t slot = 0;
    const uint32_t found = t.index.find(
        h, [&](uint32_t i) { return std::memcmp(t.values[i], v, size) == 0; }, slot);
    if (found != detail::HashIndex::kNone) return found;
    t.values.push_back(v);
    return t.index.add(h, slot);
  }

  std::vector<Component> layout_;
  std::vector<Table> tables_;
  detail::StableRecords<uint32_t> keys_; // a state's component indices
  detail::HashIndex states_;
};

} // namespace pagerace::engine
