// Durations and sizes are written the same way in every flag: a number and
// a unit, or for durations several, largest first (`1h30m`); none is 0.
#include "engine/limits.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using pagerace::engine::format_duration;
using pagerace::engine::parse_bytes;
using pagerace::engine::parse_duration;

TEST(Limits, DurationsTakeOneUnitOrSeveralLargestFirst) {
  EXPECT_EQ(parse_duration("500ms"), 0.5);
  EXPECT_EQ(parse_duration("30s"), 30);
  EXPECT_EQ(parse_duration("1.5m"), 90);
  EXPECT_EQ(parse_duration("2h"), 7200);
  EXPECT_EQ(parse_duration("1h30m"), 5400);
  EXPECT_EQ(parse_duration("2m30s"), 150);
  EXPECT_EQ(parse_duration("1h0m5s250ms"), 3605.25);
  // What format_duration() writes reads back.
  for (double seconds : {0.25, 42.0, 150.0, 5400.0})
    EXPECT_TRUE(parse_duration(format_duration(seconds))) << format_duration(seconds);
}

TEST(Limits, DurationsRefuseWhatIsNotOne) {
  for (const char *bad : {"", "30", "s", "-1s", "0s", "0m0s", "30s1m", "1m1m", "1h30", "1.2.3s",
                          "5 s", "5sec", "1e3s", "ms5",
                          // strtod() would take these letters for hex digits
                          "0xah", "0xfs", "0xams"})
    EXPECT_EQ(parse_duration(bad), std::nullopt) << '"' << bad << '"';
}

TEST(Limits, SizesTakeOneUnit) {
  EXPECT_EQ(parse_bytes("512"), 512u);
  EXPECT_EQ(parse_bytes("4k"), 4096u);
  EXPECT_EQ(parse_bytes("2G"), uint64_t{2} << 30);
  for (const char *bad : {"", "0", "lots", "-1M", "1T"})
    EXPECT_EQ(parse_bytes(bad), std::nullopt) << '"' << bad << '"';
}

} // namespace
