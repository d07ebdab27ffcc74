// What every search shares: its bounds, and what it reports.
#pragma once

#include "engine/schedule.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pagerace::engine {

// How the state space is searched (see explorer.hpp and dfs.hpp).
enum class Search {
  Bfs,      // every state stored; exact canonical traces
  Dfs,      // every interleaving, stateless: the baseline
  Dpor,     // source-DPOR with sleep sets, stateless
  DporCache // source-DPOR with sleep sets and state caching
};
const char *search_name(Search s);
std::optional<Search> parse_search(const std::string &name);

// Where a search is, for a progress line.
struct Progress {
  uint64_t executions = 0, states = 0, steps = 0;
  size_t depth = 0; // of the current path (DFS) or BFS layer
  double seconds = 0;
  double done = -1; // fraction of the nearest bound reached, -1 when unknown
};
// Called about twice a second once a search has run for a second, and a
// last time with `last` set when it ends (only if it was called before).
using ProgressFn = std::function<void(const Progress &, bool last)>;

struct Limits {
  uint64_t max_states = 0;   // 0: unbounded
  uint64_t max_steps = 0;    // 0: unbounded
  double budget_seconds = 0; // 0: unbounded
  uint64_t max_memory = 0;   // bytes; 0: unbounded
  ProgressFn progress;       // empty: silent
  // Set from outside (the CLI's SIGINT handler) to stop the search where it
  // is: a bounded verdict, bound_reason kInterrupted, and what was found
  // kept. Polled as often as the time budget.
  const std::atomic<bool> *interrupt = nullptr;
  bool interrupted() const { return interrupt && interrupt->load(std::memory_order_relaxed); }

  // The fraction of the nearest bound `p` has reached, -1 when unbounded.
  double fraction(const Progress &p) const;
};

inline constexpr const char *kInterrupted = "interrupted";

struct KindFound {
  int kind = 0;
  Schedule schedule;
  // The schedule is the kind's canonical trace: the preferred() one among
  // every trace of the kind in the whole state space. Else it is the best
  // the search met, perhaps shrunk (shrink.hpp), and longer than need be.
  bool canonical = false;
  // Not canonical, but as short as the canonical trace: a path of the BFS
  // tree, where --max-memory left no room to minimise its context switches.
  bool shortest = false;
};

struct Exploration {
  uint64_t states = 0;         // distinct states (BFS, DporCache) or states entered (Dfs, Dpor)
  uint64_t states_visited = 0; // states entered by the depth-first searches
  uint64_t steps = 0;
  uint64_t executions = 0; // runs that reached a terminal state (BFS: root-to-terminal paths)
  bool executions_lower_bound = false;
  uint64_t cache_hits = 0;    // runs cut at a state explored before
  uint64_t sleep_blocked = 0; // runs cut because every enabled step was asleep
  uint64_t cycles_cut = 0;    // stateless searches: steps back to a state on the stack
  double seconds = 0;
  size_t memory_bytes = 0;
  bool bounded = false;
  std::string bound_reason;
  std::array<uint64_t, 4> reached{};         // bit per event (the model: per function entered)
  std::vector<KindFound> found;              // sorted by kind
  std::optional<Schedule> stuck_on_variable; // a schedule to a state blocked on a variable
  // A bounded breadth-first search: every state fewer than this many steps
  // from the start was expanded, so the first this-many steps of every
  // interleaving were run and checked for invariant violations, and every
  // state reached in fewer steps for deadlocks and stalls (a stuck state is
  // found when it is expanded). Unset for the other searches.
  std::optional<uint32_t> complete_depth;
  // Hash compaction: states stored as fingerprints from this many on (0:
  // never). The chance that a fingerprint collision hid a state is at most
  // omission_probability().
  uint64_t fingerprints_from = 0;
  double omission_probability() const;
};

// The memory bound when none is given: three quarters of the memory
// available when the search starts (/proc/meminfo), 0 when unknown.
uint64_t default_memory_limit();

// "30s", "1.5m", "2h", "500ms", or several parts, largest unit first
// ("1h30m"); nullopt on anything else, 0 included.
std::optional<double> parse_duration(const std::string &text);
std::string format_duration(double seconds);
// "512M", "2G", "100k" (powers of 1024), or plain bytes; nullopt on anything else.
std::optional<uint64_t> parse_bytes(const std::string &text);
std::string format_bytes(uint64_t bytes);

} // namespace pagerace::engine
