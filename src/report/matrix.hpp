// Renderers of the scenario x variant matrix (trace/matrix.hpp): a text table
// for the terminal, a GitHub Markdown table for docs, and JSON, schema
// "pagerace-matrix/1" (docs/JSON.md). All three depend only on the matrix:
// no timing, so the same matrix always gives the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/matrix.hpp"

namespace pagerace::report {

inline constexpr const char *kMatrixSchema = "pagerace-matrix/1";

// How many cells of each sort. The judgements partition the cells (met +
// mismatched + not_judged == cells); the other counts cut across them.
struct MatrixSummary {
  size_t cells = 0;
  size_t met = 0, mismatched = 0, not_judged = 0;
  size_t not_applicable = 0, input_errors = 0, internal_errors = 0;
  size_t bounded = 0; // cells whose run stopped at a limit
};
MatrixSummary summarize(const trace::Matrix &m);

// "N cells: A met, B mismatched, C not judged; D n/a, E input errors, F
// internal errors, G bounded" (singular nouns for 1), without a newline.
std::string matrix_summary_line(const MatrixSummary &s);

// "clean" | "violation" | "bounded" | "n/a" | "input-error" | "error": the
// JSON `verdict` of a cell. A run stopped at a limit is "bounded" even when
// it found something (its kinds are still listed).
std::string_view matrix_cell_verdict(const trace::MatrixCell &cell);

// The kinds a cell found: safety kinds, then liveness kinds.
std::vector<std::string> matrix_cell_kinds(const trace::MatrixCell &cell);

// Why a mismatched cell differs from its expectation, one plain-text line per
// part: "expected clean, found write-to-clean-page", "expected liveness
// writeback-stall, found clean", "not reached: pageout", or for an n/a cell
// "the variant cannot run the scenario". Empty for other cells.
std::vector<std::string> mismatch_reasons(const trace::MatrixCell &cell);

// The text table, ending in '\n':
//
//   scenario      v4.15                 pin-wait
//   ------------  --------------------  ------------
//   seed-race2    write-to-clean-page   !clean (453)
//   uses-madvise  n/a                   clean (12)
//
// One row per scenario, one column per variant. A cell shows "clean (N)" (N
// executions), the kinds found joined by "+" (safety, then liveness), with
// " (bounded)" when the search stopped at a limit ("bounded" alone when it
// found nothing), "n/a", "input error" or "error"; a "!" in front marks a
// cell that differs from its expectation. Below the table, each after a
// blank line and only when not empty:
//
//   Mismatches (N):
//   ! SCENARIO on VARIANT: <mismatch reason>; <mismatch reason>
//       KIND: schedule S
//         replay: pagerace replay ... --schedule 'S'
//   Not applicable (N):
//     SCENARIO on VARIANT: <message>
//   Input errors (N): / Internal errors (N): / Bounded (N):
//     SCENARIO on VARIANT: <message or bound reason>
//
// and last a summary line:
//
//   N cells: A met, B mismatched, C not judged; D n/a, E input errors,
//   F internal errors, G bounded
std::string render_matrix_text(const trace::Matrix &m);

// A GitHub-flavoured Markdown table with the same rows, columns and cells
// (kinds as `code`, mismatches marked "**!**"), then the same lists as the
// text below it as bullet lists, and the summary line. Text from the model is
// escaped so that it cannot break the table.
std::string render_matrix_markdown(const trace::Matrix &m);

// {"schema": "pagerace-matrix/1", "scenarios": [...], "variants": [...],
//  "cells": [...], "summary": {...}} (docs/JSON.md).
nlohmann::json matrix_to_json(const trace::Matrix &m);

// matrix_to_json pretty-printed with two spaces, keys sorted, ending in '\n';
// invalid UTF-8 is replaced by U+FFFD.
std::string render_matrix_json(const trace::Matrix &m);

} // namespace pagerace::report
