// Canonical counterexamples for the searches that do not keep the state
// graph (dfs, dpor, dpor-cache, random walks, PCT). What they find is the
// best trace they happened to meet; it is replaced by the canonical one
// (fewest steps, then fewest context switches, then the smallest schedule:
// what the BFS reports) in two stages:
//
//  1. A BFS that stops as soon as the canonical traces of the kinds found
//     are known (Explorer::target), within a cap on the states it expands.
//     Within the cap the result is exact, and the same trace the BFS search
//     prints.
//  2. Beyond the cap, local shrinking of the found trace, as delta debugging
//     does (Zeller and Hildebrandt, "Simplifying and isolating
//     failure-inducing input", TSE 2002) and as loom and shuttle shrink
//     their schedules: drop a step, or swap two neighbouring steps of
//     different actors, whenever the result still reaches the violation and
//     is preferred(); until nothing helps. The trace is then only shorter,
//     not proven canonical, and KindFound::canonical stays false.
//
// Both stages are deterministic: the cap counts expanded states, so the
// printed trace does not depend on the threads. Only the bounds the user
// gave can cut stage 1 shorter: --max-memory, --budget (stage 1 gets as
// long again) and SIGINT, which also ends stage 2. Shrinking is best
// effort: a candidate that raises an error (a scenario error on a path the
// search never took) does not count, and an error in stage 1 leaves the
// found traces to stage 2.
#pragma once

#include "engine/explorer.hpp"
#include "engine/limits.hpp"
#include "engine/schedule.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

namespace pagerace::engine {

struct ShrinkOptions {
  uint64_t max_expanded = 1'000'000; // states the BFS of stage 1 may expand; 0: no stage 1
  uint64_t max_replays = 20'000;     // candidate schedules stage 2 may try, per kind
  int threads = 1;
};

template <class Sys> class Shrinker {
  using State = typename Sys::StateType;
  using Choice = typename Sys::ChoiceType;

public:
  // `limits`: only max_memory, budget_seconds and interrupt apply.
  Shrinker(const Sys &sys, Limits limits, ShrinkOptions options)
      : sys_(sys), limits_(limits), options_(options) {}

  void run(Exploration &ex) const {
    uint32_t wanted = 0;
    for (const KindFound &f : ex.found)
      if (!f.canonical) wanted |= 1u << f.kind;
    if (wanted == 0) return;
    if (options_.max_expanded && !limits_.interrupted()) {
      Limits bfs_limits;
      bfs_limits.max_memory = limits_.max_memory;
      bfs_limits.budget_seconds = limits_.budget_seconds;
      bfs_limits.interrupt = limits_.interrupt;
      Explorer<Sys> bfs(sys_, bfs_limits);
      bfs.threads(options_.threads);
      bfs.target(wanted, options_.max_expanded);
      std::optional<Exploration> exact;
      try {
        exact = bfs.run();
      } catch (...) { // out of memory, or an error off the search's paths: stage 2
      }
      if (exact)
        for (KindFound &f : ex.found)
          for (const KindFound &c : exact->found)
            if (c.kind == f.kind && c.canonical && !f.canonical) {
              f.schedule = c.schedule;
              f.canonical = true;
            }
    }
    for (KindFound &f : ex.found)
      if (!f.canonical) f.schedule = shrink(f.kind, f.schedule);
  }

  // Stage 2 alone: `s` reaches kind `kind`; a preferred() schedule that
  // still does, or `s` cut at its first violation of the kind.
  Schedule shrink(int kind, Schedule s) const {
    uint64_t tries = 0;
    if (auto cut = reaches(kind, s)) s = std::move(*cut);
    const auto go_on = [&] { return tries < options_.max_replays && !limits_.interrupted(); };
    for (bool better = true; better && go_on();) {
      better = false;
      for (size_t i = s.size(); i-- > 0 && go_on();) { // drop step i
        if (i >= s.size()) continue;
        Schedule t = s;
        t.erase(t.begin() + static_cast<std::ptrdiff_t>(i));
        better |= accept(kind, s, t, tries);
      }
      for (size_t i = 0; i + 1 < s.size() && go_on(); ++i) { // swap i, i+1
        if (s[i].actor == s[i + 1].actor) continue;
        Schedule t = s;
        std::swap(t[i], t[i + 1]);
        better |= accept(kind, s, t, tries);
      }
    }
    return s;
  }

private:
  bool accept(int kind, Schedule &s, const Schedule &t, uint64_t &tries) const {
    if (!preferred(t, s)) return false;
    ++tries;
    auto cut = reaches(kind, t);
    if (!cut || !preferred(*cut, s)) return false;
    s = std::move(*cut);
    return true;
  }

  // `s` cut after the first step that violates `kind`, or, for a liveness
  // kind, `s` itself when it ends stuck as `kind`; nullopt when a step is
  // not enabled, the kind is not reached, or the replay raises an error.
  std::optional<Schedule> reaches(int kind, const Schedule &s) const {
    try {
      return replay_to(kind, s);
    } catch (const std::exception &) {
      return std::nullopt;
    }
  }
  std::optional<Schedule> replay_to(int kind, const Schedule &s) const {
    State st = sys_.initial();
    std::vector<Choice> enabled;
    for (size_t i = 0; i < s.size(); ++i) {
      sys_.enabled(st, enabled);
      const Choice c{s[i].actor, s[i].alt};
      if (std::find(enabled.begin(), enabled.end(), c) == enabled.end()) return std::nullopt;
      if (sys_.step(st, c).violations & (1u << kind))
        return Schedule(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
    sys_.enabled(st, enabled);
    if (enabled.empty() && !sys_.finished(st) && !sys_.stuck_on_variable(st) &&
        sys_.stuck_kind(st) == kind)
      return s;
    return std::nullopt;
  }

  const Sys &sys_;
  Limits limits_;
  ShrinkOptions options_;
};

} // namespace pagerace::engine
