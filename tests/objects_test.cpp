// The footprint objects must cover State: a byte no object owns could change
// without any step reporting it, and the engine would call dependent steps
// independent.
#include "model/kernel/objects.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

using namespace pagerace::model;

TEST(FootprintObjects, PartitionEveryByteOfStateExceptPadding) {
  std::vector<int> owner(sizeof(State), -1);
  for (int o = 0; o < obj::Count; ++o) {
    const obj::Region &r = obj::region(o);
    ASSERT_GT(r.len[0], 0) << "object " << o << " has no bytes";
    for (int k = 0; k < 2; ++k)
      for (size_t b = r.off[k]; b < size_t{r.off[k]} + r.len[k]; ++b) {
        ASSERT_LT(b, sizeof(State));
        EXPECT_EQ(owner[b], -1) << "byte " << b << " owned by objects " << owner[b] << " and " << o;
        owner[b] = o;
      }
  }
  // The only bytes no object owns are State's explicit padding, always zero.
  std::vector<bool> pad(sizeof(State), false);
  for (size_t b = offsetof(State, pad0_); b < offsetof(State, pad0_) + sizeof(State::pad0_); ++b)
    pad[b] = true;
  for (size_t b = offsetof(State, pad_); b < offsetof(State, pad_) + sizeof(State::pad_); ++b)
    pad[b] = true;
  for (size_t b = 0; b < sizeof(State); ++b) {
    if (!pad[b]) {
      EXPECT_NE(owner[b], -1) << "byte " << b << " of State belongs to no object";
    }
  }
}

TEST(FootprintObjects, ChangedReportsOnlyAccessedObjectsThatDiffer) {
  State a{}, b{};
  b.pages[3].flags = PG_dirty;
  b.disk[7] = 9;
  obj::Set accessed{};
  obj::add(accessed, obj::Page + 3);
  obj::add(accessed, obj::Page + 4);
  obj::add(accessed, obj::Disk + 7);
  const obj::Set w = obj::changed(a, b, accessed);
  EXPECT_TRUE(obj::has(w, obj::Page + 3));
  EXPECT_FALSE(obj::has(w, obj::Page + 4));
  EXPECT_TRUE(obj::has(w, obj::Disk + 7));
  b.vars_set = 1; // the second run of an object
  obj::add(accessed, obj::Vars);
  EXPECT_TRUE(obj::has(obj::changed(a, b, accessed), obj::Vars));
}
