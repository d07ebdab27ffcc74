// Exhaustive exploration of a transition system by breadth-first search over
// its state graph. Every distinct state (model state plus every task's frame
// stack) is stored and compared in full, so pruning a revisited state is
// sound: all interleavings are covered. BFS also gives every violation a
// shortest trace; a second pass over the recorded edges picks, among the
// shortest, the one with the fewest context switches and then the smallest
// schedule (exact: the pass runs over (state, last actor) pairs).
//
// The engine knows nothing of pages: it sees states as bytes, choices as
// (actor, alt) and outcomes as bit sets of violation kinds and reached events.
#pragma once

#include "engine/collapse_store.hpp"
#include "engine/limits.hpp"
#include "engine/mapped_vector.hpp"
#include "engine/schedule.hpp"
#include "engine/team.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace pagerace::engine {

template <class Sys> class Explorer {
  using State = typename Sys::StateType;
  using Choice = typename Sys::ChoiceType;

public:
  Explorer(const Sys &sys, Limits limits) : sys_(sys), limits_(limits) {}

  // Hashes of every terminal state reached (finished or stuck), sorted;
  // filled when asked for, for comparing searches.
  void collect_outcomes(bool on) { collect_outcomes_ = on; }
  // Called once for each end state (no step enabled) of the explored graph,
  // on one thread, once the search is over.
  void on_end_state(std::function<void(const State &)> visit) { on_end_state_ = std::move(visit); }
  const std::vector<uint64_t> &outcomes() const { return outcomes_; }
  // What the last run's minimise() allocated for its node tables, and the
  // most it could have (what it checks against --max-memory).
  std::pair<size_t, size_t> minimise_memory() const { return {minimise_used_, minimise_need_}; }
  // With collect_outcomes(): one hash of the whole state graph, the states
  // in the order of their numbers, the BFS parents and the edges; equal
  // for every thread count (tests/parallel_search_test.cpp).
  uint64_t graph_digest() const { return graph_digest_; }

  // Expand states on `threads` threads (team.hpp). The store, the numbering of
  // states, the edges and so the traces are the same for every thread count:
  // states are expanded in batches, and a batch's successors are numbered in
  // the order one thread would insert them (expand_and_merge()).
  void threads(int n) { threads_ = std::max(1, n); }

  // For shrinking what other searches found (shrink.hpp): stop once the
  // canonical traces of the kinds in `kinds` (bit per kind) are known, that
  // is once every state shallower than each kind's shortest trace is
  // expanded; and expand no more than the first `max_expanded` states
  // (0: no cap), exactly those whatever the threads, so that what is
  // canonical does not depend on them.
  void target(uint32_t kinds, uint64_t max_expanded) {
    target_kinds_ = kinds;
    max_expanded_ = max_expanded;
  }

  Exploration run() {
    const auto t0 = std::chrono::steady_clock::now();
    Exploration ex;
    auto owned = std::make_unique<Store>(sys_.components()); // freed before counting
    Store &store = *owned;
    Merge m{store, ex, {}, {}, {}};
    store.insert(sys_.initial());
    m.depth.push_back(0);
    double last_progress = 0;
    // One thread expands a state and inserts its successors at once; more
    // threads take batches large enough that the barriers between phases
    // are few, and small enough that a batch's successors stay in the caches
    // between the phases. Measured on two threads with barriers that spin
    // (barrier.hpp), medians of five, each series against its own one-thread
    // time: scale-2-1 (7.82 s on one thread) 64 states a thread 5.92 s, 128
    // 4.86 s, 256 4.71 s; (7.08 s) 256 4.93 s, 512 4.68 s, 1024 4.43 s;
    // (7.56 s) 512 4.65 s, 1024 5.12 s, 2048 5.40 s, 4096 5.57 s; scale-1-2
    // (5.32 s) 64 3.92 s, 256 3.44 s, 512 3.66 s. 256: the best on
    // scale-1-2, within the noise of 512 on scale-2-1, half the batch.
    const uint32_t batch = threads_ > 1 ? 256u * static_cast<uint32_t>(threads_) : 1u;
    std::vector<Expansion> expansions(batch);
    auto scratch = std::make_unique<Scratch>();
    std::optional<Team> team; // threads kept for the whole search
    std::vector<std::unique_ptr<Scratch>> team_scratch;
    if (threads_ > 1) {
      team.emplace(threads_);
      team_scratch.resize(static_cast<size_t>(threads_));
    }
    uint32_t next_check = 0;
    uint32_t i = 0;
    for (;;) {
      // Every state expanded: the search is complete, whatever bound it
      // would meet next.
      if (i == store.size()) break;
      if (target_kinds_ && all_known(target_kinds_, m.depth[i])) break;
      if (max_expanded_ && i >= max_expanded_) {
        ex.bounded = true;
        ex.bound_reason = "the first " + std::to_string(max_expanded_) + " states expanded";
        break;
      }
      if (limits_.max_states && store.size() >= limits_.max_states) {
        ex.bounded = true;
        ex.bound_reason = "--max-states " + std::to_string(limits_.max_states) + " reached";
        break;
      }
      if (limits_.max_steps && ex.steps >= limits_.max_steps) {
        ex.bounded = true;
        ex.bound_reason = "--max-steps " + std::to_string(limits_.max_steps) + " reached";
        break;
      }
      if (i >= next_check) {
        next_check = i + 256;
        const double now =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (limits_.progress && now >= 1 && now >= last_progress + 0.5) {
          last_progress = now;
          Progress p{
              0, store.size(), ex.steps, m.depth[std::min<size_t>(i, m.depth.size() - 1)], now, -1};
          p.done = limits_.fraction(p);
          limits_.progress(p, false);
        }
        if (limits_.interrupted()) {
          ex.bounded = true;
          ex.bound_reason = kInterrupted;
          break;
        }
        if (limits_.budget_seconds > 0 && now >= limits_.budget_seconds) {
          ex.bounded = true;
          ex.bound_reason = "--budget " + format_duration(limits_.budget_seconds) + " reached";
          break;
        }
        if (limits_.max_memory &&
            memory(m) + kFinishingBytes * store.size() >= limits_.max_memory) {
          ex.bounded = true;
          ex.bound_reason = "--max-memory " + format_bytes(limits_.max_memory) + " reached";
          break;
        }
      }
      uint32_t n = std::min<uint32_t>(batch, static_cast<uint32_t>(store.size()) - i);
      if (max_expanded_) n = static_cast<uint32_t>(std::min<uint64_t>(n, max_expanded_ - i));
      if (n == 0) break;
      if (threads_ == 1) {
        expand_one(store, i, expansions[0], *scratch);
        merge(m, expansions[0], *scratch, i);
      } else {
        expand_and_merge(m, *team, team_scratch, expansions, i, n);
      }
      i += n;
    }
    if (limits_.progress && last_progress > 0) limits_.progress(Progress{}, true);
    MappedVector<uint8_t> &terminal = m.terminal;
    terminal.resize(store.size(), 0);
    if (on_end_state_)
      for (uint32_t s = 0; s < store.size(); ++s)
        if (terminal[s]) on_end_state_(store[s]);
    if (collect_outcomes_) {
      outcomes_.clear();
      for (uint32_t s = 0; s < store.size(); ++s)
        if (terminal[s]) outcomes_.push_back(Store::hash(store[s]));
      std::sort(outcomes_.begin(), outcomes_.end());
      XXH3_state_t *digest = XXH3_createState();
      if (!digest) throw std::bad_alloc();
      XXH3_64bits_reset(digest);
      for (uint32_t s = 0; s < store.size(); ++s) {
        const uint64_t h = Store::hash(store[s]);
        XXH3_64bits_update(digest, &h, sizeof h);
      }
      // Field by field: the structs' padding bytes are indeterminate.
      for (const Parent &p : parent_) {
        const std::array<uint32_t, 3> f{p.state, p.choice.actor, p.choice.alt};
        XXH3_64bits_update(digest, f.data(), sizeof f);
      }
      for (const Edge &e : edges_) {
        const std::array<uint32_t, 5> f{e.from, e.to, e.step.actor, e.step.alt, e.violations};
        XXH3_64bits_update(digest, f.data(), sizeof f);
      }
      graph_digest_ = XXH3_64bits_digest(digest);
      XXH3_freeState(digest);
    }
    ex.states = store.size();
    ex.memory_bytes = memory(m);
    // Counting and minimising read only the graph: the store, most of what
    // the search held, is freed for them (beside the count, on a team: it
    // takes a while). What stays is counted by size, not capacity, so that
    // what minimise() decides from it is the same on any number of threads.
    const size_t held = edges_.size() * sizeof(Edge) + m.depth.size() * sizeof(uint32_t) +
                        parent_.size() * sizeof(Parent) + m.terminal.size() +
                        m.stuck.size() * sizeof(m.stuck[0]) + kFinishingBytes * ex.states;
    minimise_used_ = minimise_need_ = 0;
    minimise_fell_back_ = false;
    // Counting and minimising only read the graph, and write different
    // fields of `ex`: two members of a team do them side by side.
    if (team && team->size() >= 2) {
      std::array<std::exception_ptr, 2> error;
      team->run([&](int member) {
        if (member > 1) return;
        try {
          if (member == 0) {
            count_executions(ex, terminal);
          } else {
            owned.reset();
            minimise(ex, m.depth, m.stuck, held);
          }
        } catch (...) {
          error[static_cast<size_t>(member)] = std::current_exception();
        }
      });
      for (const std::exception_ptr &e : error)
        if (e) std::rethrow_exception(e);
    } else {
      owned.reset();
      count_executions(ex, terminal);
      minimise(ex, m.depth, m.stuck, held);
    }
    // Every state expanded: every trace is canonical. Else those of the
    // kinds whose shortest traces lie within the expanded layers.
    const uint32_t frontier = i < ex.states ? m.depth[i] : UINT32_MAX;
    if (ex.bounded) ex.complete_depth = frontier;
    for (KindFound &f : ex.found) {
      const bool known = frontier == UINT32_MAX || all_known(1u << f.kind, frontier);
      f.canonical = known && !minimise_fell_back_;
      f.shortest = known && minimise_fell_back_;
    }
    ex.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return ex;
  }

private:
  using Store = CollapseStore<State>;
  enum Fate : uint8_t { kStored, kNewState, kDuplicate };
  // A successor as the merge needs it, without its component bytes (in the
  // expanding thread's Scratch until interned): a batch's successors are
  // read again after all are expanded, from the caches if they are small.
  struct Successor {
    Choice choice;
    uint32_t violations;
    typename Store::Key key; // of the state reached, once interned (threads)
    uint64_t key_hash = 0;
    // The parallel merge's: whether the state was stored before the batch,
    // is new, or is new but reached first by the earlier successor `first`
    // of the batch; and the state's number, once known.
    Fate fate = kStored;
    const Successor *first = nullptr;
    uint32_t target = 0;
  };
  // What expanding one state gives: its successors in the order of its
  // enabled choices, or, for a terminal state, how it ended.
  struct Expansion {
    std::span<Successor> successors; // the first ones of `pool`
    std::vector<Successor> pool;
    bool finished = false, stuck_on_variable = false;
    int stuck_kind = 0;
    std::exception_ptr error;
  };
  // What a thread expands with: the state being expanded, rebuilt from the
  // store, its enabled choices, and its successors' encodings and what
  // their steps reached (index: the successor's).
  struct Scratch {
    State cur, next;
    // The component indices of the state in `cur` (Store::get()), and
    // whether `next` equals `cur` (a step that threw may have left it half
    // changed).
    typename Store::Key held = Store::unknown_key();
    bool next_is_cur = false;
    std::vector<Choice> choices;
    // Only grows, so that encodings keep their byte buffers from state to
    // state (shrinking freed them, and growing allocated them again).
    std::vector<typename Store::Encoded> codes;
    std::vector<std::array<uint64_t, 4>> reached;
    typename Store::Memo memo;
  };

  void expand_one(const Store &store, uint32_t id, Expansion &e, Scratch &x) const {
    const State &cur = x.cur;
    std::vector<Choice> &choices = x.choices;
    // `cur` holds the last state this thread expanded, often a sibling of
    // this one: only the components that differ are copied, into `cur` and
    // `next` alike. `next` equals `cur` before each step: a step may change
    // only the components it reports, so only those are compared and
    // copied back.
    const uint32_t differ = store.get(id, x.cur, x.held);
    if (x.next_is_cur)
      store.copy_components(x.next, cur, differ);
    else
      x.next = x.cur;
    x.next_is_cur = false;
    sys_.enabled(cur, choices);
    if (e.pool.size() < choices.size()) e.pool.resize(choices.size());
    if (x.codes.size() < choices.size()) x.codes.resize(choices.size());
    x.reached.resize(choices.size());
    e.successors = std::span<Successor>(e.pool.data(), choices.size());
    if (choices.empty()) {
      e.finished = sys_.finished(cur);
      e.stuck_on_variable = !e.finished && sys_.stuck_on_variable(cur);
      e.stuck_kind = e.finished ? 0 : sys_.stuck_kind(cur);
    }
    for (size_t c = 0; c < choices.size(); ++c) {
      Successor &succ = e.successors[c];
      succ.choice = choices[c];
      State &next = x.next;
      const auto out = sys_.step(next, choices[c]);
      const uint32_t changed = sys_.changed_components(out);
      succ.violations = out.violations;
      x.reached[c] = out.reached;
      store.encode(next, cur, id, x.codes[c], changed);
      store.copy_components(next, cur, changed);
#ifndef NDEBUG
      // Debug builds (the sanitizer runs) check what the encoding relied on.
      if (std::memcmp(&next, &cur, sizeof(State)) != 0)
        throw std::logic_error("a step changed state outside the components it reported");
#endif
    }
    x.next_is_cur = true;
  }

  // Successor i of state k of a batch.
  struct Ref {
    uint32_t k, i;
    friend auto operator<=>(const Ref &, const Ref &) = default;
  };
  // What a member of the team counts while it expands, added up after; a
  // cache line of its own, as each member writes its tally for every step.
  struct alignas(64) Tally {
    uint64_t steps = 0;
    size_t absent = 0; // successors not stored before the batch (duplicates too)
    std::array<uint64_t, 4> reached{};
    std::array<uint32_t, 32> violation_depth = filled(UINT32_MAX);
  };
  // States of a batch numbered together: one item of the numbering loop.
  static constexpr uint32_t kGroup = 8;
  // States a member of the team expands before it looks their successors up.
  static constexpr size_t kChunk = 4;

  // What inserting expansions builds, besides the store.
  struct Merge {
    Store &store;
    Exploration &ex;
    MappedVector<uint32_t> depth;
    MappedVector<uint8_t> terminal;              // 0 no, 1 finished, 2 deadlock
    std::vector<std::pair<uint32_t, int>> stuck; // stuck state, the kind it counts as
    // The parallel merge's scratch (expand_and_merge()).
    std::vector<std::array<std::vector<Ref>, Store::kShards>> absent; // [member][shard]
    std::array<std::vector<Ref>, Store::kShards> by_shard;            // a shard's absent, in order
    std::array<std::vector<Ref>, Store::kShards> merged;              // by_shard's spare buffer
    std::array<std::vector<uint32_t>, Store::kShards> seen;           // a shard's dedup table
    std::vector<uint32_t> fresh; // [group]: new states among its successors
    std::vector<size_t> edge_at; // [state of the batch]: its first edge
    std::vector<Tally> tally;    // [member]
  };

  // What counting and minimising allocate per state once the search ends:
  // count_executions()'s in-degree, path count, `later` entry and first edge,
  // and minimise()'s dense number and first edge. --max-memory keeps room for
  // them, so that a search it stops can still finish. minimise()'s node
  // tables come out of the store's memory, freed by then: it checks them
  // against the bound itself.
  static constexpr size_t kFinishingBytes = 4 + 8 + 4 + 8 + 4 + 8;

  // A node of minimise(): a state and the actor of the step into it, with
  // the best path to it found so far.
  struct Best {
    uint32_t sw = UINT32_MAX, prank = 0;
    Step step{};
    uint32_t pstate = 0;
    uint8_t pactor = 0;
    uint32_t rank = 0;
  };

  // What the search holds: the store, the edges, and per state its depth,
  // BFS parent and how it ended (a run of scale-2-2 that counted only the
  // first two held 20.8 GB at a 17.2 GB bound).
  size_t memory(const Merge &m) const {
    return m.store.bytes() + edges_.resident_bytes() + m.depth.resident_bytes() +
           parent_.resident_bytes() + m.terminal.resident_bytes();
  }

  // A state's expansion recorded: how it ended if terminal; else the steps
  // and what they reached (its edges are added by the caller).
  bool record_state(Merge &m, const Expansion &e, const Scratch &x, uint32_t at) {
    m.terminal.resize(m.store.size(), 0);
    if (!e.successors.empty()) {
      for (size_t c = 0; c < e.successors.size(); ++c) {
        ++m.ex.steps;
        for (size_t w = 0; w < m.ex.reached.size(); ++w)
          m.ex.reached[w] |= x.reached[c][w];
      }
      return true;
    }
    record_terminal(m, e, at);
    return false;
  }
  void record_terminal(Merge &m, const Expansion &e, uint32_t at) {
    m.terminal[at] = e.finished ? 1 : 2;
    if (m.terminal[at] == 2) {
      if (e.stuck_on_variable) {
        if (!m.ex.stuck_on_variable) m.ex.stuck_on_variable = path_to(at);
      } else {
        m.stuck.emplace_back(at, e.stuck_kind);
        uint32_t &d = stuck_depth_[static_cast<size_t>(e.stuck_kind)];
        d = std::min(d, m.depth[at]);
      }
    }
  }
  void record_edge(Merge &m, uint32_t at, const Successor &succ, uint32_t j, bool inserted) {
    for (uint32_t v = succ.violations; v; v &= v - 1) {
      uint32_t &d = violation_depth_[static_cast<size_t>(__builtin_ctz(v))];
      d = std::min(d, m.depth[at] + 1);
    }
    if (inserted) {
      m.depth.push_back(m.depth[at] + 1);
      parent_.push_back({at, succ.choice});
    }
    edges_.push_back(Edge{at, j, Step{succ.choice.actor, succ.choice.alt}, succ.violations});
  }

  // One thread: inserts the successors of state `at`, in order. Each pass
  // first prefetches what the next reads for every successor, so that their
  // cache misses overlap.
  void merge(Merge &m, Expansion &e, Scratch &x, uint32_t at) {
    if (!record_state(m, e, x, at)) return;
    const size_t n = e.successors.size();
    for (size_t c = 0; c < n; ++c)
      m.store.prefetch_components(x.codes[c]);
    for (size_t c = 0; c < n; ++c) {
      m.store.template intern_all<false>(x.codes[c], &x.memo);
      e.successors[c].key_hash = m.store.key_hash(x.codes[c].index);
      m.store.prefetch_state(e.successors[c].key_hash);
    }
    for (size_t c = 0; c < n; ++c) {
      auto [j, inserted] = m.store.insert_interned(x.codes[c], e.successors[c].key_hash);
      record_edge(m, at, e.successors[c], j, inserted);
    }
  }

  // Threads: expand states first..first+n-1 and insert their successors,
  // numbering the new states in the order merge() would, so that states get
  // the same numbers on any number of threads. Every phase runs on all
  // members, with a barrier between:
  //  1. expand the batch's states, intern their successors' components and
  //     look them up; those not stored go to the member's list of their
  //     state-table shard;
  //  2. per shard, the absent successors in batch order: the first of equal
  //     ones is a new state, the others duplicates of it; count the new
  //     states of each group of kGroup batch states;
  //  3. per group: number its new states from the counts of the groups
  //     before it, and record the keys, depths and BFS parents;
  //  4. per shard, index the new states; per group, record the edges.
  // An error (a model error, a scenario's run-time error, std::bad_alloc) is
  // rethrown: the first state's that raised one, else the merge's. No
  // exception may leave the team's job, and every member must meet the same
  // barriers: a phase that fails sets a flag, which the later phases read
  // only after the barrier that ends it.
  void expand_and_merge(Merge &m, Team &team, std::vector<std::unique_ptr<Scratch>> &scratch,
                        std::vector<Expansion> &expansions, uint32_t first, uint32_t n) {
    Store &store = m.store;
    const auto members = static_cast<size_t>(team.size());
    const size_t groups = (n + kGroup - 1) / kGroup;
    const size_t stored = store.size(), edges = edges_.size();
    m.absent.resize(members);
    m.tally.assign(members, Tally{});
    m.fresh.assign(groups, 0);
    m.edge_at.resize(n + 1);
    std::atomic<bool> expand_failed{false};
    std::array<char, 3> failed{}; // making room, deduplicating, indexing
    std::exception_ptr error;
    std::mutex error_lock;
    const auto fail = [&](size_t phase) {
      const std::lock_guard<std::mutex> hold(error_lock);
      if (!error) error = std::current_exception();
      failed[phase] = 1;
    };
    const auto succ = [&](Ref r) -> Successor & { return expansions[r.k].successors[r.i]; };
    // The first number of group g's new states: `stored` plus the new
    // states of the groups before it. A batch has a few groups, so each
    // member adds them up itself rather than wait at a barrier for one to.
    const auto group_base = [&](size_t g) {
      size_t base = stored;
      for (size_t h = 0; h < g; ++h)
        base += m.fresh[h];
      return base;
    };

    team.run([&](int member) {
      const auto me = static_cast<size_t>(member);
      std::unique_ptr<Scratch> &mine = scratch[me];
      Tally &tally = m.tally[me];
      // A member takes kChunk states at a time: it expands them and interns
      // their successors' components, prefetching each successor's slot in
      // the state table, and only then looks the successors up, so that the
      // misses on that table (most of this phase's own time) overlap.
      team.for_each(member, (n + kChunk - 1) / kChunk, 1, [&](size_t chunk) {
        const size_t lo = chunk * kChunk, hi = std::min<size_t>(n, lo + kChunk);
        for (size_t k = lo; k < hi; ++k) {
          Expansion &e = expansions[k];
          e.error = nullptr;
          try {
            if (!mine) mine = std::make_unique<Scratch>();
            const uint32_t at = first + static_cast<uint32_t>(k);
            expand_one(store, at, e, *mine);
            // No prefetch_components(): another member may be growing the
            // slot array it would read.
            for (size_t c = 0; c < e.successors.size(); ++c) {
              Successor &sc = e.successors[c];
              store.template intern_all<true>(mine->codes[c], &mine->memo);
              sc.key = mine->codes[c].index;
              sc.key_hash = store.key_hash(sc.key);
              store.prefetch_state(sc.key_hash);
              ++tally.steps;
              for (size_t w = 0; w < tally.reached.size(); ++w)
                tally.reached[w] |= mine->reached[c][w];
              for (uint32_t v = sc.violations; v; v &= v - 1) {
                uint32_t &d = tally.violation_depth[static_cast<size_t>(__builtin_ctz(v))];
                d = std::min(d, m.depth[at] + 1);
              }
            }
          } catch (...) {
            e.error = std::current_exception();
            expand_failed = true;
          }
        }
        for (size_t k = lo; k < hi; ++k) {
          Expansion &e = expansions[k];
          if (e.error) continue;
          try {
            for (uint32_t i = 0; i < e.successors.size(); ++i) {
              Successor &sc = e.successors[i];
              sc.target = store.find(sc.key, sc.key_hash);
              sc.fate = sc.target == Store::kNone ? kNewState : kStored;
              if (sc.fate == kNewState) {
                m.absent[me][Store::shard(sc.key_hash)].push_back(Ref{static_cast<uint32_t>(k), i});
                ++tally.absent;
              }
            }
          } catch (...) {
            e.error = std::current_exception();
            expand_failed = true;
          }
        }
      });
      if (expand_failed) return;

      // 2. Two members also make room, one for the edges, the other for
      // every absent successor being new, so that the arrays grow on two
      // cores, not one.
      if (member == 0) {
        try {
          m.edge_at[0] = edges;
          for (uint32_t k = 0; k < n; ++k)
            m.edge_at[k + 1] = m.edge_at[k] + expansions[k].successors.size();
          edges_.resize(m.edge_at[n]);
        } catch (...) {
          fail(0);
        }
      }
      if (member == static_cast<int>(members) - 1) {
        try {
          size_t absent = 0; // not the lists: the other members are emptying them
          for (const Tally &t : m.tally)
            absent += t.absent;
          store.resize(stored + absent);
          m.depth.resize(stored + absent);
          parent_.resize(stored + absent - 1);
        } catch (...) {
          fail(0);
        }
      }
      team.for_each(member, Store::kShards, 1, [&](size_t sh) {
        try {
          std::vector<Ref> &list = m.by_shard[sh];
          std::vector<Ref> &merged = m.merged[sh];
          list.clear();
          // Each member's list is in batch order already (it takes chunks
          // in increasing order): merge them, into buffers kept from batch
          // to batch (std::inplace_merge would allocate one each time).
          for (auto &lists : m.absent) {
            std::vector<Ref> &part = lists[sh];
#ifndef NDEBUG
            if (!std::is_sorted(part.begin(), part.end()))
              throw std::logic_error("a member's absent successors are out of batch order");
#endif
            merged.resize(list.size() + part.size());
            std::merge(list.begin(), list.end(), part.begin(), part.end(), merged.begin());
            list.swap(merged);
            part.clear();
          }
          std::vector<uint32_t> &seen = m.seen[sh];
          size_t size = 16;
          while (size < 2 * list.size())
            size *= 2;
          seen.assign(size, 0);
          for (uint32_t p = 0; p < list.size(); ++p) {
            Successor &sc = succ(list[p]);
            size_t j = sc.key_hash & (size - 1);
            for (; seen[j] != 0; j = (j + 1) & (size - 1)) {
              const Successor &other = succ(list[seen[j] - 1]);
              if (other.key_hash == sc.key_hash && store.same_key(other.key, sc.key)) {
                sc.fate = kDuplicate;
                sc.first = &other;
                break;
              }
            }
            if (sc.fate == kDuplicate) continue;
            seen[j] = p + 1;
            std::atomic_ref<uint32_t>(m.fresh[list[p].k / kGroup])
                .fetch_add(1, std::memory_order_relaxed);
          }
        } catch (...) {
          fail(1);
        }
      });
      if (failed[0] || failed[1]) return;

      // 3. The new states' numbers follow the order of the batch.
      team.for_each(member, groups, 1, [&](size_t g) {
        auto id = static_cast<uint32_t>(group_base(g));
        const auto last = static_cast<uint32_t>(std::min<size_t>(n, (g + 1) * kGroup));
        for (auto k = static_cast<uint32_t>(g * kGroup); k < last; ++k)
          for (Successor &sc : expansions[k].successors) {
            if (sc.fate != kNewState) continue;
            sc.target = id;
            store.set(id, sc.key, sc.key_hash);
            m.depth[id] = m.depth[first + k] + 1;
            parent_[id - 1] = Parent{first + k, sc.choice};
            ++id;
          }
      });

      // 4. Index the new states, and record every edge.
      team.for_each(member, Store::kShards + groups, 1, [&](size_t item) {
        if (item < Store::kShards) {
          try {
            for (const Ref r : m.by_shard[item])
              if (succ(r).fate == kNewState) store.index(succ(r).target);
          } catch (...) {
            fail(2);
          }
          return;
        }
        const size_t g = item - Store::kShards;
        const auto last = static_cast<uint32_t>(std::min<size_t>(n, (g + 1) * kGroup));
        for (auto k = static_cast<uint32_t>(g * kGroup); k < last; ++k) {
          size_t at = m.edge_at[k];
          for (Successor &sc : expansions[k].successors) {
            if (sc.fate == kDuplicate) sc.target = sc.first->target;
            edges_[at++] =
                Edge{first + k, sc.target, Step{sc.choice.actor, sc.choice.alt}, sc.violations};
          }
        }
      });
    });
    for (uint32_t k = 0; k < n; ++k)
      if (expansions[k].error) std::rethrow_exception(expansions[k].error);
    if (error) std::rethrow_exception(error);
    // One thread again: the store's true size, and what the members counted.
    store.resize(group_base(groups));
    m.depth.resize(store.size());
    parent_.resize(store.size() - 1);
    m.terminal.resize(store.size(), 0);
    for (uint32_t k = 0; k < n; ++k)
      if (expansions[k].successors.empty()) record_terminal(m, expansions[k], first + k);
    for (const Tally &t : m.tally) {
      m.ex.steps += t.steps;
      for (size_t w = 0; w < m.ex.reached.size(); ++w)
        m.ex.reached[w] |= t.reached[w];
      for (size_t kind = 0; kind < violation_depth_.size(); ++kind)
        violation_depth_[kind] = std::min(violation_depth_[kind], t.violation_depth[kind]);
    }
  }

  struct Edge {
    uint32_t from, to;
    Step step;
    uint32_t violations;
  };
  struct Parent {
    uint32_t state;
    Choice choice;
  };

  // parent_[j - 1] is the BFS tree parent of state j (any shortest path)
  Schedule path_to(uint32_t j) const {
    Schedule s;
    while (j != 0) {
      const Parent &p = parent_[j - 1];
      s.push_back(Step{p.choice.actor, p.choice.alt});
      j = p.state;
    }
    std::reverse(s.begin(), s.end());
    return s;
  }

  void count_executions(Exploration &ex, std::span<const uint8_t> terminal) const {
    const size_t n = terminal.size();
    // No state ended (a bounded search can stop before any does): no
    // execution, whatever cycles the graph has, and no need for the arrays
    // below, 24 bytes a state.
    if (std::none_of(terminal.begin(), terminal.end(), [](uint8_t t) { return t != 0; })) {
      ex.executions = 0;
      return;
    }
    // Saturating: a state's count stops at 2^64 - 1. Only the total says
    // so: a state with no way to an end may saturate without harm.
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    const auto add = [](uint64_t &into, uint64_t paths) {
      if (__builtin_add_overflow(into, paths, &into)) into = kMax;
    };
    // Kahn's algorithm. One pass gives every state's in-degree and first
    // edge (edges are grouped by their source in increasing order; a state
    // without edges gets the next one's, so that its loop below is empty).
    std::vector<uint32_t> indeg(n, 0);
    std::vector<size_t> first(n + 1, edges_.size());
    for (size_t e = 0, at = 0; e < edges_.size(); ++e) {
      ++indeg[edges_[e].to];
      for (; at <= edges_[e].from; ++at)
        first[at] = e;
    }
    // An edge back to the start closes a cycle: not followed, so that the
    // start is counted once and first, and the count is of the paths that
    // do not return to it.
    if (indeg[0] != 0) ex.executions_lower_bound = true;
    indeg[0] = 0;
    std::vector<uint64_t> paths(n, 0);
    paths[0] = 1;
    // The states are taken in number order, each once its in-degree is
    // down to zero; one the sweep passed over too early (an edge from a
    // state counted after the sweep passed it led to it) is taken as soon
    // as that edge is counted.
    // Most are taken by the sweep, so the edges are read in order: on
    // scale-2-1 0.18 s, against 0.22 s with a FIFO queue.
    size_t counted = 0;
    std::vector<uint32_t> later;
    const auto count_from = [&](uint32_t u, uint32_t swept) {
      ++counted;
      for (size_t e = first[u]; e < edges_.size() && edges_[e].from == u; ++e) {
        const uint32_t v = edges_[e].to;
        if (v == 0) continue;
        add(paths[v], paths[u]);
        if (--indeg[v] == 0 && v < swept) later.push_back(v);
      }
    };
    for (uint32_t s = 0; s < n; ++s) {
      if (indeg[s] != 0) continue;
      count_from(s, s);
      while (!later.empty()) {
        const uint32_t u = later.back();
        later.pop_back();
        count_from(u, s);
      }
    }
    // Another cycle: its states and every state after them are never
    // counted, so that the count can be far too low, even 0.
    if (counted < n) ex.executions_lower_bound = true;
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i)
      if (terminal[i]) add(total, paths[i]);
    if (total == kMax) ex.executions_lower_bound = true;
    ex.executions = total;
  }

  // Exact canonical traces over nodes (state, last actor), layer by layer.
  // `held`: the bytes the run holds while minimise() runs, counting's
  // included.
  void minimise(Exploration &ex, std::span<const uint32_t> depth,
                const std::vector<std::pair<uint32_t, int>> &stuck, size_t held) {
    const int kinds = sys_.num_kinds();
    std::vector<uint32_t> first_depth(static_cast<size_t>(kinds), UINT32_MAX);
    for (const Edge &e : edges_)
      for (uint32_t v = e.violations; v; v &= v - 1) {
        uint32_t &d = first_depth[static_cast<size_t>(__builtin_ctz(v))];
        d = std::min(d, depth[e.from] + 1);
      }
    std::vector<char> stuck_kind(static_cast<size_t>(kinds), 0);
    for (const auto &[s, k] : stuck) {
      stuck_kind[static_cast<size_t>(k)] = 1;
      first_depth[k] = std::min(first_depth[k], depth[s]);
    }
    uint32_t max_depth = 0;
    bool any = false;
    for (int k = 0; k < kinds; ++k)
      if (first_depth[k] != UINT32_MAX) {
        max_depth = std::max(max_depth, first_depth[k]);
        any = true;
      }
    if (!any) return;

    // Node = (state, last actor); actor kNoActor for the root. States are
    // numbered by depth, so those within max_depth are a prefix. Only the
    // states on shortest paths to a kind's first violations can be on a
    // canonical trace: they are marked, from the last edge to the first
    // (edges are grouped by source, and sources by depth, so a state's
    // successors are final when its own edges are reached), and get dense
    // numbers; a node's slot is that number * (A + 1) + actor. Every
    // shortest path to a marked state runs through marked states only, and
    // the ranks below order the marked nodes of a layer as they would order
    // them among all, so the traces are those of the whole graph; a search
    // stopped by a bound at the depth of its first violation marks a small
    // part of what it stored.
    const int A = sys_.num_actors();
    const int kNoActor = A;
    const size_t prefix = static_cast<size_t>(
        std::upper_bound(depth.begin(), depth.end(), max_depth) - depth.begin());
    std::vector<uint32_t> dense(prefix, 0); // 1: marked; then its number, or UINT32_MAX
    for (const auto &[s, k] : stuck)
      if (depth[s] == first_depth[k]) dense[s] = 1;
    for (size_t e = edges_.size(); e-- > 0;) {
      const Edge &ed = edges_[e];
      if (ed.from >= prefix) continue;
      bool mark = ed.to < prefix && depth[ed.to] == depth[ed.from] + 1 && dense[ed.to] != 0;
      for (uint32_t v = ed.violations; v && !mark; v &= v - 1)
        mark = depth[ed.from] + 1 == first_depth[static_cast<size_t>(__builtin_ctz(v))];
      if (mark) dense[ed.from] = 1;
    }
    uint32_t marked = 0;
    for (uint32_t &d : dense)
      d = d != 0 ? marked++ : UINT32_MAX;
    // The node tables take a slot per actor (and one for the start) of each
    // marked state, and a node per key (a state and the actor of the step
    // into it) on an edge between marked states of consecutive depths, at
    // most: counted here with a bit per slot, layer by layer, so that the
    // tables are allocated once at their size. When --max-memory leaves no
    // room for them beside what the run holds, the traces are the BFS
    // tree's paths instead (tree_paths()).
    const auto slots = size_t{marked} * static_cast<size_t>(A + 1);
    const auto slot = [&](uint32_t state, int actor) {
      return static_cast<size_t>(dense[state]) * static_cast<size_t>(A + 1) +
             static_cast<size_t>(actor);
    };
    const auto prefix_edges =
        static_cast<size_t>(std::partition_point(edges_.begin(), edges_.end(),
                                                 [&](const Edge &e) { return e.from < prefix; }) -
                            edges_.begin());
    std::vector<size_t> layer_size(max_depth + 1, 0);
    layer_size[0] = 1;
    {
      std::vector<bool> keyed(slots);
      for (size_t e = 0; e < prefix_edges; ++e) {
        const Edge &ed = edges_[e];
        if (ed.to >= prefix || dense[ed.from] == UINT32_MAX || dense[ed.to] == UINT32_MAX ||
            depth[ed.to] != depth[ed.from] + 1)
          continue;
        const size_t at = slot(ed.to, ed.step.actor);
        if (keyed[at]) continue;
        keyed[at] = true;
        ++layer_size[depth[ed.to]];
      }
      minimise_need_ = (slots + 7) / 8;
    }
    const size_t nodes = std::accumulate(layer_size.begin(), layer_size.end(), size_t{0});
    const size_t widest = *std::max_element(layer_size.begin(), layer_size.end());
    minimise_need_ =
        std::max(minimise_need_, // the bits are freed before the tables are made
                 slots * sizeof(uint32_t) +
                     nodes * (sizeof(Best) + sizeof(std::pair<uint32_t, int>) + sizeof(uint32_t)) +
                     widest * sizeof(std::pair<uint64_t, uint32_t>) +
                     layer_size.size() * sizeof(std::vector<uint32_t>));
    if (limits_.max_memory && held + minimise_need_ > limits_.max_memory) {
      minimise_fell_back_ = true;
      tree_paths(ex, stuck, first_depth, stuck_kind);
      return;
    }
    std::vector<uint32_t> node(slots, UINT32_MAX); // -> best
    std::vector<Best> best;                        // only nodes on shortest paths
    std::vector<std::pair<uint32_t, int>> keys;
    best.reserve(nodes);
    keys.reserve(nodes);
    const auto find = [&](std::pair<uint32_t, int> key) -> Best * {
      if (key.first >= prefix || dense[key.first] == UINT32_MAX) return nullptr;
      const uint32_t b = node[slot(key.first, key.second)];
      return b == UINT32_MAX ? nullptr : &best[b];
    };
    const auto add = [&](std::pair<uint32_t, int> key, const Best &b) {
      node[slot(key.first, key.second)] = static_cast<uint32_t>(best.size());
      best.push_back(b);
      keys.push_back(key);
      return static_cast<uint32_t>(best.size() - 1);
    };
    std::vector<std::vector<uint32_t>> layers(max_depth + 1); // indices into best
    for (size_t d = 0; d < layers.size(); ++d)
      layers[d].reserve(layer_size[d]);
    std::vector<std::pair<uint64_t, uint32_t>> order; // a layer's sort keys
    order.reserve(widest);
    if (dense[0] == UINT32_MAX) throw std::logic_error("minimise: the first state is not marked");
    layers[0].push_back(add({0, kNoActor}, Best{0, 0, {}, 0, 0, 0}));
    std::vector<size_t> first(prefix, edges_.size());
    for (size_t e = edges_.size(); e-- > 0;)
      if (edges_[e].from < prefix) first[edges_[e].from] = e;

    for (uint32_t d = 0; d < max_depth; ++d) {
      for (const uint32_t at : layers[d]) {
        const auto from = keys[at];
        for (size_t e = first[from.first]; e < edges_.size() && edges_[e].from == from.first; ++e) {
          const Edge &ed = edges_[e];
          if (depth[ed.to] != d + 1 || dense[ed.to] == UINT32_MAX) continue;
          const Best &b = best[at];
          const uint32_t sw = b.sw + (from.second != kNoActor && from.second != ed.step.actor);
          const auto key = std::make_pair(ed.to, int(ed.step.actor));
          Best cand{sw, b.rank, ed.step, from.first, uint8_t(from.second), 0};
          if (Best *it = find(key); it == nullptr) {
            layers[d + 1].push_back(add(key, cand));
          } else if (std::tie(cand.sw, cand.prank, cand.step) <
                     std::tie(it->sw, it->prank, it->step)) {
            *it = cand;
          }
        }
      }
      // Rank the layer by (parent's rank, step), sorting the keys packed
      // with their nodes rather than reading `best` in each comparison (a
      // miss each in a large graph). No two nodes of a layer share a key:
      // one node and one step lead to one node.
      auto &next = layers[d + 1];
      order.resize(next.size());
      for (size_t r = 0; r < next.size(); ++r) {
        const Best &b = best[next[r]];
        order[r] = {uint64_t{b.prank} << 16 | uint64_t{b.step.actor} << 8 | b.step.alt, next[r]};
      }
      std::sort(order.begin(), order.end());
      for (uint32_t r = 0; r < next.size(); ++r) {
        next[r] = order[r].second;
        best[next[r]].rank = r;
      }
    }

    minimise_used_ = node.capacity() * sizeof(uint32_t) + best.capacity() * sizeof(Best) +
                     keys.capacity() * sizeof(keys[0]) + order.capacity() * sizeof(order[0]) +
                     layers.capacity() * sizeof(layers[0]);
    for (const auto &layer : layers)
      minimise_used_ += layer.capacity() * sizeof(uint32_t);

    auto schedule_of = [&](std::pair<uint32_t, int> at) {
      Schedule s;
      while (at.second != kNoActor) {
        const Best &b = *find(at);
        s.push_back(b.step);
        at = {b.pstate, b.pactor};
      }
      std::reverse(s.begin(), s.end());
      return s;
    };

    for (int k = 0; k < kinds; ++k) {
      if (first_depth[k] == UINT32_MAX) continue;
      // candidate: (switches, rank of the path's prefix, last step)
      std::optional<std::tuple<uint32_t, uint32_t, Step>> top;
      std::pair<uint32_t, int> top_node;
      if (stuck_kind[static_cast<size_t>(k)]) {
        for (const auto &[s, sk] : stuck) {
          if (sk != k || depth[s] != first_depth[k]) continue;
          for (int a = 0; a <= A; ++a) {
            const Best *it = find({s, a});
            if (it == nullptr) continue;
            auto cand = std::make_tuple(it->sw, it->prank, it->step);
            if (!top || cand < *top) {
              top = cand;
              top_node = {s, a};
            }
          }
        }
        if (top) ex.found.push_back(KindFound{k, schedule_of(top_node)});
        continue;
      }
      for (const Edge &e : edges_) {
        if (!(e.violations & (1u << k)) || depth[e.from] + 1 != first_depth[k]) continue;
        for (int a = 0; a <= A; ++a) {
          const Best *it = find({e.from, a});
          if (it == nullptr) continue;
          const uint32_t sw = it->sw + (a != kNoActor && a != e.step.actor);
          auto cand = std::make_tuple(sw, it->rank, e.step);
          if (!top || cand < *top) {
            top = cand;
            top_node = {e.from, a};
          }
        }
      }
      Schedule s = schedule_of(top_node);
      s.push_back(std::get<2>(*top));
      ex.found.push_back(KindFound{k, std::move(s)});
    }
  }

  // minimise()'s fallback: each kind's first violation in the order of the
  // states (so at the least depth, as states are numbered by depth and
  // edges grouped by source), reached along the BFS tree. As short as the
  // canonical trace and the same on any number of threads, as the numbering
  // is, but not proven to switch CPUs the fewest times.
  void tree_paths(Exploration &ex, const std::vector<std::pair<uint32_t, int>> &stuck,
                  const std::vector<uint32_t> &first_depth, const std::vector<char> &stuck_kind) {
    for (size_t k = 0; k < first_depth.size(); ++k) {
      if (first_depth[k] == UINT32_MAX) continue;
      std::optional<Schedule> s;
      if (stuck_kind[k]) {
        uint32_t first = UINT32_MAX;
        for (const auto &[at, sk] : stuck)
          if (static_cast<size_t>(sk) == k) first = std::min(first, at);
        if (first != UINT32_MAX) s = path_to(first);
      } else {
        const auto e = std::find_if(edges_.begin(), edges_.end(),
                                    [&](const Edge &ed) { return ed.violations & (1u << k); });
        if (e != edges_.end()) {
          s = path_to(e->from);
          s->push_back(e->step);
        }
      }
      if (s) ex.found.push_back(KindFound{static_cast<int>(k), std::move(*s)});
    }
  }

  // Whether, with every state shallower than `frontier` expanded, the
  // canonical traces of `kinds` are known: a violation on an edge into
  // depth d needs the states of depth d - 1 expanded, a stuck state of
  // depth d those of depth d.
  bool all_known(uint32_t kinds, uint32_t frontier) const {
    for (uint32_t v = kinds; v; v &= v - 1) {
      const auto k = static_cast<size_t>(__builtin_ctz(v));
      if (violation_depth_[k] > frontier && !(stuck_depth_[k] < frontier)) return false;
    }
    return true;
  }

  const Sys &sys_;
  Limits limits_;
  int threads_ = 1;
  uint32_t target_kinds_ = 0;
  uint64_t max_expanded_ = 0;
  std::array<uint32_t, 32> violation_depth_ = filled(UINT32_MAX); // shallowest, per kind
  std::array<uint32_t, 32> stuck_depth_ = filled(UINT32_MAX);
  static constexpr std::array<uint32_t, 32> filled(uint32_t v) {
    std::array<uint32_t, 32> a{};
    a.fill(v);
    return a;
  }
  bool collect_outcomes_ = false;
  std::function<void(const State &)> on_end_state_;
  std::vector<uint64_t> outcomes_;
  uint64_t graph_digest_ = 0;
  // The last run's minimise(): bytes its node tables took and could have
  // taken, and whether --max-memory left no room for them.
  size_t minimise_used_ = 0, minimise_need_ = 0;
  bool minimise_fell_back_ = false;
  MappedVector<Edge> edges_;
  MappedVector<Parent> parent_;
};

} // namespace pagerace::engine
