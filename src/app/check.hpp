// Glue between the layers: run the engine over the model for a scenario and
// a kernel variant, replay schedules into traces, and fill trace::Result for
// the renderers. Nothing here formats output.
#pragma once

#include "engine/explorer.hpp"
#include "engine/schedule.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace pagerace::app {

struct CheckOptions {
  engine::Limits limits;
};

// The variant a run uses: --kernel, else the scenario's `kernel`, else the
// default. Throws std::invalid_argument naming the known variants.
const model::Variant &select_variant(const scenario::Scenario &sc, const std::string &kernel);

trace::Result check(const scenario::Scenario &sc, const model::Variant &variant,
                    const CheckOptions &opts);

struct Replay {
  trace::Trace trace;
  std::vector<trace::Violation> violations; // in the order they happened
  bool crashed = false;
  std::string error; // non-empty: the schedule does not fit the scenario
};

Replay replay(const scenario::Scenario &sc, const model::Variant &variant,
              const engine::Schedule &schedule);

std::string replay_prefix(const scenario::Scenario &sc, const model::Variant &variant);

} // namespace pagerace::app
