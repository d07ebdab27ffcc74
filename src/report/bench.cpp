#include "report/bench.hpp"

#include "report/common.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pagerace::report {

namespace {

std::string mib(uint64_t bytes) {
  return fmt::format("{:.1f}", double(bytes) / (1 << 20));
}

std::string verdict(const trace::Result &r) {
  std::string v = r.verdict == trace::Verdict::Violation ? "violation"
                  : r.bounded                            ? "bounded"
                                                         : "clean";
  if (r.verdict == trace::Verdict::Violation && r.bounded) v += " (bounded)";
  if (r.bounded) v += ": " + r.bound_reason;
  if (r.stats.fingerprints_from)
    v += fmt::format(" (fingerprints, p<{:.0e})", r.stats.omission_probability);
  return v;
}

} // namespace

std::string render_bench_markdown(const std::vector<trace::BenchCell> &cells) {
  // Repeated cells add their spread and, for threads, the speedup.
  const bool repeated =
      std::any_of(cells.begin(), cells.end(), [](const auto &c) { return c.runs > 1; });
  std::string out = "| scenario | kernel | search | verdict | executions | states | steps | "
                    "seconds | steps/s | memory (MiB) | bytes/state |";
  out += repeated ? " runs | seconds min–max | speedup |\n" : "\n";
  out += "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|";
  out += repeated ? "---:|---:|---:|\n" : "\n";
  for (const auto &c : cells) {
    const trace::Stats &s = c.result.stats;
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.2f} | {:.0f} | {} | {} |",
                       c.scenario, c.variant, c.search, verdict(c.result), executions_count(s),
                       s.states, s.steps, s.seconds, s.seconds > 0 ? s.steps / s.seconds : 0.0,
                       mib(s.memory_bytes), s.states ? s.memory_bytes / s.states : 0);
    if (repeated)
      out += fmt::format(" {} | {:.2f}–{:.2f} | {} |", c.runs, c.min_seconds, c.max_seconds,
                         c.speedup > 0 ? fmt::format("{:.2f}×", c.speedup) : "");
    out += "\n";
  }
  return out;
}

} // namespace pagerace::report
