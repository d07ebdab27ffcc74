#include "app/check.hpp"

#include "engine/dfs.hpp"
#include "engine/explorer.hpp"
#include "engine/shrink.hpp"
#include "model/invariants/invariant.hpp"
#include "model/system.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace pagerace::app {

const model::Variant &select_variant(const scenario::Scenario &sc, const std::string &kernel) {
  std::string name = !kernel.empty() ? kernel : sc.kernel.value_or("");
  if (name.empty()) return model::default_variant();
  if (const model::Variant *v = model::find_variant(name)) return *v;
  std::string known;
  for (const model::Variant *v : model::all_variants())
    known += (known.empty() ? "" : ", ") + std::string(v->name);
  throw std::invalid_argument(fmt::format("unknown kernel variant '{}' (known: {})", name, known));
}

int default_jobs() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::string format_position(const scenario::SourcePos &p) {
  if (p.line <= 0) return p.file;
  return fmt::format("{}:{}:{}", p.file, p.line, p.col);
}

std::string replay_prefix(const scenario::Scenario &sc, const model::Variant &variant) {
  return fmt::format("pagerace replay {} --kernel {}", sc.source, variant.name);
}

Replay replay(const scenario::Scenario &sc, const model::Variant &variant,
              const engine::Schedule &schedule, bool with_states) {
  model::System sys(sc, variant);
  Replay r;
  trace::Trace &t = r.trace;
  for (int a = 0; a < sys.num_actors(); ++a)
    t.actors.push_back(sys.actor_name(a));
  model::State s = sys.initial();
  if (with_states) t.states.push_back(sys.snapshot(s));
  std::vector<model::Choice> choices;
  for (size_t i = 0; i < schedule.size(); ++i) {
    sys.enabled(s, choices);
    const model::Choice c{schedule[i].actor, schedule[i].alt};
    if (std::find(choices.begin(), choices.end(), c) == choices.end()) {
      r.error = fmt::format("step {} of the schedule ({}{}) is not enabled in this scenario", i + 1,
                            c.actor, c.alt ? fmt::format("/{}", c.alt) : "");
      return r;
    }
    sys.step(s, c, &t, static_cast<int>(i));
    if (with_states) t.states.push_back(sys.snapshot(s));
  }
  t.steps = static_cast<int>(schedule.size());
  t.context_switches = engine::context_switches(schedule);
  t.schedule = engine::format_schedule(schedule);
  r.crashed = sys.crashed(s);
  // violation events carry "kind|site|reason"
  for (auto &e : t.events) {
    if (e.kind != trace::EventKind::Violation) continue;
    const auto p1 = e.text.find('|'), p2 = e.text.find('|', p1 + 1);
    trace::Violation v{
        e.text.substr(0, p1), e.text.substr(p1 + 1, p2 - p1 - 1), e.text.substr(p2 + 1), {}};
    e.text = fmt::format("{}: {}", v.kind, v.site);
    r.violations.push_back(std::move(v));
  }
  // Deadlock: the final state has no move and is not finished.
  sys.enabled(s, choices);
  if (choices.empty() && !sys.finished(s)) {
    const std::string kind = sys.kind_name(sys.stuck_kind(s));
    trace::Violation v{kind, "(no CPU can move)", sys.describe_stuck(s), {}};
    t.events.push_back(
        trace::Event{t.steps, 0, 0, trace::EventKind::Violation, kind + ": " + v.reason});
    r.violations.push_back(std::move(v));
  }
  // Keep the CPU columns; drop the device and end columns when unused.
  std::vector<int> used(t.actors.size(), 0);
  for (const auto &e : t.events)
    used[static_cast<size_t>(e.actor)] = 1;
  std::vector<int> remap(t.actors.size(), -1);
  std::vector<std::string> actors;
  for (size_t a = 0; a < t.actors.size(); ++a)
    if (a < sc.cpus.size() || used[a]) {
      remap[a] = static_cast<int>(actors.size());
      actors.push_back(t.actors[a]);
    }
  for (auto &e : t.events)
    e.actor = remap[static_cast<size_t>(e.actor)];
  t.actors = std::move(actors);
  return r;
}

