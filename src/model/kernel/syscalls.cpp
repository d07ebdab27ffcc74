// The user side: system calls of the scenario's threads and their loads and
// stores through the page tables (4.15 fs/open.c, fs/read_write.c and the x86
// fault entry, arch/x86/mm/fault.c: __do_page_fault()).
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

int inode_of_fd(Ctx &k, int fd) {
  if (fd < 0 || fd >= kMaxFds || k.fd(fd).inode == kNone) return kNone;
  return k.fd(fd).inode;
}

// a0 file, a1 flags -> fd
Flow sys_open(Ctx &k, Frame &f) {
  using namespace scenario::flags;
  for (int fd = 3; fd < kMaxFds; ++fd) {
    OpenFile &of = k.fd(fd);
    if (of.inode != kNone) continue;
    const int acc = f.a[1] & 3;
    of.inode = static_cast<int8_t>(f.a[0]);
    of.f_flags = uint8_t((acc == O_RDONLY || acc == O_RDWR ? kFileRead : 0) |
                         (acc == O_WRONLY || acc == O_RDWR ? kFileWrite : 0) |
                         ((f.a[1] & O_DIRECT) ? kFileDirect : 0));
    of.f_pos = 0;
    return k.ret(fd);
  }
  return k.ret(-24); // EMFILE
}

// a0 fd
Flow sys_close(Ctx &k, Frame &f) {
  if (inode_of_fd(k, f.a[0]) == kNone) return k.ret(-kEBADF);
  k.fd(f.a[0]) = OpenFile{kNone, 0, 0};
  return k.ret(0);
}

// The end of read/write: 4.15 fs/read_write.c file_pos_write() updates the
// struct file the call took with fdget_pos() at its start. The model has no
// struct file apart from its fd slot, so the update goes to the slot only
// while it still holds the same file; a close() that raced with the call
// (the kernel's file lives on until the call's fdput) loses it, as the
// kernel's does once the file is freed. Simplified: a close() and an open()
// of the same file at the same fd during the call would see the update.
void file_pos_write(Ctx &k, int fd, int ino, int pages) {
  if (pages > 0 && inode_of_fd(k, fd) == ino)
    k.fd(fd).f_pos = static_cast<int16_t>(k.fd(fd).f_pos + pages);
}

// The first step of an O_DIRECT read at or past the end of the file, or of
// a misaligned one (kDioMisaligned): 0 or -EINVAL where the kernel returns
// before any I/O, else 1 to go on. 4.15 checks the alignment first, in
// do_blockdev_direct_IO(), even at the end of the file; iomap checks the
// end of the file first (__iomap_dio_rw(), 6.1). Simplified: before its
// -EINVAL there, 4.15 takes i_rwsem and writes back the range, which holds
// no pages at the end of the file; the model returns at once.
int dio_read_start(Ctx &k, int n, bool misaligned) {
  if (n > 0) return 1;
  return misaligned && k.variant().dio_path != DioPath::Iomap ? -kEINVAL : 0;
}

// ext4_file_read_iter()'s O_DIRECT branch, for read() and io_submit():
// ext4_dio_read_iter() (>= 5.5, dio_path == Iomap) or, through
// generic_file_read_iter(), ext4_direct_IO() (4.15), for the whole request:
// the paths stop at the end of the file themselves. 4.15 takes up to
// DIO_PAGES (64) pages a refill, past the end too; the model's request
// holds 8 (kDioPages): pages after them are not faulted in, and the file's
// own pages all fit.
Flow ext4_file_read_iter_dio(Ctx &k, Frame &f, int pc, int ino, int index, int npages, int vpage,
                             bool misaligned, bool async) {
  const int flags = misaligned ? kDioMisaligned : 0;
  if (k.variant().dio_path == DioPath::Iomap)
    return k.call(f, pc, Fn::ext4_dio_read_iter, ino, index, npages, vpage,
                  (async ? 1 : 0) | flags);
  return k.call(f, pc, Fn::ext4_direct_IO, ino, index, std::min(npages, kDioPages), vpage, flags);
}

