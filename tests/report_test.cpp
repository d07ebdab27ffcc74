// Behaviour of the report layer: the LKML-style text table, the result text
// and the JSON schema "pagerace-result/2" (docs/JSON.md).
#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/bench.hpp"
#include "report/bench.hpp"
#include "report/json.hpp"
#include "report/text.hpp"
#include "trace/trace.hpp"

#include "markdown_table.hpp"

namespace {

using nlohmann::json;
using pagerace::report::render_result_json;
using pagerace::report::render_result_text;
using pagerace::report::render_trace_text;
using pagerace::report::result_to_json;
using pagerace::report::trace_from_json;
using pagerace::report::trace_to_json;
namespace trace = pagerace::trace;
using trace::EventKind;

std::vector<std::string> split_lines(const std::string &s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::string trim(const std::string &s) {
  const size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

std::string strip_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

// Offset of each actor's column, read from the header line.
std::vector<size_t> column_offsets(const std::string &header,
                                   const std::vector<std::string> &actors) {
  std::vector<size_t> offsets;
  size_t from = 0;
  for (const auto &a : actors) {
    const size_t at = header.find(a, from);
    EXPECT_NE(at, std::string::npos) << a;
    offsets.push_back(at);
    from = at + a.size();
  }
  return offsets;
}

// What a cell shows before its text, per the documented format.
std::string marked(const trace::Event &ev) {
  switch (ev.kind) {
  case EventKind::Note: return "- " + ev.text;
  case EventKind::Violation: return ">>> " + ev.text;
  default: return ev.text; // Return texts already hold "= value"
  }
}

trace::Event ev(int step, int actor, int depth, EventKind kind, std::string text) {
  return trace::Event{step, actor, depth, kind, std::move(text)};
}

// O_DIRECT read into a MAP_SHARED page racing with writeback and reclaim.
trace::Trace sample_trace() {
  trace::Trace t;
  t.actors = {"CPU0", "CPU1", "device"};
  t.events = {
      ev(0, 0, 0, EventKind::Syscall, "read(fd, buf, 4096)"),
      ev(0, 0, 1, EventKind::Call, "__blockdev_direct_IO"),
      ev(0, 0, 2, EventKind::Call, "get_user_pages_fast"),
      ev(0, 0, 3, EventKind::Note, "pins page of buf"),
      ev(1, 1, 0, EventKind::Syscall, "msync(buf, 4096)"),
      ev(1, 1, 1, EventKind::Call, "write_cache_pages"),
      ev(1, 1, 2, EventKind::Note, "clears page dirty"),
      ev(2, 1, 1, EventKind::Call, "try_to_free_buffers"),
      ev(2, 1, 2, EventKind::Note, "detaches buffers from page"),
      ev(2, 1, 0, EventKind::Return, "= 0"),
      ev(3, 2, 0, EventKind::Call, "bio completes"),
      ev(4, 0, 1, EventKind::Call, "bio_set_pages_dirty"),
      ev(4, 0, 2, EventKind::Call, "__set_page_dirty_buffers"),
      ev(4, 0, 3, EventKind::Violation, "dirty, no buffers"),
      ev(4, 0, 0, EventKind::Return, "= 4096"),
  };
  t.schedule = "0.0.1.1.2.0";
  t.steps = 5;
  t.context_switches = 3;
  return t;
}

trace::Result violation_result() {
  trace::Result r;
  r.scenario = "seed-race1";
  r.scenario_source = "<builtin>/seed-race1.toml";
  r.variant = "v4.15";
  r.verdict = trace::Verdict::Violation;
  r.stats = {120, 456, 789, 1.234};
  trace::Violation v;
  v.kind = "dirty-without-buffers";
  v.site = "fs/buffer.c:__set_page_dirty_buffers";
  v.reason = "page 0 of file f is marked dirty but has no buffers attached";
  v.trace = sample_trace();
  v.canonical = true;
  r.violations.push_back(v);
  r.reached = {"__blockdev_direct_IO", "try_to_free_buffers"};
  r.replay_command_prefix = "pagerace replay seed-race1 --kernel v4.15";
  return r;
}

void expect_same_trace(const trace::Trace &a, const trace::Trace &b) {
  EXPECT_EQ(a.actors, b.actors);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].step, b.events[i].step) << i;
    EXPECT_EQ(a.events[i].actor, b.events[i].actor) << i;
    EXPECT_EQ(a.events[i].depth, b.events[i].depth) << i;
    EXPECT_EQ(a.events[i].kind, b.events[i].kind) << i;
    EXPECT_EQ(a.events[i].text, b.events[i].text) << i;
  }
  EXPECT_EQ(a.schedule, b.schedule);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.context_switches, b.context_switches);
}

