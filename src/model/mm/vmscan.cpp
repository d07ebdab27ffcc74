// Page reclaim as kswapd runs it (4.15 mm/vmscan.c). One node, one memcg,
// file LRUs only (no swap: get_scan_count() gives SCAN_FILE). Each pass
// scans the whole inactive list, then ages the whole active one (the model's
// lists are short; SWAP_CLUSTER_MAX batching, priorities and
// inactive_list_is_low() are omitted). The isolated pages of a pass live in
// frame-local bit masks.
//
// shrink_page_list() has a second caller: reclaim_pages() (>= 5.4, the
// MADV_PAGEOUT path), which runs in the madvise() caller's task. What
// differs is explicit: the kernel's own current_is_kswapd() tests are
// Ctx::is_kswapd(); the PGDAT_* flags are set only when the caller asks
// (shrink_inactive_list does, reclaim_pages passes a dummy reclaim_stat);
// Task::progress counts kswapd's passes only.
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

inline constexpr int kInactive = 0, kActive = 1;

// Something changed in this kswapd pass (a pass without changes ends kswapd).
// Other reclaimers (reclaim_pages) have no passes to count.
void progress(Ctx &k) {
  if (!k.is_kswapd()) return;
  if (k.task().progress < 255) ++k.task().progress;
}

// 4.15 mm/vmscan.c: isolate_lru_pages() -> __isolate_lru_page(): +1 ref,
// PG_lru cleared, off the list. Returns the mask of isolated page ids.
uint32_t isolate_lru_pages(Ctx &k, int list) {
  uint32_t mask = 0;
  while (k.lru_len()[list] > 0) {
    int id = k.lru()[list][0]; // the tail: oldest first
    lru_del(k, id);
    if (!get_page_unless_zero(k, id)) continue;
    mask |= 1u << id;
  }
  return mask;
}

int pop_lowest(uint32_t &mask) {
  int id = __builtin_ctz(mask);
  mask &= mask - 1;
  return id;
}

// 4.15 mm/vmscan.c: putback_inactive_pages() / move_active_pages_to_lru():
// back on the head of the list PG_active names; the isolation ref dropped
void putback_pages(Ctx &k, uint32_t mask) {
  while (mask) {
    int id = pop_lowest(mask);
    lru_add_head(k, id, (k.page(id).flags & PG_active) ? kActive : kInactive);
    if (k.page(id)._refcount == 1) { // put_page_testzero(): last reference
      lru_del(k, id);
      k.page(id).flags &= uint16_t(~PG_active);
    }
    put_page(k, id);
  }
}

// The reference test of the refcount-check variants (the seed thread's
// proposal): references beyond the page cache's, the isolation's, one per
// PTE and one for the buffers.
int extra_references(const Page &p) {
  return p._refcount - (2 + p._mapcount + ((p.flags & PG_private) ? 1 : 0));
}

// shrink_page_list's counters for the PGDAT_* decisions, packed in one local,
// and whether the caller sets the node flags from them (bit 15): 4.15
// shrink_inactive_list() does; 6.1 reclaim_folio_list() hands shrink_folio_list()
// a dummy_stat it never reads.
struct ReclaimStat {
  int nr_taken, nr_unqueued_dirty, nr_writeback;
  bool set_node_flags;
  static ReclaimStat unpack(int16_t v) {
    const auto u = uint16_t(v);
    return {u & 31, (u >> 5) & 31, (u >> 10) & 31, (u >> 15) != 0};
  }
  int16_t pack() const {
    return int16_t(uint16_t(nr_taken | (nr_unqueued_dirty << 5) | (nr_writeback << 10) |
                            (set_node_flags ? 1 << 15 : 0)));
  }
};

} // namespace

// 4.15 mm/vmscan.c: kswapd() loop around balance_pgdat(). a0 max passes;
// a1 passes done. A pass that changes nothing counts as a balanced node:
// kswapd goes to sleep and prepare_kswapd_sleep() clears the PGDAT_* flags.
Flow kswapd(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (f.a[1] == f.a[0]) {
      k.pgdat_flags() = 0;
      return k.ret(0);
    }
    k.task().progress = 0;
    return k.call(f, 1, Fn::balance_pgdat);
  case 1:
    ++f.a[1];
    if (k.task().progress == 0) {
      k.pgdat_flags() = 0; // clear_pgdat_congested()
      return k.ret(0);
    }
    k.task().progress = 0;
    return k.yield(f, 0);
  }
  k.model_error("kswapd: bad pc");
}

