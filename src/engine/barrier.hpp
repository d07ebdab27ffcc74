// The barrier the thread team meets at: a member that arrives early spins
// for a few microseconds, then sleeps on a futex (std::atomic::wait).
//
// Why not std::barrier: the parallel BFS meets six barriers per batch of
// states, and one member usually arrives a few microseconds before the
// other. libstdc++'s std::barrier then soon sleeps in the kernel, and a round
// costs 5-8 us of futex sleep and wake-up (the wake-up is an interrupt to
// the other vCPU). Measured on scale-2-1, two threads, 64 states a thread,
// in one series of five interleaved runs (medians; one thread: 7.17 s):
// 6.21 s with std::barrier, 4.86 s spinning up to 5 us, 5.09 s up to 20 us,
// 5.32 s up to 50 us (docs/PERFORMANCE.md). A wait as long as a scheduler's
// time slice makes the team's next few waits sleep at once, so that a busy
// machine loses little; sleeping at once after every wait longer than the
// spin cost more futex rounds than it saved.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace pagerace::engine {

class SpinBarrier {
public:
  static constexpr std::chrono::nanoseconds kSpin{5000};
  static constexpr std::chrono::nanoseconds kLong{500000};
  static constexpr int kSkip = 16;

  explicit SpinBarrier(int members) : expected_(members) {}

  void arrive_and_wait() {
    // The phase cannot move on before this member arrives.
    const uint32_t phase = phase_.load(std::memory_order_acquire);
    if (arrive(false)) return;
    const auto start = std::chrono::steady_clock::now();
    if (!take_skip()) {
      do {
        for (int i = 0; i < 8; ++i) { // a pause is ~25 ns: read the clock rarely
          if (phase_.load(std::memory_order_acquire) != phase) return;
          relax();
        }
      } while (std::chrono::steady_clock::now() - start < kSpin);
    }
    while (phase_.load(std::memory_order_acquire) == phase)
      phase_.wait(phase, std::memory_order_acquire);
    // A wait of a scheduler's time slice: another process holds the other
    // core, or a member ran long serial work. The team's next kSkip waits go
    // to sleep without spinning (std::atomic::wait still pauses and yields a
    // few times first), and the ones after them spin again.
    if (std::chrono::steady_clock::now() - start > kLong)
      skip_.store(kSkip, std::memory_order_relaxed);
  }
  // Arrives for this phase and leaves: later phases wait for one member fewer.
  void arrive_and_drop() { arrive(true); }

private:
  // True for the member that completes the phase. The lock orders every
  // member's writes before the completion, which the phase's release store
  // publishes to the members that wait.
  bool arrive(bool drop) {
    {
      const std::lock_guard<std::mutex> hold(lock_);
      dropped_ += drop ? 1 : 0;
      if (++arrived_ < expected_) return false;
      arrived_ = 0;
      expected_ -= dropped_;
      dropped_ = 0;
    }
    phase_.fetch_add(1, std::memory_order_release);
    phase_.notify_all(); // no system call when no member sleeps
    return true;
  }
  // One of the team's waits that skip the spin, if any are left.
  bool take_skip() {
    int left = skip_.load(std::memory_order_relaxed);
    while (left > 0)
      if (skip_.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
    return false;
  }
  static void relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::mutex lock_;
  int arrived_ = 0, expected_, dropped_ = 0;
  alignas(64) std::atomic<uint32_t> phase_{0};
  alignas(64) std::atomic<int> skip_{0}; // the team's waits left that do not spin
};

} // namespace pagerace::engine