bool has_line(const std::string &text, const std::string &line) {
  const auto lines = split_lines(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// ---------------------------------------------------------------- text table

TEST(TraceText, HeaderNamesEveryActorInOrder) {
  const auto t = sample_trace();
  const auto lines = split_lines(render_trace_text(t));
  ASSERT_FALSE(lines.empty());
  const auto offsets = column_offsets(lines[0], t.actors);
  EXPECT_EQ(offsets[0], 0U);
  EXPECT_LT(offsets[0], offsets[1]);
  EXPECT_LT(offsets[1], offsets[2]);
}

TEST(TraceText, EachEventInItsColumnInEventOrder) {
  const auto t = sample_trace();
  const auto lines = split_lines(render_trace_text(t));
  const auto offsets = column_offsets(lines[0], t.actors);

  size_t next = 1;
  for (const auto &e : t.events) {
    const std::string cell = marked(e);
    const size_t start = offsets[static_cast<size_t>(e.actor)] + 2 * static_cast<size_t>(e.depth);
    size_t found = lines.size();
    for (size_t i = next; i < lines.size(); ++i) {
      if (lines[i].find(cell) != std::string::npos) {
        found = i;
        break;
      }
    }
    ASSERT_LT(found, lines.size()) << "event not shown (or out of order): " << e.text;
    const std::string &line = lines[found];
    EXPECT_EQ(line.find(cell), start) << line;
    EXPECT_EQ(trim(line.substr(0, start)), "") << "other columns must be empty: " << line;
    EXPECT_EQ(trim(line.substr(start)), cell) << line;
    next = found + 1;
  }
}

TEST(TraceText, IndentationGrowsWithDepth) {
  trace::Trace t;
  t.actors = {"CPU0", "device"};
  for (int d = 0; d < 5; ++d)
    t.events.push_back(ev(0, d % 2, d, d == 0 ? EventKind::Syscall : EventKind::Call,
                          "level" + std::to_string(d)));
  const auto lines = split_lines(render_trace_text(t));
  const auto offsets = column_offsets(lines[0], t.actors);
  size_t previous_indent = 0;
  for (int d = 0; d < 5; ++d) {
    const std::string word = "level" + std::to_string(d);
    const auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string &l) {
      return l.find(word) != std::string::npos;
    });
    ASSERT_NE(it, lines.end());
    const size_t indent = it->find(word) - offsets[static_cast<size_t>(d % 2)];
    EXPECT_EQ(indent, 2U * static_cast<size_t>(d));
    if (d > 0) {
      EXPECT_GT(indent, previous_indent);
    }
    previous_indent = indent;
  }
}

TEST(TraceText, SyscallAndReturnAreAtColumnStart) {
  const auto t = sample_trace();
  const auto lines = split_lines(render_trace_text(t));
  const auto offsets = column_offsets(lines[0], t.actors);
  EXPECT_TRUE(has_line(render_trace_text(t), "read(fd, buf, 4096)"));
  const auto ret = std::find_if(lines.begin(), lines.end(), [](const std::string &l) {
    return l.find("= 4096") != std::string::npos;
  });
  ASSERT_NE(ret, lines.end());
  EXPECT_EQ(ret->find("= 4096"), offsets[0]);
}

