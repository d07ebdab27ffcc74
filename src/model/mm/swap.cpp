// LRU lists (4.15 mm/swap.c). One node, no memcg, file pages only: without
// swap configured, 4.15 get_scan_count() scans no anonymous LRU, so anonymous
// pages are never put on a list the model scans. Pagevec batching is omitted:
// lru_cache_add() puts the page on the list at once.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

void lru_add_head(Ctx &k, int id, int list) {
  auto &len = k.lru_len()[list];
  k.lru()[list][len++] = static_cast<int8_t>(id);
  k.page(id).flags |= PG_lru;
  if (list == 1) k.page(id).flags |= PG_active;
}

void lru_del(Ctx &k, int id) {
  for (int list = 0; list < 2; ++list) {
    auto &len = k.lru_len()[list];
    for (int i = 0; i < len; ++i) {
      if (k.lru()[list][i] != id) continue;
      for (int j = i; j + 1 < len; ++j)
        k.lru()[list][j] = k.lru()[list][j + 1];
      k.lru()[list][--len] = 0;
      k.page(id).flags &= uint16_t(~PG_lru);
      return;
    }
  }
}

// 4.15 mm/swap.c: lru_cache_add() -> __lru_cache_add() -> __pagevec_lru_add_fn()
void lru_cache_add(Ctx &k, int id) {
  if (k.page(id).mapping == kAnon)
    return; // anonymous LRU: not scanned without swap (see file comment)
  lru_add_head(k, id, (k.page(id).flags & PG_active) ? 1 : 0);
}

// 4.15 mm/swap.c: mark_page_accessed(); referenced twice -> activate
void mark_page_accessed(Ctx &k, int id) {
  if (id == kZeroPage) return;
  Page &p = k.page(id);
  if (!(p.flags & PG_active) && (p.flags & PG_referenced)) {
    // activate_page() moves pages on the LRU. Off the LRU, 4.15 only
    // activates a page still in this CPU's pagevec (__lru_cache_activate_page);
    // the model has no pagevecs, so an off-LRU page is one reclaim isolated.
    if (p.flags & PG_lru) {
      lru_del(k, id);
      lru_add_head(k, id, 1);
    }
    p.flags &= uint16_t(~PG_referenced);
    k.note("mark_page_accessed: activate {}", k.page_ref(id));
  } else if (!(p.flags & PG_referenced)) {
    p.flags |= PG_referenced;
  }
}

// Onto the tail of the inactive list: the end reclaim isolates first.
static void lru_add_tail(Ctx &k, int id) {
  auto &len = k.lru_len()[0];
  for (int j = len; j > 0; --j)
    k.lru()[0][j] = k.lru()[0][j - 1];
  k.lru()[0][0] = static_cast<int8_t>(id);
  ++len;
  k.page(id).flags |= PG_lru;
}

// 6.1 mm/swap.c: deactivate_page() -> lru_deactivate_fn() (MADV_COLD), applied
// at once instead of through the per-CPU lru_deactivate batch; MGLRU off. An
// active page on the LRU moves to the head of the inactive list and loses
// PG_active and PG_referenced; anything else is left alone.
void deactivate_page(Ctx &k, int id) {
  Scope s(k, Fn::deactivate_page, PageArg{id});
  Page &p = k.page(id);
  if (!(p.flags & PG_lru) || !(p.flags & PG_active)) return;
  lru_del(k, id);
  p.flags &= uint16_t(~(PG_active | PG_referenced));
  lru_add_head(k, id, 0);
  k.note("- {} moved to the inactive list", k.page_ref(id));
}

// 4.15 mm/swap.c: deactivate_file_page() -> lru_deactivate_file_fn() (6.1:
// deactivate_file_folio(), same rules), applied at once instead of through
// the per-CPU pagevec: a page invalidation could not drop goes to the
// inactive list unless it is mapped. A dirty page or one under writeback
// goes to the head with PG_reclaim (reclaim then finds it once written, via
// rotate_reclaimable_page()); a clean one to the tail.
void deactivate_file_page(Ctx &k, int id) {
  Scope s(k, Fn::deactivate_file_page, PageArg{id});
  Page &p = k.page(id);
  if (!(p.flags & PG_lru) || p._mapcount > 0) return;
  lru_del(k, id);
  p.flags &= uint16_t(~(PG_active | PG_referenced));
  if (p.flags & (PG_writeback | PG_dirty)) {
    lru_add_head(k, id, 0);
    p.flags |= PG_reclaim;
  } else {
    lru_add_tail(k, id);
  }
}

} // namespace pagerace::model
