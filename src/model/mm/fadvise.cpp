// posix_fadvise(POSIX_FADV_DONTNEED) (4.15 mm/fadvise.c; 6.1 generic_fadvise())
// and the page-cache invalidation it runs (mm/truncate.c:
// invalidate_mapping_pages(), invalidate_inode_page() in 4.15,
// mapping_evict_folio() in 6.1). The scenario call covers the whole file
// (offset 0, len 0). The variant chooses the eviction test
// (Variant::invalidate_checks_refcount) and, by its release, the 4.15 or 6.1
// shape of the loop and of the retry.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

// 4.15 mm/vmscan.c: remove_mapping(): __remove_mapping() (freeze the count at
// 2: the page cache's reference and the caller's), then page_ref_unfreeze(1):
// the caller's reference is the one left.
bool remove_mapping(Ctx &k, int id) {
  if (!__remove_mapping(k, id)) return false;
  k.page(id)._refcount = 1;
  return true;
}

// 4.15 mm/truncate.c: invalidate_complete_page()
bool invalidate_complete_page(Ctx &k, int id, int ino) {
  if (k.page(id).mapping != ino) return false;
  if ((k.page(id).flags & PG_private) && !try_to_release_page(k, id)) return false;
  return remove_mapping(k, id);
}

} // namespace

// 4.15 mm/truncate.c: invalidate_inode_page(). Dirty, writeback and mapped
// pages stay; otherwise the buffers are released first and only then does
// remove_mapping() look at the reference count. So a clean, unmapped page
// with a GUP or bio reference loses its buffers and stays in the cache.
bool invalidate_inode_page(Ctx &k, int id) {
  Scope s(k, Fn::invalidate_inode_page, PageArg{id});
  const Page &p = k.page(id);
  if (p.mapping < 0) return false;
  if (p.flags & (PG_dirty | PG_writeback)) return false;
  if (p._mapcount > 0) return false; // page_mapped()
  return invalidate_complete_page(k, id, p.mapping);
}

// 6.1 mm/truncate.c: mapping_evict_folio() (order-0 folio). Any reference
// beyond the page cache's, the buffers' and the caller's (a PTE, a GUP or bio
// reference, a pin) refuses eviction before the buffers are touched.
bool mapping_evict_folio(Ctx &k, int id) {
  Scope s(k, Fn::mapping_evict_folio, PageArg{id});
  const Page &p = k.page(id);
  if (p.mapping < 0) return false; // invalidate_inode_page(): truncated before it was locked
  if (p.flags & (PG_dirty | PG_writeback)) return false;
  const int has_private = (p.flags & PG_private) ? 1 : 0;
  if (p._refcount > 1 + has_private + 1) {
    k.note("- page_count {} > 1 + buffers {} + 1: not evicted", p._refcount, has_private);
    return false;
  }
  if (has_private && !try_to_release_page(k, id)) return false; // filemap_release_folio()
  return remove_mapping(k, id);
}

// 4.15 mm/truncate.c: invalidate_mapping_pages() over the whole file; with
// a1 set, 6.1 invalidate_mapping_pagevec(), which also counts the pages it
// found but could not evict (nr_pagevec) and returns that count instead.
// a0 ino, a1 count refused; a2 next index, a4 pages evicted, a5 pages
// refused. Each page is trylocked (a locked page is skipped) and handled in
// one step, under its page lock and the tree lock; the next page is another
// step (the kernel's cond_resched() comes per pagevec of 15, which covers a
// whole model file, but other CPUs run meanwhile). From 6.1 on (by
// Variant::linux_version) find_lock_entries() also skips pages under
// writeback, which 4.15 leaves to invalidate_inode_page(), whose refusal
// deactivates them. The eviction test is the variant's
// (Variant::invalidate_checks_refcount).
Flow invalidate_mapping_pages(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  const bool find_lock_entries = k.variant().linux_version >= 601;
  switch (f.pc) {
  case 0:
    for (; f.a[2] < kMaxFilePages; ++f.a[2]) {
      const int id = find_get_page(k, ino, f.a[2]); // pagevec_lookup_entries()
      if (id == kNone) continue;
      ++f.a[2];
      if (!trylock_page(k, id)) {
        put_page(k, id);
        return k.yield(f, 0);
      }
      if (find_lock_entries && (k.page(id).flags & PG_writeback)) {
        unlock_page(k, id);
        put_page(k, id);
        return k.yield(f, 0);
      }
      const bool evicted = k.variant().invalidate_checks_refcount ? mapping_evict_folio(k, id)
                                                                  : invalidate_inode_page(k, id);
      unlock_page(k, id);
      if (evicted) {
        ++f.a[4];
        k.note("- {} evicted", k.page_ref(id));
      } else {
        deactivate_file_page(k, id);
        ++f.a[5];
      }
      put_page(k, id); // pagevec_release()
      return k.yield(f, 0);
    }
    return k.ret(f.a[1] ? f.a[5] : f.a[4]);
  }
  k.model_error("invalidate_mapping_pages: bad pc");
}

// 4.15 mm/fadvise.c: SYSCALL_DEFINE4(fadvise64_64) (6.1: generic_fadvise()),
// POSIX_FADV_DONTNEED over the whole file. a0 fd, a1 advice.
//  1. __filemap_fdatawrite_range(WB_SYNC_NONE): starts writeback of the dirty
//     pages without waiting. 4.15 skips it if inode_write_congested(); the
//     model has no congestion, so it always runs, as in 6.1.
//  2. invalidate_mapping_pages() on every page (lru_add_drain() first: the
//     model has no pagevecs, so it is a no-op).
//  3. The retry after lru_add_drain_all(), for pages held in other CPUs'
//     pagevecs. 6.1 (Variant::linux_version >= 601) retries with
//     invalidate_mapping_pages() whenever a page was refused. 4.15 retries
//     if fewer than end_index - start_index + 1 pages went; for len 0
//     end_index is ULONG_MAX and that count wraps to 0, so 4.15 never
//     retries here. The drain itself has nothing to drain in the model.
Flow sys_fadvise64(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    const int ino = inode_of_fd(k, f.a[0]);
    if (ino == kNone) return k.ret(-kEBADF);
    if (f.a[1] != scenario::flags::POSIX_FADV_DONTNEED) return k.ret(-kEINVAL);
    f.a[2] = static_cast<int16_t>(ino);
    return k.call(f, 1, Fn::__filemap_fdatawrite_range, ino, int(SyncMode::None));
  }
  case 1: {
    const bool v61 = k.variant().linux_version >= 601;
    return k.call(f, 2, Fn::invalidate_mapping_pages, f.a[2], v61 ? 1 : 0);
  }
  case 2:
    if (k.variant().linux_version >= 601 && k.retval() > 0) // nr_pagevec
      return k.call(f, 3, Fn::invalidate_mapping_pages, f.a[2], 0);
    return k.ret(0);
  case 3: return k.ret(0);
  }
  k.model_error("sys_fadvise64: bad pc");
}

} // namespace pagerace::model
