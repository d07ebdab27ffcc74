// Test helper: a small system for testing the reductions alone: a few processes, each a
// straight-line program over shared variables and locks, in the spirit of the
// litmus tests of stateless model checkers. It is not the kernel model: its
// dependence is sparse and varied (a step touches one variable or lock and
// its own process), where nearly every kernel step touches one of a
// scenario's few pages, so the reductions have far more to prune here, and
// an unsound pruning more ways to show.
#pragma once

#include "engine/footprint.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace pagerace::test_util {

struct ToyChoice {
  uint8_t actor = 0, alt = 0;
  friend auto operator<=>(const ToyChoice &, const ToyChoice &) = default;
};

inline constexpr int kToyProcs = 3, kToyVars = 3, kToyLocks = 2, kToyOps = 5;

struct ToyState {
  std::array<uint8_t, kToyVars> var;
  std::array<uint8_t, kToyLocks> lock; // holder + 1, 0 when free
  std::array<uint8_t, kToyProcs> pc;
  std::array<uint8_t, kToyProcs> reg; // the last value read
};

struct ToyOutcome {
  uint32_t violations = 0;
  std::array<uint64_t, 4> reached{};
  std::array<uint64_t, 2> access{}, write{};
};

// Objects: variables, then locks, then one per process (its pc and register).
class ToyPrograms {
public:
  using StateType = ToyState;
  using ChoiceType = ToyChoice;
  struct BlockedFootprint {
    std::array<uint64_t, 2> access{}, write{};
  };
  enum class Op : uint8_t {
    Read,   // reg = var[x]; a read of 2 violates kind 0
    Write,  // var[x] = pc + 1 + process
    Inc,    // var[x] += 1
    Lock,   // blocks while lock[x] is held
    Unlock, // lock[x] = 0 (by its holder)
    Check,  // kind 1 when var[x] differs from reg
    Back,   // while var[x] is odd, back to the program's start (loops only)
  };
  struct Instr {
    Op op;
    uint8_t x;
  };

  // Random programs of 1..kToyOps instructions on 2..kToyProcs processes.
  // With `loops`, a program may go back to its start, so that the state graph
  // has cycles (a task that retries until another lets it go on, or never
  // does), and Inc counts modulo 4, so that a loop comes back to a state.
  explicit ToyPrograms(uint64_t seed, bool loops = false) : loops_(loops) {
    std::mt19937_64 rng(seed);
    procs_ = 2 + static_cast<int>(rng() % (kToyProcs - 1));
    for (int p = 0; p < procs_; ++p) {
      const int n = 1 + static_cast<int>(rng() % kToyOps);
      // A process takes a lock it does not hold and releases one it
      // holds; it may end holding some (a deadlock for the others).
      std::array<bool, kToyLocks> held{};
      for (int i = 0; i < n; ++i) {
        auto op = static_cast<Op>(rng() % (loops ? 7 : 6));
        uint8_t x = 0;
        if (op == Op::Lock || op == Op::Unlock) {
          x = static_cast<uint8_t>(rng() % kToyLocks);
          if (held[x] != (op == Op::Unlock)) op = op == Op::Lock ? Op::Unlock : Op::Lock;
          held[x] = op == Op::Lock;
        } else {
          x = static_cast<uint8_t>(rng() % kToyVars);
        }
        prog_[static_cast<size_t>(p)].push_back(Instr{op, x});
      }
    }
  }

  int num_actors() const { return procs_; }
  const std::vector<Instr> &program(int p) const { return prog_[static_cast<size_t>(p)]; }
  int num_kinds() const { return 3; } // read of 2, a check that failed, deadlock

  ToyState initial() const { return ToyState{}; }

  std::vector<std::pair<uint32_t, uint32_t>> components() const {
    return {{0, kToyVars + kToyLocks}, {kToyVars + kToyLocks, 2 * kToyProcs}};
  }
  uint32_t changed_components(const ToyOutcome &out) const {
    uint32_t mask = 0;
    for (int o = 0; o < kToyVars + kToyLocks; ++o)
      if (has(out.access, o)) mask |= 1;
    for (int p = 0; p < procs_; ++p)
      if (has(out.access, proc_obj(p))) mask |= 2;
    return mask;
  }

