// The scenario x variant matrix below the command line: app::run_matrix and
// its cells (n/a, errors kept to their cell, judgement, order independent of
// the number of threads), app::parse_variant_list, app::matrix_exit_code, and
// the three renderers of report/matrix.hpp on matrices built by hand.
#include "app/exit_codes.hpp"
#include "app/matrix.hpp"
#include "model/kernel/ctx.hpp"
#include "model/variants/variant.hpp"
#include "report/matrix.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include "markdown_table.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace pagerace;
using nlohmann::json;

const model::Variant &variant(const std::string &name) {
  const model::Variant *v = model::find_variant(name);
  if (v == nullptr) throw std::invalid_argument("test needs variant " + name);
  return *v;
}

std::vector<const model::Variant *> v415_family() {
  return {&variant("v4.15"), &variant("v4.15-refcount-check"),
          &variant("v4.15-refcount-check-late")};
}

std::vector<std::string> lines_of(const std::string &s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

// A scenario with one CPU running sync(), plus `extra` TOML at the end.
scenario::Scenario tiny(const std::string &name, const std::string &extra = "") {
  return scenario::parse_scenario("name = \"" + name + "\"\n[[cpu]]\nrun = [\"sync()\"]\n" + extra,
                                  name + ".toml");
}

scenario::Scenario madvise_scenario(const std::string &extra = "") {
  return scenario::parse_scenario("name = \"madv\"\n[files]\nf = { pages = 1 }\n[[cpu]]\n"
                                  "run = [\"a = mmap(f, MAP_SHARED)\", "
                                  "\"madvise(a, 4096, MADV_PAGEOUT)\"]\n" +
                                      extra,
                                  "madv.toml");
}

trace::Violation violation(const std::string &kind, const std::string &schedule) {
  trace::Violation v;
  v.kind = kind;
  v.site = "site";
  v.reason = "reason";
  v.trace.schedule = schedule;
  return v;
}

// A runner that makes up results: `kinds` found on every variant, nothing
// explored for real, the expectation judged as check() judges it.
app::CellRunner fake_runner(std::vector<std::string> kinds, std::atomic<int> *calls = nullptr) {
  return [kinds, calls](const scenario::Scenario &sc, const model::Variant &v,
                        const app::CheckOptions &) {
    if (calls) ++*calls;
    trace::Result r;
    r.scenario = sc.name;
    r.scenario_source = sc.source;
    r.variant = v.name;
    r.stats.executions = 7;
    r.replay_command_prefix = app::replay_prefix(sc, v);
    for (const auto &k : kinds)
      (app::is_liveness_kind(k) ? r.liveness : r.violations).push_back(violation(k, "0.1"));
    r.verdict = kinds.empty() ? trace::Verdict::Clean : trace::Verdict::Violation;
    app::judge_expectation(sc, r);
    return r;
  };
}

// ---------------------------------------------------------------------------
// run_matrix

TEST(RunMatrix, RowsAreScenariosColumnsAreVariantsInTheOrderGiven) {
  std::atomic<int> calls{0};
  app::MatrixOptions opts;
  opts.run = fake_runner({}, &calls);
  const std::vector<scenario::Scenario> scs = {tiny("b"), tiny("a")};
  const auto vs = v415_family();
  const trace::Matrix m = app::run_matrix(scs, {vs[2], vs[0]}, opts);
  EXPECT_EQ(m.scenarios, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(m.variants, (std::vector<std::string>{"v4.15-refcount-check-late", "v4.15"}));
  ASSERT_EQ(m.cells.size(), 4u);
  EXPECT_EQ(calls.load(), 4);
  for (size_t r = 0; r < 2; ++r)
    for (size_t c = 0; c < 2; ++c) {
      EXPECT_EQ(m.at(r, c).scenario, m.scenarios[r]);
      EXPECT_EQ(m.at(r, c).variant, m.variants[c]);
      EXPECT_EQ(m.at(r, c).status, trace::CellStatus::Ran);
    }
}

TEST(RunMatrix, OutputDoesNotDependOnTheNumberOfThreads) {
  std::vector<scenario::Scenario> scs;
  for (const char *n : {"seed-race2", "seed-race1-as-drawn"})
    scs.push_back(scenario::load_scenario(n));
  scs.push_back(madvise_scenario());
  app::MatrixOptions one, many;
  one.jobs = 1;
  many.jobs = 4;
  const trace::Matrix a = app::run_matrix(scs, v415_family(), one);
  const trace::Matrix b = app::run_matrix(scs, v415_family(), many);
  EXPECT_EQ(report::render_matrix_json(a), report::render_matrix_json(b));
  EXPECT_EQ(report::render_matrix_text(a), report::render_matrix_text(b));
  EXPECT_EQ(report::render_matrix_markdown(a), report::render_matrix_markdown(b));
}

// The real check() on a built-in: the v4.15 cell is judged by its [expect],
// the variants it has no entry for are reported but not judged.
TEST(RunMatrix, RealCheckJudgesOnlyVariantsWithAnExpectation) {
  const trace::Matrix m =
      app::run_matrix({scenario::load_scenario_file(std::string(PAGERACE_SOURCE_DIR) +
                                                    "/tests/data/matrix_v415_only.toml")},
                      v415_family(), {});
  ASSERT_EQ(m.cells.size(), 3u);
  EXPECT_EQ(m.at(0, 0).judgement, trace::Judgement::Met);
  ASSERT_FALSE(m.at(0, 0).result.violations.empty());
  EXPECT_FALSE(m.at(0, 0).result.violations[0].trace.schedule.empty());
  for (size_t c = 1; c < 3; ++c) {
    EXPECT_EQ(m.at(0, c).status, trace::CellStatus::Ran);
    EXPECT_EQ(m.at(0, c).judgement, trace::Judgement::NotJudged);
  }
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitClean);
}

// The text table is followed by every kind found with the schedule that
// replays it, also for cells that met their expectation.
TEST(RunMatrix, TextListsTheScheduleOfEveryKindFound) {
  const trace::Matrix m =
      app::run_matrix({scenario::load_scenario("seed-race2")}, v415_family(), {});
  const std::string text = report::render_matrix_text(m);
  for (const auto &c : m.cells)
    for (const auto &v : c.result.violations) {
      ASSERT_FALSE(v.trace.schedule.empty());
      EXPECT_NE(text.find(v.kind + " " + v.trace.schedule), std::string::npos) << text;
    }
}

TEST(RunMatrix, ACallTheKernelLacksIsNotApplicableAndNeverRun) {
  std::atomic<int> calls{0};
  app::MatrixOptions opts;
  opts.run = fake_runner({}, &calls);
  const trace::Matrix m =
      app::run_matrix({madvise_scenario()}, {&variant("v4.15"), &variant("v6.1")}, opts);
  const trace::MatrixCell &na = m.at(0, 0);
  EXPECT_EQ(na.status, trace::CellStatus::NotApplicable);
  EXPECT_EQ(na.judgement, trace::Judgement::NotJudged);
  // The reason names the call's position and the first release that has it.
  EXPECT_EQ(na.message.rfind("madv.toml:5:", 0), 0u) << na.message;
  EXPECT_NE(na.message.find("Linux 5.4"), std::string::npos) << na.message;
  EXPECT_EQ(m.at(0, 1).status, trace::CellStatus::Ran) << "Linux 6.1 has madvise(MADV_PAGEOUT)";
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitClean);
}