// 4.15 mm/vmscan.c: balance_pgdat() -> shrink_node() -> shrink_node_memcg()
// -> shrink_list(), in for_each_evictable_lru() order: the inactive file list,
// then the active one. shrink_list() ages the active list only when
// inactive_list_is_low(); the model always does (a superset: the ratio
// depends on the size of the machine's memory, which the model does not have).
Flow balance_pgdat(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::shrink_inactive_list);
  case 1: return k.call(f, 2, Fn::shrink_active_list);
  case 2: return k.ret(0);
  }
  k.model_error("balance_pgdat: bad pc");
}

// 4.15 mm/vmscan.c: shrink_active_list(). a0..a1 isolated pages still to
// look at, a2..a3 all isolated pages. Only referenced VM_EXEC file pages stay
// active; the model has no VM_EXEC mappings, so every page is deactivated
// (PTE young bits cleared by page_referenced(), PG_referenced left alone).
Flow shrink_active_list(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    uint32_t mask = isolate_lru_pages(k, kActive);
    if (!mask) return k.ret(0);
    mask_set(f, 0, mask);
    mask_set(f, 2, mask);
    return k.yield(f, 1); // spin_unlock_irq(lru_lock); cond_resched()
  }
  case 1: {
    uint32_t todo = mask_get(f, 0);
    if (!todo) {
      putback_pages(k, mask_get(f, 2));
      return k.ret(0);
    }
    int id = pop_lowest(todo);
    mask_set(f, 0, todo);
    // page_referenced(is_locked = 0) trylocks file pages; a locked page
    // counts as referenced. Without VM_EXEC the result is not used.
    if (!(k.page(id).flags & PG_locked)) page_referenced(k, id);
    k.page(id).flags &= uint16_t(~PG_active);
    k.note("- deactivate {}", k.page_ref(id));
    progress(k);
    return k.yield(f, 1);
  }
  }
  k.model_error("shrink_active_list: bad pc");
}

// 4.15 mm/vmscan.c: shrink_inactive_list(). a0..a1 isolated pages.
Flow shrink_inactive_list(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    uint32_t mask = isolate_lru_pages(k, kInactive);
    if (!mask) return k.ret(0);
    mask_set(f, 0, mask);
    const ReclaimStat stat{0, 0, 0, /*set_node_flags*/ true};
    return k.call(f, 1, Fn::shrink_page_list, f.a[0], f.a[1], 0, 0, 0, 0, stat.pack());
  }
  case 1: putback_pages(k, static_cast<uint32_t>(k.retval())); return k.ret(0);
  }
  k.model_error("shrink_inactive_list: bad pc");
}

// 4.15 mm/vmscan.c: page_check_references()
PageRef page_check_references(Ctx &k, int id) {
  Scope s(k, Fn::page_check_references, PageArg{id});
  Page &p = k.page(id);
  const uint16_t before = p.flags;
  const int referenced_ptes = page_referenced(k, id);
  const bool referenced_page = p.flags & PG_referenced;
  p.flags &= uint16_t(~PG_referenced);
  PageRef r = PageRef::Reclaim;
  if (referenced_ptes) {
    p.flags |= PG_referenced;
    r = (referenced_page || referenced_ptes > 1) ? PageRef::Activate : PageRef::Keep;
  } else if (referenced_page) {
    r = PageRef::ReclaimClean;
  }
  if (p.flags != before || referenced_ptes) progress(k);
  static const char *const names[] = {"PAGEREF_ACTIVATE", "PAGEREF_KEEP", "PAGEREF_RECLAIM",
                                      "PAGEREF_RECLAIM_CLEAN"};
  k.note("- {} (young PTEs {})", names[int(r)], referenced_ptes);
  return r;
}

// 4.15 mm/vmscan.c: is_page_cache_freeable(): only the cache, the isolating
// caller and the buffers may hold references
static bool is_page_cache_freeable(const Page &p) {
  return p._refcount - ((p.flags & PG_private) ? 1 : 0) == 2;
}

// 4.15 mm/vmscan.c: pageout()
PageoutResult pageout(Ctx &k, int id) {
  Scope s(k, Fn::pageout, PageArg{id});
  Page &p = k.page(id);
  if (!is_page_cache_freeable(p)) {
    k.note("- is_page_cache_freeable: page_count {} - buffers {} != 2: PAGE_KEEP", p._refcount,
           (p.flags & PG_private) ? 1 : 0);
    return PageoutResult::Keep;
  }
  if (p.mapping < 0) return PageoutResult::Keep;
  // "if (mapping->a_ops->writepage == NULL) return PAGE_ACTIVATE;": ext4 has
  // none from 6.3 on (dae999602eeb)
  if (!k.variant().ext4_writepage) {
    k.note("- no ->writepage: PAGE_ACTIVATE");
    return PageoutResult::Activate;
  }
  if (clear_page_dirty_for_io(k, id)) {
    p.flags |= PG_reclaim;
    ext4_writepage(k, id); // wbc: WB_SYNC_NONE, for_reclaim
    if (k.crashed()) return PageoutResult::Keep;
    if (!(k.page(id).flags & PG_writeback)) k.page(id).flags &= uint16_t(~PG_reclaim);
    return PageoutResult::Success;
  }
  return PageoutResult::Clean;
}

