// pagerace command line: check, replay, matrix, list.
// Exit codes (app/exit_codes.hpp): 0 clean (exhaustive), 1 violation found or
// expectation mismatch, 2 usage or input error, 3 bounded run with no
// violation, 70 internal error.
#include "app/bench.hpp"
#include "app/check.hpp"
#include "app/exit_codes.hpp"
#include "app/matrix.hpp"
#include "app/reproduce.hpp"
#include "model/kernel/ctx.hpp"
#include "model/variants/variant.hpp"
#include "reality/process.hpp"
#include "report/bench.hpp"
#include "report/html.hpp"
#include "report/json.hpp"
#include "report/matrix.hpp"
#include "report/reproduce.hpp"
#include "report/text.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace pagerace;

using app::kExitBounded, app::kExitClean, app::kExitInput, app::kExitInternal, app::kExitViolation;

std::string where(const scenario::SourcePos &p) {
  return app::format_position(p);
}

int input_error(const std::string &msg) {
  fmt::print(stderr, "pagerace: {}\n", msg);
  return kExitInput;
}

// Whole numbers, checked as text: CLI11 would wrap a negative one around
// an unsigned option, and its own number checks print a range up to
// DBL_MAX. `least`: 0 or 1. A transform, as it also rewrites the text in
// decimal.
CLI::Validator whole_number(int least) {
  return CLI::Validator(
      [least](std::string &text) -> std::string {
        uint64_t v = 0;
        const char *end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc::result_out_of_range) return "'" + text + "' is larger than 2^64 - 1";
        if (ec == std::errc() && stop == end && v >= static_cast<uint64_t>(least)) {
          text = std::to_string(v); // CLI11 would read a leading 0 as octal
          return "";
        }
        return "'" + text + "' is not a whole number" + (least ? " of at least 1" : "");
      },
      least ? "N>=1" : "N>=0");
}

