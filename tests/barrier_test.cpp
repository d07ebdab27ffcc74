// The team's barrier: every phase waits for every member, what a member
// wrote before arriving is seen by all after, whether the others spun or
// slept, and a member that drops out is no longer waited for.
#include "engine/barrier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

namespace {

using pagerace::engine::SpinBarrier;

// A barrier that loses a wake-up hangs: fail within a minute rather than at
// ctest's timeout.
template <class Body> void within_a_minute(Body body) {
  auto done = std::async(std::launch::async, body);
  if (done.wait_for(std::chrono::minutes(1)) == std::future_status::timeout) {
    std::fprintf(stderr, "a barrier test hung\n");
    std::abort();
  }
  done.get();
}

// Members write their slot of a phase (plain writes: ThreadSanitizer, run
// by hand, sees a missing ordering), meet, and check every slot.
void phases(int members, int count, std::chrono::microseconds late) {
  SpinBarrier barrier(members);
  std::vector<std::vector<int>> slot(static_cast<size_t>(count),
                                     std::vector<int>(static_cast<size_t>(members), 0));
  std::vector<int> wrong(static_cast<size_t>(members), 0);
  std::vector<std::thread> threads;
  for (int m = 0; m < members; ++m)
    threads.emplace_back([&, m] {
      for (int p = 0; p < count; ++p) {
        // The last member is late every few phases: the others sleep.
        if (m == members - 1 && p % 7 == 0) std::this_thread::sleep_for(late);
        slot[static_cast<size_t>(p)][static_cast<size_t>(m)] = p + m + 1;
        barrier.arrive_and_wait();
        for (int o = 0; o < members; ++o)
          if (slot[static_cast<size_t>(p)][static_cast<size_t>(o)] != p + o + 1)
            ++wrong[static_cast<size_t>(m)];
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int m = 0; m < members; ++m)
    EXPECT_EQ(wrong[static_cast<size_t>(m)], 0) << "member " << m << " of " << members;
}

// All members but two drop out in the first phase, from threads of their
// own or, as the team's constructor does for threads that never started,
// from the caller's; the two left meet three times.
void drop_then_meet(int members, bool drop_on_threads) {
  SpinBarrier barrier(members);
  std::vector<std::thread> leavers;
  for (int d = 0; d < members - 2; ++d) {
    if (drop_on_threads)
      leavers.emplace_back([&] { barrier.arrive_and_drop(); });
    else
      barrier.arrive_and_drop();
  }
  int after = 0;
  std::thread other([&] {
    barrier.arrive_and_wait(); // with the members that drop out, or after them
    barrier.arrive_and_wait(); // with the caller alone
    after = 1;
    barrier.arrive_and_wait();
  });
  barrier.arrive_and_wait();
  barrier.arrive_and_wait();
  barrier.arrive_and_wait();
  EXPECT_EQ(after, 1) << members << " members";
  other.join();
  for (std::thread &t : leavers)
    t.join();
}

TEST(SpinBarrier, EveryPhaseSeesWhatEveryMemberWroteBeforeIt) {
  within_a_minute([] {
    for (int members : {1, 2, 3, 5})
      phases(members, 2000, std::chrono::microseconds(0));
  });
}

// Late by more than the spin, and by more than a long wait (the next waits
// then skip the spin).
TEST(SpinBarrier, MembersThatSleptPastTheSpinWakeUp) {
  within_a_minute([] {
    phases(2, 200, std::chrono::duration_cast<std::chrono::microseconds>(SpinBarrier::kSpin) * 4);
    phases(3, 200, std::chrono::microseconds(2000));
  });
}

TEST(SpinBarrier, MembersThatDropOutAreNoLongerWaitedFor) {
  within_a_minute([] {
    for (int members : {3, 4, 5}) {
      drop_then_meet(members, true);
      drop_then_meet(members, false);
    }
  });
}

} // namespace
