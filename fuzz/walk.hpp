// Random executions of a model with its consistency checks on: what the
// front-end and model fuzzers run on every scenario they get.
#pragma once

#include "model/system.hpp"

#include <cstdint>

namespace pagerace::fuzz {

// `walks` executions of at most `max_steps` steps each, scheduled at random
// from `seed`. After every step System::check_consistency() must pass; each
// execution is then replayed from its schedule and must end in the same
// state, byte for byte (the model is deterministic). Throws Failure, with the
// schedule, when either does not hold; a ScenarioRuntimeError (a scenario
// the model cannot run) passes through.
void walk(const model::System &sys, uint64_t seed, int walks, int max_steps);

} // namespace pagerace::fuzz
