// Minimal counterexamples: whatever the search, the trace reported for a
// kind is its canonical one (fewest steps, then fewest context switches,
// then the smallest schedule), found by the searches themselves and not
// given to them; where the exact stage is capped, local shrinking still
// gives a shorter trace that replays to the violation.
#include "app/check.hpp"
#include "engine/random_walk.hpp"
#include "engine/shrink.hpp"
#include "generated_scenarios.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace pagerace;

namespace {

std::map<std::string, std::pair<std::string, bool>> traces(const trace::Result &r) {
  std::map<std::string, std::pair<std::string, bool>> out;
  for (const auto *list : {&r.violations, &r.liveness})
    for (const auto &v : *list)
      out[v.kind] = {v.trace.schedule, v.canonical};
  return out;
}

app::CheckOptions search(engine::Search s, uint64_t runs = 0, int pct = 0, int jobs = 1) {
  app::CheckOptions o;
  o.search = s;
  o.sampling = engine::Sampling{runs, 7, pct, 0};
  o.jobs = jobs;
  // A bound cuts the depth-first searches short on some generated
  // scenarios; the kinds they found still get their canonical traces.
  if (s != engine::Search::Bfs || runs) o.limits.max_steps = 100'000;
  return o;
}

// Every search reports the BFS's trace for every kind it finds, marked
// canonical, on generated scenarios under every variant, even when a bound
// cut the search itself short.
TEST(Shrink, EverySearchReportsTheCanonicalTrace) {
#ifdef PAGERACE_SANITIZED
  const uint64_t seeds = 10; // ASan and UBSan make it ten times slower
#else
  const uint64_t seeds = 40;
#endif
  int compared = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    const scenario::Scenario sc =
        scenario::parse_scenario(pagerace::testing::random_scenario(seed, 2), "generated.toml");
    for (const model::Variant *v : model::all_variants()) {
      trace::Result bfs;
      try {
        bfs = app::check(sc, *v, search(engine::Search::Bfs));
      } catch (const model::ScenarioRuntimeError &) {
        continue; // a call this variant lacks
      }
      ASSERT_FALSE(bfs.bounded);
      const auto want = traces(bfs);
      for (const auto &[kind, t] : want)
        EXPECT_TRUE(t.second) << kind << ": an exhaustive BFS trace is canonical";
      for (const auto &o :
           {search(engine::Search::DporCache), search(engine::Search::Dfs),
            search(engine::Search::Bfs, 300, 3, 2), search(engine::Search::Bfs, 300, 0, 1)}) {
        const auto got = traces(app::check(sc, *v, o));
        for (const auto &[kind, t] : got) {
          ASSERT_TRUE(want.count(kind)) << kind << " found by a search but not by the BFS";
          EXPECT_EQ(t, want.at(kind)) << "seed " << seed << ", " << v->name << ", " << kind;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, static_cast<int>(seeds) * 2);
}

TEST(Shrink, SeedRaceTracesFromSamplingAreTheBfsOnes) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race1");
  const model::Variant &v = *model::find_variant("v4.15");
  const auto want = traces(app::check(sc, v, search(engine::Search::Bfs)));
  ASSERT_EQ(want.count("dirty-without-buffers"), 1u);
  for (int jobs : {1, 2}) {
    const auto got = traces(app::check(sc, v, search(engine::Search::Bfs, 400, 3, jobs)));
    EXPECT_EQ(got, want) << "-j " << jobs;
  }
}

// A random walk to a violation, for stage 2 alone.
engine::Schedule walk_to(const model::System &sys, int kind, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int attempt = 0; attempt < 100000; ++attempt) {
    model::State s = sys.initial();
    engine::Schedule path;
    std::vector<model::Choice> choices;
    for (sys.enabled(s, choices); !choices.empty(); sys.enabled(s, choices)) {
      const model::Choice c = choices[rng() % choices.size()];
      path.push_back(engine::Step{c.actor, c.alt});
      if (sys.step(s, c).violations & (1u << kind)) return path;
    }
  }
  return {};
}

int kind_index(const model::System &sys, const std::string &name) {
  for (int k = 0; k < sys.num_kinds(); ++k)
    if (sys.kind_name(k) == name) return k;
  return -1;
}

// Stage 2 (no exact BFS): the shrunk trace replays to the violation at its
// last step, is preferred to the walk it came from, and no single step can
// be dropped, nor two neighbours swapped, for a better one.
TEST(Shrink, LocalShrinkingGivesALocallyMinimalTraceThatReplays) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race1");
  const model::System sys(sc, *model::find_variant("v4.15"));
  const int kind = kind_index(sys, "dirty-without-buffers");
  ASSERT_GE(kind, 0);
  engine::ShrinkOptions o;
  o.max_expanded = 0;
  const engine::Shrinker<model::System> shrinker(sys, engine::Limits{}, o);
  const auto replays_to_kind = [&](const engine::Schedule &s) {
    model::State st = sys.initial();
    std::vector<model::Choice> choices;
    for (size_t i = 0; i < s.size(); ++i) {
      sys.enabled(st, choices);
      const model::Choice c{s[i].actor, s[i].alt};
      if (std::find(choices.begin(), choices.end(), c) == choices.end()) return false;
      if (sys.step(st, c).violations & (1u << kind)) return i + 1 == s.size();
    }
    return false;
  };
  for (uint64_t seed : {1, 2, 3}) {
    const engine::Schedule found = walk_to(sys, kind, seed);
    ASSERT_FALSE(found.empty());
    const engine::Schedule shrunk = shrinker.shrink(kind, found);
    EXPECT_TRUE(replays_to_kind(shrunk)) << engine::format_schedule(shrunk);
    EXPECT_TRUE(shrunk == found || engine::preferred(shrunk, found));
    EXPECT_LT(shrunk.size(), found.size()) << "seed " << seed;
    for (size_t i = 0; i < shrunk.size(); ++i) {
      engine::Schedule t = shrunk;
      t.erase(t.begin() + static_cast<std::ptrdiff_t>(i));
      EXPECT_FALSE(replays_to_kind(t)) << "step " << i << " could still be dropped";
    }
  }
}

// A capped exact stage is not claimed canonical, and is the same on any
// number of threads.
TEST(Shrink, CappedSearchIsNotCanonicalAndDoesNotDependOnThreads) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race1");
  const model::System sys(sc, *model::find_variant("v4.15"));
  const int kind = kind_index(sys, "dirty-without-buffers");
  const engine::Schedule found = walk_to(sys, kind, 5);
  std::vector<engine::Schedule> out;
  for (int threads : {1, 2}) {
    engine::Exploration ex;
    ex.found.push_back(engine::KindFound{kind, found, false});
    engine::ShrinkOptions o;
    o.max_expanded = 2000; // the race is deeper than 2000 states reach
    o.threads = threads;
    engine::Shrinker<model::System>(sys, engine::Limits{}, o).run(ex);
    ASSERT_EQ(ex.found.size(), 1u);
    EXPECT_FALSE(ex.found[0].canonical);
    out.push_back(ex.found[0].schedule);
  }
  EXPECT_EQ(out[0], out[1]);
}

} // namespace
