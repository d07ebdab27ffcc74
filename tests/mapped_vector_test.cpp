// MappedVector behaves as the std::vector it replaces for the search's
// arrays: growth keeps the elements, new elements are zero (also where
// earlier ones were dropped), and what it reports holding follows the
// elements it had, not the address space it mapped.
#include "engine/mapped_vector.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using pagerace::engine::MappedVector;

struct Pair {
  uint32_t a = 0;
  uint16_t b = 0;
};

TEST(MappedVector, GrowsPastManyMappingsKeepingEveryElement) {
  MappedVector<Pair> v;
  std::vector<Pair> ref;
  // 3 M elements of 8 bytes: 24 MB, several doublings of the 1 MiB start.
  for (uint32_t i = 0; i < 3'000'000; ++i) {
    const Pair p{i * 7u, static_cast<uint16_t>(i)};
    v.push_back(p);
    ref.push_back(p);
  }
  ASSERT_EQ(v.size(), ref.size());
  for (size_t i = 0; i < ref.size(); i += 997) {
    EXPECT_EQ(v[i].a, ref[i].a);
    EXPECT_EQ(v[i].b, ref[i].b);
  }
  EXPECT_EQ(v.back().a, ref.back().a);
  EXPECT_GE(v.capacity(), v.size());
  EXPECT_EQ(v.resident_bytes(), v.size() * sizeof(Pair));
}

TEST(MappedVector, NewElementsAreZeroAfterGrowthAndAfterAShrink) {
  MappedVector<uint64_t> v;
  v.resize(1000);
  for (uint64_t x : v)
    EXPECT_EQ(x, 0u);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = i + 1;
  v.resize(10); // drops 990 written elements
  EXPECT_EQ(v[9], 10u);
  v.resize(400'000); // beyond the first mapping, over the dropped ones
  size_t nonzero = 0;
  for (size_t i = 10; i < v.size(); ++i)
    nonzero += v[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  for (size_t i = 0; i < 10; ++i)
    EXPECT_EQ(v[i], i + 1);
  v.resize(500'000, 7);
  EXPECT_EQ(v[399'999], 0u);
  EXPECT_EQ(v[400'000], 7u);
  EXPECT_EQ(v[499'999], 7u);
  // It held 500 000 elements at most, whatever it maps.
  v.clear();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.resident_bytes(), 500'000 * sizeof(uint64_t));
}

TEST(MappedVector, MovesOwnTheMapping) {
  MappedVector<uint32_t> a;
  a.resize(5, 3);
  MappedVector<uint32_t> b(std::move(a));
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(b[4], 3u);
  a = std::move(b); // NOLINT(bugprone-use-after-move): moved-from is empty and reusable
  EXPECT_EQ(a.size(), 5u);
  a.push_back(9);
  EXPECT_EQ(a[5], 9u);
}

TEST(MappedVector, AnArgumentFromTheArrayItselfSurvivesAMove) {
  MappedVector<uint64_t> v;
  v.resize(1 << 17, 5); // 1 MiB: full, the next element grows the mapping
  v.back() = 42;
  v.push_back(v.back());
  EXPECT_EQ(v.back(), 42u);
  v.resize(v.capacity()); // full again
  v[0] = 9;
  v.resize(v.size() * 3, v[0]);
  EXPECT_EQ(v.back(), 9u);
}

TEST(MappedVector, PushBackAfterAShrinkAndMoveIntoAFullOne) {
  MappedVector<uint32_t> a;
  a.resize(100, 1);
  a.resize(10);
  a.push_back(2);
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(a[10], 2u);
  a.resize(12);
  EXPECT_EQ(a[11], 0u); // written once, dropped, grown again: zero
  MappedVector<uint32_t> b;
  b.resize(50, 7);
  b = std::move(a);
  EXPECT_EQ(b.size(), 12u);
  EXPECT_EQ(b[10], 2u);
}

} // namespace
