// get_user_pages (4.15 mm/gup.c, lib/iov_iter.c). The pages found are
// appended to the calling task's dio->pages[] (direct I/O is the only GUP
// user modelled). GUP-fast is lockless: other CPUs keep running while it
// walks with IRQs off, so there is a scheduling point between PTEs.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

static void gup_push(Ctx &k, int page) {
  Dio &dio = k.task().dio;
  if (dio.tail >= kDioPages) k.model_error("dio->pages[] overflow (raise kDioPages)");
  dio.pages[dio.tail++] = static_cast<int8_t>(page);
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
// then get_user_pages_unlocked() for the rest. a0 vpage, a1 npages, a2 write;
// a3 pages pinned so far. Never takes a lock, never calls the filesystem, and
// for a write only accepts a PTE that already has W.
Flow get_user_pages_fast(Ctx &k, Frame &f) {
  const int vpage = f.a[0], n = f.a[1];
  const bool write = f.a[2];
  switch (f.pc) {
  case 0: {
    const int vp = vpage + f.a[3];
    const Pte pte = vp < kMaxVpages ? k.s.mm.pte[vp] : Pte{};
    bool ok = f.a[3] < n && (pte.bits & PTE_P) && (!write || (pte.bits & PTE_W)) &&
              !(pte.bits & PTE_SPECIAL);
    if (ok) {
      k.reached(Fn::gup_pte_range);
      ok = get_page_unless_zero(k, pte.page); // page_cache_get_speculative()
    }
    if (ok) {
      k.page(pte.page).flags |= PG_referenced;
      gup_push(k, pte.page);
      k.note("- gup_pte_range: +1 ref on {} (count {})", k.page_name(pte.page),
             k.page(pte.page)._refcount);
      if (++f.a[3] < n) return k.yield(f, 0);
    }
    if (f.a[3] == n) return k.ret(n);
    if (f.a[3] == 0)
      k.note("- fast path failed: PTE {}", write ? "not present or not writable" : "not present");
    return k.call(f, 1, Fn::get_user_pages_unlocked, vpage + f.a[3], n - f.a[3], write);
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
// __get_user_pages(). a0 vpage, a1 npages, a2 write
Flow get_user_pages_unlocked(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::MmapSemRead, 0);
  case 1:
    ++k.s.mm.mmap_sem.readers;
    return k.call(f, 2, Fn::__get_user_pages, f.a[0], f.a[1], f.a[2]);
  case 2: --k.s.mm.mmap_sem.readers; return k.ret(k.retval());
  }
  k.model_error("get_user_pages_unlocked: bad pc");
}

// 4.15 mm/gup.c: follow_page_pte() with FOLL_GET | FOLL_TOUCH; kNone if the
// PTE cannot be followed (the caller faults).
static int follow_page_pte(Ctx &k, int vpage, bool write) {
  Scope s(k, Fn::follow_page_pte);
  const Pte pte = k.s.mm.pte[vpage];
  if (!(pte.bits & PTE_P)) return kNone;
  if (write && !(pte.bits & PTE_W)) // can_follow_write_pte(); no FOLL_FORCE here
    return kNone;
  const int id = pte.page;
  get_page(k, id);
  if (id != kZeroPage) {
    if (write && !(pte.bits & PTE_D) && !(k.page(id).flags & PG_dirty)) set_page_dirty(k, id);
    mark_page_accessed(k, id);
  }
  k.note("- +1 ref on {}", k.page_name(id));
  return id;
}

// 4.15 mm/gup.c: __get_user_pages(). a0 vpage, a1 npages, a2 write; a3 done.
Flow __get_user_pages(Ctx &k, Frame &f) {
  const int vpage = f.a[0], n = f.a[1];
  const bool write = f.a[2];
  switch (f.pc) {
  case 0: { // next page: find_extend_vma() + check_vma_flags()
    if (f.a[3] == n) return k.ret(n);
    int vma = find_vma(k, vpage + f.a[3]);
    if (vma == kNone || (write && !(k.s.mm.vma[vma].vm_flags & VM_WRITE)))
      return k.ret(f.a[3] > 0 ? f.a[3] : -kEFAULT);
    return k.yield(f, 1); // retry: cond_resched()
  }
  case 1: {
    int id = follow_page_pte(k, vpage + f.a[3], write);
    if (id == kNone) return k.call(f, 2, Fn::faultin_page, vpage + f.a[3], write);
    gup_push(k, id);
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
