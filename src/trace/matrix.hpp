// The scenario x kernel-variant matrix as the renderers see it: one cell per
// (scenario, variant), each holding check()'s result or the reason there is
// none, and how it compares with the scenario's expectation. The app fills
// it (app/matrix); renderers (report/matrix.hpp) only read it.
#pragma once

#include "trace/trace.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pagerace::trace {

enum class CellStatus : uint8_t {
  Ran,           // check() ran: see MatrixCell::result
  NotApplicable, // the scenario makes a call the variant's kernel does not have
  InputError,    // a scenario mistake only a run shows (message starts with file:line:col)
  InternalError, // the model failed, e.g. a kernel path that is not modelled yet
};

enum class Judgement : uint8_t {
  Met,       // the cell matches the scenario's expectation for the variant
  Mismatch,  // it does not (for an n/a cell: the scenario expects something of the variant)
  NotJudged, // no expectation for the variant, a bounded run, or an error
};

struct MatrixCell {
  std::string scenario; // the scenario's name: the row
  std::string source;   // the scenario as given on the command line (path or built-in name)
  std::string variant;  // the column
  CellStatus status = CellStatus::Ran;
  std::string message; // NotApplicable, InputError, InternalError: why, in one line
  Judgement judgement = Judgement::NotJudged;
  // Ran: check()'s result. Otherwise only scenario, variant and the
  // expectations the scenario states (result.expectation) are filled.
  Result result;
};

struct Matrix {
  std::vector<std::string> scenarios; // row labels, in order
  std::vector<std::string> variants;  // column labels, in order
  std::vector<MatrixCell> cells;      // row-major: row * variants.size() + column

  const MatrixCell &at(size_t row, size_t column) const {
    return cells[row * variants.size() + column];
  }
};

} // namespace pagerace::trace
