// The trace the breadth-first search reports for a kind is the canonical one:
// among the schedules that reach the kind's violation in the fewest steps,
// the one with the fewest context switches, then the smallest; and the same
// for a deadlock or stall, over the schedules that end in one. Checked here
// against every schedule of small scenarios, enumerated one by one on the
// model, not through the state graph the search minimises over.
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "generated_scenarios.hpp"
#include "model/system.hpp"
#include "sanitized.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <vector>

using namespace pagerace;

namespace {

// The preferred schedule of each kind, among all schedules of at most
// `depth` steps: ending in a step that violates it, or in a stuck state of
// its liveness kind. run() is false when more than `budget` steps would be
// needed.
class Enumerator {
public:
  Enumerator(const model::System &sys, size_t depth, uint64_t budget)
      : sys_(sys), depth_(depth), budget_(budget) {}
  bool run() {
    engine::Schedule path;
    return walk(sys_.initial(), path);
  }
  const std::map<int, engine::Schedule> &best() const { return best_; }

private:
  void keep(int kind, const engine::Schedule &path) {
    auto it = best_.find(kind);
    if (it == best_.end() || engine::preferred(path, it->second)) best_[kind] = path;
  }
  bool walk(const model::State &s, engine::Schedule &path) {
    std::vector<model::Choice> choices;
    sys_.enabled(s, choices);
    // A stuck state (a deadlock, a stall) counts as its liveness kind.
    if (choices.empty() && !sys_.finished(s) && !sys_.stuck_on_variable(s))
      keep(sys_.stuck_kind(s), path);
    if (path.size() == depth_) return true;
    for (const model::Choice c : choices) {
      if (++steps_ > budget_) return false;
      model::State next = s;
      const model::StepOutcome out = sys_.step(next, c);
      path.push_back(engine::Step{c.actor, c.alt});
      for (uint32_t v = out.violations; v; v &= v - 1)
        keep(__builtin_ctz(v), path);
      // The search goes on past a violation, and so does this walk: another
      // kind may lie beyond it.
      const bool go_on = walk(next, path);
      path.pop_back();
      if (!go_on) return false;
    }
    return true;
  }

  const model::System &sys_;
  size_t depth_;
  uint64_t budget_, steps_ = 0;
  std::map<int, engine::Schedule> best_;
};

} // namespace

TEST(CanonicalTrace, IsThePreferredOfEverySchedule) {
  int compared = 0;
  std::vector<scenario::Scenario> scs;
  scs.push_back(scenario::load_scenario("seed-race2"));
  scs.push_back(scenario::load_scenario("aio-dio-shared-mapping"));
  for (uint64_t seed = 1; seed < uint64_t(pagerace::testing::plain_or_half(80)); ++seed)
    scs.push_back(scenario::parse_scenario(pagerace::testing::random_scenario(seed, 2),
                                           fmt::format("generated-{}", seed)));
  for (const scenario::Scenario &sc : scs) {
    for (const char *variant : {"v4.15", "upstream", "pin-wait"}) {
      model::System sys(sc, *model::find_variant(variant));
      engine::Limits limits;
      limits.max_states = 100000;
      engine::Explorer<model::System> bfs(sys, limits);
      const engine::Exploration ex = bfs.run();
      if (ex.bounded) continue;
      size_t depth = 0;
      std::map<int, engine::Schedule> reported;
      for (const engine::KindFound &f : ex.found) {
        if (!f.schedule.empty() && f.canonical) {
          reported[f.kind] = f.schedule;
          depth = std::max(depth, f.schedule.size());
        }
      }
      if (reported.empty()) continue;
      Enumerator all(sys, depth, 1'000'000);
      if (!all.run()) continue; // too many schedules to enumerate
      const std::string what = fmt::format("{} under {}", sc.name, variant);
      for (const auto &[kind, schedule] : reported) {
        const auto it = all.best().find(kind);
        if (it == all.best().end()) {
          ADD_FAILURE() << what << ": no schedule of at most " << depth << " steps reaches kind "
                        << kind;
          continue;
        }
        const engine::Schedule &best = it->second;
        EXPECT_EQ(schedule.size(), best.size()) << what << ", kind " << kind;
        EXPECT_EQ(engine::context_switches(schedule), engine::context_switches(best))
            << what << ", kind " << kind;
        EXPECT_EQ(schedule, best) << what << ", kind " << kind;
        ++compared;
      }
      for (const auto &[kind, best] : all.best())
        EXPECT_TRUE(reported.contains(kind))
            << what << ": kind " << kind << " is reached in " << best.size()
            << " steps, and the search does not report it";
    }
  }
  EXPECT_GE(compared, pagerace::testing::plain_or_half(20)); // 25 when written
}