// A scenario that states an expectation for a variant that cannot run it
// contradicts itself: the cell differs from its expectation.
TEST(RunMatrix, NotApplicableCellWithAnExpectationIsAMismatch) {
  app::MatrixOptions opts;
  opts.run = fake_runner({});
  const trace::Matrix m = app::run_matrix({madvise_scenario("[expect]\nv4.15 = \"clean\"\n")},
                                          {&variant("v4.15")}, opts);
  EXPECT_EQ(m.at(0, 0).status, trace::CellStatus::NotApplicable);
  EXPECT_EQ(m.at(0, 0).judgement, trace::Judgement::Mismatch);
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitViolation);
  const auto reasons = report::mismatch_reasons(m.at(0, 0));
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_NE(reasons[0].find("cannot run"), std::string::npos) << reasons[0];
}

TEST(RunMatrix, AModelErrorIsAnErrorCellAndTheRestStillRuns) {
  app::MatrixOptions opts;
  const app::CellRunner ok = fake_runner({});
  opts.run = [ok](const scenario::Scenario &sc, const model::Variant &v,
                  const app::CheckOptions &o) -> trace::Result {
    if (v.name == std::string("v4.15-refcount-check"))
      throw std::logic_error("pagerace model error: frob is not modelled yet");
    return ok(sc, v, o);
  };
  const trace::Matrix m =
      app::run_matrix({tiny("a", "[expect]\nv4.15 = \"clean\"\n"), tiny("b")}, v415_family(), opts);
  for (size_t r = 0; r < 2; ++r) {
    EXPECT_EQ(m.at(r, 0).status, trace::CellStatus::Ran);
    EXPECT_EQ(m.at(r, 1).status, trace::CellStatus::InternalError);
    EXPECT_NE(m.at(r, 1).message.find("frob is not modelled yet"), std::string::npos);
    EXPECT_EQ(m.at(r, 1).judgement, trace::Judgement::NotJudged);
    EXPECT_EQ(m.at(r, 2).status, trace::CellStatus::Ran);
  }
  EXPECT_EQ(m.at(0, 0).judgement, trace::Judgement::Met);
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitInternal);
}

