// Every input kept for the fuzz targets (fuzz/targets.hpp) runs here, in
// every build: the crashes the fuzzers found (fuzz/regressions/<target>/)
// and their seed corpora. A fuzz run that finds a new crash adds its input
// to fuzz/regressions/, and from then on it is a test here.
#include "targets.hpp"
#include "walk.hpp"

#include "app/check.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Target = int (*)(const uint8_t *, size_t);

void trace_result_or_fail(const pagerace::scenario::Scenario &sc, const pagerace::model::Variant &v,
                          const pagerace::app::CheckOptions &o) {
  try {
    const pagerace::trace::Result r = pagerace::app::check(sc, v, o);
    EXPECT_FALSE(r.bounded) << v.name;
  } catch (const std::exception &e) {
    ADD_FAILURE() << v.name << ": " << e.what();
  }
}

std::vector<fs::path> inputs(std::initializer_list<const char *> dirs) {
  std::vector<fs::path> out;
  for (const char *d : dirs) {
    const fs::path dir = fs::path(PAGERACE_SOURCE_DIR) / d;
    if (!fs::is_directory(dir)) continue;
    for (const auto &e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void run_all(Target target, const std::vector<fs::path> &files, size_t at_least) {
  EXPECT_GE(files.size(), at_least);
  for (const fs::path &f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      target(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    } catch (const std::exception &e) {
      ADD_FAILURE() << f << ": " << e.what();
    }
  }
}

TEST(FuzzRegression, ParseScenario) {
  run_all(pagerace::fuzz::parse_scenario,
          inputs({"fuzz/regressions/parse_scenario", "scenarios", "tests/data"}), 18);
}

TEST(FuzzRegression, FrontEnd) {
  run_all(pagerace::fuzz::front_end,
          inputs({"fuzz/regressions/front_end", "scenarios", "tests/data"}), 18);
}

TEST(FuzzRegression, Model) {
  run_all(pagerace::fuzz::model, inputs({"fuzz/regressions/model", "fuzz/corpus/model"}), 0);
}

// The targets themselves can fail: a generated scenario is checked, and an
// input whose parse error would be misplaced is not what the parser gives.
TEST(FuzzRegression, ModelTargetRunsGeneratedScenarios) {
  for (int seed = 0; seed < 200; ++seed) {
    std::vector<uint8_t> bytes(64);
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<uint8_t>((seed * 131 + int(i) * 29) ^ (seed >> 3));
    EXPECT_NO_THROW(pagerace::fuzz::model(bytes.data(), bytes.size())) << "seed " << seed;
  }
}

// The first bugs the model fuzzer found: close() racing a read() or write()
// on the same fd. Every interleaving, under every variant, runs without a
// model error, and random executions keep the model consistent.
TEST(FuzzRegression, CloseRacingReadAndWriteIsExploredCleanly) {
  const std::string path =
      std::string(PAGERACE_SOURCE_DIR) + "/fuzz/regressions/front_end/close-during-write.toml";
  const pagerace::scenario::Scenario sc = pagerace::scenario::load_scenario_file(path);
  for (const pagerace::model::Variant *v : pagerace::model::all_variants()) {
    pagerace::app::CheckOptions o;
    trace_result_or_fail(sc, *v, o);
    const pagerace::model::System sys(sc, *v);
    EXPECT_NO_THROW(pagerace::fuzz::walk(sys, 1, 300, 4000)) << v->name;
  }
}

} // namespace
