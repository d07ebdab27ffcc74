// A breadth-first search stopped at a bound says how far it covered every
// interleaving: every violation that some interleaving reaches within that
// many steps must be among what it found, on any number of threads.
#include "app/check.hpp"
#include "engine/explorer.hpp"
#include "model/system.hpp"
#include "scenario/builtin.hpp"

#include "run_bfs.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace pagerace;

namespace {

engine::Exploration bfs(const model::System &sys, uint64_t max_states, int threads) {
  return test_util::run_bfs(sys, threads, engine::Limits{.max_states = max_states});
}

} // namespace

TEST(BoundedBfs, FindsEveryViolationWithinTheDepthItClaims) {
  int bounds = 0, at_the_edge = 0, beyond = 0, liveness = 0;
  const std::vector<std::pair<const char *, const char *>> cases = {
      {"seed-race1", "v4.15"},
      {"seed-race2", "v4.15"},
      {"pin-longterm-fsync-kswapd", "v4.15"},
      {"aio-dio-shared-mapping", "v4.15-refcount-check"}, // no-reclaim-progress too
      {"aio-dio-shared-mapping", "pin-wait"}};            // writeback-stall
  for (const auto &[name, variant] : cases) {
    const auto sc = scenario::load_scenario(name);
    model::System sys(sc, *model::find_variant(variant));
    const std::string which = fmt::format("{} under {}", name, variant);
    const engine::Exploration full = bfs(sys, 0, 1);
    ASSERT_FALSE(full.bounded) << which;
    EXPECT_FALSE(full.complete_depth) << which << ": only a bounded search claims a depth";
    // The fewest steps that reach each kind: its canonical trace's length.
    std::map<int, engine::Schedule> canonical;
    for (const engine::KindFound &f : full.found)
      canonical[f.kind] = f.schedule;
    ASSERT_FALSE(canonical.empty()) << which;
    for (uint64_t max_states = 8; max_states < full.states; max_states = max_states * 3 / 2) {
      for (int threads : {1, 2}) {
        const engine::Exploration r = bfs(sys, max_states, threads);
        const std::string what =
            fmt::format("{}, --max-states {}, {} threads", which, max_states, threads);
        ASSERT_TRUE(r.bounded) << what;
        ASSERT_TRUE(r.complete_depth) << what;
        ++bounds;
        const uint32_t depth = *r.complete_depth;
        for (const auto &[kind, schedule] : canonical) {
          const auto found =
              std::find_if(r.found.begin(), r.found.end(),
                           [&, k = kind](const engine::KindFound &f) { return f.kind == k; });
          // A stuck state is found when it is expanded: one step less.
          const bool stuck = app::is_liveness_kind(sys.kind_name(kind));
          liveness += stuck;
          const size_t covered = stuck ? depth - 1 : depth;
          if (schedule.size() <= covered) {
            EXPECT_NE(found, r.found.end())
                << what << ": " << sys.kind_name(kind) << " is " << schedule.size()
                << " steps deep, and the search claims " << depth;
          }
          // What a bounded search calls canonical is the whole graph's.
          if (found != r.found.end() && found->canonical) {
            EXPECT_EQ(found->schedule, schedule) << what << ": " << sys.kind_name(kind);
          }
          at_the_edge += schedule.size() == covered;
          beyond += schedule.size() == covered + 1 && found == r.found.end();
        }
      }
    }
  }
  EXPECT_GE(bounds, 40);
  EXPECT_GE(liveness, 1);
  // The claims are tight: some bounds stop right at a kind's depth, and
  // some one step short of a kind they did not find.
  EXPECT_GE(at_the_edge, 1);
  EXPECT_GE(beyond, 1);
}

// A bound met only once every state is expanded does not make the search
// bounded: it is complete.
TEST(BoundedBfs, ASearchThatExpandedEveryStateIsComplete) {
  const auto sc = scenario::load_scenario("seed-race2");
  model::System sys(sc, *model::find_variant("v4.15"));
  const engine::Exploration full = bfs(sys, 0, 1);
  ASSERT_FALSE(full.bounded);
  for (int threads : {1, 2}) {
    const engine::Exploration r =
        test_util::run_bfs(sys, threads, engine::Limits{.max_steps = full.steps});
    EXPECT_FALSE(r.bounded) << threads << " threads: " << r.bound_reason;
    EXPECT_FALSE(r.complete_depth) << threads << " threads";
    EXPECT_EQ(r.states, full.states) << threads << " threads";
  }
}

