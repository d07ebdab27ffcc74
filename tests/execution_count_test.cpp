// The breadth-first search counts executions as the root-to-terminal paths
// of the state graph it stored. The toy graphs here have path counts known
// in closed form or counted in 128 bits: the count must be exact when it
// fits in 64 bits and the graph has no cycle, and flagged as a lower bound
// when it saturates or a cycle leaves states uncounted, on any number of
// threads.
#include "engine/explorer.hpp"

#include "run_bfs.hpp"
#include "toy_system.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

using namespace pagerace;

namespace {

__extension__ typedef unsigned __int128 u128; // exact where 64 bits saturate

struct Node {
  uint32_t x = 0;
};

// A graph given by its edges: a state is a node, each out-edge a choice,
// and a node without edges an end.
struct Graph : test_util::ToySystem<Node> {
  std::vector<std::vector<uint32_t>> out;

  void enabled(const State &s, std::vector<Choice> &choices) const {
    choices.clear();
    for (size_t a = 0; a < out[s.x].size(); ++a)
      choices.push_back({0, static_cast<uint8_t>(a)});
  }
  Outcome step(State &s, Choice c) const {
    s.x = out[s.x][c.alt];
    return {};
  }
  bool finished(const State &s) const { return out[s.x].empty(); }
  int num_actors() const { return 1; }

  // Paths from node 0 to the ends of an acyclic graph, in 128 bits.
  u128 paths() const {
    std::vector<u128> memo(out.size());
    std::vector<char> known(out.size(), 0);
    std::function<u128(uint32_t)> from = [&](uint32_t x) -> u128 {
      if (known[x]) return memo[x];
      u128 n = out[x].empty() ? 1 : 0;
      for (const uint32_t y : out[x])
        n += from(y);
      known[x] = 1;
      return memo[x] = n;
    };
    return from(0);
  }
};

// A counter raised by one or by two up to `top`: the paths to the top are
// the compositions of `top` into ones and twos, Fib(top + 1) of them. With
// `two_first`, the step by two is the first choice, so a state's higher
// successor gets the lower number and some edges lead back to lower
// numbers. With `back_from` 1, the counter may also fall from 1 to 0 (a
// cycle through the start); with a larger `back_from`, from there to 1 (a
// cycle beside it). The step down comes first: the search then meets the
// edge back to the start before the start's other successors are counted.
Graph stairs(uint32_t top, bool two_first = false, uint32_t back_from = 0) {
  Graph g;
  g.out.resize(top + 1);
  for (uint32_t x = 0; x <= top; ++x) {
    std::vector<uint32_t> &out = g.out[x];
    if (back_from != 0 && x == back_from) out.push_back(back_from == 1 ? 0 : 1);
    if (two_first && x + 2 <= top) out.push_back(x + 2);
    if (x + 1 <= top) out.push_back(x + 1);
    if (!two_first && x + 2 <= top) out.push_back(x + 2);
  }
  return g;
}

uint64_t fib(uint32_t k) { // Fib(1) = Fib(2) = 1
  uint64_t a = 0, b = 1;
  for (uint32_t i = 0; i < k; ++i)
    b = std::exchange(a, b) + b;
  return a;
}

} // namespace

TEST(ExecutionCount, PathsOfAnAcyclicGraphAreCountedExactly) {
  for (const uint32_t top : {1u, 2u, 7u, 40u, 92u})
    for (const bool two_first : {false, true})
      for (int threads : {1, 2}) {
        const engine::Exploration ex = test_util::run_bfs(stairs(top, two_first), threads);
        EXPECT_EQ(ex.states, top + 1);
        EXPECT_EQ(ex.executions, fib(top + 1))
            << "top " << top << ", two first " << two_first << ", " << threads << " threads";
        EXPECT_FALSE(ex.executions_lower_bound) << "top " << top;
      }
}

TEST(ExecutionCount, ACountPast64BitsSaturatesAndSaysSo) {
  for (int threads : {1, 2}) {
    // Fib(94) > 2^64 - 1 > Fib(93)
    const engine::Exploration ex = test_util::run_bfs(stairs(93), threads);
    EXPECT_EQ(ex.executions, UINT64_MAX);
    EXPECT_TRUE(ex.executions_lower_bound);
  }
}