TEST(TraceText, LongTextWrapsInItsColumnWithoutLoss) {
  const std::string long_text =
      "this call explains at length why the page was found in a state that the "
      "filesystem never expected it to be in while its buffers were being freed";
  trace::Trace t;
  t.actors = {"CPU0", "CPU1"};
  t.events = {ev(0, 0, 0, EventKind::Syscall, "short"), ev(1, 1, 1, EventKind::Call, long_text),
              ev(2, 0, 0, EventKind::Return, "= 0")};

  const auto lines = split_lines(render_trace_text(t));
  const auto offsets = column_offsets(lines[0], t.actors);
  const size_t cell_start = offsets[1] + 2;

  std::vector<std::string> fragments;
  size_t after_fragments = 0;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string &l = lines[i];
    EXPECT_LE(l.size(), offsets[1] + static_cast<size_t>(pagerace::report::kDefaultColumnCap));
    if (l.size() > cell_start && trim(l.substr(0, cell_start)).empty()) {
      EXPECT_NE(l[cell_start], ' ') << "continuation lines keep the column: " << l;
      fragments.push_back(trim(l.substr(cell_start)));
      after_fragments = i + 1;
    }
  }
  ASSERT_GT(fragments.size(), 1U) << "the text should have wrapped";
  std::string joined;
  for (const auto &f : fragments)
    joined += (joined.empty() ? "" : " ") + f;
  EXPECT_EQ(joined, long_text);

  // The event after the wrapped one still comes after all its lines.
  ASSERT_LT(after_fragments, lines.size());
  EXPECT_EQ(trim(lines[after_fragments]), "= 0");
}

TEST(TraceText, ColumnWidthCapsAndUnbreakableWordsAreSplitNotCut) {
  const std::string word(70, 'x');
  const std::string text = "prefix " + word + " suffix";
  trace::Trace t;
  t.actors = {"CPU0", "CPU1"};
  t.events = {ev(0, 0, 1, EventKind::Note, text), ev(1, 1, 0, EventKind::Call, "other")};

  const auto lines = split_lines(render_trace_text(t, 20));
  const auto offsets = column_offsets(lines[0], t.actors);
  EXPECT_LE(offsets[1], 20U + static_cast<size_t>(pagerace::report::kColumnGap));
  std::string column0;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string cell = lines[i].substr(0, std::min(lines[i].size(), offsets[1]));
    EXPECT_LE(trim(cell).size() + 2, 20U) << lines[i];
    column0 += cell;
  }
  EXPECT_EQ(strip_spaces(column0), strip_spaces("- " + text));
}

TEST(TraceText, ViolationTextShownInFullUnderTheTable) {
  const std::string reason(30, 'r');
  trace::Trace t;
  t.actors = {"CPU0", "device"};
  const std::string text = "page is dirty but has no buffers: " + reason + " " + reason + " end";
  t.events = {ev(0, 0, 0, EventKind::Syscall, "read"), ev(0, 0, 4, EventKind::Violation, text)};
  const std::string out = render_trace_text(t);
  EXPECT_TRUE(has_line(out, ">>> " + text)) << out;
}

TEST(TraceText, NoEventsStillHasHeader) {
  trace::Trace t;
  t.actors = {"CPU0", "CPU1", "device"};
  const auto lines = split_lines(render_trace_text(t));
  ASSERT_GE(lines.size(), 1U);
  column_offsets(lines[0], t.actors);
}

// ---------------------------------------------------------------- result text

TEST(ResultText, CleanVerdictLine) {
  trace::Result r;
  r.verdict = trace::Verdict::Clean;
  r.stats = {12, 34, 56, 0.5};
  const auto lines = split_lines(render_result_text(r));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "clean: no violation in 12 executions (34 states, 56 steps, 0.50s)");
  EXPECT_EQ(split_lines(render_result_text(r, false))[0],
            "clean: no violation in 12 executions (34 states, 56 steps)");
}

