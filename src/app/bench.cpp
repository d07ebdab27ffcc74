#include "app/bench.hpp"

#include "scenario/builtin.hpp"
#include "scenario/scale.hpp"

#include <algorithm>
#include <numeric>

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

size_t median_index(const std::vector<double> &values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // stable: equal times keep the order of the runs, for a deterministic pick
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  return order.empty() ? 0 : order[(order.size() - 1) / 2];
}

std::vector<trace::BenchCell> run_bench(const std::vector<std::string> &scenarios,
                                        const std::vector<engine::Search> &searches,
                                        const std::vector<int> &jobs, const std::string &kernel,
                                        const CheckOptions &base, int repeat) {
  repeat = std::max(1, repeat);
  const bool sampling = base.sampling.runs > 0;
  const std::vector<engine::Search> rows =
      sampling ? std::vector<engine::Search>{engine::Search::Bfs} : searches;
  std::vector<trace::BenchCell> cells;
  for (const auto &name : scenarios) {
    const scenario::Scenario sc = scenario::load_scenario(name);
    const model::Variant &v = select_variant(sc, kernel);
    for (engine::Search s : rows) {
      // only the BFS and sampling run on several threads
      const bool bfs = sampling || s == engine::Search::Bfs;
      const std::vector<int> threads = bfs ? jobs : std::vector<int>{1};
      std::vector<std::vector<trace::Result>> runs( // [thread count][repetition]
          threads.size(), std::vector<trace::Result>(static_cast<size_t>(repeat)));
      // The order of the thread counts alternates, so that neither always
      // runs first.
      for (int r = 0; r < repeat; ++r)
        for (size_t k = 0; k < threads.size(); ++k) {
          const size_t t = r % 2 ? threads.size() - 1 - k : k;
          CheckOptions opts = base;
          opts.search = s;
          opts.jobs = threads[t];
          runs[t][static_cast<size_t>(r)] = check(sc, v, opts);
        }
      const auto seconds = [&](size_t t) {
        std::vector<double> out;
        for (const trace::Result &res : runs[t])
          out.push_back(res.stats.seconds);
        return out;
      };
      const auto one = std::find(threads.begin(), threads.end(), 1);
      for (size_t t = 0; t < threads.size(); ++t) {
        const std::vector<double> time = seconds(t);
        std::string label = sampling ? runs[t][0].stats.search : engine::search_name(s);
        if (bfs && (jobs.size() > 1 || threads[t] != 1))
          label += " -j " + std::to_string(threads[t]);
        trace::BenchCell cell{name, v.name, label, runs[t][median_index(time)]};
        cell.runs = repeat;
        cell.min_seconds = *std::min_element(time.begin(), time.end());
        cell.max_seconds = *std::max_element(time.begin(), time.end());
        if (threads[t] != 1 && one != threads.end()) {
          // Only runs that did the same work: searches that both finished
          // (bounded ones stopped at different points), or samplings that
          // both ran every execution asked for (not cut by --budget).
          const auto &single = runs[static_cast<size_t>(one - threads.begin())];
          const auto whole = [&](const trace::Result &res) {
            return sampling ? res.stats.executions == base.sampling.runs : !res.bounded;
          };
          std::vector<double> ratio;
          for (size_t r = 0; r < static_cast<size_t>(repeat); ++r)
            if (time[r] > 0 && whole(single[r]) && whole(runs[t][r]))
              ratio.push_back(single[r].stats.seconds / time[r]);
          if (!ratio.empty()) cell.speedup = ratio[median_index(ratio)];
        }
        cells.push_back(std::move(cell));
      }
    }
  }
  return cells;
}

} // namespace pagerace::app
