// The reduced searches must see what the full ones see: the same violation
// kinds, the same terminal states and the same functions entered, on
// generated scenarios and on the built-ins, under every kernel variant.
#include "engine/dfs.hpp"
#include "engine/explorer.hpp"
#include "engine/random_walk.hpp"
#include "generated_scenarios.hpp"
#include "model/system.hpp"
#include "sanitized.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

using namespace pagerace;
using engine::Search;

namespace {

struct Seen {
  bool bounded = false;
  std::set<int> kinds;
  std::vector<uint64_t> outcomes;
  std::array<uint64_t, 4> reached{};
  uint64_t executions = 0, states = 0;
};

Seen explore(const model::System &sys, Search mode, uint64_t max_steps) {
  engine::Limits limits;
  limits.max_steps = max_steps;
  Seen s;
  engine::Exploration ex;
  if (mode == Search::Bfs) {
    engine::Explorer<model::System> e(sys, limits);
    e.collect_outcomes(true);
    ex = e.run();
    s.outcomes = e.outcomes();
  } else {
    engine::DfsExplorer<model::System> e(sys, mode, limits);
    e.collect_outcomes(true);
    ex = e.run();
    s.outcomes = e.outcomes();
  }
  s.bounded = ex.bounded;
  for (const auto &f : ex.found)
    s.kinds.insert(f.kind);
  s.reached = ex.reached;
  s.executions = ex.executions;
  s.states = ex.states;
  return s;
}

void expect_same(const Seen &full, const Seen &reduced, const std::string &what) {
  EXPECT_EQ(full.kinds, reduced.kinds) << what << ": violation kinds differ";
  EXPECT_EQ(full.outcomes, reduced.outcomes) << what << ": terminal states differ";
  EXPECT_EQ(full.reached, reduced.reached) << what << ": functions entered differ";
}

const model::Variant &variant_for(uint64_t seed) {
  const auto &all = model::all_variants();
  return *all[seed % all.size()];
}

} // namespace

// Plain DFS is the reference: every interleaving, nothing pruned. Only small
// scenarios finish under it; the rest are compared with BFS (every state
// stored, nothing reduced), which sees the same kinds, outcomes and functions.
TEST(SearchEquivalence, DporMatchesPlainDfsOnGeneratedScenarios) {
  int against_dfs = 0, against_bfs = 0, violating = 0, dpor_compared = 0;
  using pagerace::testing::plain_or_half;
  for (uint64_t seed = 1; seed <= uint64_t(plain_or_half(200)); ++seed) {
    const auto sc =
        scenario::parse_scenario(pagerace::testing::random_scenario(seed, 2), "generated");
    const model::Variant &v = variant_for(seed);
    model::System sys(sc, v);
    const std::string what = fmt::format("seed {} under {}", seed, v.name);
    Seen full = explore(sys, Search::Dfs, 150000);
    if (!full.bounded) {
      ++against_dfs;
    } else {
      full = explore(sys, Search::Bfs, 200000);
      if (full.bounded) continue;
      ++against_bfs;
    }
    const Seen dpor = explore(sys, Search::Dpor, 300000);
    if (!dpor.bounded) {
      expect_same(full, dpor, what + " (dpor)");
      ++dpor_compared;
    }
    expect_same(full, explore(sys, Search::DporCache, 0), what + " (dpor-cache)");
    violating += !full.kinds.empty();
  }
  EXPECT_GE(against_dfs, plain_or_half(60))
      << "too few generated scenarios were small enough for plain DFS";
  EXPECT_GE(against_bfs, plain_or_half(60));
  EXPECT_GE(dpor_compared, plain_or_half(90));
  EXPECT_GE(violating, plain_or_half(15)) << "the generated scenarios should include racy ones";
  std::printf("compared: %d with plain DFS, %d with BFS; stateless DPOR finished %d; %d racy\n",
              against_dfs, against_bfs, dpor_compared, violating);
}

// Three CPUs: BFS is the reference for DPOR with state caching.
TEST(SearchEquivalence, DporWithCachingMatchesBfsOnGeneratedScenarios) {
  int compared = 0;
  for (uint64_t seed = 100; seed < uint64_t(100 + pagerace::testing::plain_or_half(40)); ++seed) {
    const auto sc =
        scenario::parse_scenario(pagerace::testing::random_scenario(seed, 3), "generated");
    const model::Variant &v = variant_for(seed);
    model::System sys(sc, v);
    const Seen bfs = explore(sys, Search::Bfs, 400000);
    if (bfs.bounded) continue;
    const std::string what = fmt::format("seed {} under {}", seed, v.name);
    const Seen cached = explore(sys, Search::DporCache, 0);
    expect_same(bfs, cached, what);
    EXPECT_LE(cached.states, bfs.states) << what;
    ++compared;
  }
  EXPECT_GE(compared, pagerace::testing::plain_or_half(25));
  std::printf("compared with BFS: %d\n", compared);
}

