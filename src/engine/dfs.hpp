// Depth-first exploration, three ways:
//
//  - Dfs: every interleaving, no reduction, no state caching (the baseline
//    that counts executions as a stateless checker sees them);
//  - Dpor: source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas,
//    "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1).
//    Happens-before comes from the steps' footprints; every race between a
//    step and an earlier one it does not already happen after adds an
//    initial of the reversed sequence to the backtrack set of the state
//    before the earlier step. The next step of a blocked process is checked
//    for races too, as Flanagan and Godefroid do (POPL 2005): without it a
//    lock's release hides the race between two acquisitions. That is done at
//    every state, the ends where nothing can run and the states where every
//    enabled process sleeps included: a process blocked there for good never
//    takes the step (tests/reduction_property_test.cpp);
//  - DporCache: the same, plus state caching. Pruning a revisited state is
//    made sound the way Yang, Chen, Gopalakrishnan and Kirby do it
//    ("Efficient stateful dynamic partial order reduction", SPIN 2008): the
//    steps explored below a state (and the next steps of the processes
//    blocked there) are kept as a summary, and a hit replays
//    them against the current stack as races, here conservatively (every
//    dependent stack step counts as a race, and a process not enabled there
//    backtracks everything). Sleep sets are combined with caching as in
//    Godefroid's thesis (LNCS 1032, 1996, ch. 5): a revisit is pruned only
//    when the stored sleep set is a subset of the current one, else the
//    state is explored again and the stored set shrinks to the intersection.
//    A revisit of a state still on the stack (a cycle) fully expands every
//    state on the cycle. States on a cycle through a state still on the stack
//    are complete only once that state is: the stack's cycles are tracked as
//    Tarjan tracks strongly connected components (low links), and when the
//    root of a component is popped, its summary (everything explored below
//    it) becomes every member's, and is replayed against the stack above it.
//    A revisit of a member before then is a hit, plus a cycle through the
//    root. Storing the members as never complete, as an earlier version did,
//    made every later visit explore them again: on a livelock (two tasks
//    that can make each other retry for ever) the search did not end.
//
// A "process" is a choice (actor, alt): CPUs have one alternative; each of the
// device's alternatives is one transfer or completion, a sequential process
// of its own. Every explored execution's violations are recorded; the trace
// kept for a kind is the causal past of the violating step (the steps that
// happen before it, in their order), the best by (steps, context switches,
// schedule) over everything explored.
#pragma once

#include "engine/collapse_store.hpp"
#include "engine/fingerprint_store.hpp"
#include "engine/footprint.hpp"
#include "engine/limits.hpp"
#include "engine/races.hpp"
#include "engine/schedule.hpp"
#include "engine/stack_states.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace pagerace::engine {

