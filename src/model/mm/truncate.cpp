// Page-cache invalidation before and after a direct write (4.15 mm/truncate.c).
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 mm/truncate.c: invalidate_complete_page2(); no refcount check
static bool invalidate_complete_page2(Ctx &k, int id, int ino) {
  Page &p = k.page(id);
  if (p.mapping != ino) return false;
  if ((p.flags & PG_private) && !try_to_release_page(k, id)) return false;
  if (p.flags & PG_dirty) return false;
  delete_from_page_cache(k, id);
  put_page(k, id); // the page cache's reference
  k.note("- {} dropped from the page cache", k.page_ref(id));
  return true;
}

// 4.15 mm/truncate.c: invalidate_inode_pages2_range(). a0 ino, a1 index,
// a2 npages; a3 next, a4 page, a5 result (0 or -kEBUSY)
Flow invalidate_inode_pages2_range(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0:
    for (; f.a[3] < f.a[2]; ++f.a[3]) {
      int id = find_get_page(k, ino, f.a[1] + f.a[3]);
      if (id == kNone) continue;
      f.a[4] = static_cast<int16_t>(id);
      ++f.a[3];
      return k.call(f, 1, Fn::lock_page, id);
    }
    return k.ret(f.a[5]);
  case 1: {
    const int id = f.a[4];
    if (k.page(id).mapping != ino) {
      unlock_page(k, id);
      put_page(k, id);
      return k.yield(f, 0);
    }
    return k.call(f, 2, Fn::wait_on_page_writeback, id);
  }
  case 2: {
    const int id = f.a[4];
    if (k.page(id)._mapcount > 0) { // unmap_mapping_range() of this index
      for (int vp = 0; vp < kMaxVpages; ++vp)
        if ((k.pte(vp).bits & PTE_P) && k.pte(vp).page == id) zap_pte_range(k, vp, 1);
    }
    if (!invalidate_complete_page2(k, id, ino)) f.a[5] = -kEBUSY;
    unlock_page(k, id);
    put_page(k, id);
    return k.yield(f, 0);
  }
  }
  k.model_error("invalidate_inode_pages2_range: bad pc");
}

} // namespace pagerace::model
