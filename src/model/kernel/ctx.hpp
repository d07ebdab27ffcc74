// Execution context of one step of one task: the state, the immutable
// configuration, and the helpers kernel paths use to call, return, sleep and
// report. Kernel paths are straight-line code; a function that contains a
// scheduling point is written as a `switch (f.pc)` over its frame, and all its
// locals live in the frame (Frame::a), never in C++ variables across a point.
#pragma once

#include "model/include/state.hpp"
#include "model/kernel/fn.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "trace/trace.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace pagerace::model {

// One schedulable choice: which actor moves, and which of its alternatives
// (only the device has more than one).
struct Choice {
  uint8_t actor = 0;
  uint8_t alt = 0;
  friend auto operator<=>(const Choice &, const Choice &) = default;
};

// What one step did, as the engine needs it: invariant kinds violated (bit
// per registered invariant) and modelled functions entered (bit per Fn).
struct StepOutcome {
  uint32_t violations = 0;
  std::array<uint64_t, 4> reached{}; // bit per event (the model: per function entered)
};

struct Config {
  const scenario::Scenario *sc = nullptr;
  const Variant *variant = nullptr;
  int ncpus = 0;
  // Actors: CPUs 0..ncpus-1, the device, the end-of-scenario task, the
  // kworker running deferred work (bio_dirty_fn). Tasks: CPUs, end, kworker.
  int device_actor() const { return ncpus; }
  int final_actor() const { return ncpus + 1; }
  int kworker_actor() const { return ncpus + 2; }
  int final_task() const { return ncpus; }
  int kworker_task() const { return ncpus + 1; }
};

// A scenario mistake only visible at run time (e.g. an unaligned length the
// model cannot represent); reported as file:line:col and exit code 2.
class ScenarioRuntimeError : public std::runtime_error {
public:
  ScenarioRuntimeError(scenario::SourcePos pos, const std::string &msg)
      : std::runtime_error(msg), pos_(std::move(pos)) {}
  const scenario::SourcePos &pos() const { return pos_; }

private:
  scenario::SourcePos pos_;
};

enum class Flow : uint8_t { Next, Yield };

class Ctx {
public:
  Ctx(State &state, const Config &config, int actor, int tid, StepOutcome &outcome,
      trace::Trace *recorder, int step)
      : s(state), cfg(config), actor_(actor), tid_(tid), out_(outcome), rec_(recorder),
        step_(step) {}

  State &s;
  const Config &cfg;

  Page &page(int id) { return s.pages[id]; }
  Inode &inode(int ino) { return s.inodes[ino]; }
  Task &task() { return s.tasks[tid_]; }
  int tid() const { return tid_; }
  bool is_kswapd() const;   // current_is_kswapd()
  bool in_memalloc() const; // PF_MEMALLOC (reclaim context)
  const Variant &variant() const { return *cfg.variant; }

  // ---- control flow of framed functions ----
  Flow call(Frame &f, int next_pc, Fn fn, int a0 = 0, int a1 = 0, int a2 = 0, int a3 = 0,
            int a4 = 0, int a5 = 0, int a6 = 0);
  Flow ret(int32_t value);
  Flow sleep(Frame &f, int next_pc, Wait wait, int arg); // ⟂ that may block
  Flow yield(Frame &f, int next_pc);                     // ⟂ that never blocks
  int32_t retval() const { return s.tasks[tid_].ret; }

  // ---- reporting ----
  bool recording() const { return rec_ != nullptr; }
  void reached(Fn fn) {
    int i = static_cast<int>(fn);
    out_.reached[i / 64] |= uint64_t{1} << (i % 64);
  }
  // Entry of a plain (non-framed) function; pair with Scope.
  void enter_plain(Fn fn, const std::string &detail);
  void leave_plain() { --plain_depth_; }
  template <class... A> void note(fmt::format_string<A...> f, A &&...args) {
    if (rec_) emit(trace::EventKind::Note, fmt::format(f, std::forward<A>(args)...));
  }
  void emit(trace::EventKind kind, std::string text, int depth_adjust = 0);
  void violate(int kind, const char *site, const std::string &reason);
  void bug(const char *site, const std::string &reason); // BUG(): ends the execution
  [[noreturn]] void model_error(const std::string &what) const;

  // Page names for traces: "page 0 of file1" etc.
  std::string page_name(int id) const;

private:
  int depth() const;
  int actor_;
  int tid_;
  StepOutcome &out_;
  trace::Trace *rec_;
  int step_;
  int plain_depth_ = 0;
};

// RAII entry of a plain function, so traces show the call path.
class Scope {
public:
  Scope(Ctx &k, Fn fn, const std::string &detail = {}) : k_(k) { k_.enter_plain(fn, detail); }
  ~Scope() { k_.leave_plain(); }
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

private:
  Ctx &k_;
};

using StepFn = Flow (*)(Ctx &, Frame &);
StepFn step_fn(Fn fn); // framed functions; nullptr for plain ones

} // namespace pagerace::model
