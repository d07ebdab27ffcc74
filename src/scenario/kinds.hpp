// The violation kinds a scenario may name in [expect] (safety kinds) and in
// [expect.liveness] (liveness kinds). The model's invariant registry
// (model/invariants/) defines them; the scenario layer does not depend on the
// model, so it keeps this copy, and tests/kinds_test.cpp checks that the two
// agree kind for kind and category for category.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pagerace::scenario {

// In registry order.
const std::vector<std::string> &safety_kinds();
const std::vector<std::string> &liveness_kinds();

bool is_safety_kind(std::string_view kind);
bool is_liveness_kind(std::string_view kind);

} // namespace pagerace::scenario
