// The open-addressing index behind the state and value tables finds every
// entry after many grows, places by tag only, and finds no absent one, also
// when entries share their place and most of their tag.
#include "engine/collapse_store.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using pagerace::engine::detail::HashIndex;

TEST(HashIndex, FindsEveryEntryAfterManyGrowsAndNoAbsentOne) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> hashes(300'000);
  for (uint64_t &h : hashes)
    h = rng();
  // Entries that share their place and their whole tag with another: only
  // the full comparison tells them apart.
  for (size_t i = 1000; i < 2000; ++i)
    hashes[i] = hashes[i - 1000] ^ 1;
  HashIndex index;
  for (uint32_t i = 0; i < hashes.size(); ++i) {
    size_t slot = 0;
    ASSERT_EQ(index.find(
                  hashes[i], [&](uint32_t j) { return hashes[j] == hashes[i]; }, slot),
              HashIndex::kNone);
    index.add(hashes[i], slot, i);
  }
  for (uint32_t i = 0; i < hashes.size(); ++i) {
    size_t slot = 0;
    ASSERT_EQ(index.find(
                  hashes[i], [&](uint32_t j) { return hashes[j] == hashes[i]; }, slot),
              i);
  }
  for (int k = 0; k < 10'000; ++k) {
    const uint64_t h = rng();
    size_t slot = 0;
    EXPECT_EQ(index.find(
                  h, [&](uint32_t j) { return hashes[j] == h; }, slot),
              HashIndex::kNone);
  }
  EXPECT_GE(index.bytes(), HashIndex::bytes_for(hashes.size()));
}

} // namespace
