// Micro-benchmarks of the explorer's hot paths: hashing a state, storing a
// successor, one model step (bare and with its footprint), the enabled set,
// source-DPOR's race detection and backtrack sets for one step, and whole
// depth-first searches of a small scenario (plain, and DPOR with
// its race detection and backtrack sets).
#include "engine/collapse_store.hpp"
#include "engine/dfs.hpp"
#include "engine/races.hpp"
#include "model/system.hpp"
#include "scenario/builtin.hpp"

#include <benchmark/benchmark.h>

using namespace pagerace;

namespace {

struct Fixture {
  scenario::Scenario sc;
  model::System sys{sc, *model::find_variant("v4.15")};
  // States along one execution (the enabled choices taken in rotation).
  std::vector<std::pair<model::State, model::Choice>> path;
  explicit Fixture(const char *name = "seed-race1") : sc(scenario::load_scenario(name)) {
    model::State s = sys.initial();
    std::vector<model::Choice> en;
    for (sys.enabled(s, en); !en.empty(); sys.enabled(s, en)) {
      const model::Choice c = en[path.size() % en.size()];
      path.emplace_back(s, c);
      sys.step(s, c);
    }
  }
};

Fixture &fixture() {
  static Fixture f;
  return f;
}
// A longer execution, of more processes: the largest scale scenario that
// `bfs` finishes (docs/PERFORMANCE.md).
Fixture &scale_fixture() {
  static Fixture f("scale-2-1");
  return f;
}

void BM_StateHash(benchmark::State &st) {
  const model::State &s = fixture().path.front().first;
  for (auto _ : st)
    benchmark::DoNotOptimize(engine::CollapseStore<model::State>::hash(s));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * sizeof(model::State)));
}
BENCHMARK(BM_StateHash);

void BM_StateFingerprint(benchmark::State &st) {
  const model::State &s = fixture().path.front().first;
  for (auto _ : st)
    benchmark::DoNotOptimize(engine::FingerprintStore<model::State>::fingerprint(s));
}
BENCHMARK(BM_StateFingerprint);

// Storing a successor as the BFS does: encoded against its parent (only the
// components the step accessed are compared, the changed ones hashed), then
// inserted (found or added).
void BM_CollapseEncodeInsert(benchmark::State &st) {
  Fixture &f = fixture();
  engine::CollapseStore<model::State> store(f.sys.components());
  std::vector<uint32_t> ids;
  for (const auto &step : f.path)
    ids.push_back(store.insert(step.first).first);
  engine::CollapseStore<model::State>::Encoded e;
  model::State next;
  size_t i = 0;
  for (auto _ : st) {
    const size_t k = i++ % f.path.size();
    const auto &[s, c] = f.path[k];
    next = s;
    const uint32_t changed = f.sys.changed_components(f.sys.step(next, c));
    store.encode(next, s, ids[k], e, changed);
    benchmark::DoNotOptimize(store.insert(e));
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}
BENCHMARK(BM_CollapseEncodeInsert);

// One model step on a copy of the state, as the plain DFS takes it.
void BM_Step(benchmark::State &st) {
  Fixture &f = fixture();
  model::State next;
  size_t i = 0;
  for (auto _ : st) {
    const auto &[s, c] = f.path[i++ % f.path.size()];
    next = s;
    benchmark::DoNotOptimize(f.sys.step(next, c));
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}
BENCHMARK(BM_Step);

// One model step with its footprint (access set and the diff for writes).
void BM_StepWithFootprint(benchmark::State &st) {
  Fixture &f = fixture();
  model::State next;
  size_t i = 0;
  for (auto _ : st) {
    const auto &[s, c] = f.path[i++ % f.path.size()];
    benchmark::DoNotOptimize(f.sys.step_from(s, next, c));
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}
BENCHMARK(BM_StepWithFootprint);

void BM_Enabled(benchmark::State &st) {
  Fixture &f = fixture();
  std::vector<model::Choice> en;
  size_t i = 0;
  for (auto _ : st) {
    f.sys.enabled(f.path[i++ % f.path.size()].first, en);
    benchmark::DoNotOptimize(en.data());
  }
}
BENCHMARK(BM_Enabled);

// Source-DPOR's race detection for one step, as the depth-first searches
// run it after every step they take (dfs.hpp): the steps before it that it
// happens after, the ones it races with, and, for each race, the initials
// that the backtrack set at the earlier step is offered. The execution is
// the fixture's, with each step's footprint; the step is each of its steps
// in turn, so that the mean is over depths 0 to the end. Argument: 0 the
// fixture's execution of seed-race1, 1 one of scale-2-1.
void BM_RaceDetection(benchmark::State &st) {
  struct Run {
    std::vector<model::Choice> processes;
    std::vector<engine::Footprint> footprints;
    std::vector<engine::StepSet> pasts;
    model::Choice process(size_t i) const { return processes[i]; }
    const engine::Footprint &footprint(size_t i) const { return footprints[i]; }
    const engine::StepSet &past(size_t i) const { return pasts[i]; }
  };
  Fixture &f = st.range(0) ? scale_fixture() : fixture();
  Run run;
  model::State next;
  std::vector<size_t> races;
  for (const auto &[s, c] : f.path) {
    const auto out = f.sys.step_from(s, next, c);
    run.processes.push_back(c);
    run.footprints.push_back(engine::Footprint{out.access, out.write});
    races.clear();
    run.pasts.push_back(engine::past_of(run, c, run.footprints.back(), run.pasts.size(), races));
  }
  std::vector<model::Choice> initials;
  size_t i = 0, found = 0;
  for (auto _ : st) {
    const size_t d = i++ % f.path.size();
    races.clear();
    const engine::StepSet past =
        engine::past_of(run, run.processes[d], run.footprints[d], d, races);
    for (const size_t r : races) {
      engine::initials(run, r, d, run.processes[d], past, initials);
      found += initials.size();
    }
    benchmark::DoNotOptimize(found);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
  st.counters["steps"] = static_cast<double>(f.path.size());
  st.counters["initials"] =
      benchmark::Counter(static_cast<double>(found), benchmark::Counter::kAvgIterations);
  st.SetLabel(f.sc.name);
}
BENCHMARK(BM_RaceDetection)->Arg(0)->Arg(1);

// A whole search of seed-race2: plain DFS (the model's steps and the
// stack), and DPOR with and without caching (every step's race detection
// and backtrack-set update besides).
void BM_DporSearch(benchmark::State &st) {
  const auto sc = scenario::load_scenario("seed-race2");
  model::System sys(sc, *model::find_variant("v4.15"));
  const auto mode = static_cast<engine::Search>(st.range(0));
  uint64_t steps = 0;
  for (auto _ : st) {
    engine::DfsExplorer<model::System> e(sys, mode, engine::Limits{});
    steps += e.run().steps;
  }
  st.SetItemsProcessed(static_cast<int64_t>(steps));
  st.SetLabel(engine::search_name(mode));
}
BENCHMARK(BM_DporSearch)
    ->Arg(static_cast<int>(engine::Search::Dfs))
    ->Arg(static_cast<int>(engine::Search::Dpor))
    ->Arg(static_cast<int>(engine::Search::DporCache))
    ->Unit(benchmark::kMillisecond);

} // namespace
