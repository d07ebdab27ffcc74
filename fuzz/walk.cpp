#include "walk.hpp"

#include "targets.hpp"

#include "engine/schedule.hpp"

#include <fmt/format.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace pagerace::fuzz {

void walk(const model::System &sys, uint64_t seed, int walks, int max_steps) {
  std::mt19937_64 rng(seed);
  std::vector<model::Choice> choices;
  engine::Schedule schedule; // printed as `pagerace replay --schedule` takes it
  const auto check = [&](const model::State &s) {
    if (std::string why = sys.check_consistency(s); !why.empty())
      throw Failure(fmt::format("inconsistent model state after schedule '{}': {}",
                                engine::format_schedule(schedule), why));
  };
  for (int w = 0; w < walks; ++w) {
    model::State s = sys.initial();
    schedule.clear();
    check(s);
    for (int i = 0; i < max_steps && !sys.finished(s); ++i) {
      sys.enabled(s, choices);
      if (choices.empty()) break;
      const model::Choice c = choices[rng() % choices.size()];
      schedule.push_back(engine::Step{c.actor, c.alt});
      sys.step(s, c);
      check(s);
    }
    model::State again = sys.initial();
    for (const engine::Step &st : schedule)
      sys.step(again, model::Choice{st.actor, st.alt});
    if (std::memcmp(&s, &again, sizeof s) != 0)
      throw Failure(fmt::format("replaying schedule '{}' ended in another state",
                                engine::format_schedule(schedule)));
  }
}

} // namespace pagerace::fuzz
