// Exit codes of the pagerace command line, shared by every command.
#pragma once

namespace pagerace::app {

inline constexpr int kExitClean = 0;     // clean (exhaustive), or every expectation met
inline constexpr int kExitViolation = 1; // a violation found, or an expectation mismatch
inline constexpr int kExitInput = 2;     // usage or input error
inline constexpr int kExitBounded = 3;   // a bounded run found no violation
inline constexpr int kExitInternal = 70; // internal error (EX_SOFTWARE): a model error

} // namespace pagerace::app
