// `pagerace bench`: the same scenarios under several searches, measured.
// The numbers in docs/PERFORMANCE.md come from here.
#pragma once

#include "app/check.hpp"
#include "trace/bench.hpp"

#include <string>
#include <vector>

namespace pagerace::app {

// The default set: the seed races, the benign library, and the scale family
// up to 4 pages x 4 readers.
std::vector<std::string> default_bench_scenarios();

// Runs every scenario under every search, one after the other (timings are
// not disturbed by other cells), the BFS once per thread count of `jobs`
// (the other searches run on one thread). `kernel` empty: each scenario's own.
std::vector<trace::BenchCell> run_bench(const std::vector<std::string> &scenarios,
                                        const std::vector<engine::Search> &searches,
                                        const std::vector<int> &jobs, const std::string &kernel,
                                        const engine::Limits &limits);

} // namespace pagerace::app
