// truncate(2) of an ext4 file to a whole number of pages: the system call
// (fs/open.c), ext4_setattr() and ext4_truncate() (fs/ext4/inode.c), and the
// page-cache side (mm/truncate.c: truncate_pagecache(),
// truncate_inode_pages_range()). 4.15 and 6.1 follow the same outline: the
// new i_size first, then the page cache, then the blocks.
//
// No reference count is looked at anywhere on this path: a page that a GUP
// or bio reference keeps alive is unmapped, loses its buffers, is cleaned and
// leaves the page cache all the same. It lives on as an orphan (mapping
// kNone) owned by those references; dirtying it later only sets PG_dirty
// (set_page_dirty() with no mapping: 6.1 noop_dirty_folio()) and data
// written into it is lost with it.
//
// Omitted, for both releases: the journal (ext4_begin_ordered_truncate(),
// handles, data=journal's ext4_wait_for_tail_page_commit()), the orphan list
// (ext4_orphan_add/del: crash recovery only), i_disksize (the model has one
// i_size), ext4_break_layouts() (no DAX), partial pages (sizes are whole
// pages, so truncate_inode_pages_range() has no partial page to zero and
// ext4_block_truncate_page() never runs), permission, lease and lock checks
// (the scenario's files are writable), and timestamps.
//
// Not modelled: the invalidate lock (6.1 filemap_invalidate_lock, 4.15
// EXT4_I(inode)->i_mmap_sem), because the model's fault paths do not take it;
// the page lock and the i_size checks of filemap_fault() and
// block_page_mkwrite() still keep a fault from mapping a truncated page.
// inode_dio_wait(): in the model, direct I/O on a file holds its i_rwsem for
// the whole request (sys_read/sys_write: synchronous requests only), and
// truncate holds that i_rwsem for write, so no direct I/O on the truncated
// file's own inode can be in flight here. Direct I/O on other files whose
// pages sit in the truncated mapping is not waited for, as in the kernel.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

// 4.15 mm/truncate.c: truncate_cleanup_page(), the page locked and off
// writeback: unmap it if mapped (unmap_mapping_pages(index, 1, even_cows =
// false): only PTEs of this page), invalidate the buffers (do_invalidatepage
// -> block_invalidatepage, which releases them), and cancel_dirty_page().
// ClearPageMappedToDisk: the model has no PG_mappedtodisk.
void truncate_cleanup_page(Ctx &k, int id) {
  if (k.page(id)._mapcount > 0)
    for (int vp = 0; vp < kMaxVpages; ++vp)
      if ((k.pte(vp).bits & PTE_P) && k.pte(vp).page == id) zap_pte_range(k, vp, 1);
  if (k.page(id).flags & PG_private) block_invalidatepage(k, id);
  cancel_dirty_page(k, id);
}

// 4.15 mm/truncate.c: truncate_inode_page() (6.1 truncate_inode_folio()):
// -EIO if the page left this mapping meanwhile; else truncate_cleanup_page()
// and delete_from_page_cache(), which drops the page cache's reference.
void truncate_inode_page(Ctx &k, int ino, int id) {
  if (k.page(id).mapping != ino) return;
  truncate_cleanup_page(k, id);
  const std::string name = k.page_name(id);
  delete_from_page_cache(k, id);
  put_page(k, id); // the page cache's reference
  if (k.page(id)._refcount > 1)
    k.note("- {} left the page cache; page_count {} keeps it as an orphan", name,
           k.page(id)._refcount - 1);
  else
    k.note("- {} left the page cache", name);
}

} // namespace

// 4.15 fs/open.c: do_sys_truncate() -> vfs_truncate() -> do_truncate():
// notify_change() -> ->setattr under inode_lock() (i_rwsem for write).
// a0 ino, a1 new size in pages. Returns 0.
Flow sys_truncate(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0:
    if (ino < 0 || static_cast<size_t>(ino) >= k.cfg.sc->files.size())
      k.model_error("truncate() of an unknown file");
    return k.sleep(f, 1, Wait::IRwsemWrite, ino); // inode_lock()
  case 1:
    k.inode(ino).i_rwsem.writer = static_cast<int8_t>(k.tid());
    return k.call(f, 2, Fn::ext4_setattr, ino, f.a[1]);
  case 2: k.inode(ino).i_rwsem.writer = kNone; return k.ret(k.retval());
  }
  k.model_error("sys_truncate: bad pc");
}