// Set by the first SIGINT: the running search stops where it is and reports
// what it found (a bounded verdict, "interrupted"). The handler resets
// itself, so a second SIGINT ends the process at once.
std::atomic<bool> g_interrupt{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_sigint(int) {
  g_interrupt.store(true, std::memory_order_relaxed);
}

void catch_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESETHAND | SA_RESTART; // output interrupted mid-write goes on
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

// One line on stderr, rewritten in place; cleared when the search ends.
void print_progress(const engine::Progress &p, bool last) {
  if (last) {
    fmt::print(stderr, "\r\033[K");
    return;
  }
  std::string line =
      fmt::format("{} executions, {} states, {:.0f} steps/s, depth {}, {}", p.executions, p.states,
                  p.seconds > 0 ? double(p.steps) / p.seconds : 0.0, p.depth,
                  engine::format_duration(p.seconds));
  if (p.done > 0 && p.done < 1)
    line += fmt::format(", bound {:.0f}% reached, about {} left", p.done * 100,
                        engine::format_duration(p.seconds / p.done - p.seconds));
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
}

// How a scenario is searched, and when a search stops with a bounded verdict.
struct SearchArgs {
  std::string search = "bfs";
  uint64_t max_steps = 0;
  uint64_t max_states = 0;
  std::string budget;     // a duration, e.g. 30s
  std::string max_memory; // a size, e.g. 2G
  bool quiet = false;
  int preemptions = -1;
  uint64_t random = 0; // executions to sample
  uint64_t seed = 1;
  int pct = 3;
  int jobs = 0; // 0: app::default_jobs()

  // What to tell a user who asked for several threads of a search that
  // runs on one ("" if nothing): -j is a request, not a no-op to hide.
  std::string single_thread_note() const {
    if (jobs <= 1 || random > 0 || (search == "bfs" && preemptions < 0)) return "";
    const std::string what = preemptions >= 0 ? "--preemptions" : "--search " + search;
    return "note: " + what + " runs on one thread; -j " + std::to_string(jobs) +
           " applies to bfs and --random only";
  }

  // nullopt and a message for stderr on a bad value
  std::optional<app::CheckOptions> options(std::string &error) const {
    app::CheckOptions o;
    auto s = engine::parse_search(search);
    if (!s) {
      error = "--search: unknown search '" + search + "' (bfs, dfs, dpor, dpor-cache)";
      return std::nullopt;
    }
    o.search = *s;
    o.sampling = engine::Sampling{random, seed, pct, 0};
    o.jobs = jobs > 0 ? jobs : app::default_jobs();
    if (preemptions >= 0) {
      if (search != "bfs" && search != "dfs") {
        error = "--preemptions bounds the plain depth-first search; it cannot be combined with "
                "--search " +
                search;
        return std::nullopt;
      }
      o.search = engine::Search::Dfs;
      o.preemptions = preemptions;
    }
    o.limits.max_steps = max_steps;
    o.limits.max_states = max_states;
    if (!budget.empty()) {
      auto d = engine::parse_duration(budget);
      if (!d) {
        error =
            "--budget: '" + budget + "' is not a positive duration (e.g. 500ms, 30s, 10m, 1h30m)";
        return std::nullopt;
      }
      o.limits.budget_seconds = *d;
    }
    if (!quiet && isatty(STDERR_FILENO)) o.limits.progress = print_progress;
    o.limits.interrupt = &g_interrupt;
    o.limits.max_memory = engine::default_memory_limit();
    if (!max_memory.empty()) {
      auto b = engine::parse_bytes(max_memory);
      if (!b) {
        error = "--max-memory: '" + max_memory + "' is not a size (e.g. 512M, 2G)";
        return std::nullopt;
      }
      o.limits.max_memory = *b;
    }
    return o;
  }
};

void add_search_options(CLI::App *cmd, SearchArgs &a) {
  cmd->add_option("--search", a.search,
                  "bfs (default: every state stored, shortest traces), dpor-cache (source-DPOR "
                  "with sleep sets and state caching), dpor (stateless), dfs (no reduction)");
  // A count of 0 would read as no bound at all: refused.
  cmd->add_option("--max-steps", a.max_steps, "stop after N model steps (bounded verdict)")
      ->transform(whole_number(1));
  cmd->add_option("--max-states", a.max_states, "stop after N states (bounded verdict)")
      ->transform(whole_number(1));
  cmd->add_option("--budget", a.budget,
                  "stop after this long, e.g. 30s, 10m, 1h30m (bounded verdict)");
  cmd->add_option("--preemptions", a.preemptions,
                  "explore only schedules with at most K preemptions (plain DFS, as CHESS; "
                  "bounded verdict)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--random", a.random,
                  "sample N executions instead of searching (bounded verdict), scheduled by PCT")
      ->transform(whole_number(1));
  cmd->add_option("--seed", a.seed, "seed of --random (default 1): same seed, same runs")
      ->transform(whole_number(0));
  cmd->add_option("--pct", a.pct, "PCT bug depth for --random (default 3); 0: uniform random walk")
      ->check(CLI::Range(0, 16));
  cmd->add_flag("--quiet", a.quiet, "no progress line on stderr (shown on a terminal after 1s)");
  cmd->add_option("--max-memory", a.max_memory,
                  "memory the search may hold, e.g. 2G (default: 3/4 of the available memory); "
                  "dpor-cache then keeps fingerprints instead of states, the others stop "
                  "with a bounded verdict");
}

struct Common {
  std::string kernel;
  bool json = false;
  std::string html; // file for the HTML timeline
  SearchArgs search;
};

// Writes `text` to `path` through a fresh temporary file (mkstemp, in the
// same directory), synced and renamed over it, so that a failed write never
// leaves half a file. False, with a message, on error.
bool write_output_file(const std::string &path, const std::string &text) {
  const size_t slash = path.rfind('/');
  std::string tmp =
      (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + ".pagerace-XXXXXX";
  const int fd = mkstemp(tmp.data());
  auto fail = [&](bool made) {
    fmt::print(stderr, "pagerace: {}: cannot write: {}\n", path, std::strerror(errno));
    if (made) unlink(tmp.c_str());
    return false;
  };
  if (fd < 0) return fail(false);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return fail(true);
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
    close(fd);
    return fail(true);
  }
  if (close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) return fail(true);
  return true;
}

int cmd_check(const std::vector<std::string> &names, const Common &c, bool judge_by_expect) {
  std::vector<trace::Result> results;
  int code = kExitClean;
  if (const std::string note = c.search.single_thread_note(); !note.empty())
    std::fprintf(stderr, "pagerace: %s\n", note.c_str());
  for (const auto &name : names) {
    trace::Result r;
    try {
      scenario::Scenario sc = scenario::load_scenario(name);
      const model::Variant &v = app::select_variant(sc, c.kernel);
      std::string error;
      auto opts = c.search.options(error);
      if (!opts) return input_error(error);
      opts->trace_states = !c.html.empty();
      r = app::check(sc, v, *opts);
    } catch (const scenario::ParseError &e) {
      return input_error(where(e.pos()) + ": " + e.message());
    } catch (const model::ScenarioRuntimeError &e) {
      return input_error(where(e.pos()) + ": " + e.what());
    } catch (const std::invalid_argument &e) {
      return input_error(e.what());
    }
    const bool mismatch = r.expectation.checked && !r.expectation.met();
    int rc = kExitClean;
    if (judge_by_expect)
      rc = r.verdict == trace::Verdict::Bounded ? kExitBounded // nothing to judge by
           : mismatch || !r.expectation.checked ? kExitViolation
                                                : kExitClean;
    else if (r.verdict == trace::Verdict::Violation || mismatch)
      rc = kExitViolation;
    else if (r.verdict == trace::Verdict::Bounded)
      rc = kExitBounded;
    if (rc == kExitViolation || (rc == kExitBounded && code == kExitClean)) code = rc;
    if (!c.json) {
      if (names.size() > 1) fmt::print("### {} ({})\n", r.scenario, r.variant);
      fmt::print("{}\n", report::render_result_text(r));
    }
    results.push_back(std::move(r));
  }
  if (c.json) fmt::print("{}\n", report::render_result_json(results));
  if (!c.html.empty() && !write_output_file(c.html, report::render_result_html(results)))
    return kExitInput;
  return code;
}

int cmd_replay(const std::string &name, const std::string &schedule_text, const Common &c) {
  try {
    scenario::Scenario sc = scenario::load_scenario(name);
    const model::Variant &v = app::select_variant(sc, c.kernel);
    std::string err;
    auto schedule = engine::parse_schedule(schedule_text, &err);
    if (!schedule) return input_error(err);
    app::Replay r = app::replay(sc, v, *schedule);
    if (!r.error.empty()) return input_error(r.error);
    trace::Result res;
    res.scenario = sc.name;
    res.scenario_source = sc.source;
    res.variant = v.name;
    res.replay_command_prefix = app::replay_prefix(sc, v);
    res.verdict = r.violations.empty() ? trace::Verdict::Clean : trace::Verdict::Violation;
    for (auto &viol : r.violations) {
      viol.trace = r.trace;
      (app::is_liveness_kind(viol.kind) ? res.liveness : res.violations).push_back(viol);
    }
    if (c.json) {
      fmt::print("{}\n", report::render_result_json({res}, false));
    } else {
      fmt::print("replay of {} under {}: {} step(s), {} violation(s){}\n\n", sc.name, v.name,
                 r.trace.steps, r.violations.size(), r.crashed ? ", kernel BUG" : "");
      fmt::print("{}\n", report::render_trace_text(r.trace));
      for (const auto &viol : r.violations)
        fmt::print("{}{} at {}: {}\n", app::is_liveness_kind(viol.kind) ? "liveness: " : "",
                   viol.kind, viol.site, viol.reason);
    }
    return r.violations.empty() ? kExitClean : kExitViolation;
  } catch (const scenario::ParseError &e) {
    return input_error(where(e.pos()) + ": " + e.message());
  } catch (const std::invalid_argument &e) {
    return input_error(e.what());
  }
}

struct ReproduceArgs {
  std::string scenario;
  std::string on = "host";
  std::string budget = "45s";
  std::string model_budget = "120s";
  std::string fs = "ext4";
  std::string cache;
  bool json = false;
  bool markdown = false;
  bool show = false;
  bool unthrottled = false;
  std::string read_bps;
  bool quiet = false;
  int jobs = 0;
};

int cmd_reproduce(const ReproduceArgs &a) {
  scenario::Scenario sc;
  app::ReproduceOptions opts;
  try {
    sc = scenario::load_scenario(a.scenario);
    opts.on = a.on;
    app::variant_for(a.on); // an unknown target is a usage error before anything runs
    if (a.show) {
      const reality::Translation t = reality::translate(sc);
      fmt::print("# the translated scenario (what the model checks)\n{}\n# the probe's plan (what "
                 "the real kernel runs)\n{}",
                 t.text, reality::write_plan(t.plan));
      return kExitClean;
    }
  } catch (const scenario::ParseError &e) {
    return input_error(where(e.pos()) + ": " + e.message());
  } catch (const reality::Refused &e) {
    return input_error(where(e.where()) + ": cannot reproduce on a real kernel: " + e.what());
  } catch (const std::invalid_argument &e) {
    return input_error(e.what());
  }
  const auto budget = engine::parse_duration(a.budget);
  if (!budget)
    return input_error("--budget: '" + a.budget + "' is not a positive duration (e.g. 45s, 2m30s)");
  const auto model_budget = engine::parse_duration(a.model_budget);
  if (!model_budget)
    return input_error("--model-budget: '" + a.model_budget +
                       "' is not a positive duration (e.g. 2m, 1h30m)");
  opts.run.budget_seconds = *budget;
  opts.run.fs = a.fs;
  if (!a.read_bps.empty()) {
    const auto b = engine::parse_bytes(a.read_bps);
    if (!b || *b == 0)
      return input_error("--read-bps: '" + a.read_bps + "' is not a rate in bytes (e.g. 256K, 4M)");
    opts.run.read_bps = *b;
  }
  if (a.unthrottled) opts.run.read_bps = 0;
  opts.run.cache_dir = a.cache;
  opts.run.verbose = !a.quiet;
  opts.model.jobs = a.jobs > 0 ? a.jobs : app::default_jobs();
  opts.model.limits.budget_seconds = *model_budget;
  opts.model.limits.max_memory = engine::default_memory_limit();
  reality::catch_interrupts();
  reality::ReproduceReport rep;
  try {
    rep = app::reproduce(sc, opts);
  } catch (const scenario::ParseError &e) {
    return input_error(where(e.pos()) + ": " + e.message());
  } catch (const reality::Refused &e) {
    return input_error(where(e.where()) + ": cannot reproduce on a real kernel: " + e.what());
  } catch (const reality::RealityError &e) {
    return input_error(std::string("reproduce: ") + e.what());
  } catch (const model::ScenarioRuntimeError &e) {
    return input_error(where(e.pos()) + ": " + e.what());
  } catch (const std::invalid_argument &e) {
    return input_error(e.what());
  }
  fmt::print("{}\n", a.json       ? report::render_reproduce_json(rep)
                     : a.markdown ? report::render_reproduce_markdown(rep)
                                  : report::render_reproduce_text(rep));
  if (rep.disagrees()) return kExitViolation;
  return rep.interrupted || rep.model.bounded ? kExitBounded : kExitClean;
}

struct MatrixArgs {
  std::vector<std::string> scenarios; // empty: every built-in
  std::string kernels;                // comma-separated; empty: every variant
  bool json = false;
  bool markdown = false;
  std::string html;
  SearchArgs search;
  unsigned jobs = 0;
};

int cmd_matrix(const MatrixArgs &a) {
  std::vector<const model::Variant *> variants = model::all_variants();
  std::vector<scenario::Scenario> scenarios;
  try {
    if (!a.kernels.empty()) variants = app::parse_variant_list(a.kernels);
    std::vector<std::string> names = a.scenarios;
    if (names.empty()) names = scenario::builtin_scenario_names();
    if (names.empty())
      return input_error("no scenario given and no built-in scenarios in " +
                         scenario::builtin_scenario_dir());
    for (const auto &name : names)
      scenarios.push_back(scenario::load_scenario(name));
  } catch (const scenario::ParseError &e) {
    return input_error(where(e.pos()) + ": " + e.message());
  } catch (const std::invalid_argument &e) {
    return input_error(e.what());
  }

  app::MatrixOptions opts;
  std::string error;
  const auto check_opts = a.search.options(error);
  if (!check_opts) return input_error(error);
  opts.check = *check_opts;
  opts.check.limits.progress = nullptr; // cells run in parallel: one progress line would garble
  opts.check.jobs = 1;                  // the cells are what runs in parallel
  opts.jobs = a.jobs;
  opts.check.trace_states = !a.html.empty();
  const trace::Matrix m = app::run_matrix(scenarios, variants, opts);
  if (a.json)
    fmt::print("{}", report::render_matrix_json(m));
  else if (a.markdown)
    fmt::print("{}", report::render_matrix_markdown(m));
  else
    fmt::print("{}", report::render_matrix_text(m));
  // After the table: a failed write must not cost the user a long run's output.
  if (!a.html.empty() && !write_output_file(a.html, report::render_matrix_html(m)))
    return kExitInput;
  // Errors also go to stderr, one line each, so that they are seen whatever
  // the format of stdout.
  for (const auto &c : m.cells) {
    if (c.status == trace::CellStatus::InputError)
      fmt::print(stderr, "pagerace: {} (kernel variant {})\n", c.message, c.variant);
    else if (c.status == trace::CellStatus::InternalError)
      fmt::print(stderr, "pagerace: internal error in {} on {}: {}\n", c.source, c.variant,
                 c.message);
  }
  return app::matrix_exit_code(m);
}

int cmd_list(bool names_only) {
  if (names_only) {
    for (const auto &name : scenario::builtin_scenario_names())
      fmt::print("{}\n", name);
    return kExitClean;
  }
  fmt::print("Built-in scenarios:\n");
  for (const auto &name : scenario::builtin_scenario_names()) {
    std::string desc;
    try {
      desc = scenario::load_scenario(name).description;
    } catch (const scenario::ParseError &e) {
      desc = "(does not parse: " + e.message() + ")";
    }
    fmt::print("  {:<28} {}\n", name, desc);
  }
  fmt::print("\nScaling family (generated by name, no [expect]; docs/PERFORMANCE.md):\n"
             "  {:<28} {}\n  {:<28} {}\n  {:<28} {}\n",
             "scale-P-D",
             "P pages (1-4) of a shared mapping, D O_DIRECT readers (1-4) into it, "
             "the flusher and kswapd",
             "scale-store-P", "one O_DIRECT reader of P pages, stores to every mapped page",
             "scale-write-P", "one O_DIRECT reader of P pages, a buffered write of the file");
  fmt::print("\nKernel variants:\n");
  for (const model::Variant *v : model::all_variants()) {
    fmt::print("  {:<28} models {}\n    {}\n    sources: {}\n", v->name,
               model::linux_version_name(v->linux_version), v->summary, v->sources);
    for (const std::string &h : model::variant_hooks(*v))
      fmt::print("    changes: {}\n", h);
  }
  return kExitClean;
}

} // namespace

