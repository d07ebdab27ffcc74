// Test helper: one breadth-first search of a system, the model or a toy, on
// `threads` threads within `limits`.
#pragma once

#include "engine/explorer.hpp"
#include "engine/limits.hpp"

namespace pagerace::test_util {

template <class System>
engine::Exploration run_bfs(const System &sys, int threads = 1, engine::Limits limits = {}) {
  engine::Explorer<System> e(sys, limits);
  e.threads(threads);
  return e.run();
}

} // namespace pagerace::test_util