// 4.15 mm/vmscan.c: __remove_mapping(): freeze the count at 2 (cache +
// isolation), re-check PG_dirty after the freeze, delete from the cache
bool __remove_mapping(Ctx &k, int id) {
  Scope s(k, Fn::__remove_mapping, PageArg{id});
  Page &p = k.page(id);
  if (p._refcount != 2) { // page_ref_freeze() failed
    k.note("- page_ref_freeze(2) fails: page_count {}", p._refcount);
    return false;
  }
  if (p.flags & PG_dirty) return false;
  delete_from_page_cache(k, id);
  k.note("- removed from the page cache");
  return true;
}

// 4.15 mm/vmscan.c: shrink_page_list(). a0..a1 pages still to look at,
// a2 current page, a3 page_check_references() result, a4..a5 kept pages
// (returned), a6 ReclaimStat (the caller passes set_node_flags in it).
// Scheduling points: cond_resched() per page, the rmap walk of try_to_unmap(),
// and ->releasepage after pageout. Callers: shrink_inactive_list (kswapd)
// and reclaim_pages (MADV_PAGEOUT, in the caller's task).
Flow shrink_page_list(Ctx &k, Frame &f) {
  enum { kNext = 0, kLocked = 1, kUnmapped = 2, kRelease = 3 };
  const int id = f.a[2];
  ReclaimStat st = ReclaimStat::unpack(f.a[6]);
  auto keep = [&](bool locked) {
    if (locked) unlock_page(k, id);
    mask_set(f, 4, mask_get(f, 4) | (1u << id));
    f.pc = kNext;
    return Flow::Next;
  };
  auto activate_locked = [&] {
    k.page(id).flags |= PG_active;
    k.note("- activate_locked");
    progress(k);
    return keep(true);
  };

  switch (f.pc) {
  case kNext: {
    uint32_t todo = mask_get(f, 0);
    if (!todo) {
      // shrink_inactive_list(): node flags from this batch
      if (st.set_node_flags) {
        if (st.nr_writeback && st.nr_writeback == st.nr_taken) k.pgdat_flags() |= PGDAT_WRITEBACK;
        // "Nudge the flusher threads in case they are asleep"
        if (st.nr_unqueued_dirty == st.nr_taken) {
          wakeup_flusher_threads(k);
          k.pgdat_flags() |= PGDAT_DIRTY;
        }
      }
      return k.ret(static_cast<int32_t>(mask_get(f, 4)));
    }
    f.a[2] = static_cast<int16_t>(pop_lowest(todo));
    mask_set(f, 0, todo);
    ++st.nr_taken;
    f.a[6] = st.pack();
    return k.yield(f, kLocked); // cond_resched()
  }
  case kLocked: {
    k.reached(Fn::trylock_page);
    if (!trylock_page(k, id)) return keep(false);
    k.note("trylock_page({})", k.page_ref(id));
    Page &p = k.page(id);
    // The seed thread's proposal, right after trylock_page(): GUP-fast and
    // follow_page_pte() take references without the page lock, so the
    // scheduling points up to try_to_unmap() stay open to them.
    if (k.variant().reclaim_check == ReclaimPinCheck::RefcountBeforeUnmap &&
        extra_references(p) > 0) {
      k.note("- page_count {} > 2 + mapcount {} + buffers {}: keep (refcount check)", p._refcount,
             p._mapcount, (p.flags & PG_private) ? 1 : 0);
      check_reclaim_kept(k, id);
      f.a[6] = st.pack();
      return keep(true);
    }
    if ((p.flags & PG_dirty) && !(p.flags & PG_writeback)) // page_check_dirty_writeback()
      ++st.nr_unqueued_dirty;
    if (p.flags & PG_writeback) {
      if (k.is_kswapd() && (p.flags & PG_reclaim) &&
          (k.pgdat_flags() & PGDAT_WRITEBACK)) { // case 1
        f.a[6] = st.pack();
        return activate_locked();
      }
      p.flags |= PG_reclaim; // case 2: global reclaim is sane_reclaim()
      ++st.nr_writeback;
      f.a[6] = st.pack();
      return activate_locked();
    }
    f.a[6] = st.pack();
    PageRef r = page_check_references(k, id);
    if (r == PageRef::Activate) return activate_locked();
    if (r == PageRef::Keep) return keep(true);
    f.a[3] = static_cast<int16_t>(r);
    return k.yield(f, kUnmapped);
  }
  case kUnmapped: {
    Page &p = k.page(id);
    const ReclaimPinCheck check = k.variant().reclaim_check;
    if (p._mapcount > 0 && p.mapping >= 0) {
      if (!try_to_unmap(k, id)) return activate_locked();
      progress(k);
    }
    if (check == ReclaimPinCheck::RefcountAfterUnmap && extra_references(p) > 0) {
      k.note("- unmapped; page_count {} > 2 + buffers {}: keep (refcount check)", p._refcount,
             (p.flags & PG_private) ? 1 : 0);
      check_reclaim_kept(k, id);
      return keep(true);
    }
    // 6.4 mm/vmscan.c (d824ec2a1546, in 6.1.28): "Folio is unmapped now so it
    // cannot be newly pinned anymore"; keep its private data
    if (check == ReclaimPinCheck::MaybePinnedAfterUnmap && page_maybe_dma_pinned(k, id)) {
      check_reclaim_kept(k, id);
      return activate_locked();
    }
    if (p.flags & PG_dirty) {
      // "Only kswapd can writeback filesystem pages": any other reclaimer
      // (MADV_PAGEOUT's reclaim_pages) leaves a dirty file page to the flusher
      if (!k.is_kswapd() || !(p.flags & PG_reclaim) || !(k.pgdat_flags() & PGDAT_DIRTY)) {
        if (k.is_kswapd())
          k.note("- dirty: SetPageReclaim, not written by kswapd yet");
        else
          k.note("- dirty: SetPageReclaim, only kswapd writes file pages");
        p.flags |= PG_reclaim;
        return activate_locked();
      }
      if (PageRef(f.a[3]) == PageRef::ReclaimClean) return keep(true);
      switch (pageout(k, id)) {
      case PageoutResult::Keep: return keep(true);
      case PageoutResult::Activate: return activate_locked();
      case PageoutResult::Success:
        progress(k);
        if (k.page(id).flags & (PG_writeback | PG_dirty)) return keep(false);
        if (!trylock_page(k, id)) return keep(false);
        if (k.page(id).flags & (PG_writeback | PG_dirty)) return keep(true);
        break;
      case PageoutResult::Clean: break;
      }
    }
    return k.yield(f, kRelease);
  }
  case kRelease: {
    Page &p = k.page(id);
    if (p.flags & PG_private) {
      if (!try_to_release_page(k, id)) return activate_locked();
      progress(k);
    }
    if (p.mapping < 0 || !__remove_mapping(k, id)) return keep(true);
    // free_it: the count was frozen at zero; the page goes back to the allocator
    p.flags = 0;
    p._refcount = 1;
    put_page(k, id);
    progress(k);
    f.pc = kNext;
    return Flow::Next;
  }
  }
  k.model_error("shrink_page_list: bad pc");
}

