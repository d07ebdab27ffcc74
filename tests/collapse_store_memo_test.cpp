// A thread's memo of the component values it interned last only saves the
// store's lock and index: it gives the indices the store gives, through slot
// collisions, equal hashes of different values, and a change of store.
#include "engine/collapse_store.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {

struct Tiny {
  uint64_t a;
  std::array<uint64_t, 3> b;
};
using Store = pagerace::engine::CollapseStore<Tiny>;
const std::vector<std::pair<uint32_t, uint32_t>> kLayout{{0, 8}, {8, 24}};

Tiny tiny(uint64_t a, uint64_t b) {
  return Tiny{a, {b, b * 3, ~b}};
}

// The component indices of `s`, interned into `store` through `memo` (or none).
Store::Key intern(Store &store, const Tiny &s, Store::Memo *memo) {
  Store::Encoded e;
  store.encode(s, e);
  store.intern_all<false>(e, memo);
  return e.index;
}

TEST(CollapseStoreMemo, GivesTheIndicesTheStoreGives) {
  Store with_memo(kLayout), plain(kLayout);
  Store::Memo memo;
  // 5000 distinct values a component, each met several times: far more
  // than the memo's slots, so that values keep evicting each other.
  for (uint64_t round = 0; round < 3; ++round)
    for (uint64_t v = 0; v < 5000; ++v) {
      const Tiny s = tiny(v * 7919 % 5000, (v + round) % 5000);
      const Store::Key got = intern(with_memo, s, &memo), want = intern(plain, s, nullptr);
      ASSERT_EQ(got[0], want[0]) << "value " << v << ", round " << round;
      ASSERT_EQ(got[1], want[1]) << "value " << v << ", round " << round;
    }
}

TEST(CollapseStoreMemo, TellsApartValuesOfEqualHash) {
  Store store(kLayout);
  Store::Memo memo;
  Store::Encoded x, y;
  store.encode(tiny(1, 5), x);
  store.encode(tiny(2, 5), y);
  y.hash[0] = x.hash[0]; // a collision: the memo's slot and hash both match
  store.intern_all<false>(x, &memo);
  store.intern_all<false>(y, &memo);
  EXPECT_NE(x.index[0], y.index[0]);
  EXPECT_EQ(x.index[1], y.index[1]);
  Store::Encoded again;
  store.encode(tiny(1, 5), again);
  again.hash[0] = x.hash[0];
  store.intern_all<false>(again, &memo); // the memo now holds y's index
  EXPECT_EQ(again.index[0], x.index[0]);
}

TEST(CollapseStoreMemo, ForgetsTheIndicesOfAnotherStore) {
  Store first(kLayout), second(kLayout), plain(kLayout);
  Store::Memo memo;
  for (uint64_t v = 0; v < 100; ++v)
    intern(first, tiny(v, v), &memo);
  // The same values in the other order, in a new store: a memo that kept
  // the first store's indices would read past the new store's values.
  for (uint64_t v = 100; v-- > 0;) {
    const Store::Key got = intern(second, tiny(v, v), &memo),
                     want = intern(plain, tiny(v, v), nullptr);
    ASSERT_EQ(got[0], want[0]) << "value " << v;
    ASSERT_EQ(got[1], want[1]) << "value " << v;
  }
}

} // namespace