TEST(RunMatrix, AScenarioErrorAtRunTimeIsAnInputErrorCellWithItsPosition) {
  app::MatrixOptions opts;
  opts.run = [](const scenario::Scenario &sc, const model::Variant &,
                const app::CheckOptions &) -> trace::Result {
    throw model::ScenarioRuntimeError(sc.cpus[0].ops[0].pos, "lengths must be multiples of 4096");
  };
  const trace::Matrix m = app::run_matrix({tiny("a")}, {&variant("v4.15")}, opts);
  EXPECT_EQ(m.at(0, 0).status, trace::CellStatus::InputError);
  EXPECT_EQ(m.at(0, 0).message, "a.toml:3:9: lengths must be multiples of 4096");
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitInput);
}

TEST(RunMatrix, CellsAreJudgedByExpectAndExpectLiveness) {
  app::MatrixOptions opts;
  opts.run = fake_runner({"write-to-clean-page", "deadlock"});
  const std::vector<scenario::Scenario> scs = {
      // right on v4.15; a deadlock found but not judged (no [expect.liveness])
      tiny("right", "[expect]\nv4.15 = [\"write-to-clean-page\"]\n"),
      // right safety, wrong liveness
      tiny("live", "[expect]\nv4.15 = [\"write-to-clean-page\"]\n"
                   "[expect.liveness]\nv4.15 = \"clean\"\n"),
      // wrong safety
      tiny("wrong", "[expect]\nv4.15 = \"clean\"\n"),
  };
  const trace::Matrix m = app::run_matrix(scs, {&variant("v4.15")}, opts);
  EXPECT_EQ(m.at(0, 0).judgement, trace::Judgement::Met);
  EXPECT_EQ(m.at(1, 0).judgement, trace::Judgement::Mismatch);
  EXPECT_EQ(report::mismatch_reasons(m.at(1, 0)),
            std::vector<std::string>{"expected liveness clean, found deadlock"});
  EXPECT_EQ(m.at(2, 0).judgement, trace::Judgement::Mismatch);
  EXPECT_EQ(report::mismatch_reasons(m.at(2, 0)),
            std::vector<std::string>{"expected clean, found write-to-clean-page"});
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitViolation);
}

TEST(RunMatrix, BoundedCellsAreNotJudgedAndExitThreeUnlessSomethingMismatches) {
  const std::vector<scenario::Scenario> scs = {scenario::load_scenario("seed-race1-as-drawn")};
  app::MatrixOptions opts;
  opts.check.limits.max_states = 10;
  trace::Matrix m = app::run_matrix(scs, {&variant("v4.15")}, opts);
  ASSERT_EQ(m.at(0, 0).status, trace::CellStatus::Ran);
  EXPECT_TRUE(m.at(0, 0).result.bounded);
  EXPECT_EQ(m.at(0, 0).judgement, trace::Judgement::NotJudged);
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitBounded);
  // One mismatch elsewhere outranks the bound.
  trace::MatrixCell wrong = m.cells[0];
  wrong.result.bounded = false;
  wrong.judgement = trace::Judgement::Mismatch;
  m.cells.push_back(wrong);
  m.scenarios.push_back("again");
  EXPECT_EQ(app::matrix_exit_code(m), app::kExitViolation);
}