// A cycle means infinitely many executions: the count is of the acyclic
// part, a lower bound, and says so.
TEST(ExecutionCount, ACycleMakesTheCountALowerBound) {
  for (int threads : {1, 2}) {
    engine::Exploration ex = test_util::run_bfs(stairs(6, false, 1), threads); // 0 -> 1 -> 0
    EXPECT_TRUE(ex.executions_lower_bound);
    EXPECT_EQ(ex.executions, fib(7)) << "the paths that do not go round";

    // 1 -> 2 -> 3 -> 1: every end lies after the cycle, so none is counted.
    ex = test_util::run_bfs(stairs(6, false, 3), threads);
    EXPECT_TRUE(ex.executions_lower_bound);
    EXPECT_EQ(ex.executions, 0u);
  }
}

// A state taken after the sweep passed it frees another that the sweep
// passed before it: 0 -> {1, 2, 3}, 3 -> {1, 2}, 1 -> 2.
TEST(ExecutionCount, AStateFreedLateFreesAnother) {
  Graph g;
  g.out = {{1, 2, 3}, {2}, {}, {1, 2}};
  for (int threads : {1, 2}) {
    const engine::Exploration ex = test_util::run_bfs(g, threads);
    EXPECT_EQ(ex.executions, 4u);
    EXPECT_FALSE(ex.executions_lower_bound);
  }
}

// Random acyclic graphs, their nodes in random topological order and their
// edges in random order, so that many edges lead back to lower state
// numbers; the denser ones have more than 2^64 paths.
TEST(ExecutionCount, RandomAcyclicGraphsAgreeWithACountIn128Bits) {
  std::mt19937 rng(7);
  int saturated = 0;
  for (int round = 0; round < 300; ++round) {
    const uint32_t n = round % 10 == 0 ? 70 + rng() % 30 : 2 + rng() % 30;
    const double density = round % 10 == 0 ? 0.9 : 0.05 + 0.4 * (rng() % 100) / 100.0;
    std::vector<uint32_t> order(n); // order[0] = 0: the start comes first
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin() + 1, order.end(), rng);
    Graph g;
    g.out.resize(n);
    for (uint32_t i = 0; i < n; ++i)
      for (uint32_t j = i + 1; j < n && g.out[order[i]].size() < 255; ++j)
        if ((rng() % 1000) < density * 1000) g.out[order[i]].push_back(order[j]);
    for (auto &edges : g.out)
      std::shuffle(edges.begin(), edges.end(), rng);
    const u128 paths = g.paths();
    const bool over = paths >= UINT64_MAX;
    saturated += over ? 1 : 0;
    for (int threads : {1, 2}) {
      const engine::Exploration ex = test_util::run_bfs(g, threads);
      EXPECT_EQ(ex.executions, over ? UINT64_MAX : static_cast<uint64_t>(paths))
          << "round " << round << ", " << threads << " threads";
      EXPECT_EQ(ex.executions_lower_bound, over) << "round " << round;
    }
  }
  EXPECT_GE(saturated, 10) << "the dense graphs must reach 2^64";
}

// A state that cannot reach an end may have more than 2^64 paths to it (here
// the last of 70 diamonds, cut off by a bound): the count of executions is
// exact all the same, and says so.
TEST(ExecutionCount, AStateWithoutAnEndDoesNotMakeTheCountALowerBound) {
  Graph g;
  g.out = {{1, 2}, {}, {}}; // 0 -> 1, an end, and 0 -> 2, the first diamond
  uint32_t top = 2;
  for (int k = 0; k < 70; ++k) {
    const auto a = static_cast<uint32_t>(g.out.size());
    g.out[top] = {a, a + 1};
    g.out.push_back({a + 2});
    g.out.push_back({a + 2});
    g.out.emplace_back();
    top = a + 2;
  }
  for (int k = 0; k < 20; ++k) { // a long tail, beyond the bound
    g.out[top] = {static_cast<uint32_t>(g.out.size())};
    top = static_cast<uint32_t>(g.out.size());
    g.out.emplace_back();
  }
  engine::Limits limits;
  limits.max_states = 2 + 3 * 70 + 5;
  for (int threads : {1, 2}) {
    const engine::Exploration ex = test_util::run_bfs(g, threads, limits);
    ASSERT_TRUE(ex.bounded);
    EXPECT_EQ(ex.executions, 1u);
    EXPECT_FALSE(ex.executions_lower_bound);
  }
}
