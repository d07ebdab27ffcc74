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
// only, so the same seed gives the same runs and the same traces, on any
// number of threads.
#pragma once

#include "engine/limits.hpp"
#include "engine/schedule.hpp"
#include "engine/team.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
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

  // Runs are sampled on `threads` threads (team.hpp). A run depends only on
  // the seed and its number, and the kept trace of a kind is the preferred()
  // one among all runs, so what is found does not depend on the threads
  // (unless a bound cuts the sampling short).
  void threads(int n) { threads_ = std::max(1, n); }

  Exploration run() {
    const auto t0 = std::chrono::steady_clock::now();
    Exploration ex;
    Found found(static_cast<size_t>(sys_.num_kinds()));
    uint64_t first = 0;
    int k = sampling_.max_length;
    if (k == 0 && sampling_.runs > 0) { // PCT's k is learnt from run 0
      k = static_cast<int>(sample(0, 0, found));
      first = 1;
    }
    std::atomic<uint64_t> steps{first ? static_cast<uint64_t>(k) : 0}, done{first};
    std::atomic<bool> stop{false};
    enum { kBudget = 1, kMaxSteps = 2, kInterrupt = 3 };
    std::atomic<int> bound{0}; // the bound that stopped the sampling first
    std::exception_ptr error;  // of the lowest run that raised one, as one thread would report
    uint64_t error_run = UINT64_MAX;
    const auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::mutex lock; // of error, error_run and found
    Team team(threads_);
    team.run([&](int member) {
      // Nothing may throw out of the team's job: an error, whichever, is
      // kept and rethrown after it.
      const auto keep_error = [&](uint64_t run) {
        const std::lock_guard<std::mutex> hold(lock);
        if (run < error_run) {
          error = std::current_exception();
          error_run = run;
        }
        stop = true;
      };
      std::optional<Found> mine;
      try {
        mine.emplace(found.best.size());
      } catch (...) {
        keep_error(UINT64_MAX - 1);
      }
      const uint64_t runs = sampling_.runs > first ? sampling_.runs - first : 0;
      team.for_each(member, runs, 1, [&](uint64_t i) {
        const uint64_t run = first + i;
        if (stop.load(std::memory_order_relaxed)) return;
        int why = 0;
        if (limits_.interrupted())
          why = kInterrupt;
        else if (limits_.budget_seconds > 0 && elapsed() >= limits_.budget_seconds)
          why = kBudget;
        else if (limits_.max_steps && steps.load() >= limits_.max_steps)
          why = kMaxSteps;
        if (why) {
          int none = 0;
          bound.compare_exchange_strong(none, why);
          stop = true;
          return;
        }
        try {
          if (!mine) return;
          steps += sample(run, k, *mine);
          ++done;
        } catch (...) {
          keep_error(run);
        }
      });
      if (mine) {
        const std::lock_guard<std::mutex> hold(lock);
        try {
          found.merge(*mine);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
      }
    });
    if (error) std::rethrow_exception(error);
    ex.steps = steps;
    ex.executions = done;
    ex.reached = found.reached;
    ex.stuck_on_variable = found.stuck_on_variable;
    ex.bounded = true; // sampling never proves absence
    if (bound == kBudget)
      ex.bound_reason = "--budget " + format_duration(limits_.budget_seconds) + " reached; ";
    else if (bound == kMaxSteps)
      ex.bound_reason = "--max-steps " + std::to_string(limits_.max_steps) + " reached; ";
    else if (bound == kInterrupt)
      ex.bound_reason = std::string(kInterrupted) + "; ";
    ex.bound_reason += fmt_runs(done);
    ex.states = ex.executions;
    for (int kind = 0; kind < sys_.num_kinds(); ++kind)
      if (found.best[static_cast<size_t>(kind)])
        ex.found.push_back(KindFound{kind, *found.best[static_cast<size_t>(kind)]});
    ex.seconds = elapsed();
    return ex;
  }

private:
  static void offer(std::optional<Schedule> &b, const Schedule &s) {
    if (!b || preferred(s, *b)) b = s;
  }

  // What runs found: the preferred trace of each kind.
  struct Found {
    explicit Found(size_t kinds) : best(kinds) {}
    std::vector<std::optional<Schedule>> best;
    std::optional<Schedule> stuck_on_variable;
    std::array<uint64_t, 4> reached{};
    void merge(const Found &o) {
      for (size_t kind = 0; kind < best.size(); ++kind)
        if (o.best[kind]) offer(best[kind], *o.best[kind]);
      if (o.stuck_on_variable) offer(stuck_on_variable, *o.stuck_on_variable);
      for (size_t w = 0; w < reached.size(); ++w)
        reached[w] |= o.reached[w];
    }
  };

  // Sample run number `run` with PCT's length estimate `k`; returns its steps.
  uint64_t sample(uint64_t run, int k, Found &found) const {
    std::mt19937_64 rng(sampling_.seed * 0x9e3779b97f4a7c15ULL + run);
    std::map<Choice, uint64_t> priority; // PCT: higher runs first
    std::vector<int> change_at;
    if (sampling_.pct_depth > 1)
      for (int i = 0; i < sampling_.pct_depth - 1; ++i)
        change_at.push_back(1 + static_cast<int>(rng() % static_cast<uint64_t>(std::max(k, 1))));
    uint64_t lowest = 0; // priorities below every initial one, for change points
    State s = sys_.initial();
    Schedule path;
    std::vector<Choice> enabled;
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
      path.push_back(Step{c.actor, c.alt});
      for (size_t w = 0; w < found.reached.size(); ++w)
        found.reached[w] |= out.reached[w];
      for (int kind = 0; kind < sys_.num_kinds(); ++kind)
        if (out.violations & (1u << kind)) offer(found.best[static_cast<size_t>(kind)], path);
    }
    if (!sys_.finished(s)) {
      if (sys_.stuck_on_variable(s))
        offer(found.stuck_on_variable, path);
      else
        offer(found.best[static_cast<size_t>(sys_.stuck_kind(s))], path);
    }
    return path.size();
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
  int threads_ = 1;
};

} // namespace pagerace::engine
