// Scenario files (TOML) to a resolved Scenario. Every error names the place
// as file:line:col; the user's file is only ever read.
#pragma once

#include "scenario/ast.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace pagerace::scenario {

class ParseError : public std::runtime_error {
public:
  ParseError(SourcePos pos, const std::string &message);
  const SourcePos &pos() const { return pos_; }
  const std::string &message() const { return message_; }

private:
  SourcePos pos_;
  std::string message_;
};

// Parses TOML text. `origin` is used in SourcePos::file. Throws ParseError.
Scenario parse_scenario(std::string_view text, const std::string &origin);

// Reads and parses a file. Throws ParseError (with line 0 for I/O errors).
Scenario load_scenario_file(const std::string &path);

} // namespace pagerace::scenario
