// The page cache (4.15 mm/filemap.c, include/linux/pagemap.h): lookup and
// insertion, page lock and writeback waits, filemap_fault, buffered read and
// write loops, and the write-and-wait helpers used by fsync and direct I/O.
// Readahead beyond the requested page, the radix tree's RCU lookup and the
// killable variants of the waits are omitted.
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 mm/filemap.c: find_get_page() -> pagecache_get_page(); +1 reference
int find_get_page(Ctx &k, int ino, int index) {
  if (index < 0 || index >= kMaxFilePages) return kNone;
  int id = k.inode(ino).page[index];
  if (id == kNone) return kNone;
  get_page(k, id);
  return id;
}

// 4.15 mm/filemap.c: add_to_page_cache_lru(); the new page is locked, the
// cache holds its own reference, the caller keeps the allocation's.
int add_to_page_cache_lru(Ctx &k, int ino, int index) {
  Scope s(k, Fn::add_to_page_cache_lru);
  int id = alloc_page(k);
  Page &p = k.page(id);
  p.flags |= PG_locked;
  p.mapping = static_cast<int8_t>(ino);
  p.index = static_cast<uint8_t>(index);
  get_page(k, id);
  k.inode(ino).page[index] = static_cast<int8_t>(id);
  lru_cache_add(k, id);
  return id;
}

// 4.15 mm/filemap.c: __delete_from_page_cache() + page_cache_tree_delete()
void delete_from_page_cache(Ctx &k, int id) {
  Page &p = k.page(id);
  k.inode(p.mapping).page[p.index] = kNone;
  p.mapping = kNone;
  p.tags = 0;
}

// 4.15 mm/filemap.c: end_page_writeback() -> test_clear_page_writeback()
void end_page_writeback(Ctx &k, int id) {
  Scope s(k, Fn::end_page_writeback);
  Page &p = k.page(id);
  if (p.flags & PG_reclaim) {
    // rotate_reclaimable_page(): to the tail of the inactive list for a
    // quick second look by reclaim. An active page goes too, deactivated
    // (4.15 mm/swap.c pagevec_move_tail_fn(): ClearPageActive; 6.1
    // lru_move_tail_fn() alike): reclaim activated it when it set PG_reclaim.
    p.flags &= uint16_t(~PG_reclaim);
    if ((p.flags & PG_lru) && !(p.flags & (PG_locked | PG_dirty))) {
      lru_del(k, id);
      p.flags &= uint16_t(~PG_active);
      auto &len = k.lru_len()[0];
      for (int j = len; j > 0; --j)
        k.lru()[0][j] = k.lru()[0][j - 1];
      k.lru()[0][0] = static_cast<int8_t>(id);
      ++len;
      p.flags |= PG_lru;
    }
  }
  if (!(p.flags & PG_writeback)) k.model_error("end_page_writeback without PG_writeback");
  p.flags &= uint16_t(~PG_writeback);
  p.tags &= uint8_t(~TAG_WRITEBACK);
  k.note("- {}: PG_writeback cleared", k.page_ref(id));
}

// 4.15 mm/filemap.c: try_to_release_page()
bool try_to_release_page(Ctx &k, int id) {
  Scope s(k, Fn::try_to_release_page);
  if (k.page(id).flags & PG_writeback) return false;
  if (k.page(id).mapping >= 0) return ext4_releasepage(k, id);
  return try_to_free_buffers(k, id);
}

// 4.15 include/linux/pagemap.h: lock_page() -> __lock_page(); sleeps on PG_locked
Flow lock_page(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::PageUnlocked, f.a[0]);
  case 1: k.page(f.a[0]).flags |= PG_locked; return k.ret(0);
  }
  k.model_error("lock_page: bad pc");
}

// 4.15 include/linux/pagemap.h: wait_on_page_writeback()
Flow wait_on_page_writeback(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (!(k.page(f.a[0]).flags & PG_writeback)) return k.ret(0);
    return k.sleep(f, 1, Wait::PageNotWriteback, f.a[0]);
  case 1: return k.ret(0);
  }
  k.model_error("wait_on_page_writeback: bad pc");
}

// 4.15 include/linux/pagemap.h: wait_on_page_locked()
Flow wait_on_page_locked(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (!(k.page(f.a[0]).flags & PG_locked)) return k.ret(0);
    return k.sleep(f, 1, Wait::PageUnlocked, f.a[0]);
  case 1: return k.ret(0);
  }
  k.model_error("wait_on_page_locked: bad pc");
}