// A count that is a lower bound says "at least" and why, in the verdict line.
TEST(ResultText, ALowerBoundExecutionCountSaysSoAndWhy) {
  trace::Result r;
  r.verdict = trace::Verdict::Clean;
  r.stats = {UINT64_MAX, 34, 56, 0.5};
  r.stats.executions_lower_bound = true;
  EXPECT_EQ(split_lines(render_result_text(r, false))[0],
            "clean: no violation in at least 18446744073709551615 executions (34 states, 56 "
            "steps; the execution count stopped at 2^64-1)");
  r.stats.executions = 5; // not saturated: a cycle left runs uncounted
  EXPECT_EQ(split_lines(render_result_text(r, false))[0],
            "clean: no violation in at least 5 executions (34 states, 56 steps; the state graph "
            "has a cycle, and not every run through it is counted)");
  r.stats.executions_lower_bound = false;
  EXPECT_EQ(split_lines(render_result_text(r, false))[0],
            "clean: no violation in 5 executions (34 states, 56 steps)");
}

// The bench table's executions column marks a lower bound the same way.
TEST(BenchMarkdown, ALowerBoundExecutionCountIsMarked) {
  trace::BenchCell exact{"s", "v4.15", "bfs -j 1", {}};
  exact.result.stats = {7, 3, 9, 0.5};
  trace::BenchCell bound = exact;
  bound.result.stats.executions_lower_bound = true;
  const std::string out = pagerace::report::render_bench_markdown({exact, bound});
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << out;
  const std::vector<std::string> header = pagerace::test_util::markdown_cells(lines[0]);
  const auto column = std::find(header.begin(), header.end(), "executions") - header.begin();
  ASSERT_LT(static_cast<size_t>(column), header.size());
  EXPECT_EQ(pagerace::test_util::markdown_cells(lines[2]).at(static_cast<size_t>(column)), "7");
  EXPECT_EQ(pagerace::test_util::markdown_cells(lines[3]).at(static_cast<size_t>(column)), "≥7");
}

TEST(ResultText, ViolationReportHasEverySection) {
  const auto r = violation_result();
  const std::string out = render_result_text(r);
  const auto lines = split_lines(out);
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[0], "VIOLATION: 1 kind: dirty-without-buffers");
  EXPECT_NE(lines[1].find("120 executions"), std::string::npos);
  EXPECT_NE(lines[1].find("1.23s"), std::string::npos);

  const auto &v = r.violations[0];
  EXPECT_TRUE(has_line(out, "== " + v.kind + " at " + v.site + " =="));
  EXPECT_TRUE(has_line(out, v.reason)) << "reason in full on its own line";
  EXPECT_TRUE(has_line(out, "schedule: " + v.trace.schedule));
  EXPECT_TRUE(has_line(out, "replay: " + r.replay_command_prefix + " --schedule '" +
                                v.trace.schedule + "'"));
  EXPECT_TRUE(has_line(out, "steps: 5, context switches: 3"));
  EXPECT_NE(out.find(render_trace_text(v.trace)), std::string::npos);
  EXPECT_EQ(out.find("xpectation"), std::string::npos) << "unchecked expectation is not shown";
  EXPECT_EQ(out.find("EXPECTATION"), std::string::npos);
}

// A trace the shrinker could not prove canonical says so; a canonical one
// does not (above).
TEST(ResultText, TraceNotProvenShortestSaysSo) {
  auto r = violation_result();
  r.violations[0].canonical = false;
  const std::string out = render_result_text(r);
  EXPECT_FALSE(has_line(out, "steps: 5, context switches: 3"));
  EXPECT_NE(out.find("steps: 5, context switches: 3 (shrunk, but not proven the shortest"),
            std::string::npos)
      << out;
}

// A BFS-tree path (no room to minimise) is as short as any: only its context
// switches are unproven, and the text says that instead.
TEST(ResultText, ShortestTraceNotMinimisedSaysWhy) {
  auto r = violation_result();
  r.violations[0].canonical = false;
  r.violations[0].shortest = true;
  const std::string out = render_result_text(r);
  EXPECT_EQ(out.find("not proven the shortest"), std::string::npos) << out;
  EXPECT_NE(out.find("steps: 5, context switches: 3 (as short as any"), std::string::npos) << out;
  EXPECT_NE(out.find("--max-memory"), std::string::npos) << out;
  // JSON readers can tell it from a trace only shrunk.
  const json v = result_to_json(r)["violations"][0];
  EXPECT_FALSE(v.at("canonical").get<bool>());
  EXPECT_TRUE(v.at("shortest").get<bool>());
  EXPECT_FALSE(result_to_json(violation_result())["violations"][0].at("shortest").get<bool>());
}