// With and without caching on the built-ins, under every variant.
class BuiltinSearches : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltinSearches, CachingKeepsKindsOutcomesAndReachedFunctions) {
  const auto sc = scenario::load_scenario(GetParam());
  // The variants that differ most; every variant's kinds and functions are
  // checked against the scenario's expectations by scenarios_test.
  for (const char *name : {"v4.15", "upstream"}) {
    const model::Variant *v = model::find_variant(name);
    model::System sys(sc, *v);
    const Seen bfs = explore(sys, Search::Bfs, 0);
    const Seen cached = explore(sys, Search::DporCache, 0);
    expect_same(bfs, cached, GetParam() + " under " + v->name);
  }
}

std::string builtin_test_name(const ::testing::TestParamInfo<std::string> &p) {
  std::string n = p.param;
  for (char &c : n)
    if (c == '-') c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Builtins, BuiltinSearches,
                         ::testing::ValuesIn(scenario::builtin_scenario_names()),
                         builtin_test_name);

// Out of memory for full states, DPOR with caching keeps fingerprints and
// finishes: same kinds and terminal states, and it says so.
TEST(SearchEquivalence, HashCompactionKeepsTheVerdict) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  const Seen full = explore(sys, Search::Bfs, 0);
  // A tenth less than the search holds in the end: full states no longer
  // fit, fingerprints (16 bytes, not a collapsed state's ~200) do.
  engine::DfsExplorer<model::System> probe(sys, Search::DporCache, {});
  const size_t need = probe.run().memory_bytes;
  engine::Limits limits;
  limits.max_memory = need - need / 10;
  engine::DfsExplorer<model::System> e(sys, Search::DporCache, limits);
  e.collect_outcomes(true);
  const engine::Exploration ex = e.run();
  EXPECT_FALSE(ex.bounded) << ex.bound_reason;
  EXPECT_GT(ex.fingerprints_from, 0u) << need << " bytes needed, bound " << limits.max_memory;
  EXPECT_GT(ex.omission_probability(), 0.0);
  EXPECT_LT(ex.omission_probability(), 1e-20);
  std::set<int> kinds;
  for (const auto &f : ex.found)
    kinds.insert(f.kind);
  EXPECT_EQ(kinds, full.kinds);
  EXPECT_EQ(e.outcomes(), full.outcomes);
}

// Sampling: PCT finds the seed's race 1 within a few hundred runs, the same
// seed gives the same traces, and the verdict is always bounded.
TEST(Sampling, PctFindsRaceOneAndIsDeterministicInItsSeed) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  auto sample = [&](uint64_t seed) {
    engine::RandomExplorer<model::System> e(sys, engine::Sampling{300, seed, 3, 0}, {});
    return e.run();
  };
  const engine::Exploration a = sample(7), b = sample(7);
  EXPECT_TRUE(a.bounded);
  EXPECT_EQ(a.executions, 300u);
  ASSERT_FALSE(a.found.empty()) << "PCT should hit race 1 in 300 runs";
  ASSERT_EQ(a.found.size(), b.found.size());
  for (size_t i = 0; i < a.found.size(); ++i) {
    EXPECT_EQ(a.found[i].kind, b.found[i].kind);
    EXPECT_EQ(a.found[i].schedule, b.found[i].schedule) << "same seed, same trace";
  }
}

// Preemption bounding: what it finds is real (a subset of the full search's
// kinds), a larger bound explores more, and a cut search says it is bounded.
TEST(PreemptionBound, MoreBudgetExploresMoreAndFindsOnlyRealKinds) {
  const auto sc = scenario::load_scenario("seed-race2");
  model::System sys(sc, *model::find_variant("v4.15"));
  const Seen full = explore(sys, Search::Bfs, 0);
  uint64_t previous = 0;
  for (int k : {0, 1, 2}) {
    engine::DfsExplorer<model::System> e(sys, Search::Dfs, {});
    e.preemption_bound(k);
    const engine::Exploration ex = e.run();
    EXPECT_TRUE(ex.bounded) << k;
    EXPECT_NE(ex.bound_reason.find("--preemptions"), std::string::npos) << ex.bound_reason;
    EXPECT_GT(ex.executions, previous) << k;
    previous = ex.executions;
    for (const auto &f : ex.found)
      EXPECT_TRUE(full.kinds.count(f.kind)) << "kind " << f.kind << " at bound " << k;
  }
}
