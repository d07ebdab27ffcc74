// One measured run of `pagerace bench`: a scenario under one search.
#pragma once

#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace pagerace::trace {

struct BenchCell {
  std::string scenario;
  std::string variant;
  std::string search;
  // Verdict, bound and statistics (search, memory) of the run; of the run
  // with the median time when the cell was run several times.
  Result result;
  int runs = 1;
  double min_seconds = 0, max_seconds = 0; // over the runs
  // For a BFS row on several threads when the same repetitions ran it on
  // one: the median, over the repetitions, of the one-thread time divided by
  // this row's. 0: none.
  double speedup = 0;
};

} // namespace pagerace::trace
