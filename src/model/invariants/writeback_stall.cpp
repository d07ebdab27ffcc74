// Liveness: writeback that cannot finish because a page stays pinned. A
// variant that makes writeback wait for the pins to drop (pin-wait) keeps the
// data safe at this price: a stuck state in which a writeback or sync waits
// for a pin. System::stuck_kind() classifies the stuck states the engine
// finds (no hooks of its own); a stuck state with such a waiter counts as
// this kind even if other tasks are stuck for other reasons.
#include "model/invariants/invariant.hpp"

namespace pagerace::model {

extern const Invariant kWritebackStall;
const Invariant kWritebackStall{
    .kind = "writeback-stall",
    .summary = "a writeback or sync is blocked on a pinned page in a final state",
    .category = Category::Liveness,
};

} // namespace pagerace::model