// 4.15 mm/filemap.c: page_cache_read() / page_cache_sync_readahead() for one
// page: a new locked page, ->readpage(), and the allocation reference dropped.
static void page_cache_read(Ctx &k, int ino, int index) {
  int id = add_to_page_cache_lru(k, ino, index);
  ext4_mpage_readpages(k, id);
  put_page(k, id);
}

// 4.15 mm/filemap.c: filemap_fault(). a0 ino, a1 index; a2 page.
// Returns the page locked with one reference, or -VM_FAULT_SIGBUS. The
// VM_FAULT_RETRY path (dropping mmap_sem while waiting for the lock) and
// fault-around are omitted: the fault waits for the page lock in place.
// i_size is read on entry and again only under the page lock: a fault that
// finds its page truncated goes back to retry_find, reads a zero-filled page
// past the new end into the cache (ext4_mpage_readpages()), and then
// returns SIGBUS, leaving that page cached. With truncate's pass that
// restarts while it finds pages, the two can take turns for ever (a cycle
// in the state graph).
Flow filemap_fault(Ctx &k, Frame &f) {
  const int ino = f.a[0], index = f.a[1];
  switch (f.pc) {
  case 0:
    if (index >= k.inode(ino).i_size) return k.ret(-VM_FAULT_SIGBUS); // max_off
    [[fallthrough]];
  case 3: { // retry_find
    int id = find_get_page(k, ino, index);
    if (id == kNone) {
      page_cache_read(k, ino, index); // no_cached_page
      return k.yield(f, 3);
    }
    f.a[2] = static_cast<int16_t>(id);
    return k.call(f, 1, Fn::lock_page, id);
  }
  case 1: {
    const int id = f.a[2];
    Page &p = k.page(id);
    if (p.mapping != ino || p.index != index) { // truncated meanwhile
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 3);
    }
    if (p.flags & PG_uptodate) {
      if (index >= k.inode(ino).i_size) { // re-checked under the page lock: truncate
        unlock_page(k, id);
        put_page(k, id);
        return k.ret(-VM_FAULT_SIGBUS);
      }
      return k.ret(id);
    }
    // page_not_uptodate: ->readpage() with the page locked, then wait
    ext4_mpage_readpages(k, id);
    return k.call(f, 2, Fn::wait_on_page_locked, id);
  }
  case 2: {
    const int id = f.a[2];
    const bool uptodate = k.page(id).flags & PG_uptodate;
    put_page(k, id);
    if (!uptodate) return k.ret(-VM_FAULT_SIGBUS);
    return k.yield(f, 3);
  }
  }
  k.model_error("filemap_fault: bad pc");
}

// 4.15 mm/filemap.c: generic_file_buffered_read(). a0 ino, a1 index,
// a2 npages, a3 destination vpage; a4 pages done, a5 current page.
// copy_page_to_iter() is a user store that may fault.
Flow generic_file_buffered_read(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0: {
    const int index = f.a[1] + f.a[4];
    if (f.a[4] == f.a[2] || index >= k.inode(ino).i_size) return k.ret(f.a[4] * 4096);
    int id = find_get_page(k, ino, index);
    if (id == kNone) {
      page_cache_read(k, ino, index); // page_cache_sync_readahead()
      return k.yield(f, 0);
    }
    f.a[5] = static_cast<int16_t>(id);
    if (!(k.page(id).flags & PG_uptodate)) return k.call(f, 1, Fn::wait_on_page_locked, id);
    [[fallthrough]];
  }
  case 1: {
    const int id = f.a[5];
    if (!(k.page(id).flags & PG_uptodate)) {
      put_page(k, id);
      return k.ret(f.a[4] > 0 ? f.a[4] * 4096 : -kEIO);
    }
    mark_page_accessed(k, id);
    return k.call(f, 2, Fn::user_store, f.a[3] + f.a[4], 0, id); // copy_page_to_iter
  }
  case 2: {
    put_page(k, f.a[5]);
    if (k.retval() < 0) return k.ret(f.a[4] > 0 ? f.a[4] * 4096 : -kEFAULT);
    ++f.a[4];
    return k.yield(f, 0);
  }
  }
  k.model_error("generic_file_buffered_read: bad pc");
}

