// Buffer heads (4.15 fs/buffer.c). PAGE_SIZE == blocksize, so a page has at
// most one buffer_head, stored in struct page (valid iff PG_private).
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/buffer.c: create_empty_buffers() -> attach_page_buffers()
void create_empty_buffers(Ctx &k, int id, uint8_t b_state) {
  Scope s(k, Fn::create_empty_buffers);
  Page &p = k.page(id);
  p.bh = BufferHead{b_state, 0, kHole};
  if (p.flags & PG_uptodate) p.bh.b_state |= BH_Uptodate;
  if (p.flags & PG_dirty) p.bh.b_state |= BH_Dirty;
  get_page(k, id);
  p.flags |= PG_private;
  k.note("- attaches buffers to {}", k.page_ref(id));
}

// 4.15 fs/buffer.c: __block_write_begin() -> __block_write_begin_int() for the
// whole page with get_block = ext4_da_get_block_prep
void __block_write_begin(Ctx &k, int id) {
  Scope s(k, Fn::__block_write_begin);
  Page &p = k.page(id);
  if (!(p.flags & PG_locked)) k.model_error("__block_write_begin on an unlocked page");
  if (!(p.flags & PG_private)) create_empty_buffers(k, id, 0); // create_page_buffers()
  BufferHead &bh = p.bh;
  bh.b_state &= uint8_t(~BH_New);
  if (!(bh.b_state & BH_Mapped)) {
    ext4_da_get_block_prep(k, id);
    if (bh.b_state & BH_New) {
      if (p.flags & PG_uptodate) {
        bh.b_state &= uint8_t(~BH_New);
        bh.b_state |= BH_Uptodate;
        mark_buffer_dirty(k, id);
      }
    }
  }
  if (p.flags & PG_uptodate) bh.b_state |= BH_Uptodate;
}

// 4.15 fs/buffer.c: block_commit_write() -> __block_commit_write()
void block_commit_write(Ctx &k, int id) {
  Scope s(k, Fn::block_commit_write);
  Page &p = k.page(id);
  p.bh.b_state |= BH_Uptodate;
  mark_buffer_dirty(k, id);
  p.bh.b_state &= uint8_t(~BH_New);
  p.flags |= PG_uptodate;
}

// 4.15 fs/buffer.c: mark_buffer_dirty()
void mark_buffer_dirty(Ctx &k, int id) {
  Scope s(k, Fn::mark_buffer_dirty);
  Page &p = k.page(id);
  if (!(p.bh.b_state & BH_Uptodate)) k.note("WARNING: mark_buffer_dirty: !buffer_uptodate");
  if (p.bh.b_state & BH_Dirty) return;
  p.bh.b_state |= BH_Dirty;
  if (!(p.flags & PG_dirty)) {
    p.flags |= PG_dirty;
    check_page_dirtied(k, id, "fs/buffer.c:mark_buffer_dirty");
    p.tags |= TAG_DIRTY; // __set_page_dirty()
    k.note("- {}: PG_dirty set", k.page_ref(id));
    __mark_inode_dirty(k, p.mapping); // only when the page was newly dirtied
  }
}

// 4.15 fs/buffer.c: __set_page_dirty_buffers(). Without buffers it still sets
// PG_dirty and TAG_DIRTY: the state of race 1.
bool __set_page_dirty_buffers(Ctx &k, int id) {
  Scope s(k, Fn::__set_page_dirty_buffers);
  Page &p = k.page(id);
  if (p.flags & PG_private) p.bh.b_state |= BH_Dirty; // under private_lock, before the page
  if (p.flags & PG_dirty) return false;
  p.flags |= PG_dirty;
  check_page_dirtied(k, id, "fs/buffer.c:__set_page_dirty_buffers");
  p.tags |= TAG_DIRTY;
  __mark_inode_dirty(k, p.mapping);
  k.note("- {}: PG_dirty set{}", k.page_ref(id), (p.flags & PG_private) ? "" : " (no buffers!)");
  return true;
}

