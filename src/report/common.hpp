// Small helpers shared by the text and JSON renderers: the stable names of
// verdicts and event kinds, and the replay command printed for a violation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trace/trace.hpp"

namespace pagerace::report {

// "clean" | "violation" | "bounded" (the JSON `verdict` values).
std::string_view verdict_name(trace::Verdict verdict);

// "syscall" | "call" | "note" | "return" | "violation" (the JSON event `kind`).
std::string_view event_kind_name(trace::EventKind kind);

// Inverse of event_kind_name; throws std::invalid_argument for other names.
trace::EventKind event_kind_from_name(std::string_view name);

// Quotes `s` for a POSIX shell: wrapped in single quotes, an embedded single
// quote written as '\''.
std::string shell_quote(std::string_view s);

// "<replay_command_prefix> --schedule '<schedule>'". When the result has no
// prefix, "pagerace replay <scenario>" stands in for it.
std::string replay_command(const trace::Result &result, const trace::Violation &violation);

// The execution count as a number, "≥N" when it is a lower bound
// (Stats::executions_lower_bound).
std::string executions_count(const trace::Stats &stats);

// The kind of each violation, in order.
std::vector<std::string> kinds_of(const std::vector<trace::Violation> &found);

} // namespace pagerace::report
