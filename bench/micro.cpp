// Micro-benchmarks of the explorer's hot paths: hashing a state, storing a
// successor, one model step (bare and with its footprint), the enabled set,
// and whole depth-first searches of a small scenario (plain, and DPOR with
// its race detection and backtrack sets).
#include "engine/collapse_store.hpp"
#include "engine/dfs.hpp"
#include "model/system.hpp"
#include "scenario/builtin.hpp"

#include <benchmark/benchmark.h>

using namespace pagerace;

namespace {

struct Fixture {
  scenario::Scenario sc = scenario::load_scenario("seed-race1");
  model::System sys{sc, *model::find_variant("v4.15")};
  // States along one execution (the first enabled choice each time).
  std::vector<std::pair<model::State, model::Choice>> path;
  Fixture() {
    model::State s = sys.initial();
    std::vector<model::Choice> en;
    for (sys.enabled(s, en); !en.empty(); sys.enabled(s, en)) {
      path.emplace_back(s, en[path.size() % en.size()]);
      sys.step(s, en[path.size() % en.size()]);
    }
  }
};

Fixture &fixture() {
  static Fixture f;
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
