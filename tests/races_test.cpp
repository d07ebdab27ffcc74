// Source-DPOR's race detection (engine/races.hpp) on executions written by
// hand, where the happens-before relation, the races and the initials are
// known: the searches' equivalence tests show the reduction loses nothing,
// these show what each part of it computes.
#include "engine/races.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

using namespace pagerace::engine;

namespace {

// An execution of processes named by letter over objects by number.
struct Written {
  std::vector<char> processes;
  std::vector<Footprint> footprints;
  std::vector<StepSet> pasts;
  char process(size_t i) const { return processes[i]; }
  const Footprint &footprint(size_t i) const { return footprints[i]; }
  const StepSet &past(size_t i) const { return pasts[i]; }

  // Appends a step of `p` that reads `reads` and writes `writes`, with the
  // past past_of() gives it (as the searches do); returns its races.
  std::vector<size_t> step(char p, std::initializer_list<int> reads,
                           std::initializer_list<int> writes) {
    const Footprint fp = footprint_of(reads, writes);
    std::vector<size_t> races;
    StepSet past = past_of(*this, p, fp, processes.size(), races);
    processes.push_back(p);
    footprints.push_back(fp);
    pasts.push_back(std::move(past));
    return races;
  }
  static Footprint footprint_of(std::initializer_list<int> reads,
                                std::initializer_list<int> writes) {
    Footprint fp;
    for (const int o : reads)
      fp.access[static_cast<size_t>(o / 64)] |= uint64_t{1} << (o % 64);
    for (const int o : writes) {
      fp.access[static_cast<size_t>(o / 64)] |= uint64_t{1} << (o % 64);
      fp.write[static_cast<size_t>(o / 64)] |= uint64_t{1} << (o % 64);
    }
    return fp;
  }
};

std::vector<size_t> members(const StepSet &s, size_t n) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i)
    if (contains(s, i)) out.push_back(i);
  return out;
}

using Steps = std::vector<size_t>;

TEST(Races, TwoWritesOfOneObjectRace) {
  Written r;
  EXPECT_TRUE(r.step('P', {}, {1}).empty());
  EXPECT_EQ(r.step('Q', {}, {1}), Steps{0});
  EXPECT_EQ(members(r.past(1), 2), Steps{0});
  std::vector<char> in;
  initials(r, 0, 1, 'Q', r.past(1), in);
  EXPECT_EQ(in, std::vector<char>{'Q'});
}

TEST(Races, ReadsDoNotRaceWithReads) {
  Written r;
  r.step('P', {1}, {});
  EXPECT_TRUE(r.step('Q', {1}, {}).empty());
  EXPECT_TRUE(members(r.past(1), 2).empty());
  // A write after both races with each: neither happens before the other.
  EXPECT_EQ(r.step('R', {}, {1}), (Steps{1, 0}));
}

TEST(Races, DifferentObjectsAreIndependent) {
  Written r;
  r.step('P', {}, {1});
  EXPECT_TRUE(r.step('Q', {}, {2}).empty());
  EXPECT_TRUE(members(r.past(1), 2).empty());
  // Objects past the first word of the sets.
  r.step('P', {}, {100});
  EXPECT_EQ(r.step('Q', {100}, {}), Steps{2});
}

TEST(Races, ProgramOrderIsNotARace) {
  Written r;
  r.step('P', {}, {1});
  r.step('Q', {}, {2});
  EXPECT_TRUE(r.step('P', {}, {3}).empty());
  EXPECT_EQ(members(r.past(2), 3), Steps{0});
  // Not even when the steps are dependent.
  EXPECT_TRUE(r.step('P', {}, {1}).empty());
  EXPECT_EQ(members(r.past(3), 4), (Steps{0, 2}));
}

// A step dependent on two earlier ones races only with the later when the
// earlier happens before it: reversing the later reverses both.
TEST(Races, ARaceHiddenBehindALaterOneIsNotReported) {
  Written r;
  r.step('P', {}, {1});
  EXPECT_EQ(r.step('Q', {}, {1}), Steps{0});
  EXPECT_EQ(r.step('R', {1}, {}), Steps{1});
  EXPECT_EQ(members(r.past(2), 3), (Steps{0, 1}));
}

// The race (0, R's step) with Q's independent step between them: Q's step
// does not happen after step 0, so notdep is Q then R, and both are
// initials unless R's step happens after Q's.
TEST(Races, InitialsOfTheReversedSequence) {
  Written a;
  a.step('P', {}, {1});
  a.step('Q', {}, {2});
  EXPECT_EQ(a.step('R', {1}, {}), Steps{0});
  std::vector<char> in;
  initials(a, 0, 2, 'R', a.past(2), in);
  EXPECT_EQ(in, (std::vector<char>{'Q', 'R'}));

  Written b;
  b.step('P', {}, {1});
  b.step('Q', {}, {2});
  EXPECT_EQ(b.step('R', {1, 2}, {}), (Steps{1, 0}));
  initials(b, 0, 2, 'R', b.past(2), in);
  EXPECT_EQ(in, std::vector<char>{'Q'});
}

// A member of notdep that an earlier member happens before is no initial:
// T reads what Q wrote, so T cannot go first.
TEST(Races, AStepAfterAnotherOfTheSequenceIsNoInitial) {
  Written r;
  r.step('P', {}, {1});
  r.step('Q', {}, {2});
  EXPECT_EQ(r.step('T', {2}, {}), Steps{1});
  EXPECT_EQ(r.step('R', {1}, {}), Steps{0});
  std::vector<char> in;
  initials(r, 0, 3, 'R', r.past(3), in);
  EXPECT_EQ(in, (std::vector<char>{'Q', 'R'}));
}

// Executions longer than a word of a step set.
TEST(Races, PastsSpanSeveralWords) {
  Written r;
  r.step('P', {}, {1});
  for (int k = 0; k < 70; ++k)
    r.step('Q', {}, {2});
  // Q's last step happens after all of Q's, and after nothing of P's.
  EXPECT_EQ(members(r.past(70), 71).size(), 69u);
  EXPECT_FALSE(contains(r.past(70), 0));
  // R reads both objects: it races with P's step and Q's last, and
  // happens after every step.
  EXPECT_EQ(r.step('R', {1, 2}, {}), (Steps{70, 0}));
  EXPECT_EQ(members(r.past(71), 72).size(), 71u);
}

// Steps after the racing one that happen after it are left out of notdep.
TEST(Races, StepsAfterTheRaceThatHappenAfterItAreNotInitials) {
  Written r;
  r.step('P', {}, {1});
  r.step('P', {}, {3}); // after step 0, in program order
  r.step('S', {}, {4}); // independent of everything
  EXPECT_EQ(r.step('R', {}, {1}), Steps{0});
  std::vector<char> in;
  initials(r, 0, 3, 'R', r.past(3), in);
  EXPECT_EQ(in, (std::vector<char>{'S', 'R'}));
}

} // namespace
