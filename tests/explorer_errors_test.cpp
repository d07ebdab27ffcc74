// An error raised while a state is expanded (a model error, a scenario's
// run-time error) ends the search with that error, the same one on any
// number of threads: on a team, the first state of the batch that raised one,
// which is the first state the one-thread search meets raising one. The
// system here is a toy, so that the failing states are chosen by the test.
#include "engine/explorer.hpp"

#include "run_bfs.hpp"
#include "toy_system.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace pagerace;

namespace {

struct Cell {
  uint32_t a = 0, b = 0;
};

// Two counters, each raised by its own actor up to kTop; expanding one of
// the states in `fail` raises an error that names it.
struct Grid : test_util::ToySystem<Cell> {
  static constexpr uint32_t kTop = 40;

  std::set<std::pair<uint32_t, uint32_t>> fail;

  std::vector<std::pair<uint32_t, uint32_t>> components() const { return {{0, 4}, {4, 4}}; }
  void enabled(const State &s, std::vector<Choice> &out) const {
    out.clear();
    if (s.a < kTop) out.push_back({0, 0});
    if (s.b < kTop) out.push_back({1, 0});
  }
  Outcome step(State &s, Choice c) const {
    if (fail.contains({s.a, s.b}))
      throw std::runtime_error(fmt::format("state ({}, {})", s.a, s.b));
    (c.actor == 0 ? s.a : s.b) += 1;
    return {};
  }
  uint32_t changed_components(const Outcome &) const { return 3; }
  bool finished(const State &s) const { return s.a == kTop && s.b == kTop; }
  int num_actors() const { return 2; }
};

// The message of the error the search ends with, or "" when it ends.
std::string search_error(const Grid &grid, int threads) {
  try {
    const engine::Exploration ex = test_util::run_bfs(grid, threads);
    EXPECT_EQ(ex.states, (Grid::kTop + 1) * (Grid::kTop + 1)) << threads << " threads";
    return "";
  } catch (const std::runtime_error &err) {
    return err.what();
  }
}

} // namespace

TEST(ExplorerErrors, NoErrorWithoutAFailingState) {
  const Grid grid;
  for (int threads : {1, 2, 3})
    EXPECT_EQ(search_error(grid, threads), "") << threads << " threads";
}

// One failing state, deep in the search: every thread count stops there.
TEST(ExplorerErrors, AStateThatFailsEndsTheSearchWithItsError) {
  Grid grid;
  grid.fail = {{30, 25}};
  for (int threads : {1, 2, 3})
    EXPECT_EQ(search_error(grid, threads), "state (30, 25)") << threads << " threads";
}

// Several failing states in one batch and across batches: the error is the
// one the one-thread search meets first, whichever member raised its own
// first.
TEST(ExplorerErrors, TheFirstFailingStateWinsOnAnyThreadCount) {
  const std::vector<std::set<std::pair<uint32_t, uint32_t>>> cases = {
      {{20, 10}, {10, 20}, {15, 15}},   // one depth: one batch
      {{12, 3}, {3, 12}, {39, 39}},     // and a far one
      {{0, 5}, {5, 0}, {1, 4}, {4, 1}}, // the edges of the grid
      {{25, 25}, {24, 27}, {27, 24}, {26, 26}}};
  for (const auto &fail : cases) {
    Grid grid;
    grid.fail = fail;
    const std::string first = search_error(grid, 1);
    ASSERT_NE(first, "");
    for (int threads : {2, 3, 4})
      EXPECT_EQ(search_error(grid, threads), first) << threads << " threads";
  }
}
