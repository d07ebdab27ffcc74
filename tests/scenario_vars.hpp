// Test helper: a scenario variable's index (what model::State::vars and the
// probe's plan use) from its name; -1, and a test failure, if it has none.
#pragma once

#include "scenario/ast.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace pagerace::test_util {

inline int var_index(const scenario::Scenario &sc, std::string_view name) {
  for (size_t v = 0; v < sc.vars.size(); ++v)
    if (sc.vars[v].name == name) return static_cast<int>(v);
  ADD_FAILURE() << "no variable " << name << " in " << sc.name;
  return -1;
}

} // namespace pagerace::test_util
