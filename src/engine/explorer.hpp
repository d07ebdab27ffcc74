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
#include "engine/schedule.hpp"
#include "engine/team.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
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
  const std::vector<uint64_t> &outcomes() const { return outcomes_; }

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
    Store store(sys_.components());
    Merge m{store, ex, {}, {}, {}};
    store.insert(sys_.initial());
    m.depth.push_back(0);
    double last_progress = 0;
    // One thread expands a state and inserts its successors at once; more
    // threads take batches large enough to share out, and small enough that
    // a batch's successors stay in the caches between the phases (measured:
    // 64 states a thread ran faster than 256, and 4096 twice as slow).
    const uint32_t batch = threads_ > 1 ? 64u * static_cast<uint32_t>(threads_) : 1u;
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
      if (target_kinds_ && i < store.size() && all_known(target_kinds_, m.depth[i])) break;
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
        if (limits_.max_memory && memory(m) >= limits_.max_memory) {
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
        merge(m, expansions[0], i);
      } else {
        expand_and_merge(m, *team, team_scratch, expansions, i, n);
      }
      i += n;
    }
    if (limits_.progress && last_progress > 0) limits_.progress(Progress{}, true);
    std::vector<uint8_t> &terminal = m.terminal;
    terminal.resize(store.size(), 0);
    if (collect_outcomes_) {
      outcomes_.clear();
      for (uint32_t s = 0; s < store.size(); ++s)
        if (terminal[s]) outcomes_.push_back(Store::hash(store[s]));
      std::sort(outcomes_.begin(), outcomes_.end());
    }
    ex.states = store.size();
    ex.memory_bytes = memory(m);
    // Counting and minimising only read the graph, and write different
    // fields of `ex`: two members of a team do them side by side.
    if (team && team->size() >= 2) {
      std::array<std::exception_ptr, 2> error;
      team->run([&](int member) {
        if (member > 1) return;
        try {
          if (member == 0)
            count_executions(ex, terminal);
          else
            minimise(ex, m.depth, m.stuck);
        } catch (...) {
          error[static_cast<size_t>(member)] = std::current_exception();
        }
      });
      for (const std::exception_ptr &e : error)
        if (e) std::rethrow_exception(e);
    } else {
      count_executions(ex, terminal);
      minimise(ex, m.depth, m.stuck);
    }
    // Every state expanded: every trace is canonical. Else those of the
    // kinds whose shortest traces lie within the expanded layers.
    const uint32_t frontier = i < store.size() ? m.depth[i] : UINT32_MAX;
    for (KindFound &f : ex.found)
      f.canonical = frontier == UINT32_MAX || all_known(1u << f.kind, frontier);
    ex.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return ex;
  }

