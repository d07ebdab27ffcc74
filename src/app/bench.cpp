#include "app/bench.hpp"

#include "scenario/builtin.hpp"
#include "scenario/scale.hpp"

namespace pagerace::app {

std::vector<std::string> default_bench_scenarios() {
  std::vector<std::string> names{"seed-race1", "seed-race2"};
  for (const auto &n : scenario::builtin_scenario_names())
    if (n.rfind("benign-", 0) == 0) names.push_back(n);
  for (const char *n : {"scale-1-1", "scale-1-2", "scale-2-1", "scale-2-2", "scale-3-3",
                        "scale-4-4", "scale-store-2", "scale-write-2"})
    names.emplace_back(n);
  return names;
}

std::vector<trace::BenchCell> run_bench(const std::vector<std::string> &scenarios,
                                        const std::vector<engine::Search> &searches,
                                        const std::vector<int> &jobs, const std::string &kernel,
                                        const engine::Limits &limits) {
  std::vector<trace::BenchCell> cells;
  for (const auto &name : scenarios) {
    const scenario::Scenario sc = scenario::load_scenario(name);
    const model::Variant &v = select_variant(sc, kernel);
    for (engine::Search s : searches) {
      const bool bfs = s == engine::Search::Bfs;
      for (int j : bfs ? jobs : std::vector<int>{1}) { // only the BFS runs on several threads
        CheckOptions opts;
        opts.search = s;
        opts.limits = limits;
        opts.jobs = j;
        std::string label = engine::search_name(s);
        if (bfs && (jobs.size() > 1 || j != 1)) label += " -j " + std::to_string(j);
        cells.push_back(trace::BenchCell{name, v.name, label, check(sc, v, opts)});
      }
    }
  }
  return cells;
}

} // namespace pagerace::app
