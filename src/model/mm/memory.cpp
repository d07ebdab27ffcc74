// Page faults and unmapping (4.15 mm/memory.c). Faults run with mmap_sem held
// for read by their caller (the user access or GUP). Omitted: fault-around
// (do_fault_around / filemap_map_pages), VM_FAULT_RETRY, THP, swap entries,
// NUMA hinting, userfaultfd; the TLB is flushed at once (no mmu_gather delay
// of the page reference in zap_pte_range).
#include "model/kernel/paths.hpp"

namespace pagerace::model {

int find_vma(const Ctx &k, int vpage) {
  for (int i = 0; i < kMaxVmas; ++i) {
    const Vma &v = k.vmas()[i];
    if (v.npages && vpage >= v.start && vpage < v.start + v.npages) return i;
  }
  return kNone;
}

static int vma_pgoff(const Ctx &k, int vma, int vpage) {
  const Vma &v = k.vmas()[vma];
  return v.pgoff + (vpage - v.start);
}

// 4.15 mm/rmap.c: page_add_file_rmap() / page_add_new_anon_rmap()
void page_add_rmap(Ctx &k, int id) {
  if (id != kZeroPage) ++k.page(id)._mapcount;
}

// 4.15 mm/rmap.c: page_remove_rmap()
void page_remove_rmap(Ctx &k, int id) {
  if (id != kZeroPage) --k.page(id)._mapcount;
}

static void set_pte(Ctx &k, int vpage, int page, uint8_t bits) {
  k.pte(vpage) = Pte{bits, static_cast<int8_t>(page)};
  k.note("- PTE {}: {} -> {}", vpage, bits & PTE_W ? "P W D A" : "P A", k.page_ref(page));
}

// A new anonymous page (4.15 mm/memory.c: alloc_zeroed_user_highpage_movable
// or a COW copy): PageSwapBacked, uptodate, mapped once.
static int new_anon_page(Ctx &k, Token data) {
  int id = alloc_page(k);
  Page &p = k.page(id);
  p.mapping = kAnon;
  p.flags |= PG_swapbacked | PG_uptodate;
  p.data = data;
  return id;
}

// 4.15 mm/memory.c: do_anonymous_page(); reads map the shared zero page
void do_anonymous_page(Ctx &k, int vpage, bool write) {
  Scope s(k, Fn::do_anonymous_page);
  if (!write) {
    k.pte(vpage) = Pte{PTE_P | PTE_A | PTE_SPECIAL, kZeroPage};
    k.note("- PTE {}: ZERO_PAGE, read-only", vpage);
    return;
  }
  int id = new_anon_page(k, kZeroToken);
  page_add_rmap(k, id);
  set_pte(k, vpage, id, PTE_P | PTE_W | PTE_D | PTE_A);
}

// 4.15 mm/memory.c: wp_page_copy(); the old page loses this PTE (map -1,
// ref -1) and is not dirtied
void wp_page_copy(Ctx &k, int vpage) {
  Scope s(k, Fn::wp_page_copy);
  Pte old = k.pte(vpage);
  Token data = old.page == kZeroPage ? kZeroToken : k.page(old.page).data;
  int id = new_anon_page(k, data);
  page_add_rmap(k, id);
  set_pte(k, vpage, id, PTE_P | PTE_W | PTE_D | PTE_A);
  if (old.page != kZeroPage) {
    page_remove_rmap(k, old.page);
    put_page(k, old.page);
  }
}

// 4.15 mm/memory.c: handle_mm_fault() -> __handle_mm_fault() -> handle_pte_fault().
// a0 vpage, a1 flags. Returns 0 or VM_FAULT_* bits.
Flow handle_mm_fault(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  const bool write = f.a[1] & FAULT_FLAG_WRITE;
  switch (f.pc) {
  case 0: {
    int vma = find_vma(k, vpage);
    if (vma == kNone) return k.ret(VM_FAULT_SIGSEGV);
    const Vma &v = k.vmas()[vma];
    if (write && !(v.vm_flags & VM_WRITE))
      return k.ret(VM_FAULT_SIGSEGV); // access_error() in the arch fault handler
    Pte &pte = k.pte(vpage);
    if (!(pte.bits & PTE_P)) {
      if (v.vm_flags & VM_ANON) {
        do_anonymous_page(k, vpage, write);
        return k.ret(0);
      }
      if (!write) return k.call(f, 1, Fn::do_read_fault, vpage, vma);
      if (!(v.vm_flags & VM_SHARED)) return k.call(f, 1, Fn::do_cow_fault, vpage, vma);
      return k.call(f, 1, Fn::do_shared_fault, vpage, vma);
    }
    if (write && !(pte.bits & PTE_W)) return k.call(f, 1, Fn::do_wp_page, vpage, vma);
    pte.bits |= PTE_A | (write ? PTE_D : 0);
    return k.ret(0);
  }
  case 1: return k.ret(k.retval());
  }
  k.model_error("handle_mm_fault: bad pc");
}

// 4.15 mm/memory.c: __do_fault() -> vma->vm_ops->fault (filemap_fault) for the
// faulting page of frame f (a0 vpage, a1 vma); resumes at pc 1.
static Flow vm_ops_fault(Ctx &k, Frame &f) {
  const Vma &v = k.vmas()[f.a[1]];
  return k.call(f, 1, Fn::filemap_fault, v.file, vma_pgoff(k, f.a[1], f.a[0]));
}

// 4.15 mm/memory.c: finish_fault() -> alloc_set_pte(); the fault's page
// reference becomes the PTE's. Returns false if another fault won the race.
static bool finish_fault(Ctx &k, int vpage, int id, bool write) {
  Scope s(k, Fn::finish_fault);
  if (k.pte(vpage).bits & PTE_P) return false;
  page_add_rmap(k, id);
  set_pte(k, vpage, id, write ? uint8_t(PTE_P | PTE_W | PTE_D | PTE_A) : uint8_t(PTE_P | PTE_A));
  return true;
}

// 4.15 mm/memory.c: do_read_fault(). a0 vpage, a1 vma. On an ext4 MAP_SHARED
// mapping the PTE is read-only (vma_wants_writenotify), so the first store
// will go through do_wp_page -> ->page_mkwrite.
Flow do_read_fault(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: return vm_ops_fault(k, f);
  case 1: {
    const int id = k.retval();
    if (id < 0) return k.ret(-id);
    bool mapped = finish_fault(k, vpage, id, false);
    unlock_page(k, id);
    if (!mapped) {
      put_page(k, id);
      return k.ret(VM_FAULT_NOPAGE);
    }
    return k.ret(0);
  }
  }
  k.model_error("do_read_fault: bad pc");
}

