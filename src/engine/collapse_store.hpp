// Visited states, stored as SPIN stores them with COLLAPSE compression
// (Holzmann, "State compression in SPIN", 1997): the state is cut into
// components (byte ranges the system names: a task, the page array, ...),
// each distinct component value is kept once in its own table, and a state
// is the vector of its components' indices. A step changes one or two
// components, so a new state costs a few bytes instead of a full copy.
//
// Every comparison is exact (component bytes, then index vectors), so no
// collision can prune an unvisited state. Encoding and insertion are split
// into steps that threads can share (see insert()); encode() and get() only
// read stored records, which never move. A component's table is cut into
// shards by hash, each with its own lock, so that threads can intern values
// of the same component at once: a step mostly changes the same few.
#pragma once

#include "engine/mapped_vector.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace pagerace::engine {

namespace detail {

// Open addressing over entries kept elsewhere (by index), found by their
// 64-bit hash and compared in full by the caller's `same(index)`. A slot
// holds the entry's index and the hash's upper half (its tag), so a probe
// rarely touches an entry that does not match.
//
// A slot's place comes from its tag: the low bits of the hash's upper half.
// Growing then moves every slot without reading the entries' hashes from
// the owner, which was a cache miss per entry: the state tables' growth
// took 0.16-0.2 s of a scale-2-1 run, and on a team the other members
// waited for each grow (PERFORMANCE.md). The owners pick an index by bits
// of the hash's lower half, so that all 32 bits of a tag tell entries
// apart: entries with the same place still differ in the tag bits above it.
class HashIndex {
  static constexpr uint64_t kTag = ~uint64_t{0xffffffff};

public:
  // Places are tag bits: 2^32 at most, or 2^31 entries in one index.
  static constexpr size_t kMaxSlots = size_t{1} << 32;

  HashIndex() : slots_(256, 0) {}
  // Starts loading the slot a lookup of `h` reads first: in a large table
  // it is a cache miss, which a caller with several lookups to make can
  // overlap with other work.
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[home(h, slots_.size())]); }
  // The entry equal to the one hashed `h`, or kNone and the free slot where
  // it would go in `slot`.
  template <class Same> uint32_t find(uint64_t h, Same same, size_t &slot) const {
    size_t i = home(h, slots_.size());
    while (slots_[i] != 0) {
      if ((slots_[i] & kTag) == (h & kTag)) {
        const auto idx = static_cast<uint32_t>(slots_[i] - 1);
        if (same(idx)) return idx;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
    slot = i;
    return kNone;
  }
  // Adds entry `idx` hashed `h` at `slot`, from find() with no change since.
  void add(uint64_t h, size_t slot, uint32_t idx) {
    slots_[slot] = (h & kTag) | (uint64_t{idx} + 1);
    if (++count_ * 2 > slots_.size()) grow();
  }
  // Adds entry `idx`, known to be absent.
  void add(uint64_t h, uint32_t idx) {
    size_t i = home(h, slots_.size());
    while (slots_[i] != 0)
      i = (i + 1) & (slots_.size() - 1);
    add(h, i, idx);
  }
  size_t bytes() const { return slots_.capacity() * 8; }
  // bytes() of an index holding `count` entries.
  static size_t bytes_for(size_t count) {
    size_t size = 256;
    while (count * 2 > size)
      size *= 2;
    return size * 8;
  }
  static constexpr uint32_t kNone = 0xffffffffu;

private:
  static size_t home(uint64_t h, size_t size) { return (h >> 32) & (size - 1); }
  void grow() {
    if (slots_.size() * 2 > kMaxSlots) throw std::bad_alloc();
    std::vector<uint64_t> next(slots_.size() * 2, 0);
    for (uint64_t slot : slots_) {
      if (slot == 0) continue;
      size_t i = home(slot, next.size());
      while (next[i] != 0)
        i = (i + 1) & (next.size() - 1);
      next[i] = slot;
    }
    slots_.swap(next);
  }
  size_t count_ = 0;
  std::vector<uint64_t> slots_;
};

// Records of `width` T's each, at most 2^max_bits of them, added at the end
// (push_back(), or resize() and set()). Records never move, so threads may
// read the ones already added while one thread adds more: chunks are never
// reallocated, and the chunk table is reserved up front (address space
// only, until chunks are added). A chunk's memory is not cleared, so only
// the pages records are written to are ever touched.
template <class T> class StableRecords {
  static constexpr size_t kChunkBits = 14;

public:
  explicit StableRecords(size_t width, size_t max_bits = 32) : width_(width), max_(max_bits) {
    chunks_.reserve(size_t{1} << (max_bits - kChunkBits));
  }
  const T *operator[](size_t i) const {
    return chunks_[i >> kChunkBits].get() + (i & ((size_t{1} << kChunkBits) - 1)) * width_;
  }
  void push_back(const T *record) {
    resize(size_ + 1);
    set(size_ - 1, record);
  }
  // Records below `n` may then be set(), by several threads for different
  // records; shrinking keeps the memory for the next growth.
  void resize(size_t n) {
    // indices are 32-bit, and ~0 means none
    if (n >= std::min<size_t>(0xffffffffu, size_t{1} << max_)) throw std::bad_alloc();
    while (((n + (size_t{1} << kChunkBits) - 1) >> kChunkBits) > chunks_.size())
      chunks_.push_back(std::make_unique_for_overwrite<T[]>(width_ << kChunkBits));
    size_ = n;
  }
  void set(size_t i, const T *record) {
    std::memcpy(chunks_[i >> kChunkBits].get() + (i & ((size_t{1} << kChunkBits) - 1)) * width_,
                record, width_ * sizeof(T));
  }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * width_ * sizeof(T) + chunks_.size() * sizeof(void *); }

private:
  size_t width_, max_;
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

} // namespace detail

