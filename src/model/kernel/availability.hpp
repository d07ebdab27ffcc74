// Which kernel release first has each scenario call: a variant modelling an
// older kernel refuses a scenario that uses a newer call, naming the first
// release that has it and the variants that model one.
#pragma once

#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"

namespace pagerace::model {

// The release (major * 100 + minor) that introduced `op` as the model
// interprets it, and its name for messages.
struct CallOrigin {
  int since;
  std::string what;
};
CallOrigin call_origin(const scenario::Op &op);

// Throws ScenarioRuntimeError at the first call of `sc` that `v` lacks.
void check_availability(const scenario::Scenario &sc, const Variant &v);

} // namespace pagerace::model
