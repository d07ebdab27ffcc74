#include "report/bench.hpp"

#include <fmt/format.h>

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
  std::string out = "| scenario | kernel | search | verdict | executions | states | steps | "
                    "seconds | steps/s | memory (MiB) | bytes/state |\n"
                    "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto &c : cells) {
    const trace::Stats &s = c.result.stats;
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.2f} | {:.0f} | {} | {} |\n",
                       c.scenario, c.variant, c.search, verdict(c.result), s.executions, s.states,
                       s.steps, s.seconds, s.seconds > 0 ? s.steps / s.seconds : 0.0,
                       mib(s.memory_bytes), s.states ? s.memory_bytes / s.states : 0);
  }
  return out;
}

} // namespace pagerace::report
