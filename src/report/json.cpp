#include "report/json.hpp"

#include "report/common.hpp"

namespace pagerace::report {

using nlohmann::json;

namespace {

json violation_to_json(const trace::Result &result, const trace::Violation &v) {
  return json{
      {"kind", v.kind},
      {"site", v.site},
      {"reason", v.reason},
      {"schedule", v.trace.schedule},
      {"steps", v.trace.steps},
      {"context_switches", v.trace.context_switches},
      {"canonical", v.canonical},
      {"shortest", v.shortest},
      {"replay", replay_command(result, v)},
      {"trace", trace_to_json(v.trace)},
  };
}

json expectation_to_json(const trace::Expectation &e) {
  json met = nullptr;
  if (e.checked) met = e.met();
  return json{
      {"checked", e.checked},
      {"met", met},
      {"kinds_checked", e.kinds_checked},
      {"kinds_match", e.kinds_match},
      {"expected", e.expected_kinds},
      {"liveness_checked", e.liveness_checked},
      {"liveness_match", e.liveness_match},
      {"expected_liveness", e.expected_liveness},
      {"unreached", e.unreached},
  };
}

} // namespace

json trace_to_json(const trace::Trace &trace) {
  json events = json::array();
  for (const auto &ev : trace.events) {
    events.push_back(json{
        {"step", ev.step},
        {"actor", ev.actor},
        {"depth", ev.depth},
        {"kind", event_kind_name(ev.kind)},
        {"text", ev.text},
    });
  }
  return json{{"actors", trace.actors}, {"events", std::move(events)}};
}

json result_to_json(const trace::Result &result, bool include_timing) {
  json stats = {
      {"executions", result.stats.executions},
      {"executions_lower_bound", result.stats.executions_lower_bound},
      {"states", result.stats.states},
      {"steps", result.stats.steps},
  };
  if (include_timing) stats["seconds"] = result.stats.seconds;
  if (!result.stats.search.empty()) stats["search"] = result.stats.search;
  if (result.stats.fingerprints_from) {
    stats["fingerprints_from"] = result.stats.fingerprints_from;
    stats["omission_probability"] = result.stats.omission_probability;
  }
  if (result.stats.complete_depth) stats["complete_depth"] = *result.stats.complete_depth;

  json violations = json::array();
  for (const auto &v : result.violations)
    violations.push_back(violation_to_json(result, v));
  json liveness = json::array();
  for (const auto &v : result.liveness)
    liveness.push_back(violation_to_json(result, v));

  json j = {
      {"scenario", result.scenario},
      {"source", result.scenario_source},
      {"variant", result.variant},
      {"verdict", verdict_name(result.verdict)},
      {"statistics", std::move(stats)},
      {"violations", std::move(violations)},
      {"liveness", std::move(liveness)},
      {"reached", result.reached},
      {"expectation", expectation_to_json(result.expectation)},
  };
  // Also with violations: what was found then is not all there is.
  if (result.bounded || result.verdict == trace::Verdict::Bounded)
    j["bound_reason"] = result.bound_reason;
  return j;
}

std::string render_result_json(const std::vector<trace::Result> &results, bool include_timing) {
  json list = json::array();
  for (const auto &r : results)
    list.push_back(result_to_json(r, include_timing));
  const json doc = {{"schema", kResultSchema}, {"results", std::move(list)}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

trace::Trace trace_from_json(const json &j) {
  const bool is_violation = j.contains("trace");
  const json &t = is_violation ? j.at("trace") : j;

  trace::Trace trace;
  trace.actors = t.at("actors").get<std::vector<std::string>>();
  for (const auto &e : t.at("events")) {
    trace::Event ev;
    ev.step = e.at("step").get<int>();
    ev.actor = e.at("actor").get<int>();
    ev.depth = e.at("depth").get<int>();
    ev.kind = event_kind_from_name(e.at("kind").get<std::string>());
    ev.text = e.at("text").get<std::string>();
    trace.events.push_back(std::move(ev));
  }
  if (is_violation) {
    trace.schedule = j.at("schedule").get<std::string>();
    trace.steps = j.at("steps").get<int>();
    trace.context_switches = j.at("context_switches").get<int>();
  } else {
    trace.schedule = t.value("schedule", std::string());
    trace.steps = t.value("steps", 0);
    trace.context_switches = t.value("context_switches", 0);
  }
  return trace;
}

} // namespace pagerace::report
