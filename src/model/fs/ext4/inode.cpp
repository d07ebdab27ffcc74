// ext4 in delalloc mode with buffer heads (4.15 fs/ext4/inode.c). jbd2 is
// omitted: no journal handles, no data=journal, no ordered-mode data flush.
// The extent map is inode.block[]; allocation hands out the next free block.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/ext4/inode.c: ext4_da_get_block_prep() -> ext4_da_map_blocks(): an
// allocated block maps the buffer; a hole is reserved (BH_Delay | BH_New)
void ext4_da_get_block_prep(Ctx &k, int id) {
  Scope s(k, Fn::ext4_da_get_block_prep);
  Page &p = k.page(id);
  int16_t &block = k.inode(p.mapping).block[p.index];
  if (block >= 0) {
    p.bh.b_state |= BH_Mapped;
    p.bh.b_blocknr = block;
    return;
  }
  if (block == kHole) {
    block = kDelayed; // ext4_da_reserve_space()
    p.bh.b_state |= BH_New;
    k.note("- delalloc reservation for {}", k.page_ref(id));
  }
  p.bh.b_state |= BH_Mapped | BH_Delay;
}

// 4.15 fs/ext4/inode.c: ext4_set_page_dirty()
bool ext4_set_page_dirty(Ctx &k, int id) {
  Scope s(k, Fn::ext4_set_page_dirty);
  const Page &p = k.page(id);
  if (!(p.flags & PG_locked) && !(p.flags & PG_dirty))
    k.note("WARNING: ext4_set_page_dirty: WARN_ON_ONCE(!PageLocked && !PageDirty)");
  if (!(p.flags & PG_private))
    k.note("WARNING: ext4_set_page_dirty: WARN_ON_ONCE(!page_has_buffers)");
  return __set_page_dirty_buffers(k, id);
}

// 4.15 fs/ext4/inode.c: ext4_page_mkwrite(), delalloc path:
// block_page_mkwrite(ext4_da_get_block_prep). sb_start_pagefault, i_mmap_sem
// and the ENOSPC retry are omitted. a0 page
Flow ext4_page_mkwrite(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::block_page_mkwrite, f.a[0]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("ext4_page_mkwrite: bad pc");
}

// 4.15 fs/ext4/inode.c: ext4_releasepage() (no journal: try_to_free_buffers)
bool ext4_releasepage(Ctx &k, int id) {
  Scope s(k, Fn::ext4_releasepage);
  if (k.page(id).flags & PG_checked) return false;
  return try_to_free_buffers(k, id);
}

// 4.15 fs/ext4/inode.c: ext4_map_blocks(create) for a delayed buffer
static void ext4_map_blocks(Ctx &k, int id) {
  Scope s(k, Fn::ext4_map_blocks);
  Page &p = k.page(id);
  int16_t block = static_cast<int16_t>(k.next_block()++);
  if (block >= kMaxBlocks) k.capacity_error("disk blocks", kMaxBlocks);
  k.inode(p.mapping).block[p.index] = block;
  p.bh.b_blocknr = block;
  p.bh.b_state = uint8_t((p.bh.b_state | BH_Mapped) & ~(BH_Delay | BH_New));
  k.note("- allocated block {} for {}", block, k.page_ref(id));
}

// What ext4 writeback does on a dirty page without buffers: the variant says.
// Returns true if the page was dealt with (skipped, or the kernel died).
static bool no_buffers_in_writeback(Ctx &k, int id, const char *site) {
  if (k.page(id).flags & PG_private) return false;
  if (k.variant().ext4_no_buffers == NoBuffersInWriteback::Bug) {
    k.bug(site, "page_buffers(): BUG_ON(!PagePrivate(page))");
    return true;
  }
  k.note("EXT4-fs warning: page {} does not have buffers attached", k.page(id).index);
  k.page(id).flags &= uint16_t(~PG_dirty);
  unlock_page(k, id);
  return true;
}

