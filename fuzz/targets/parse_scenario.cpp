#include "../targets.hpp"

#include "scenario/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace pagerace::fuzz {

int parse_scenario(const uint8_t *data, size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const std::string origin = "fuzz.toml";
  try {
    const scenario::Scenario sc = scenario::parse_scenario(text, origin);
    // What the rest of the tool relies on (docs/SCENARIOS.md).
    if (sc.cpus.empty() || sc.cpus.size() > 6)
      throw Failure(fmt::format("parsed a scenario with {} CPUs", sc.cpus.size()));
    for (const auto &cpu : sc.cpus)
      if (cpu.ops.empty() || cpu.ops.size() > 32 || cpu.name.empty())
        throw Failure(fmt::format("parsed CPU '{}' with {} calls", cpu.name, cpu.ops.size()));
    if (sc.files.size() > 4) throw Failure("parsed more than 4 files");
  } catch (const scenario::ParseError &e) {
    const auto &p = e.pos();
    const long lines = std::count(text.begin(), text.end(), '\n') + 1;
    if (p.file != origin || e.message().empty() || p.line < 1 || p.line > lines || p.col < 1 ||
        std::string_view(e.what()).substr(0, origin.size()) != origin)
      throw Failure(fmt::format("parse error without a sound position: '{}' (line {}, col {})",
                                e.what(), p.line, p.col));
  }
  return 0;
}

} // namespace pagerace::fuzz
