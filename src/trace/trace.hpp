// The one trace model behind every renderer (text, JSON, HTML). The model
// fills it while a schedule is replayed; renderers only read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pagerace::trace {

enum class EventKind : uint8_t {
  Syscall,   // a scenario call starts on a CPU (depth 0)
  Call,      // a modelled kernel function is entered
  Note,      // a state change worth showing ("- attaches buffers to page")
  Return,    // a scenario call returns (depth 0), text holds "= value"
  Violation, // an invariant broke here
};

struct Event {
  int step = 0;  // index of the scheduling step that produced it
  int actor = 0; // column: index into Trace::actors
  int depth = 0; // call nesting for indentation
  EventKind kind = EventKind::Call;
  std::string text;
};

// The model state at one point of a trace, as the model chooses to show it:
// named objects ("page 0 of file1", "PTE 0") with named fields ("PG_dirty",
// "refcount"). Renderers show it without knowing what a page is.
struct Field {
  std::string name;
  std::string value;
};
struct Object {
  std::string kind; // "page", "pte", "disk", "bio", "task": what tracks group by
  std::string name; // as shown now ("page 0 of file1"); it can change
  std::vector<Field> fields;
  std::string key; // the same object across states ("page#3"); empty: the name
};
struct Snapshot {
  std::vector<Object> objects;
};

struct Trace {
  std::vector<std::string> actors; // column names: CPUs as in the scenario, then "device"
  std::vector<Event> events;
  // Filled only when asked for (the HTML timeline): states[0] is the initial
  // state, states[i + 1] the state after step i.
  std::vector<Snapshot> states;
  std::string schedule; // compact schedule string for `pagerace replay`
  int steps = 0;
  int context_switches = 0;
};

struct Violation {
  std::string kind;   // "dirty-without-buffers", ...
  std::string site;   // kernel site, e.g. "fs/buffer.c:__set_page_dirty_buffers"
  std::string reason; // one line
  Trace trace;
  // The trace is the kind's canonical one (fewest steps, then fewest context
  // switches, then the smallest schedule, over the whole state space); else
  // it is shrunk but not proven so (engine/shrink.hpp), or, in a replay,
  // the user's own schedule.
  bool canonical = false;
  // Not canonical, but proven as short as the canonical trace: only its
  // context switches were not minimised (a BFS-tree path, when --max-memory
  // left no room to minimise).
  bool shortest = false;
};

struct Stats {
  uint64_t executions = 0; // complete executions represented by the explored graph
  uint64_t states = 0;     // distinct states
  uint64_t steps = 0;      // transitions executed
  double seconds = 0;
  std::string search;              // bfs, dpor-cache, dpor, dfs
  uint64_t memory_bytes = 0;       // held by the search at its end
  uint64_t fingerprints_from = 0;  // hash compaction from this many states on (0: never)
  double omission_probability = 0; // bound on a fingerprint collision hiding a state
  // A bounded bfs: the first this-many steps of every interleaving were run
  // and checked for invariant violations; stuck states one step less.
  std::optional<uint32_t> complete_depth;
  // `executions` is a lower bound (bfs, dfs, dpor): the count reached 2^64 - 1 and
  // stopped there, or a cycle in the state graph left runs uncounted.
  bool executions_lower_bound = false;
};

enum class Verdict : uint8_t { Clean, Violation, Bounded };

// How a result compares with the scenario's expectations for its variant.
// Each part is judged only when the scenario has an entry for the variant in
// the table it comes from; a part that is not judged matches.
struct Expectation {
  bool checked = false;       // [expect], [expect.liveness] or [expect.reaches] names the variant
  bool kinds_checked = false; // [expect] names the variant
  bool kinds_match = true;    // the safety kinds found are exactly expected_kinds
  std::vector<std::string> expected_kinds;
  bool liveness_checked = false; // [expect.liveness] names the variant
  bool liveness_match = true;    // the liveness kinds found are exactly expected_liveness
  std::vector<std::string> expected_liveness;
  std::vector<std::string> unreached; // [expect.reaches] events never reached

  bool met() const { return kinds_match && liveness_match && unreached.empty(); }
};

struct Result {
  std::string scenario;
  std::string scenario_source;
  std::string variant;
  // Violation when anything was found (safety or liveness), even on a
  // bounded run; otherwise Bounded or Clean.
  Verdict verdict = Verdict::Clean;
  bool bounded = false;     // the search stopped at a limit before it finished
  std::string bound_reason; // for bounded runs
  Stats stats;
  std::vector<Violation> violations; // safety violations, one per kind, in kind order
  std::vector<Violation> liveness;   // liveness findings (deadlock, ...), one per kind
  std::vector<std::string> reached;  // events reached (function names)
  Expectation expectation;
  std::string replay_command_prefix; // e.g. "pagerace replay seed-race1 --kernel v4.15"
};

} // namespace pagerace::trace
