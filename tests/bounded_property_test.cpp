// The bounded modes and the parallel search, on the engine alone: over random
// programs of the toy system (tests/toy_programs.hpp), each search is checked
// against an enumeration of every schedule written here, independently of
// the engine. Plain DFS under --preemptions K runs exactly the schedules
// with at most K preemptions; BFS on one or two threads reports the
// canonical trace of each kind (the preferred() one over every schedule);
// a bounded BFS finds every kind within the depth it claims.
#include "engine/collapse_store.hpp"
#include "engine/dfs.hpp"
#include "engine/explorer.hpp"
#include "toy_programs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace pagerace;
using engine::Schedule;
using test_util::ToyChoice;
using test_util::ToyPrograms;
using test_util::ToyState;

namespace {

constexpr int kStuck = 2; // ToyPrograms::stuck_kind()

// Every schedule of a program, by recursion, with CHESS's preemption count:
// a switch away from a process that could have gone on.
struct Enumeration {
  uint64_t executions = 0;
  bool cut = false; // some schedule needed more preemptions than allowed
  std::set<uint64_t> outcomes;
  std::map<int, Schedule> best;  // the preferred() schedule reaching each kind
  std::map<int, size_t> nearest; // fewest steps to each kind

  void offer(int kind, const Schedule &s) {
    auto [it, fresh] = best.try_emplace(kind, s);
    if (!fresh && engine::preferred(s, it->second)) it->second = s;
    auto [nt, nfresh] = nearest.try_emplace(kind, s.size());
    if (!nfresh) nt->second = std::min(nt->second, s.size());
  }
};

class Enumerator {
public:
  Enumerator(const ToyPrograms &sys, int bound) : sys_(sys), bound_(bound) {}

  Enumeration run() {
    walk(sys_.initial(), -1, 0);
    return std::move(e_);
  }

private:
  void walk(const ToyState &s, int prev, int preemptions) {
    std::vector<ToyChoice> enabled;
    sys_.enabled(s, enabled);
    if (enabled.empty()) {
      ++e_.executions;
      e_.outcomes.insert(engine::CollapseStore<ToyState>::hash(s));
      if (!sys_.finished(s)) e_.offer(kStuck, path_);
      return;
    }
    const bool prev_enabled = std::any_of(enabled.begin(), enabled.end(),
                                          [&](const ToyChoice &c) { return c.actor == prev; });
    for (const ToyChoice &c : enabled) {
      const int cost = preemptions + (prev_enabled && c.actor != prev);
      if (bound_ >= 0 && cost > bound_) {
        e_.cut = true;
        continue;
      }
      ToyState next = s;
      const uint32_t violations = sys_.step(next, c).violations;
      path_.push_back(engine::Step{c.actor, c.alt});
      for (int k = 0; k < 32; ++k)
        if (violations & (1u << k)) e_.offer(k, path_);
      walk(next, c.actor, cost);
      path_.pop_back();
    }
  }

  const ToyPrograms &sys_;
  int bound_;
  Schedule path_;
  Enumeration e_;
};

std::set<int> kinds_of(const engine::Exploration &ex) {
  std::set<int> kinds;
  for (const engine::KindFound &f : ex.found)
    kinds.insert(f.kind);
  return kinds;
}

std::set<int> kinds_of(const Enumeration &e) {
  std::set<int> kinds;
  for (const auto &[kind, schedule] : e.best)
    kinds.insert(kind);
  return kinds;
}

} // namespace

