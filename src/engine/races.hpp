// Race detection of source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, "Optimal
// dynamic partial order reduction", POPL 2014, Algorithm 1) over one
// execution: which earlier steps a new step happens after, which of them it
// races with, and, for a race, the initials of the reversed sequence that
// one of must go into the backtrack set. Apart from the DFS stack that holds
// the execution (dfs.hpp), so that the computation is measured alone
// (bench/micro.cpp) and tested on executions written by hand
// (tests/races_test.cpp).
//
// An execution is read through three functions of a step's index i (its
// position in the execution, from 0): process(i), the process that took it;
// footprint(i), what it touched; past(i), the steps that happen before it.
#pragma once

#include "engine/footprint.hpp"

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pagerace::engine {

// A set of steps of an execution, by index: bit i is step i.
using StepSet = std::vector<uint64_t>;

inline bool contains(const StepSet &s, size_t i) {
  return i / 64 < s.size() && ((s[i / 64] >> (i % 64)) & 1);
}
inline void insert(StepSet &s, size_t i) {
  if (s.size() <= i / 64) s.resize(i / 64 + 1, 0);
  s[i / 64] |= uint64_t{1} << (i % 64);
}
inline void unite(StepSet &into, const StepSet &from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (size_t w = 0; w < from.size(); ++w)
    into[w] |= from[w];
}

template <class E>
concept Execution = requires(const E &e, size_t i) {
  { e.process(i) } -> std::equality_comparable;
  { e.footprint(i) } -> std::convertible_to<const Footprint &>;
  { e.past(i) } -> std::convertible_to<const StepSet &>;
};

// The steps among 0..upto-1 that happen before a step of process `p` with
// footprint `fp` taken right after them: p's own earlier steps, the steps
// it depends on, and everything before those. `races` gets the dependent
// steps of other processes that are not already before a later dependent
// one (the races to reverse), latest first. Written into `past`, whose
// memory is kept (the searches compute one per step); the second form
// returns a new set.
template <Execution E, class P>
void past_of(const E &ex, const P &p, const Footprint &fp, size_t upto, std::vector<size_t> &races,
             StepSet &past) {
  // Word by word from the top, taking only the steps not in the past yet:
  // those that are are known already, with their own pasts. The set has its
  // full size from the start, so that no unite() grows it.
  past.assign((upto + 63) / 64, 0);
  for (size_t w = past.size(); w-- > 0;) {
    const size_t bits = std::min<size_t>(64, upto - w * 64);
    uint64_t todo = (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1) & ~past[w];
    while (todo) {
      const int b = 63 - __builtin_clzll(todo);
      todo &= ~(uint64_t{1} << b);
      const size_t i = w * 64 + static_cast<size_t>(b);
      const bool same = ex.process(i) == p;
      if (!same && !dependent(ex.footprint(i), fp)) continue;
      if (!same) races.push_back(i);
      unite(past, ex.past(i));
      insert(past, i);
      todo &= ~past[w];
    }
  }
}
template <Execution E, class P>
StepSet past_of(const E &ex, const P &p, const Footprint &fp, size_t upto,
                std::vector<size_t> &races) {
  StepSet past;
  past_of(ex, p, fp, upto, races, past);
  return past;
}

// The race between step i and a step of process `p` taken after steps
// 0..upto-1 with past `p_past`: the initials of notdep(i, E).p, the steps
// after i that do not happen after it, then p's step. An initial is one
// that no earlier member of that sequence happens before; `out` gets their
// processes in sequence order (p's last, if it is one). Exploring any one
// of them first from the state before step i reverses the race.
template <Execution E, class P>
void initials(const E &ex, size_t i, size_t upto, const P &p, const StepSet &p_past,
              std::vector<P> &out) {
  std::vector<size_t> v; // steps after i that do not happen after it
  for (size_t j = i + 1; j < upto; ++j)
    if (!contains(ex.past(j), i)) v.push_back(j);
  out.clear();
  for (size_t a = 0; a <= v.size(); ++a) {
    const StepSet &past = a < v.size() ? ex.past(v[a]) : p_past;
    bool initial = true;
    for (size_t b = 0; b < a && initial; ++b)
      if (contains(past, v[b])) initial = false;
    if (initial) out.push_back(a < v.size() ? ex.process(v[a]) : p);
  }
}

} // namespace pagerace::engine
