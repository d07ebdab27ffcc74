#include "scenario/builtin.hpp"
#include "scenario/scale.hpp"

#include "scenario/parser.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#ifndef PAGERACE_SCENARIO_DIR
#define PAGERACE_SCENARIO_DIR "scenarios"
#endif

namespace pagerace::scenario {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxScenarioBytes = 1024 * 1024;

bool ends_with_toml(const std::string &s) {
  return s.size() >= 5 && s.compare(s.size() - 5, 5, ".toml") == 0;
}

// A built-in name is a plain file stem: no directory parts, no dot files.
bool plausible_builtin_name(const std::string &name) {
  return !name.empty() && name.find('/') == std::string::npos && name.front() != '.' &&
         name.find('\0') == std::string::npos;
}

} // namespace

std::string builtin_scenario_dir() {
  if (const char *env = std::getenv("PAGERACE_SCENARIOS"); env != nullptr && *env != '\0') {
    return env;
  }
  return PAGERACE_SCENARIO_DIR;
}

std::vector<std::string> builtin_scenario_names() {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(builtin_scenario_dir(), ec);
  if (ec) return names;
  for (const fs::directory_entry &entry : it) {
    const fs::path &p = entry.path();
    if (p.extension() != ".toml") continue;
    std::error_code fec;
    if (!entry.is_regular_file(fec)) continue;
    std::string stem = p.stem().string();
    if (plausible_builtin_name(stem)) names.push_back(std::move(stem));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> builtin_scenario_path(const std::string &name) {
  if (!plausible_builtin_name(name)) return std::nullopt;
  fs::path p = fs::path(builtin_scenario_dir()) / (name + ".toml");
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  return p.string();
}

std::string read_scenario_text(const std::string &path) {
  const SourcePos where{path, 0, 0};
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    const std::string why = ec ? ec.message() : std::string("No such file or directory");
    throw ParseError(where, fmt::format("cannot read scenario file '{}': {}", path, why));
  }
  if (fs::is_directory(st)) {
    throw ParseError(where, fmt::format("'{}' is a directory, not a scenario file", path));
  }
  std::ifstream in(path, std::ios::in | std::ios::binary);
  if (!in) {
    throw ParseError(where,
                     fmt::format("cannot read scenario file '{}': {}", path, std::strerror(errno)));
  }
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxScenarioBytes) {
      throw ParseError(where, fmt::format("scenario file '{}' is too large (more than {} bytes)",
                                          path, kMaxScenarioBytes));
    }
  }
  if (in.bad()) {
    throw ParseError(where, fmt::format("error while reading scenario file '{}'", path));
  }
  return text;
}

Scenario load_scenario(const std::string &name_or_path) {
  std::error_code ec;
  const bool is_file = fs::exists(name_or_path, ec) && !fs::is_directory(name_or_path, ec);
  if (ends_with_toml(name_or_path) || name_or_path.find('/') != std::string::npos || is_file) {
    return load_scenario_file(name_or_path);
  }
  if (std::optional<std::string> path = builtin_scenario_path(name_or_path)) {
    std::string text = read_scenario_text(*path);
    Scenario s = parse_scenario(text, "<builtin>/" + name_or_path + ".toml");
    s.source = name_or_path;
    return s;
  }
  if (std::optional<std::string> text = scale_scenario_text(name_or_path)) {
    Scenario s = parse_scenario(*text, "<builtin>/" + name_or_path + ".toml");
    s.source = name_or_path;
    return s;
  }
  const std::vector<std::string> names = builtin_scenario_names();
  std::string listing =
      names.empty() ? fmt::format("there are no built-in scenarios in '{}'", builtin_scenario_dir())
                    : fmt::format("built-in scenarios: {}", fmt::join(names, ", "));
  throw ParseError(
      SourcePos{name_or_path, 0, 0},
      fmt::format("no scenario file or built-in scenario named '{}'; {}", name_or_path, listing));
}

} // namespace pagerace::scenario
