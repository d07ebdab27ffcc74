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
// `base` gives the limits, and with `base.sampling.runs` > 0 each scenario
// is sampled instead (one row per thread count, `searches` unused): runs
// that share nothing, the control for what threads can gain on a machine.
//
// `repeat` > 1 runs each cell that many times and keeps the run of median
// time (the lower middle one of an even count). The thread counts of a BFS
// take turns within each repetition, in alternating order, so that a slow
// period of the machine falls on both sides of a speedup rather than on one
// (the speedup is the median of the ratios of the repetitions in which
// both runs finished).
std::vector<trace::BenchCell> run_bench(const std::vector<std::string> &scenarios,
                                        const std::vector<engine::Search> &searches,
                                        const std::vector<int> &jobs, const std::string &kernel,
                                        const CheckOptions &base, int repeat = 1);

// The index of the median of `values` (the lower one of an even count).
size_t median_index(const std::vector<double> &values);

} // namespace pagerace::app
