// Liveness: reclaim that never frees a page it could free. A reclaim-side pin
// test (refcount or page_maybe_dma_pinned) can be stale or a false positive:
// then reclaim keeps a clean, unmapped page that no DMA can reach any more,
// pass after pass. The model reports the second such keep of one page.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

namespace {

bool holds(const int8_t *pages, int n, int id) {
  for (int i = 0; i < n; ++i)
    if (pages[i] == id) return true;
  return false;
}

// DMA that can still write or read the page: a long-term pin set, a bio
// being built or not yet completed, or a direct-I/O request holding pages
// it has not put in a bio yet.
// A completed bio waiting for bio_dirty_fn holds a stale reference or pin.
bool live_dma(const Ctx &k, int id) {
  for (const PinSet &p : k.s.pins)
    if (holds(p.page, p.npages, id)) return true;
  for (const Bio &b : k.s.bios)
    if (b.op != BioOp::None && b.state != BioState::Completed && holds(b.page, b.vcnt, id))
      return true; // being built or in flight
  for (const Task &t : k.s.tasks) {
    const Dio &d = t.dio;
    if (!d.active) continue;
    if (d.cur_page == id || holds(d.pages + d.head, d.tail - d.head, id)) return true;
    if (d.cur_bio != kNone && holds(k.s.bios[d.cur_bio].page, k.s.bios[d.cur_bio].vcnt, id))
      return true;
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
    .reclaim_kept =
        [](Ctx &k, int id) {
          Page &p = k.page(id);
          if ((p.flags & PG_dirty) || p._mapcount > 0 || live_dma(k, id)) return;
          if (p.false_keeps < 255) ++p.false_keeps;
          k.note("- {} is clean and unmapped, and no DMA can reach it: a stale or false-positive "
                 "pin (count {})",
                 k.page_name(id), p._refcount);
          if (p.false_keeps < 2) return;
          k.violate(invariant_index("no-reclaim-progress"), "mm/vmscan.c:shrink_page_list",
                    fmt::format("{} kept {} times for a pin or reference that no DMA holds "
                                "(page_count {}, real pins {})",
                                k.page_name(id), p.false_keeps, p._refcount, p.pins));
        },
};

} // namespace pagerace::model
