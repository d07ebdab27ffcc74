// The matrix as a GitHub-flavoured Markdown table (render_matrix_markdown),
// for docs such as docs/FIXES.md.
#include "report/matrix.hpp"

#include "report/common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace pagerace::report {

namespace {

// Plain text that Markdown must show as is: punctuation that could start
// emphasis, code, links, HTML or a table cell is backslash-escaped, and line
// breaks become spaces.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|#~!").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A code span that holds `s` whatever backticks it contains. Inside a table
// a '|' must still be escaped (GitHub splits cells before it parses spans).
std::string code(std::string_view s, bool in_table = false) {
  size_t run = 0, longest = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !s.empty() && (s.front() == '`' || s.back() == '`');
  std::string body;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      body += ' ';
    } else if (c == '|' && in_table) {
      body += "\\|";
    } else {
      body += c;
    }
  }
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string cell_label(const trace::MatrixCell &c) {
  std::string label;
  switch (c.status) {
  case trace::CellStatus::NotApplicable: label = "n/a"; break;
  case trace::CellStatus::InputError: label = "input error"; break;
  case trace::CellStatus::InternalError: label = "error"; break;
  case trace::CellStatus::Ran: {
    const std::vector<std::string> kinds = matrix_cell_kinds(c);
    for (const auto &k : kinds)
      label += (label.empty() ? "" : " + ") + code(k, true);
    if (kinds.empty() && c.result.bounded) {
      label = "bounded";
    } else if (c.result.bounded) {
      label += " (bounded)";
    } else if (kinds.empty()) {
      label = fmt::format("clean ({})", executions_count(c.result.stats));
    }
    break;
  }
  }
  return (c.judgement == trace::Judgement::Mismatch ? "**!** " : "") + label;
}

std::string row(const std::vector<std::string> &cells) {
  std::string out = "|";
  for (const auto &c : cells)
    out += " " + c + " |";
  return out + '\n';
}

std::string where(const trace::MatrixCell &c) {
  return fmt::format("{} on {}", code(c.scenario), code(c.variant));
}

} // namespace

std::string render_matrix_markdown(const trace::Matrix &m) {
  const MatrixSummary s = summarize(m);
  std::vector<std::string> header{"scenario"};
  for (const auto &v : m.variants)
    header.push_back(code(v, true));
  std::string out = row(header);
  out += row(std::vector<std::string>(header.size(), "---"));
  for (size_t r = 0; r < m.scenarios.size(); ++r) {
    std::vector<std::string> cells{code(m.scenarios[r], true)};
    for (size_t c = 0; c < m.variants.size(); ++c)
      cells.push_back(cell_label(m.at(r, c)));
    out += row(cells);
  }

  if (s.mismatched) {
    out += fmt::format("\n**!** differs from the scenario's expectation for the variant.\n\n"
                       "Mismatches ({}):\n\n",
                       s.mismatched);
    for (const auto &c : m.cells) {
      if (c.judgement != trace::Judgement::Mismatch) continue;
      std::string reasons;
      for (const auto &r : mismatch_reasons(c))
        reasons += (reasons.empty() ? "" : "; ") + escape(r);
      out += fmt::format("- {}: {}\n", where(c), reasons);
      for (const auto *found : {&c.result.violations, &c.result.liveness})
        for (const auto &v : *found)
          out += fmt::format("  - {}: {}\n", code(v.kind), code(replay_command(c.result, v)));
    }
  }
  auto listing = [&](std::string_view title, size_t count, trace::CellStatus status) {
    if (count == 0) return;
    out += fmt::format("\n{} ({}):\n\n", title, count);
    for (const auto &c : m.cells)
      if (c.status == status) out += fmt::format("- {}: {}\n", where(c), escape(c.message));
  };
  listing("Not applicable", s.not_applicable, trace::CellStatus::NotApplicable);
  listing("Input errors", s.input_errors, trace::CellStatus::InputError);
  listing("Internal errors", s.internal_errors, trace::CellStatus::InternalError);
  if (s.bounded) {
    out += fmt::format("\nBounded ({}):\n\n", s.bounded);
    for (const auto &c : m.cells)
      if (c.status == trace::CellStatus::Ran && c.result.bounded)
        out += fmt::format("- {}: {}\n", where(c), escape(c.result.bound_reason));
  }
  out += '\n' + escape(matrix_summary_line(s)) + '\n';
  return out;
}

} // namespace pagerace::report
