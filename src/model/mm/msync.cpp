// msync (4.15 mm/msync.c): MS_SYNC fsyncs the file of every shared file vma in
// the range (vfs_fsync_range, datasync = 1); MS_ASYNC does nothing. mmap_sem
// is dropped around the fsync in the kernel; the model does not hold it.
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// a0 vpage, a1 npages, a2 flags; a3 next vma slot to look at, a4 State::clock
// at entry, a5 the inode being synced (its vma may go away meanwhile)
Flow sys_msync(Ctx &k, Frame &f) {
  using namespace scenario::flags;
  switch (f.pc) {
  case 0:
    if ((f.a[2] & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
        ((f.a[2] & MS_ASYNC) && (f.a[2] & MS_SYNC)))
      return k.ret(-kEINVAL);
    if (find_vma(k, f.a[0]) == kNone) return k.ret(-kENOMEM);
    f.a[4] = static_cast<int16_t>(sync_begins(k));
    f.pc = 1;
    return Flow::Next;
  case 1:
    if (!(f.a[2] & MS_SYNC)) return k.ret(0);
    if (f.a[3] > 0) { // the file of vma a3 - 1 was just synced
      if (k.retval() != 0) return k.ret(k.retval());
      check_synced(k, f.a[5], static_cast<uint16_t>(f.a[4]), "mm/msync.c:sys_msync");
    }
    for (; f.a[3] < kMaxVmas; ++f.a[3]) {
      const Vma &v = k.vmas()[f.a[3]];
      if (!v.npages || v.start >= f.a[0] + f.a[1] || v.start + v.npages <= f.a[0]) continue;
      if (!(v.vm_flags & VM_SHARED) || v.file < 0) continue;
      ++f.a[3];
      f.a[5] = v.file;
      return k.call(f, 1, Fn::ext4_sync_file, v.file);
    }
    return k.ret(0);
  }
  k.model_error("sys_msync: bad pc");
}

} // namespace pagerace::model