template <class State> class CollapseStore {
  static_assert(std::is_trivially_copyable_v<State> &&
                    std::has_unique_object_representations_v<State>,
                "states are hashed and compared as bytes");

public:
  static constexpr size_t kMaxComponents = 16; // an Encoded stays small: batches fit the caches

  // A stored state: its component indices (the first components() of them).
  using Key = std::array<uint32_t, kMaxComponents>;

  // A state on its way in: its component indices, where known, and the
  // bytes and hashes of the components that are not (only those are kept,
  // so that a batch of successors stays small enough for the caches).
  struct Encoded {
    Key index;
    std::array<uint64_t, kMaxComponents> hash;
    std::array<uint32_t, kMaxComponents> at; // of a fresh component's bytes in `bytes`
    std::vector<unsigned char> bytes;
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
      throw std::logic_error("state components must cover the state, at most " +
                             std::to_string(kMaxComponents) + " of them");
    for (const Component &c : layout_)
      tables_.push_back(std::make_unique<Table>(c.size));
  }

  static uint64_t hash(const State &s) { return XXH3_64bits(&s, sizeof(State)); }
  size_t size() const { return keys_.size(); }
  size_t components() const { return layout_.size(); }

  // Encodes `s` against `parent` (stored as `parent_id`): components equal to
  // the parent's keep its index, the others are hashed. Only the components
  // in `maybe` (bit per component) can differ from the parent's; the caller
  // vouches for that. Only reads the store: threads may encode while others
  // intern_all<true>(), but not while states are added.
  void encode(const State &s, const State &parent, uint32_t parent_id, Encoded &e,
              uint32_t maybe = ~0u) const {
    const uint32_t *pk = key(parent_id);
    e.fresh = 0;
    e.bytes.clear();
    for (size_t c = 0; c < layout_.size(); ++c) {
      const auto *a = bytes(s, c), *b = bytes(parent, c);
      if (!(maybe & (1u << c)) || std::memcmp(a, b, layout_[c].size) == 0)
        e.index[c] = pk[c];
      else
        keep(c, a, e);
    }
  }
  // Copies the components in `mask` of `from` into `to`.
  void copy_components(State &to, const State &from, uint32_t mask) const {
    auto *dst = reinterpret_cast<unsigned char *>(&to);
    for (uint32_t m = mask & ((1u << layout_.size()) - 1); m; m &= m - 1) {
      const size_t c = static_cast<size_t>(__builtin_ctz(m));
      std::memcpy(dst + layout_[c].offset, bytes(from, c), layout_[c].size);
    }
  }
  // Encodes a state with no parent (the initial one).
  void encode(const State &s, Encoded &e) const {
    e.fresh = 0;
    e.bytes.clear();
    for (size_t c = 0; c < layout_.size(); ++c)
      keep(c, bytes(s, c), e);
  }

  // Returns {index, inserted}. `e` comes from encode().
  std::pair<uint32_t, bool> insert(Encoded &e) {
    intern_all<false>(e);
    return insert_interned(e, key_hash(e.index));
  }
  // insert() in two halves, so that a caller inserting several states can
  // prefetch (prefetch_components(), prefetch_state()) the table slots of
  // all of them before it reads any: intern_all<false>() and then
  // insert_interned() with the key's hash.
  std::pair<uint32_t, bool> insert_interned(const Encoded &e, uint64_t h) {
    if (const uint32_t found = find(e.index, h); found != kNone) return {found, false};
    const uint32_t id = append(e.index, h);
    index(id);
    return {id, true};
  }
  void prefetch_components(const Encoded &e) const {
    for (uint32_t f = e.fresh; f; f &= f - 1) {
      const auto c = static_cast<size_t>(__builtin_ctz(f));
      tables_[c]->shards[value_shard(e.hash[c])].index.prefetch(e.hash[c]);
    }
  }
  void prefetch_state(uint64_t h) const { states_[shard(h)].prefetch(h); }
  std::pair<uint32_t, bool> insert(const State &s) {
    Encoded e;
    encode(s, e);
    return insert(e);
  }

  // insert() in steps, for threads: intern_all<true>() (threads may intern
  // at once); key_hash() and find() (threads may look up while nothing is
  // added); then, on one thread, append() new states in the order their
  // numbers must follow, or resize() the store for them and set() each (threads
  // may set different states at once); and index() them (threads may index
  // states of different shard()s at once).
  static constexpr uint32_t kNone = detail::HashIndex::kNone;
  static constexpr size_t kShards = 64;

  // A thread's memo of the component values it interned last, by hash. A
  // value found there, compared in full, skips the shard's lock and index:
  // a batch's successors often share their changed components. Values never
  // move, so reading one while another thread adds others is safe. A memo
  // belongs to one store.
  struct Memo {
    static constexpr size_t kSlots = 1024;
    Memo() {
      for (auto &slots : index)
        slots.fill(kNone);
    }
    std::array<std::array<uint64_t, kSlots>, kMaxComponents> hash{};
    std::array<std::array<uint32_t, kSlots>, kMaxComponents> index;
    const CollapseStore *store = nullptr; // whose indices it holds
  };
  // Interns every fresh component of `e`, setting its index, through the
  // thread's `memo` if given. `Locked`: other threads may intern at the
  // same time.
  template <bool Locked> void intern_all(Encoded &e, Memo *memo = nullptr) {
    if (memo && memo->store != this) { // another store's indices may lie past this one's values
      *memo = Memo();
      memo->store = this;
    }
    for (uint32_t f = e.fresh; f; f &= f - 1) {
      const auto c = static_cast<size_t>(__builtin_ctz(f));
      if (!memo) {
        e.index[c] = intern<Locked>(c, e);
        continue;
      }
      const size_t slot = e.hash[c] & (Memo::kSlots - 1);
      const uint32_t known = memo->index[c][slot];
      if (known != kNone && memo->hash[c][slot] == e.hash[c] &&
          std::memcmp(value(c, known), e.bytes.data() + e.at[c], layout_[c].size) == 0) {
        e.index[c] = known;
        continue;
      }
      e.index[c] = intern<Locked>(c, e);
      memo->hash[c][slot] = e.hash[c];
      memo->index[c][slot] = e.index[c];
    }
  }
  // The index of fresh component c of `e`, its value added if new: the
  // value's shard in the low bits, its place in the shard above them.
  template <bool Locked> uint32_t intern(size_t c, const Encoded &e) {
    const uint64_t h = e.hash[c];
    const uint32_t sh = value_shard(h);
    ValueShard &t = tables_[c]->shards[sh];
    const uint32_t size = layout_[c].size;
    const unsigned char *v = e.bytes.data() + e.at[c];
    std::unique_lock<std::mutex> hold(t.lock, std::defer_lock);
    if constexpr (Locked) hold.lock();
    size_t slot = 0;
    uint32_t i = t.index.find(
        h, [&](uint32_t j) { return std::memcmp(t.values[j], v, size) == 0; }, slot);
    if (i == kNone) {
      // the index must stay below ~0 (none) with the shard in its low bits
      if (t.values.size() >= (size_t{1} << (32 - kValueShardBits)) - 1) throw std::bad_alloc();
      i = static_cast<uint32_t>(t.values.size());
      t.values.push_back(v);
      t.index.add(h, slot, i);
    }
    return i << kValueShardBits | sh;
  }
  uint64_t key_hash(const Key &k) const {
    return XXH3_64bits(k.data(), layout_.size() * sizeof(uint32_t));
  }
  bool same_key(const Key &a, const Key &b) const {
    return std::memcmp(a.data(), b.data(), layout_.size() * sizeof(uint32_t)) == 0;
  }
  // Bits 26-31: not in a slot's tag (HashIndex), nor among the low bits
  // that place an entry in the batch's deduplication table.
  static size_t shard(uint64_t key_hash) { return (key_hash >> 26) & (kShards - 1); }
  static_assert(kShards == 64, "shard() takes six bits");
  // The stored state with the indices `k` (hashed `h`), or kNone.
  uint32_t find(const Key &k, uint64_t h) const {
    size_t slot = 0;
    return states_[shard(h)].find(
        h, [&](uint32_t id) { return same_key(id, k); }, slot);
  }
  bool same_key(uint32_t id, const Key &k) const {
    return std::memcmp(key(id), k.data(), layout_.size() * sizeof(uint32_t)) == 0;
  }
  uint32_t append(const Key &k, uint64_t h) {
    keys_.push_back(k.data());
    key_hashes_.push_back(h);
    return static_cast<uint32_t>(keys_.size() - 1);
  }
  // Makes room for states size()..n-1, to be set() before they are read;
  // n below size() drops the last ones (set but not indexed).
  void resize(size_t n) {
    keys_.resize(n);
    key_hashes_.resize(n);
  }
  void set(uint32_t id, const Key &k, uint64_t h) {
    keys_.set(id, k.data());
    key_hashes_[id] = h;
  }
  void index(uint32_t id) {
    const uint64_t h = key_hashes_[id];
    states_[shard(h)].add(h, id);
  }

  // Rebuilds state `id` into `out`.
  void get(uint32_t id, State &out) const {
    Key held = unknown_key();
    get(id, out, held);
  }
  // The indices of a state not known: get() copies every component.
  static Key unknown_key() {
    Key k;
    k.fill(kNone);
    return k;
  }
  // Rebuilds state `id` into `out`, which holds the state whose component
  // indices are `held` (kNone: unknown): only the components whose index
  // differs are copied, as an index names one value for good. Updates
  // `held`, and returns the components copied (bit per component).
  uint32_t get(uint32_t id, State &out, Key &held) const {
    const uint32_t *k = key(id);
    auto *dst = reinterpret_cast<unsigned char *>(&out);
    uint32_t copied = 0;
    for (size_t c = 0; c < layout_.size(); ++c) {
      if (k[c] == held[c]) continue;
      std::memcpy(dst + layout_[c].offset, value(c, k[c]), layout_[c].size);
      held[c] = k[c];
      copied |= 1u << c;
    }
    return copied;
  }
  State operator[](uint32_t id) const {
    State s;
    get(id, s);
    return s;
  }

  // What the store holds. The state index is counted as if its states were
  // spread evenly over the shards: where a state falls depends on its
  // component indices, which threads interning at once number in the order
  // they come, and a --max-memory bound must stop every run at the same
  // state whatever the threads did.
  size_t bytes() const {
    size_t b = keys_.bytes() + key_hashes_.resident_bytes();
    b += kShards * detail::HashIndex::bytes_for(size() / kShards);
    for (const auto &t : tables_)
      for (const ValueShard &v : t->shards)
        b += v.values.bytes() + v.index.bytes();
    return b;
  }

private:
  struct Component {
    uint32_t offset, size;
  };
  static constexpr uint32_t kValueShardBits = 4;
  struct ValueShard {
    explicit ValueShard(uint32_t size) : values(size, 32 - kValueShardBits) {}
    detail::StableRecords<unsigned char> values;
    detail::HashIndex index;
    std::mutex lock; // intern<true>() only
  };
  struct Table {
    explicit Table(uint32_t size)
        : shards([size]<size_t... I>(std::index_sequence<I...>) {
            return std::array<ValueShard, sizeof...(I)>{((void)I, ValueShard(size))...};
          }(std::make_index_sequence<size_t{1} << kValueShardBits>{})) {}
    std::array<ValueShard, size_t{1} << kValueShardBits> shards;
  };
  // Bits 28-31: not in a slot's tag (HashIndex), nor among the low bits
  // that place a value in a thread's memo.
  static uint32_t value_shard(uint64_t h) {
    return static_cast<uint32_t>(h >> (32 - kValueShardBits)) & ((1u << kValueShardBits) - 1);
  }
  const unsigned char *value(size_t c, uint32_t i) const {
    return tables_[c]->shards[i & ((1u << kValueShardBits) - 1)].values[i >> kValueShardBits];
  }

  const unsigned char *bytes(const State &s, size_t c) const {
    return reinterpret_cast<const unsigned char *>(&s) + layout_[c].offset;
  }
  const uint32_t *key(uint32_t id) const { return keys_[id]; }
  void keep(size_t c, const unsigned char *v, Encoded &e) const {
    e.fresh |= 1u << c;
    e.hash[c] = XXH3_64bits(v, layout_[c].size);
    e.at[c] = static_cast<uint32_t>(e.bytes.size());
    e.bytes.insert(e.bytes.end(), v, v + layout_[c].size);
  }

  std::vector<Component> layout_;
  std::vector<std::unique_ptr<Table>> tables_;
  detail::StableRecords<uint32_t> keys_; // a state's component indices
  MappedVector<uint64_t> key_hashes_;    // of each state's indices
  std::array<detail::HashIndex, kShards> states_;
};

} // namespace pagerace::engine
