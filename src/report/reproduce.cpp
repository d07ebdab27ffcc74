// Renderers of a reproduce report.
#include "report/reproduce.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pagerace::report {

namespace {

std::string model_line(const reality::ReproduceReport &r) {
  if (!r.modelled) return "not checked: the model has ext4 only";
  std::string kinds;
  for (const auto &v : r.model.violations)
    kinds += (kinds.empty() ? "" : ", ") + v.kind;
  return fmt::format("{} under {}: {}{} ({} states, {} steps)", r.translation.scenario.name,
                     r.variant, kinds.empty() ? "no violation" : kinds,
                     r.model.bounded ? " — bounded: " + r.model.bound_reason : ", exhaustive",
                     r.model.stats.states, r.model.stats.steps);
}

} // namespace

std::string render_reproduce_text(const reality::ReproduceReport &r) {
  const auto &o = r.observed;
  std::string s = fmt::format("reproduce {} on {}", r.scenario, r.on);
  if (!o.kernel.empty()) s += fmt::format(" (Linux {})", o.kernel);
  if (!r.run.kernel_package.empty()) s += fmt::format(", package {}", r.run.kernel_package);
  s += fmt::format(", {}\n", r.fs);
  s += fmt::format("real kernel: {} iterations in {:.1f} s, {} O_DIRECT reads, {} race windows "
                   "({} with writeback then reclaim inside one read)\n",
                   o.iterations, o.seconds, o.dio_reads, o.windows, o.race1_windows);
  if (o.errors)
    s += fmt::format("{} call(s) failed on the real kernel (as they may in the model: a call's "
                     "error is part of the scenario)\n",
                     o.errors);
  if (r.interrupted)
    s += o.complete ? "interrupted: what the probe saw until then\n"
                    : "interrupted before the probe reported anything\n";
  s += fmt::format("model: {}\n", model_line(r));
  s += fmt::format("variant: {} ({})\n", r.variant, r.variant_why);
  for (const std::string &n : r.run.notes)
    s += "note: " + n + "\n";
  if (!o.disk_from_device)
    s += "note: the disk was read through the files with O_DIRECT (no FIEMAP or block device), "
         "which writes dirty pages back first and can hide a late page\n";
  if (!o.kmsg) s += "note: /dev/kmsg was not readable: kernel warnings not observed\n";
  if (!o.kpageflags) s += "note: /proc/kpageflags was not readable: page states not observed\n";
  s += "\n";
  size_t w0 = 10, w1 = 13;
  for (const auto &c : r.rows) {
    w0 = std::max(w0, c.invariant.size());
    w1 = std::max(w1, c.observed.size());
  }
  s += fmt::format("{:<{}}  {:<{}}  {:<9}  {}\n", "invariant", w0, "real kernel", w1, "model",
                   "verdict");
  for (const auto &c : r.rows)
    s += fmt::format("{:<{}}  {:<{}}  {:<9}  {}\n", c.invariant, w0, c.observed, w1,
                     !r.modelled       ? "-"
                     : c.model_reaches ? "reachable"
                     : r.model.bounded ? "not found"
                                       : "clean",
                     reality::agreement_text(c.agreement));
  for (const auto &c : r.rows)
    if (c.agreement == reality::Agreement::Disagrees)
      s += fmt::format("\n{}: the kernel showed what the model proves unreachable in one pass of "
                       "the driver loops. Either the model misses a kernel path, or it takes more "
                       "than one pass (the kernel repeats them): a finding to read, with the "
                       "kernel log below",
                       c.invariant);
  for (const auto &c : r.rows)
    if (c.agreement == reality::Agreement::NotSeenReachable)
      s += fmt::format("\n{}: the model reaches it and {} race window(s) ran without showing it: "
                       "a statistical miss, not a proof of absence",
                       c.invariant, o.windows);
  if (!r.calls.empty()) {
    size_t agree = 0;
    for (const auto &c : r.calls)
      agree += c.agreement == reality::Agreement::AgreesSeen;
    s += fmt::format("\n\nresults: {} of {} call(s) returned on the real kernel only what the "
                     "model returns\n",
                     agree, r.calls.size());
    for (const auto &c : r.calls) {
      if (c.agreement == reality::Agreement::AgreesSeen) continue;
      std::string real, model;
      for (const auto &[value, times] : c.real)
        real += fmt::format("{}{} ({}x)", real.empty() ? "" : ", ", value, times);
      for (const int64_t v : c.model)
        model += fmt::format("{}{}", model.empty() ? "" : ", ", v);
      s += fmt::format("  {} {}: real {}; model {} ({})\n", c.cpu, c.call, real,
                       model.empty() ? "none" : model,
                       c.agreement == reality::Agreement::Disagrees
                           ? "the model never returns it: it misses a kernel path, or answers "
                             "differently"
                           : "the bounded model did not reach it");
    }
  }
  if (!o.kmsg_lines.empty()) {
    s += fmt::format("\n\nkernel log ({} matched line(s), {} warning(s), {} oops(es)):\n",
                     o.kmsg_lines.size(), o.warnings, o.oopses);
    for (const std::string &l : o.kmsg_lines)
      s += "  " + l + "\n";
  }
  for (const std::string &e : o.probe_errors)
    s += "probe error: " + e + "\n";
  return s;
}