// 6.1 fs/ext4/inode.c: ext4_setattr(), ATTR_SIZE (4.15: the same outline).
// a0 ino, a1 new size in pages. i_size is written first (with i_disksize,
// under i_data_sem), then truncate_pagecache() and ext4_truncate(). Growing
// only sets i_size: pagecache_isize_extended() returns at once when
// blocksize == PAGE_SIZE, and there is no page or block beyond the old size
// to remove. Returns 0.
Flow ext4_setattr(Ctx &k, Frame &f) {
  const int ino = f.a[0], size = f.a[1];
  switch (f.pc) {
  case 0: {
    Inode &inode = k.inode(ino);
    const int oldsize = inode.i_size;
    if (size < 0 || size > kMaxFilePages) k.model_error("ext4_setattr: size out of range");
    inode.i_size = static_cast<uint8_t>(size); // i_size_write()
    k.note("- i_size {} -> {} pages", oldsize, size);
    if (size >= oldsize) return k.ret(0);
    return k.call(f, 1, Fn::truncate_pagecache, ino, size);
  }
  case 1: ext4_truncate(k, ino); return k.ret(0);
  }
  k.model_error("ext4_setattr: bad pc");
}

// 4.15 mm/truncate.c: truncate_pagecache(): unmap_mapping_range() first (so
// that truncate_inode_pages() meets fewer mapped pages), then again after it
// (private COW copies made meanwhile). a0 ino, a1 new size in pages.
Flow truncate_pagecache(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    unmap_mapping_range(k, f.a[0], f.a[1]);
    return k.call(f, 1, Fn::truncate_inode_pages_range, f.a[0], f.a[1]);
  case 1: unmap_mapping_range(k, f.a[0], f.a[1]); return k.ret(0);
  }
  k.model_error("truncate_pagecache: bad pc");
}

// 4.15 mm/truncate.c: truncate_inode_pages_range(mapping, lstart, -1) (6.1:
// the same two passes over folios). a0 ino, a1 first index to remove; a2 page.
// Modelled as the second pass alone, which the kernel repeats until a lookup
// from the start finds nothing: per page lock_page ⟂, wait_on_page_writeback
// ⟂, truncate_inode_page(). The first pass only does the same for pages it
// can trylock that are not under writeback, without sleeping; here every
// page takes the sleeping path, which can still find it unlocked at once.
Flow truncate_inode_pages_range(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0:
    for (int index = f.a[1]; index < kMaxFilePages; ++index) {
      const int id = find_get_page(k, ino, index); // pagevec_lookup_entries()
      if (id == kNone) continue;
      f.a[2] = static_cast<int16_t>(id);
      return k.call(f, 1, Fn::lock_page, id);
    }
    return k.ret(0);
  case 1: return k.call(f, 2, Fn::wait_on_page_writeback, f.a[2]);
  case 2: {
    const int id = f.a[2];
    truncate_inode_page(k, ino, id);
    unlock_page(k, id);
    put_page(k, id);      // pagevec_release()
    return k.yield(f, 0); // cond_resched()
  }
  }
  k.model_error("truncate_inode_pages_range: bad pc");
}

// 6.1 fs/ext4/inode.c: ext4_truncate() -> ext4_ext_truncate(): the extents
// and delayed extents beyond i_size go (ext4_es_remove_extent(),
// ext4_ext_remove_space()), and with them delalloc reservations. Freed blocks
// keep their contents and are never reused (the model's allocator only counts
// up). Omitted: the journal handle and orphan list, preallocations, inline
// data. The checker's shadows (lost-write's expected[], fsync-gap's writer[]
// and due_at[]) no longer ask anything of the removed pages (a later
// extension reads zeroes from the hole).
void ext4_truncate(Ctx &k, int ino) {
  Scope s(k, Fn::ext4_truncate);
  Inode &inode = k.inode(ino);
  for (int i = inode.i_size; i < kMaxFilePages; ++i) {
    if (inode.block[i] >= 0)
      k.note("- block {} of page {} freed", inode.block[i], i);
    else if (inode.block[i] == kDelayed)
      k.note("- delalloc reservation of page {} dropped", i);
    inode.block[i] = kHole;
    inode.expected[i] = kZeroToken;
    inode.writer[i] = 0; // fsync-gap's shadow: nothing is due either
    inode.due_at[i] = 0;
  }
}

} // namespace pagerace::model
