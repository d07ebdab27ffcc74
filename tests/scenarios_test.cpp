// Every built-in scenario against its [expect] table, through app::check():
// exactly the expected violation kinds, every [expect.reaches] event reached,
// counterexamples that replay to the same violation, and determinism of
// both check() and replay(). Plus the seed-race1 counterexample follows the
// race of the mail, and a tiny state bound never claims a clean verdict.
#include "app/check.hpp"
#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "model/variants/variant.hpp"
#include "report/json.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"
#include "trace/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace pagerace;

std::vector<std::string> builtin_names() {
  return scenario::builtin_scenario_names();
}

std::string param_name(const ::testing::TestParamInfo<std::string> &info) {
  std::string out;
  for (char c : info.param)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// The variants a scenario states expectations for ([expect] and
// [expect.reaches] keys).
std::vector<std::string> expected_variants(const scenario::Scenario &sc) {
  std::set<std::string> names;
  for (const auto &[v, kinds] : sc.expect)
    names.insert(v);
  for (const auto &[v, events] : sc.reaches)
    names.insert(v);
  for (const auto &[v, kinds] : sc.expect_liveness)
    names.insert(v);
  return {names.begin(), names.end()};
}

std::string events_bytes(const trace::Trace &t) {
  return report::trace_to_json(t).dump();
}

bool has_violation_event(const app::Replay &r, const std::string &kind) {
  for (const auto &v : r.violations)
    if (v.kind == kind) return true;
  return false;
}

class BuiltinScenario : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    sc_ = scenario::load_scenario(GetParam());
    variants_ = expected_variants(sc_);
    ASSERT_FALSE(variants_.empty())
        << "built-in scenario " << GetParam() << " has no [expect] for any kernel variant";
  }

  const model::Variant &variant(const std::string &name) {
    const model::Variant *v = model::find_variant(name);
    if (!v) ADD_FAILURE() << GetParam() << ": [expect] names unknown kernel variant " << name;
    return v ? *v : model::default_variant();
  }

  scenario::Scenario sc_;
  std::vector<std::string> variants_;
};

TEST_P(BuiltinScenario, FindsExactlyTheExpectedKindsAndReachesEveryEvent) {
  for (const auto &vname : variants_) {
    SCOPED_TRACE("variant " + vname);
    ASSERT_NE(model::find_variant(vname), nullptr) << "unknown kernel variant " << vname;
    const trace::Result r = app::check(sc_, variant(vname), {});
    EXPECT_NE(r.verdict, trace::Verdict::Bounded) << "unbounded check was bounded";

    // Our own comparison, from the violations found.
    std::set<std::string> found;
    for (const auto &v : r.violations)
      EXPECT_TRUE(found.insert(v.kind).second) << "kind reported twice: " << v.kind;
    auto it = sc_.expect.find(vname);
    if (it != sc_.expect.end()) {
      EXPECT_EQ(found, it->second);
      if (r.liveness.empty()) {
        EXPECT_EQ(r.verdict,
                  it->second.empty() ? trace::Verdict::Clean : trace::Verdict::Violation);
      }
      EXPECT_TRUE(r.expectation.kinds_match);
    }
    std::set<std::string> found_liveness;
    for (const auto &v : r.liveness)
      EXPECT_TRUE(found_liveness.insert(v.kind).second) << "kind reported twice: " << v.kind;
    if (auto lit = sc_.expect_liveness.find(vname); lit != sc_.expect_liveness.end()) {
      EXPECT_EQ(found_liveness, lit->second);
      EXPECT_TRUE(r.expectation.liveness_match);
    }
    EXPECT_TRUE(r.expectation.checked);

    // Every [expect.reaches] event, in Result::reached and not unreached.
    auto rit = sc_.reaches.find(vname);
    if (rit != sc_.reaches.end()) {
      for (const auto &ev : rit->second) {
        EXPECT_NE(std::find(r.reached.begin(), r.reached.end(), ev), r.reached.end())
            << "event not reached: " << ev;
      }
    }
    EXPECT_TRUE(r.expectation.unreached.empty())
        << "unreached: " << ::testing::PrintToString(r.expectation.unreached);
  }
}