TEST(ResultText, ListsEveryKind) {
  auto r = violation_result();
  auto second = r.violations[0];
  second.kind = "lost-write";
  r.violations.push_back(second);
  EXPECT_EQ(split_lines(render_result_text(r))[0],
            "VIOLATION: 2 kinds: dirty-without-buffers, lost-write");
}

TEST(ResultText, BoundedVerdict) {
  trace::Result r;
  r.verdict = trace::Verdict::Bounded;
  r.bound_reason = "state limit 1000000 reached";
  r.stats = {1, 2, 3, 4};
  const auto lines = split_lines(render_result_text(r));
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[0], "bounded: no violation found; state limit 1000000 reached");
  EXPECT_NE(lines[1].find("1 execution"), std::string::npos);
}

TEST(ResultText, Expectation) {
  auto r = violation_result();
  r.expectation.checked = true;
  r.expectation.kinds_match = true;
  r.expectation.expected_kinds = {"dirty-without-buffers"};
  EXPECT_TRUE(has_line(render_result_text(r), "expectation: met"));

  r.expectation.unreached = {"try_to_release_page", "shrink_page_list"};
  std::string out = render_result_text(r);
  EXPECT_FALSE(has_line(out, "expectation: met"));
  EXPECT_NE(out.find("EXPECTATION MISMATCH"), std::string::npos);
  EXPECT_TRUE(has_line(out, "not reached: try_to_release_page, shrink_page_list"));

  r.expectation.unreached.clear();
  r.expectation.kinds_match = false;
  r.expectation.expected_kinds = {"lost-write"};
  out = render_result_text(r);
  EXPECT_TRUE(
      has_line(out, "EXPECTATION MISMATCH: expected {lost-write} found {dirty-without-buffers}"));
  EXPECT_EQ(out.find("not reached"), std::string::npos);
}

// A deadlock found beside a safety violation, as check() reports it: one
// entry in Result::liveness.
trace::Result with_deadlock(trace::Result r) {
  trace::Violation d;
  d.kind = "deadlock";
  d.site = "(no CPU can move)";
  d.reason = "CPU0 waits for page lock of page 0; CPU1 waits for PG_writeback of page 0";
  d.trace = sample_trace();
  d.trace.schedule = "0.1.1";
  d.trace.steps = 3;
  d.trace.context_switches = 1;
  d.canonical = true;
  r.liveness.push_back(d);
  return r;
}

size_t line_index(const std::vector<std::string> &lines, const std::string &line) {
  return static_cast<size_t>(std::find(lines.begin(), lines.end(), line) - lines.begin());
}

TEST(ResultText, LivenessFindingsHaveTheirOwnSectionAfterTheSafetyViolations) {
  const auto r = with_deadlock(violation_result());
  const std::string out = render_result_text(r, false);
  const auto lines = split_lines(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "VIOLATION: 1 kind: dirty-without-buffers; liveness: deadlock");

  const size_t safety =
      line_index(lines, "== dirty-without-buffers at " + r.violations[0].site + " ==");
  const size_t section = line_index(lines, "Liveness");
  const size_t deadlock = line_index(lines, "== deadlock at (no CPU can move) ==");
  ASSERT_LT(safety, lines.size());
  ASSERT_LT(section, lines.size()) << out;
  ASSERT_LT(deadlock, lines.size()) << out;
  EXPECT_LT(safety, section);
  EXPECT_LT(section, deadlock);
  EXPECT_EQ(lines[section + 1], "--------");
  EXPECT_EQ(lines[section - 1], "") << "the section starts after a blank line";
  // The finding has the same parts as a safety violation.
  EXPECT_TRUE(has_line(out, r.liveness[0].reason));
  EXPECT_TRUE(has_line(out, "schedule: 0.1.1"));
  EXPECT_TRUE(has_line(out, "replay: " + r.replay_command_prefix + " --schedule '0.1.1'"));
  EXPECT_TRUE(has_line(out, "steps: 3, context switches: 1"));
  // Exactly one section.
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "Liveness"), 1);
}

