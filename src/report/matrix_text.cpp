// The matrix as a text table for the terminal (render_matrix_text).
#include "report/matrix.hpp"

#include "report/common.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pagerace::report {

namespace {

constexpr size_t kGap = 2; // spaces between columns

// Display width: UTF-8 code points.
size_t width_of(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

// Control characters (a newline in a model message) would break the layout.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (static_cast<unsigned char>(c) < 0x20U || c == 0x7F) c = ' ';
  return out;
}

std::string cell_label(const trace::MatrixCell &c) {
  std::string label;
  switch (c.status) {
  case trace::CellStatus::NotApplicable: label = "n/a"; break;
  case trace::CellStatus::InputError: label = "input error"; break;
  case trace::CellStatus::InternalError: label = "error"; break;
  case trace::CellStatus::Ran: {
    const std::vector<std::string> kinds = matrix_cell_kinds(c);
    if (!kinds.empty()) {
      label = fmt::format("{}", fmt::join(kinds, "+"));
      if (c.result.bounded) label += " (bounded)";
    } else if (c.result.bounded) {
      label = "bounded";
    } else {
      label = fmt::format("clean ({})", executions_count(c.result.stats));
    }
    break;
  }
  }
  return (c.judgement == trace::Judgement::Mismatch ? "!" : "") + one_line(label);
}

void pad_to(std::string &line, size_t width) {
  const size_t w = width_of(line);
  if (w < width) line.append(width - w, ' ');
}

void rstrip(std::string &line) {
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
}

std::string table(const trace::Matrix &m) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"scenario"});
  for (const auto &v : m.variants)
    rows[0].push_back(one_line(v));
  for (size_t r = 0; r < m.scenarios.size(); ++r) {
    std::vector<std::string> row{one_line(m.scenarios[r])};
    for (size_t c = 0; c < m.variants.size(); ++c)
      row.push_back(cell_label(m.at(r, c)));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto &row : rows)
    for (size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], width_of(row[c]));

  std::string out;
  auto emit = [&](const std::vector<std::string> &cells) {
    std::string line;
    size_t at = 0;
    for (size_t c = 0; c < cells.size(); ++c) {
      pad_to(line, at);
      line += cells[c];
      at += widths[c] + kGap;
    }
    rstrip(line);
    out += line + '\n';
  };
  emit(rows[0]);
  std::vector<std::string> rule;
  for (size_t w : widths)
    rule.emplace_back(w, '-');
  emit(rule);
  for (size_t r = 1; r < rows.size(); ++r)
    emit(rows[r]);
  return out;
}

std::string where(const trace::MatrixCell &c) {
  return one_line(fmt::format("{} on {}", c.scenario, c.variant));
}

std::vector<const trace::Violation *> found_in(const trace::MatrixCell &c) {
  std::vector<const trace::Violation *> found;
  for (const auto &v : c.result.violations)
    found.push_back(&v);
  for (const auto &v : c.result.liveness)
    found.push_back(&v);
  return found;
}

std::string mismatches(const trace::Matrix &m, size_t count) {
  std::string out = fmt::format("\nMismatches ({}):\n", count);
  for (const auto &c : m.cells) {
    if (c.judgement != trace::Judgement::Mismatch) continue;
    out += fmt::format("! {}: {}\n", where(c),
                       one_line(fmt::format("{}", fmt::join(mismatch_reasons(c), "; "))));
    for (const trace::Violation *v : found_in(c)) {
      out += fmt::format("    {}: schedule {}\n", v->kind, v->trace.schedule);
      out += fmt::format("      replay: {}\n", replay_command(c.result, *v));
    }
  }
  return out;
}

// Every kind found in a cell that met or was not judged, with the schedule
// that replays it (mismatched cells list theirs above).
std::string schedules(const trace::Matrix &m) {
  std::string out;
  for (const auto &c : m.cells) {
    if (c.status != trace::CellStatus::Ran || c.judgement == trace::Judgement::Mismatch) continue;
    for (const trace::Violation *v : found_in(c))
      out += fmt::format("  {}: {} {}\n", where(c), v->kind, v->trace.schedule);
  }
  if (out.empty()) return out;
  return "\nSchedules (pagerace replay SCENARIO --kernel VARIANT --schedule S):\n" + out;
}

std::string listing(const trace::Matrix &m, std::string_view title, size_t count,
                    trace::CellStatus status) {
  std::string out = fmt::format("\n{} ({}):\n", title, count);
  for (const auto &c : m.cells)
    if (c.status == status) out += fmt::format("  {}: {}\n", where(c), one_line(c.message));
  return out;
}

std::string bounded_listing(const trace::Matrix &m, size_t count) {
  std::string out = fmt::format("\nBounded ({}):\n", count);
  for (const auto &c : m.cells)
    if (c.status == trace::CellStatus::Ran && c.result.bounded)
      out += fmt::format("  {}: {}\n", where(c), one_line(c.result.bound_reason));
  return out;
}

} // namespace

std::string render_matrix_text(const trace::Matrix &m) {
  const MatrixSummary s = summarize(m);
  std::string out = table(m);
  if (s.mismatched) out += mismatches(m, s.mismatched);
  out += schedules(m);
  if (s.not_applicable)
    out += listing(m, "Not applicable", s.not_applicable, trace::CellStatus::NotApplicable);
  if (s.input_errors)
    out += listing(m, "Input errors", s.input_errors, trace::CellStatus::InputError);
  if (s.internal_errors)
    out += listing(m, "Internal errors", s.internal_errors, trace::CellStatus::InternalError);
  if (s.bounded) out += bounded_listing(m, s.bounded);
  out += '\n' + matrix_summary_line(s) + '\n';
  return out;
}

} // namespace pagerace::report
