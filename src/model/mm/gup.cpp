// get_user_pages (4.15 mm/gup.c, lib/iov_iter.c): the walk that
// get_user_pages_fast(), get_user_pages_longterm() and, from 5.6,
// pin_user_pages_fast() share. Its frames carry gup_flags (kFollWrite,
// kFollForce, kFollPin, kFollLongterm; paths.hpp) and a destination: the
// calling task's dio->pages[] (direct I/O) or a long-term pin set (RDMA
// registration, mm/gup-pin.cpp). GUP-fast is lockless: other CPUs keep
// running while it walks with IRQs off, so there is a scheduling point
// between PTEs.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

static void gup_push(Ctx &k, int dest, int page) {
  if (dest == kGupToDio) {
    Dio &dio = k.task().dio;
    if (dio.tail >= kDioPages) k.capacity_error("pages a direct-I/O request holds", kDioPages);
    dio.pages[dio.tail++] = static_cast<int8_t>(page);
    return;
  }
  PinSet &pin = k.pin(dest - kGupToPinSet);
  if (pin.npages >= kDioPages) k.capacity_error("pages a pin set holds", kDioPages);
  pin.page[pin.npages++] = static_cast<int8_t>(page);
}

// 6.12 mm/gup.c: gup_put_folio(); undoes try_grab_page()
static void gup_put_page(Ctx &k, int page, int flags) {
  if (flags & kFollPin)
    unpin_user_page(k, page);
  else
    put_page(k, page);
}

// >= 6.5 mm/gup.c: gup_fast_folio_allowed() (8ac268436e6d / a6e79df92e4a;
// folio_fast_pin_allowed() in 6.5): a FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE
// pin of a page-cache page leaves GUP-fast for the slow path, which refuses
// dirty-tracked file mappings. Anonymous pages pass; a truncated page
// (mapping NULL) also falls back; shmem and hugetlb are not modelled.
static bool gup_fast_folio_allowed(Ctx &k, int page, int flags) {
  constexpr int kAll = kFollPin | kFollLongterm | kFollWrite;
  if (!k.variant().longterm_file_pin_refused || (flags & kAll) != kAll) return true;
  return k.page(page).mapping == kAnon;
}

// 4.15 mm/gup.c: check_vma_flags() for a write; >= 6.5 first asks
// writable_file_mapping_allowed(), false for FOLL_PIN | FOLL_LONGTERM on a
// vma_needs_dirty_tracking() mapping: shared, writable and, like every ext4
// file mapping, with ->page_mkwrite. 0 or -errno.
static int check_vma_flags(Ctx &k, int vma, int flags) {
  if (!(flags & kFollWrite)) return 0;
  const Vma &v = k.vmas()[vma];
  const bool shared_file = !(v.vm_flags & VM_ANON) && (v.vm_flags & VM_SHARED);
  if (k.variant().longterm_file_pin_refused &&
      (flags & (kFollPin | kFollLongterm)) == (kFollPin | kFollLongterm) && shared_file &&
      (v.vm_flags & VM_WRITE)) {
    k.note("- writable_file_mapping_allowed: FOLL_LONGTERM write pin of a dirty-tracked file "
           "mapping refused");
    return -kEFAULT;
  }
  if (!(v.vm_flags & VM_WRITE)) {
    if (!(flags & kFollForce) || (v.vm_flags & VM_SHARED)) return -kEFAULT; // !is_cow_mapping()
    k.scenario_error(
        "FOLL_FORCE write to a read-only private mapping (COW by GUP) is not modelled");
  }
  return 0;
}

// 4.15 lib/iov_iter.c: iov_iter_get_pages() for an ITER_IOVEC: GUP-fast with
// write = (the iter is the destination of a read). a0 vpage, a1 npages, a2 write
Flow iov_iter_get_pages(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::get_user_pages_fast, f.a[0], f.a[1], f.a[2]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("iov_iter_get_pages: bad pc");
}