// 4.15 mm/memory.c: fault_dirty_shared_page(); balance_dirty_pages omitted
static void fault_dirty_shared_page(Ctx &k, int id) {
  Scope s(k, Fn::fault_dirty_shared_page);
  set_page_dirty(k, id);
  unlock_page(k, id);
}

// 4.15 mm/memory.c: do_shared_fault(). a0 vpage, a1 vma; a2 page.
Flow do_shared_fault(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: return vm_ops_fault(k, f);
  case 1: {
    const int id = k.retval();
    if (id < 0) return k.ret(-id);
    f.a[2] = static_cast<int16_t>(id);
    unlock_page(k, id); // ext4 has ->page_mkwrite: it relocks the page itself
    return k.call(f, 2, Fn::do_page_mkwrite, id);
  }
  case 2: {
    const int id = f.a[2];
    const int tmp = k.retval();
    if (!(tmp & VM_FAULT_LOCKED)) {
      put_page(k, id);
      return k.ret(tmp);
    }
    if (!finish_fault(k, vpage, id, true)) {
      unlock_page(k, id);
      put_page(k, id);
      return k.ret(VM_FAULT_NOPAGE);
    }
    fault_dirty_shared_page(k, id);
    return k.ret(0);
  }
  }
  k.model_error("do_shared_fault: bad pc");
}

// 4.15 mm/memory.c: do_cow_fault(). a0 vpage, a1 vma. The file page is only
// copied; it is neither mapped nor dirtied.
Flow do_cow_fault(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: return vm_ops_fault(k, f);
  case 1: {
    const int id = k.retval();
    if (id < 0) return k.ret(-id);
    int cow = new_anon_page(k, k.page(id).data); // copy_user_highpage()
    bool mapped = finish_fault(k, vpage, cow, true);
    unlock_page(k, id);
    put_page(k, id);
    if (!mapped) {
      put_page(k, cow);
      return k.ret(VM_FAULT_NOPAGE);
    }
    return k.ret(0);
  }
  }
  k.model_error("do_cow_fault: bad pc");
}