TEST_P(BuiltinScenario, EveryCounterexampleReplaysToTheSameKindDeterministically) {
  for (const auto &vname : variants_) {
    SCOPED_TRACE("variant " + vname);
    const model::Variant &v = variant(vname);
    const trace::Result r = app::check(sc_, v, {});
    std::vector<trace::Violation> found = r.violations;
    found.insert(found.end(), r.liveness.begin(), r.liveness.end());
    for (const auto &viol : found) {
      SCOPED_TRACE("kind " + viol.kind + ", schedule " + viol.trace.schedule);
      std::string err;
      const auto schedule = engine::parse_schedule(viol.trace.schedule, &err);
      ASSERT_TRUE(schedule.has_value()) << err;
      EXPECT_EQ(engine::format_schedule(*schedule), viol.trace.schedule);
      EXPECT_EQ(static_cast<int>(schedule->size()), viol.trace.steps);

      const app::Replay a = app::replay(sc_, v, *schedule);
      ASSERT_TRUE(a.error.empty()) << a.error;
      EXPECT_TRUE(has_violation_event(a, viol.kind));
      const bool event_in_trace =
          std::any_of(a.trace.events.begin(), a.trace.events.end(),
                      [](const trace::Event &e) { return e.kind == trace::EventKind::Violation; });
      EXPECT_TRUE(event_in_trace) << "the replayed trace shows no violation event";

      const app::Replay b = app::replay(sc_, v, *schedule);
      ASSERT_TRUE(b.error.empty()) << b.error;
      EXPECT_EQ(events_bytes(a.trace), events_bytes(b.trace)) << "replay is not deterministic";
      EXPECT_EQ(a.trace.schedule, b.trace.schedule);
      // The trace check() reported is the replayed one.
      EXPECT_EQ(events_bytes(a.trace), events_bytes(viol.trace));
    }
  }
}

