// Liveness: some CPU has not returned and nothing can move. Detected by the
// engine (no enabled transition in an unfinished state); no hooks.
#include "model/invariants/invariant.hpp"

namespace pagerace::model {

extern const Invariant kDeadlock;
const Invariant kDeadlock{
    .kind = "deadlock",
    .summary = "a CPU has not returned and no CPU or device can move",
    .category = Category::Liveness,
};

} // namespace pagerace::model
