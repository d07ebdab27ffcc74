// ext4 direct-I/O reads through iomap (>= 5.5 fs/ext4/file.c; the model's
// variants with dio_path == Iomap). Direct writes stay on fs/direct-io.c's
// path (fs/ext4/direct_IO.cpp) in every variant: a simplification, see
// docs/MODEL.md.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 6.1 fs/ext4/file.c: ext4_dio_read_iter(): inode_lock_shared() of the file
// read (IOCB_NOWAIT's trylock is not modelled), iomap_dio_rw() with
// ext4_iomap_ops and no dio ops, inode_unlock_shared(). The fallback to
// buffered I/O when ext4 cannot use direct I/O on the inode (6.1.192:
// ext4_should_use_dio(): encryption, verity, data=journal, inline data)
// never applies in the model, and file_accessed() is omitted. For an asynchronous iocb the lock is
// dropped while the I/O is still in flight (iomap_dio_rw returns -EIOCBQUEUED). a0 ino, a1 index,
// a2 npages, a3 vpage, a4 async | kDioMisaligned.
Flow ext4_dio_read_iter(Ctx &k, Frame &f) {
  RwSem &sem = k.inode(f.a[0]).i_rwsem;
  switch (f.pc) {
  case 0: return k.sleep(f, 1, Wait::IRwsemRead, f.a[0]); // inode_lock_shared()
  case 1:
    ++sem.readers;
    return k.call(f, 2, Fn::iomap_dio_rw, f.a[0], f.a[1], f.a[2], f.a[3], f.a[4]);
  case 2: --sem.readers; return k.ret(k.retval());
  }
  k.model_error("ext4_dio_read_iter: bad pc");
}

} // namespace pagerace::model
