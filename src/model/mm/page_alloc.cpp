// struct page allocation and reference counting (4.15 mm/page_alloc.c,
// include/linux/mm.h). Order-0 pages only; a freed page's slot is zeroed so
// that equal states compare equal.
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 mm/page_alloc.c: alloc_pages(); lowest free slot, refcount 1
int alloc_page(Ctx &k) {
  for (int i = 0; i < kMaxPages; ++i) {
    Page &p = k.page(i);
    if (p.in_use) continue;
    p = Page{};
    p.in_use = 1;
    p._refcount = 1;
    p.mapping = kNone; // bh stays zero: "no buffers", as try_to_free_buffers() leaves it
    return i;
  }
  k.capacity_error("struct pages", kMaxPages);
}

static void free_page(Ctx &k, int id) {
  Page &p = k.page(id);
  if (p.mapping >= 0 || (p.flags & (PG_lru | PG_locked | PG_private | PG_writeback)))
    k.model_error(fmt::format("freeing busy {} (flags {:#x})", k.page_name(id), p.flags));
  p = Page{};
}

// 4.15 include/linux/mm.h: get_page()
void get_page(Ctx &k, int id) {
  if (id == kZeroPage) return;
  ++k.page(id)._refcount;
}

// 4.15 include/linux/mm.h: put_page() -> put_page_testzero() -> __put_page()
void put_page(Ctx &k, int id) {
  if (id == kZeroPage) return;
  Page &p = k.page(id);
  if (p._refcount <= 0) k.model_error("put_page on a free page");
  if (--p._refcount == 0) {
    if (p.flags & PG_lru) { // __page_cache_release(): off the LRU on the last put
      lru_del(k, id);
      p.flags &= uint16_t(~PG_active);
    }
    free_page(k, id);
  }
}

// 4.15 include/linux/mm.h: get_page_unless_zero() (page_cache_get_speculative)
bool get_page_unless_zero(Ctx &k, int id) {
  Page &p = k.page(id);
  if (p._refcount == 0) return false;
  ++p._refcount;
  return true;
}

// 4.15 include/linux/pagemap.h: trylock_page()
bool trylock_page(Ctx &k, int id) {
  Page &p = k.page(id);
  if (p.flags & PG_locked) return false;
  p.flags |= PG_locked;
  return true;
}

// 4.15 mm/filemap.c: unlock_page(); waiters become runnable (Wait::PageUnlocked)
void unlock_page(Ctx &k, int id) {
  Page &p = k.page(id);
  if (!(p.flags & PG_locked)) k.model_error("unlock_page of an unlocked page");
  p.flags &= uint16_t(~PG_locked);
}

bool page_is_file(const Ctx &k, int id) {
  return id >= 0 && k.page(id).mapping >= 0;
}

// Every change of page contents goes through here: the content invariants
// look at it, and for page-cache pages the expected on-disk contents follow.
void write_page_data(Ctx &k, int id, Token data, const char *site) {
  if (id == kZeroPage) k.model_error("write into ZERO_PAGE");
  Page &p = k.page(id);
  check_content_write(k, id, data, site);
  if (p.mapping >= 0 && p.index < kMaxFilePages) {
    Inode &inode = k.inode(p.mapping);
    inode.expected[p.index] = data;
    // a CPU's own system call or store; DMA and other contexts are set by the caller
    inode.writer[p.index] = k.tid() >= 0 && k.tid() < k.cfg.ncpus ? int8_t(k.tid() + 1) : kNone;
  }
  p.data = data;
}

} // namespace pagerace::model