// --max-memory keeps room for what counting and minimising need once the
// search ends: a bound just above what the whole search holds stops it.
TEST(BoundedBfs, MemoryBoundKeepsRoomToFinish) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  const engine::Exploration full = bfs(sys, 0, 1);
  const engine::Exploration r =
      test_util::run_bfs(sys, 1, engine::Limits{.max_memory = full.memory_bytes + 1});
  EXPECT_TRUE(r.bounded);
  EXPECT_NE(r.bound_reason.find("--max-memory"), std::string::npos) << r.bound_reason;
}

// minimise() allocates no more than the room it checks against
// --max-memory, on whole searches and on searches stopped early.
TEST(BoundedBfs, MinimiseStaysWithinTheRoomItChecks) {
  int minimised = 0;
  for (const std::string &name : scenario::builtin_scenario_names()) {
    const auto sc = scenario::load_scenario(name);
    for (const char *variant : {"v4.15", "upstream"}) {
      model::System sys(sc, *model::find_variant(variant));
      for (const uint64_t max_states : {uint64_t{0}, uint64_t{2000}}) {
        engine::Explorer<model::System> e(sys, engine::Limits{.max_states = max_states});
        e.threads(max_states ? 2 : 1);
        const engine::Exploration ex = e.run();
        const auto [used, need] = e.minimise_memory();
        EXPECT_LE(used, need) << name << " " << variant << " max states " << max_states;
        if (ex.found.empty()) continue;
        EXPECT_GT(used, 0u) << name << " " << variant;
        ++minimised;
      }
    }
  }
  EXPECT_GE(minimised, 10);
}

// When --max-memory leaves the run no room to minimise its traces, they are
// the BFS tree's paths: of the same kinds and lengths, replaying to their
// violations, and marked as not canonical.
TEST(BoundedBfs, NoRoomToMinimiseGivesTreePaths) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  for (int threads : {1, 2}) {
    engine::Explorer<model::System> whole(sys, engine::Limits{});
    whole.threads(threads);
    const engine::Exploration full = whole.run();
    ASSERT_FALSE(full.found.empty());
    const auto [used, need] = whole.minimise_memory();
    ASSERT_GT(need, 0u);
    // Room for the search and the count (a bound just above what the
    // search holds stops it: MemoryBoundKeepsRoomToFinish), not for minimise().
    // The least bound that lets the search finish, within need / 4.
    const auto finishes = [&](size_t bound) {
      return !test_util::run_bfs(sys, threads, engine::Limits{.max_memory = bound}).bounded;
    };
    size_t lo = full.memory_bytes, hi = 2 * full.memory_bytes;
    ASSERT_FALSE(finishes(lo));
    ASSERT_TRUE(finishes(hi));
    while (hi - lo > need / 4) {
      const size_t mid = lo + (hi - lo) / 2;
      (finishes(mid) ? hi : lo) = mid;
    }
    engine::Limits limits{.max_memory = hi + need / 4};
    engine::Explorer<model::System> e(sys, limits);
    e.threads(threads);
    const engine::Exploration r = e.run();
    ASSERT_FALSE(r.bounded) << r.bound_reason;
    ASSERT_EQ(r.found.size(), full.found.size());
    for (size_t i = 0; i < r.found.size(); ++i) {
      const engine::KindFound &f = r.found[i];
      EXPECT_EQ(f.kind, full.found[i].kind);
      EXPECT_FALSE(f.canonical);
      EXPECT_TRUE(full.found[i].canonical);
      EXPECT_EQ(f.schedule.size(), full.found[i].schedule.size());
      // It reaches its violation at its last step.
      model::State st = sys.initial();
      std::vector<model::Choice> choices;
      uint32_t violations = 0;
      for (const engine::Step &step : f.schedule) {
        sys.enabled(st, choices);
        const model::Choice c{step.actor, step.alt};
        ASSERT_NE(std::find(choices.begin(), choices.end(), c), choices.end());
        violations = sys.step(st, c).violations;
      }
      EXPECT_TRUE(violations & (1u << f.kind)) << sys.kind_name(f.kind);
    }
  }
}
