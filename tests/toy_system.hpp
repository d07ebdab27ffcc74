// Test helper: what the toy systems that tests hand to the engine share, so
// that each states only its states, steps and ends. A toy has one component
// (its whole state), no violations, and no stuck state of its own kind.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace pagerace::test_util {

template <class S> struct ToySystem {
  struct Choice {
    uint8_t actor = 0, alt = 0;
  };
  struct Outcome {
    uint32_t violations = 0;
    std::array<uint64_t, 4> reached{};
  };
  using State = S;
  using StateType = S;
  using ChoiceType = Choice;

  State initial() const { return {}; }
  std::vector<std::pair<uint32_t, uint32_t>> components() const {
    return {{0, static_cast<uint32_t>(sizeof(S))}};
  }
  uint32_t changed_components(const Outcome &) const { return 1; }
  const void *stuck_on_variable(const State &) const { return nullptr; }
  int stuck_kind(const State &) const { return 0; }
  int num_kinds() const { return 1; }
};

} // namespace pagerace::test_util
