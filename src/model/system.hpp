// The model as the engine sees it: a transition system over State. The engine
// asks for the initial state, the enabled choices of a state, and the effect
// of one choice; it never looks inside State. Actors are the scenario's CPUs,
// then the device, then the end-of-scenario task.
#pragma once

#include "model/include/state.hpp"
#include "model/kernel/ctx.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "trace/trace.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pagerace::model {

class System {
public:
  using StateType = State;
  using ChoiceType = Choice;
  // What the next step of a blocked task may touch: its own task and what it
  // waits on, all counted as written.
  struct BlockedFootprint {
    obj::Set access{}, write{};
  };

  System(const scenario::Scenario &sc, const Variant &variant);

  State initial() const;
  // State cut into components for the engine's compressed store: the
  // scenario variables, the page array, the inodes, the disk, the mm, fds
  // and bios, each task, and the rest. A step changes a few of them.
  // Each is (offset, size) in bytes; together they cover State in order.
  std::vector<std::pair<uint32_t, uint32_t>> components() const;
  // The components (bit per component, in the order above) a step with
  // outcome `out` may have changed: those holding an object it accessed.
  // Every byte a step changes lies in an object it accessed
  // (tests/consistency_test.cpp checks it on random walks).
  uint32_t changed_components(const StepOutcome &out) const;
  void enabled(const State &s, std::vector<Choice> &out) const;
  // Executes one step. With a recorder, appends the step's trace events.
  StepOutcome step(State &s, Choice c, trace::Trace *rec = nullptr, int step_index = 0) const;
  // step() on a copy of `before`, with the outcome's write set filled in.
  StepOutcome step_from(const State &before, State &after, Choice c) const;
  // The tasks that have a next step but cannot take it now.
  void blocked(const State &s, std::vector<std::pair<Choice, BlockedFootprint>> &out) const;
  // Terminal state that is not a deadlock: every task returned and the device
  // is idle, or a kernel BUG ended the execution.
  bool finished(const State &s) const;
  bool crashed(const State &s) const { return s.crashed != 0; }

  int num_actors() const { return cfg_.ncpus + 4; }
  std::string actor_name(int actor) const;
  int num_kinds() const;
  std::string kind_name(int kind) const;
  // The liveness kind of a stuck state: writeback-stall when a task waits
  // for pins to drop, else deadlock.
  int stuck_kind(const State &s) const;
  std::vector<std::string> reached_names(const std::array<uint64_t, 4> &reached) const;
  // Why a stuck state is stuck, one line; and whether a CPU waits for a
  // variable nobody will assign (a scenario error, not a deadlock).
  std::string describe_stuck(const State &s) const;
  // The state as the HTML timeline shows it (model/snapshot.cpp).
  trace::Snapshot snapshot(const State &s) const;
  // The model's own consistency checks (CONFIG_DEBUG_VM-like): empty when
  // `s` is consistent, else one line naming the first broken rule and the
  // object (model/consistency.cpp). For fuzzing and tests; never called by
  // the search itself.
  std::string check_consistency(const State &s) const;
  const scenario::Op *stuck_on_variable(const State &s) const;

  const Config &config() const { return cfg_; }

private:
  bool task_enabled(const State &s, int tid) const;
  bool op_ready(const State &s, const scenario::Op &op) const;
  void start_op(Ctx &k, int tid) const;
  void finish_op(Ctx &k, int tid) const;
  void run_task(Ctx &k, int tid) const;
  void device_step(Ctx &k, int alt) const;
  bool next_is_writeback(const Task &t, int tid) const;
  void start_reads(Ctx &k, int tid) const;
  bool run_work(Ctx &k, int tid, Fn fn, const char *label) const;
  void run_kworker(Ctx &k) const;
  void run_flusher(Ctx &k) const;
  void enabling_reads(Ctx &k, int tid) const;
  bool run_frames(Ctx &k, Task &t) const;
  // Neither kworker runs or has work pending (bio_dirty_fn, the flusher).
  bool kworkers_idle(const State &s) const;

  const scenario::Scenario &sc_;
  Config cfg_;
  // component_of_[o]: the components object o's bytes lie in.
  std::array<uint32_t, obj::Count> component_of_{};
};

std::string token_name(const scenario::Scenario &sc, Token t);

// Contents an RDMA device writes through pin set `slot`.
inline constexpr Token rdma_token(int slot) {
  return Token(240 + slot);
}

} // namespace pagerace::model
