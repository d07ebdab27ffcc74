// Threads change how fast a search runs, never what it reports: the BFS on
// several threads builds the same state graph (same numbering, same edges)
// and so prints the same canonical traces; sampling on several threads
// keeps the same traces. And the collapsed store is exact.
#include "engine/collapse_store.hpp"
#include "engine/explorer.hpp"
#include "engine/random_walk.hpp"
#include "generated_scenarios.hpp"
#include "model/system.hpp"
#include "sanitized.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace pagerace;

namespace {

struct BfsRun {
  engine::Exploration ex;
  std::vector<uint64_t> outcomes;
  uint64_t graph = 0; // graph_digest()
};

BfsRun bfs(const model::System &sys, int threads, uint64_t max_states = 0) {
  engine::Limits limits;
  limits.max_states = max_states;
  engine::Explorer<model::System> e(sys, limits);
  e.threads(threads);
  e.collect_outcomes(true);
  BfsRun r{e.run(), {}};
  r.outcomes = e.outcomes();
  r.graph = e.graph_digest();
  return r;
}

void expect_same_report(const BfsRun &one, const BfsRun &many, const std::string &what) {
  EXPECT_EQ(one.ex.bounded, many.ex.bounded) << what;
  EXPECT_EQ(one.ex.states, many.ex.states) << what;
  EXPECT_EQ(one.ex.steps, many.ex.steps) << what;
  EXPECT_EQ(one.ex.executions, many.ex.executions) << what;
  EXPECT_EQ(one.ex.reached, many.ex.reached) << what;
  EXPECT_EQ(one.outcomes, many.outcomes) << what;
  EXPECT_EQ(one.graph, many.graph) << what << ": the states' numbers, parents and edges";
  ASSERT_EQ(one.ex.found.size(), many.ex.found.size()) << what;
  for (size_t i = 0; i < one.ex.found.size(); ++i) {
    EXPECT_EQ(one.ex.found[i].kind, many.ex.found[i].kind) << what;
    EXPECT_EQ(one.ex.found[i].schedule, many.ex.found[i].schedule)
        << what << ": the trace must not depend on the threads";
  }
}

} // namespace

TEST(ParallelBfs, BuiltinsGiveTheSameGraphAndTracesOnAnyThreadCount) {
  int violating = 0;
  for (const auto &name : scenario::builtin_scenario_names()) {
    const auto sc = scenario::load_scenario(name);
    // Sanitized: v4.15 only, which has the traces (violating below).
    for (const char *variant : {"v4.15", "upstream"}) {
      if (pagerace::testing::kSanitized && std::string(variant) != "v4.15") continue;
      model::System sys(sc, *model::find_variant(variant));
      const BfsRun one = bfs(sys, 1), three = bfs(sys, 3);
      expect_same_report(one, three, name + " under " + variant);
      violating += !one.ex.found.empty();
    }
  }
  EXPECT_GE(violating, 4) << "the comparison must cover traces, not only clean runs";
}

TEST(ParallelBfs, GeneratedScenariosGiveTheSameGraphAndTraces) {
  int compared = 0;
  for (uint64_t seed = 200; seed < uint64_t(200 + pagerace::testing::plain_or_half(30)); ++seed) {
    const auto sc =
        scenario::parse_scenario(pagerace::testing::random_scenario(seed, 3), "generated");
    const auto &variants = model::all_variants();
    model::System sys(sc, *variants[seed % variants.size()]);
    const BfsRun one = bfs(sys, 1, 200000);
    if (one.ex.bounded) continue;
    expect_same_report(one, bfs(sys, 2), fmt::format("seed {}", seed));
    expect_same_report(one, bfs(sys, 4), fmt::format("seed {}", seed));
    ++compared;
  }
  EXPECT_GE(compared, pagerace::testing::plain_or_half(15));
}

// A bounded run on several threads stops at the bound too, and says so.
TEST(ParallelBfs, StopsAtItsBound) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  const BfsRun r = bfs(sys, 2, 1000);
  EXPECT_TRUE(r.ex.bounded);
  EXPECT_NE(r.ex.bound_reason.find("--max-states"), std::string::npos) << r.ex.bound_reason;
  EXPECT_LT(r.ex.states, 73464u) << "seed-race1 has 73464 states in all";
}

TEST(ParallelSampling, SameFindingsOnAnyThreadCount) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  auto sample = [&](int threads) {
    engine::RandomExplorer<model::System> e(sys, engine::Sampling{200, 3, 3, 0}, {});
    e.threads(threads);
    return e.run();
  };
  const engine::Exploration one = sample(1), four = sample(4);
  EXPECT_EQ(one.executions, 200u);
  EXPECT_EQ(four.executions, 200u);
  EXPECT_EQ(one.steps, four.steps);
  EXPECT_EQ(one.reached, four.reached);
  ASSERT_FALSE(one.found.empty());
  ASSERT_EQ(one.found.size(), four.found.size());
  for (size_t i = 0; i < one.found.size(); ++i) {
    EXPECT_EQ(one.found[i].kind, four.found[i].kind);
    EXPECT_EQ(one.found[i].schedule, four.found[i].schedule);
  }
}

// The collapsed store tells apart states that differ in one byte of any
// component, finds each again, and rebuilds it exactly.
TEST(CollapseStore, ExactOnEveryComponent) {
  const auto sc = scenario::load_scenario("seed-race1");
  model::System sys(sc, *model::find_variant("v4.15"));
  const auto layout = sys.components();
  engine::CollapseStore<model::State> store(layout);
  const model::State root = sys.initial();
  ASSERT_EQ(store.insert(root), std::make_pair(0u, true));
  std::vector<model::State> kept{root};
  for (const auto &[offset, size] : layout) {
    for (uint32_t at : {offset, offset + size - 1}) {
      model::State s = root;
      reinterpret_cast<unsigned char *>(&s)[at] ^= 0x5a;
      engine::CollapseStore<model::State>::Encoded e;
      store.encode(s, root, 0, e);
      EXPECT_EQ(__builtin_popcount(e.fresh), 1) << "one component changed at byte " << at;
      const auto [id, inserted] = store.insert(e);
      EXPECT_TRUE(inserted) << "byte " << at;
      EXPECT_EQ(id, kept.size());
      kept.push_back(s);
    }
  }
  for (uint32_t id = 0; id < kept.size(); ++id) {
    model::State back;
    store.get(id, back);
    EXPECT_EQ(std::memcmp(&back, &kept[id], sizeof back), 0) << "state " << id;
    EXPECT_EQ(store.insert(kept[id]), std::make_pair(id, false)) << "state " << id;
  }
  EXPECT_EQ(store.size(), kept.size());
  // States that differ in one component share the others.
  for (int64_t v = 1; v <= 20000; ++v) {
    model::State s = root;
    std::memcpy(reinterpret_cast<unsigned char *>(&s) + layout[0].first, &v, sizeof v);
    store.insert(s);
  }
  EXPECT_LT(store.bytes() / store.size(), sizeof(model::State) / 4)
      << "a stored state costs far less than a copy";
}

TEST(CollapseStore, RefusesALayoutThatDoesNotCoverTheState) {
  using Store = engine::CollapseStore<model::State>;
  const uint32_t n = sizeof(model::State);
  EXPECT_THROW(Store({{0, n - 1}}), std::logic_error);
  EXPECT_THROW(Store({{0, 8}, {16, n - 16}}), std::logic_error);
  EXPECT_NO_THROW(Store({{0, 8}, {8, n - 8}}));
}
