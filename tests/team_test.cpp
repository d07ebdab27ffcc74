// The thread team the parallel searches run on: every item of a shared loop
// runs exactly once, loops after loops, a single block runs once, and a
// barrier orders what members wrote before it before what they read after.
#include "engine/team.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <vector>

namespace {

using pagerace::engine::Team;

TEST(Team, EveryItemOfEveryLoopRunsOnceWhateverTheTeamSize) {
  for (int size : {1, 2, 3, 5}) {
    Team team(size);
    for (int job = 0; job < 20; ++job) { // the team is reused, as by the BFS's batches
      std::vector<std::atomic<int>> ran(1000);
      std::atomic<int> singles{0};
      team.run([&](int member) {
        for (size_t chunk : {1, 4, 64}) // loops in a row reuse the counters
          team.for_each(member, ran.size(), chunk, [&](size_t i) { ++ran[i]; });
        team.single(member, [&] { ++singles; });
        team.for_each(member, 0, 1, [&](size_t) { ADD_FAILURE() << "an empty loop ran an item"; });
      });
      for (size_t i = 0; i < ran.size(); ++i)
        ASSERT_EQ(ran[i], 3) << "item " << i << ", team of " << size << ", job " << job;
      EXPECT_EQ(singles, 1);
    }
  }
}

TEST(Team, ABarrierPublishesWhatMembersWroteBeforeIt) {
  Team team(4);
  std::vector<int> written(4, 0), seen(4, 0);
  team.run([&](int member) {
    written[static_cast<size_t>(member)] = member + 1;
    team.barrier();
    int sum = 0;
    for (int w : written)
      sum += w;
    seen[static_cast<size_t>(member)] = sum;
  });
  for (int s : seen)
    EXPECT_EQ(s, 1 + 2 + 3 + 4);
}

} // namespace
