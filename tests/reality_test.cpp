// The reproducer's pure parts: the plan's text form, the scenario-to-probe
// translation (what it keeps, what it adds, what it refuses and where), the
// probe-output parser (console noise included) and the mapping of
// observations to the model's invariants. The model's verdicts on translated
// scenarios are checked too: they are what a real run is compared with.
#include "app/check.hpp"
#include "reality/observe.hpp"
#include "reality/plan.hpp"
#include "reality/translate.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"
#include "scenario_vars.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace {

using namespace pagerace;
using reality::Agreement;

TEST(RealityPlan, RoundTrips) {
  reality::Plan p;
  p.scenario = "s";
  p.nvars = 3;
  p.files = {{"file1", 2, 'a', true, false}, {"file2", 1, 'b', false, true}};
  p.cpus = {{"CPU1",
             false,
             {{"mmap", 0, {{false, 0, -1}, {false, 1, -1}, {false, 0, -1}, {false, 3, -1}}, false},
              {"read", -1, {{true, 0, 1}, {true, 4096, 0}, {false, 4096, -1}}, false}}},
            {"wb", true, {{"open", 2, {{false, 0, -1}, {false, 2, -1}}, true}}}};
  const reality::Plan q = reality::read_plan(reality::write_plan(p));
  EXPECT_EQ(reality::write_plan(q), reality::write_plan(p));
  ASSERT_EQ(q.cpus.size(), 2u);
  EXPECT_TRUE(q.cpus[1].helper);
  EXPECT_TRUE(q.cpus[1].ops[0].setup);
  EXPECT_EQ(q.cpus[0].ops[1].args[1].value, 4096);
  EXPECT_TRUE(q.cpus[0].ops[1].args[1].var);
  EXPECT_EQ(q.files[1].dev, 'b');
  EXPECT_FALSE(q.files[1].cached);
  EXPECT_TRUE(q.files[1].hole);
}