// 4.15 fs/buffer.c: try_to_free_buffers() -> drop_buffers(); a busy buffer
// (b_count, BH_Dirty, BH_Lock) keeps them; no page refcount check
bool try_to_free_buffers(Ctx &k, int id) {
  Scope s(k, Fn::try_to_free_buffers);
  Page &p = k.page(id);
  if (p.flags & PG_writeback) return false;
  const BufferHead &bh = p.bh;
  if (bh.b_count != 0 || (bh.b_state & (BH_Dirty | BH_Lock))) return false;
  p.bh = BufferHead{};
  p.flags &= uint16_t(~PG_private);
  put_page(k, id);
  if (p.flags & PG_dirty) // cancel_dirty_page(): buffers were clean; TAG_DIRTY stays stale
    p.flags &= uint16_t(~PG_dirty);
  k.note("- buffers freed from {} (page_count now {})", k.page_ref(id), p._refcount);
  return true;
}

// 4.15 fs/buffer.c: block_invalidatepage(page, 0, PAGE_SIZE) (6.1:
// block_invalidate_folio()), the ->invalidatepage of truncate. ext4 gets here
// through ext4_invalidatepage() (6.1 ext4_invalidate_folio()); 4.15's delalloc
// ext4_da_invalidatepage() first gives back the page's delalloc quota
// reservation (no reservation counts in the model: the kDelayed extent goes
// in ext4_truncate()). discard_buffer() clears BH_Dirty and
// BUFFER_FLAGS_DISCARD (Mapped, New, Req, Delay, Unwritten); BH_Uptodate
// stays and lock_buffer() never waits (BH_Lock is never set in the model).
// The whole page is invalidated, so the buffers are then released.
void block_invalidatepage(Ctx &k, int id) {
  Scope s(k, Fn::block_invalidatepage, PageArg{id});
  Page &p = k.page(id);
  if (!(p.flags & PG_locked)) k.model_error("block_invalidatepage on an unlocked page");
  if (!(p.flags & PG_private)) return;
  p.bh.b_state &= uint8_t(~(BH_Dirty | BH_Mapped | BH_New | BH_Delay | BH_Unwritten));
  try_to_release_page(k, id);
}

// 4.15 fs/buffer.c: block_page_mkwrite() with get_block = ext4_da_get_block_prep.
// a0 page. Returns VM_FAULT_LOCKED (page locked and dirty) or VM_FAULT_NOPAGE.
// Until the folio conversion of 2023 the truncation test is
// "page_offset(page) > size": a page that starts exactly at i_size (a
// truncate to its index has set i_size and not yet reached the page cache;
// 4.15 ext4_setattr() takes i_mmap_sem only after i_size_write()) passes
// with end = 0. Then __block_write_begin() only attaches buffers (no block
// lies in [0, 0), so no get_block) and block_commit_write() dirties none,
// but set_page_dirty() dirties them all (__set_page_dirty_buffers()).
// Variant switch mkwrite_dirties_page_at_eof.
Flow block_page_mkwrite(Ctx &k, Frame &f) {
  const int id = f.a[0];
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::lock_page, id);
  case 1: {
    Page &p = k.page(id);
    const bool at_eof = starts_at_i_size(k, id);
    if (p.mapping < 0 || p.index > k.inode(p.mapping).i_size ||
        (at_eof && !k.variant().mkwrite_dirties_page_at_eof)) { // truncated
      unlock_page(k, id);
      return k.ret(VM_FAULT_NOPAGE);
    }
    if (at_eof) {                                                  // end = 0
      if (!(p.flags & PG_private)) create_empty_buffers(k, id, 0); // create_page_buffers()
      if (p.flags & PG_uptodate) p.bh.b_state |= BH_Uptodate;
      p.bh.b_state &= uint8_t(~BH_New); // __block_commit_write() clears it outside the range too
      k.note("- {} starts at i_size: end = 0, no block reserved", k.page_ref(id));
    } else {
      __block_write_begin(k, id);
      block_commit_write(k, id);
    }
    set_page_dirty(k, id);
    if (k.cfg.sc->files[static_cast<size_t>(p.mapping)].stable_writes)
      return k.call(f, 2, Fn::wait_on_page_writeback, id); // wait_for_stable_page()
    return k.ret(VM_FAULT_LOCKED);
  }
  case 2: return k.ret(VM_FAULT_LOCKED);
  }
  k.model_error("block_page_mkwrite: bad pc");
}

} // namespace pagerace::model
