// Execution context of one step of one task: the state, the immutable
// configuration, and the helpers kernel paths use to call, return, sleep and
// report. Kernel paths are straight-line code; a function that contains a
// scheduling point is written as a `switch (f.pc)` over its frame, and all its
// locals live in the frame (Frame::a), never in C++ variables across a point.
#pragma once

#include "model/include/state.hpp"
#include "model/kernel/fn.hpp"
#include "model/kernel/objects.hpp"
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
  obj::Set access{}; // objects the step read or wrote, including what its enabling read
  obj::Set write{};  // objects whose bytes it changed (System::step_from fills it)
};

struct Config {
  const scenario::Scenario *sc = nullptr;
  const Variant *variant = nullptr;
  int ncpus = 0;
  // Actors: CPUs 0..ncpus-1, the device, the end-of-scenario task, the
  // kworker running deferred work (bio_dirty_fn), the flusher's kworker
  // (wb_workfn on bdi_wq, woken by reclaim). Tasks: CPUs, end, kworker,
  // flusher.
  int device_actor() const { return ncpus; }
  int final_actor() const { return ncpus + 1; }
  int kworker_actor() const { return ncpus + 2; }
  int flusher_actor() const { return ncpus + 3; }
  int final_task() const { return ncpus; }
  int kworker_task() const { return ncpus + 1; }
  int flusher_task() const { return ncpus + 2; }
  int last_task() const { return flusher_task(); }
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
      : cfg(config), s_(state), actor_(actor), tid_(tid), out_(outcome), rec_(recorder),
        step_(step) {}

  const Config &cfg;

  // ---- State, object by object: every access is recorded for the engine's
  // independence test (objects.hpp). Kernel paths reach State only here.
  Page &page(int id) const { return s_.pages[use(obj::Page + id, id, kMaxPages)]; }
  Inode &inode(int ino) const { return s_.inodes[use(obj::Inode + ino, ino, kMaxFiles)]; }
  Token &disk(int block) const { return s_.disk[use(obj::Disk + block, block, kMaxBlocks)]; }
  Pte &pte(int vpage) const { return s_.mm.pte[use(obj::Pte + vpage, vpage, kMaxVpages)]; }
  Vma (&vmas() const)[kMaxVmas] {
    touch(obj::Vmas);
    return s_.mm.vma;
  }
  RwSem &mmap_sem() const {
    touch(obj::MmapSem);
    return s_.mm.mmap_sem;
  }
  OpenFile &fd(int fd) const {
    touch(obj::Fds);
    return s_.fds[fd];
  }
  Bio &bio(int b) const { return s_.bios[use(obj::Bio + b, b, kMaxBios)]; }
  Bio (&bios() const)[kMaxBios] {
    obj::add_range(out_.access, obj::Bio, kMaxBios);
    return s_.bios;
  }
  Task &task() const { return task_of(tid_); }
  Task &task_of(int tid) const { return s_.tasks[use(obj::Task + tid, tid, kMaxTasks)]; }
  Task (&tasks() const)[kMaxTasks] {
    obj::add_range(out_.access, obj::Task, kMaxTasks);
    return s_.tasks;
  }
  PinSet &pin(int slot) const { return s_.pins[use(obj::Pin + slot, slot, kMaxPins)]; }
  PinSet (&pins() const)[kMaxPins] {
    obj::add_range(out_.access, obj::Pin, kMaxPins);
    return s_.pins;
  }
  int64_t &var(int i) const {
    touch(obj::Vars);
    return s_.vars[i];
  }
  uint32_t &vars_set() const {
    touch(obj::Vars);
    return s_.vars_set;
  }
  int8_t (&lru() const)[2][kMaxPages] {
    touch(obj::Lru);
    return s_.lru;
  }
  uint8_t (&lru_len() const)[2] {
    touch(obj::Lru);
    return s_.lru_len;
  }
  uint8_t &pgdat_flags() const { return field(obj::Pgdat, s_.pgdat_flags); }
  uint8_t &next_block() const { return field(obj::NextBlock, s_.next_block); }
  uint8_t &crashed() const { return field(obj::Crashed, s_.crashed); }
  uint8_t &bio_dirty_list() const { return field(obj::BioDirtyList, s_.bio_dirty_list); }
  uint8_t &wb_state() const { return field(obj::Wb, s_.wb_state); }
  uint16_t &clock() const { return field(obj::Clock, s_.clock); }
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
  // Records what System::task_enabled() reads for `wait`: a step that goes
  // to sleep, and the step that wakes, depend on it.
  void wait_reads(Wait wait, int arg) const;
  // The value the last callee returned, read in the step it returned in:
  // a task's return register is cleared when its step ends (System), as no
  // later step may need it.
  int32_t retval() const {
    if (!returned_) model_error("a return value read in a later step than the return");
    return task().ret;
  }

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
  // A scenario the model cannot run, found at run time (ScenarioRuntimeError,
  // exit code 2), at the call the current CPU runs: not a model bug.
  [[noreturn]] void scenario_error(const std::string &what) const;
  // The scenario needs more of a fixed-size pool (`what`: "struct pages",
  // "disk blocks", ...) than State has; `limit` is the pool's size.
  [[noreturn]] void capacity_error(const char *what, int limit) const;

  // Page names for traces: "page 0 of file1" etc.
  std::string page_name(int id) const;
  // The same, formatted only if a note is: page_name() as a note()
  // argument would build the string on every step of a search.
  struct PageRef {
    const Ctx *k;
    int id;
  };
  PageRef page_ref(int id) const { return PageRef{this, id}; }

private:
  void touch(int o) const { obj::add(out_.access, o); }
  int use(int o, int index, int limit) const {
    if (index < 0 || index >= limit)
      model_error(fmt::format("object index {} out of range", index));
    touch(o);
    return index;
  }
  template <class T> T &field(int o, T &f) const {
    touch(o);
    return f;
  }
  int depth() const;
  State &s_;
  int actor_;
  int tid_;
  StepOutcome &out_;
  trace::Trace *rec_;
  int step_;
  int plain_depth_ = 0;
  bool returned_ = false; // a framed function returned in this step
};

// A page as a plain function's argument: named in the trace only when one is
// recorded (exploration does not pay for the name).
struct PageArg {
  int id;
};

// RAII entry of a plain function, so traces show the call path.
class Scope {
public:
  Scope(Ctx &k, Fn fn, const std::string &detail = {}) : k_(k) { k_.enter_plain(fn, detail); }
  Scope(Ctx &k, Fn fn, PageArg page) : k_(k) {
    k_.enter_plain(fn, k_.recording() ? k_.page_name(page.id) : std::string());
  }
  ~Scope() { k_.leave_plain(); }
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

private:
  Ctx &k_;
};

using StepFn = Flow (*)(Ctx &, Frame &);
StepFn step_fn(Fn fn); // framed functions; nullptr for plain ones

} // namespace pagerace::model

template <> struct fmt::formatter<pagerace::model::Ctx::PageRef> : fmt::formatter<std::string> {
  auto format(const pagerace::model::Ctx::PageRef &p, fmt::format_context &ctx) const {
    return fmt::formatter<std::string>::format(p.k->page_name(p.id), ctx);
  }
};
