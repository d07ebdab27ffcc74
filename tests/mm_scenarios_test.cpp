// End-to-end checks of madvise, posix_fadvise, sync_file_range and truncate:
// the scenarios tests/data/e2e_*.toml, explored exhaustively with app::check()
// on every variant their [expect] names (v4.15 and v6.1 only). Each must find
// exactly its expected violation kinds and reach every [expect.reaches]
// event; each counterexample must replay to its kind. No schedule is written
// down here: the explorer finds them.
#include "app/check.hpp"
#include "engine/dfs.hpp"
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "model/kernel/paths.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/parser.hpp"
#include "scenario_vars.hpp"
#include "trace/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace pagerace;

std::string data_file(const std::string &name) {
  return std::string(PAGERACE_SOURCE_DIR) + "/tests/data/" + name + ".toml";
}

const std::vector<std::string> kScenarios = {
    "e2e_madvise_pageout",       "e2e_fadvise_dio_race",      "e2e_fadvise_store",
    "e2e_sync_file_range_race2", "e2e_sync_file_range_store", "e2e_truncate_dio_orphan",
    "e2e_truncate_store",
};

bool reached(const trace::Result &r, const std::string &fn) {
  return std::find(r.reached.begin(), r.reached.end(), fn) != r.reached.end();
}

std::string param_name(const ::testing::TestParamInfo<std::string> &p) {
  return p.param;
}

class MmScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(MmScenario, FindsExactlyTheExpectedKindsAndReachesEveryEvent) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_file(GetParam()));
  ASSERT_FALSE(sc.expect.empty()) << "no [expect]";
  for (const auto &[vname, kinds] : sc.expect) {
    SCOPED_TRACE("variant " + vname);
    ASSERT_TRUE(vname == "v4.15" || vname == "v6.1") << "only v4.15 and v6.1 are checked here";
    const model::Variant *v = model::find_variant(vname);
    ASSERT_NE(v, nullptr);
    const trace::Result r = app::check(sc, *v, {});
    EXPECT_NE(r.verdict, trace::Verdict::Bounded);
    std::set<std::string> found;
    for (const auto &viol : r.violations)
      found.insert(viol.kind);
    EXPECT_EQ(found, kinds);
    EXPECT_EQ(r.verdict, kinds.empty() ? trace::Verdict::Clean : trace::Verdict::Violation);
    auto rit = sc.reaches.find(vname);
    if (rit != sc.reaches.end()) {
      for (const auto &ev : rit->second) {
        EXPECT_TRUE(reached(r, ev)) << "not reached: " << ev;
      }
    }

    for (const auto &viol : r.violations) {
      SCOPED_TRACE("kind " + viol.kind + ", schedule " + viol.trace.schedule);
      const auto schedule = engine::parse_schedule(viol.trace.schedule);
      ASSERT_TRUE(schedule.has_value());
      const app::Replay replay = app::replay(sc, *v, *schedule);
      ASSERT_TRUE(replay.error.empty()) << replay.error;
      EXPECT_TRUE(std::any_of(replay.violations.begin(), replay.violations.end(),
                              [&](const trace::Violation &x) { return x.kind == viol.kind; }));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Data, MmScenario, ::testing::ValuesIn(kScenarios), param_name);

// Each release takes its own invalidation path, and only its own.
TEST(MmScenarioPaths, FadviseEvictsThroughTheReleasesOwnFunction) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_file("e2e_fadvise_store"));
  const trace::Result old = app::check(sc, *model::find_variant("v4.15"), {});
  EXPECT_TRUE(reached(old, "invalidate_inode_page"));
  EXPECT_FALSE(reached(old, "mapping_evict_folio"));
  const trace::Result now = app::check(sc, *model::find_variant("v6.1"), {});
  EXPECT_TRUE(reached(now, "mapping_evict_folio"));
  EXPECT_FALSE(reached(now, "invalidate_inode_page"));
}

