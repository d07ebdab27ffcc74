// The scenario layer's list of violation kinds (scenario/kinds.hpp) is a copy
// of the model's invariant registry: the same kinds, in the same order, with
// the same category. A new invariant that is not added to the list could not
// be named in [expect] or [expect.liveness].
#include "model/invariants/invariant.hpp"
#include "scenario/kinds.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace pagerace;

TEST(Kinds, ScenarioListsMatchTheInvariantRegistry) {
  std::vector<std::string> safety, liveness;
  for (const model::Invariant *inv : model::all_invariants())
    (inv->category == model::Category::Liveness ? liveness : safety).push_back(inv->kind);
  EXPECT_EQ(scenario::safety_kinds(), safety);
  EXPECT_EQ(scenario::liveness_kinds(), liveness);
}

TEST(Kinds, DeadlockAndTheNewLivenessKindsAreLiveness) {
  for (const char *kind : {"deadlock", "writeback-stall", "no-reclaim-progress"}) {
    const model::Invariant *inv = model::find_invariant(kind);
    ASSERT_NE(inv, nullptr) << kind;
    EXPECT_EQ(inv->category, model::Category::Liveness) << kind;
    EXPECT_TRUE(scenario::is_liveness_kind(kind)) << kind;
    EXPECT_FALSE(scenario::is_safety_kind(kind)) << kind;
  }
  for (const char *kind : {"dirty-without-buffers", "write-to-clean-page", "lost-write"}) {
    const model::Invariant *inv = model::find_invariant(kind);
    ASSERT_NE(inv, nullptr) << kind;
    EXPECT_EQ(inv->category, model::Category::Safety) << kind;
    EXPECT_TRUE(scenario::is_safety_kind(kind)) << kind;
  }
  EXPECT_EQ(model::find_invariant("no-such-kind"), nullptr);
  EXPECT_FALSE(scenario::is_liveness_kind("no-such-kind"));
}

} // namespace
