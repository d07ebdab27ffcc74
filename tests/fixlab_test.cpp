// The fix lab's claims, each checked by exploring: which variant closes which
// race over the full state space, what the seed thread's refcount test does
// and does not fix, and that a scenario using a call a kernel lacks is refused
// with the first release that has it. Nothing here names a schedule.
#include "app/check.hpp"
#include "model/kernel/ctx.hpp"
#include "model/variants/variant.hpp"
#include "scenario/builtin.hpp"
#include "scenario/kinds.hpp"
#include "scenario/parser.hpp"
#include "trace/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace pagerace {
namespace {

const model::Variant &variant(const std::string &name) {
  const model::Variant *v = model::find_variant(name);
  if (!v) throw std::runtime_error("unknown variant " + name);
  return *v;
}

struct Found {
  trace::Verdict verdict;
  std::set<std::string> safety, liveness;
};

Found explore(const std::string &scenario, const std::string &vname) {
  const scenario::Scenario sc = scenario::load_scenario(scenario);
  const trace::Result r = app::check(sc, variant(vname), {});
  Found f{r.verdict, {}, {}};
  for (const auto &v : r.violations)
    f.safety.insert(v.kind);
  for (const auto &v : r.liveness)
    f.liveness.insert(v.kind);
  return f;
}

// Every built-in states its expectation for every variant, so the matrix of
// built-ins is judged in every cell (tests/scenarios_test.cpp runs them).
TEST(FixLab, EveryBuiltinStatesSafetyAndLivenessForEveryVariant) {
  for (const std::string &name : scenario::builtin_scenario_names()) {
    const scenario::Scenario sc = scenario::load_scenario(name);
    for (const model::Variant *v : model::all_variants()) {
      EXPECT_TRUE(sc.expect.count(v->name)) << name << " has no [expect] for " << v->name;
      EXPECT_TRUE(sc.expect_liveness.count(v->name))
          << name << " has no [expect.liveness] for " << v->name;
    }
  }
}

// dio-bounce closes both seed races: its exploration ends with no safety
// violation and is exhaustive, while v4.15 finds both races in the same
// scenarios (so they are not trivially clean).
TEST(FixLab, DioBounceProvesBothSeedRacesCleanOverTheFullSpace) {
  for (const char *sc : {"seed-race1", "seed-race2", "race2-fsync-during-dio"}) {
    SCOPED_TRACE(sc);
    const Found base = explore(sc, "v4.15");
    EXPECT_TRUE(base.safety.count("write-to-clean-page"));
    const Found fixed = explore(sc, "dio-bounce");
    EXPECT_EQ(fixed.verdict, trace::Verdict::Clean);
    EXPECT_TRUE(fixed.safety.empty());
    EXPECT_TRUE(fixed.liveness.empty());
  }
}

// The seed thread's proposal: the refcount test stops reclaim from stripping
// the buffers (no dirty-without-buffers in race 1, either placement), but
// race 2 needs no reclaim and stays (Jan Kara's third point), and transient
// references make reclaim keep pages it could free.
TEST(FixLab, RefcountCheckClosesRaceOneOnlyAndCostsReclaimProgress) {
  EXPECT_TRUE(explore("seed-race1", "v4.15").safety.count("dirty-without-buffers"));
  for (const char *v : {"v4.15-refcount-check", "v4.15-refcount-check-late"}) {
    SCOPED_TRACE(v);
    const Found r1 = explore("seed-race1", v);
    EXPECT_FALSE(r1.safety.count("dirty-without-buffers"));
    EXPECT_TRUE(r1.safety.count("write-to-clean-page"));
    EXPECT_TRUE(explore("seed-race2", v).safety.count("write-to-clean-page"));
    EXPECT_TRUE(explore("seed-race1-as-drawn", v).liveness.count("no-reclaim-progress"));
  }
}

// The kernel's own answers: 6.1's plain DIO references leave race 1 and lose
// the write; upstream's pins close race 1 but not race 2, and the waiter woken
// before bio_dirty_fn leaves the durability gap (docs/REALITY.md).
TEST(FixLab, PinsCloseRaceOneButNotRaceTwoOrTheDurabilityGap) {
  const Found v61 = explore("seed-race1", "v6.1");
  EXPECT_TRUE(v61.safety.count("dirty-without-buffers"));
  EXPECT_TRUE(v61.safety.count("lost-write"));
  const Found up = explore("seed-race1", "upstream");
  EXPECT_FALSE(up.safety.count("dirty-without-buffers"));
  EXPECT_TRUE(up.safety.count("write-to-clean-page"));
  EXPECT_FALSE(explore("race2-then-fsync", "v4.15").safety.count("fsync-gap"))
      << "4.15's synchronous DIO re-dirties before read() returns";
  for (const char *v : {"v6.1", "upstream"})
    EXPECT_TRUE(explore("race2-then-fsync", v).safety.count("fsync-gap")) << v;
}

// Kara's 2023 RFC: background writeback skips the pinned page, so the seed's
// race 2 is gone; integrity writeback still cleans it under DMA.
TEST(FixLab, KaraRfcHelpsBackgroundWritebackOnly) {
  EXPECT_TRUE(explore("seed-race2", "kara-rfc-2023").safety.empty());
  EXPECT_TRUE(
      explore("race2-fsync-during-dio", "kara-rfc-2023").safety.count("write-to-clean-page"));
}

// pin-wait's price: writeback waits with the page locked for a pin whose
// holder needs that lock (bio_set_pages_dirty): a stuck writeback.
TEST(FixLab, PinWaitStallsWriteback) {
  const Found r = explore("seed-race2", "pin-wait");
  EXPECT_TRUE(r.safety.empty());
  EXPECT_TRUE(r.liveness.count("writeback-stall"));
}

// A long-term write pin of a shared file mapping is refused from 6.5 on.
TEST(FixLab, LongtermFilePinRefusedUpstreamOnly) {
  EXPECT_TRUE(explore("pin-longterm-fsync-kswapd", "v6.1").safety.count("write-to-clean-page"));
  EXPECT_EQ(explore("pin-longterm-fsync-kswapd", "upstream").verdict, trace::Verdict::Clean);
}

// ext4 lost ->writepage in 6.3 (dae999602eeb): on the variants of today's
// kernels kswapd's pageout() activates a dirty ext4 page instead of writing
// it; on 4.15 and 6.1 it writes it. benign-mmap-store's page is dirty and
// reclaimable, so kswapd gets that far.
TEST(FixLab, ReclaimWritesExt4PagesOnlyWhereExt4HasWritepage) {
  const scenario::Scenario sc = scenario::load_scenario("benign-mmap-store");
  for (const char *name :
       {"v4.15", "v6.1", "upstream", "kara-rfc-2023", "pin-wait", "dio-bounce"}) {
    const trace::Result r = app::check(sc, variant(name), {});
    const bool wrote =
        std::find(r.reached.begin(), r.reached.end(), "ext4_writepage") != r.reached.end();
    EXPECT_EQ(wrote, variant(name).ext4_writepage) << name;
    EXPECT_NE(std::find(r.reached.begin(), r.reached.end(), "pageout"), r.reached.end()) << name;
  }
}

// A call a variant's kernel lacks is an input error at the call, naming the
// first release that has it.
TEST(FixLab, CallUnknownToVariantNamesTheFirstKernelThatHasIt) {
  const scenario::Scenario sc = scenario::load_scenario_file(std::string(PAGERACE_SOURCE_DIR) +
                                                             "/tests/data/matrix_madvise.toml");
  try {
    app::check(sc, variant("v4.15"), {});
    FAIL() << "madvise(MADV_PAGEOUT) ran on v4.15";
  } catch (const model::ScenarioRuntimeError &e) {
    EXPECT_EQ(e.pos().line, 13);
    EXPECT_NE(std::string(e.what()).find("Linux 5.4"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(app::check(sc, variant("v6.1"), {}));
}

} // namespace
} // namespace pagerace