// 4.15 mm/memory.c: do_wp_page(). a0 vpage, a1 vma. Anonymous reuse is
// decided by reuse_swap_page() (mapcount only, no swap); the page-lock dance
// around it is omitted.
Flow do_wp_page(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: {
    const Pte pte = k.pte(vpage);
    const Vma &v = k.vmas()[f.a[1]];
    if (pte.page == kZeroPage) {
      wp_page_copy(k, vpage);
      return k.ret(0);
    }
    if (k.page(pte.page).mapping == kAnon) {
      if (k.page(pte.page)._mapcount == 1) { // reuse_swap_page() -> wp_page_reuse()
        k.pte(vpage).bits |= PTE_W | PTE_D | PTE_A;
        return k.ret(0);
      }
      wp_page_copy(k, vpage);
      return k.ret(0);
    }
    if ((v.vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED))
      return k.call(f, 1, Fn::wp_page_shared, vpage, pte.page, pte.bits);
    wp_page_copy(k, vpage);
    return k.ret(0);
  }
  case 1: return k.ret(k.retval());
  }
  k.model_error("do_wp_page: bad pc");
}

// 4.15 mm/memory.c: wp_page_shared(). a0 vpage, a1 page, a2 orig PTE bits.
// The PTE lock is dropped across ->page_mkwrite; finish_mkwrite_fault()
// rechecks pte_same().
Flow wp_page_shared(Ctx &k, Frame &f) {
  const int vpage = f.a[0], id = f.a[1];
  switch (f.pc) {
  case 0: get_page(k, id); return k.call(f, 1, Fn::do_page_mkwrite, id);
  case 1: {
    const int tmp = k.retval();
    if (!(tmp & VM_FAULT_LOCKED)) {
      put_page(k, id);
      return k.ret(tmp);
    }
    const Pte pte = k.pte(vpage);
    if (pte.page != id || pte.bits != uint8_t(f.a[2])) { // !pte_same()
      unlock_page(k, id);
      put_page(k, id);
      return k.ret(VM_FAULT_NOPAGE);
    }
    k.pte(vpage).bits |= PTE_W | PTE_D | PTE_A; // wp_page_reuse()
    k.note("- PTE {}: W D A set (wp_page_reuse)", vpage);
    fault_dirty_shared_page(k, id);
    put_page(k, id);
    return k.ret(0);
  }
  }
  k.model_error("wp_page_shared: bad pc");
}

// 4.15 mm/memory.c: do_page_mkwrite(). a0 page. Returns VM_FAULT_LOCKED with
// the page locked, or the error of ->page_mkwrite.
Flow do_page_mkwrite(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::ext4_page_mkwrite, f.a[0]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("do_page_mkwrite: bad pc");
}

// 4.15 mm/memory.c: zap_pte_range(); PTE dirtiness and youth move to the page
void zap_pte_range(Ctx &k, int first, int npages) {
  Scope s(k, Fn::zap_pte_range);
  for (int vp = first; vp < first + npages; ++vp) {
    Pte pte = k.pte(vp);
    if (!(pte.bits & PTE_P)) continue;
    k.pte(vp) = Pte{};
    if (pte.page == kZeroPage) continue;
    if (k.page(pte.page).mapping != kAnon) {
      if (pte.bits & PTE_D) set_page_dirty(k, pte.page);
      if (pte.bits & PTE_A) mark_page_accessed(k, pte.page);
    }
    page_remove_rmap(k, pte.page);
    k.note("- PTE {} cleared ({})", vp, k.page_ref(pte.page));
    put_page(k, pte.page);
  }
}

// 4.15 mm/memory.c: unmap_mapping_range(mapping, holebegin, 0, even_cows = 1)
// as truncate_pagecache() calls it: in every vma of the file, zap the PTEs of
// file offsets from `first_index` on, private COW copies included. The
// i_mmap tree walk is one step (i_mmap_rwsem held for write).
void unmap_mapping_range(Ctx &k, int ino, int first_index) {
  Scope s(k, Fn::unmap_mapping_range);
  for (const Vma &v : k.vmas()) {
    if (!v.npages || v.file != ino) continue;
    const int from = v.start + std::max(0, first_index - v.pgoff);
    const int to = v.start + v.npages;
    if (from < to) zap_pte_range(k, from, to - from);
  }
}

} // namespace pagerace::model