// ---------------------------------------------------------------------------
// --kernels

TEST(VariantList, NamesInTheOrderGiven) {
  const auto vs = app::parse_variant_list("v4.15-refcount-check-late,v4.15");
  ASSERT_EQ(vs.size(), 2u);
  EXPECT_STREQ(vs[0]->name, "v4.15-refcount-check-late");
  EXPECT_STREQ(vs[1]->name, "v4.15");
}

std::string list_error(const std::string &list) {
  try {
    app::parse_variant_list(list);
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for --kernels '" << list << "'";
  return "";
}

TEST(VariantList, UnknownEmptyAndRepeatedNamesAreErrors) {
  const std::string unknown = list_error("v4.15,v9.9");
  EXPECT_NE(unknown.find("'v9.9'"), std::string::npos) << unknown;
  for (const model::Variant *v : model::all_variants())
    EXPECT_NE(unknown.find(v->name), std::string::npos) << "the known variants are listed";
  EXPECT_NE(list_error("").find("empty"), std::string::npos);
  EXPECT_NE(list_error("v4.15,").find("empty"), std::string::npos);
  EXPECT_NE(list_error("v4.15,,v6.1").find("empty"), std::string::npos);
  EXPECT_NE(list_error("v4.15,v4.15").find("twice"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Renderers, on a matrix built by hand

trace::MatrixCell cell(const std::string &scenario, const std::string &variant) {
  trace::MatrixCell c;
  c.scenario = c.source = c.result.scenario = scenario;
  c.variant = c.result.variant = variant;
  c.result.replay_command_prefix = "pagerace replay " + scenario + " --kernel " + variant;
  return c;
}

// Rows: "race" (a mismatch on A, met on B), "quiet" (clean, n/a), "broken"
// (error, bounded). Columns: A, B.
trace::Matrix sample_matrix() {
  trace::Matrix m;
  m.scenarios = {"race", "quiet", "broken"};
  m.variants = {"A", "B"};
  trace::MatrixCell mismatch = cell("race", "A");
  mismatch.result.verdict = trace::Verdict::Violation;
  mismatch.result.violations = {violation("write-to-clean-page", "0*3.1")};
  mismatch.result.liveness = {violation("deadlock", "0.1.1")};
  mismatch.result.expectation.checked = mismatch.result.expectation.kinds_checked = true;
  mismatch.result.expectation.kinds_match = false;
  mismatch.judgement = trace::Judgement::Mismatch;
  trace::MatrixCell met = cell("race", "B");
  met.result.verdict = trace::Verdict::Violation;
  met.result.violations = {violation("write-to-clean-page", "0*3.1")};
  met.judgement = trace::Judgement::Met;
  trace::MatrixCell clean = cell("quiet", "A");
  clean.result.stats.executions = 42;
  trace::MatrixCell na = cell("quiet", "B");
  na.status = trace::CellStatus::NotApplicable;
  na.message = "q.toml:5:3: madvise(MADV_PAGEOUT) is unknown to variant B";
  trace::MatrixCell error = cell("broken", "A");
  error.status = trace::CellStatus::InternalError;
  error.message = "pagerace model error: frob is not modelled yet";
  trace::MatrixCell bounded = cell("broken", "B");
  bounded.result.bounded = true;
  bounded.result.verdict = trace::Verdict::Bounded;
  bounded.result.bound_reason = "--max-states 10 reached";
  m.cells = {mismatch, met, clean, na, error, bounded};
  return m;
}

// The table's cells, split at runs of two or more spaces.
std::vector<std::string> columns(const std::string &line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t end = line.find("  ", i);
    if (end == std::string::npos) end = line.size();
    out.push_back(line.substr(i, end - i));
    i = line.find_first_not_of(' ', end);
    if (i == std::string::npos) break;
  }
  return out;
}

TEST(MatrixText, OneRowPerScenarioOneColumnPerVariant) {
  const std::string out = report::render_matrix_text(sample_matrix());
  const auto lines = lines_of(out);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(columns(lines[0]), (std::vector<std::string>{"scenario", "A", "B"}));
  EXPECT_EQ(lines[1].find_first_not_of("- "), std::string::npos) << "a rule under the header";
  EXPECT_EQ(columns(lines[2]), (std::vector<std::string>{"race", "!write-to-clean-page+deadlock",
                                                         "write-to-clean-page"}));
  EXPECT_EQ(columns(lines[3]), (std::vector<std::string>{"quiet", "clean (42)", "n/a"}));
  EXPECT_EQ(columns(lines[4]), (std::vector<std::string>{"broken", "error", "bounded"}));
  // Every column starts at the same offset on every row.
  for (size_t row = 2; row <= 4; ++row)
    EXPECT_EQ(lines[row].find(columns(lines[row])[1]), lines[0].find(" A") + 1) << lines[row];
}

TEST(MatrixText, MismatchesAreListedWithExpectedFoundAndEachSchedule) {
  const std::string out = report::render_matrix_text(sample_matrix());
  const auto lines = lines_of(out);
  const auto at = std::find(lines.begin(), lines.end(), "Mismatches (1):");
  ASSERT_NE(at, lines.end()) << out;
  ASSERT_LT(at + 5, lines.end() + 1);
  EXPECT_EQ(at[1], "! race on A: expected clean, found write-to-clean-page");
  EXPECT_EQ(at[2], "    write-to-clean-page: schedule 0*3.1");
  EXPECT_EQ(at[3], "      replay: pagerace replay race --kernel A --schedule '0*3.1'");
  EXPECT_EQ(at[4], "    deadlock: schedule 0.1.1");
  // Only the mismatched cell is listed.
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string &l) { return l.rfind("! ", 0) == 0; }),
            1);
}