TEST(ResultText, NoLivenessSectionWithoutLivenessFindings) {
  EXPECT_FALSE(has_line(render_result_text(violation_result()), "Liveness"));
}

TEST(ResultText, OnlyLivenessFindings) {
  auto r = with_deadlock(violation_result());
  r.violations.clear();
  const std::string out = render_result_text(r, false);
  const auto lines = split_lines(out);
  EXPECT_EQ(lines[0], "LIVENESS: 1 kind: deadlock");
  EXPECT_TRUE(has_line(out, "Liveness"));
  EXPECT_EQ(out.find("== dirty-without-buffers"), std::string::npos);
}

TEST(ResultText, LivenessExpectation) {
  auto r = with_deadlock(violation_result());
  r.expectation.checked = true;
  r.expectation.kinds_checked = true;
  r.expectation.expected_kinds = {"dirty-without-buffers"};
  // Not judged: reported, and said so, but the expectation is met.
  std::string out = render_result_text(r);
  EXPECT_TRUE(has_line(out, "expectation: met"));
  EXPECT_TRUE(has_line(out, "liveness not judged: [expect.liveness] has no entry for v4.15"));

  r.expectation.liveness_checked = true;
  r.expectation.liveness_match = false;
  r.expectation.expected_liveness = {};
  out = render_result_text(r);
  EXPECT_FALSE(has_line(out, "expectation: met"));
  EXPECT_TRUE(has_line(out, "EXPECTATION MISMATCH: expected liveness {} found {deadlock}"));
  EXPECT_FALSE(has_line(out, "liveness not judged: [expect.liveness] has no entry for v4.15"));
  // The safety part still matches, so no safety mismatch line.
  EXPECT_EQ(out.find("EXPECTATION MISMATCH: expected {"), std::string::npos);

  r.expectation.liveness_match = true;
  r.expectation.expected_liveness = {"deadlock"};
  EXPECT_TRUE(has_line(render_result_text(r), "expectation: met"));
}

TEST(ResultText, DeterministicWithoutTiming) {
  auto a = violation_result();
  auto b = violation_result();
  b.stats.seconds = 99.87;
  EXPECT_EQ(render_result_text(a, false), render_result_text(b, false));
  EXPECT_NE(render_result_text(a, true), render_result_text(b, true));
  EXPECT_EQ(render_result_text(a, false).find("1.23"), std::string::npos);
}

// ---------------------------------------------------------------------- JSON

TEST(Json, TraceRoundTrips) {
  const auto t = sample_trace();
  const json v = result_to_json(violation_result())["violations"][0];
  expect_same_trace(trace_from_json(v), t);
  expect_same_trace(trace_from_json(json::parse(v.dump())), t);

  // A bare trace object keeps actors and events.
  auto bare = t;
  bare.schedule.clear();
  bare.steps = 0;
  bare.context_switches = 0;
  expect_same_trace(trace_from_json(trace_to_json(t)), bare);
}

TEST(Json, RoundTripThroughRenderedDocument) {
  const auto doc = json::parse(render_result_json({violation_result()}));
  expect_same_trace(trace_from_json(doc["results"][0]["violations"][0]), sample_trace());
}

TEST(Json, UnknownEventKindIsRejected) {
  json t = trace_to_json(sample_trace());
  t["events"][0]["kind"] = "teleport";
  EXPECT_THROW(trace_from_json(t), std::invalid_argument);
}

std::set<std::string> keys(const json &j) {
  std::set<std::string> out;
  for (const auto &[k, unused] : j.items())
    out.insert(k);
  return out;
}

