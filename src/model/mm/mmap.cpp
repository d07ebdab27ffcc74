// mmap and munmap of one process (4.15 mm/mmap.c). Address-space layout: the
// first free range of virtual pages, at a fixed base; no vma merging.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// sys_mmap: a0 file (or ANON = -1), a1 flags, a2 npages (0: whole file), a3 prot.
// Returns the first virtual page or -errno; the caller turns it into an address.
Flow sys_mmap(Ctx &k, Frame &f) {
  using namespace scenario::flags;
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::MmapSemWrite, 0); // down_write(mmap_sem)
  case 1: {
    const int file = f.a[0];
    int npages = f.a[2];
    if (file >= 0 && npages == 0) npages = k.inode(file).i_size;
    if (npages <= 0) return k.ret(-kEINVAL);
    int slot = kNone;
    for (int i = 0; i < kMaxVmas && slot == kNone; ++i)
      if (!k.vmas()[i].npages) slot = i;
    int start = 0; // first fit above every existing vma
    for (const Vma &v : k.vmas())
      if (v.npages && v.start + v.npages > start) start = v.start + v.npages;
    if (slot == kNone || start + npages > kMaxVpages) return k.ret(-kENOMEM);
    uint8_t vm = VM_MAYWRITE;
    if (f.a[3] & PROT_READ) vm |= VM_READ;
    if (f.a[3] & PROT_WRITE) vm |= VM_WRITE;
    if (f.a[1] & MAP_SHARED) vm |= VM_SHARED;
    if (file < 0) vm |= VM_ANON;
    k.vmas()[slot] =
        Vma{uint8_t(start), uint8_t(npages), int8_t(file < 0 ? kNone : file), vm, 0, 0};
    return k.ret(start);
  }
  }
  k.model_error("sys_mmap: bad pc");
}

// sys_munmap -> do_munmap(): a0 vpage, a1 npages. Unmaps whole vmas or their
// head or tail (a hole in the middle splits the vma).
Flow sys_munmap(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::MmapSemWrite, 0);
  case 1: {
    const int lo = f.a[0], hi = f.a[0] + f.a[1];
    if (f.a[1] <= 0) return k.ret(-kEINVAL);
    for (int i = 0; i < kMaxVmas; ++i) {
      Vma v = k.vmas()[i];
      if (!v.npages || v.start >= hi || v.start + v.npages <= lo) continue;
      const int a = std::max<int>(lo, v.start), b = std::min<int>(hi, v.start + v.npages);
      zap_pte_range(k, a, b - a); // unmap_region() -> unmap_vmas()
      Vma head = v, tail = v;
      head.npages = uint8_t(a - v.start);
      tail.start = uint8_t(b);
      tail.npages = uint8_t(v.start + v.npages - b);
      tail.pgoff = uint8_t(v.pgoff + (b - v.start));
      k.vmas()[i] = head.npages ? head : Vma{};
      if (tail.npages) {
        int slot = kNone;
        for (int j = 0; j < kMaxVmas && slot == kNone; ++j)
          if (!k.vmas()[j].npages) slot = j;
        if (slot == kNone) return k.ret(-kENOMEM);
        k.vmas()[slot] = tail;
      }
    }
    return k.ret(0);
  }
  }
  k.model_error("sys_munmap: bad pc");
}

} // namespace pagerace::model