// 4.15 mm/gup.c: get_user_pages_fast() -> gup_pgd_range() ... gup_pte_range(),
// then get_user_pages_unlocked() for the rest (6.x internal_get_user_pages_fast()
// has the same shape for pin_user_pages_fast()). a0 vpage, a1 npages, a2
// gup_flags; a3 pages taken so far; a4 destination. Never takes a lock, never
// calls the filesystem, and for a write only accepts a PTE that already has W.
Flow get_user_pages_fast(Ctx &k, Frame &f) {
  const int vpage = f.a[0], n = f.a[1], flags = f.a[2];
  const bool write = flags & kFollWrite;
  switch (f.pc) {
  case 0: {
    const int vp = vpage + f.a[3];
    const Pte pte = vp < kMaxVpages ? k.pte(vp) : Pte{};
    bool ok = f.a[3] < n && (pte.bits & PTE_P) && (!write || (pte.bits & PTE_W)) &&
              !(pte.bits & PTE_SPECIAL);
    if (ok) {
      k.reached(Fn::gup_pte_range);
      ok = try_grab_page(k, pte.page, flags); // page_cache_get_speculative() / try_grab_folio()
    }
    bool handed_over = false; // to the slow path by gup_fast_folio_allowed()
    if (ok && !gup_fast_folio_allowed(k, pte.page, flags)) {
      gup_put_page(k, pte.page, flags);
      k.note("- gup_fast_folio_allowed: {} is a file page, try the slow path",
             k.page_ref(pte.page));
      ok = false;
      handed_over = true;
    }
    if (ok) {
      k.page(pte.page).flags |= PG_referenced;
      gup_push(k, f.a[4], pte.page);
      k.note("- gup_pte_range: {} {} (count {})", (flags & kFollPin) ? "pinned" : "+1 ref on",
             k.page_ref(pte.page), k.page(pte.page)._refcount);
      if (++f.a[3] < n) return k.yield(f, 0);
    }
    if (f.a[3] == n) return k.ret(n);
    if (f.a[3] == 0 && !handed_over)
      k.note("- fast path failed: PTE {}", write ? "not present or not writable" : "not present");
    return k.call(f, 1, Fn::get_user_pages_unlocked, vpage + f.a[3], n - f.a[3], flags, 0, f.a[4]);
  }
  case 1: {
    const int r = k.retval();
    if (r < 0) return k.ret(f.a[3] > 0 ? f.a[3] : r);
    return k.ret(f.a[3] + r);
  }
  }
  k.model_error("get_user_pages_fast: bad pc");
}

// 4.15 mm/gup.c: get_user_pages_unlocked(): mmap_sem for read around
// __get_user_pages(). a0 vpage, a1 npages, a2 gup_flags, a4 destination
Flow get_user_pages_unlocked(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::MmapSemRead, 0);
  case 1:
    ++k.mmap_sem().readers;
    return k.call(f, 2, Fn::__get_user_pages, f.a[0], f.a[1], f.a[2], 0, f.a[4]);
  case 2: --k.mmap_sem().readers; return k.ret(k.retval());
  }
  k.model_error("get_user_pages_unlocked: bad pc");
}

// 4.15 mm/gup.c: follow_page_pte() with FOLL_TOUCH, taking the page with
// try_grab_page() (FOLL_GET, or FOLL_PIN from 5.6); kNone if the PTE cannot
// be followed (the caller faults).
static int follow_page_pte(Ctx &k, int vpage, int flags) {
  Scope s(k, Fn::follow_page_pte);
  const bool write = flags & kFollWrite;
  const Pte pte = k.pte(vpage);
  if (!(pte.bits & PTE_P)) return kNone;
  if (write && !(pte.bits & PTE_W)) // can_follow_write_pte(); no FOLL_FORCE COW here
    return kNone;
  const int id = pte.page;
  if (!try_grab_page(k, id, flags))
    k.model_error("follow_page_pte: a mapped page with no reference");
  if (id != kZeroPage) {
    if (write && !(pte.bits & PTE_D) && !(k.page(id).flags & PG_dirty)) set_page_dirty(k, id);
    mark_page_accessed(k, id);
  }
  k.note("- {} {}", (flags & kFollPin) ? "pinned" : "+1 ref on", k.page_ref(id));
  return id;
}

// 4.15 mm/gup.c: __get_user_pages(). a0 vpage, a1 npages, a2 gup_flags; a3
// done; a4 destination.
Flow __get_user_pages(Ctx &k, Frame &f) {
  const int vpage = f.a[0], n = f.a[1], flags = f.a[2];
  switch (f.pc) {
  case 0: { // next page: find_extend_vma() + check_vma_flags()
    if (f.a[3] == n) return k.ret(n);
    const int vma = find_vma(k, vpage + f.a[3]);
    const int err = vma == kNone ? -kEFAULT : check_vma_flags(k, vma, flags);
    if (err) return k.ret(f.a[3] > 0 ? f.a[3] : err);
    return k.yield(f, 1); // retry: cond_resched()
  }
  case 1: {
    int id = follow_page_pte(k, vpage + f.a[3], flags);
    if (id == kNone)
      return k.call(f, 2, Fn::faultin_page, vpage + f.a[3], (flags & kFollWrite) ? 1 : 0);
    gup_push(k, f.a[4], id);
    ++f.a[3];
    f.pc = 0;
    return Flow::Next;
  }
  case 2:
    if (k.retval() != 0) return k.ret(f.a[3] > 0 ? f.a[3] : k.retval());
    return k.yield(f, 1); // goto retry
  }
  k.model_error("__get_user_pages: bad pc");
}

// 4.15 mm/gup.c: faultin_page(). a0 vpage, a1 write. 0 or -kEFAULT.
Flow faultin_page(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::handle_mm_fault, f.a[0], f.a[1] ? FAULT_FLAG_WRITE : 0);
  case 1:
    if (k.retval() & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return k.ret(-kEFAULT);
    return k.ret(0);
  }
  k.model_error("faultin_page: bad pc");
}

} // namespace pagerace::model
