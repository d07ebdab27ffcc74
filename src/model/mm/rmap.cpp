// Reverse mapping (4.15 mm/rmap.c). One mm: the rmap walk visits every PTE
// that maps the page, in address order. i_mmap_rwsem is not modelled
// separately: a walk is one step, taken at a scheduling point of its caller.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

template <class F> static void for_each_pte_of(Ctx &k, int id, F fn) {
  for (int vp = 0; vp < kMaxVpages; ++vp) {
    Pte &pte = k.pte(vp);
    if ((pte.bits & PTE_P) && pte.page == id)
      if (!fn(vp, pte)) return;
  }
}

// 4.15 mm/rmap.c: page_referenced(): clears and counts young PTEs
int page_referenced(Ctx &k, int id) {
  Scope s(k, Fn::page_referenced);
  int referenced = 0;
  for_each_pte_of(k, id, [&](int, Pte &pte) {
    if (pte.bits & PTE_A) {
      pte.bits &= uint8_t(~PTE_A);
      ++referenced;
    }
    return true;
  });
  return referenced;
}

// 4.15 mm/rmap.c: page_mkclean() -> page_mkclean_one() on VM_SHARED mappings:
// write-protect and clean every PTE, so that the next store faults
int page_mkclean(Ctx &k, int id) {
  Scope s(k, Fn::page_mkclean);
  int cleaned = 0;
  for_each_pte_of(k, id, [&](int vp, Pte &pte) {
    int vma = find_vma(k, vp);
    if (vma == kNone || !(k.vmas()[vma].vm_flags & VM_SHARED)) return true;
    if (!(pte.bits & (PTE_W | PTE_D))) return true;
    pte.bits &= uint8_t(~(PTE_W | PTE_D));
    k.note("- PTE {} write-protected and cleaned", vp);
    ++cleaned;
    return true;
  });
  return cleaned;
}

// 4.15 mm/rmap.c: try_to_unmap() -> try_to_unmap_one() with ttu_flags 0:
// a young PTE makes the walk fail (recently used); a dirty PTE moves to the page
bool try_to_unmap(Ctx &k, int id) {
  Scope s(k, Fn::try_to_unmap);
  bool ok = true;
  for_each_pte_of(k, id, [&](int vp, Pte &pte) {
    if (pte.bits & PTE_A) { // ptep_clear_flush_young_notify()
      pte.bits &= uint8_t(~PTE_A);
      ok = false;
      return false;
    }
    const Pte old = pte;
    pte = Pte{};
    k.note("- PTE {} cleared", vp);
    if (old.bits & PTE_D) set_page_dirty(k, id);
    page_remove_rmap(k, id);
    put_page(k, id);
    return true;
  });
  return ok && k.page(id)._mapcount == 0;
}

} // namespace pagerace::model
