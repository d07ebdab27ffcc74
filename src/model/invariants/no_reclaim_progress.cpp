// Liveness: reclaim that never frees a page it could free. A reclaim-side pin
// test (refcount or page_maybe_dma_pinned) can be stale or a false positive:
// then reclaim keeps a clean, unmapped, unpinned page pass after pass.
// Declared here; the kernel paths report it (no hooks of its own).
#include "model/invariants/invariant.hpp"

namespace pagerace::model {

extern const Invariant kNoReclaimProgress;
const Invariant kNoReclaimProgress{
    .kind = "no-reclaim-progress",
    .summary = "reclaim repeatedly keeps a clean, unmapped, unpinned page because of a stale or "
               "false-positive pin",
    .category = Category::Liveness,
};

} // namespace pagerace::model