struct BenchArgs {
  std::vector<std::string> scenarios; // empty: app::default_bench_scenarios()
  std::string searches = "bfs,dpor-cache,dpor,dfs";
  std::string jobs = "1";
  std::string kernel;
  int repeat = 1;
  SearchArgs limits;
  // Given on the command line (CLI11 counts): options bench must refuse.
  bool search_given = false, searches_given = false;
};

int cmd_bench(BenchArgs a) {
  std::vector<engine::Search> searches;
  std::string list = a.searches + ",";
  for (size_t pos = 0, comma; (comma = list.find(',', pos)) != std::string::npos; pos = comma + 1) {
    const std::string name = list.substr(pos, comma - pos);
    auto s = engine::parse_search(name);
    if (!s) return input_error("--searches: unknown search '" + name + "'");
    searches.push_back(*s);
  }
  std::vector<int> jobs;
  list = a.jobs + ",";
  for (size_t pos = 0, comma; (comma = list.find(',', pos)) != std::string::npos; pos = comma + 1) {
    const std::string n = list.substr(pos, comma - pos);
    if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(n) < 1)
      return input_error("--jobs: '" + n + "' is not a thread count (e.g. --jobs 1,2)");
    jobs.push_back(std::stoi(n));
  }
  if (a.search_given)
    return input_error("bench: --search picks one search; use --searches to list them");
  if (a.searches_given && a.limits.random > 0)
    return input_error("bench: --searches and --random: sampling replaces the searches");
  if (a.limits.preemptions >= 0)
    return input_error("bench: --preemptions is not measured; check it with pagerace check");
  if (a.limits.budget.empty()) a.limits.budget = "60s";
  std::string error;
  const auto opts = a.limits.options(error);
  if (!opts) return input_error(error);
  const auto names = a.scenarios.empty() ? app::default_bench_scenarios() : a.scenarios;
  try {
    fmt::print("{}", report::render_bench_markdown(
                         app::run_bench(names, searches, jobs, a.kernel, *opts, a.repeat)));
  } catch (const scenario::ParseError &e) {
    return input_error(where(e.pos()) + ": " + e.message());
  } catch (const std::invalid_argument &e) {
    return input_error(e.what());
  }
  return kExitClean;
}

