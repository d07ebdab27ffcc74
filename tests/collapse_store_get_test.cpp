// Rebuilding a stored state over the one a buffer holds copies only the
// components whose index differs, and gives the state a full copy gives,
// whatever state the buffer held before.
#include "engine/collapse_store.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

namespace {

struct Triple {
  uint64_t a;
  std::array<uint64_t, 2> b;
  uint32_t c, d;
};
using Store = pagerace::engine::CollapseStore<Triple>;
const std::vector<std::pair<uint32_t, uint32_t>> kLayout{{0, 8}, {8, 16}, {24, 8}};

TEST(CollapseStoreGet, CopiesWhatDiffersFromTheStateHeld) {
  Store store(kLayout);
  std::mt19937_64 rng(7);
  std::vector<Triple> states;
  // Few values a component, so that states share most of them.
  for (int i = 0; i < 1000; ++i) {
    const Triple t{rng() % 7, {rng() % 5, 9}, static_cast<uint32_t>(rng() % 6), 1};
    if (store.insert(t).second) states.push_back(t);
  }
  ASSERT_GT(states.size(), 100u);
  Triple buffer{};
  Store::Key held;
  held.fill(Store::kNone);
  int partial = 0;
  for (int round = 0; round < 2000; ++round) {
    const auto id = static_cast<uint32_t>(rng() % states.size());
    const Store::Key before = held;
    const uint32_t copied = store.get(id, buffer, held);
    ASSERT_EQ(std::memcmp(&buffer, &states[id], sizeof(Triple)), 0) << "state " << id;
    const Triple full = store[id];
    ASSERT_EQ(std::memcmp(&buffer, &full, sizeof(Triple)), 0) << "state " << id;
    for (uint32_t c = 0; c < kLayout.size(); ++c)
      EXPECT_EQ((copied >> c) & 1, before[c] != held[c] ? 1u : 0u) << "component " << c;
    partial += copied != 0 && copied != 0b111;
  }
  EXPECT_GT(partial, 100); // most rebuilds copied some components, not all
}

} // namespace
