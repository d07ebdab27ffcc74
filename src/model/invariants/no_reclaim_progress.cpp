// Liveness: reclaim that never frees a page it could free. A reclaim-side pin
// test (refcount or page_maybe_dma_pinned) can be stale or a false positive:
// then reclaim keeps a clean, unmapped page that no DMA holder will write or
// re-dirty, pass after pass. The model reports the second such keep of one
// page within one dirty-to-clean episode: a bounded stand-in for "forever".
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

namespace {

bool holds(const int8_t *pages, int n, int id) {
  for (int i = 0; i < n; ++i)
    if (pages[i] == id) return true;
  return false;
}

// Someone who will still write or re-dirty the page through a reference
// reclaim must respect: a pin set (pages not yet released), any bio not yet
// freed (being built, in flight, or completed and waiting for
// dio_bio_complete or bio_dirty_fn to re-dirty it), or a direct-I/O request's
// own page list. Keeping such a page is the fix working, not a false positive.
bool dma_holder(const Ctx &k, int id) {
  for (const PinSet &p : k.pins())
    if (p.flags && holds(p.page + p.first, p.npages - p.first, id)) return true;
  for (const Bio &b : k.bios())
    if (b.op != BioOp::None && holds(b.page, b.vcnt, id)) return true;
  for (const Task &t : k.tasks()) {
    const Dio &d = t.dio;
    if (d.active && (d.cur_page == id || holds(d.pages + d.head, d.tail - d.head, id))) return true;
  }
  return false;
}

} // namespace

extern const Invariant kNoReclaimProgress;
const Invariant kNoReclaimProgress{
    .kind = "no-reclaim-progress",
    .summary = "reclaim repeatedly keeps a clean, unmapped, unpinned page because of a stale or "
               "false-positive pin",
    .category = Category::Liveness,
    // a new dirtying starts a new episode
    .page_dirtied = [](Ctx &k, int id, const char *) { k.page(id).false_keeps = 0; },
    .reclaim_kept =
        [](Ctx &k, int id) {
          Page &p = k.page(id);
          if ((p.flags & PG_dirty) || p._mapcount > 0 || dma_holder(k, id)) return;
          if (p.false_keeps < 255) ++p.false_keeps;
          k.note("- {} is clean and unmapped, and no DMA holder will write or dirty it: a "
                 "pin (count {})",
                 k.page_ref(id), p._refcount);
          if (p.false_keeps < 2) return;
          k.violate(invariant_index("no-reclaim-progress"), "mm/vmscan.c:shrink_page_list",
                    fmt::format("{} kept {} times for a pin or reference that no DMA holds "
                                "(page_count {}, real pins {})",
                                k.page_name(id), p.false_keeps, p._refcount, p.pins));
        },
};

} // namespace pagerace::model
