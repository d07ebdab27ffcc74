// The matrix as JSON, schema "pagerace-matrix/1" (docs/JSON.md).
#include "report/matrix.hpp"

#include "report/common.hpp"

namespace pagerace::report {

using nlohmann::json;

namespace {

std::string_view judgement_name(trace::Judgement j) {
  switch (j) {
  case trace::Judgement::Met: return "met";
  case trace::Judgement::Mismatch: return "mismatch";
  case trace::Judgement::NotJudged: return "not-judged";
  }
  return "unknown";
}

json kinds_json(const std::vector<trace::Violation> &found) {
  json out = json::array();
  for (const auto &v : found)
    out.push_back(v.kind);
  return out;
}

json expectation_json(const trace::MatrixCell &c) {
  const trace::Expectation &e = c.result.expectation;
  json expected = nullptr, expected_liveness = nullptr;
  if (e.kinds_checked) expected = e.expected_kinds;
  if (e.liveness_checked) expected_liveness = e.expected_liveness;
  json reasons = json::array();
  for (const auto &r : mismatch_reasons(c))
    reasons.push_back(r);
  return json{
      {"status", judgement_name(c.judgement)},
      {"expected", std::move(expected)},
      {"expected_liveness", std::move(expected_liveness)},
      {"unreached", e.unreached},
      {"reasons", std::move(reasons)},
  };
}

json cell_json(const trace::MatrixCell &c) {
  const trace::Result &r = c.result;
  json schedules = json::object(), replay = json::object();
  for (const auto *found : {&r.violations, &r.liveness})
    for (const auto &v : *found) {
      schedules[v.kind] = v.trace.schedule;
      replay[v.kind] = replay_command(r, v);
    }
  json j = {
      {"scenario", c.scenario},
      {"source", c.source},
      {"variant", c.variant},
      {"verdict", matrix_cell_verdict(c)},
      {"kinds", kinds_json(r.violations)},
      {"liveness", kinds_json(r.liveness)},
      {"schedules", std::move(schedules)},
      {"replay", std::move(replay)},
      {"expectation", expectation_json(c)},
  };
  if (c.status == trace::CellStatus::Ran) {
    j["statistics"] = {
        {"executions", r.stats.executions},
        {"executions_lower_bound", r.stats.executions_lower_bound},
        {"states", r.stats.states},
        {"steps", r.stats.steps},
    };
    if (r.bounded) j["reason"] = r.bound_reason;
  } else {
    j["reason"] = c.message;
  }
  return j;
}

} // namespace

json matrix_to_json(const trace::Matrix &m) {
  json cells = json::array();
  for (const auto &c : m.cells)
    cells.push_back(cell_json(c));
  const MatrixSummary s = summarize(m);
  return json{
      {"schema", kMatrixSchema},
      {"scenarios", m.scenarios},
      {"variants", m.variants},
      {"cells", std::move(cells)},
      {"summary",
       {
           {"cells", s.cells},
           {"met", s.met},
           {"mismatched", s.mismatched},
           {"not_judged", s.not_judged},
           {"not_applicable", s.not_applicable},
           {"input_errors", s.input_errors},
           {"internal_errors", s.internal_errors},
           {"bounded", s.bounded},
       }},
  };
}

std::string render_matrix_json(const trace::Matrix &m) {
  return matrix_to_json(m).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace pagerace::report
