#include "report/text.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "report/common.hpp"

namespace pagerace::report {

namespace {

// Narrowest text area a cell gets, whatever the cap says.
constexpr size_t kMinCellText = 8;

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// Display width: UTF-8 code points.
size_t width_of(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

// Byte length of the first `n` code points of `s` (all of `s` if shorter).
size_t prefix_bytes(std::string_view s, size_t n) {
  size_t i = 0;
  while (i < s.size() && n > 0) {
    ++i;
    while (i < s.size() && is_continuation(s[i]))
      ++i;
    --n;
  }
  return i;
}

// Control characters other than '\n' become spaces, so they cannot break the layout.
std::string sanitize(std::string_view s) {
  std::string out(s);
  for (char &c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (c != '\n' && (u < 0x20U || u == 0x7FU)) c = ' ';
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
}

// Greedy wrap of `text` into lines at most `avail` code points wide. A break
// at a space drops that one space; a word longer than `avail` is split.
std::vector<std::string> wrap(std::string_view text, size_t avail) {
  avail = std::max<size_t>(avail, 1);
  std::vector<std::string> lines;
  for (std::string_view rem : split_lines(text)) {
    while (width_of(rem) > avail) {
      const size_t cut = prefix_bytes(rem, avail); // < rem.size()
      const size_t space = rem.substr(0, cut + 1).rfind(' ');
      if (space != std::string_view::npos && space > 0) {
        lines.emplace_back(rem.substr(0, space));
        rem.remove_prefix(space + 1);
      } else {
        lines.emplace_back(rem.substr(0, cut));
        rem.remove_prefix(cut);
      }
    }
    lines.emplace_back(rem);
  }
  return lines;
}

void rstrip(std::string &s) {
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
}

void pad_to(std::string &s, size_t width) {
  const size_t w = width_of(s);
  if (w < width) s.append(width - w, ' ');
}

// An event's cell before wrapping: indentation, kind marker, body text.
struct Cell {
  size_t column = 0;
  size_t indent = 0;
  std::string prefix;
  std::string body;
};

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

Cell make_cell(const trace::Event &ev, size_t column) {
  Cell cell;
  cell.column = column;
  cell.indent = 2 * static_cast<size_t>(std::max(ev.depth, 0));
  std::string_view text = ev.text;
  switch (ev.kind) {
  case trace::EventKind::Syscall:
  case trace::EventKind::Call: break;
  case trace::EventKind::Note:
    cell.prefix = "- ";
    if (starts_with(text, "- ")) text.remove_prefix(2);
    break;
  case trace::EventKind::Return:
    cell.prefix = "= ";
    if (starts_with(text, "=")) {
      text.remove_prefix(1);
      while (starts_with(text, " "))
        text.remove_prefix(1);
    }
    break;
  case trace::EventKind::Violation:
    cell.prefix = ">>> ";
    if (starts_with(text, ">>> ")) text.remove_prefix(4);
    break;
  }
  cell.body = sanitize(text);
  return cell;
}

size_t widest_line(std::string_view text) {
  size_t w = 0;
  for (std::string_view line : split_lines(text))
    w = std::max(w, width_of(line));
  return w;
}

std::string plural(uint64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string join(const std::vector<std::string> &items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// "N executions"; "at least N executions" when the count is a lower bound.
std::string executions_phrase(const trace::Stats &stats) {
  return (stats.executions_lower_bound ? "at least " : "") + plural(stats.executions, "execution");
}

// "S states, T steps, X.XXs", and why the execution count is a lower bound
// when it is one.
std::string stats_detail(const trace::Stats &stats, bool include_timing) {
  std::string out = plural(stats.states, "state") + ", " + plural(stats.steps, "step");
  if (include_timing) out += fmt::format(", {:.2f}s", stats.seconds);
  if (stats.executions_lower_bound)
    out += stats.executions == UINT64_MAX
               ? "; the execution count stopped at 2^64-1"
               : "; the state graph has a cycle, and not every run through it is counted";
  return out;
}

std::string stats_line(const trace::Stats &stats, bool include_timing) {
  std::string out = fmt::format("explored {} ({})", executions_phrase(stats),
                                stats_detail(stats, include_timing));
  if (stats.fingerprints_from)
    out += fmt::format("\nhash compaction after {} states (--max-memory): a fingerprint "
                       "collision may have hidden a state with probability at most {:.1e}",
                       stats.fingerprints_from, stats.omission_probability);
  if (stats.complete_depth)
    out += fmt::format("\nevery interleaving checked up to step {} for invariant violations, "
                       "up to step {} for deadlocks and stalls",
                       *stats.complete_depth, std::max(1u, *stats.complete_depth) - 1);
  return out;
}

} // namespace

std::string render_trace_text(const trace::Trace &trace, int column_width) {
  const size_t cap = static_cast<size_t>(column_width > 0 ? column_width : kDefaultColumnCap);

  // Columns: the named actors, then any index an event uses beyond them, and
  // a "?" column for negative indices, so no event is ever dropped.
  std::vector<std::string> names;
  for (const auto &actor : trace.actors)
    names.push_back(sanitize(actor));
  bool negative_actor = false;
  for (const auto &ev : trace.events) {
    if (ev.actor < 0) negative_actor = true;
    while (ev.actor >= 0 && static_cast<size_t>(ev.actor) >= names.size())
      names.push_back(fmt::format("actor{}", names.size()));
  }
  const size_t unknown_column = names.size();
  if (negative_actor) names.emplace_back("?");
  for (auto &name : names)
    std::replace(name.begin(), name.end(), '\n', ' ');

  std::vector<Cell> cells;
  cells.reserve(trace.events.size());
  for (const auto &ev : trace.events)
    cells.push_back(make_cell(ev, ev.actor < 0 ? unknown_column : static_cast<size_t>(ev.actor)));

  // Width per column: widest cell capped, but never narrower than the header
  // name or what the deepest cell needs to show kMinCellText characters.
  std::vector<size_t> natural(names.size(), 0);
  std::vector<size_t> least(names.size(), 0);
  for (size_t c = 0; c < names.size(); ++c)
    natural[c] = least[c] = width_of(names[c]);
  for (const auto &cell : cells) {
    const size_t lead = cell.indent + width_of(cell.prefix);
    const size_t body = widest_line(cell.body);
    natural[cell.column] = std::max(natural[cell.column], lead + body);
    least[cell.column] =
        std::max(least[cell.column], lead + std::max<size_t>(1, std::min(body, kMinCellText)));
  }
  std::vector<size_t> widths(names.size());
  std::vector<size_t> offsets(names.size());
  size_t offset = 0;
  for (size_t c = 0; c < names.size(); ++c) {
    widths[c] = std::max(std::min(natural[c], cap), least[c]);
    offsets[c] = offset;
    offset += widths[c] + kColumnGap;
  }

  std::string out;
  auto emit = [&out](std::string line) {
    rstrip(line);
    out += line;
    out += '\n';
  };

  std::string header;
  std::string rule;
  for (size_t c = 0; c < names.size(); ++c) {
    pad_to(header, offsets[c]);
    header += names[c];
    pad_to(rule, offsets[c]);
    rule.append(widths[c], '-');
  }
  emit(header);
  emit(rule);

  for (const auto &cell : cells) {
    const size_t lead = cell.indent + width_of(cell.prefix);
    const std::vector<std::string> lines = wrap(cell.body, widths[cell.column] - lead);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string line(offsets[cell.column] + cell.indent, ' ');
      if (i == 0)
        line += cell.prefix;
      else
        line.append(width_of(cell.prefix), ' ');
      line += lines[i];
      emit(std::move(line));
    }
  }

  bool first_violation = true;
  for (const auto &ev : trace.events) {
    if (ev.kind != trace::EventKind::Violation) continue;
    if (first_violation) out += '\n';
    first_violation = false;
    std::string_view text = ev.text;
    if (starts_with(text, ">>> ")) text.remove_prefix(4);
    emit(">>> " + sanitize(text));
  }
  return out;
}

namespace {

std::string verdict_line(const trace::Result &result, bool include_timing) {
  const std::vector<std::string> safety = kinds_of(result.violations);
  const std::vector<std::string> liveness = kinds_of(result.liveness);
  switch (result.verdict) {
  case trace::Verdict::Clean:
    return fmt::format("clean: no violation in {} ({})\n", executions_phrase(result.stats),
                       stats_detail(result.stats, include_timing));
  case trace::Verdict::Violation: {
    std::string out;
    if (!safety.empty() || liveness.empty()) {
      out = fmt::format("VIOLATION: {}", plural(safety.size(), "kind"));
      if (!safety.empty()) out += ": " + join(safety, ", ");
      if (!liveness.empty()) out += "; liveness: " + join(liveness, ", ");
    } else {
      out = fmt::format("LIVENESS: {}: {}", plural(liveness.size(), "kind"), join(liveness, ", "));
    }
    if (result.bounded) out += "\nbounded search: " + result.bound_reason;
    return out + '\n' + stats_line(result.stats, include_timing) + '\n';
  }
  case trace::Verdict::Bounded: {
    std::string out = "bounded: no violation found";
    if (!result.bound_reason.empty()) out += "; " + result.bound_reason;
    return out + '\n' + stats_line(result.stats, include_timing) + '\n';
  }
  }
  return {};
}

std::string violation_block(const trace::Result &result, const trace::Violation &v) {
  std::string out = fmt::format("\n== {} at {} ==\n", v.kind, v.site);
  out += v.reason + '\n';
  out += render_trace_text(v.trace);
  out += "schedule: " + v.trace.schedule + '\n';
  out += "replay: " + replay_command(result, v) + '\n';
  out += fmt::format("steps: {}, context switches: {}{}\n", v.trace.steps, v.trace.context_switches,
                     v.canonical  ? ""
                     : v.shortest ? " (as short as any, but its context switches not proven the "
                                    "fewest: --max-memory left no room to minimise them)"
                                  : " (shrunk, but not proven the shortest: the search for the "
                                    "canonical trace was bounded)");
  return out;
}

std::string expectation_lines(const trace::Result &result) {
  const trace::Expectation &exp = result.expectation;
  if (!exp.checked) return {};
  std::string out = "\n";
  if (exp.met()) out += "expectation: met\n";
  if (!exp.kinds_match)
    out += fmt::format("EXPECTATION MISMATCH: expected {{{}}} found {{{}}}\n",
                       join(exp.expected_kinds, ", "), join(kinds_of(result.violations), ", "));
  if (!exp.liveness_match)
    out += fmt::format("EXPECTATION MISMATCH: expected liveness {{{}}} found {{{}}}\n",
                       join(exp.expected_liveness, ", "), join(kinds_of(result.liveness), ", "));
  if (exp.kinds_match && exp.liveness_match && !exp.unreached.empty())
    out += fmt::format("EXPECTATION MISMATCH: kinds as expected {{{}}}\n",
                       join(exp.expected_kinds, ", "));
  if (!exp.unreached.empty()) out += "not reached: " + join(exp.unreached, ", ") + '\n';
  if (!exp.liveness_checked && !result.liveness.empty())
    out +=
        fmt::format("liveness not judged: [expect.liveness] has no entry for {}\n", result.variant);
  return out;
}

} // namespace

std::string render_result_text(const trace::Result &result, bool include_timing) {
  std::string out = verdict_line(result, include_timing);
  for (const auto &v : result.violations)
    out += violation_block(result, v);
  if (!result.liveness.empty()) {
    out += "\nLiveness\n--------\n";
    for (const auto &v : result.liveness)
      out += violation_block(result, v);
  }
  out += expectation_lines(result);
  return out;
}

} // namespace pagerace::report