// The fadvise race's counterexample strips the buffers in fadvise's task,
// and the violation comes from the DIO completion afterwards.
TEST(MmScenarioPaths, FadviseRaceStripsBuffersInFadviseThenDioDirties) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_file("e2e_fadvise_dio_race"));
  const trace::Result r = app::check(sc, *model::find_variant("v4.15"), {});
  auto it = std::find_if(r.violations.begin(), r.violations.end(),
                         [](const auto &v) { return v.kind == "dirty-without-buffers"; });
  ASSERT_NE(it, r.violations.end());
  const trace::Trace &t = it->trace;
  const auto actor = [&](const std::string &name) {
    return static_cast<int>(std::find(t.actors.begin(), t.actors.end(), name) - t.actors.begin());
  };
  const int dio = actor("CPU1"), fadvise = actor("CPU3");
  size_t freed = t.events.size(), dirtied = t.events.size();
  for (size_t i = 0; i < t.events.size(); ++i) {
    const trace::Event &e = t.events[i];
    if (e.kind != trace::EventKind::Call) continue;
    if (freed == t.events.size() && e.actor == fadvise &&
        e.text.rfind("try_to_free_buffers", 0) == 0)
      freed = i;
    if (e.actor == dio && e.text.rfind("set_page_dirty_lock", 0) == 0) dirtied = i;
  }
  ASSERT_LT(freed, t.events.size()) << "fadvise never freed the buffers";
  ASSERT_LT(dirtied, t.events.size()) << "the DIO completion never dirtied the page";
  EXPECT_LT(freed, dirtied);
}

// A read fault of a page that a truncate removes meanwhile: 4.15
// filemap_fault() reads i_size on entry and then only under the page lock,
// so the fault goes back to retry_find, reads a zero-filled page past the new
// end into the cache, and fails; the page stays cached. The fault and
// truncate's restarting pass can take turns for ever: every search must end
// on that cycle, and find the same ends.
TEST(MmScenarioPaths, AFaultOnATruncatedPageLeavesAZeroPagePastTheEnd) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_file("mm_fault_truncate"));
  const int v = test_util::var_index(sc, "v");
  ASSERT_GE(v, 0);
  const model::System sys(sc, *model::find_variant("v4.15"));
  engine::Explorer<model::System> bfs(sys, engine::Limits{});
  bfs.threads(1);
  bfs.collect_outcomes(true);
  int left = 0, ends = 0;
  bfs.on_end_state([&](const model::State &s) {
    ++ends;
    const model::Inode &file = s.inodes[0];
    ASSERT_EQ(file.i_size, 1);
    if (file.page[1] == model::kNone) return;
    ++left;
    const model::Page &p = s.pages[file.page[1]];
    EXPECT_EQ(s.vars[v], -model::kEFAULT) << "the fault that read it failed";
    EXPECT_EQ(p.data, model::kZeroToken) << "read past the end: a hole";
    EXPECT_EQ(p._mapcount, 0);
    EXPECT_FALSE(p.flags & (model::PG_dirty | model::PG_locked));
  });
  const engine::Exploration ex = bfs.run();
  EXPECT_FALSE(ex.bounded);
  EXPECT_TRUE(ex.executions_lower_bound) << "the graph has a cycle";
  EXPECT_GT(ends, 0);
  EXPECT_GT(left, 0) << "no end leaves the page past the new end cached";
  for (const engine::Search mode :
       {engine::Search::Dfs, engine::Search::Dpor, engine::Search::DporCache}) {
    engine::DfsExplorer<model::System> dfs(sys, mode, engine::Limits{});
    dfs.collect_outcomes(true);
    EXPECT_FALSE(dfs.run().bounded) << engine::search_name(mode);
    EXPECT_EQ(dfs.outcomes(), bfs.outcomes()) << engine::search_name(mode);
  }
}

} // namespace
