// User pages of direct-I/O bios (block/bio.c): taking them
// (bio_iov_iter_get_pages), pre-dirtying them at submission
// (bio_set_pages_dirty), checking them at completion in interrupt context
// (bio_check_pages_dirty), the deferred re-dirtying on the system workqueue
// (bio_dirty_fn, run by the kworker actor) and their release
// (bio_release_pages). A bio's pages are held by FOLL_GET references, by
// FOLL_PIN pins (BIO_PAGE_PINNED), or not at all (BIO_BOUNCED: dio-bounce's
// kernel buffers, which the request owns). PageCompound does not exist in
// the model (order-0 pages only), so its special cases are omitted.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// >= 6.5 block/blk.h: bio_release_page(): "Clean up a page appropriately,
// where the page may be pinned, may have a ref taken on it or neither"
// (before 6.5, and in 4.15: put_page()). The slot is emptied.
void bio_release_page(Ctx &k, int bio, int i) {
  Bio &b = k.bio(bio);
  const int id = b.page[i];
  if (id == kNone || (b.flags & BIO_BOUNCED)) return;
  if (b.flags & BIO_PAGE_PINNED)
    unpin_user_page(k, id);
  else
    put_page(k, id);
  b.page[i] = kNone;
}

// 6.1 block/bio.c: bio_iov_iter_get_pages() -> __bio_iov_iter_get_pages() ->
// iov_iter_get_pages2() -> get_user_pages_fast(FOLL_WRITE for a read's
// destination): FOLL_GET references (DioGup::Get; 4.15 fs/iomap.c has the
// same through iov_iter_get_pages()). >= 6.5 (920756a3306a):
// iov_iter_extract_pages() -> pin_user_pages_fast(), and BIO_PAGE_PINNED
// (DioGup::Pin). The walk fills dio->pages[], which the bio then takes over
// (the kernel builds the page array inside the bio's bvecs). a0 bio, a1
// vpage, a2 npages, a3 disk block of the first page. Returns 0 if the bio
// has pages, else the GUP error ("Error is returned only if 0 pages could be
// pinned").
Flow bio_iov_iter_get_pages(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0: {
    dio.head = dio.tail = 0;
    const bool pin = k.variant().dio_gup == DioGup::Pin;
    const int write = dio.rw == 0 ? kFollWrite : 0; // ITER_DEST
    return k.call(f, 1, pin ? Fn::pin_user_pages_fast : Fn::get_user_pages_fast, f.a[1], f.a[2],
                  write, 0, kGupToDio);
  }
  case 1: {
    const int r = k.retval();
    Bio &b = k.bio(f.a[0]);
    if (k.variant().dio_gup == DioGup::Pin) b.flags |= BIO_PAGE_PINNED;
    for (int i = 0; i < dio.tail; ++i) {
      bio_add_page(k, f.a[0], dio.pages[i], f.a[3] + i);
      dio.pages[i] = 0;
    }
    dio.head = dio.tail = 0;
    if (b.vcnt) return k.ret(0);
    return k.ret(r < 0 ? r : -kEFAULT);
  }
  }
  k.model_error("bio_iov_iter_get_pages: bad pc");
}

// 4.15 and 6.1 block/bio.c: bio_set_pages_dirty(): set_page_dirty_lock() on
// every page, dirty or not (6.1.75+ and 6.12: folio_lock, folio_mark_dirty,
// folio_unlock, the same). 4.15 skips the pages bio_check_pages_dirty()
// already released. a0 bio; a1 next page.
Flow bio_set_pages_dirty(Ctx &k, Frame &f) {
  const Bio &b = k.bio(f.a[0]);
  switch (f.pc) {
  case 0:
    while (f.a[1] < b.vcnt) {
      const int id = b.page[f.a[1]++];
      if (id != kNone && id != kZeroPage) return k.call(f, 0, Fn::set_page_dirty_lock, id);
    }
    return k.ret(0);
  }
  k.model_error("bio_set_pages_dirty: bad pc");
}

// Queue `bio` on bio_dirty_list for bio_dirty_fn (schedule_work()).
static void defer_to_bio_dirty_fn(Ctx &k, int bio) {
  k.bio(bio).flags |= BIO_DIRTY_LIST;
  k.bio_dirty_list() |= static_cast<uint8_t>(1u << bio);
  k.note("- bio #{}: a page was cleaned during the read, re-dirty later in bio_dirty_fn", bio);
}

