// JSON renderer for results, schema "pagerace-result/2" (docs/JSON.md), and
// the reader of its trace objects.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/trace.hpp"

namespace pagerace::report {

inline constexpr const char *kResultSchema = "pagerace-result/2";

// {"actors": [...], "events": [{step, actor, depth, kind, text}, ...]}
nlohmann::json trace_to_json(const trace::Trace &trace);

// One element of "results". With include_timing false, statistics.seconds is
// left out so that the output is deterministic.
nlohmann::json result_to_json(const trace::Result &result, bool include_timing = true);

// {"schema": "pagerace-result/2", "results": [...]} pretty-printed with two
// spaces, keys sorted, ending in '\n'. Invalid UTF-8 in any text is replaced
// by U+FFFD rather than failing.
std::string render_result_json(const std::vector<trace::Result> &results,
                               bool include_timing = true);

// Reads a trace back. `j` is either a violation object (its "trace" member
// gives actors and events, its "schedule", "steps" and "context_switches"
// the rest) or a bare trace object as trace_to_json writes it (schedule,
// steps and context_switches are read from it when present, else left
// default). Throws nlohmann::json::exception for missing or mistyped fields
// and std::invalid_argument for an unknown event kind.
trace::Trace trace_from_json(const nlohmann::json &j);

} // namespace pagerace::report