// 4.15 fs/ext4/inode.c: ext4_writepages() -> mpage_prepare_extent_to_map() ->
// mpage_process_page_bufs() / mpage_map_and_submit_extent() -> mpage_submit_page().
// a0 ino, a1 sync mode; a2 next index, a3 page. Simplified: each page is
// mapped and submitted on its own (no extent batching across pages), in its
// own bio.
Flow ext4_writepages(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  const bool sync_all = f.a[1] == int(SyncMode::All);
  switch (f.pc) {
  case 0: {
    bool tagged = false;
    for (int i = 0; i < kMaxFilePages; ++i) {
      int id = k.inode(ino).page[i];
      tagged |= id != kNone && (k.page(id).tags & TAG_DIRTY);
    }
    if (!tagged) return k.ret(0);
    if (sync_all) tag_pages_for_writeback(k, ino);
    f.pc = 1;
    return Flow::Next;
  }
  case 1: { // mpage_prepare_extent_to_map(): next tagged page
    const uint8_t tag = sync_all ? TAG_TOWRITE : TAG_DIRTY;
    k.reached(Fn::mpage_prepare_extent_to_map);
    for (; f.a[2] < kMaxFilePages; ++f.a[2]) {
      int id = k.inode(ino).page[f.a[2]];
      if (id == kNone || !(k.page(id).tags & tag)) continue;
      get_page(k, id); // pagevec_lookup_range_tag()
      f.a[3] = static_cast<int16_t>(id);
      ++f.a[2];
      return k.call(f, 2, Fn::lock_page, id);
    }
    return k.ret(0);
  }
  case 2: {
    const int id = f.a[3];
    const Page &p = k.page(id);
    if (!(p.flags & PG_dirty) || ((p.flags & PG_writeback) && !sync_all) || p.mapping != ino) {
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 1);
    }
    return k.call(f, 3, Fn::wait_on_page_writeback, id);
  }
  case 3: {
    const int id = f.a[3];
    if (no_buffers_in_writeback(k, id, "fs/ext4/inode.c:mpage_prepare_extent_to_map")) {
      if (k.crashed()) return k.yield(f, 3);
      put_page(k, id);
      return k.yield(f, 1);
    }
    const Page &p = k.page(id);
    const BufferHead &bh = p.bh;
    // mpage_process_page_bufs(): no block at or past i_size is mapped
    // (lblk >= blocks); such a page is submitted as it is
    if ((bh.b_state & BH_Delay) && (bh.b_state & BH_Dirty) && p.index < k.inode(ino).i_size) {
      ext4_map_blocks(k, id);
      return k.yield(f, 4); // ext4_map_blocks() may sleep; the page stays locked
    }
    f.pc = 4;
    return Flow::Next;
  }
  case 4: { // mpage_submit_page()
    const int id = f.a[3];
    // pin-wait: as the mm/gup.c ordering rule asks, write-protect first
    // (GUP-fast cannot take a new write pin through a read-only PTE, and a
    // fault needs the page lock held here), then test for pins and wait.
    // clear_page_dirty_for_io() below then finds the PTEs already clean.
    if (k.variant().writeback_pinned == WritebackPinned::WaitForUnpin) {
      if (k.page(id).mapping >= 0 && page_mkclean(k, id)) set_page_dirty(k, id);
      if (page_maybe_dma_pinned(k, id)) return k.call(f, 4, Fn::wait_for_page_unpinned, id);
    }
    k.reached(Fn::mpage_submit_page);
    // 4.15 ignores the result: the page is locked and dirty here. Only the
    // kara-rfc-2023 pin test can make it false (the RFC as posted passed no
    // wbc from ext4; the variant models its intent for ext4 as well).
    const SyncMode mode = sync_all ? SyncMode::All : SyncMode::None;
    if (!clear_page_dirty_for_io(k, id, &mode)) {
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 1);
    }
    ext4_bio_write_page(k, id, sync_all);
    put_page(k, id);
    return k.yield(f, 1);
  }
  }
  k.model_error("ext4_writepages: bad pc");
}

// 4.15 fs/ext4/inode.c: ext4_writepage(), called by pageout(). With
// blocksize == PAGE_SIZE a delayed or unwritten dirty buffer is never written
// here: the page is redirtied and left alone. The buffers walked are those
// below len, none for a page that starts at i_size (ext4_bio_write_page()).
int ext4_writepage(Ctx &k, int id) {
  Scope s(k, Fn::ext4_writepage);
  if (no_buffers_in_writeback(k, id, "fs/ext4/inode.c:ext4_writepage")) return 0;
  const BufferHead &bh = k.page(id).bh;
  if (!starts_at_i_size(k, id) && (bh.b_state & (BH_Delay | BH_Unwritten)) &&
      (bh.b_state & BH_Dirty)) {
    redirty_page_for_writepage(k, id);
    unlock_page(k, id);
    return 0;
  }
  return ext4_bio_write_page(k, id);
}

// 4.15 fs/ext4/inode.c: ext4_da_write_begin(). a0 ino, a1 index; a2 page.
// The page is unlocked around ext4_journal_start() (omitted) and relocked.
Flow ext4_da_write_begin(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::grab_cache_page_write_begin, ino, f.a[1]);
  case 1:
    f.a[2] = static_cast<int16_t>(k.retval());
    unlock_page(k, f.a[2]);
    return k.call(f, 2, Fn::lock_page, f.a[2]);
  case 2: {
    const int id = f.a[2];
    if (k.page(id).mapping != ino) { // truncated meanwhile: retry_grab
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 0);
    }
    if (k.cfg.sc->files[static_cast<size_t>(ino)].stable_writes)
      return k.call(f, 3, Fn::wait_on_page_writeback, id); // wait_for_stable_page()
    f.pc = 3;
    return Flow::Next;
  }
  case 3: {
    const int id = f.a[2];
    __block_write_begin(k, id);
    k.page(id).in_write_begin = 1;
    return k.ret(id);
  }
  }
  k.model_error("ext4_da_write_begin: bad pc");
}

// 4.15 fs/ext4/inode.c: ext4_da_write_end() -> generic_write_end() ->
// block_write_end(); copied is 0 or 1 page
void ext4_da_write_end(Ctx &k, int id, int copied) {
  Scope s(k, Fn::ext4_da_write_end);
  Page &p = k.page(id);
  if (copied) {
    Scope s2(k, Fn::generic_write_end);
    block_commit_write(k, id);
    Inode &inode = k.inode(p.mapping);
    if (p.index + 1 > inode.i_size) inode.i_size = static_cast<uint8_t>(p.index + 1);
  }
  p.in_write_begin = 0;
  unlock_page(k, id);
  put_page(k, id);
}

} // namespace pagerace::model
