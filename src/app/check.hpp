// Glue between the layers: run the engine over the model for a scenario and
// a kernel variant, replay schedules into traces, and fill trace::Result for
// the renderers. Nothing here formats output.
#pragma once

#include "engine/limits.hpp"
#include "engine/random_walk.hpp"
#include "engine/schedule.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "trace/trace.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pagerace::app {

struct CheckOptions {
  engine::Limits limits;
  engine::Search search = engine::Search::Bfs;
  engine::Sampling sampling; // runs > 0: sample executions instead of searching
  int preemptions = -1;      // >= 0: preemption-bounded plain DFS
  // Threads of the breadth-first search and of sampling; the depth-first
  // searches run on one. Verdicts and traces do not depend on it.
  int jobs = 1;
  // Counterexample traces carry the model state at every step (--html).
  bool trace_states = false;
  // If set (bfs only): every value each scenario variable holds in the
  // explored end states, by variable.
  std::map<int, std::set<int64_t>> *end_values = nullptr;
};

// One per hardware thread (at least 1): the default of `-j`.
int default_jobs();

// The variant a run uses: --kernel, else the scenario's `kernel`, else the
// default. Throws std::invalid_argument naming the known variants.
const model::Variant &select_variant(const scenario::Scenario &sc, const std::string &kernel);

// Explores every interleaving of `sc` under `variant` and returns the result,
// safety violations and liveness findings apart, judged against the
// scenario's expectations (judge_expectation). Throws
// model::ScenarioRuntimeError for scenario mistakes found at run time and
// std::logic_error for a model error.
trace::Result check(const scenario::Scenario &sc, const model::Variant &variant,
                    const CheckOptions &opts);

// Whether `kind` is a liveness kind of the model (deadlock, writeback-stall,
// ...); false for safety kinds and unknown names.
bool is_liveness_kind(const std::string &kind);

// The scenario's expectations for `variant`: which tables name it and the
// expected sets. Nothing is compared yet (every part "matches").
trace::Expectation expectation_for(const scenario::Scenario &sc, const std::string &variant);

// Sets res.expectation by comparing res (its violations, liveness findings and
// reached events) with the expectations for res.variant. Safety kinds are
// compared only when [expect] names the variant, liveness kinds only when
// [expect.liveness] does (otherwise they are reported, not judged), events
// only when [expect.reaches] does. A bounded result is not judged at all.
void judge_expectation(const scenario::Scenario &sc, trace::Result &res);

struct Replay {
  trace::Trace trace;
  std::vector<trace::Violation> violations; // in the order they happened
  bool crashed = false;
  std::string error; // non-empty: the schedule does not fit the scenario
};

// With `with_states`, the trace also holds the model state before the first
// step and after each (the HTML timeline's tracks and state panel).
Replay replay(const scenario::Scenario &sc, const model::Variant &variant,
              const engine::Schedule &schedule, bool with_states = false);

std::string replay_prefix(const scenario::Scenario &sc, const model::Variant &variant);

// "file:line:col", or "file" for a position without a line (an I/O error).
std::string format_position(const scenario::SourcePos &pos);

} // namespace pagerace::app
