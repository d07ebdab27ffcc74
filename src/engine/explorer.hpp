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

#include "engine/limits.hpp"
#include "engine/schedule.hpp"
#include "engine/state_store.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
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

  Exploration run() {
    const auto t0 = std::chrono::steady_clock::now();
    Exploration ex;
    StateStore<State> store;
    std::vector<uint32_t> depth;
    std::vector<uint8_t> terminal; // 0 no, 1 finished, 2 deadlock
    store.insert(sys_.initial());
    depth.push_back(0);
    std::vector<Choice> choices;
    std::vector<std::pair<uint32_t, int>> stuck; // stuck state, the kind it counts as
    double last_progress = 0;
    for (uint32_t i = 0; i < store.size(); ++i) {
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
      if ((i & 255) == 0) {
        const double now =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (limits_.progress && now >= 1 && now >= last_progress + 0.5) {
          last_progress = now;
          Progress p{0, store.size(), ex.steps, depth[i], now, -1};
          p.done = limits_.fraction(p);
          limits_.progress(p, false);
        }
        if (limits_.budget_seconds > 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
                limits_.budget_seconds) {
          ex.bounded = true;
          ex.bound_reason = "--budget " + format_duration(limits_.budget_seconds) + " reached";
          break;
        }
        if (limits_.max_memory &&
            store.bytes() + edges_.capacity() * sizeof(Edge) >= limits_.max_memory) {
          ex.bounded = true;
          ex.bound_reason = "--max-memory " + format_bytes(limits_.max_memory) + " reached";
          break;
        }
      }
      State cur = store[i];
      sys_.enabled(cur, choices);
      terminal.resize(store.size(), 0);
      if (choices.empty()) {
        terminal[i] = sys_.finished(cur) ? 1 : 2;
        if (terminal[i] == 2) {
          if (sys_.stuck_on_variable(cur)) {
            if (!ex.stuck_on_variable) ex.stuck_on_variable = path_to(i);
          } else {
            stuck.emplace_back(i, sys_.stuck_kind(cur));
          }
        }
        continue;
      }
      for (const Choice &c : choices) {
        State next = cur;
        auto out = sys_.step(next, c);
        ++ex.steps;
        for (size_t w = 0; w < ex.reached.size(); ++w)
          ex.reached[w] |= out.reached[w];
        auto [j, inserted] = store.insert(next);
        if (inserted) {
          depth.push_back(depth[i] + 1);
          parent_.push_back({i, c});
        }
        edges_.push_back(Edge{i, j, Step{c.actor, c.alt}, out.violations});
      }
    }
    if (limits_.progress && last_progress > 0) limits_.progress(Progress{}, true);
    terminal.resize(store.size(), 0);
    if (collect_outcomes_) {
      outcomes_.clear();
      for (uint32_t i = 0; i < store.size(); ++i)
        if (terminal[i]) outcomes_.push_back(StateStore<State>::hash(store[i]));
      std::sort(outcomes_.begin(), outcomes_.end());
    }
    ex.states = store.size();
    ex.memory_bytes = store.bytes() + edges_.capacity() * sizeof(Edge);
    count_executions(ex, terminal);
    minimise(ex, depth, stuck);
    ex.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return ex;
  }

private:
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

    // Node = (state, last actor); actor kNoActor for the root.
    const int A = sys_.num_actors();
    const int kNoActor = A;
    struct Best {
      uint32_t sw = UINT32_MAX, prank = 0;
      Step step{};
      uint32_t pstate = 0;
      uint8_t pactor = 0;
      uint32_t rank = 0;
    };
    std::map<std::pair<uint32_t, int>, Best> best; // only nodes on shortest paths
    std::vector<std::vector<std::pair<uint32_t, int>>> layers(max_depth + 1);
    best[{0, kNoActor}] = Best{0, 0, {}, 0, 0, 0};
    layers[0].push_back({0, kNoActor});
    std::vector<size_t> first(depth.size() + 1, edges_.size());
    for (size_t e = edges_.size(); e-- > 0;)
      first[edges_[e].from] = e;

    for (uint32_t d = 0; d < max_depth; ++d) {
      for (const auto &node : layers[d]) {
        const Best &b = best[node];
        for (size_t e = first[node.first]; e < edges_.size() && edges_[e].from == node.first; ++e) {
          const Edge &ed = edges_[e];
          if (depth[ed.to] != d + 1) continue;
          const uint32_t sw = b.sw + (node.second != kNoActor && node.second != ed.step.actor);
          auto key = std::make_pair(ed.to, int(ed.step.actor));
          auto it = best.find(key);
          Best cand{sw, b.rank, ed.step, node.first, uint8_t(node.second), 0};
          if (it == best.end()) {
            best[key] = cand;
            layers[d + 1].push_back(key);
          } else if (std::tie(cand.sw, cand.prank, cand.step) <
                     std::tie(it->second.sw, it->second.prank, it->second.step)) {
            it->second = cand;
          }
        }
      }
      auto &next = layers[d + 1];
      std::sort(next.begin(), next.end(), [&](const auto &x, const auto &y) {
        const Best &bx = best[x], &by = best[y];
        return std::tie(bx.prank, bx.step) < std::tie(by.prank, by.step);
      });
      for (uint32_t r = 0; r < next.size(); ++r)
        best[next[r]].rank = r;
    }

    auto schedule_of = [&](std::pair<uint32_t, int> node) {
      Schedule s;
      while (node.second != kNoActor) {
        const Best &b = best[node];
        s.push_back(b.step);
        node = {b.pstate, b.pactor};
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
            auto it = best.find({s, a});
            if (it == best.end() || depth[s] != first_depth[k]) continue;
            auto cand = std::make_tuple(it->second.sw, it->second.prank, it->second.step);
            if (!top || cand < *top) {
              top = cand;
              top_node = it->first;
            }
          }
        }
        if (top) ex.found.push_back(KindFound{k, schedule_of(top_node)});
        continue;
      }
      for (const Edge &e : edges_) {
        if (!(e.violations & (1u << k)) || depth[e.from] + 1 != first_depth[k]) continue;
        for (int a = 0; a <= A; ++a) {
          auto it = best.find({e.from, a});
          if (it == best.end()) continue;
          const uint32_t sw = it->second.sw + (a != kNoActor && a != e.step.actor);
          auto cand = std::make_tuple(sw, it->second.rank, e.step);
          if (!top || cand < *top) {
            top = cand;
            top_node = it->first;
          }
        }
      }
      Schedule s = schedule_of(top_node);
      s.push_back(std::get<2>(*top));
      ex.found.push_back(KindFound{k, std::move(s)});
    }
  }

  const Sys &sys_;
  Limits limits_;
  bool collect_outcomes_ = false;
  std::vector<uint64_t> outcomes_;
  std::vector<Edge> edges_;
  std::vector<Parent> parent_;
};

} // namespace pagerace::engine
