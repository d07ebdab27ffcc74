// madvise(MADV_COLD / MADV_PAGEOUT) (6.1 mm/madvise.c; both appeared in 5.4,
// so model/kernel/availability.cpp refuses them on older variants before a
// run). The vma walk holds mmap_sem for read (madvise_need_mmap_write() is 0
// for both). Per vma, the PTE walk runs under the PTE lock in one step;
// MADV_PAGEOUT then reclaims the isolated pages with reclaim_pages()
// (mm/vmscan.cpp) in this task, and each vma ends with cond_resched().
//
// Omitted: THP (no large folios), VM_LOCKED/VM_PFNMAP/VM_HUGETLB vmas (the
// model has none, so can_madv_lru_vma() always holds), MGLRU, the per-CPU
// lru_add_drain()/folio batches (LRU moves happen at once), the TLB gather.
// Anonymous pages are not on the model's LRU (no swap), so both advices skip
// them, as !PageLRU pages are skipped in the kernel.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

using scenario::flags::MADV_COLD;
using scenario::flags::MADV_PAGEOUT;

// 6.1 mm/madvise.c: can_do_pageout(): anonymous vmas, and file vmas whose file
// the caller owns or could open for writing. The model's scenario files all
// count as writable by the caller, so every vma passes.
bool can_do_pageout(const Vma &) {
  return true;
}

// The first vma that ends above `vpage` (6.1 find_vma()), or kNone.
int find_vma_from(const Ctx &k, int vpage) {
  int best = kNone;
  for (int i = 0; i < kMaxVmas; ++i) {
    const Vma &v = k.vmas()[i];
    if (!v.npages || v.start + v.npages <= vpage) continue;
    if (best == kNone || v.start < k.vmas()[best].start) best = i;
  }
  return best;
}

} // namespace

// 6.1 mm/madvise.c: madvise_cold_or_pageout_pte_range() over the PTEs
// [first, last) of one vma, under the PTE lock. A page is skipped unless it
// is on the LRU and mapped exactly once; its young bit and PG_referenced are
// cleared (for both advices in 6.1; 6.12 leaves the young bit to PAGEOUT's
// ignore_references). COLD deactivates it; PAGEOUT isolates it. Returns the
// mask of isolated pages, for reclaim_pages().
uint32_t madvise_cold_or_pageout_pte_range(Ctx &k, int first, int last, bool pageout) {
  Scope s(k, Fn::madvise_cold_or_pageout_pte_range, pageout ? "pageout" : "cold");
  uint32_t isolated = 0;
  for (int vp = first; vp < last && vp < kMaxVpages; ++vp) {
    Pte &pte = k.pte(vp);
    if (!(pte.bits & PTE_P)) continue;
    if (pte.page == kZeroPage) continue; // vm_normal_page(): NULL for the zero page
    const int id = pte.page;
    Page &p = k.page(id);
    // "Do not interfere with other mappings of this page and non-LRU page."
    if (!(p.flags & PG_lru) || p._mapcount != 1) {
      k.note("- {}: skipped ({})", k.page_ref(id),
             (p.flags & PG_lru) ? "mapped more than once" : "not on the LRU");
      continue;
    }
    pte.bits &= uint8_t(~PTE_A);         // ptep_get_and_clear_full() + pte_mkold()
    p.flags &= uint16_t(~PG_referenced); // ClearPageReferenced()
    if (pageout) {
      if (isolate_lru_page(k, id)) {
        isolated |= 1u << id;
        k.note("- {}: isolated for reclaim", k.page_ref(id));
      }
    } else {
      deactivate_page(k, id);
    }
  }
  return isolated;
}

// 6.1 mm/madvise.c: do_madvise() -> madvise_walk_vmas() -> madvise_cold() /
// madvise_pageout(). a0 vpage, a1 npages, a2 advice; a3 next vpage to visit,
// a4 unmapped_error (a hole in the range: -ENOMEM at the end). Returns 0 or
// -errno.
Flow sys_madvise(Ctx &k, Frame &f) {
  const int start = f.a[0], end = f.a[0] + f.a[1];
  auto done = [&](int r) {
    --k.mmap_sem().readers; // mmap_read_unlock()
    return k.ret(r);
  };
  switch (f.pc) {
  case 0:
    if (f.a[2] != MADV_COLD && f.a[2] != MADV_PAGEOUT) return k.ret(-kEINVAL);
    if (f.a[1] < 0) return k.ret(-kEINVAL); // len rounds to 0 or end < start
    if (f.a[1] == 0) return k.ret(0);
    f.a[3] = static_cast<int16_t>(start);
    return k.sleep(f, 1, Wait::MmapSemRead, 0); // mmap_read_lock()
  case 1:
    ++k.mmap_sem().readers;
    f.pc = 2;
    return Flow::Next;
  case 2: { // next vma of the walk
    if (f.a[3] >= end) return done(f.a[4]);
    const int vma = find_vma_from(k, f.a[3]);
    if (vma == kNone) return done(-kENOMEM);
    const Vma &v = k.vmas()[vma];
    if (f.a[3] < v.start) { // an unmapped hole: skip it, fail at the end
      f.a[4] = -kENOMEM;
      f.a[3] = v.start;
      if (f.a[3] >= end) return done(f.a[4]);
    }
    const int from = f.a[3], to = std::min<int>(end, v.start + v.npages);
    f.a[3] = static_cast<int16_t>(to);
    if (f.a[2] == MADV_COLD) {
      madvise_cold_or_pageout_pte_range(k, from, to, false);
      return k.yield(f, 2); // cond_resched()
    }
    if (!can_do_pageout(v)) return k.yield(f, 2);
    const uint32_t isolated = madvise_cold_or_pageout_pte_range(k, from, to, true);
    if (!isolated) return k.yield(f, 2);
    return k.call(f, 3, Fn::reclaim_pages, int16_t(uint16_t(isolated & 0xffff)),
                  int16_t(uint16_t(isolated >> 16)));
  }
  case 3: return k.yield(f, 2); // cond_resched()
  }
  k.model_error("sys_madvise: bad pc");
}

} // namespace pagerace::model
