// Bounded search by sampling: N executions from the initial state, each
// scheduled either uniformly at random among the enabled processes (a random
// walk) or by PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A randomized
// scheduler with probabilistic guarantees of finding bugs", ASPLOS 2010, as
// shuttle implements it): every process gets a random priority, the
// highest-priority enabled process runs, and at `depth - 1` random steps the
// running process drops below all others. A bug of depth d in an execution
// of k steps among n processes is found by one PCT run with probability at
// least 1/(n k^(d-1)).
//
// Deterministic: the generator is seeded with the seed and the run number
// only, so the same seed gives the same runs and the same traces.
#pragma once

#include "engine/limits.hpp"
#include "engine/schedule.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace pagerace::engine {

struct Sampling {
  uint64_t runs = 0;  // executions to sample
  uint64_t seed = 0;  // base seed
  int pct_depth = 0;  // 0: uniform random walk; d >= 1: PCT with d - 1 change points
  int max_length = 0; // PCT's estimate of an execution's length (k); 0: learnt from run 1
};

template <class Sys> class RandomExplorer {
  using State = typename Sys::StateType;
  using Choice = typename Sys::ChoiceType;

public:
  RandomExplorer(const Sys &sys, Sampling sampling, Limits limits)
      : sys_(sys), sampling_(sampling), limits_(limits) {}

  Exploration run() {
    const auto t0 = std::chrono::steady_clock::now();
    Exploration ex;
    std::vector<std::optional<Schedule>> best(static_cast<size_t>(sys_.num_kinds()));
    std::vector<Choice> enabled;
    int k = sampling_.max_length;
    uint64_t run = 0;
    for (; run < sampling_.runs; ++run) {
      if (limits_.budget_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
              limits_.budget_seconds) {
        ex.bound_reason = "--budget " + format_duration(limits_.budget_seconds) + " reached; ";
        break;
      }
      if (limits_.max_steps && ex.steps >= limits_.max_steps) {
        ex.bound_reason = "--max-steps " + std::to_string(limits_.max_steps) + " reached; ";
        break;
      }
      std::mt19937_64 rng(sampling_.seed * 0x9e3779b97f4a7c15ULL + run);
      std::map<Choice, uint64_t> priority; // PCT: higher runs first
      std::vector<int> change_at;
      if (sampling_.pct_depth > 1)
        for (int i = 0; i < sampling_.pct_depth - 1; ++i)
          change_at.push_back(1 + static_cast<int>(rng() % static_cast<uint64_t>(std::max(k, 1))));
      uint64_t lowest = 0; // priorities below every initial one, for change points
      State s = sys_.initial();
      Schedule path;
      for (sys_.enabled(s, enabled); !enabled.empty(); sys_.enabled(s, enabled)) {
        Choice c = enabled.front();
        if (sampling_.pct_depth == 0) {
          c = enabled[rng() % enabled.size()];
        } else {
          for (const Choice &e : enabled)
            if (!priority.count(e)) priority[e] = (uint64_t{1} << 62) + (rng() >> 2);
          for (const Choice &e : enabled)
            if (priority[e] > priority[c]) c = e;
          if (std::find(change_at.begin(), change_at.end(), static_cast<int>(path.size()) + 1) !=
              change_at.end())
            priority[c] = ++lowest;
        }
        const auto out = sys_.step(s, c);
        ++ex.steps;
        path.push_back(Step{c.actor, c.alt});
        for (size_t w = 0; w < ex.reached.size(); ++w)
          ex.reached[w] |= out.reached[w];
        for (int kind = 0; kind < sys_.num_kinds(); ++kind)
          if (out.violations & (1u << kind)) offer(best[static_cast<size_t>(kind)], path);
      }
      ++ex.executions;
      if (!sys_.finished(s)) {
        if (sys_.stuck_on_variable(s)) {
          if (!ex.stuck_on_variable) ex.stuck_on_variable = path;
        } else {
          offer(best[static_cast<size_t>(sys_.stuck_kind(s))], path);
        }
      }
      if (k == 0) k = static_cast<int>(path.size());
    }
    ex.bounded = true; // sampling never proves absence
    ex.bound_reason += fmt_runs(run);
    ex.states = ex.executions;
    for (int kind = 0; kind < sys_.num_kinds(); ++kind)
      if (best[static_cast<size_t>(kind)])
        ex.found.push_back(KindFound{kind, *best[static_cast<size_t>(kind)]});
    ex.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return ex;
  }

private:
  static void offer(std::optional<Schedule> &b, const Schedule &s) {
    if (!b || preferred(s, *b)) b = s;
  }
  std::string fmt_runs(uint64_t done) const {
    std::string what = sampling_.pct_depth ? "PCT depth " + std::to_string(sampling_.pct_depth)
                                           : std::string("random walk");
    return std::to_string(done) + " of " + std::to_string(sampling_.runs) +
           " sampled executions (" + what + ", seed " + std::to_string(sampling_.seed) +
           "); sampling proves no absence";
  }

  const Sys &sys_;
  Sampling sampling_;
  Limits limits_;
};

} // namespace pagerace::engine