std::string render_reproduce_markdown(const reality::ReproduceReport &r) {
  const auto &o = r.observed;
  std::string s = "| scenario | on | kernel | model | iterations | race windows (race 1 shape) |";
  std::string rule = "|---|---|---|---|---:|---:|";
  for (const auto &c : r.rows) {
    s += " " + c.invariant + " |";
    rule += "---|";
  }
  std::string kinds;
  for (const auto &v : r.model.violations)
    kinds += (kinds.empty() ? "" : ", ") + v.kind;
  s += "\n" + rule + "\n";
  size_t agree = 0;
  for (const auto &c : r.calls)
    agree += c.agreement == reality::Agreement::AgreesSeen;
  const std::string calls =
      r.calls.empty() ? ""
                      : fmt::format("; results of {} of {} calls agree", agree, r.calls.size());
  const std::string model =
      !r.modelled ? "not modelled (" + r.fs + ")"
                  : fmt::format("{}: {}{}{}", r.variant, kinds.empty() ? "clean" : kinds,
                                r.model.bounded ? " (bounded)" : "", calls);
  s += fmt::format("| {} | {}{} | {} | {} | {} | {} ({}) |", r.scenario, r.on,
                   r.fs == "ext4" ? "" : " (" + r.fs + ")", o.kernel, model, o.iterations,
                   o.windows, o.race1_windows);
  for (const auto &c : r.rows) {
    const uint64_t n = c.invariant == "lost-write"              ? o.lost_pages
                       : c.invariant == "fsync-gap"             ? o.late_pages
                       : c.invariant == "dirty-without-buffers" ? o.nobuf
                       : c.invariant == "write-to-clean-page"   ? o.clean_at_return
                                                                : o.wb_at_return;
    s += fmt::format(" {} {}: {} |", c.seen ? "**seen**" : "not seen", n,
                     reality::agreement_text(c.agreement));
  }
  return s;
}

std::string render_reproduce_json(const reality::ReproduceReport &r) {
  using nlohmann::json;
  const auto &o = r.observed;
  json rows = json::array();
  for (const auto &c : r.rows)
    rows.push_back({{"invariant", c.invariant},
                    {"observed", c.observed},
                    {"seen", c.seen},
                    {"model_reaches", c.model_reaches},
                    {"verdict", reality::agreement_text(c.agreement)}});
  json kinds = json::array();
  for (const auto &v : r.model.violations)
    kinds.push_back(v.kind);
  json calls = json::array();
  for (const auto &c : r.calls) {
    json real = json::array();
    for (const auto &[value, times] : c.real)
      real.push_back({{"value", value}, {"times", times}});
    calls.push_back({{"cpu", c.cpu},
                     {"call", c.call},
                     {"real", real},
                     {"model", c.model},
                     {"verdict", reality::agreement_text(c.agreement)}});
  }
  json j = {
      {"schema", "pagerace-reproduce/1"},
      {"scenario", r.scenario},
      {"on", r.on},
      {"fs", r.fs},
      {"modelled", r.modelled},
      {"kernel", o.kernel},
      {"kernel_package", r.run.kernel_package},
      {"interrupted", r.interrupted},
      {"notes", r.run.notes},
      {"real",
       {{"complete", o.complete},
        {"iterations", o.iterations},
        {"seconds", o.seconds},
        {"dio_reads", o.dio_reads},
        {"windows", o.windows},
        {"race1_windows", o.race1_windows},
        {"late_iterations", o.late_iters},
        {"late_pages", o.late_pages},
        {"lost_iterations", o.lost_iters},
        {"lost_pages", o.lost_pages},
        {"clean_at_return", o.clean_at_return},
        {"writeback_at_return", o.wb_at_return},
        {"no_buffers_warnings", o.nobuf},
        {"warnings", o.warnings},
        {"oopses", o.oopses},
        {"failed_calls", o.errors},
        {"kmsg_readable", o.kmsg},
        {"kpageflags_readable", o.kpageflags},
        {"disk_read_from_device", o.disk_from_device},
        {"kmsg", o.kmsg_lines}}},
      {"model",
       {{"scenario", r.translation.scenario.name},
        {"variant", r.variant},
        {"why", r.variant_why},
        {"bounded", r.model.bounded},
        {"bound", r.model.bound_reason},
        {"kinds", kinds},
        {"states", r.model.stats.states}}},
      {"comparison", rows},
      {"calls", calls},
      {"disagrees", r.disagrees()},
  };
  return j.dump(2);
}

} // namespace pagerace::report