int main(int argc, char **argv) {
  CLI::App app{"pagerace: a model checker for page-cache, GUP, direct-I/O, writeback and "
               "reclaim races in the Linux kernel"};
  app.require_subcommand(1);
  Common c;
  std::vector<std::string> names;
  bool judge = false;
  auto *check = app.add_subcommand("check", "explore every interleaving of scenarios");
  check->add_option("scenario", names, "scenario file or built-in name")->required();
  check->add_option("--kernel", c.kernel, "kernel variant (see `pagerace list`)");
  check->add_flag("--json", c.json, "print the result as JSON (docs/JSON.md)");
  check->add_option("--html", c.html,
                    "also write the counterexamples as one self-contained HTML timeline");
  add_search_options(check, c.search);
  check
      ->add_option("-j,--jobs", c.search.jobs,
                   "threads of the search (bfs and --random; default: one per hardware thread); "
                   "verdicts and traces do not depend on it")
      ->check(CLI::Range(1, 1024));
  check->add_flag("--expect", judge,
                  "judge by the scenarios' [expect] tables: exit 0 when every result matches");

  std::string scenario_name, schedule;
  auto *rep = app.add_subcommand("replay", "replay one schedule and print its trace");
  rep->add_option("scenario", scenario_name, "scenario file or built-in name")->required();
  rep->add_option("--schedule", schedule, "schedule string from a counterexample")->required();
  rep->add_option("--kernel", c.kernel, "kernel variant");
  rep->add_flag("--json", c.json, "print JSON");

  MatrixArgs ma;
  auto *matrix = app.add_subcommand(
      "matrix", "check scenarios x kernel variants and compare each cell with [expect]");
  matrix->add_option("scenario", ma.scenarios,
                     "scenario files or built-in names (default: every built-in scenario)");
  matrix->add_option("--kernels", ma.kernels,
                     "comma-separated kernel variants, e.g. v4.15,pin-wait (default: all)");
  auto *mjson = matrix->add_flag("--json", ma.json, "print the matrix as JSON (docs/JSON.md)");
  auto *mmd = matrix->add_flag("--markdown", ma.markdown, "print the matrix as a Markdown table");
  mjson->excludes(mmd);
  matrix->add_option("--html", ma.html,
                     "also write the matrix and every cell's counterexamples as one HTML file");
  add_search_options(matrix, ma.search);
  matrix->add_option("--jobs", ma.jobs, "cells checked at once (default: one per hardware thread)")
      ->check(CLI::Range(1, 1024));

  BenchArgs ba;
  auto *bench = app.add_subcommand(
      "bench", "measure scenarios under several searches (a Markdown table, docs/PERFORMANCE.md)");
  bench->add_option("scenario", ba.scenarios,
                    "scenarios (default: the seed races, the benign library, the scale family)");
  bench->add_option("--searches", ba.searches, "comma-separated searches (default: all four)");
  bench->add_option("--kernel", ba.kernel, "kernel variant (default: each scenario's own)");
  bench->add_option("-j,--jobs", ba.jobs,
                    "comma-separated thread counts for the BFS rows, e.g. 1,2 (default: 1)");
  bench
      ->add_option("--repeat", ba.repeat,
                   "run each cell N times and keep the median time (default 1); the thread "
                   "counts take turns, and a row on several threads gets its median speedup "
                   "over one")
      ->check(CLI::Range(1, 100));
  add_search_options(bench, ba.limits);

  ReproduceArgs ra;
  auto *repro = app.add_subcommand(
      "reproduce", "run a scenario's system calls on a real kernel and compare with the model");
  repro->add_option("scenario", ra.scenario, "scenario file or built-in name")->required();
  repro->add_option("--on", ra.on,
                    "host (this kernel; needs root), qemu:5.10, qemu:6.1 or qemu:6.12 (a Debian "
                    "kernel under QEMU; no root)");
  repro->add_option("--budget", ra.budget, "time the probe runs its iterations (default 45s)");
  repro->add_option("--fs", ra.fs,
                    "filesystem of the mapped files: ext4 (default), xfs, btrfs "
                    "(host only; only ext4 is modelled)");
  repro->add_option("--model-budget", ra.model_budget,
                    "bound of the model's check of the translated scenario (default 120s)");
  repro->add_option("-j,--jobs", ra.jobs, "threads of the model's check")
      ->check(CLI::Range(1, 1024));
  repro->add_option("--cache", ra.cache,
                    "where kernel packages are kept (default "
                    "$PAGERACE_CACHE, $XDG_CACHE_HOME/pagerace or "
                    "~/.cache/pagerace)");
  repro->add_option("--read-bps", ra.read_bps,
                    "read throttle of the O_DIRECT source's device, bytes a second (default 256K)");
  repro->add_flag("--unthrottled", ra.unthrottled,
                  "do not throttle the O_DIRECT source's reads (shorter race windows)");
  repro->add_flag("--show", ra.show,
                  "print the translated scenario and the probe's plan; run nothing");
  auto *rjson = repro->add_flag("--json", ra.json, "print the report as JSON");
  repro
      ->add_flag("--markdown", ra.markdown,
                 "print the report as a Markdown table row (docs/REALITY.md)")
      ->excludes(rjson);
  repro->add_flag("--quiet", ra.quiet, "no progress messages on stderr");

  auto *list = app.add_subcommand("list", "built-in scenarios and kernel variants");
  bool names_only = false;
  list->add_flag("--names", names_only, "only the built-in scenario names, one per line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitInput;
  }
  try {
    if (*check || *matrix || *bench) catch_sigint();
    if (*check) return cmd_check(names, c, judge);
    if (*bench) {
      ba.search_given = bench->count("--search") > 0;
      ba.searches_given = bench->count("--searches") > 0;
      return cmd_bench(ba);
    }
    if (*rep) return cmd_replay(scenario_name, schedule, c);
    if (*matrix) return cmd_matrix(ma);
    if (*repro) return cmd_reproduce(ra);
    if (*list) return cmd_list(names_only);
  } catch (const std::exception &e) {
    fmt::print(stderr, "pagerace: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInput;
}
