// The sanitized builds (ASan + UBSan, and TSan for the threaded tests) run
// the long property tests on fewer cases: each case is many times slower
// there, and the plain build runs them all. What a reduced test checks is the
// same; only how many scenarios, variants or bounds it checks it on differs.
#pragma once

namespace pagerace::testing {

#ifdef PAGERACE_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// `n` in the plain build, about half of it in a sanitized one.
constexpr int plain_or_half(int n) {
  return kSanitized ? n / 2 : n;
}

} // namespace pagerace::testing