TEST_P(BuiltinScenario, CheckIsDeterministic) {
  for (const auto &vname : variants_) {
    SCOPED_TRACE("variant " + vname);
    const model::Variant &v = variant(vname);
    const trace::Result a = app::check(sc_, v, {});
    const trace::Result b = app::check(sc_, v, {});
    EXPECT_EQ(a.verdict, b.verdict);
    EXPECT_EQ(a.stats.states, b.stats.states);
    EXPECT_EQ(a.stats.steps, b.stats.steps);
    EXPECT_EQ(a.stats.executions, b.stats.executions);
    EXPECT_EQ(a.reached, b.reached);
    ASSERT_EQ(a.liveness.size(), b.liveness.size());
    for (size_t i = 0; i < a.liveness.size(); ++i)
      EXPECT_EQ(a.liveness[i].trace.schedule, b.liveness[i].trace.schedule);
    ASSERT_EQ(a.violations.size(), b.violations.size());
    for (size_t i = 0; i < a.violations.size(); ++i) {
      EXPECT_EQ(a.violations[i].kind, b.violations[i].kind);
      EXPECT_EQ(a.violations[i].trace.schedule, b.violations[i].trace.schedule);
      EXPECT_EQ(events_bytes(a.violations[i].trace), events_bytes(b.violations[i].trace));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Builtins, BuiltinScenario, ::testing::ValuesIn(builtin_names()),
                         param_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BuiltinScenario);

TEST(BuiltinScenarios, TheSeedScenariosAreBuiltIn) {
  const auto names = builtin_names();
  for (const char *n : {"seed-race1", "seed-race1-as-drawn", "seed-race2"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

// ---------------------------------------------------------------------------
// seed-race1: the dirty-without-buffers counterexample is the mail's race 1.
// The flusher (CPU3) cleans the page for I/O, kswapd (CPU2) then strips its
// buffers, and only then the DIO completion on CPU1 re-dirties it with
// set_page_dirty_lock(), which is where the violation is reported.

bool call_named(const trace::Event &e, const std::string &fn) {
  if (e.kind != trace::EventKind::Call) return false;
  return e.text == fn || e.text.rfind(fn + "(", 0) == 0;
}

int actor_index(const trace::Trace &t, const std::string &name) {
  auto it = std::find(t.actors.begin(), t.actors.end(), name);
  return it == t.actors.end() ? -1 : static_cast<int>(it - t.actors.begin());
}

// The counterexample of `kind` that a check of `scenario` under its own
// kernel finds, if any.
std::optional<trace::Violation> counterexample(const std::string &scenario,
                                               const std::string &kind) {
  const scenario::Scenario sc = scenario::load_scenario(scenario);
  const trace::Result r = app::check(sc, app::select_variant(sc, ""), {});
  for (const trace::Violation &v : r.violations)
    if (v.kind == kind) return v;
  return std::nullopt;
}

TEST(SeedRace1, DirtyWithoutBuffersTraceIsTheMailsRace) {
  const auto found = counterexample("seed-race1", "dirty-without-buffers");
  ASSERT_TRUE(found) << "no dirty-without-buffers counterexample";
  const trace::Trace &t = found->trace;

  const int dio = actor_index(t, "CPU1"), reclaim = actor_index(t, "CPU2"),
            flusher = actor_index(t, "CPU3");
  ASSERT_GE(dio, 0);
  ASSERT_GE(reclaim, 0);
  ASSERT_GE(flusher, 0);

  // The violation event, and the set_page_dirty_lock() of the DIO completion
  // that leads to it (the last one before it).
  const auto &ev = t.events;
  size_t viol = ev.size();
  for (size_t i = 0; i < ev.size(); ++i)
    if (ev[i].kind == trace::EventKind::Violation &&
        ev[i].text.rfind("dirty-without-buffers", 0) == 0) {
      viol = i;
      break;
    }
  ASSERT_LT(viol, ev.size()) << "no dirty-without-buffers event in the trace";
  size_t dirty = ev.size();
  for (size_t i = viol; i-- > 0;)
    if (call_named(ev[i], "set_page_dirty_lock")) {
      dirty = i;
      break;
    }
  ASSERT_LT(dirty, ev.size()) << "no set_page_dirty_lock before the violation";
  EXPECT_EQ(ev[dirty].actor, dio) << "set_page_dirty_lock must be the DIO completion on CPU1";

  // kswapd's try_to_free_buffers() before it...
  size_t freed = ev.size();
  for (size_t i = dirty; i-- > 0;)
    if (call_named(ev[i], "try_to_free_buffers") && ev[i].actor == reclaim) {
      freed = i;
      break;
    }
  ASSERT_LT(freed, ev.size()) << "no try_to_free_buffers by kswapd before set_page_dirty_lock";

  // ...and the flusher's writeback (ext4_writepages / clear_page_dirty_for_io)
  // before that.
  bool cleaned = false;
  for (size_t i = 0; i < freed && !cleaned; ++i)
    cleaned = ev[i].actor == flusher && (call_named(ev[i], "ext4_writepages") ||
                                         call_named(ev[i], "clear_page_dirty_for_io"));
  EXPECT_TRUE(cleaned) << "no writeback by the flusher before try_to_free_buffers";
}

// A state bound can stop the search early; the verdict must then say so (or
// report a violation found before the bound), never "clean".
TEST(SeedRace1, MaxStatesBoundIsNeverClean) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race1");
  const model::Variant &v = app::select_variant(sc, "");
  app::CheckOptions opts;
  opts.limits = engine::Limits{10, 0};
  const trace::Result r = app::check(sc, v, opts);
  EXPECT_NE(r.verdict, trace::Verdict::Clean);
  EXPECT_TRUE(r.verdict == trace::Verdict::Bounded || r.verdict == trace::Verdict::Violation);
  EXPECT_LT(r.stats.states, 100u) << "the bound was not applied";
  if (r.verdict == trace::Verdict::Bounded) {
    EXPECT_FALSE(r.bound_reason.empty());
  }
}

TEST(SeedRace1, MaxStepsBoundIsNeverClean) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race1");
  const model::Variant &v = app::select_variant(sc, "");
  app::CheckOptions opts;
  opts.limits = engine::Limits{0, 5};
  const trace::Result r = app::check(sc, v, opts);
  EXPECT_NE(r.verdict, trace::Verdict::Clean);
}

TEST(BoundedSearch, TinyBoundOnACleanScenarioIsBounded) {
  const scenario::Scenario sc = scenario::load_scenario("benign-dio-write-from-mapped");
  const model::Variant &v = app::select_variant(sc, "");
  app::CheckOptions opts;
  opts.limits = engine::Limits{10, 0};
  const trace::Result r = app::check(sc, v, opts);
  EXPECT_EQ(r.verdict, trace::Verdict::Bounded);
  EXPECT_FALSE(r.bound_reason.empty());
  // The same scenario without a bound is clean.
  EXPECT_EQ(app::check(sc, v, {}).verdict, trace::Verdict::Clean);
}

// seed-race1-as-drawn has no flusher CPU: kswapd's own pageout() refuses the
// page (is_page_cache_freeable()), but a batch of nothing but unqueued dirty
// pages makes kswapd wake the flusher (4.15 shrink_inactive_list()), whose
// kworker cleans the page; kswapd then strips its buffers and the DIO
// completion dirties it.
TEST(SeedRace1AsDrawn, TheFlusherKswapdWakesCleansThePage) {
  const auto found = counterexample("seed-race1-as-drawn", "dirty-without-buffers");
  ASSERT_TRUE(found) << "no dirty-without-buffers counterexample";
  const trace::Trace &t = found->trace;
  const int kswapd = actor_index(t, "CPU2"), flusher = actor_index(t, "kworker-flush");
  ASSERT_GE(kswapd, 0);
  ASSERT_GE(flusher, 0);
  const auto &ev = t.events;
  // The wakeup that set WB_start_all (a call can find it set, or no dirty inode).
  size_t woken = ev.size(), cleaned = ev.size(), freed = ev.size();
  for (size_t i = 0; i < ev.size(); ++i) {
    if (woken == ev.size() && ev[i].actor == kswapd && ev[i].kind == trace::EventKind::Note &&
        ev[i].text.find("WB_start_all set") != std::string::npos)
      woken = i;
    if (cleaned == ev.size() && ev[i].actor == flusher &&
        call_named(ev[i], "clear_page_dirty_for_io"))
      cleaned = i;
    if (cleaned < i && ev[i].actor == kswapd && call_named(ev[i], "try_to_free_buffers")) freed = i;
  }
  ASSERT_LT(woken, ev.size()) << "kswapd did not wake the flusher";
  ASSERT_LT(cleaned, ev.size()) << "the flusher's kworker did not clean the page";
  EXPECT_LT(woken, cleaned);
  EXPECT_LT(freed, ev.size()) << "kswapd did not strip the cleaned page's buffers";
  // kswapd's own pageout() never writes it.
  for (const trace::Event &e : ev) {
    if (e.actor == kswapd) {
      EXPECT_FALSE(call_named(e, "ext4_writepage")) << e.text;
    }
  }
}

// A schedule that does not fit the scenario is reported, not executed.
TEST(ScenarioReplay, ScheduleNotEnabledIsAnError) {
  const scenario::Scenario sc = scenario::load_scenario("seed-race2");
  const model::Variant &v = app::select_variant(sc, "");
  const auto schedule = engine::parse_schedule("9");
  ASSERT_TRUE(schedule.has_value());
  const app::Replay r = app::replay(sc, v, *schedule);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(r.violations.empty());
}

} // namespace
