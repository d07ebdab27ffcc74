// A fixed team of threads that run one function together, as the members of
// an OpenMP parallel region do, with the work-sharing the parallel BFS needs:
// a loop whose items are handed out in chunks, a block one member runs, and
// barriers.
//
// Why not OpenMP: its barriers spin (libgomp, by default, for about 300 000
// iterations) before they sleep. The BFS meets several barriers per batch of
// states, and when another process holds one of the cores, the spinning
// member keeps it from the one the team waits for: measured, a run on two
// threads beside one busy process took 7.8 s where one thread took 2.3 s.
// SpinBarrier (barrier.hpp) spins for 5 us at most, then sleeps.
#pragma once

#include "engine/barrier.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace pagerace::engine {

class Team {
public:
  // `size` members: the caller of run() and size - 1 threads.
  explicit Team(int size) : size_(std::max(1, size)), sync_(size_) {
    try {
      for (int m = 1; m < size_; ++m)
        threads_.emplace_back([this, m] { serve(m); });
    } catch (...) { // no thread: let the started ones leave, then report
      stop_ = true;
      for (int m = static_cast<int>(threads_.size()) + 1; m < size_; ++m)
        sync_.arrive_and_drop(); // for the members never started
      sync_.arrive_and_wait();
      for (std::thread &t : threads_)
        t.join();
      throw;
    }
  }
  ~Team() {
    stop_ = true;
    if (size_ > 1) sync_.arrive_and_wait(); // the members leave serve()
    for (std::thread &t : threads_)
      t.join();
  }
  Team(const Team &) = delete;
  Team &operator=(const Team &) = delete;

  int size() const { return size_; }

  // Runs `job(member)` on every member, the caller being member 0, and
  // returns when all have. `job` must not throw (catch and keep errors), and
  // every member must meet the same sequence of barriers and work-sharing
  // calls.
  void run(const std::function<void(int)> &job) {
    if (size_ == 1) {
      job(0);
      return;
    }
    job_ = &job;
    sync_.arrive_and_wait(); // start
    job(0);
    sync_.arrive_and_wait(); // end
  }

  // Inside a job.
  void barrier() {
    if (size_ > 1) sync_.arrive_and_wait();
  }
  // Every member calls it: the items 0..n-1 are handed out `chunk` at a
  // time to whichever member asks, `body(item)` runs for each, and it
  // returns once all items are done (a barrier).
  template <class Body> void for_each(int member, size_t n, size_t chunk, Body &&body) {
    std::atomic<size_t> &next = next_[loops_[static_cast<size_t>(member)]++ % 2];
    for (;;) {
      const size_t first = next.fetch_add(chunk, std::memory_order_relaxed);
      if (first >= n) break;
      for (size_t i = first; i < std::min(n, first + chunk); ++i)
        body(i);
    }
    barrier();
    // No member uses this counter again before the next loop's barrier,
    // the loop after next is the first to.
    if (member == 0) next.store(0, std::memory_order_relaxed);
  }
  // `body()` on member 0 only; the others wait for it (a barrier).
  template <class Body> void single(int member, Body &&body) {
    if (member == 0) body();
    barrier();
  }

private:
  void serve(int member) {
    for (;;) {
      sync_.arrive_and_wait(); // start, or the destructor
      if (stop_) return;
      (*job_)(member);
      sync_.arrive_and_wait(); // end
    }
  }

  int size_;
  SpinBarrier sync_;
  std::vector<std::thread> threads_;
  const std::function<void(int)> *job_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> next_[2] = {0, 0};
  // Loops each member has entered; the same sequence on every member.
  std::vector<size_t> loops_ = std::vector<size_t>(static_cast<size_t>(size_), 0);
};

} // namespace pagerace::engine