template <class Sys> class DfsExplorer {
  using State = typename Sys::StateType;
  using Choice = typename Sys::ChoiceType;

public:
  DfsExplorer(const Sys &sys, Search mode, Limits limits)
      : sys_(sys), mode_(mode), limits_(limits), store_(sys.components()),
        stack_states_(sys.components()) {}

  // Preemption bounding (CHESS: Musuvathi and Qadeer, PLDI 2007), for the
  // plain DFS: schedules that switch away from a process that could go on
  // more than `k` times are not explored, and the verdict says so.
  void preemption_bound(int k) { preemption_bound_ = k; }

  // Hashes of every terminal state reached (finished or stuck), sorted;
  // filled when asked for, for comparing searches.
  void collect_outcomes(bool on) { collect_outcomes_ = on; }
  const std::vector<uint64_t> &outcomes() const { return outcomes_; }

  // The stack depth past which a stateless search looks for cycles
  // (watch_cycles()); 0: from the start.
  static constexpr size_t kWatchDepth = 1024;
  void watch_cycles_from(size_t depth) { watch_depth_ = depth; }

  Exploration run() {
    t0_ = std::chrono::steady_clock::now();
    ex_ = Exploration{};
    best_.assign(static_cast<size_t>(sys_.num_kinds()), std::nullopt);
    stack_.clear();
    outcomes_.clear();
    const State init = sys_.initial();
    if (caching()) insert_state(init), entries_.push_back(Entry{});
    stack_states_.clear();
    watching_ = !caching() && watch_depth_ == 0;
    if (watching_) stack_states_.print(init, stack_.spare().print);
    if (!push(init, {}, caching() ? 0 : -1)) finish_terminal_root(init);
    while (!stack_.empty() && !ex_.bounded) {
      Node &top = stack_.back();
      const int pick = next_choice(top);
      if (pick < 0) {
        pop();
        continue;
      }
      expand(pick);
      if (!caching() && !watching_ && stack_.size() > watch_depth_) watch_cycles();
    }
    finalize();
    return ex_;
  }

private:
  struct Sleeper {
    Choice c;
    Footprint fp;
  };
  struct Summary { // steps explored below a state, footprints merged per process
    std::vector<std::pair<Choice, Footprint>> items;
    void add(const Choice &c, const Footprint &fp) {
      auto it = std::lower_bound(items.begin(), items.end(), c,
                                 [](const auto &x, const Choice &k) { return x.first < k; });
      if (it != items.end() && it->first == c)
        engine::merge(it->second, fp);
      else
        items.insert(it, {c, fp});
    }
    void add(const Summary &o) {
      for (const auto &[c, fp] : o.items)
        add(c, fp);
    }
  };
  struct Node {
    State state;
    std::vector<Choice> enabled;
    std::vector<uint8_t> backtrack, done;
    std::vector<Footprint> done_fp;
    std::vector<Sleeper> sleep;
    int chosen = -1;            // index in `enabled` of the step now leaving this node
    int slot = -1;              // cache entry, or -1
    int preemptions = 0;        // preemptions on the path to this node
    std::optional<Choice> prev; // the step that led here
    Summary summary;
    // The lowest stack depth a cycle from this node's subtree returns to
    // (its own depth if none): below its own, the node is on a cycle
    // through an ancestor, and what follows it is known only once that
    // ancestor is popped.
    size_t low = 0;
    // Entries popped on a cycle through this node or an ancestor: complete
    // once the root of their component is popped (the list moves up the
    // stack until it reaches it).
    std::vector<int> pending;
    typename StackStates<State>::Print print; // stateless searches: the state's hash
  };
  // The stack. A popped node keeps its vectors' memory for the next push at
  // its depth, so a search allocates nothing per step once it has been as
  // deep; nodes never move (a deque), so a reference to one outlives pushes.
  class NodeStack {
  public:
    // The node the next push() takes: a step writes its successor straight
    // into it, saving a State copy.
    Node &spare() {
      if (size_ == nodes_.size()) nodes_.emplace_back();
      return nodes_[size_];
    }
    Node &push() {
      Node &n = spare();
      ++size_;
      return n;
    }
    void pop() { --size_; }
    void clear() { size_ = 0; }
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    size_t allocated() const { return nodes_.size(); } // popped ones included
    Node &back() { return nodes_[size_ - 1]; }
    const Node &back() const { return nodes_[size_ - 1]; }
    Node &operator[](size_t i) { return nodes_[i]; }
    const Node &operator[](size_t i) const { return nodes_[i]; }

  private:
    std::deque<Node> nodes_;
    size_t size_ = 0;
  };
  struct Entry {
    int on_stack = -1; // depth of the node while it is on the stack
    // Explored and popped, with its summary final; or popped on a cycle
    // through a state still on the stack, its summary growing until that
    // state's component is done (`pending`, with a stack depth at or above
    // the component's root in `low`).
    bool complete = false, pending = false;
    size_t low = 0;
    std::vector<Choice> sleep; // sorted; the sleep set this state was explored with
    Summary summary;
  };

  bool caching() const { return mode_ == Search::DporCache; }
  bool reducing() const { return mode_ != Search::Dfs; }

  static bool asleep(const std::vector<Sleeper> &sleep, const Choice &c) {
    for (const Sleeper &s : sleep)
      if (s.c == c) return true;
    return false;
  }
  static int index_of(const Node &n, const Choice &c) {
    for (size_t i = 0; i < n.enabled.size(); ++i)
      if (n.enabled[i] == c) return static_cast<int>(i);
    return -1;
  }
  // The step leaving each node of the stack, side by side: race detection
  // and the replay of summaries read them for every step and every cache
  // hit, and in the nodes themselves (a State each) they lie a page apart
  // (past_of() spent half its time on those cache misses; PERFORMANCE.md).
  struct Taken {
    Choice process;
    Footprint fp;
    // The node's backtrack set is full: a cache hit need not fill it again
    // (it only grows until the node is pushed anew, and is taken again).
    bool backtrack_full = false;
    StepSet past; // steps (by depth) that happen before it (DPOR only)
  };
  // The stack's execution as race detection reads it (races.hpp): the step
  // leaving stack_[i] is step i.
  struct StackExecution {
    const std::vector<Taken> &taken;
    Choice process(size_t i) const { return taken[i].process; }
    const Footprint &footprint(size_t i) const { return taken[i].fp; }
    const StepSet &past(size_t i) const { return taken[i].past; }
  };
  StackExecution execution() const { return StackExecution{taken_}; }

  // Pushes a node for `s`, whose enabled set is `enabled` when the caller
  // has it. False when `s` is terminal (nothing enabled).
  // `sleep` may be the spare node's own (expand() builds it there, so that
  // its memory is kept like the node's other vectors').
  bool push(const State &s, std::vector<Sleeper> &&sleep, int slot,
            const std::vector<Choice> *enabled = nullptr) {
    const Node *parent = stack_.empty() ? nullptr : &stack_.back();
    Node &n = stack_.push();
    n.low = stack_.size() - 1;
    n.pending.clear();
    if (&n.state != &s) n.state = s;
    if (enabled)
      n.enabled = *enabled;
    else
      sys_.enabled(n.state, n.enabled);
    if (n.enabled.empty()) {
      // A state where nothing can run may still hold blocked processes (a
      // deadlock, a stall): their next steps race with the steps that
      // blocked them, as at any other state. Their summary is the end's.
      n.summary.items.clear();
      if (reducing()) blocked_races();
      std::swap(terminal_summary_, n.summary); // both keep their memory
      stack_.pop();
      return false;
    }
    if (watching_) stack_states_.push(n.print);
    n.backtrack.assign(n.enabled.size(), reducing() ? 0 : 1);
    n.chosen = -1;
    n.preemptions = 0;
    n.prev.reset();
    n.summary.items.clear();
    if (parent) {
      n.prev = parent->enabled[static_cast<size_t>(parent->chosen)];
      n.preemptions = parent->preemptions + preempts(*parent, *n.prev);
    }
    if (preemption_bound_ >= 0)
      for (size_t i = 0; i < n.enabled.size(); ++i)
        if (n.preemptions + preempts(n, n.enabled[i]) > preemption_bound_) {
          n.backtrack[i] = 0;
          ++preemptions_cut_;
        }
    n.done.assign(n.enabled.size(), 0);
    n.done_fp.assign(n.enabled.size(), Footprint{});
    if (&n.sleep != &sleep) n.sleep = std::move(sleep);
    n.slot = slot;
    if (reducing()) {
      // Start with the process that moved last, for traces with few switches.
      int first = n.prev ? index_of(n, *n.prev) : -1;
      if (first >= 0 && asleep(n.sleep, *n.prev)) first = -1;
      for (size_t i = 0; first < 0 && i < n.enabled.size(); ++i)
        if (!asleep(n.sleep, n.enabled[i])) first = static_cast<int>(i);
      if (first < 0) { // every enabled process sleeps: this run is redundant
        ++ex_.sleep_blocked;
        // But not for the blocked processes: no run shows their next steps'
        // races with the steps that blocked them, if this one does not.
        blocked_races();
        pop();       // stores the entry, and the summary goes to the parent
        return true; // not terminal, nothing to explore
      }
      n.backtrack[static_cast<size_t>(first)] = 1;
    }
    if (slot >= 0)
      entries_[static_cast<size_t>(slot)].on_stack = static_cast<int>(stack_.size() - 1);
    ++ex_.states_visited;
    if (reducing()) blocked_races();
    return true;
  }

  // Taking `c` at `n` switches away from a process that could go on.
  static bool preempts(const Node &n, const Choice &c) {
    return n.prev && c != *n.prev && index_of(n, *n.prev) >= 0;
  }

  int next_choice(const Node &n) const {
    for (size_t i = 0; i < n.enabled.size(); ++i)
      if (n.backtrack[i] && !n.done[i] && !(reducing() && asleep(n.sleep, n.enabled[i])))
        return static_cast<int>(i);
    return -1;
  }

  void pop() {
    Node &n = stack_.back();
    const size_t d = stack_.size() - 1;
    stack_.pop();
    // A node pushed before watch_cycles() and popped by it was never in.
    if (stack_states_.size() > stack_.size()) stack_states_.pop();
    const bool root = n.low >= d; // of its component, or on no cycle
    if (n.slot >= 0) {
      entries_[static_cast<size_t>(n.slot)].on_stack = -1;
      store_entry_done(n.slot, n.sleep, n.summary, root);
      if (!root) n.pending.push_back(n.slot);
    }
    if (root && !n.pending.empty()) {
      // What can follow any member lies below this node: its summary is
      // every member's. A member's later path may meet it after another
      // prefix of the stack above, so it is replayed here as at a hit.
      for (const int p : n.pending) {
        Entry &e = entries_[static_cast<size_t>(p)];
        add_summary(e, n.summary);
        e.complete = true;
        e.pending = false;
      }
      n.pending.clear();
      replay_summary(n.summary);
    }
    if (stack_.empty()) return;
    Node &parent = stack_.back();
    parent.summary.add(n.summary);
    if (!root) {
      for (const int p : n.pending)
        entries_[static_cast<size_t>(p)].low = n.low;
      parent.pending.insert(parent.pending.end(), n.pending.begin(), n.pending.end());
      n.pending.clear();
      parent.low = std::min(parent.low, n.low);
    }
  }

  // The root of the component a pending entry's `low` leads to, as the
  // stack knows it now.
  size_t component_root(size_t low) const {
    if (low >= stack_.size()) throw std::logic_error("a pending state's cycle left the stack");
    while (stack_[low].low < low)
      low = stack_[low].low;
    return low;
  }

  // The step leaving the top of the stack reached a state on a cycle
  // through stack_[at]: every node from there up is expanded fully, and the
  // top joins that node's component.
  void close_cycle(size_t at) {
    for (size_t j = at; j < stack_.size(); ++j) {
      Node &m = stack_[j];
      std::fill(m.backtrack.begin(), m.backtrack.end(), 1);
    }
    stack_.back().low = std::min(stack_.back().low, at);
  }

  void add_summary(Entry &e, const Summary &sum) {
    summary_bytes_ -= e.summary.items.capacity() * sizeof(e.summary.items[0]);
    e.summary.add(sum);
    summary_bytes_ += e.summary.items.capacity() * sizeof(e.summary.items[0]);
  }

  void store_entry_done(int slot, const std::vector<Sleeper> &sleep, const Summary &sum,
                        bool complete) {
    Entry &e = entries_[static_cast<size_t>(slot)];
    std::vector<Choice> z;
    for (const Sleeper &s : sleep)
      z.push_back(s.c);
    std::sort(z.begin(), z.end());
    if (e.complete || e.pending) { // explored again: what either visit left asleep
      std::vector<Choice> both;
      std::set_intersection(e.sleep.begin(), e.sleep.end(), z.begin(), z.end(),
                            std::back_inserter(both));
      e.sleep = std::move(both);
    } else {
      e.sleep = std::move(z);
    }
    add_summary(e, sum);
    // A pending state explored again stays pending, whatever this visit
    // met: it is still on the cycle through its component's root, which
    // alone completes it.
    const bool was_pending = e.pending;
    e.complete = complete && !was_pending;
    e.pending = !complete || was_pending;
  }

  void expand(int pick) {
    const size_t d = stack_.size() - 1;
    Node &n = stack_[d];
    n.chosen = pick;
    n.done[static_cast<size_t>(pick)] = 1;
    const Choice c = n.enabled[static_cast<size_t>(pick)];
    State &next = stack_.spare().state; // push() keeps it there
    // Plain DFS needs no footprints: no write set to diff.
    auto out = reducing() ? sys_.step_from(n.state, next, c) : step_copy(n.state, next, c);
    ++ex_.steps;
    const Footprint fp{out.access, out.write};
    if (taken_.size() <= d) taken_.resize(d + 1);
    Taken &t = taken_[d]; // its past, if any, is computed below
    t.process = c;
    t.fp = fp;
    t.backtrack_full = false;
    n.done_fp[static_cast<size_t>(pick)] = fp;
    if (caching()) n.summary.add(c, fp);
    for (size_t w = 0; w < ex_.reached.size(); ++w)
      ex_.reached[w] |= out.reached[w];
    if (reducing()) {
      happens_before(d);
      disabled_races(d, next);
    }
    if (out.violations) record_violations(d, out.violations);
    check_limits();

    std::vector<Sleeper> &sleep = stack_.spare().sleep; // the successor's node's
    sleep.clear();
    if (reducing()) {
      for (const Sleeper &s : n.sleep)
        if (!dependent(s.fp, fp)) sleep.push_back(s);
      for (size_t i = 0; i < n.enabled.size(); ++i)
        if (n.done[i] && static_cast<int>(i) != pick && !dependent(n.done_fp[i], fp))
          sleep.push_back(Sleeper{n.enabled[i], n.done_fp[i]});
    }
    if (watching_) {
      // Without a store, a step back to a state on the stack is cut: the
      // state's node explores what follows it.
      Node &succ = stack_.spare();
      stack_states_.reprint(next, n.state, n.print, succ.print, sys_.changed_components(out));
      const int at = stack_states_.find(succ.print, next,
                                        [&](size_t i) -> const State & { return stack_[i].state; });
      if (at >= 0) {
        cut_cycle(static_cast<size_t>(at), sleep);
        return;
      }
    }
    int slot = -1;
    size_t join = kNoStep; // a pending state's component root, when explored again
    if (caching()) {
      auto [idx, inserted] = insert_state(next, n, sys_.changed_components(out));
      slot = static_cast<int>(idx);
      if (inserted) {
        entries_.push_back(Entry{});
      } else {
        Entry &e = entries_[idx];
        if (e.on_stack >= 0) { // a cycle: expand every state on it fully
          return_to(static_cast<size_t>(e.on_stack), sleep);
          ++ex_.cache_hits;
          return;
        }
        std::vector<Choice> &z = sleep_choices_;
        z.clear();
        for (const Sleeper &s : sleep)
          z.push_back(s.c);
        std::sort(z.begin(), z.end());
        if ((e.complete || e.pending) &&
            std::includes(z.begin(), z.end(), e.sleep.begin(), e.sleep.end())) {
          ++ex_.cache_hits;
          replay_summary(e.summary);
          n.summary.add(e.summary);
          if (e.pending) close_cycle(component_root(e.low));
          return;
        }
        // Explored again: a pending state still leads back to its
        // component's root, so this step is a cycle edge too, and the
        // state's node belongs to that component from the start.
        if (e.pending) {
          join = component_root(e.low);
          close_cycle(join);
        }
      }
    }
    if (!push(next, std::move(sleep), slot, reducing() ? &after_ : nullptr))
      terminal(next, d, slot);
    else if (join != kNoStep && stack_.size() == d + 2) {
      Node &m = stack_.back();
      m.low = std::min(m.low, join);
      std::fill(m.backtrack.begin(), m.backtrack.end(), 1);
    }
  }

  // A step back to stack_[at], whose successor would have slept on `sleep`:
  // stack_[at] explores what this path needs of it, and the cycle's states
  // are expanded fully.
  void return_to(size_t at, const std::vector<Sleeper> &sleep) {
    auto &onstack_sleep = stack_[at].sleep;
    std::erase_if(onstack_sleep, [&](const Sleeper &z) { return !asleep(sleep, z.c); });
    close_cycle(at);
  }
  // The same, for a stateless search, which does not follow the step.
  void cut_cycle(size_t at, const std::vector<Sleeper> &sleep) {
    if (reducing()) return_to(at, sleep); // as dpor-cache does at a cycle
    ++ex_.cycles_cut;
  }

  // A stateless search looks for cycles only once its stack is deeper than
  // any run without one is likely to be: hashing every state cost plain DFS
  // 30-40 % of its speed on scenarios with no cycle. From then on it keeps
  // the stack's states by hash. A path that went round a cycle on its way
  // down is cut back to where it first returned to a state: the nodes above
  // repeat those of the first round, whose node explores what follows.
  void watch_cycles() {
    watching_ = true;
    stack_states_.clear();
    for (size_t d = 0; d < stack_.size(); ++d) {
      Node &m = stack_[d];
      stack_states_.print(m.state, m.print);
      const int at = stack_states_.find(m.print, m.state,
                                        [&](size_t i) -> const State & { return stack_[i].state; });
      if (at < 0) {
        stack_states_.push(m.print);
        continue;
      }
      const std::vector<Sleeper> sleep = m.sleep;
      while (stack_.size() > d)
        pop();
      cut_cycle(static_cast<size_t>(at), sleep);
      return;
    }
  }

  auto step_copy(const State &from, State &to, const Choice &c) const {
    to = from;
    return sys_.step(to, c);
  }

  // A step that disables another process races with that process's next
  // step, which then never runs and so is never seen by race detection (an
  // unpin ending an RDMA device's writes): try it first. Leaves the enabled
  // set of `next` in after_.
  void disabled_races(size_t d, const State &next) {
    Node &n = stack_[d];
    sys_.enabled(next, after_);
    for (size_t i = 0; i < n.enabled.size(); ++i)
      if (static_cast<int>(i) != n.chosen &&
          std::find(after_.begin(), after_.end(), n.enabled[i]) == after_.end())
        n.backtrack[i] = 1;
  }

  // Races of the step leaving stack_[d] with every earlier step (source-DPOR).
  void happens_before(size_t d) {
    Taken &t = taken_[d];
    races_.clear();
    past_of(execution(), t.process, t.fp, d, races_, t.past);
    for (size_t i : races_)
      reverse_race(i, d, t.process, t.past);
  }

  // A blocked process's next step cannot run now, but it may race with a
  // step that blocked it (a lock taken while it was runnable): the unlock
  // that later lets it run would otherwise hide that race behind the
  // holder's program order (Flanagan and Godefroid, POPL 2005, consider the
  // next step of every process, enabled or not).
  void blocked_races() {
    sys_.blocked(stack_.back().state, blocked_);
    const size_t top = stack_.size() - 1; // stack_[top] has no step yet
    for (const auto &[c, blocked_fp] : blocked_) {
      const Footprint fp{blocked_fp.access, blocked_fp.write};
      // Below this state, the step may yet run: a cache hit replays it.
      if (caching()) stack_.back().summary.add(c, fp);
      races_.clear();
      past_of(execution(), c, fp, top, races_, blocked_past_);
      for (size_t i : races_)
        reverse_race(i, top, c, blocked_past_);
    }
  }

  // The race (stack_[i]'s step, a step of `p` after stack_[0..d) whose past
  // is `p_hb`): at stack_[i], make sure some initial of notdep(i).p is (or
  // was) explored.
  void reverse_race(size_t i, size_t d, const Choice &p, const StepSet &p_hb) {
    Node &at = stack_[i];
    initials(execution(), i, d, p, p_hb, initials_);
    int add = -1;
    for (const Choice &q : initials_) {
      const int k = index_of(at, q);
      if (k < 0) continue; // not enabled there: this initial cannot go first
      if (at.backtrack[static_cast<size_t>(k)]) return;
      if (add < 0 || q < at.enabled[static_cast<size_t>(add)]) add = k;
    }
    if (add >= 0) at.backtrack[static_cast<size_t>(add)] = 1;
  }

  // A cache hit: every step explored below the state may race with the
  // stack. A summary process's steps happen after its own earlier steps (and
  // what those depend on); every other stack step they depend on counts as a
  // race, and the state before it is expanded fully. Footprints are merged
  // per process, so no happens-before through other stack steps is assumed.
  void replay_summary(const Summary &sum) {
    const size_t top = stack_.size(), n = sum.items.size();
    // Each summary process's last step on the stack, if any: what happens
    // before it happens before the process's steps below the state.
    last_.assign(n, kNoStep);
    for (size_t i = top, missing = n; i-- > 0 && missing;)
      for (size_t k = 0; k < n; ++k)
        if (last_[k] == kNoStep && taken_[i].process == sum.items[k].first) {
          last_[k] = i;
          --missing;
        }
    // One pass over the stack: a node is filled once, for the first race.
    for (size_t i = top; i-- > 0;) {
      Taken &t = taken_[i];
      if (t.backtrack_full) continue;
      for (size_t k = 0; k < n; ++k) {
        const auto &[q, fq] = sum.items[k];
        if (t.process == q || !dependent(t.fp, fq)) continue;
        if (last_[k] != kNoStep && i < last_[k] && contains(taken_[last_[k]].past, i)) continue;
        Node &at = stack_[i];
        std::fill(at.backtrack.begin(), at.backtrack.end(), 1);
        t.backtrack_full = true;
        break;
      }
    }
  }

  Choice chosen(size_t i) const { return stack_[i].enabled[static_cast<size_t>(stack_[i].chosen)]; }

  Schedule stack_schedule(size_t upto) const { // steps leaving stack_[0..upto]
    Schedule s;
    for (size_t i = 0; i <= upto && i < stack_.size(); ++i)
      s.push_back(Step{chosen(i).actor, chosen(i).alt});
    return s;
  }

  void offer(int kind, Schedule s) {
    auto &b = best_[static_cast<size_t>(kind)];
    if (!b || preferred(s, *b)) b = std::move(s);
  }

  void record_violations(size_t d, uint32_t violations) {
    Schedule full = stack_schedule(d);
    Schedule causal;
    if (reducing()) { // the steps the violating one depends on, in order
      for (size_t i = 0; i < d; ++i)
        if (contains(taken_[d].past, i)) causal.push_back(Step{chosen(i).actor, chosen(i).alt});
      causal.push_back(full.back());
    }
    for (int k = 0; k < sys_.num_kinds(); ++k) {
      if (!(violations & (1u << k))) continue;
      // Neither trace can beat a kept one that is no longer than the
      // shorter: skip the replay.
      const auto &kept = best_[static_cast<size_t>(k)];
      if (kept && !preferred(reducing() ? causal : full, *kept)) continue;
      if (reducing() && causal.size() < full.size() && replays_to(causal, k))
        offer(k, causal);
      else
        offer(k, full);
    }
  }

  bool replays_to(const Schedule &s, int kind) const {
    State st = sys_.initial();
    std::vector<Choice> en;
    uint32_t last = 0;
    for (const Step &step : s) {
      const Choice c{step.actor, step.alt};
      sys_.enabled(st, en);
      if (std::find(en.begin(), en.end(), c) == en.end()) return false;
      last = sys_.step(st, c).violations;
    }
    return last & (1u << kind);
  }

  // After a push() that found `s` terminal: terminal_summary_ holds its
  // blocked processes' next steps.
  void terminal(const State &s, size_t d, int slot) {
    if (slot >= 0) store_entry_done(slot, {}, terminal_summary_, true); // a revisit is a cache hit
    if (caching()) stack_.back().summary.add(terminal_summary_);
    ++ex_.executions;
    if (collect_outcomes_) outcomes_.push_back(CollapseStore<State>::hash(s));
    if (sys_.finished(s)) return;
    Schedule path = stack_schedule(d);
    if (sys_.stuck_on_variable(s)) {
      if (!ex_.stuck_on_variable || preferred(path, *ex_.stuck_on_variable))
        ex_.stuck_on_variable = path;
      return;
    }
    offer(sys_.stuck_kind(s), std::move(path));
  }

  void finish_terminal_root(const State &s) {
    ++ex_.executions;
    if (collect_outcomes_) outcomes_.push_back(CollapseStore<State>::hash(s));
    if (!sys_.finished(s) && !sys_.stuck_on_variable(s)) offer(sys_.stuck_kind(s), {});
  }

  void check_limits() {
    const uint64_t states = caching() ? stored() : ex_.states_visited;
    if (limits_.max_states && states >= limits_.max_states)
      bound("--max-states " + std::to_string(limits_.max_states) + " reached");
    else if (limits_.max_steps && ex_.steps >= limits_.max_steps)
      bound("--max-steps " + std::to_string(limits_.max_steps) + " reached");
    else if ((ex_.steps & 1023) == 0) {
      report_progress(false);
      if (limits_.interrupted())
        bound(kInterrupted);
      else if (limits_.budget_seconds > 0 && elapsed() >= limits_.budget_seconds)
        bound("--budget " + format_duration(limits_.budget_seconds) + " reached");
      else if (limits_.max_memory && memory() >= limits_.max_memory) {
        if (caching() && !compact_)
          compact();
        else
          bound("--max-memory " + format_bytes(limits_.max_memory) + " reached");
      }
    }
  }
  // Out of memory for full states: keep their fingerprints instead, with
  // the same indices, and go on.
  void compact() {
    compact_ = true;
    compact_from_ = store_.size();
    for (uint32_t i = 0; i < store_.size(); ++i)
      prints_.insert(store_[i]);
    if (prints_.size() != store_.size()) // two stored states share a fingerprint
      bound("--max-memory " + format_bytes(limits_.max_memory) +
            " reached and hash compaction found a fingerprint collision");
    store_ = CollapseStore<State>(sys_.components());
  }
  std::pair<uint32_t, bool> insert_state(const State &s) {
    return compact_ ? prints_.insert(s) : store_.insert(s);
  }
  // A successor of `parent` by a step that changed at most the components
  // in `changed`: encoded against the parent's stored components, as the
  // BFS does, rather than hashing the whole state again.
  std::pair<uint32_t, bool> insert_state(const State &s, const Node &parent, uint32_t changed) {
    if (compact_ || parent.slot < 0) return insert_state(s);
    store_.encode(s, parent.state, static_cast<uint32_t>(parent.slot), encoded_, changed);
    return store_.insert(encoded_);
  }
  size_t stored() const { return compact_ ? prints_.size() : store_.size(); }

  void report_progress(bool last) {
    if (!limits_.progress) return;
    const double now = elapsed();
    if (last ? !progress_shown_ : (now < 1 || now < last_progress_ + 0.5)) return;
    last_progress_ = now;
    progress_shown_ = true;
    Progress p{ex_.executions,
               caching() ? stored() : ex_.states_visited,
               ex_.steps,
               stack_.size(),
               now,
               -1};
    p.done = limits_.fraction(p);
    limits_.progress(p, last);
  }

  void bound(std::string why) {
    ex_.bounded = true;
    ex_.bound_reason = std::move(why);
  }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  size_t memory() const {
    size_t m = store_.bytes() + prints_.bytes() + entries_.capacity() * sizeof(Entry) +
               stack_.allocated() * sizeof(Node) + stack_states_.bytes();
    return m + summary_bytes_;
  }

  void finalize() {
    report_progress(true);
    if (preemptions_cut_ && !ex_.bounded)
      bound("--preemptions " + std::to_string(preemption_bound_) + ": " +
            std::to_string(preemptions_cut_) + " choices needing more preemptions not explored");
    ex_.states = caching() ? stored() : ex_.states_visited;
    // Runs that go round a cut cycle are not among those counted; where no
    // run ends, none is, as bfs counts.
    ex_.executions_lower_bound = ex_.cycles_cut > 0 && ex_.executions > 0;
    if (compact_) ex_.fingerprints_from = compact_from_;
    ex_.memory_bytes = memory();
    ex_.seconds = elapsed();
    for (int k = 0; k < sys_.num_kinds(); ++k)
      if (best_[static_cast<size_t>(k)])
        ex_.found.push_back(KindFound{k, *best_[static_cast<size_t>(k)]});
    std::sort(outcomes_.begin(), outcomes_.end());
    outcomes_.erase(std::unique(outcomes_.begin(), outcomes_.end()), outcomes_.end());
  }

  const Sys &sys_;
  Search mode_;
  Limits limits_;
  Exploration ex_;
  std::vector<std::optional<Schedule>> best_;
  NodeStack stack_;
  CollapseStore<State> store_;      // full states (collapsed), compared in full
  StackStates<State> stack_states_; // stateless searches: the stack's, by hash
  bool watching_ = false;           // stack_states_ in use (watch_cycles())
  size_t watch_depth_ = kWatchDepth;
  typename CollapseStore<State>::Encoded encoded_; // a successor on its way into store_
  FingerprintStore<State> prints_;                 // after the switch to hash compaction
  bool compact_ = false;
  uint64_t compact_from_ = 0;
  std::vector<Entry> entries_;
  std::vector<std::pair<Choice, typename Sys::BlockedFootprint>> blocked_;
  std::vector<Choice> after_;
  std::vector<Taken> taken_;     // [depth]: the step leaving stack_[depth]
  std::vector<size_t> races_;    // happens_before()'s and blocked_races()', kept from step to step
  StepSet blocked_past_;         // blocked_races()', likewise
  std::vector<Choice> initials_; // reverse_race()'s, kept from race to race
  static constexpr size_t kNoStep = SIZE_MAX;
  std::vector<size_t> last_;          // replay_summary()'s, kept from hit to hit
  std::vector<Choice> sleep_choices_; // a cache hit's sleep set, sorted
  Summary terminal_summary_;          // push()'s, of a terminal state, for terminal()
  size_t summary_bytes_ = 0;
  bool collect_outcomes_ = false;
  int preemption_bound_ = -1;
  uint64_t preemptions_cut_ = 0;
  double last_progress_ = 0;
  bool progress_shown_ = false;
  std::vector<uint64_t> outcomes_;
  std::chrono::steady_clock::time_point t0_;
};

} // namespace pagerace::engine
