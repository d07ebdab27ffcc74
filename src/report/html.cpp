// The HTML renderer. Content (lanes, tracks, the matrix) is written as
// static markup, so the page prints and reads without scripts; a small
// inline script adds the state panel, step selection and keyboard moves.
#include "report/html.hpp"

#include "report/common.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace pagerace::report {

namespace {

std::string esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
    case '&': o += "&amp;"; break;
    case '<': o += "&lt;"; break;
    case '>': o += "&gt;"; break;
    case '"': o += "&quot;"; break;
    case '\'': o += "&#39;"; break;
    default: o += c;
    }
  }
  return o;
}

// JSON inside <script type="application/json">: no '<', '>' or '&' at all
// (JSON escapes them), so that neither "</script>" nor "<!--" can end or
// change the script element.
std::string script_json(const nlohmann::json &j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "\\u003c";
    else if (c == '>')
      o += "\\u003e";
    else if (c == '&')
      o += "\\u0026";
    else
      o += c;
  }
  return o;
}

const char *kStyle = R"CSS(
:root { --fg:#111; --bg:#fff; --mut:#666; --line:#ddd; --sel:#fff3b0; --bad:#c62828; --ok:#2e7d32; --warn:#ef6c00; }
body { font: 14px/1.35 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 1em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.15em; margin-top: 2em; } h3 { font-size: 1em; }
code, .ev, .tracks td, .state td { font-family: ui-monospace, monospace; font-size: 12px; }
.scroll { overflow-x: auto; }
.lanes { display: grid; border-top: 1px solid var(--line); min-width: max-content; }
.lanes .hd { background: #f4f4f4; font-weight: 600; padding: 2px 6px; border-bottom: 1px solid var(--line); }
.step { display: contents; }
.step > div { padding: 1px 6px; border-bottom: 1px solid #f0f0f0; min-width: 16em; }
.step > .no { min-width: 3.5em; color: var(--mut); text-align: right; cursor: pointer; }
.step.sel > div { background: var(--sel); }
.step.bad > .no { color: var(--bad); font-weight: 700; }
.ev { white-space: pre-wrap; }
.ev.syscall { font-weight: 700; } .ev.ret { color: var(--mut); } .ev.note { color: #37474f; }
.ev.violation { color: var(--bad); font-weight: 700; }
.tracks { border-collapse: collapse; margin: .5em 0; }
.tracks th, .tracks td { border: 1px solid var(--line); padding: 1px 4px; text-align: center; }
.tracks th.obj { text-align: left; background: #f4f4f4; }
.tracks td.chg { background: #e3f2fd; font-weight: 700; }
.tracks td.selcol, .tracks th.selcol { outline: 2px solid #f9a825; }
.tracks th.badcol { color: var(--bad); }
.state { border: 1px solid var(--line); padding: .5em; margin: .5em 0; }
.state table { border-collapse: collapse; margin: .25em 1em .25em 0; display: inline-table; vertical-align: top; }
.state td, .state th { border: 1px solid var(--line); padding: 1px 4px; }
.matrix { border-collapse: collapse; }
.matrix td, .matrix th { border: 1px solid var(--line); padding: 3px 6px; }
.matrix td.clean { background: #e8f5e9; } .matrix td.violation { background: #ffebee; }
.matrix td.bounded, .matrix td.na { background: #fff8e1; } .matrix td.error { background: #eceff1; }
.matrix td.mismatch { outline: 2px solid var(--bad); }
.why { color: var(--bad); }
.help { color: var(--mut); font-size: 12px; }
@media (max-width: 700px) { body { margin: .3em; } .step > div { min-width: 12em; } }
@media print { .state, .help { display: none; } .scroll { overflow: visible; } a { color: inherit; } }
)CSS";

const char *kScript = R"JS(
(function () {
  function show(sec, i, scroll) {
    var steps = sec.querySelectorAll('.step');
    if (!steps.length) return;
    i = Math.max(0, Math.min(steps.length - 1, i));
    sec.dataset.sel = i;
    steps.forEach(function (s) { s.classList.toggle('sel', +s.dataset.step === i); });
    sec.querySelectorAll('.tracks [data-col]').forEach(function (c) {
      c.classList.toggle('selcol', +c.dataset.col === i + 1);
    });
    var data = sec.querySelector('script.states');
    var panel = sec.querySelector('.state');
    if (!data || !panel) return;
    if (!sec._states) sec._states = JSON.parse(data.textContent);
    var states = sec._states;
    var st = states[i + 1] || states[states.length - 1];
    var rowEl = sec.querySelector('.step[data-step="' + i + '"]');
    var h = '<b>State after step ' + (rowEl ? rowEl.dataset.modelStep : i) + '</b><br>';
    (st.objects || []).forEach(function (o) {
      h += '<table><tr><th colspan=2>' + esc(o.name) + '</th></tr>';
      o.fields.forEach(function (f) { h += '<tr><td>' + esc(f.name) + '</td><td>' + esc(f.value) + '</td></tr>'; });
      h += '</table>';
    });
    panel.innerHTML = h;
    var row = sec.querySelector('.step[data-step="' + i + '"] .no');
    if (scroll && row && row.scrollIntoView) row.scrollIntoView({block: 'nearest'});
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  var current = null;
  document.querySelectorAll('section.trace').forEach(function (sec) {
    sec.addEventListener('click', function (e) {
      var s = e.target.closest('.step');
      current = sec;
      if (s) show(sec, +s.dataset.step, false);
    });
    sec.addEventListener('focusin', function () { current = sec; });
    show(sec, +(sec.dataset.bad || 0), false);
  });
  document.addEventListener('keydown', function (e) {
    // Only in a trace the reader clicked or focused, and never with a
    // modifier: the page's own scrolling keys stay the browser's.
    if (!current || e.ctrlKey || e.altKey || e.metaKey || e.shiftKey) return;
    var i = +(current.dataset.sel || 0);
    var n = current.querySelectorAll('.step').length;
    if (e.key === 'ArrowDown' || e.key === 'j') show(current, i + 1, true);
    else if (e.key === 'ArrowUp' || e.key === 'k') show(current, i - 1, true);
    else if (e.key === 'Home') show(current, 0, true);
    else if (e.key === 'End') show(current, n - 1, true);
    else return;
    e.preventDefault();
  });
})();
)JS";

std::string event_class(trace::EventKind k) {
  switch (k) {
  case trace::EventKind::Syscall: return "syscall";
  case trace::EventKind::Call: return "call";
  case trace::EventKind::Note: return "note";
  case trace::EventKind::Return: return "ret";
  case trace::EventKind::Violation: return "violation";
  }
  return "call";
}

// The lanes: a grid row per scheduling step, a column per actor.
std::string lanes(const trace::Trace &t, int &bad_step) {
  const size_t na = t.actors.size();
  std::string s = fmt::format("<div class=\"scroll\"><div class=\"lanes\" role=\"grid\" "
                              "style=\"grid-template-columns: 3.5em repeat({}, minmax(16em, "
                              "1fr))\">\n<div class=\"hd\">step</div>",
                              na);
  for (const auto &a : t.actors)
    s += "<div class=\"hd\">" + esc(a) + "</div>";
  s += "\n";
  std::map<int, std::vector<std::vector<const trace::Event *>>> by_step;
  for (const auto &e : t.events) {
    auto &cols = by_step[e.step];
    cols.resize(na);
    if (static_cast<size_t>(e.actor) < na) cols[static_cast<size_t>(e.actor)].push_back(&e);
  }
  bad_step = -1;
  int row = 0;
  for (const auto &[step, cols] : by_step) {
    bool bad = false;
    for (const auto &c : cols)
      for (const auto *e : c)
        bad = bad || e->kind == trace::EventKind::Violation;
    if (bad && bad_step < 0) bad_step = row;
    s += fmt::format("<div class=\"step{}\" data-step=\"{}\" data-model-step=\"{}\" role=\"row\">"
                     "<div class=\"no\" tabindex=\"0\">{}</div>",
                     bad ? " bad" : "", row, step, step);
    for (const auto &c : cols) {
      s += "<div>";
      for (const auto *e : c)
        s += fmt::format("<div class=\"ev {}\" style=\"padding-left:{}em\">{}</div>",
                         event_class(e->kind), e->depth, esc(e->text));
      s += "</div>";
    }
    s += "</div>\n";
    ++row;
  }
  return s + "</div></div>\n";
}

// The model steps the lanes show (those with events), in order: the rows
// of the lanes, the columns of the tracks, the states the keys move over.
std::vector<int> shown_steps(const trace::Trace &t) {
  std::set<int> seen;
  for (const auto &e : t.events)
    seen.insert(e.step);
  return {seen.begin(), seen.end()};
}

// Tracks: every field of every page and PTE object over the steps shown.
std::string tracks(const trace::Trace &t, int bad_step) {
  if (t.states.empty()) return "";
  const std::vector<int> shown = shown_steps(t);
  // Rows: (object key, field) in first-seen order; an object is labelled
  // with every name it had (a page can leave the cache and change name).
  auto key_of = [](const trace::Object &o) { return o.key.empty() ? o.name : o.key; };
  std::vector<std::pair<std::string, std::string>> rows;
  std::set<std::pair<std::string, std::string>> have;
  std::map<std::string, std::vector<std::string>> names;
  for (const auto &st : t.states)
    for (const auto &o : st.objects)
      if (o.kind == "page" || o.kind == "pte") {
        auto &n = names[key_of(o)];
        if (std::find(n.begin(), n.end(), o.name) == n.end()) n.push_back(o.name);
        for (const auto &f : o.fields)
          if (have.insert({key_of(o), f.name}).second) rows.emplace_back(key_of(o), f.name);
      }
  auto value = [&](const trace::Snapshot &st, const std::string &obj, const std::string &field) {
    for (const auto &o : st.objects)
      if (key_of(o) == obj)
        for (const auto &f : o.fields)
          if (f.name == field) return f.value;
    return std::string("·");
  };
  auto label = [&](const std::string &key) {
    std::string l;
    for (const auto &n : names[key])
      l += (l.empty() ? "" : " / ") + n;
    return l;
  };
  std::string s =
      "<h3>Tracks</h3><div class=\"scroll\"><table class=\"tracks\"><tr><th "
      "class=\"obj\">object</th><th class=\"obj\">field</th><th data-col=\"0\">start</th>";
  for (size_t c = 0; c < shown.size(); ++c)
    s += fmt::format("<th data-col=\"{}\"{}>{}</th>", c + 1,
                     static_cast<int>(c) == bad_step ? " class=\"badcol\"" : "", shown[c]);
  s += "</tr>\n";
  std::string last_obj;
  for (const auto &[obj, field] : rows) {
    s += "<tr><th class=\"obj\">" + (obj == last_obj ? std::string() : esc(label(obj))) +
         "</th><th class=\"obj\">" + esc(field) + "</th>";
    last_obj = obj;
    std::string prev = value(t.states[0], obj, field);
    s += "<td data-col=\"0\">" + esc(prev) + "</td>";
    for (size_t c = 0; c < shown.size(); ++c) {
      const size_t at = static_cast<size_t>(shown[c]) + 1;
      const std::string v = at < t.states.size() ? value(t.states[at], obj, field) : prev;
      s += fmt::format("<td data-col=\"{}\"{}>{}</td>", c + 1, v != prev ? " class=\"chg\"" : "",
                       esc(v));
      prev = v;
    }
    s += "</tr>\n";
  }
  return s + "</table></div>\n";
}

std::string trace_section(const trace::Result &r, const trace::Violation &v,
                          const std::string &id) {
  int bad = -1;
  const std::string body = lanes(v.trace, bad);
  std::string s = fmt::format(
      "<section class=\"trace\" id=\"{}\" data-bad=\"{}\"><h2>{}: <code>{}</code> at "
      "<code>{}</code></h2>\n<p class=\"why\">{}</p>\n<p>{} under {} · {} steps, {} context "
      "switches · <code>{}</code></p>\n",
      esc(id), std::max(bad, 0), esc(r.scenario), esc(v.kind), esc(v.site), esc(v.reason),
      esc(r.scenario), esc(r.variant), v.trace.steps, v.trace.context_switches,
      esc(replay_command(r, v)));
  s += body;
  s += tracks(v.trace, bad);
  if (!v.trace.states.empty()) {
    nlohmann::json states = nlohmann::json::array();
    for (const auto &st : v.trace.states) {
      nlohmann::json objs = nlohmann::json::array();
      for (const auto &o : st.objects) {
        nlohmann::json fields = nlohmann::json::array();
        for (const auto &f : o.fields)
          fields.push_back({{"name", f.name}, {"value", f.value}});
        objs.push_back({{"kind", o.kind}, {"name", o.name}, {"fields", fields}});
      }
      // Indexed by lane row + 1, as the script reads it.
      states.push_back({{"objects", objs}});
    }
    // The lanes show only steps with events; map each lane row to its state.
    nlohmann::json by_row = nlohmann::json::array();
    by_row.push_back(states[0]);
    for (int st : shown_steps(v.trace))
      by_row.push_back(states[std::min(static_cast<size_t>(st) + 1, states.size() - 1)]);
    s += "<h3>State</h3><p class=\"help\">Click a step, or move with ↑/↓ (j/k), Home, End.</p>"
         "<div class=\"state\" aria-live=\"polite\"></div>\n<script type=\"application/json\" "
         "class=\"states\">" +
         script_json(by_row) + "</script>\n";
  }
  return s + "</section>\n";
}

std::string page(const std::string &title, const std::string &body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
         esc(title) + "</title><style>" + kStyle + "</style></head><body>\n" + body + "<script>" +
         kScript + "</script>\n</body></html>\n";
}

std::string results_body(const std::vector<trace::Result> &results, const std::string &prefix) {
  std::string s;
  int n = 0;
  for (const auto &r : results) {
    if (r.violations.empty() && r.liveness.empty())
      s += fmt::format("<p>{} under {}: {}</p>\n", esc(r.scenario), esc(r.variant),
                       esc(verdict_name(r.verdict)));
    for (const auto *list : {&r.violations, &r.liveness})
      for (const auto &v : *list)
        s += trace_section(r, v, fmt::format("{}{}", prefix, n++));
  }
  return s;
}

} // namespace

std::string render_result_html(const std::vector<trace::Result> &results) {
  std::string title = "pagerace";
  if (results.size() == 1) title += ": " + results[0].scenario + " under " + results[0].variant;
  return page(title, "<h1>" + esc(title) + "</h1>\n" + results_body(results, "t"));
}

std::string render_matrix_html(const trace::Matrix &m) {
  std::string s = "<h1>pagerace: scenarios × kernel variants</h1>\n<div class=\"scroll\"><table "
                  "class=\"matrix\"><tr><th>scenario</th>";
  for (const auto &v : m.variants)
    s += "<th>" + esc(v) + "</th>";
  s += "</tr>\n";
  std::string traces;
  int cell_no = 0;
  for (size_t r = 0; r < m.scenarios.size(); ++r) {
    s += "<tr><th>" + esc(m.scenarios[r]) + "</th>";
    for (size_t c = 0; c < m.variants.size(); ++c, ++cell_no) {
      const auto &cell = m.at(r, c);
      std::string cls, text;
      if (cell.status == trace::CellStatus::NotApplicable) {
        cls = "na";
        text = "n/a";
      } else if (cell.status != trace::CellStatus::Ran) {
        cls = "error";
        text = cell.status == trace::CellStatus::InputError ? "input error" : "error";
      } else {
        cls = std::string(verdict_name(cell.result.verdict));
        std::string kinds;
        for (const auto &k : kinds_of(cell.result.violations))
          kinds += (kinds.empty() ? "" : "+") + k;
        for (const auto &k : kinds_of(cell.result.liveness))
          kinds += (kinds.empty() ? "" : "+") + k;
        text = kinds.empty() ? cls : kinds;
      }
      if (cell.judgement == trace::Judgement::Mismatch) cls += " mismatch";
      const std::string prefix = fmt::format("c{}-", cell_no);
      const bool linked = !cell.result.violations.empty() || !cell.result.liveness.empty();
      s += fmt::format("<td class=\"{}\" title=\"{}\">{}{}{}</td>", cls, esc(cell.message),
                       cell.judgement == trace::Judgement::Mismatch ? "! " : "",
                       linked ? "<a href=\"#" + prefix + "0\">" + esc(text) + "</a>" : esc(text),
                       "");
      if (linked) traces += results_body({cell.result}, prefix);
    }
    s += "</tr>\n";
  }
  s += "</table></div>\n<p class=\"help\">A cell links to its counterexamples below; ! marks a "
       "cell that differs from the scenario's expectation.</p>\n";
  return page("pagerace matrix", s + traces);
}

} // namespace pagerace::report
