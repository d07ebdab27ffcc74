// The HTML timeline: one self-contained file (no network, no external
// script or font) with, per counterexample, one lane per CPU and the device,
// time flowing down as in the mail, tracks of the pages and PTEs involved,
// and the full model state of the selected step. It renders the same
// trace::Result as the text and JSON renderers; traces carry their states
// when check() ran with trace_states.
#pragma once

#include "trace/matrix.hpp"
#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace pagerace::report {

std::string render_result_html(const std::vector<trace::Result> &results);

// The scenario x variant matrix, each cell coloured by verdict and linking
// to that cell's traces further down the same file.
std::string render_matrix_html(const trace::Matrix &m);

} // namespace pagerace::report
