#include "report/common.hpp"

#include <stdexcept>

namespace pagerace::report {

std::string_view verdict_name(trace::Verdict verdict) {
  switch (verdict) {
  case trace::Verdict::Clean: return "clean";
  case trace::Verdict::Violation: return "violation";
  case trace::Verdict::Bounded: return "bounded";
  }
  return "unknown";
}

std::string_view event_kind_name(trace::EventKind kind) {
  switch (kind) {
  case trace::EventKind::Syscall: return "syscall";
  case trace::EventKind::Call: return "call";
  case trace::EventKind::Note: return "note";
  case trace::EventKind::Return: return "return";
  case trace::EventKind::Violation: return "violation";
  }
  return "unknown";
}

trace::EventKind event_kind_from_name(std::string_view name) {
  if (name == "syscall") return trace::EventKind::Syscall;
  if (name == "call") return trace::EventKind::Call;
  if (name == "note") return trace::EventKind::Note;
  if (name == "return") return trace::EventKind::Return;
  if (name == "violation") return trace::EventKind::Violation;
  throw std::invalid_argument("unknown trace event kind \"" + std::string(name) + "\"");
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

std::string replay_command(const trace::Result &result, const trace::Violation &violation) {
  std::string prefix = result.replay_command_prefix;
  if (prefix.empty()) {
    prefix = "pagerace replay";
    if (!result.scenario.empty()) prefix += " " + result.scenario;
  }
  return prefix + " --schedule " + shell_quote(violation.trace.schedule);
}

std::string executions_count(const trace::Stats &stats) {
  return (stats.executions_lower_bound ? "≥" : "") + std::to_string(stats.executions);
}

std::vector<std::string> kinds_of(const std::vector<trace::Violation> &found) {
  std::vector<std::string> kinds;
  for (const auto &v : found)
    kinds.push_back(v.kind);
  return kinds;
}

} // namespace pagerace::report
