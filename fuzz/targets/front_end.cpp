#include "../targets.hpp"
#include "../walk.hpp"

#include "model/system.hpp"
#include "scenario/parser.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <string_view>

namespace pagerace::fuzz {

int front_end(const uint8_t *data, size_t size) {
  // The variant comes from the text's hash, so that scenario files are
  // seeds as they are.
  const uint64_t hash = XXH64(data, size, 0);
  const auto &variants = model::all_variants();
  const model::Variant &variant = *variants[hash % variants.size()];
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  scenario::Scenario sc;
  try {
    sc = scenario::parse_scenario(text, "fuzz.toml");
  } catch (const scenario::ParseError &) {
    return 0; // the parser's target checks its errors
  }
  try {
    const model::System sys(sc, variant);
    walk(sys, hash, 3, 4000);
  } catch (const model::ScenarioRuntimeError &e) {
    // A scenario the model cannot run: it must say where.
    if (e.pos().file != "fuzz.toml" || e.pos().line < 0 || std::string_view(e.what()).empty())
      throw Failure(fmt::format("run-time scenario error without a position: '{}'", e.what()));
  }
  return 0;
}

} // namespace pagerace::fuzz
