// A breadth-first search stopped at a bound says how far it covered every
// interleaving: every violation that some interleaving reaches within that
// many steps must be among what it found, on any number of threads.
#include "app/check.hpp"
#include "engine/explorer.hpp"
#include "model/system.hpp"
#include "scenario/builtin.hpp"

#include "run_bfs.hpp"
#include "sanitized.hpp"
#include "toy_system.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
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
    // Bounds 1.5 times apart (sanitized: twice).
    const uint64_t grow = pagerace::testing::kSanitized ? 4 : 3;
    for (uint64_t max_states = 8; max_states < full.states; max_states = max_states * grow / 2) {
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
  // It stopped past the violations' depths: their traces are still minimised
  // (the store is freed for minimise()'s tables).
  ASSERT_EQ(r.found.size(), full.found.size());
  for (const engine::KindFound &f : r.found)
    EXPECT_TRUE(f.canonical) << sys.kind_name(f.kind);
}

// minimise() allocates no more than the room it checks against
// --max-memory, on whole searches and on searches stopped early.
TEST(BoundedBfs, MinimiseStaysWithinTheRoomItChecks) {
  int minimised = 0;
  for (const std::string &name : scenario::builtin_scenario_names()) {
    const auto sc = scenario::load_scenario(name);
    for (const char *variant : {"v4.15", "upstream"}) {
      if (pagerace::testing::kSanitized && std::string(variant) != "v4.15") continue;
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
  EXPECT_GE(minimised, pagerace::testing::plain_or_half(10));
}

// When --max-memory leaves the run no room to minimise its traces, they are
// the BFS tree's paths: of the same kinds and lengths, replaying to their
// violations, and marked as shortest but not canonical. The model's stores
// are larger than minimise()'s tables (which get the store's memory once
// the search ends), so a toy whose every state lies on a shortest path to
// its violation shows it: four counters raised by their own actors, the
// violation on the step that tops them all, or the top a stuck state.
struct Counters {
  std::array<uint8_t, 4> n{};
};
struct CountersToTop : test_util::ToySystem<Counters> {
  static constexpr uint8_t kTop = 8;
  bool stuck_at_top = false;
  std::vector<std::pair<uint32_t, uint32_t>> components() const {
    return {{0, 1}, {1, 1}, {2, 1}, {3, 1}};
  }
  void enabled(const State &s, std::vector<Choice> &out) const {
    out.clear();
    for (uint8_t a = 0; a < 4; ++a)
      if (s.n[a] < kTop) out.push_back({a, 0});
  }
  static bool top(const State &s) {
    return std::all_of(s.n.begin(), s.n.end(), [](uint8_t v) { return v == kTop; });
  }
  Outcome step(State &s, Choice c) const {
    ++s.n[c.actor];
    return {top(s) && !stuck_at_top ? 1u : 0u, {}};
  }
  uint32_t changed_components(const Outcome &) const { return 0xf; }
  bool finished(const State &s) const { return !(stuck_at_top && top(s)); }
  int num_actors() const { return 4; }
};

TEST(BoundedBfs, NoRoomToMinimiseGivesTreePaths) {
  for (const bool stuck : {false, true})
    for (int threads : {1, 2}) {
      CountersToTop sys;
      sys.stuck_at_top = stuck;
      const auto run = [&](size_t bound, std::pair<size_t, size_t> *memory = nullptr) {
        engine::Explorer<CountersToTop> e(sys, engine::Limits{.max_memory = bound});
        e.threads(threads);
        engine::Exploration ex = e.run();
        if (memory) *memory = e.minimise_memory();
        return ex;
      };
      std::pair<size_t, size_t> whole{};
      const engine::Exploration full = run(0, &whole);
      ASSERT_EQ(full.found.size(), 1u);
      ASSERT_TRUE(full.found[0].canonical);
      const size_t need = whole.second;
      ASSERT_GT(need, 0u);
      // The least bound that lets the search finish, within need / 8.
      size_t lo = 1, hi = 2 * full.memory_bytes;
      ASSERT_FALSE(run(hi).bounded);
      while (hi - lo > need / 8) {
        const size_t mid = lo + (hi - lo) / 2;
        (run(mid).bounded ? lo : hi) = mid;
      }
      std::pair<size_t, size_t> memory{};
      const engine::Exploration r = run(hi, &memory);
      ASSERT_FALSE(r.bounded) << r.bound_reason;
      EXPECT_EQ(memory.first, 0u) << "no node tables allocated";
      ASSERT_EQ(r.found.size(), 1u);
      const engine::KindFound &f = r.found[0];
      EXPECT_EQ(f.kind, full.found[0].kind);
      EXPECT_FALSE(f.canonical) << "stuck " << stuck << ", " << threads << " threads";
      EXPECT_TRUE(f.shortest);
      EXPECT_EQ(f.schedule.size(), full.found[0].schedule.size());
      EXPECT_EQ(f.schedule.size(), 4u * CountersToTop::kTop);
      // It reaches the violation (or the stuck top) at its last step.
      Counters st{};
      std::vector<CountersToTop::Choice> choices;
      uint32_t violations = 0;
      for (const engine::Step &step : f.schedule) {
        sys.enabled(st, choices);
        ASSERT_TRUE(std::any_of(choices.begin(), choices.end(),
                                [&](const auto &c) { return c.actor == step.actor; }));
        violations = sys.step(st, {step.actor, step.alt}).violations;
      }
      EXPECT_TRUE(CountersToTop::top(st));
      EXPECT_EQ(violations, stuck ? 0u : 1u);
    }
}
