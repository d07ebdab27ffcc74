// Built-in scenarios: the *.toml files shipped in scenarios/, addressed by
// their stem ("seed-race1"), and the one place that reads scenario files.
#pragma once

#include "scenario/ast.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pagerace::scenario {

// The directory of built-in scenarios: $PAGERACE_SCENARIOS when set and not
// empty, else the directory compiled in (PAGERACE_SCENARIO_DIR).
std::string builtin_scenario_dir();

// Stems of the *.toml files in builtin_scenario_dir(), sorted. Empty when the
// directory does not exist.
std::vector<std::string> builtin_scenario_names();

// The path of the built-in scenario `name`, if there is one.
std::optional<std::string> builtin_scenario_path(const std::string &name);

// `name_or_path` is a file when it ends with ".toml", contains a '/', or names
// an existing file; otherwise it is the name of a built-in scenario. Built-ins
// get SourcePos::file "<builtin>/NAME.toml" and Scenario::source NAME. An
// unknown name throws ParseError listing the built-ins.
Scenario load_scenario(const std::string &name_or_path);

// Reads a scenario file as bytes, never writing to it. Throws ParseError with
// line 0 when the file cannot be read (missing, a directory, too large).
std::string read_scenario_text(const std::string &path);

} // namespace pagerace::scenario
