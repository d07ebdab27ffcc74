// Fuzz targets: each takes one input and returns 0, or throws when it finds a
// bug (an exception that escapes is what libFuzzer reports as a crash, and
// what the replay test, tests/fuzz_regression_test.cpp, reports as a
// failure). Built into libFuzzer binaries by the fuzz preset (fuzz/main.cpp)
// and into the test suite by every other build, so that every input kept in
// fuzz/regressions/ stays a regression test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace pagerace::fuzz {

// A property the target checks did not hold.
class Failure : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

// Scenario text → parser: a Scenario within the documented limits, or a
// ParseError whose position lies inside the text.
int parse_scenario(const uint8_t *data, size_t size);
// Scenario text → parser → model front end (System) → a few random
// executions with the model's consistency checks after every step, under a
// kernel variant the text's hash picks.
int front_end(const uint8_t *data, size_t size);
// Bytes → a generated scenario that always parses (fuzz/generate.hpp) →
// random executions under a variant the bytes pick, with the consistency
// checks after every step, and a replay of each execution that must end in
// the same state.
int model(const uint8_t *data, size_t size);

} // namespace pagerace::fuzz