// 4.15 mm/filemap.c: generic_perform_write(). a0 ino, a1 index, a2 npages,
// a3 source vpage; a4 pages done, a5 page. The copy runs with page faults
// disabled (iov_iter_copy_from_user_atomic); a short copy retries after
// faulting the source in again (iov_iter_fault_in_readable).
Flow generic_perform_write(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (f.a[4] == f.a[2]) return k.ret(f.a[2] * 4096);
    return k.call(f, 1, Fn::user_load, f.a[3] + f.a[4]); // iov_iter_fault_in_readable
  case 1:
    if (k.retval() < 0) return k.ret(f.a[4] > 0 ? f.a[4] * 4096 : -kEFAULT);
    return k.call(f, 2, Fn::ext4_da_write_begin, f.a[0], f.a[1] + f.a[4]);
  case 2: {
    const int id = k.retval();
    if (id < 0) return k.ret(f.a[4] > 0 ? f.a[4] * 4096 : id);
    const int src = f.a[3] + f.a[4];
    Pte &pte = k.pte(src);
    int copied = 0;
    if ((pte.bits & PTE_P) && find_vma(k, src) != kNone) {
      Token t = pte.page == kZeroPage ? kZeroToken : k.page(pte.page).data;
      pte.bits |= PTE_A;
      write_page_data(k, id, t, "mm/filemap.c:iov_iter_copy_from_user_atomic");
      copied = 1;
    }
    ext4_da_write_end(k, id, copied);
    f.a[4] = static_cast<int16_t>(f.a[4] + copied);
    return k.yield(f, 0);
  }
  }
  k.model_error("generic_perform_write: bad pc");
}

// 4.15 mm/filemap.c: grab_cache_page_write_begin() -> pagecache_get_page(
// FGP_LOCK|FGP_WRITE|FGP_CREAT), then wait_for_stable_page(). a0 ino, a1 index; a2 page.
Flow grab_cache_page_write_begin(Ctx &k, Frame &f) {
  const int ino = f.a[0], index = f.a[1];
  switch (f.pc) {
  case 0: {
    int id = find_get_page(k, ino, index);
    f.a[2] = static_cast<int16_t>(id);
    if (id != kNone) return k.call(f, 1, Fn::lock_page, id);
    f.a[2] = static_cast<int16_t>(add_to_page_cache_lru(k, ino, index)); // locked, ref kept
    f.pc = 2;
    return Flow::Next;
  }
  case 1: {
    const int id = f.a[2];
    if (k.page(id).mapping != ino) {
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 0);
    }
    f.pc = 2;
    return Flow::Next;
  }
  case 2: // wait_for_stable_page()
    if (k.cfg.sc->files[static_cast<size_t>(ino)].stable_writes)
      return k.call(f, 3, Fn::wait_on_page_writeback, f.a[2]);
    return k.ret(f.a[2]);
  case 3: return k.ret(f.a[2]);
  }
  k.model_error("grab_cache_page_write_begin: bad pc");
}

// 4.15 mm/filemap.c: __filemap_fdatawrite_range() -> do_writepages(). a0 ino, a1 sync mode
Flow __filemap_fdatawrite_range(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::do_writepages, f.a[0], f.a[1]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("__filemap_fdatawrite_range: bad pc");
}

// 4.15 mm/filemap.c: filemap_fdatawait_range() -> __filemap_fdatawait_range():
// wait on every page tagged TAG_WRITEBACK. a0 ino; a1 next index, a2 page.
Flow filemap_fdatawait_range(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0:
    for (; f.a[1] < kMaxFilePages; ++f.a[1]) {
      int id = k.inode(ino).page[f.a[1]];
      if (id == kNone || !(k.page(id).tags & TAG_WRITEBACK)) continue;
      get_page(k, id); // pagevec_lookup_range_tag()
      f.a[2] = static_cast<int16_t>(id);
      ++f.a[1];
      return k.call(f, 1, Fn::wait_on_page_writeback, id);
    }
    return k.ret(0);
  case 1: put_page(k, f.a[2]); return k.yield(f, 0);
  }
  k.model_error("filemap_fdatawait_range: bad pc");
}

// 4.15 mm/filemap.c: filemap_write_and_wait_range(). a0 ino
Flow filemap_write_and_wait_range(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::__filemap_fdatawrite_range, f.a[0], int(SyncMode::All));
  case 1: return k.call(f, 2, Fn::filemap_fdatawait_range, f.a[0]);
  case 2: return k.ret(0);
  }
  k.model_error("filemap_write_and_wait_range: bad pc");
}

} // namespace pagerace::model