TEST(MatrixText, NotApplicableErrorsAndBoundedCellsAreListedBelow) {
  const std::string out = report::render_matrix_text(sample_matrix());
  const auto lines = lines_of(out);
  auto follows = [&](const std::string &title, const std::string &entry) {
    const auto at = std::find(lines.begin(), lines.end(), title);
    return at != lines.end() && at + 1 != lines.end() && at[1] == entry;
  };
  EXPECT_TRUE(follows("Not applicable (1):",
                      "  quiet on B: q.toml:5:3: madvise(MADV_PAGEOUT) is unknown to variant B"))
      << out;
  EXPECT_TRUE(follows("Internal errors (1):",
                      "  broken on A: pagerace model error: frob is not modelled yet"))
      << out;
  EXPECT_TRUE(follows("Bounded (1):", "  broken on B: --max-states 10 reached")) << out;
  EXPECT_EQ(out.find("Input errors"), std::string::npos) << "empty lists are left out";
  EXPECT_EQ(lines.back(), "6 cells: 1 met, 1 mismatched, 4 not judged; 1 n/a, 0 input errors, "
                          "1 internal error, 1 bounded");
}

TEST(MatrixMarkdown, AGitHubTableWithTheSameCells) {
  const std::string out = report::render_matrix_markdown(sample_matrix());
  const auto lines = lines_of(out);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(test_util::markdown_cells(lines[0]),
            (std::vector<std::string>{"scenario", "`A`", "`B`"}));
  EXPECT_EQ(test_util::markdown_cells(lines[1]), (std::vector<std::string>{"---", "---", "---"}));
  EXPECT_EQ(test_util::markdown_cells(lines[2]),
            (std::vector<std::string>{"`race`", "**!** `write-to-clean-page` + `deadlock`",
                                      "`write-to-clean-page`"}));
  EXPECT_EQ(test_util::markdown_cells(lines[3]),
            (std::vector<std::string>{"`quiet`", "clean (42)", "n/a"}));
  EXPECT_EQ(test_util::markdown_cells(lines[4]),
            (std::vector<std::string>{"`broken`", "error", "bounded"}));
  EXPECT_TRUE(lines[5].empty()) << "the table ends at the last scenario";
  EXPECT_NE(out.find("- `race` on `A`: expected clean, found write-to-clean-page"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("`pagerace replay race --kernel A --schedule '0*3.1'`"), std::string::npos);
}

// A clean cell whose execution count is a lower bound shows it as one.
TEST(MatrixMarkdown, ALowerBoundExecutionCountIsMarked) {
  trace::Matrix m = sample_matrix();
  for (trace::MatrixCell &c : m.cells)
    if (c.result.stats.executions == 42) c.result.stats.executions_lower_bound = true;
  const auto lines = lines_of(report::render_matrix_markdown(m));
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(test_util::markdown_cells(lines[3]),
            (std::vector<std::string>{"`quiet`", "clean (≥42)", "n/a"}));
  EXPECT_NE(report::render_matrix_text(m).find("clean (≥42)"), std::string::npos);
}

TEST(MatrixMarkdown, TextCannotBreakTheTable) {
  trace::Matrix m = sample_matrix();
  m.scenarios[0] = "a|b";
  const auto lines = lines_of(report::render_matrix_markdown(m));
  EXPECT_EQ(test_util::markdown_cells(lines[2]).size(), 3u) << lines[2];
  EXPECT_EQ(test_util::markdown_cells(lines[2])[0], "`a\\|b`");
}

TEST(MatrixJson, DocumentedShape) {
  const json doc = report::matrix_to_json(sample_matrix());
  EXPECT_EQ(doc.at("schema"), "pagerace-matrix/1");
  EXPECT_EQ(doc.at("scenarios"), (json{"race", "quiet", "broken"}));
  EXPECT_EQ(doc.at("variants"), (json{"A", "B"}));
  const json &cells = doc.at("cells");
  ASSERT_EQ(cells.size(), 6u);
  std::vector<std::string> verdicts;
  for (const json &c : cells)
    verdicts.push_back(c.at("verdict").get<std::string>());
  EXPECT_EQ(verdicts, (std::vector<std::string>{"violation", "violation", "clean", "n/a", "error",
                                                "bounded"}));

  const json &race = cells[0];
  EXPECT_EQ(race.at("scenario"), "race");
  EXPECT_EQ(race.at("variant"), "A");
  EXPECT_EQ(race.at("kinds"), json{"write-to-clean-page"});
  EXPECT_EQ(race.at("liveness"), json{"deadlock"});
  EXPECT_EQ(race.at("schedules"), (json{{"write-to-clean-page", "0*3.1"}, {"deadlock", "0.1.1"}}));
  EXPECT_EQ(race.at("replay").at("deadlock"), "pagerace replay race --kernel A --schedule '0.1.1'");
  EXPECT_EQ(race.at("expectation").at("status"), "mismatch");
  EXPECT_EQ(race.at("expectation").at("expected"), json::array());
  EXPECT_TRUE(race.at("expectation").at("expected_liveness").is_null());
  EXPECT_EQ(race.at("expectation").at("reasons"),
            json{"expected clean, found write-to-clean-page"});
  EXPECT_EQ(cells[1].at("expectation").at("status"), "met");
  EXPECT_EQ(cells[2].at("statistics").at("executions"), 42);
  EXPECT_EQ(cells[2].at("expectation").at("status"), "not-judged");
  EXPECT_FALSE(cells[2].contains("reason"));
  EXPECT_FALSE(cells[3].contains("statistics")) << "n/a cells did not run";
  EXPECT_EQ(cells[3].at("reason"), "q.toml:5:3: madvise(MADV_PAGEOUT) is unknown to variant B");
  EXPECT_EQ(cells[4].at("reason"), "pagerace model error: frob is not modelled yet");
  EXPECT_EQ(cells[5].at("reason"), "--max-states 10 reached");

  const json &s = doc.at("summary");
  EXPECT_EQ(s.at("cells"), 6);
  EXPECT_EQ(s.at("met"), 1);
  EXPECT_EQ(s.at("mismatched"), 1);
  EXPECT_EQ(s.at("not_judged"), 4);
  EXPECT_EQ(s.at("not_applicable"), 1);
  EXPECT_EQ(s.at("input_errors"), 0);
  EXPECT_EQ(s.at("internal_errors"), 1);
  EXPECT_EQ(s.at("bounded"), 1);

  const std::string text = report::render_matrix_json(sample_matrix());
  EXPECT_EQ(json::parse(text), doc);
  EXPECT_EQ(text.back(), '\n');
}

} // namespace