// read/pread: a0 fd, a1 vpage, a2 npages, a3 offset in pages (-1: f_pos)
// (a direct read takes its whole request to the end of the file: iomap
// zero-fills the user pages past it, 4.15 faults them in; buffered stops),
// a4 the -errno of the address (access_ok(), checked after the descriptor),
// a5 misaligned (O_DIRECT only); local a4 the file's inode (fdget at the
// start). O_DIRECT goes to fs/direct-io.c (4.15) or iomap (dio_path == Iomap).
Flow sys_read(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    const int ino = inode_of_fd(k, f.a[0]);
    if (ino == kNone || !(k.fd(f.a[0]).f_flags & kFileRead)) return k.ret(-kEBADF);
    if (f.a[4] < 0) return k.ret(f.a[4]);
    f.a[4] = static_cast<int16_t>(ino);
    const int index = f.a[3] >= 0 ? f.a[3] : k.fd(f.a[0]).f_pos;
    const int n = std::min<int>(f.a[2], k.inode(ino).i_size - index);
    if (k.fd(f.a[0]).f_flags & kFileDirect) {
      if (const int r = dio_read_start(k, n, f.a[5]); r <= 0) return k.ret(r);
      if (k.task().dio.active || k.task().dio.is_async) dio_busy_error(k, "read");
      return ext4_file_read_iter_dio(k, f, 1, ino, index, f.a[2], f.a[1], f.a[5], false);
    }
    if (n <= 0) return k.ret(0);
    return k.call(f, 1, Fn::generic_file_buffered_read, ino, index, n, f.a[1]);
  }
  case 1: {
    const int r = k.retval();
    if (r > 0 && f.a[3] < 0) file_pos_write(k, f.a[0], f.a[4], r / 4096);
    return k.ret(r);
  }
  }
  k.model_error("sys_read: bad pc");
}

// write/pwrite: a0 fd, a1 vpage, a2 npages, a3 offset in pages (-1: f_pos),
// a4 the -errno of the address, a5 misaligned (as for sys_read); locals a4
// the file's inode and a6 its f_flags (and kWriteMisaligned), taken at the
// start as 4.15 fs/read_write.c SYSCALL_DEFINE3(write) does with
// fdget_pos(), and a5 the offset in pages. 4.15 reads f_pos before vfs_write(), under f_pos_lock,
// which fdget_pos() takes for a file shared by threads and holds to the end,
// so that writes through one fd go one after the other. The model has no
// f_pos_lock and reads f_pos under i_rwsem instead, which orders the writes
// the same way; it falls back to the offset at the start if the fd was
// closed meanwhile.
// ext4_file_write_iter() holds i_rwsem exclusive for both buffered and direct.
// O_DIRECT writes take fs/direct-io.c's path in every variant (docs/MODEL.md).
Flow sys_write(Ctx &k, Frame &f) {
  constexpr int kWriteMisaligned = 0x100; // above the f_flags bits
  const int ino = f.a[4];
  switch (f.pc) {
  case 0: {
    const int file = inode_of_fd(k, f.a[0]);
    if (file == kNone || !(k.fd(f.a[0]).f_flags & kFileWrite)) return k.ret(-kEBADF);
    if (f.a[4] < 0) return k.ret(f.a[4]);
    f.a[4] = static_cast<int16_t>(file);
    f.a[6] = static_cast<int16_t>(k.fd(f.a[0]).f_flags | (f.a[5] ? kWriteMisaligned : 0));
    f.a[5] = f.a[3] >= 0 ? f.a[3] : k.fd(f.a[0]).f_pos;
    return k.sleep(f, 1, Wait::IRwsemWrite, file); // inode_lock()
  }
  case 1: {
    k.inode(ino).i_rwsem.writer = static_cast<int8_t>(k.tid());
    if (f.a[3] < 0 && inode_of_fd(k, f.a[0]) == ino) f.a[5] = k.fd(f.a[0]).f_pos;
    const int index = f.a[5];
    if (f.a[2] == 0) { // generic_write_checks(): nothing to write
      k.inode(ino).i_rwsem.writer = kNone;
      return k.ret(0);
    }
    if (f.a[6] & kWriteMisaligned) { // it fails before it writes: no limit applies
      if (k.task().dio.active || k.task().dio.is_async) dio_busy_error(k, "write");
      const int n = std::max(0, std::min(index + f.a[2], kMaxFilePages) - index);
      return k.call(f, 2, Fn::ext4_direct_IO, ino, index, n, f.a[1], 1 | kDioMisaligned);
    }
    if (index + f.a[2] > kMaxFilePages)
      k.scenario_error(
          fmt::format("write beyond the model's file size limit of {} pages", kMaxFilePages));
    if (f.a[6] & kFileDirect) {
      if (k.task().dio.active || k.task().dio.is_async) dio_busy_error(k, "write");
      if (index + f.a[2] > k.inode(ino).i_size)
        k.scenario_error("O_DIRECT write beyond the end of the file is not modelled");
      return k.call(f, 2, Fn::ext4_direct_IO, ino, index, f.a[2], f.a[1], 1);
    }
    return k.call(f, 2, Fn::generic_perform_write, ino, index, f.a[2], f.a[1]);
  }
  case 2: {
    const int r = k.retval();
    k.inode(ino).i_rwsem.writer = kNone;
    if (r > 0 && f.a[3] < 0) file_pos_write(k, f.a[0], ino, r / 4096);
    return k.ret(r);
  }
  }
  k.model_error("sys_write: bad pc");
}