TEST(BoundedProperty, PreemptionBoundRunsExactlyTheSchedulesWithinIt) {
  int cut = 0, found_fewer = 0;
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    const ToyPrograms sys(seed);
    const Enumeration all = Enumerator(sys, -1).run();
    for (int bound : {0, 1, 2}) {
      const std::string what =
          "toy program " + std::to_string(seed) + ", --preemptions " + std::to_string(bound);
      const Enumeration want = Enumerator(sys, bound).run();
      engine::DfsExplorer<ToyPrograms> e(sys, engine::Search::Dfs, engine::Limits{});
      e.preemption_bound(bound);
      e.collect_outcomes(true);
      const engine::Exploration ex = e.run();
      EXPECT_EQ(ex.executions, want.executions) << what;
      EXPECT_EQ(kinds_of(ex), kinds_of(want)) << what;
      EXPECT_EQ(std::set<uint64_t>(e.outcomes().begin(), e.outcomes().end()), want.outcomes)
          << what;
      // Bounded exactly when the bound left a schedule out, and then it says so.
      EXPECT_EQ(ex.bounded, want.cut) << what;
      if (ex.bounded) {
        EXPECT_NE(ex.bound_reason.find("--preemptions"), std::string::npos) << what;
      }
      cut += want.cut;
      found_fewer += kinds_of(want).size() < kinds_of(all).size();
    }
  }
  // The bounds must matter: they leave schedules out, and kinds with them.
  EXPECT_GE(cut, 1000);
  EXPECT_GE(found_fewer, 50);
}

// BFS reports each kind's canonical trace, on any number of threads, with
// the same counts.
TEST(BoundedProperty, BfsTracesAreCanonicalOnOneAndTwoThreads) {
  int traces = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    const ToyPrograms sys(seed);
    const std::string what = "toy program " + std::to_string(seed);
    const Enumeration all = Enumerator(sys, -1).run();
    engine::Exploration one;
    for (int threads : {1, 2}) {
      engine::Explorer<ToyPrograms> e(sys, engine::Limits{});
      e.threads(threads);
      e.collect_outcomes(true);
      const engine::Exploration ex = e.run();
      const std::string which = what + " on " + std::to_string(threads) + " threads";
      ASSERT_FALSE(ex.bounded) << which;
      EXPECT_EQ(kinds_of(ex), kinds_of(all)) << which;
      EXPECT_EQ(std::set<uint64_t>(e.outcomes().begin(), e.outcomes().end()), all.outcomes)
          << which;
      EXPECT_EQ(ex.executions, all.executions) << which << ": BFS counts root-to-end paths";
      for (const engine::KindFound &f : ex.found) {
        EXPECT_TRUE(f.canonical) << which << ", kind " << f.kind;
        EXPECT_EQ(f.schedule, all.best.at(f.kind))
            << which << ", kind " << f.kind << ": " << engine::format_schedule(f.schedule)
            << " against " << engine::format_schedule(all.best.at(f.kind));
        traces += threads == 2;
      }
      if (threads == 1) {
        one = ex;
      } else {
        EXPECT_EQ(ex.states, one.states) << which;
        EXPECT_EQ(ex.steps, one.steps) << which;
      }
    }
  }
  EXPECT_GE(traces, 200);
}

// A BFS stopped at a bound finds every kind that some schedule reaches
// within the depth it claims (a stuck state one step less: it is found when
// it is expanded), on one or two threads.
TEST(BoundedProperty, BoundedBfsFindsEveryKindWithinTheDepthItClaims) {
  int claims = 0, at_the_edge = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    const ToyPrograms sys(seed);
    const Enumeration all = Enumerator(sys, -1).run();
    if (all.nearest.empty()) continue;
    for (uint64_t max_states = 4;; max_states *= 2) {
      bool bounded = false;
      for (int threads : {1, 2}) {
        engine::Explorer<ToyPrograms> e(sys, engine::Limits{.max_states = max_states});
        e.threads(threads);
        const engine::Exploration ex = e.run();
        if (!ex.bounded) continue;
        bounded = true;
        const std::string what = "toy program " + std::to_string(seed) + ", --max-states " +
                                 std::to_string(max_states) + ", " + std::to_string(threads) +
                                 " threads";
        ASSERT_TRUE(ex.complete_depth) << what;
        ++claims;
        const std::set<int> found = kinds_of(ex);
        for (const auto &[kind, steps] : all.nearest) {
          const size_t covered = *ex.complete_depth - (kind == kStuck ? 1 : 0);
          if (steps <= covered) {
            EXPECT_TRUE(found.count(kind))
                << what << ": kind " << kind << " is " << steps
                << " steps deep, and the search claims " << *ex.complete_depth;
          }
          at_the_edge += steps == covered;
        }
      }
      if (!bounded) break;
    }
  }
  EXPECT_GE(claims, 200);
  EXPECT_GE(at_the_edge, 20);
}