TEST(Json, DocumentHasEveryDocumentedField) {
  auto bounded = violation_result();
  bounded.verdict = trace::Verdict::Bounded;
  bounded.bound_reason = "depth bound 64";
  bounded.violations.clear();
  bounded.expectation.checked = true;
  bounded.expectation.expected_kinds = {};

  const auto doc = json::parse(render_result_json({violation_result(), bounded}));
  EXPECT_EQ(keys(doc), (std::set<std::string>{"schema", "results"}));
  EXPECT_EQ(doc["schema"], "pagerace-result/2");
  ASSERT_EQ(doc["results"].size(), 2U);

  const std::set<std::string> result_keys = {"scenario", "source",     "variant",
                                             "verdict",  "statistics", "violations",
                                             "liveness", "reached",    "expectation"};
  const json &r = doc["results"][0];
  EXPECT_EQ(keys(r), result_keys);
  EXPECT_EQ(r["scenario"], "seed-race1");
  EXPECT_EQ(r["source"], "<builtin>/seed-race1.toml");
  EXPECT_EQ(r["variant"], "v4.15");
  EXPECT_EQ(r["verdict"], "violation");
  EXPECT_EQ(keys(r["statistics"]), (std::set<std::string>{"executions", "executions_lower_bound",
                                                          "states", "steps", "seconds"}));
  EXPECT_EQ(r["statistics"]["executions"], 120);
  EXPECT_EQ(r["statistics"]["executions_lower_bound"], false);
  EXPECT_EQ(r["statistics"]["states"], 456);
  EXPECT_EQ(r["statistics"]["steps"], 789);
  EXPECT_DOUBLE_EQ(r["statistics"]["seconds"].get<double>(), 1.234);
  EXPECT_EQ(r["reached"], (json{"__blockdev_direct_IO", "try_to_free_buffers"}));
  EXPECT_EQ(keys(r["expectation"]),
            (std::set<std::string>{"checked", "met", "kinds_checked", "kinds_match", "expected",
                                   "liveness_checked", "liveness_match", "expected_liveness",
                                   "unreached"}));
  EXPECT_EQ(r["liveness"], json::array());
  EXPECT_EQ(r["expectation"]["checked"], false);
  EXPECT_TRUE(r["expectation"]["met"].is_null());

  ASSERT_EQ(r["violations"].size(), 1U);
  const json &v = r["violations"][0];
  EXPECT_EQ(keys(v), (std::set<std::string>{"kind", "site", "reason", "schedule", "steps",
                                            "context_switches", "canonical", "shortest", "replay",
                                            "trace"}));
  EXPECT_EQ(v["kind"], "dirty-without-buffers");
  EXPECT_EQ(v["site"], "fs/buffer.c:__set_page_dirty_buffers");
  EXPECT_EQ(v["schedule"], "0.0.1.1.2.0");
  EXPECT_EQ(v["steps"], 5);
  EXPECT_EQ(v["context_switches"], 3);
  EXPECT_EQ(v["replay"], "pagerace replay seed-race1 --kernel v4.15 --schedule '0.0.1.1.2.0'");
  EXPECT_EQ(keys(v["trace"]), (std::set<std::string>{"actors", "events"}));
  EXPECT_EQ(v["trace"]["actors"], (json{"CPU0", "CPU1", "device"}));
  for (const auto &e : v["trace"]["events"])
    EXPECT_EQ(keys(e), (std::set<std::string>{"step", "actor", "depth", "kind", "text"}));

  const json &b = doc["results"][1];
  auto bounded_keys = result_keys;
  bounded_keys.insert("bound_reason");
  EXPECT_EQ(keys(b), bounded_keys);
  EXPECT_EQ(b["verdict"], "bounded");
  EXPECT_EQ(b["bound_reason"], "depth bound 64");
  EXPECT_TRUE(b["violations"].is_array());
  EXPECT_TRUE(b["violations"].empty());
  EXPECT_EQ(b["expectation"]["checked"], true);
  EXPECT_EQ(b["expectation"]["met"], true);
}