trace::Result check(const scenario::Scenario &sc, const model::Variant &variant,
                    const CheckOptions &opts) {
  if (opts.end_values && (opts.search != engine::Search::Bfs || opts.sampling.runs > 0))
    throw std::logic_error("end_values needs the breadth-first search over every state");
  model::System sys(sc, variant);
  engine::Exploration ex;
  try {
    if (opts.sampling.runs > 0) {
      engine::RandomExplorer<model::System> explorer(sys, opts.sampling, opts.limits);
      explorer.threads(opts.jobs);
      ex = explorer.run();
    } else if (opts.search == engine::Search::Bfs) {
      engine::Explorer<model::System> explorer(sys, opts.limits);
      explorer.threads(opts.jobs);
      if (opts.end_values)
        explorer.on_end_state([&](const model::State &s) {
          for (size_t v = 0; v < sc.vars.size(); ++v)
            if (s.vars_set & (1u << v)) (*opts.end_values)[static_cast<int>(v)].insert(s.vars[v]);
        });
      ex = explorer.run();
    } else {
      engine::DfsExplorer<model::System> explorer(sys, opts.search, opts.limits);
      explorer.preemption_bound(opts.preemptions);
      ex = explorer.run();
    }
  } catch (const std::bad_alloc &) { // the memory bound is an estimate: say so, do not die
    ex = engine::Exploration{};
    ex.bounded = true;
    ex.bound_reason = "out of memory before --max-memory was reached; nothing could be kept";
  }
  if (ex.stuck_on_variable) {
    model::State st = sys.initial();
    for (const auto &step : *ex.stuck_on_variable)
      sys.step(st, model::Choice{step.actor, step.alt});
    const scenario::Op *op = sys.stuck_on_variable(st);
    throw model::ScenarioRuntimeError(
        op ? op->pos : scenario::SourcePos{sc.source, 0, 0},
        fmt::format("a CPU can stay blocked on a variable that is never assigned when it could "
                    "run ({}); schedule {}",
                    op ? op->text : "?", engine::format_schedule(*ex.stuck_on_variable)));
  }
  // The BFS's traces are canonical already, or, when a bound cut it short,
  // the best of the layers it expanded (only shrunk locally here); the other
  // searches' are made canonical (or shrunk), so that every search prints
  // the same trace for a kind.
  engine::ShrinkOptions shrink;
  shrink.threads = opts.jobs;
  if (opts.search == engine::Search::Bfs && opts.sampling.runs == 0) shrink.max_expanded = 0;
  engine::Shrinker<model::System>(sys, opts.limits, shrink).run(ex);

  trace::Result res;
  res.scenario = sc.name;
  res.scenario_source = sc.source;
  res.variant = variant.name;
  res.stats =
      trace::Stats{ex.executions,
                   ex.states,
                   ex.steps,
                   ex.seconds,
                   opts.sampling.runs ? std::string(opts.sampling.pct_depth ? "pct" : "random")
                                      : std::string(engine::search_name(opts.search)),
                   ex.memory_bytes,
                   ex.fingerprints_from,
                   ex.omission_probability(),
                   ex.complete_depth};
  res.stats.executions_lower_bound = ex.executions_lower_bound;
  res.replay_command_prefix = replay_prefix(sc, variant);
  res.reached = sys.reached_names(ex.reached);
  for (const auto &f : ex.found) {
    Replay r = replay(sc, variant, f.schedule, opts.trace_states);
    const std::string kind = sys.kind_name(f.kind);
    trace::Violation v;
    v.kind = kind;
    for (const auto &rv : r.violations)
      if (rv.kind == kind) {
        v.site = rv.site;
        v.reason = rv.reason;
        break;
      }
    if (v.site.empty())
      throw std::logic_error("pagerace: a counterexample for " + kind +
                             " did not replay to the same violation");
    v.trace = std::move(r.trace);
    v.canonical = f.canonical;
    v.shortest = f.shortest;
    (is_liveness_kind(kind) ? res.liveness : res.violations).push_back(std::move(v));
  }
  res.bounded = ex.bounded;
  if (!res.violations.empty() || !res.liveness.empty())
    res.verdict = trace::Verdict::Violation;
  else if (ex.bounded)
    res.verdict = trace::Verdict::Bounded;
  res.bound_reason = ex.bound_reason;
  judge_expectation(sc, res);
  return res;
}

bool is_liveness_kind(const std::string &kind) {
  const model::Invariant *inv = model::find_invariant(kind);
  return inv != nullptr && inv->category == model::Category::Liveness;
}

trace::Expectation expectation_for(const scenario::Scenario &sc, const std::string &variant) {
  trace::Expectation e;
  if (auto it = sc.expect.find(variant); it != sc.expect.end()) {
    e.kinds_checked = true;
    e.expected_kinds.assign(it->second.begin(), it->second.end());
  }
  if (auto it = sc.expect_liveness.find(variant); it != sc.expect_liveness.end()) {
    e.liveness_checked = true;
    e.expected_liveness.assign(it->second.begin(), it->second.end());
  }
  e.checked = e.kinds_checked || e.liveness_checked || sc.reaches.count(variant) != 0;
  return e;
}

namespace {

std::vector<std::string> sorted_kinds(const std::vector<trace::Violation> &found) {
  std::vector<std::string> kinds;
  for (const auto &v : found)
    kinds.push_back(v.kind);
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

} // namespace

void judge_expectation(const scenario::Scenario &sc, trace::Result &res) {
  res.expectation = trace::Expectation{};
  // A bounded run proves neither absence nor unreachability: expectations
  // are judged only on exhaustive runs.
  if (res.bounded) return;
  trace::Expectation &e = res.expectation;
  e = expectation_for(sc, res.variant);
  // expected_* come from std::set, so they are sorted too.
  if (e.kinds_checked) e.kinds_match = sorted_kinds(res.violations) == e.expected_kinds;
  if (e.liveness_checked) e.liveness_match = sorted_kinds(res.liveness) == e.expected_liveness;
  if (auto it = sc.reaches.find(res.variant); it != sc.reaches.end()) {
    for (const auto &name : it->second)
      if (std::find(res.reached.begin(), res.reached.end(), name) == res.reached.end())
        e.unreached.push_back(name);
  }
}

} // namespace pagerace::app