  void enabled(const ToyState &s, std::vector<ToyChoice> &out) const {
    out.clear();
    for (int p = 0; p < procs_; ++p)
      if (can_run(s, p)) out.push_back(ToyChoice{static_cast<uint8_t>(p), 0});
  }
  void blocked(const ToyState &s, std::vector<std::pair<ToyChoice, BlockedFootprint>> &out) const {
    out.clear();
    for (int p = 0; p < procs_; ++p) {
      if (!has_next(s, p) || can_run(s, p)) continue;
      BlockedFootprint f;
      const Instr &in = next(s, p);
      add(f.access, kToyVars + in.x);
      add(f.write, kToyVars + in.x);
      add(f.access, proc_obj(p));
      add(f.write, proc_obj(p));
      out.emplace_back(ToyChoice{static_cast<uint8_t>(p), 0}, f);
    }
  }

  ToyOutcome step(ToyState &s, ToyChoice c) const {
    const int p = c.actor;
    const Instr in = next(s, p);
    ToyOutcome out;
    add(out.access, proc_obj(p));
    add(out.write, proc_obj(p));
    out.reached[0] |= uint64_t{1} << static_cast<int>(in.op);
    const auto pi = static_cast<size_t>(p);
    switch (in.op) {
    case Op::Read:
      add(out.access, in.x);
      s.reg[pi] = s.var[in.x];
      if (s.reg[pi] == 2) out.violations |= 1;
      break;
    case Op::Write:
      add(out.access, in.x);
      add(out.write, in.x);
      s.var[in.x] = static_cast<uint8_t>(s.pc[pi] + 1 + p);
      break;
    case Op::Inc:
      add(out.access, in.x);
      add(out.write, in.x);
      s.var[in.x] = static_cast<uint8_t>(loops_ ? (s.var[in.x] + 1) & 3 : s.var[in.x] + 1);
      break;
    case Op::Lock:
      add(out.access, kToyVars + in.x);
      add(out.write, kToyVars + in.x);
      s.lock[in.x] = static_cast<uint8_t>(p + 1);
      break;
    case Op::Unlock:
      add(out.access, kToyVars + in.x);
      add(out.write, kToyVars + in.x);
      s.lock[in.x] = 0;
      break;
    case Op::Check:
      add(out.access, in.x);
      if (s.var[in.x] != s.reg[pi]) out.violations |= 2;
      break;
    case Op::Back:
      add(out.access, in.x);
      if (s.var[in.x] & 1) {
        s.pc[pi] = 0;
        return out;
      }
      break;
    }
    ++s.pc[pi];
    return out;
  }
  // The write set as the model gives it: only what changed. A lock taken
  // and an unchanged variable written stay accessed.
  ToyOutcome step_from(const ToyState &before, ToyState &after, ToyChoice c) const {
    after = before;
    ToyOutcome out = step(after, c);
    std::array<uint64_t, 2> changed{};
    for (int o = 0; o < kToyVars; ++o)
      if (before.var[static_cast<size_t>(o)] != after.var[static_cast<size_t>(o)]) add(changed, o);
    for (int l = 0; l < kToyLocks; ++l)
      if (before.lock[static_cast<size_t>(l)] != after.lock[static_cast<size_t>(l)])
        add(changed, kToyVars + l);
    for (int p = 0; p < procs_; ++p)
      if (before.pc[static_cast<size_t>(p)] != after.pc[static_cast<size_t>(p)] ||
          before.reg[static_cast<size_t>(p)] != after.reg[static_cast<size_t>(p)])
        add(changed, proc_obj(p));
    out.write = changed;
    return out;
  }

  bool finished(const ToyState &s) const {
    for (int p = 0; p < procs_; ++p)
      if (has_next(s, p)) return false;
    return true;
  }
  bool stuck_on_variable(const ToyState &) const { return false; }
  int stuck_kind(const ToyState &) const { return 2; }

private:
  static int proc_obj(int p) { return kToyVars + kToyLocks + p; }
  static void add(std::array<uint64_t, 2> &set, int o) {
    set[static_cast<size_t>(o) / 64] |= uint64_t{1} << (o % 64);
  }
  static bool has(const std::array<uint64_t, 2> &set, int o) {
    return (set[static_cast<size_t>(o) / 64] >> (o % 64)) & 1;
  }
  bool has_next(const ToyState &s, int p) const {
    return s.pc[static_cast<size_t>(p)] < prog_[static_cast<size_t>(p)].size();
  }
  const Instr &next(const ToyState &s, int p) const {
    return prog_[static_cast<size_t>(p)][s.pc[static_cast<size_t>(p)]];
  }
  bool can_run(const ToyState &s, int p) const {
    if (!has_next(s, p)) return false;
    const Instr &in = next(s, p);
    return in.op != Op::Lock || s.lock[in.x] == 0;
  }

  bool loops_ = false;
  int procs_ = 2;
  std::array<std::vector<Instr>, kToyProcs> prog_;
};

} // namespace pagerace::test_util
