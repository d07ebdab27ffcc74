// A breadth-first search stopped at a bound says how far it covered every
// interleaving: every violation that some interleaving reaches within that
// many steps must be among what it found, on any number of threads.
#include "engine/explorer.hpp"
#include "model/system.hpp"
#include "scenario/builtin.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>

using namespace pagerace;

namespace {

engine::Exploration bfs(const model::System &sys, uint64_t max_states, int threads) {
  engine::Limits limits;
  limits.max_states = max_states;
  engine::Explorer<model::System> e(sys, limits);
  e.threads(threads);
  return e.run();
}

} // namespace

TEST(BoundedBfs, FindsEveryViolationWithinTheDepthItClaims) {
  int bounds = 0, at_the_edge = 0, beyond = 0;
  for (const char *name :
       {"seed-race1", "seed-race2", "aio-dio-shared-mapping", "pin-longterm-fsync-kswapd"}) {
    const auto sc = scenario::load_scenario(name);
    model::System sys(sc, *model::find_variant("v4.15"));
    const engine::Exploration full = bfs(sys, 0, 1);
    ASSERT_FALSE(full.bounded) << name;
    EXPECT_FALSE(full.complete_depth) << name << ": only a bounded search claims a depth";
    // The fewest steps that reach each kind: its canonical trace's length.
    std::map<int, size_t> shortest;
    for (const engine::KindFound &f : full.found)
      shortest[f.kind] = f.schedule.size();
    ASSERT_FALSE(shortest.empty()) << name;
    for (uint64_t max_states = 8; max_states < full.states; max_states = max_states * 3 / 2) {
      for (int threads : {1, 2}) {
        const engine::Exploration r = bfs(sys, max_states, threads);
        const std::string what =
            fmt::format("{}, --max-states {}, {} threads", name, max_states, threads);
        ASSERT_TRUE(r.bounded) << what;
        ASSERT_TRUE(r.complete_depth) << what;
        ++bounds;
        for (const auto &[kind, steps] : shortest) {
          const bool found =
              std::any_of(r.found.begin(), r.found.end(),
                          [&](const engine::KindFound &f) { return f.kind == kind; });
          if (steps <= *r.complete_depth) {
            EXPECT_TRUE(found) << what << ": kind " << kind << " is " << steps
                               << " steps deep, and the search claims " << *r.complete_depth;
          }
          at_the_edge += steps == *r.complete_depth;
          beyond += steps == *r.complete_depth + 1 && !found;
        }
      }
    }
  }
  EXPECT_GE(bounds, 40);
  // The claims are tight: some bounds stop right at a kind's depth, and
  // some one step short of a kind they did not find.
  EXPECT_GE(at_the_edge, 1);
  EXPECT_GE(beyond, 1);
}
