// The `pagerace bench` table, as Markdown (docs/PERFORMANCE.md pastes it).
#pragma once

#include "trace/bench.hpp"

#include <string>
#include <vector>

namespace pagerace::report {

std::string render_bench_markdown(const std::vector<trace::BenchCell> &cells);

} // namespace pagerace::report