private:
  using Store = CollapseStore<State>;
  struct Successor {
    Choice choice;
    uint32_t violations;
    std::array<uint64_t, 4> reached;
    typename Store::Encoded code; // the state reached
  };
  // What expanding one state gives: its successors in the order of its
  // enabled choices, or, for a terminal state, how it ended.
  struct Expansion {
    std::vector<Successor> successors; // kept across batches: no reallocation
    bool finished = false, stuck_on_variable = false;
    int stuck_kind = 0;
    std::exception_ptr error;
  };
  // What a thread expands with: the state being expanded, rebuilt from the
  // store, and its enabled choices.
  struct Scratch {
    State cur, next;
    std::vector<Choice> choices;
  };

  void expand_one(const Store &store, uint32_t id, Expansion &e, Scratch &x) const {
    const State &cur = x.cur;
    std::vector<Choice> &choices = x.choices;
    store.get(id, x.cur);
    // `next` equals `cur` before each step: a step may change only the
    // components it reports, so only those are compared and copied back.
    x.next = x.cur;
    sys_.enabled(cur, choices);
    e.successors.resize(choices.size());
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
      succ.reached = out.reached;
      store.encode(next, cur, id, succ.code, changed);
      store.copy_components(next, cur, changed);
#ifndef NDEBUG
      // Debug builds (the sanitizer runs) check what the encoding relied on.
      if (std::memcmp(&next, &cur, sizeof(State)) != 0)
        throw std::logic_error("a step changed state outside the components it reported");
#endif
    }
  }

  // What inserting expansions builds, besides the store.
  struct Merge {
    Store &store;
    Exploration &ex;
    std::vector<uint32_t> depth;
    std::vector<uint8_t> terminal;               // 0 no, 1 finished, 2 deadlock
    std::vector<std::pair<uint32_t, int>> stuck; // stuck state, the kind it counts as
    // The parallel merge's scratch, per successor of the batch: where it is,
    // its key's hash, and what the lookup found (a state number, kNew, or
    // kNew + 1 + p: the same state as the new successor p of the batch).
    std::vector<Successor *> all;
    std::array<std::vector<uint32_t>, Store::kMaxComponents> interned; // [component][successor]
    std::vector<uint64_t> hash;
    std::vector<uint64_t> found;
    std::array<std::vector<uint32_t>, Store::kShards> by_shard;
  };
  static constexpr uint64_t kNew = uint64_t{1} << 32;

  // What the search holds: the store, the edges, and per state its depth,
  // BFS parent and how it ended (a run of scale-2-2 that counted only the
  // first two held 20.8 GB at a 17.2 GB bound).
  size_t memory(const Merge &m) const {
    return m.store.bytes() + edges_.capacity() * sizeof(Edge) +
           m.depth.capacity() * sizeof(uint32_t) + parent_.capacity() * sizeof(Parent) +
           m.terminal.capacity();
  }

  // A state's expansion recorded: how it ended if terminal; else the steps
  // and what they reached (its edges are added by the caller).
  bool record_state(Merge &m, Expansion &e, uint32_t at) {
    m.terminal.resize(m.store.size(), 0);
    if (!e.successors.empty()) {
      for (const Successor &succ : e.successors) {
        ++m.ex.steps;
        for (size_t w = 0; w < m.ex.reached.size(); ++w)
          m.ex.reached[w] |= succ.reached[w];
      }
      return true;
    }
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
    return false;
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
  void merge(Merge &m, Expansion &e, uint32_t at) {
    if (!record_state(m, e, at)) return;
    for (const Successor &succ : e.successors)
      m.store.prefetch_components(succ.code);
    m.hash.resize(e.successors.size());
    for (size_t i = 0; i < e.successors.size(); ++i) {
      m.store.intern_all(e.successors[i].code);
      m.hash[i] = m.store.key_hash(e.successors[i].code);
      m.store.prefetch_state(m.hash[i]);
    }
    for (size_t i = 0; i < e.successors.size(); ++i) {
      const Successor &succ = e.successors[i];
      auto [j, inserted] = m.store.insert_interned(succ.code, m.hash[i]);
      record_edge(m, at, succ, j, inserted);
    }
  }

  // Threads: expand states first..first+n-1, then insert their successors
  // in the order merge() would, so that states get the same numbers. Every
  // phase but the numbering runs on all threads: interning, component by
  // component; looking the states up, shard by shard (a successor equal to
  // an earlier new one of the batch is found in the batch); indexing the
  // new ones, shard by shard. An error (a model error, a scenario's run-time
  // error, std::bad_alloc) is rethrown: the first state's that raised one,
  // else the merge's. No exception may leave the team's job, and every
  // member must meet the same barriers: a phase that fails sets its own
  // flag, read by the later phases only after the barrier that ends it.
  void expand_and_merge(Merge &m, Team &team, std::vector<std::unique_ptr<Scratch>> &scratch,
                        std::vector<Expansion> &expansions, uint32_t first, uint32_t n) {
    enum Phase { kFlatten, kIntern, kBucket, kNumber, kIndex, kPhases };
    Store &store = m.store;
    std::array<char, kPhases> failed{};
    std::exception_ptr error;
    std::mutex error_lock;
    const auto fail = [&](Phase p) {
      const std::lock_guard<std::mutex> hold(error_lock);
      if (!error) error = std::current_exception();
      failed[p] = 1;
    };
    const auto ok_before = [&](Phase p) {
      return std::none_of(failed.begin(), failed.begin() + p, [](char f) { return f != 0; });
    };
    team.run([&](int member) {
      std::unique_ptr<Scratch> &mine = scratch[static_cast<size_t>(member)];
      team.for_each(member, n, 4, [&](size_t k) {
        expansions[k].error = nullptr;
        try {
          if (!mine) mine = std::make_unique<Scratch>();
          expand_one(store, first + static_cast<uint32_t>(k), expansions[k], *mine);
        } catch (...) {
          expansions[k].error = std::current_exception();
        }
      });
      team.single(member, [&] {
        try {
          m.all.clear();
          for (uint32_t k = 0; k < n; ++k) {
            if (expansions[k].error) throw std::runtime_error("expansion failed");
            for (Successor &succ : expansions[k].successors)
              m.all.push_back(&succ);
          }
          m.hash.resize(m.all.size());
          m.found.resize(m.all.size());
          for (size_t c = 0; c < store.components(); ++c)
            m.interned[c].resize(m.all.size());
        } catch (...) {
          fail(kFlatten);
        }
      });
      if (ok_before(kIntern)) {
        team.for_each(member, store.components(), 1, [&](size_t c) {
          try {
            for (size_t i = 0; i < m.all.size(); ++i)
              m.interned[c][i] = store.intern(c, m.all[i]->code);
          } catch (...) {
            fail(kIntern);
          }
        });
      }
      if (ok_before(kBucket)) {
        team.for_each(member, m.all.size(), 64, [&](size_t i) {
          auto &code = m.all[i]->code;
          for (size_t c = 0; c < store.components(); ++c)
            code.index[c] = m.interned[c][i];
          m.hash[i] = store.key_hash(code);
        });
        team.single(member, [&] {
          try {
            for (auto &bucket : m.by_shard)
              bucket.clear();
            for (size_t i = 0; i < m.all.size(); ++i)
              m.by_shard[Store::shard(m.hash[i])].push_back(static_cast<uint32_t>(i));
          } catch (...) {
            fail(kBucket);
          }
        });
      }
      if (ok_before(kNumber)) {
        team.for_each(member, Store::kShards, 1, [&](size_t sh) {
          const auto &bucket = m.by_shard[sh];
          for (size_t b = 0; b < bucket.size(); ++b) {
            const uint32_t i = bucket[b];
            const auto &code = m.all[i]->code;
            uint64_t f = store.find(code, m.hash[i]);
            for (size_t a = 0; f == Store::kNone && a < b; ++a) {
              const uint32_t p = bucket[a];
              if (m.found[p] == kNew && m.hash[p] == m.hash[i] &&
                  std::memcmp(m.all[p]->code.index.data(), code.index.data(),
                              store.components() * sizeof(uint32_t)) == 0)
                f = kNew + 1 + p;
            }
            m.found[i] = f == Store::kNone ? kNew : f;
          }
        });
        team.single(member, [&] {
          try {
            size_t i = 0;
            for (uint32_t k = 0; k < n; ++k) {
              if (!record_state(m, expansions[k], first + k)) continue;
              for (Successor &succ : expansions[k].successors) {
                uint64_t &f = m.found[i];
                const bool inserted = f == kNew;
                if (inserted) f = store.append(succ.code, m.hash[i]);
                if (f > kNew) f = m.found[f - kNew - 1] & ~kNew; // numbered above, as it came first
                record_edge(m, first + k, succ, static_cast<uint32_t>(f), inserted);
                if (inserted) f |= kNew; // to index
                ++i;
              }
            }
          } catch (...) {
            fail(kNumber);
          }
        });
      }
      if (ok_before(kIndex)) {
        team.for_each(member, Store::kShards, 1, [&](size_t sh) {
          try {
            for (const uint32_t i : m.by_shard[sh])
              if (m.found[i] & kNew) store.index(static_cast<uint32_t>(m.found[i] & ~kNew));
          } catch (...) {
            fail(kIndex);
          }
        });
      }
    });
    for (uint32_t k = 0; k < n; ++k)
      if (expansions[k].error) std::rethrow_exception(expansions[k].error);
    if (error) std::rethrow_exception(error);
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

  void count_executions(Exploration &ex, const std::vector<uint8_t> &terminal) const {
    const size_t n = terminal.size();
    std::vector<uint32_t> indeg(n, 0);
    for (const Edge &e : edges_)
      ++indeg[e.to];
    std::vector<uint64_t> paths(n, 0);
    paths[0] = 1;
    std::vector<uint32_t> queue{0};
    // edges_ are grouped by their source in increasing order
    std::vector<size_t> first(n + 1, edges_.size());
    for (size_t e = edges_.size(); e-- > 0;)
      first[edges_[e].from] = e;
    for (size_t i = n; i-- > 0;)
      if (first[i] == edges_.size() && i + 1 <= n) first[i] = first[i + 1];
    for (size_t q = 0; q < queue.size(); ++q) {
      const uint32_t u = queue[q];
      for (size_t e = first[u]; e < edges_.size() && edges_[e].from == u; ++e) {
        const uint32_t v = edges_[e].to;
        uint64_t sum = paths[v] + paths[u];
        if (sum < paths[v]) {
          sum = std::numeric_limits<uint64_t>::max();
          ex.executions_saturated = true;
        }
        paths[v] = sum;
        if (--indeg[v] == 0) queue.push_back(v);
      }
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!terminal[i]) continue;
      uint64_t sum = total + paths[i];
      if (sum < total) {
        sum = std::numeric_limits<uint64_t>::max();
        ex.executions_saturated = true;
      }
      total = sum;
    }
    if (queue.size() < n) // a cycle: count what the acyclic part gives
      ex.executions_saturated = true;
    ex.executions = total;
  }

  // Exact canonical traces over nodes (state, last actor), layer by layer.
  void minimise(Exploration &ex, const std::vector<uint32_t> &depth,
                const std::vector<std::pair<uint32_t, int>> &stuck) {
    const int kinds = sys_.num_kinds();
    std::vector<uint32_t> first_depth(static_cast<size_t>(kinds), UINT32_MAX);
    for (const Edge &e : edges_)
      for (int k = 0; k < kinds; ++k)
        if (e.violations & (1u << k)) first_depth[k] = std::min(first_depth[k], depth[e.from] + 1);
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
    // numbered by depth, so those within max_depth are a prefix, and a
    // node's slot is state * (A + 1) + actor.
    const int A = sys_.num_actors();
    const int kNoActor = A;
    struct Best {
      uint32_t sw = UINT32_MAX, prank = 0;
      Step step{};
      uint32_t pstate = 0;
      uint8_t pactor = 0;
      uint32_t rank = 0;
    };
    const size_t prefix = static_cast<size_t>(
        std::upper_bound(depth.begin(), depth.end(), max_depth) - depth.begin());
    const auto slot = [&](uint32_t state, int actor) {
      return static_cast<size_t>(state) * static_cast<size_t>(A + 1) + static_cast<size_t>(actor);
    };
    std::vector<uint32_t> node(prefix * static_cast<size_t>(A + 1), UINT32_MAX); // -> best
    std::vector<Best> best; // only nodes on shortest paths
    std::vector<std::pair<uint32_t, int>> keys;
    const auto find = [&](std::pair<uint32_t, int> key) -> Best * {
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
    layers[0].push_back(add({0, kNoActor}, Best{0, 0, {}, 0, 0, 0}));
    std::vector<size_t> first(depth.size() + 1, edges_.size());
    for (size_t e = edges_.size(); e-- > 0;)
      first[edges_[e].from] = e;

    for (uint32_t d = 0; d < max_depth; ++d) {
      for (const uint32_t at : layers[d]) {
        const auto from = keys[at];
        for (size_t e = first[from.first]; e < edges_.size() && edges_[e].from == from.first; ++e) {
          const Edge &ed = edges_[e];
          if (depth[ed.to] != d + 1) continue;
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
      auto &next = layers[d + 1];
      std::sort(next.begin(), next.end(), [&](uint32_t x, uint32_t y) {
        return std::tie(best[x].prank, best[x].step) < std::tie(best[y].prank, best[y].step);
      });
      for (uint32_t r = 0; r < next.size(); ++r)
        best[next[r]].rank = r;
    }

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
  std::vector<uint64_t> outcomes_;
  std::vector<Edge> edges_;
  std::vector<Parent> parent_;
};

} // namespace pagerace::engine
