// `pagerace matrix`: check() for every (scenario, kernel variant) cell and
// each cell compared with the scenario's expectation for that variant. The
// check logic is check()'s; this file only adds what a matrix needs: cells a
// variant cannot run (n/a), errors kept to their cell, parallel cells and the
// exit code of the whole. Nothing here formats output (report/matrix.hpp).
#pragma once

#include "app/check.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "trace/matrix.hpp"

#include <functional>
#include <string>
#include <vector>

namespace pagerace::app {

// How one cell is checked: app::check, unless a test substitutes another.
using CellRunner = std::function<trace::Result(const scenario::Scenario &, const model::Variant &,
                                               const CheckOptions &)>;

struct MatrixOptions {
  CheckOptions check;  // the limits of every cell (--max-steps, --max-states)
  unsigned jobs = 0;   // cells checked at once; 0: one per hardware thread
  CellRunner run = {}; // empty: app::check
};

// One cell:
//  * n/a when the scenario makes a call the variant's kernel does not have
//    (model::check_availability); judged Mismatch when the scenario states an
//    expectation for the variant, else NotJudged;
//  * InputError for a model::ScenarioRuntimeError or std::invalid_argument of
//    the run (message "file:line:col: ...");
//  * InternalError for any other exception (a model error, e.g. a kernel path
//    that is not modelled yet): the cell says so and the matrix goes on;
//  * otherwise the result, judged Met or Mismatch when the scenario has an
//    expectation for the variant and the run was exhaustive, else NotJudged.
trace::MatrixCell run_cell(const scenario::Scenario &sc, const model::Variant &variant,
                           const MatrixOptions &opts);

// Every scenario against every variant. Rows in the order of `scenarios`,
// columns in the order of `variants`; the cells are run on up to opts.jobs
// threads, and the result does not depend on how many.
trace::Matrix run_matrix(const std::vector<scenario::Scenario> &scenarios,
                         const std::vector<const model::Variant *> &variants,
                         const MatrixOptions &opts);

// The variants of a --kernels list ("v4.15,pin-wait"), in the order given.
// Throws std::invalid_argument, naming the known variants, for an unknown or
// empty name and for a name given twice.
std::vector<const model::Variant *> parse_variant_list(const std::string &list);

// The exit code of `pagerace matrix`: kExitInternal if a cell hit an internal
// error, else kExitInput if a cell hit an input error, else kExitViolation if
// a cell differs from its expectation, else kExitBounded if a cell's run was
// bounded, else kExitClean.
int matrix_exit_code(const trace::Matrix &m);

} // namespace pagerace::app
