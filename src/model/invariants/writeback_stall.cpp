// Liveness: writeback that cannot finish because a page stays pinned. A
// variant that makes writeback wait for the pins to drop (pin-wait) or skip
// pinned pages keeps the data safe at this price: a final state in which a
// writeback or sync is still blocked on a pin. Declared here; the kernel paths
// report it (no hooks of its own).
#include "model/invariants/invariant.hpp"

namespace pagerace::model {

extern const Invariant kWritebackStall;
const Invariant kWritebackStall{
    .kind = "writeback-stall",
    .summary = "a writeback or sync is blocked on a pinned page in a final state",
    .category = Category::Liveness,
};

} // namespace pagerace::model
