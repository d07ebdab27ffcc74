// What the three matrix renderers share: counts, verdict names, the kinds of
// a cell and the reasons a cell differs from its expectation.
#include "report/matrix.hpp"

#include "report/common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pagerace::report {

namespace {

// "clean" for an empty set, else the kinds joined by "+".
std::string set_text(const std::vector<std::string> &kinds) {
  return kinds.empty() ? "clean" : fmt::format("{}", fmt::join(kinds, "+"));
}

} // namespace

MatrixSummary summarize(const trace::Matrix &m) {
  MatrixSummary s;
  s.cells = m.cells.size();
  for (const auto &c : m.cells) {
    switch (c.judgement) {
    case trace::Judgement::Met: ++s.met; break;
    case trace::Judgement::Mismatch: ++s.mismatched; break;
    case trace::Judgement::NotJudged: ++s.not_judged; break;
    }
    switch (c.status) {
    case trace::CellStatus::Ran: s.bounded += c.result.bounded ? 1 : 0; break;
    case trace::CellStatus::NotApplicable: ++s.not_applicable; break;
    case trace::CellStatus::InputError: ++s.input_errors; break;
    case trace::CellStatus::InternalError: ++s.internal_errors; break;
    }
  }
  return s;
}

std::string matrix_summary_line(const MatrixSummary &s) {
  auto count = [](size_t n, std::string_view noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
  };
  return fmt::format("{}: {} met, {} mismatched, {} not judged; {} n/a, {}, {}, {} bounded",
                     count(s.cells, "cell"), s.met, s.mismatched, s.not_judged, s.not_applicable,
                     count(s.input_errors, "input error"),
                     count(s.internal_errors, "internal error"), s.bounded);
}

std::string_view matrix_cell_verdict(const trace::MatrixCell &cell) {
  switch (cell.status) {
  case trace::CellStatus::NotApplicable: return "n/a";
  case trace::CellStatus::InputError: return "input-error";
  case trace::CellStatus::InternalError: return "error";
  case trace::CellStatus::Ran: break;
  }
  if (cell.result.bounded) return "bounded";
  if (!cell.result.violations.empty() || !cell.result.liveness.empty()) return "violation";
  return "clean";
}

std::vector<std::string> matrix_cell_kinds(const trace::MatrixCell &cell) {
  std::vector<std::string> kinds = kinds_of(cell.result.violations);
  for (const auto &v : cell.result.liveness)
    kinds.push_back(v.kind);
  return kinds;
}

std::vector<std::string> mismatch_reasons(const trace::MatrixCell &cell) {
  std::vector<std::string> out;
  if (cell.judgement != trace::Judgement::Mismatch) return out;
  const trace::Expectation &e = cell.result.expectation;
  if (cell.status == trace::CellStatus::NotApplicable) {
    std::vector<std::string> expected;
    if (e.kinds_checked) expected.push_back("expected " + set_text(e.expected_kinds));
    if (e.liveness_checked)
      expected.push_back("expected liveness " + set_text(e.expected_liveness));
    if (expected.empty()) expected.push_back("expected its [expect.reaches] events");
    out.push_back(
        fmt::format("{}, but the variant cannot run the scenario", fmt::join(expected, "; ")));
    return out;
  }
  if (!e.kinds_match)
    out.push_back(fmt::format("expected {}, found {}", set_text(e.expected_kinds),
                              set_text(kinds_of(cell.result.violations))));
  if (!e.liveness_match)
    out.push_back(fmt::format("expected liveness {}, found {}", set_text(e.expected_liveness),
                              set_text(kinds_of(cell.result.liveness))));
  if (!e.unreached.empty())
    out.push_back(fmt::format("not reached: {}", fmt::join(e.unreached, ", ")));
  return out;
}

} // namespace pagerace::report
