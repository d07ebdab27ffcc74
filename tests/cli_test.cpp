// The pagerace command line, run as a separate process (PAGERACE_BINARY):
// exit codes (0 clean, 1 violation or expectation mismatch, 2 input error,
// 3 bounded), error positions on stderr, the user's file left untouched,
// replay of a schedule taken from `check --json`, the JSON document of
// docs/JSON.md, and `list`.
#include "scenario/builtin.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A scratch directory removed at the end of the test.
class ScratchDir {
public:
  ScratchDir() {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            ("pagerace-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  const fs::path &path() const { return path_; }

private:
  fs::path path_;
};

std::string read_bytes(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path &p, const std::string &bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// Single-quotes an argument for /bin/sh.
std::string sh_quote(const std::string &s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Outcome {
  int code = -1; // exit status, or -1 if the process did not exit normally
  std::string out, err;
};

// Runs `pagerace ARGS...` with stdout and stderr captured.
Outcome pagerace(const std::vector<std::string> &args) {
  ScratchDir dir;
  const fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  std::string cmd = sh_quote(PAGERACE_BINARY);
  for (const auto &a : args)
    cmd += " " + sh_quote(a);
  cmd += " >" + sh_quote(out.string()) + " 2>" + sh_quote(err.string()) + " </dev/null";
  const int status = std::system(cmd.c_str());
  Outcome r;
  if (status != -1 && WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  return r;
}

std::string show(const Outcome &r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout (first 2000 bytes):\n" +
         r.out.substr(0, 2000) + "\n--- stderr:\n" + r.err;
}

// A file of tests/data/.
std::string data_file(const std::string &name) {
  return (fs::path(PAGERACE_SOURCE_DIR) / "tests" / "data" / name).string();
}

constexpr int kClean = 0, kViolation = 1, kInput = 2, kBounded = 3;

// The 1-based line and column of the first occurrence of `needle` in `text`
// (ASCII text: a column is a byte).
std::pair<int, int> line_col(const std::string &text, const std::string &needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return {0, 0};
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(at - line_start) + 1};
}

// ---------------------------------------------------------------------------
// check: exit codes

TEST(Cli, CheckCleanScenarioExitsZero) {
  const Outcome r = pagerace({"check", "seed-race1-as-drawn"});
  EXPECT_EQ(r.code, kClean) << show(r);
}

TEST(Cli, CheckViolatingScenarioExitsOne) {
  const Outcome r = pagerace({"check", "seed-race2"});
  EXPECT_EQ(r.code, kViolation) << show(r);
}

TEST(Cli, CheckExpectWithMatchingExpectationsExitsZero) {
  const Outcome r =
      pagerace({"check", "--expect", "seed-race1", "seed-race2", "seed-race1-as-drawn"});
  EXPECT_EQ(r.code, kClean) << show(r);
}

// --expect judges by [expect]: a scenario file whose expectation is wrong
// makes the run fail even though the kernel run itself is "clean".
TEST(Cli, CheckExpectWithMismatchExitsOne) {
  ScratchDir dir;
  std::string text = read_bytes(pagerace::scenario::builtin_scenario_path("seed-race2").value());
  const std::string from = "v4.15 = [\"write-to-clean-page\"]";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "seed-race2.toml changed; adjust the test";
  text.replace(at, from.size(), "v4.15 = \"clean\"");
  const fs::path file = dir.path() / "wrong-expect.toml";
  write_bytes(file, text);
  const Outcome r = pagerace({"check", "--expect", file.string()});
  EXPECT_EQ(r.code, kViolation) << show(r);
  // And one mismatch among matching scenarios still fails the run.
  const Outcome all = pagerace({"check", "--expect", "seed-race2", file.string()});
  EXPECT_EQ(all.code, kViolation) << show(all);
}

// tests/data/no_expect.toml is seed-race1-as-drawn without [expect]: clean
// when explored fully, bounded with a tiny --max-states.
TEST(Cli, CheckBoundedScenarioWithoutExpectationsExitsThree) {
  const Outcome full = pagerace({"check", data_file("no_expect.toml")});
  EXPECT_EQ(full.code, kClean) << show(full);
  const Outcome r = pagerace({"check", "--max-states", "10", data_file("no_expect.toml")});
  EXPECT_EQ(r.code, kBounded) << show(r);
}

// The same for a built-in clean scenario: a bounded run with no violation
// exits 3. Its [expect.reaches] events are not reached within 10 states, but
// an incomplete exploration is no evidence that they are unreachable.
TEST(Cli, CheckBoundedCleanBuiltinExitsThree) {
  const Outcome r = pagerace({"check", "--max-states", "10", "seed-race1-as-drawn"});
  EXPECT_EQ(r.code, kBounded) << show(r);
}

TEST(Cli, CheckBoundedRaceIsNeverReportedClean) {
  const Outcome r = pagerace({"check", "--max-states", "10", "seed-race1"});
  EXPECT_TRUE(r.code == kBounded || r.code == kViolation) << show(r);
}

// Judged by [expect], a bounded run with no violation contradicts nothing
// (README: 3, a bounded run found no violation); it must not pass as 0 nor
// fail as a mismatch (1).
TEST(Cli, CheckExpectBoundedRunExitsThree) {
  const Outcome r = pagerace({"check", "--expect", "--max-states", "10", "seed-race1-as-drawn"});
  EXPECT_EQ(r.code, kBounded) << show(r);
}

// ---------------------------------------------------------------------------
// check: input errors

TEST(Cli, UnknownScenarioExitsTwoWithAMessage) {
  const Outcome r = pagerace({"check", "no-such-scenario-xyz"});
  EXPECT_EQ(r.code, kInput) << show(r);
  EXPECT_NE(r.err.find("no-such-scenario-xyz"), std::string::npos) << show(r);
  EXPECT_TRUE(r.out.empty()) << show(r);
}

TEST(Cli, MissingScenarioFileExitsTwo) {
  ScratchDir dir;
  const std::string missing = (dir.path() / "missing.toml").string();
  const Outcome r = pagerace({"check", missing});
  EXPECT_EQ(r.code, kInput) << show(r);
  EXPECT_NE(r.err.find(missing), std::string::npos) << show(r);
}

TEST(Cli, UnknownCallReportsFileLineColumnAndLeavesTheFileAlone) {
  const fs::path data = data_file("unknown_call.toml");
  const std::string original = read_bytes(data);
  ASSERT_FALSE(original.empty()) << "cannot read " << data;
  const auto [line, col] = line_col(original, "frobnicate");
  ASSERT_GT(line, 0);

  ScratchDir dir;
  const fs::path file = dir.path() / "unknown_call.toml";
  write_bytes(file, original);
  const auto mtime = fs::last_write_time(file);
  const auto perms = fs::status(file).permissions();

  const Outcome r = pagerace({"check", file.string()});
  EXPECT_EQ(r.code, kInput) << show(r);
  const std::string where =
      file.string() + ":" + std::to_string(line) + ":" + std::to_string(col) + ":";
  EXPECT_NE(r.err.find(where), std::string::npos) << "expected " << where << "\n" << show(r);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << show(r);

  EXPECT_EQ(read_bytes(file), original) << "the user's scenario file was modified";
  EXPECT_EQ(fs::last_write_time(file), mtime);
  EXPECT_EQ(fs::status(file).permissions(), perms);
  std::vector<fs::path> entries;
  for (const auto &e : fs::directory_iterator(dir.path()))
    entries.push_back(e.path().filename());
  EXPECT_EQ(entries.size(), 1u) << "pagerace created files next to the scenario";
}

// The same position when the error is found through a relative path.
TEST(Cli, UnknownCallPositionWithARelativePath) {
  const fs::path data = data_file("unknown_call.toml");
  const std::string original = read_bytes(data);
  const auto [line, col] = line_col(original, "frobnicate");
  ScratchDir dir;
  write_bytes(dir.path() / "u.toml", original);
  const std::string cmd = "cd " + sh_quote(dir.path().string()) + " && " +
                          sh_quote(PAGERACE_BINARY) + " check u.toml >/dev/null 2>err.txt";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kInput);
  const std::string err = read_bytes(dir.path() / "err.txt");
  const std::string where = "u.toml:" + std::to_string(line) + ":" + std::to_string(col) + ":";
  EXPECT_NE(err.find(where), std::string::npos) << "expected " << where << "\n" << err;
  EXPECT_EQ(read_bytes(dir.path() / "u.toml"), original);
}

TEST(Cli, UnknownKernelVariantExitsTwo) {
  const Outcome r = pagerace({"check", "--kernel", "nosuch", "seed-race2"});
  EXPECT_EQ(r.code, kInput) << show(r);
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << show(r);
  // The message names the variants that do exist.
  EXPECT_NE(r.err.find("v4.15"), std::string::npos) << show(r);
}

TEST(Cli, UnknownKernelVariantOnReplayExitsTwo) {
  const Outcome r = pagerace({"replay", "seed-race2", "--kernel", "nosuch", "--schedule", "0"});
  EXPECT_EQ(r.code, kInput) << show(r);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(pagerace({}).code, kInput);
  EXPECT_EQ(pagerace({"frobnicate"}).code, kInput);
  EXPECT_EQ(pagerace({"check"}).code, kInput);
  EXPECT_EQ(pagerace({"check", "--max-states", "many", "seed-race2"}).code, kInput);
  EXPECT_EQ(pagerace({"replay", "seed-race2"}).code, kInput) << "--schedule is required";
}

// ---------------------------------------------------------------------------
// check --json (docs/JSON.md)

json check_json(const std::string &scenario, Outcome *run = nullptr) {
  const Outcome r = pagerace({"check", "--json", scenario});
  if (run) *run = r;
  try {
    return json::parse(r.out);
  } catch (const json::exception &e) {
    ADD_FAILURE() << "stdout is not JSON: " << e.what() << "\n" << show(r);
    return json::object();
  }
}

TEST(CliJson, CheckSeedRace2HasTheDocumentedFields) {
  Outcome run;
  const json doc = check_json("seed-race2", &run);
  EXPECT_EQ(run.code, kViolation) << show(run);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.value("schema", ""), "pagerace-result/2");
  ASSERT_TRUE(doc.contains("results") && doc["results"].is_array());
  ASSERT_EQ(doc["results"].size(), 1u);
  const json &res = doc["results"][0];

  EXPECT_EQ(res.at("scenario"), "seed-race2");
  EXPECT_TRUE(res.at("source").is_string());
  EXPECT_EQ(res.at("variant"), "v4.15");
  EXPECT_EQ(res.at("verdict"), "violation");
  EXPECT_FALSE(res.contains("bound_reason")) << "bound_reason is only for bounded runs";
  const json &st = res.at("statistics");
  for (const char *k : {"executions", "states", "steps"})
    EXPECT_TRUE(st.at(k).is_number_integer()) << k;
  EXPECT_GT(st.at("states").get<long long>(), 0);
  EXPECT_TRUE(res.at("reached").is_array());

  const json &exp = res.at("expectation");
  EXPECT_EQ(exp.at("checked"), true);
  EXPECT_EQ(exp.at("met"), true);
  EXPECT_EQ(exp.at("kinds_match"), true);
  EXPECT_EQ(exp.at("expected"), json::array({"write-to-clean-page"}));
  EXPECT_EQ(exp.at("unreached"), json::array());

  const json &viols = res.at("violations");
  ASSERT_TRUE(viols.is_array());
  ASSERT_EQ(viols.size(), 1u);
  const json &v = viols[0];
  EXPECT_EQ(v.at("kind"), "write-to-clean-page");
  EXPECT_TRUE(v.at("site").is_string());
  EXPECT_FALSE(v.at("site").get<std::string>().empty());
  EXPECT_TRUE(v.at("reason").is_string());
  ASSERT_TRUE(v.at("schedule").is_string());
  EXPECT_FALSE(v.at("schedule").get<std::string>().empty());
  EXPECT_TRUE(v.at("steps").is_number_integer());
  EXPECT_TRUE(v.at("context_switches").is_number_integer());
  // `replay` is a ready-to-run command ending in the quoted schedule.
  const std::string replay = v.at("replay").get<std::string>();
  const std::string tail = "--schedule '" + v.at("schedule").get<std::string>() + "'";
  EXPECT_EQ(replay.rfind("pagerace replay ", 0), 0u) << replay;
  EXPECT_GE(replay.size(), tail.size());
  EXPECT_EQ(replay.substr(replay.size() - std::min(replay.size(), tail.size())), tail);

  const json &tr = v.at("trace");
  ASSERT_TRUE(tr.at("actors").is_array());
  EXPECT_EQ(tr.at("actors"), json::array({"CPU1", "CPU2", "device"}));
  ASSERT_TRUE(tr.at("events").is_array());
  ASSERT_FALSE(tr.at("events").empty());
  const std::set<std::string> kinds = {"syscall", "call", "note", "return", "violation"};
  bool saw_violation = false;
  int last_step = 0;
  for (const json &e : tr.at("events")) {
    ASSERT_TRUE(e.at("kind").is_string());
    EXPECT_TRUE(kinds.count(e.at("kind").get<std::string>())) << e.dump();
    EXPECT_TRUE(e.at("text").is_string());
    EXPECT_TRUE(e.at("depth").is_number_integer());
    const int actor = e.at("actor").get<int>();
    EXPECT_GE(actor, 0);
    EXPECT_LT(actor, static_cast<int>(tr.at("actors").size()));
    const int step = e.at("step").get<int>();
    EXPECT_GE(step, last_step) << "events out of step order";
    last_step = step;
    saw_violation |= e.at("kind") == "violation";
  }
  EXPECT_TRUE(saw_violation);
  EXPECT_LT(last_step, v.at("steps").get<int>());
}

// docs/JSON.md: the source of a built-in scenario is its name, so that it can
// be given back to `pagerace check` or `pagerace replay`.
TEST(CliJson, SourceOfABuiltinScenarioCanBeGivenBack) {
  const json doc = check_json("seed-race2");
  ASSERT_TRUE(doc.contains("results"));
  const json &res = doc["results"][0];
  const std::string source = res.value("source", "");
  EXPECT_EQ(source, "seed-race2");
  const json again = check_json(source);
  ASSERT_TRUE(again.contains("results"));
  EXPECT_EQ(again["results"][0].value("scenario", ""), "seed-race2");
  EXPECT_EQ(again["results"][0].at("violations"), res.at("violations"));
}

TEST(CliJson, SourceOfAScenarioFileIsThePathAsGiven) {
  ScratchDir dir;
  const fs::path file = dir.path() / "race2.toml";
  write_bytes(file, read_bytes(pagerace::scenario::builtin_scenario_path("seed-race2").value()));
  const json doc = check_json(file.string());
  ASSERT_TRUE(doc.contains("results"));
  EXPECT_EQ(doc["results"][0].value("source", ""), file.string());
}

TEST(CliJson, BoundedRunHasBoundReasonAndNoViolations) {
  const Outcome r =
      pagerace({"check", "--json", "--max-states", "10", data_file("no_expect.toml")});
  EXPECT_EQ(r.code, kBounded) << show(r);
  const json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << show(r);
  const json &res = doc["results"][0];
  EXPECT_EQ(res.value("verdict", ""), "bounded");
  EXPECT_TRUE(res.contains("bound_reason") && res["bound_reason"].is_string() &&
              !res["bound_reason"].get<std::string>().empty());
  EXPECT_EQ(res.at("violations"), json::array());
}

TEST(CliJson, CleanRunVerdict) {
  Outcome run;
  const json doc = check_json("seed-race1-as-drawn", &run);
  EXPECT_EQ(run.code, kClean);
  ASSERT_TRUE(doc.contains("results"));
  EXPECT_EQ(doc["results"][0].value("verdict", ""), "clean");
  EXPECT_EQ(doc["results"][0].at("violations"), json::array());
}

TEST(CliJson, SeveralScenariosGiveOneResultEachInOrder) {
  const Outcome r = pagerace({"check", "--json", "seed-race2", "seed-race1-as-drawn"});
  EXPECT_EQ(r.code, kViolation);
  const json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << show(r);
  ASSERT_EQ(doc.at("results").size(), 2u);
  EXPECT_EQ(doc["results"][0].value("scenario", ""), "seed-race2");
  EXPECT_EQ(doc["results"][1].value("scenario", ""), "seed-race1-as-drawn");
}

// ---------------------------------------------------------------------------
// replay

TEST(CliReplay, ScheduleFromCheckJsonReplaysTheSameEventsDeterministically) {
  const json doc = check_json("seed-race2");
  ASSERT_TRUE(doc.contains("results"));
  const json &v = doc["results"][0]["violations"][0];
  const std::string schedule = v.at("schedule").get<std::string>();
  const json &events = v.at("trace").at("events");

  const Outcome text = pagerace({"replay", "seed-race2", "--schedule", schedule});
  EXPECT_EQ(text.code, kViolation) << show(text);

  const Outcome a = pagerace({"replay", "seed-race2", "--schedule", schedule, "--json"});
  const Outcome b = pagerace({"replay", "seed-race2", "--schedule", schedule, "--json"});
  EXPECT_EQ(a.code, kViolation) << show(a);
  EXPECT_EQ(b.code, kViolation) << show(b);
  EXPECT_EQ(a.out, b.out) << "two replays of one schedule differ";

  const json ra = json::parse(a.out, nullptr, false);
  ASSERT_FALSE(ra.is_discarded()) << show(a);
  EXPECT_EQ(ra.value("schema", ""), "pagerace-result/2");
  const json &res = ra["results"][0];
  EXPECT_EQ(res.value("verdict", ""), "violation");
  ASSERT_TRUE(res.contains("violations") && !res["violations"].empty());
  bool same_kind = false;
  for (const json &rv : res["violations"]) {
    same_kind |= rv.value("kind", "") == v.at("kind").get<std::string>();
    EXPECT_EQ(rv.value("schedule", ""), schedule);
    EXPECT_EQ(rv.at("trace").at("events"), events) << "replay shows other events than check";
    EXPECT_EQ(rv.at("trace").at("actors"), v.at("trace").at("actors"));
  }
  EXPECT_TRUE(same_kind);
}

// The replay command printed by check --json works as printed.
TEST(CliReplay, PrintedReplayCommandRuns) {
  const json doc = check_json("seed-race2");
  ASSERT_TRUE(doc.contains("results"));
  std::string cmd = doc["results"][0]["violations"][0].at("replay").get<std::string>();
  const std::string prefix = "pagerace ";
  ASSERT_EQ(cmd.rfind(prefix, 0), 0u) << cmd;
  cmd = sh_quote(PAGERACE_BINARY) + " " + cmd.substr(prefix.size()) + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kViolation) << cmd;
}

TEST(CliReplay, MalformedScheduleExitsTwo) {
  for (const char *bad : {"x", "0..1", "0.", "0/", "0*0", "0*", "-1", "0,1", "256"}) {
    const Outcome r = pagerace({"replay", "seed-race2", "--schedule", bad});
    EXPECT_EQ(r.code, kInput) << "schedule '" << bad << "'\n" << show(r);
    EXPECT_FALSE(r.err.empty()) << "schedule '" << bad << "'";
  }
}

TEST(CliReplay, ScheduleThatDoesNotFitTheScenarioExitsTwo) {
  const Outcome r = pagerace({"replay", "seed-race2", "--schedule", "9"});
  EXPECT_EQ(r.code, kInput) << show(r);
  EXPECT_FALSE(r.err.empty());
}

// A schedule that stops before anything happened: no violation, exit 0.
TEST(CliReplay, ShortCleanPrefixExitsZero) {
  const Outcome r = pagerace({"replay", "seed-race2", "--schedule", "0"});
  EXPECT_EQ(r.code, kClean) << show(r);
}

TEST(CliReplay, UnknownScenarioExitsTwo) {
  const Outcome r = pagerace({"replay", "no-such-scenario-xyz", "--schedule", "0"});
  EXPECT_EQ(r.code, kInput) << show(r);
  EXPECT_NE(r.err.find("no-such-scenario-xyz"), std::string::npos) << show(r);
}

// ---------------------------------------------------------------------------
// list

TEST(Cli, ListNamesEveryBuiltinScenarioAndTheKernelVariant) {
  const Outcome r = pagerace({"list"});
  EXPECT_EQ(r.code, kClean) << show(r);
  const auto names = pagerace::scenario::builtin_scenario_names();
  EXPECT_FALSE(names.empty());
  for (const auto &n : names) {
    // As a whole word: preceded by a blank, followed by a blank or newline.
    bool found = false;
    for (size_t at = r.out.find(n); at != std::string::npos && !found; at = r.out.find(n, at + 1))
      found = (at == 0 || std::isspace(static_cast<unsigned char>(r.out[at - 1]))) &&
              (at + n.size() == r.out.size() ||
               std::isspace(static_cast<unsigned char>(r.out[at + n.size()])));
    EXPECT_TRUE(found) << "list does not mention " << n << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("v4.15"), std::string::npos) << r.out;
}

} // namespace
