// `pagerace reproduce` as text (a table of invariants: real kernel, model,
// verdict) and as JSON (docs/JSON.md).
#pragma once

#include "reality/report.hpp"

#include <string>

namespace pagerace::report {

std::string render_reproduce_text(const reality::ReproduceReport &r);
std::string render_reproduce_json(const reality::ReproduceReport &r);
// A Markdown table (header and one row) for docs/REALITY.md: runs printed one
// after another make one table once repeated header lines are dropped.
std::string render_reproduce_markdown(const reality::ReproduceReport &r);

} // namespace pagerace::report