// A user store, or the kernel's copy_to_user(): a0 vpage, a1 token, a2 source
// page + 1 (0: store the token; else copy that page's contents at the time of
// the store). Faults go through handle_mm_fault() with mmap_sem held for read.
Flow user_store(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: {
    if (vpage < 0 || vpage >= kMaxVpages || find_vma(k, vpage) == kNone) return k.ret(-kEFAULT);
    Pte &pte = k.pte(vpage);
    if ((pte.bits & PTE_P) && (pte.bits & PTE_W)) {
      pte.bits |= PTE_D | PTE_A;
      const Token t = f.a[2] ? k.page(f.a[2] - 1).data : Token(f.a[1]);
      write_page_data(k, pte.page, t, "arch/x86: user store through a writable PTE");
      k.note("- store into {}", k.page_ref(pte.page));
      return k.ret(0);
    }
    return k.sleep(f, 1, Wait::MmapSemRead, 0); // page fault: down_read(mmap_sem)
  }
  case 1: ++k.mmap_sem().readers; return k.call(f, 2, Fn::handle_mm_fault, vpage, FAULT_FLAG_WRITE);
  case 2:
    --k.mmap_sem().readers;
    if (k.retval() & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return k.ret(-kEFAULT);
    return k.yield(f, 0); // back to user space; the store is retried
  }
  k.model_error("user_store: bad pc");
}

// A user load (or the kernel's fault-in of a source buffer): a0 vpage.
// Returns the token read, or -kEFAULT.
Flow user_load(Ctx &k, Frame &f) {
  const int vpage = f.a[0];
  switch (f.pc) {
  case 0: {
    int vma = vpage >= 0 && vpage < kMaxVpages ? find_vma(k, vpage) : kNone;
    if (vma == kNone || !(k.vmas()[vma].vm_flags & VM_READ)) return k.ret(-kEFAULT);
    Pte &pte = k.pte(vpage);
    if (pte.bits & PTE_P) {
      pte.bits |= PTE_A;
      return k.ret(pte.page == kZeroPage ? kZeroToken : k.page(pte.page).data);
    }
    return k.sleep(f, 1, Wait::MmapSemRead, 0);
  }
  case 1: ++k.mmap_sem().readers; return k.call(f, 2, Fn::handle_mm_fault, vpage, 0);
  case 2:
    --k.mmap_sem().readers;
    if (k.retval() & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return k.ret(-kEFAULT);
    return k.yield(f, 0);
  }
  k.model_error("user_load: bad pc");
}

// The end of a scenario: once every CPU has returned, drain the device, run
// sync() and check the final invariants. System::initial() starts it asleep
// at pc 1, waiting for every CPU.
Flow final_sync(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 1: return k.sleep(f, 2, Wait::BiosDrained, 0);
  case 2: return k.call(f, 3, Fn::sys_sync);
  case 3: return k.sleep(f, 4, Wait::BiosDrained, 0);
  case 4: check_at_end(k); return k.ret(0);
  }
  k.model_error("final_sync: bad pc");
}

} // namespace pagerace::model
