// One measured run of `pagerace bench`: a scenario under one search.
#pragma once

#include "trace/trace.hpp"

#include <string>

namespace pagerace::trace {

struct BenchCell {
  std::string scenario;
  std::string variant;
  std::string search;
  Result result; // verdict, bound and statistics (search, memory) of the run
};

} // namespace pagerace::trace
