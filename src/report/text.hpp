// Plain-text renderers: a trace as an LKML-style table with one column per
// actor, and a whole result (verdict, violations with their traces, replay
// commands, expectation).
#pragma once

#include <string>

#include "trace/trace.hpp"

namespace pagerace::report {

// Cap on a column's width when render_trace_text is given column_width <= 0.
inline constexpr int kDefaultColumnCap = 56;
// Spaces between two columns.
inline constexpr int kColumnGap = 3;

// The trace as a table, one column per entry of trace.actors (CPUs, then
// "device"), ending in '\n':
//
//   line 1  header: each actor name, left-aligned at its column's offset
//   line 2  a rule of '-' under each column
//   then    one or more lines per event, in event order; the event's cell
//           starts at its column's offset, indented by 2 spaces per depth:
//             Syscall, Call  text
//             Note           "- " text
//             Return         "= " value (a leading "=" in the text is not doubled)
//             Violation      ">>> " text
//   then    if the trace has Violation events: a blank line and, per such
//           event, ">>> " text over the full width, never wrapped.
//
// A column is as wide as its widest cell (header name included) but at most
// `column_width` (kDefaultColumnCap when <= 0) -- unless the actor name or a
// deep indentation needs more. A cell too long for its column is wrapped at
// spaces (a word longer than the column is split) onto continuation lines in
// the same column, aligned after the prefix; nothing is truncated: joining a
// cell's lines with single spaces gives back the text whenever it had no
// runs of spaces and no word longer than the column. Lines carry no trailing
// spaces. Widths count UTF-8 code points; control characters show as spaces
// and '\n' in a text starts a new line of the cell.
std::string render_trace_text(const trace::Trace &trace, int column_width = 0);

// The result as a report, ending in '\n':
//
//   verdict line, one of
//     clean: no violation in N executions (S states, T steps, X.XXs)
//     VIOLATION: K kinds: kind1, kind2          ("1 kind: kind1" for one) of safety
//                                               violations, then "; liveness: k3" if
//                                               there are liveness findings too
//     LIVENESS: K kinds: kind1                  only liveness findings
//     bounded: no violation found; <bound_reason>
//   and for violation/bounded a stats line
//     explored N executions (S states, T steps, X.XXs)
//   ("at least N executions", and after the time why, when the count is a
//   lower bound: Stats::executions_lower_bound), followed, for a bounded
//   bfs, by
//     every interleaving checked up to step D for invariant violations, up
//     to step D-1 for deadlocks and stalls
//   then per safety violation, after a blank line:
//     == <kind> at <site> ==
//     <reason>
//     <render_trace_text(trace)>
//     schedule: <schedule>
//     replay: <replay_command_prefix> --schedule '<schedule>'
//     steps: N, context switches: M
//   then, only if there are liveness findings, the liveness section: a blank
//   line, "Liveness", a rule "--------", and per finding the same block as a
//   safety violation
//   then, only if expectation.checked, after a blank line:
//     expectation: met                                  (everything judged matches)
//     EXPECTATION MISMATCH: expected {a, b} found {c}   (safety kinds differ)
//     EXPECTATION MISMATCH: expected liveness {a} found {}   (liveness kinds differ)
//     EXPECTATION MISMATCH: kinds as expected {a}       (kinds match, something unreached)
//     not reached: f1, f2                               (when unreached is non-empty)
//     liveness not judged: [expect.liveness] has no entry for V
//                                   (liveness findings, but no [expect.liveness] entry)
//
// Nouns are singular for a count of 1 ("1 execution"). With include_timing
// false the ", X.XXs" part is left out, and the output depends on nothing
// but the result's deterministic fields.
std::string render_result_text(const trace::Result &result, bool include_timing = true);

} // namespace pagerace::report
