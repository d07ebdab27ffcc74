#include "../generate.hpp"
#include "../targets.hpp"
#include "../walk.hpp"

#include "model/system.hpp"
#include "scenario/parser.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <stdexcept>

namespace pagerace::fuzz {

int model(const uint8_t *data, size_t size) {
  ByteSource in(data, size);
  const auto &variants = model::all_variants();
  const model::Variant &variant = *variants[in.below(uint32_t(variants.size()))];
  const std::string text = generate_scenario(in);
  scenario::Scenario sc;
  try {
    sc = scenario::parse_scenario(text, "generated.toml");
  } catch (const scenario::ParseError &e) {
    throw Failure(
        fmt::format("the generator wrote a scenario that does not parse: {}\n{}", e.what(), text));
  }
  try {
    const model::System sys(sc, variant);
    walk(sys, XXH64(data, size, 1), 4, 4000);
  } catch (const model::ScenarioRuntimeError &e) {
    // A call the variant lacks, an unaligned offset, ...: refused with its place.
    if (e.pos().file != "generated.toml" || e.pos().line < 0)
      throw Failure(fmt::format("run-time scenario error without a position: '{}'", e.what()));
    return 0;
  } catch (const std::logic_error &e) { // a Failure, or a model error
    throw Failure(fmt::format("{}\nunder {}, scenario:\n{}", e.what(), variant.name, text));
  }
  return 0;
}

} // namespace pagerace::fuzz
