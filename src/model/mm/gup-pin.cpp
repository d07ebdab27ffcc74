// Pinning user pages: FOLL_PIN accounting (>= 5.7 mm/gup.c,
// include/linux/mm.h), pin_user_pages_fast() and unpin_user_pages_dirty_lock()
// (>= 5.6), and 4.15's get_user_pages_longterm(). The page walk itself is
// mm/gup.cpp's; these functions only choose its flags and destination.
//
// The kernel has no per-page pin count for order-0 pages: a pin adds
// GUP_PIN_COUNTING_BIAS to _refcount, and page_maybe_dma_pinned() guesses
// from the refcount. Page::pins is the checker's exact count beside it.
#include "model/kernel/paths.hpp"

#include <limits>

namespace pagerace::model {

// GUP_PIN_COUNTING_BIAS as a FOLL_PIN reference adds it; 1 where the variant
// has no pin counting (5.6's FOLL_PIN was a plain reference).
static int pin_refs(const Ctx &k) {
  return k.variant().pin_bias > 0 ? k.variant().pin_bias : 1;
}

// >= 5.7 include/linux/mm.h: page_maybe_dma_pinned() for an order-0 page:
// page_ref_count() >= GUP_PIN_COUNTING_BIAS. False positives (many plain
// references) are possible, false negatives are not. Without pin counting
// (variant pin_bias 0: 4.15) nothing can tell, so it is false.
bool page_maybe_dma_pinned(Ctx &k, int page) {
  Scope s(k, Fn::page_maybe_dma_pinned);
  if (page == kZeroPage || k.variant().pin_bias == 0) return false;
  return k.page(page)._refcount >= k.variant().pin_bias;
}

// >= 5.7 mm/gup.c: try_grab_page() (6.x try_grab_folio() for one page):
// FOLL_GET takes one reference, FOLL_PIN GUP_PIN_COUNTING_BIAS of them. Like
// page_cache_get_speculative() it fails on a page whose count is already zero
// (GUP-fast racing with the page's freeing). The zero page is never pinned
// (6.5, "mm: Don't pin ZERO_PAGE in pin_user_pages()"); taking it is a no-op
// in the model in any case.
bool try_grab_page(Ctx &k, int page, int gup_flags) {
  if (page == kZeroPage) return true;
  if (!(gup_flags & kFollPin)) return get_page_unless_zero(k, page);
  Scope s(k, Fn::try_grab_page);
  Page &p = k.page(page);
  if (p._refcount == 0) return false;
  if (p._refcount + pin_refs(k) > std::numeric_limits<int16_t>::max())
    k.scenario_error("too many pins of one page for the model's 16-bit _refcount");
  p._refcount = static_cast<int16_t>(p._refcount + pin_refs(k));
  ++p.pins;
  return true;
}

// >= 5.7 mm/gup.c: unpin_user_page() -> gup_put_folio(FOLL_PIN): drops
// GUP_PIN_COUNTING_BIAS references; the last one frees the page as put_page()
// does.
void unpin_user_page(Ctx &k, int page) {
  if (page == kZeroPage) return;
  Scope s(k, Fn::unpin_user_page);
  Page &p = k.page(page);
  if (p.pins == 0 || p._refcount < pin_refs(k))
    k.model_error(fmt::format("unpin_user_page of {} without a pin", k.page_name(page)));
  --p.pins;
  p._refcount = static_cast<int16_t>(p._refcount - (pin_refs(k) - 1));
  put_page(k, page);
}

// >= 5.6 mm/gup.c: pin_user_pages_fast() -> internal_get_user_pages_fast()
// with FOLL_PIN: GUP-fast, then the slow path under mmap_read_lock(). a0
// vpage, a1 npages, a2 gup_flags, a4 destination. FOLL_LONGTERM's
// check_and_migrate_movable_pages() is omitted (no ZONE_MOVABLE or CMA).
Flow pin_user_pages_fast(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    return k.call(f, 1, Fn::get_user_pages_fast, f.a[0], f.a[1], f.a[2] | kFollPin, 0, f.a[4]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("pin_user_pages_fast: bad pc");
}

// 4.15 mm/gup.c: get_user_pages_longterm(): get_user_pages() (FOLL_GET,
// the slow path; the caller holds mmap_sem), then a refusal of FS-DAX vmas,
// which the model does not have. a0 vpage, a1 npages, a2 gup_flags, a4
// destination.
Flow get_user_pages_longterm(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::__get_user_pages, f.a[0], f.a[1], f.a[2], 0, f.a[4]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("get_user_pages_longterm: bad pc");
}

// >= 5.6 mm/gup.c: unpin_user_pages_dirty_lock(pages, npages, make_dirty)
// over the pages a pin set still holds, front to back: a page that is not
// PG_dirty is dirtied under the page lock (6.x folio_lock, folio_mark_dirty,
// folio_unlock; the dirty test is made without the lock, a race the kernel's
// comment accepts), then unpinned. a0 pin slot, a1 make_dirty.
Flow unpin_user_pages_dirty_lock(Ctx &k, Frame &f) {
  PinSet &pin = k.pin(f.a[0]);
  switch (f.pc) {
  case 0: {
    if (pin.first == pin.npages) return k.ret(0);
    const int id = pin.page[pin.first];
    if (f.a[1] && id != kZeroPage && !(k.page(id).flags & PG_dirty))
      return k.call(f, 1, Fn::set_page_dirty_lock, id);
    f.pc = 1;
    return Flow::Next;
  }
  case 1:
    unpin_user_page(k, pin.page[pin.first]);
    pin.page[pin.first++] = 0;
    f.pc = 0;
    return Flow::Next;
  }
  k.model_error("unpin_user_pages_dirty_lock: bad pc");
}

} // namespace pagerace::model
