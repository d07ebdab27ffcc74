// Dirtying and the writeback flags (4.15 mm/page-writeback.c). Dirty
// accounting, memcg and balance_dirty_pages() are omitted.
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 mm/page-writeback.c: set_page_dirty()
bool set_page_dirty(Ctx &k, int id) {
  Scope s(k, Fn::set_page_dirty);
  Page &p = k.page(id);
  if (p.mapping >= 0) {
    p.flags &= uint16_t(~PG_reclaim);
    return ext4_set_page_dirty(k, id); // a_ops->set_page_dirty
  }
  if (p.flags & PG_dirty) return false;
  p.flags |= PG_dirty; // anonymous memory (no swap cache)
  return true;
}

// 4.15 mm/page-writeback.c: set_page_dirty_lock(). a0 page
Flow set_page_dirty_lock(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::lock_page, f.a[0]);
  case 1: {
    bool r = set_page_dirty(k, f.a[0]);
    unlock_page(k, f.a[0]);
    return k.ret(r);
  }
  }
  k.model_error("set_page_dirty_lock: bad pc");
}

// 4.15 mm/page-writeback.c: __set_page_dirty_nobuffers()
bool __set_page_dirty_nobuffers(Ctx &k, int id, const char *site) {
  Scope s(k, Fn::__set_page_dirty_nobuffers);
  Page &p = k.page(id);
  if (p.flags & PG_dirty) return false;
  p.flags |= PG_dirty;
  check_page_dirtied(k, id, site);
  if (p.mapping >= 0) {
    p.tags |= TAG_DIRTY;
    __mark_inode_dirty(k, p.mapping);
  }
  return true;
}

// 4.15 mm/page-writeback.c: redirty_page_for_writepage()
void redirty_page_for_writepage(Ctx &k, int id) {
  Scope s(k, Fn::redirty_page_for_writepage);
  __set_page_dirty_nobuffers(k, id, "mm/page-writeback.c:redirty_page_for_writepage");
}

// 4.15 mm/page-writeback.c: clear_page_dirty_for_io(); the page is locked.
// TAG_DIRTY stays until set_page_writeback(); buffers keep BH_Dirty.
bool clear_page_dirty_for_io(Ctx &k, int id, const SyncMode *wbc) {
  Scope s(k, Fn::clear_page_dirty_for_io);
  Page &p = k.page(id);
  if (!(p.flags & PG_locked)) k.model_error("clear_page_dirty_for_io on an unlocked page");
  if (p.mapping >= 0 && page_mkclean(k, id)) set_page_dirty(k, id);
  // kara-rfc-2023, RFC patch 3/5: memory-cleaning writeback leaves a page that
  // may be pinned dirty (its PTEs are already write-protected by now)
  if (wbc && *wbc == SyncMode::None &&
      k.variant().writeback_pinned == WritebackPinned::SkipOrBounce && p.mapping >= 0 &&
      page_maybe_dma_pinned(k, id)) {
    k.note("- {} may be pinned: WB_SYNC_NONE leaves it dirty", k.page_ref(id));
    return false;
  }
  if (!(p.flags & PG_dirty)) return false;
  p.flags &= uint16_t(~PG_dirty);
  k.note("- {}: PG_dirty cleared", k.page_ref(id));
  return true;
}

// 4.15 mm/page-writeback.c: cancel_dirty_page() (6.1 folio_cancel_dirty()):
// PG_dirty cleared with its dirty accounting (not modelled). The page is
// leaving the page cache, so its tags go with it (delete_from_page_cache).
void cancel_dirty_page(Ctx &k, int id) {
  Scope s(k, Fn::cancel_dirty_page, PageArg{id});
  k.page(id).flags &= uint16_t(~PG_dirty);
}

// pin-wait (fix lab): writeback sleeps, holding the page lock, until
// page_maybe_dma_pinned() turns false. a0 page
Flow wait_for_page_unpinned(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (!page_maybe_dma_pinned(k, f.a[0])) return k.ret(0);
    k.note("- {} may be pinned: wait for the pins to drop", k.page_ref(f.a[0]));
    return k.sleep(f, 0, Wait::PageUnpinned, f.a[0]);
  }
  k.model_error("wait_for_page_unpinned: bad pc");
}

// 4.15 mm/page-writeback.c: __test_set_page_writeback()
void set_page_writeback(Ctx &k, int id, bool keep_towrite) {
  Scope s(k, Fn::set_page_writeback);
  Page &p = k.page(id);
  p.flags |= PG_writeback;
  p.tags |= TAG_WRITEBACK;
  if (!(p.flags & PG_dirty)) p.tags &= uint8_t(~TAG_DIRTY);
  if (!keep_towrite) p.tags &= uint8_t(~TAG_TOWRITE);
  k.note("- {}: PG_writeback set", k.page_ref(id));
}

// 4.15 mm/page-writeback.c: tag_pages_for_writeback(): TAG_DIRTY -> TAG_TOWRITE
void tag_pages_for_writeback(Ctx &k, int ino) {
  Scope s(k, Fn::tag_pages_for_writeback);
  for (int i = 0; i < kMaxFilePages; ++i) {
    int id = k.inode(ino).page[i];
    if (id != kNone && (k.page(id).tags & TAG_DIRTY)) k.page(id).tags |= TAG_TOWRITE;
  }
}

// 4.15 mm/page-writeback.c: do_writepages() -> a_ops->writepages. a0 ino, a1 sync mode
Flow do_writepages(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::ext4_writepages, f.a[0], f.a[1]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("do_writepages: bad pc");
}

// 4.15 fs/fs-writeback.c: __mark_inode_dirty(I_DIRTY_PAGES)
void __mark_inode_dirty(Ctx &k, int ino) {
  k.reached(Fn::__mark_inode_dirty);
  k.inode(ino).i_state |= I_DIRTY_PAGES;
}

} // namespace pagerace::model
