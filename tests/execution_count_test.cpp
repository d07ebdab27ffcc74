// The breadth-first search counts executions as the root-to-terminal paths
// of the state graph it stored. Toy systems here have graphs whose path
// counts are known in closed form: the count must be exact when it fits in
// 64 bits and the graph has no cycle, and flagged as a lower bound when it
// saturates or a cycle makes it infinite, on any number of threads.
#include "engine/explorer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

using namespace pagerace;

namespace {

// A counter that one actor raises by one or by two up to `top`: the paths to
// the top are the compositions of `top` into ones and twos, Fib(top + 1) of
// them. With `two_first`, the step by two is the first choice, so a state's
// higher successor gets the lower number and some edges lead back to lower
// numbers. With `back`, the counter may also fall from 1 to 0 (a cycle
// through the start) or, with `back_from`, from `back_from` to 1 (a cycle
// beside it).
struct Stairs {
  struct State {
    uint32_t x = 0;
  };
  struct Choice {
    uint8_t actor = 0, alt = 0;
  };
  struct Outcome {
    uint32_t violations = 0;
    std::array<uint64_t, 4> reached{};
  };
  using StateType = State;
  using ChoiceType = Choice;

  uint32_t top = 10;
  bool two_first = false;
  uint32_t back_from = 0; // 0: no step down

  State initial() const { return {}; }
  std::vector<std::pair<uint32_t, uint32_t>> components() const { return {{0, 4}}; }
  void enabled(const State &s, std::vector<Choice> &out) const {
    out.clear();
    // The step down first: the search then meets the edge back to the
    // start before the start's other successors are counted.
    if (back_from != 0 && s.x == back_from) out.push_back({1, 0});
    const bool two = s.x + 2 <= top, one = s.x + 1 <= top;
    if (two_first && two) out.push_back({0, 2});
    if (one) out.push_back({0, 1});
    if (!two_first && two) out.push_back({0, 2});
  }
  Outcome step(State &s, Choice c) const {
    if (c.actor == 1)
      s.x = back_from == 1 ? 0 : 1;
    else
      s.x += c.alt;
    return {};
  }
  uint32_t changed_components(const Outcome &) const { return 1; }
  bool finished(const State &s) const { return s.x == top; }
  const void *stuck_on_variable(const State &) const { return nullptr; }
  int stuck_kind(const State &) const { return 0; }
  int num_kinds() const { return 1; }
  int num_actors() const { return 2; }
};

uint64_t fib(uint32_t k) { // Fib(1) = Fib(2) = 1
  uint64_t a = 0, b = 1;
  for (uint32_t i = 0; i < k; ++i)
    b = std::exchange(a, b) + b;
  return a;
}

engine::Exploration search(const Stairs &stairs, int threads) {
  engine::Explorer<Stairs> e(stairs, engine::Limits{});
  e.threads(threads);
  return e.run();
}

} // namespace

TEST(ExecutionCount, PathsOfAnAcyclicGraphAreCountedExactly) {
  for (const uint32_t top : {1u, 2u, 7u, 40u, 92u})
    for (const bool two_first : {false, true})
      for (int threads : {1, 2}) {
        Stairs stairs;
        stairs.top = top;
        stairs.two_first = two_first;
        const engine::Exploration ex = search(stairs, threads);
        EXPECT_EQ(ex.states, top + 1);
        EXPECT_EQ(ex.executions, fib(top + 1))
            << "top " << top << ", two first " << two_first << ", " << threads << " threads";
        EXPECT_FALSE(ex.executions_saturated) << "top " << top;
      }
}

TEST(ExecutionCount, ACountPast64BitsSaturatesAndSaysSo) {
  for (int threads : {1, 2}) {
    Stairs stairs;
    stairs.top = 93; // Fib(94) > 2^64 - 1 > Fib(93)
    const engine::Exploration ex = search(stairs, threads);
    EXPECT_EQ(ex.executions, UINT64_MAX);
    EXPECT_TRUE(ex.executions_saturated);
  }
}

// A cycle means infinitely many executions: the count is of the acyclic
// part, a lower bound, and says so.
TEST(ExecutionCount, ACycleMakesTheCountALowerBound) {
  for (int threads : {1, 2}) {
    Stairs through_start; // 0 -> 1 -> 0
    through_start.top = 6;
    through_start.back_from = 1;
    engine::Exploration ex = search(through_start, threads);
    EXPECT_TRUE(ex.executions_saturated);
    EXPECT_EQ(ex.executions, fib(7)) << "the paths that do not go round";

    Stairs beside; // 1 -> 2 -> 3 -> 1
    beside.top = 6;
    beside.back_from = 3;
    ex = search(beside, threads);
    EXPECT_TRUE(ex.executions_saturated);
    EXPECT_LE(ex.executions, fib(7));
  }
}