TEST(RealityPlan, BadTextIsRejectedWithItsLine) {
  EXPECT_THROW(reality::read_plan(""), reality::PlanError);
  EXPECT_THROW(reality::read_plan("vars 1\n"), reality::PlanError);
  EXPECT_THROW(reality::read_plan("pagerace-plan 2\n"), reality::PlanError);
  try {
    reality::read_plan("pagerace-plan 1 s\nvars 1\ncpu task C\nop read -1 v5+0\n");
    FAIL() << "an out-of-range variable was accepted";
  } catch (const reality::PlanError &e) {
    EXPECT_NE(std::string(e.what()).find("line 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(reality::read_plan("pagerace-plan 1 s\nvars 1\ncpu task C\nop read -1 cx\n"),
               reality::PlanError);
  // The probe creates files by these names, as root on the host.
  EXPECT_THROW(reality::read_plan("pagerace-plan 1 s\nvars 0\nfile ../../etc/x 1 a 1 0\n"),
               reality::PlanError);
  EXPECT_THROW(reality::read_plan("pagerace-plan 1 s\nvars 0\nfile .hidden 1 a 1 0\n"),
               reality::PlanError);
}

const reality::PlanCpu *cpu_named(const reality::Plan &p, const std::string &name) {
  for (const auto &c : p.cpus)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> calls(const reality::PlanCpu &c) {
  std::vector<std::string> out;
  for (const auto &op : c.ops)
    out.push_back(op.call);
  return out;
}

TEST(RealityTranslate, KernelThreadsBecomeModelledUserSpaceDrivers) {
  const auto t = reality::translate(scenario::load_scenario("seed-race1"));
  // The scenario's CPU keeps its calls and ends with the durability point.
  const auto *cpu1 = cpu_named(t.plan, "CPU1");
  ASSERT_NE(cpu1, nullptr);
  EXPECT_FALSE(cpu1->helper);
  EXPECT_EQ(calls(*cpu1), (std::vector<std::string>{"open", "mmap", "open", "read", "fdatasync"}));
  // kswapd() -> madvise(MADV_COLD), madvise(MADV_PAGEOUT) of the mapping,
  // waiting for its address.
  const auto *ksw = cpu_named(t.plan, "CPU2");
  ASSERT_NE(ksw, nullptr);
  EXPECT_TRUE(ksw->helper);
  ASSERT_EQ(calls(*ksw), (std::vector<std::string>{"madvise", "madvise"}));
  EXPECT_TRUE(ksw->ops[0].args[0].var);
  EXPECT_EQ(ksw->ops[0].args[2].value, scenario::flags::MADV_COLD);
  EXPECT_EQ(ksw->ops[1].args[2].value, scenario::flags::MADV_PAGEOUT);
  // writeback() -> open once, then fdatasync, msync and sync_file_range in
  // the loop.
  const auto *wb = cpu_named(t.plan, "CPU3");
  ASSERT_NE(wb, nullptr);
  EXPECT_TRUE(wb->helper);
  ASSERT_EQ(calls(*wb),
            (std::vector<std::string>{"open", "fdatasync", "msync", "sync_file_range"}));
  EXPECT_TRUE(wb->ops[0].setup);
  for (size_t i = 1; i < wb->ops.size(); ++i)
    EXPECT_FALSE(wb->ops[i].setup);
  EXPECT_EQ(wb->ops[2].args[2].value, scenario::flags::MS_SYNC);
  // The O_DIRECT source sits on the throttled device; the mapped file does not.
  ASSERT_EQ(t.plan.files.size(), 2u);
  EXPECT_EQ(t.plan.files[0].dev, 'a');
  EXPECT_EQ(t.plan.files[1].dev, 'b');
  // The plan is the translated scenario: same CPUs, same calls, same variables.
  ASSERT_EQ(t.scenario.cpus.size(), t.plan.cpus.size());
  for (size_t c = 0; c < t.plan.cpus.size(); ++c)
    EXPECT_EQ(t.scenario.cpus[c].ops.size(), t.plan.cpus[c].ops.size());
  EXPECT_EQ(static_cast<int>(t.scenario.vars.size()), t.plan.nvars);
  // And the text parses to the same scenario.
  const auto again = scenario::parse_scenario(t.text, "again.toml");
  EXPECT_EQ(again.cpus.size(), t.scenario.cpus.size());
}

TEST(RealityTranslate, EveryBuiltInIsTranslatedOrRefusedWithItsPosition) {
  int translated = 0;
  for (const auto &name : scenario::builtin_scenario_names()) {
    const auto sc = scenario::load_scenario(name);
    try {
      const auto t = reality::translate(sc);
      ++translated;
      EXPECT_NO_THROW(reality::read_plan(reality::write_plan(t.plan))) << name;
    } catch (const reality::Refused &e) {
      EXPECT_GT(e.where().line, 0) << name << ": " << e.what();
      EXPECT_FALSE(std::string(e.what()).empty()) << name;
    }
  }
  EXPECT_GE(translated, 8);
}

scenario::Scenario parse(const std::string &cpus, const std::string &files = "") {
  return scenario::parse_scenario("name = \"t\"\n[files]\nfile1 = { pages = 1" + files +
                                      " }\nfile2 = { pages = 1 }\n" + cpus,
                                  "t.toml");
}

TEST(RealityTranslate, RefusesWhatUserSpaceCannotDo) {
  auto refused_at = [](const scenario::Scenario &sc) {
    try {
      reality::translate(sc);
    } catch (const reality::Refused &e) {
      return e.where().line;
    }
    return 0;
  };
  // An RDMA driver's pin has no system call.
  EXPECT_EQ(refused_at(parse("[[cpu]]\nname = \"A\"\nrun = [\"addr = mmap(file1, MAP_SHARED)\",\n"
                             "\"p = pin_user_pages(addr, 4096, FOLL_WRITE | FOLL_LONGTERM)\"]\n")),
            8);
  // A stable-pages device is not what the loop and NVMe devices are.
  EXPECT_EQ(refused_at(parse("[[cpu]]\nname = \"A\"\nrun = [\"writeback()\"]\n",
                             ", stable_writes = true")),
            3);
  // kswapd() needs a shared mapping to push pages out with MADV_PAGEOUT.
  EXPECT_EQ(refused_at(parse("[[cpu]]\nname = \"A\"\nrun = [\"kswapd()\"]\n")), 7);
}

TEST(RealityTranslate, ModelVerdictsOfTranslatedSeedRaces) {
  // What a real run is compared with: race 1 on 6.1 (FOLL_GET) and not on
  // upstream (FOLL_PIN); the durability gap on both.
  const auto t = reality::translate(scenario::load_scenario("seed-race1"));
  app::CheckOptions o;
  auto kinds = [&](const char *variant) {
    std::set<std::string> k;
    for (const auto &v : app::check(t.scenario, *model::find_variant(variant), o).violations)
      k.insert(v.kind);
    return k;
  };
  const auto v61 = kinds("v6.1"), up = kinds("upstream");
  EXPECT_TRUE(v61.count("lost-write") && v61.count("dirty-without-buffers")) << v61.size();
  EXPECT_TRUE(v61.count("fsync-gap"));
  EXPECT_FALSE(up.count("lost-write") || up.count("dirty-without-buffers"));
  EXPECT_TRUE(up.count("fsync-gap"));
}

TEST(RealityObserve, ParsesResultsThroughConsoleNoise) {
  const std::string console =
      "[    2.1] random: crng init done\r\n"
      "PAGERACE-PROBE kernel=6.1.0-56-cloud-amd64 scenario=seed-race1 kmsg=1 kpageflags=1\r\n"
      "[   9.9] EXT4-fs warning PAGERACE-KMSG iter=12 EXT4-fs warning (device nvme0n1): page 0 "
      "does not have buffers attached\n"
      "PAGERACE-ERROR something odd\n"
      "garbagePAGERACE-RESULT kernel=6.1.0-56-cloud-amd64 iterations=1226 seconds=20.0 "
      "dio_reads=1226 windows=1124 race1_windows=203 late_iters=1 late_pages=2 lost_iters=9 "
      "lost_pages=9 clean_at_return=97 wb_at_return=115 nobuf=17 warnings=1 oopses=0 errors=0 "
      "kmsg=1 kpageflags=1 unknown=5\r\n";
  const auto o = reality::parse_probe_output(console);
  EXPECT_TRUE(o.complete);
  EXPECT_EQ(o.kernel, "6.1.0-56-cloud-amd64");
  EXPECT_EQ(o.iterations, 1226u);
  EXPECT_EQ(o.windows, 1124u);
  EXPECT_EQ(o.race1_windows, 203u);
  EXPECT_EQ(o.late_pages, 2u);
  EXPECT_EQ(o.lost_pages, 9u);
  EXPECT_EQ(o.nobuf, 17u);
  EXPECT_EQ(o.wb_at_return, 115u);
  EXPECT_TRUE(o.kmsg && o.kpageflags);
  ASSERT_EQ(o.kmsg_lines.size(), 1u);
  EXPECT_EQ(o.kmsg_lines[0].rfind("iter=12 ", 0), 0u);
  ASSERT_EQ(o.probe_errors.size(), 1u);
}

TEST(RealityObserve, AnUnfinishedRunIsIncomplete) {
  const auto o = reality::parse_probe_output("PAGERACE-PROBE kernel=6.12 kmsg=1\nKernel panic");
  EXPECT_FALSE(o.complete);
  EXPECT_EQ(o.kernel, "6.12");
  EXPECT_FALSE(reality::parse_probe_output("").complete);
}

Agreement row(const std::vector<reality::Comparison> &rows, const std::string &kind) {
  for (const auto &r : rows)
    if (r.invariant == kind) return r.agreement;
  ADD_FAILURE() << "no row " << kind;
  return Agreement::NotObservable;
}

TEST(RealityObserve, ObservationsMapToInvariantsAndAgreements) {
  reality::Observation o;
  o.kmsg = o.kpageflags = true;
  o.lost_pages = 3; // seen; model reaches it
  o.late_pages = 0; // not seen; model reaches it
  o.nobuf = 2;      // seen; model clean -> a finding
  o.clean_at_return = 0;
  o.wb_at_return = 5;
  const std::set<std::string> model = {"lost-write", "fsync-gap"};
  auto rows = reality::compare(o, model, true);
  EXPECT_EQ(row(rows, "lost-write"), Agreement::AgreesSeen);
  EXPECT_EQ(row(rows, "fsync-gap"), Agreement::NotSeenReachable);
  EXPECT_EQ(row(rows, "dirty-without-buffers"), Agreement::Disagrees);
  EXPECT_EQ(row(rows, "write-to-clean-page"), Agreement::AgreesNotSeen);
  EXPECT_EQ(row(rows, "write-under-writeback"), Agreement::NotComparable);
  // A bounded model never proves absence.
  rows = reality::compare(o, model, false);
  EXPECT_EQ(row(rows, "dirty-without-buffers"), Agreement::SeenModelBounded);
  EXPECT_EQ(row(rows, "write-to-clean-page"), Agreement::NotSeenBounded);
  // What the probe could not read is not "agrees".
  o.kmsg = false;
  o.nobuf = 0;
  rows = reality::compare(o, model, true);
  EXPECT_EQ(row(rows, "dirty-without-buffers"), Agreement::NotObservable);
}

} // namespace

namespace {

// What the tasks' calls returned: PAGERACE-CALL lines through console noise.
TEST(RealityObserve, ParsesCallResults) {
  const auto o =
      reality::parse_probe_output("[ 3.2] PAGERACE-CALL var=5 value=-22 count=40\r\n"
                                  "PAGERACE-CALL var=5 value=4096 count=2\n"
                                  "PAGERACE-CALL var=7 value=0 count=42\n"
                                  "PAGERACE-CALL var=x value=1 count=1\n" // not a variable: ignored
                                  "PAGERACE-CALL value=1 count=1\n"       // no variable: ignored
                                  "PAGERACE-CALL var=-1 value=1 count=1\n" // ignored
                                  "PAGERACE-RESULT kernel=6.1 iterations=42 errors=40\n");
  ASSERT_TRUE(o.complete);
  ASSERT_EQ(o.call_results.size(), 2u);
  EXPECT_EQ(o.call_results.at(5), (std::map<int64_t, uint64_t>{{-22, 40}, {4096, 2}}));
  EXPECT_EQ(o.call_results.at(7), (std::map<int64_t, uint64_t>{{0, 42}}));
}

// Each real result must be one the model's end states give the call's
// variable; only counts, -errno and aio handles are compared.
TEST(RealityObserve, CallResultsAreComparedWithTheModelsEndStates) {
  const scenario::Scenario sc = scenario::parse_scenario(R"toml(
name = "calls"
description = "calls whose results are compared"
[files]
file1 = { pages = 1 }
[[cpu]]
name = "CPU1"
run = ["a = mmap(file1, MAP_SHARED)",
       "fd = open(file1, O_DIRECT | O_RDONLY)",
       "r = read(fd, a, 4096)",
       "io = io_submit(fd, a, 4096)",
       "e = io_getevents(io)",
       "t = load(a)"]
)toml",
                                                         "calls.toml");
  const auto var = [&](const char *name) { return test_util::var_index(sc, name); };
  reality::Observation o;
  o.complete = true;
  for (const char *v : {"a", "fd", "t"}) // addresses, descriptors, tokens: never compared
    o.call_results[var(v)] = {{12345, 1}};
  o.call_results[var("r")] = {{4096, 5}, {-22, 1}};
  o.call_results[var("io")] = {{1, 3}, {2, 3}}; // the probe's own handles
  o.call_results[var("e")] = {{4096, 6}};
  std::map<int, std::set<int64_t>> model = {
      {var("r"), {4096, -22}}, {var("io"), {1}}, {var("e"), {4096, 0}}};
  auto calls = reality::compare_calls(o, sc, model, true);
  ASSERT_EQ(calls.size(), 3u);
  for (const auto &c : calls)
    EXPECT_EQ(c.agreement, Agreement::AgreesSeen) << c.call;
  EXPECT_EQ(calls[1].real, (std::vector<std::pair<int64_t, uint64_t>>{{1, 6}}))
      << "submitted requests count as 1";
  // A value the model never returns: a finding, or a bounded model's miss.
  model[var("r")] = {4096};
  calls = reality::compare_calls(o, sc, model, true);
  EXPECT_EQ(calls[0].agreement, Agreement::Disagrees);
  EXPECT_EQ(calls[0].call, "r = read(fd, a, 4096)");
  EXPECT_EQ(calls[0].model, (std::vector<int64_t>{4096}));
  calls = reality::compare_calls(o, sc, model, false);
  EXPECT_EQ(calls[0].agreement, Agreement::SeenModelBounded);
  // An aio request the kernel refused is compared by its -errno.
  o.call_results[var("io")] = {{-22, 1}};
  calls = reality::compare_calls(o, sc, model, true);
  EXPECT_EQ(calls[1].agreement, Agreement::Disagrees);
}

// A read or write whose result the scenario drops gets a variable, so that
// it is compared, unless that takes the scenario over its 24 variables.
TEST(RealityTranslate, DroppedResultsOfReadsAndWritesAreNamed) {
  const auto seed = reality::translate(scenario::load_scenario("seed-race1"));
  EXPECT_NE(seed.text.find("\"rk_ret0 = read(fd2, addr, 4096)\""), std::string::npos) << seed.text;
  // The probe reports it by the variable the model keeps it in.
  const int ret0 = test_util::var_index(seed.scenario, "rk_ret0");
  ASSERT_GE(ret0, 0);
  bool planned = false;
  for (const auto &cpu : seed.plan.cpus)
    for (const auto &op : cpu.ops)
      planned = planned || (op.call == "read" && op.target == ret0);
  EXPECT_TRUE(planned) << "the plan's read assigns variable " << ret0;
  // What the model returns for it, from the end states of its search.
  std::map<int, std::set<int64_t>> end_values;
  app::CheckOptions opts;
  opts.end_values = &end_values;
  const auto res = app::check(seed.scenario, *model::find_variant("v6.1"), opts);
  ASSERT_FALSE(res.bounded);
  EXPECT_EQ(end_values[ret0], (std::set<int64_t>{4096}));
  opts.search = engine::Search::Dpor; // only a search that stores every state has them all
  EXPECT_THROW(app::check(seed.scenario, *model::find_variant("v6.1"), opts), std::logic_error);
  std::string run =
      "\"addr = mmap(file1, MAP_SHARED)\", \"fd2 = open(file2, O_DIRECT | O_RDONLY)\"";
  for (int i = 0; i < 21; ++i) // 23 variables; the durability check's open makes 24
    run += fmt::format(", \"x{} = sync()\"", i);
  run += ", \"read(fd2, addr, 4096)\"";
  const scenario::Scenario full = scenario::parse_scenario(
      "name = \"full\"\ndescription = \"d\"\n[files]\nfile1 = { pages = 1 }\n"
      "file2 = { pages = 1 }\n[[cpu]]\nname = \"CPU1\"\nrun = [" +
          run + "]\n",
      "full.toml");
  const auto t = reality::translate(full);
  EXPECT_EQ(t.text.find("rk_ret"), std::string::npos) << t.text;
  EXPECT_NE(t.text.find("\"read(fd2, addr, 4096)\""), std::string::npos) << t.text;
  EXPECT_EQ(t.scenario.vars.size(), 24u);
}

} // namespace
