// ext4 direct I/O entry (4.15 fs/ext4/inode.c: ext4_direct_IO_read /
// ext4_direct_IO_write, with mm/filemap.c: generic_file_direct_write()).
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// a0 ino, a1 index, a2 npages, a3 vpage, a4 rw (0 read, 1 write) | kDioMisaligned;
// a5, a6 result.
// Reads hold i_rwsem shared and write back the source file (the model's
// ranges are whole files) first. Writes run under the caller's exclusive i_rwsem: write back and
// invalidate the cached range (a page that cannot be invalidated makes the
// write fall back to buffered I/O), write, and invalidate again.
Flow ext4_direct_IO(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  RwSem &sem = k.inode(ino).i_rwsem;
  switch (f.pc) {
  case 0:
    if (f.a[4] & 1) return k.call(f, 10, Fn::filemap_write_and_wait_range, ino);
    return k.sleep(f, 1, Wait::IRwsemRead, ino); // inode_lock_shared()
  case 1: ++sem.readers; return k.call(f, 2, Fn::filemap_write_and_wait_range, ino);
  case 2: return k.call(f, 3, Fn::do_blockdev_direct_IO, ino, f.a[1], f.a[2], f.a[3], f.a[4]);
  case 3: --sem.readers; return k.ret(k.retval());
  case 10: return k.call(f, 11, Fn::invalidate_inode_pages2_range, ino, f.a[1], f.a[2]);
  case 11:
    if (k.retval() == -kEBUSY) {
      if (f.a[4] & kDioMisaligned)
        k.scenario_error("a misaligned O_DIRECT write falls back to buffered I/O here (a cached "
                         "page could not be invalidated), and the model keeps whole pages only");
      return k.call(f, 14, Fn::generic_perform_write, ino, f.a[1], f.a[2], f.a[3]);
    }
    return k.call(f, 12, Fn::do_blockdev_direct_IO, ino, f.a[1], f.a[2], f.a[3], f.a[4]);
  case 12: // a5: pages written, a6: -errno
    f.a[5] = static_cast<int16_t>(k.retval() > 0 ? k.retval() / 4096 : 0);
    f.a[6] = static_cast<int16_t>(k.retval() < 0 ? k.retval() : 0);
    return k.call(f, 13, Fn::invalidate_inode_pages2_range, ino, f.a[1], f.a[2]);
  case 13: return k.ret(f.a[6] ? f.a[6] : f.a[5] * 4096);
  case 14: return k.ret(k.retval());
  }
  k.model_error("ext4_direct_IO: bad pc");
}

} // namespace pagerace::model
