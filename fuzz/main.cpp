// The libFuzzer entry point of one target, picked at build time
// (PAGERACE_FUZZ_TARGET: parse_scenario, front_end or model).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return pagerace::fuzz::PAGERACE_FUZZ_TARGET(data, size);
}
