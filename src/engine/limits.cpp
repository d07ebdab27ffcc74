#include "engine/limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>

namespace pagerace::engine {

const char *search_name(Search s) {
  switch (s) {
  case Search::Bfs: return "bfs";
  case Search::Dfs: return "dfs";
  case Search::Dpor: return "dpor";
  case Search::DporCache: return "dpor-cache";
  }
  return "?";
}

std::optional<Search> parse_search(const std::string &name) {
  for (Search s : {Search::Bfs, Search::Dfs, Search::Dpor, Search::DporCache})
    if (name == search_name(s)) return s;
  return std::nullopt;
}

namespace {

// A non-negative decimal number followed by a unit from `units`.
template <class Units>
std::optional<double> number_with_unit(const std::string &text, const Units &units) {
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])))) return std::nullopt;
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v) || v < 0) return std::nullopt;
  const std::string unit(end);
  for (const auto &[name, scale] : units)
    if (unit == name) return v * scale;
  return std::nullopt;
}

} // namespace

// One or more numbers with units, largest first (`1h30m`, `2m30s`), for a
// time that one unit does not say well. Each part is a number as sizes
// write theirs.
std::optional<double> parse_duration(const std::string &text) {
  static const std::pair<const char *, double> units[] = {
      {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
  const auto span = [&](size_t from, auto in_class) {
    while (from < text.size() && in_class(static_cast<unsigned char>(text[from])))
      ++from;
    return from;
  };
  double total = 0, previous_scale = HUGE_VAL;
  for (size_t at = 0; at < text.size();) {
    const size_t digits = span(at, [](unsigned char c) { return std::isdigit(c) || c == '.'; });
    const size_t letters = span(digits, [](unsigned char c) { return std::isalpha(c) != 0; });
    // The unit first, then the number alone: strtod() would read `0xah`
    // as ten hours, its letters taken for hex digits.
    const std::string_view unit(text.data() + digits, letters - digits);
    const auto *u = std::find_if(std::begin(units), std::end(units),
                                 [&](const auto &named) { return unit == named.first; });
    static const std::pair<const char *, double> plain[] = {{"", 1}};
    const auto v = number_with_unit(text.substr(at, digits - at), plain);
    if (u == std::end(units) || !v) return std::nullopt;
    const double scale = u->second;
    if (scale >= previous_scale) return std::nullopt; // `30s1m`, `1m1m`
    previous_scale = scale;
    total += *v * scale;
    at = letters;
  }
  if (!std::isfinite(total) || total <= 0) return std::nullopt;
  return total;
}

std::string format_duration(double seconds) {
  if (seconds < 1) return fmt::format("{}ms", std::lround(seconds * 1000));
  if (seconds < 120) return fmt::format("{:g}s", std::round(seconds * 10) / 10);
  if (seconds < 7200) return fmt::format("{:g}m", std::round(seconds / 6) / 10);
  return fmt::format("{:g}h", std::round(seconds / 360) / 10);
}

std::optional<uint64_t> parse_bytes(const std::string &text) {
  static const std::pair<const char *, double> units[] = {
      {"", 1}, {"k", 1024.0}, {"K", 1024.0}, {"M", 1024.0 * 1024}, {"G", 1024.0 * 1024 * 1024}};
  auto v = number_with_unit(text, units);
  if (!v || *v < 1 || *v > 1e18) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

std::string format_bytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return fmt::format("{:.1f}G", double(bytes) / (1 << 30));
  if (bytes >= (uint64_t{1} << 20)) return fmt::format("{:.1f}M", double(bytes) / (1 << 20));
  if (bytes >= 1024) return fmt::format("{:.1f}k", double(bytes) / 1024);
  return fmt::format("{}", bytes);
}

double Limits::fraction(const Progress &p) const {
  double f = -1;
  auto take = [&](double x) { f = std::max(f, std::min(1.0, x)); };
  if (max_states) take(double(p.states) / double(max_states));
  if (max_steps) take(double(p.steps) / double(max_steps));
  if (budget_seconds > 0) take(p.seconds / budget_seconds);
  return f;
}

double Exploration::omission_probability() const {
  if (!fingerprints_from) return 0;
  const double n = static_cast<double>(states);
  return std::min(1.0, n * n / std::ldexp(1.0, 129));
}

uint64_t default_memory_limit() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024 / 4 * 3;
  return 0;
}

} // namespace pagerace::engine
