// The scaling family: every listed name loads and has the shape its name
// says; names outside the family are not taken for it.
#include "scenario/builtin.hpp"
#include "scenario/scale.hpp"

#include <gtest/gtest.h>

using namespace pagerace::scenario;

TEST(ScaleFamily, EveryNameLoadsWithItsCpusAndPages) {
  for (const auto &name : scale_scenario_names()) {
    const Scenario sc = load_scenario(name);
    EXPECT_EQ(sc.source, name);
    ASSERT_EQ(sc.files.size(), 2u) << name;
    const int pages = sc.files[0].pages;
    EXPECT_GE(pages, 1) << name;
    EXPECT_LE(pages, 4) << name;
    if (name.size() == 9) { // scale-P-D
      EXPECT_EQ(pages, name[6] - '0') << name;
      EXPECT_EQ(sc.cpus.size(), static_cast<size_t>(name[8] - '0') + 2) << name;
    } else {
      EXPECT_EQ(sc.cpus.size(), 4u) << name;
    }
  }
  EXPECT_EQ(scale_scenario_names().size(), 24u);
}

TEST(ScaleFamily, OtherNamesAreNotPartOfIt) {
  for (const char *name : {"scale-0-1", "scale-5-1", "scale-1-5", "scale-12-1", "scale-1-1x",
                           "scale-store-0", "scale-write-5", "scale-stor-1", "scale-", "scale"})
    EXPECT_FALSE(scale_scenario_text(name)) << name;
}
