// A schedule is plain data: the list of choices from the initial state. It
// is what replay, shrinking and saving a counterexample share. Text form:
// choices separated by '.', each "actor" or "actor/alt", with "*n" for n
// repetitions, e.g. "0*5.1.2/64".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pagerace::engine {

struct Step {
  uint8_t actor = 0;
  uint8_t alt = 0;
  friend auto operator<=>(const Step &, const Step &) = default;
};

using Schedule = std::vector<Step>;

std::string format_schedule(const Schedule &s);
// nullopt and a message on malformed text
std::optional<Schedule> parse_schedule(const std::string &text, std::string *error = nullptr);
int context_switches(const Schedule &s);
// The order counterexamples are chosen by: fewer steps, then fewer context
// switches, then the smaller schedule.
bool preferred(const Schedule &a, const Schedule &b);

} // namespace pagerace::engine