// block/bio.c: bio_check_pages_dirty(), in interrupt context; it owns the bio
// from here. 4.15: each page still PG_dirty is put at once (bvec->bv_page =
// NULL); if some are clean, the bio goes to bio_dirty_fn for those. 6.1 and
// later ("block: simplify bio_check_pages_dirty", recall ~4.19): if every
// page is still dirty, bio_release_pages(bio, false) and bio_put(); else the
// whole bio is deferred, and bio_dirty_fn re-dirties all its pages.
void bio_check_pages_dirty(Ctx &k, int bio) {
  Scope s(k, Fn::bio_check_pages_dirty);
  Bio &b = k.bio(bio);
  auto clean = [&](int i) {
    const int id = b.page[i];
    return id != kNone && id != kZeroPage && !(k.page(id).flags & PG_dirty);
  };
  if (k.variant().linux_version <= 415) {
    int nr_clean = 0;
    for (int i = 0; i < b.vcnt; ++i) {
      if (clean(i))
        ++nr_clean;
      else
        bio_release_page(k, bio, i);
    }
    if (nr_clean)
      defer_to_bio_dirty_fn(k, bio);
    else
      bio_put(k, bio);
    return;
  }
  for (int i = 0; i < b.vcnt; ++i)
    if (clean(i)) return defer_to_bio_dirty_fn(k, bio);
  for (int i = 0; i < b.vcnt; ++i)
    bio_release_page(k, bio, i);
  bio_put(k, bio);
}

// 6.1 block/bio.c: bio_release_pages() -> __bio_release_pages(bio,
// mark_dirty): for each page, set_page_dirty_lock() if mark_dirty, then
// put_page() (>= 6.5: only for a BIO_PAGE_PINNED bio, lock/mark/unlock, then
// unpin_user_folio()). A bio whose pages are not held (BIO_BOUNCED, the
// kernel's BIO_NO_PAGE_REF) is left alone. a0 bio, a1 mark_dirty; a2 next
// page.
Flow bio_release_pages(Ctx &k, Frame &f) {
  const Bio &b = k.bio(f.a[0]);
  switch (f.pc) {
  case 0: {
    if (f.a[2] == b.vcnt || (b.flags & BIO_BOUNCED)) return k.ret(0);
    const int id = b.page[f.a[2]];
    if (f.a[1] && id != kNone && id != kZeroPage) return k.call(f, 1, Fn::set_page_dirty_lock, id);
    f.pc = 1;
    return Flow::Next;
  }
  case 1:
    bio_release_page(k, f.a[0], f.a[2]);
    ++f.a[2];
    f.pc = 0;
    return Flow::Next;
  }
  k.model_error("bio_release_pages: bad pc");
}

// block/bio.c: bio_dirty_fn(), the bio_dirty_work item on the system
// workqueue (the kworker actor). It takes the whole bio_dirty_list under
// bio_dirty_lock, then for each bio: 4.15 bio_set_pages_dirty() and
// bio_release_pages() (put what is left), 6.1 and later
// bio_release_pages(bio, true); then bio_put(). The kernel's list is LIFO;
// the model takes the taken bios lowest slot first. a0 the taken bios (bit
// per bio); a1 the current bio.
Flow bio_dirty_fn(Ctx &k, Frame &f) {
  enum Pc { kTake, kNext, kRedirtied, kReleased };
  switch (f.pc) {
  case kTake:
    f.a[0] = k.bio_dirty_list();
    k.bio_dirty_list() = 0;
    [[fallthrough]];
  case kNext: {
    if (f.a[0] == 0) return k.ret(0);
    const int bio = __builtin_ctz(static_cast<unsigned>(f.a[0]));
    f.a[0] = static_cast<int16_t>(f.a[0] & ~(1 << bio));
    f.a[1] = static_cast<int16_t>(bio);
    if (k.variant().linux_version <= 415)
      return k.call(f, kRedirtied, Fn::bio_set_pages_dirty, bio);
    return k.call(f, kReleased, Fn::bio_release_pages, bio, 1);
  }
  case kRedirtied: // 4.15: put the pages bio_check_pages_dirty() kept
    for (int i = 0; i < k.bio(f.a[1]).vcnt; ++i)
      bio_release_page(k, f.a[1], i);
    [[fallthrough]];
  case kReleased:
    bio_put(k, f.a[1]);
    f.pc = kNext;
    return Flow::Next;
  }
  k.model_error("bio_dirty_fn: bad pc");
}

} // namespace pagerace::model
