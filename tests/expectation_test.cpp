// Judging a result against the scenario's [expect], [expect.liveness] and
// [expect.reaches] (app::judge_expectation), on results built by hand so that
// liveness findings can be judged before the model reports any of its own.
#include "app/check.hpp"
#include "scenario/parser.hpp"
#include "trace/trace.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace pagerace;

const char *const kScenario = R"toml(name = "judge"
[[cpu]]
run = ["sync()"]
[expect]
v4.15 = ["write-to-clean-page", "dirty-without-buffers"]
pin-wait = "clean"
[expect.liveness]
pin-wait = ["writeback-stall"]
[expect.reaches]
v4.15 = ["sys_sync"]
)toml";

trace::Violation found(const std::string &kind) {
  trace::Violation v;
  v.kind = kind;
  return v;
}

trace::Result result(const std::string &variant, std::vector<std::string> safety,
                     std::vector<std::string> liveness) {
  trace::Result r;
  r.variant = variant;
  for (const auto &k : safety)
    r.violations.push_back(found(k));
  for (const auto &k : liveness)
    r.liveness.push_back(found(k));
  r.reached = {"sys_sync"};
  return r;
}

class Judge : public ::testing::Test {
protected:
  scenario::Scenario sc_ = scenario::parse_scenario(kScenario, "judge.toml");
};

TEST_F(Judge, SafetyKindsInAnyOrderMatch) {
  auto r = result("v4.15", {"dirty-without-buffers", "write-to-clean-page"}, {});
  app::judge_expectation(sc_, r);
  EXPECT_TRUE(r.expectation.checked);
  EXPECT_TRUE(r.expectation.kinds_checked);
  EXPECT_TRUE(r.expectation.kinds_match);
  EXPECT_TRUE(r.expectation.met());
  r = result("v4.15", {"write-to-clean-page"}, {});
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.kinds_match);
  EXPECT_FALSE(r.expectation.met());
}

// No [expect.liveness] entry for v4.15: a deadlock is reported, not judged.
TEST_F(Judge, LivenessWithoutExpectLivenessIsNotJudged) {
  auto r = result("v4.15", {"dirty-without-buffers", "write-to-clean-page"}, {"deadlock"});
  app::judge_expectation(sc_, r);
  EXPECT_TRUE(r.expectation.checked);
  EXPECT_FALSE(r.expectation.liveness_checked);
  EXPECT_TRUE(r.expectation.liveness_match);
  EXPECT_TRUE(r.expectation.met());
}

TEST_F(Judge, LivenessIsComparedWhenExpectLivenessNamesTheVariant) {
  auto r = result("pin-wait", {}, {"writeback-stall"});
  app::judge_expectation(sc_, r);
  EXPECT_TRUE(r.expectation.liveness_checked);
  EXPECT_EQ(r.expectation.expected_liveness, std::vector<std::string>{"writeback-stall"});
  EXPECT_TRUE(r.expectation.met());

  r = result("pin-wait", {}, {});
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.liveness_match) << "an expected stall that is missing";
  EXPECT_TRUE(r.expectation.kinds_match);
  EXPECT_FALSE(r.expectation.met());

  r = result("pin-wait", {}, {"writeback-stall", "deadlock"});
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.liveness_match) << "an extra deadlock";
  EXPECT_FALSE(r.expectation.met());

  // A liveness finding never satisfies or breaks the safety set.
  r = result("pin-wait", {"lost-write"}, {"writeback-stall"});
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.kinds_match);
  EXPECT_TRUE(r.expectation.liveness_match);
}

TEST_F(Judge, UnreachedEventsBreakTheExpectation) {
  auto r = result("v4.15", {"dirty-without-buffers", "write-to-clean-page"}, {});
  r.reached.clear();
  app::judge_expectation(sc_, r);
  EXPECT_EQ(r.expectation.unreached, std::vector<std::string>{"sys_sync"});
  EXPECT_FALSE(r.expectation.met());
}

TEST_F(Judge, VariantWithoutAnyEntryIsNotChecked) {
  auto r = result("v6.1", {"lost-write"}, {"deadlock"});
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.checked);
}

TEST_F(Judge, BoundedResultIsNotJudged) {
  auto r = result("pin-wait", {"lost-write"}, {});
  r.bounded = true;
  app::judge_expectation(sc_, r);
  EXPECT_FALSE(r.expectation.checked);
}

TEST(LivenessKinds, ModelCategories) {
  EXPECT_TRUE(app::is_liveness_kind("deadlock"));
  EXPECT_TRUE(app::is_liveness_kind("writeback-stall"));
  EXPECT_TRUE(app::is_liveness_kind("no-reclaim-progress"));
  EXPECT_FALSE(app::is_liveness_kind("write-to-clean-page"));
  EXPECT_FALSE(app::is_liveness_kind("nonsense"));
}

} // namespace