TEST(Json, VerdictAndEventKindStrings) {
  trace::Result r;
  r.verdict = trace::Verdict::Clean;
  EXPECT_EQ(result_to_json(r)["verdict"], "clean");
  r.verdict = trace::Verdict::Violation;
  EXPECT_EQ(result_to_json(r)["verdict"], "violation");
  r.verdict = trace::Verdict::Bounded;
  EXPECT_EQ(result_to_json(r)["verdict"], "bounded");

  const json events = trace_to_json(sample_trace())["events"];
  std::set<std::string> kinds;
  for (const auto &e : events)
    kinds.insert(e["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"syscall", "call", "note", "return", "violation"}));
  EXPECT_EQ(events[3]["kind"], "note");
  EXPECT_EQ(events[3]["text"], "pins page of buf");
}

TEST(Json, ExpectationMet) {
  auto r = violation_result();
  r.expectation.checked = true;
  r.expectation.expected_kinds = {"dirty-without-buffers"};
  EXPECT_EQ(result_to_json(r)["expectation"]["met"], true);
  r.expectation.unreached = {"shrink_page_list"};
  EXPECT_EQ(result_to_json(r)["expectation"]["met"], false);
  EXPECT_EQ(result_to_json(r)["expectation"]["unreached"], (json{"shrink_page_list"}));
}

TEST(Json, LivenessFindingsAreASeparateArray) {
  const auto r = with_deadlock(violation_result());
  const json doc = json::parse(render_result_json({r}));
  const json &res = doc["results"][0];
  ASSERT_EQ(res["violations"].size(), 1U);
  EXPECT_EQ(res["violations"][0]["kind"], "dirty-without-buffers");
  ASSERT_EQ(res["liveness"].size(), 1U);
  const json &d = res["liveness"][0];
  EXPECT_EQ(d["kind"], "deadlock");
  EXPECT_EQ(d["site"], "(no CPU can move)");
  EXPECT_EQ(d["schedule"], "0.1.1");
  EXPECT_EQ(d["replay"], "pagerace replay seed-race1 --kernel v4.15 --schedule '0.1.1'");
  EXPECT_EQ(keys(d), keys(res["violations"][0])) << "liveness entries are violation objects";
  expect_same_trace(trace_from_json(d), r.liveness[0].trace);
}

TEST(Json, LivenessExpectationFields) {
  auto r = with_deadlock(violation_result());
  r.expectation.checked = true;
  r.expectation.kinds_checked = true;
  r.expectation.expected_kinds = {"dirty-without-buffers"};
  json e = result_to_json(r)["expectation"];
  EXPECT_EQ(e["met"], true) << "liveness without [expect.liveness] is not judged";
  EXPECT_EQ(e["liveness_checked"], false);
  EXPECT_EQ(e["kinds_checked"], true);

  r.expectation.liveness_checked = true;
  r.expectation.liveness_match = false;
  r.expectation.expected_liveness = {"writeback-stall"};
  e = result_to_json(r)["expectation"];
  EXPECT_EQ(e["met"], false);
  EXPECT_EQ(e["liveness_checked"], true);
  EXPECT_EQ(e["liveness_match"], false);
  EXPECT_EQ(e["kinds_match"], true);
  EXPECT_EQ(e["expected_liveness"], json{"writeback-stall"});
}

TEST(Json, DeterministicWithoutTiming) {
  auto a = violation_result();
  auto b = violation_result();
  b.stats.seconds = 42.0;
  const std::string ja = render_result_json({a}, false);
  EXPECT_EQ(ja, render_result_json({b}, false));
  EXPECT_FALSE(json::parse(ja)["results"][0]["statistics"].contains("seconds"));
  EXPECT_EQ(ja.back(), '\n');
}

TEST(Json, InvalidUtf8DoesNotThrow) {
  auto r = violation_result();
  r.violations[0].reason = "bad \xff byte";
  json doc;
  EXPECT_NO_THROW(doc = json::parse(render_result_json({r})));
  EXPECT_NE(doc["results"][0]["violations"][0]["reason"].get<std::string>().find("byte"),
            std::string::npos);
}

} // namespace

TEST(Bench, MedianIndexPicksTheMiddleRun) {
  using pagerace::app::median_index;
  EXPECT_EQ(median_index({3.0, 1.0, 2.0}), 2u);
  EXPECT_EQ(median_index({5.0}), 0u);
  EXPECT_EQ(median_index({4.0, 1.0, 3.0, 2.0}), 3u) << "the lower middle of an even count";
  EXPECT_EQ(median_index({1.0, 1.0, 1.0}), 1u) << "equal times keep the order of the runs";
}