// 6.1 mm/vmscan.c: isolate_lru_page() -> folio_isolate_lru(): take a page off
// its LRU list with a reference of its own; PG_active is kept.
bool isolate_lru_page(Ctx &k, int id) {
  if (!(k.page(id).flags & PG_lru)) return false;
  get_page(k, id);
  lru_del(k, id);
  return true;
}

// 6.1 mm/vmscan.c: reclaim_pages() -> reclaim_folio_list(): reclaim a list of
// isolated pages outside kswapd, under memalloc_noreclaim_save() (PF_MEMALLOC,
// see Ctx::in_memalloc), with may_writepage = may_unmap = 1 and
// ignore_references = false. One node, so one reclaim_folio_list() call.
// a0..a1 isolated pages. Returns the number reclaimed.
Flow reclaim_pages(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    const uint32_t mask = mask_get(f, 0);
    if (!mask) return k.ret(0);
    for (uint32_t m = mask; m;)
      k.page(pop_lowest(m)).flags &= uint16_t(~PG_active); // folio_clear_active()
    const ReclaimStat dummy_stat{0, 0, 0, /*set_node_flags*/ false};
    return k.call(f, 1, Fn::shrink_page_list, f.a[0], f.a[1], 0, 0, 0, 0, dummy_stat.pack());
  }
  case 1: {
    const auto kept = static_cast<uint32_t>(k.retval());
    putback_pages(k, kept); // folio_putback_lru(): by PG_active, isolation ref dropped
    return k.ret(__builtin_popcount(mask_get(f, 0)) - __builtin_popcount(kept));
  }
  }
  k.model_error("reclaim_pages: bad pc");
}

} // namespace pagerace::model
