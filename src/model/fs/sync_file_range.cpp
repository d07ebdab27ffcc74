// sync_file_range(2) (4.15 and 6.1 fs/sync.c) over the whole file (offset 0,
// nbytes 0: endbyte = LLONG_MAX). No file mode is required, only an open fd.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

using scenario::flags::SYNC_FILE_RANGE_WAIT_AFTER;
using scenario::flags::SYNC_FILE_RANGE_WAIT_BEFORE;
using scenario::flags::SYNC_FILE_RANGE_WRITE;
constexpr int kWriteAndWait =
    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;

// The writeback mode of SYNC_FILE_RANGE_WRITE. 4.15 always uses WB_SYNC_NONE
// (skips pages under writeback, no TAG_TOWRITE). From 5.2 (Amir Goldstein,
// "fs/sync.c: sync_file_range(2) may use WB_SYNC_ALL writeback", LKML
// 20190411112152.32151-1-amir73il@gmail.com; the release is recalled, the 6.1
// text has it) the combination SYNC_FILE_RANGE_WRITE_AND_WAIT is integrity
// writeback.
SyncMode write_mode(const Ctx &k, int flags) {
  if (k.variant().linux_version >= 502 && (flags & kWriteAndWait) == kWriteAndWait)
    return SyncMode::All;
  return SyncMode::None;
}

} // namespace

// 6.1 fs/sync.c: ksys_sync_file_range() -> sync_file_range() (4.15: the same
// steps in SYSCALL_DEFINE4(sync_file_range)). a0 fd, a1 flags; a2 ino.
//  WAIT_BEFORE: file_fdatawait_range(), i.e. filemap_fdatawait_range() plus
//    the errseq check of file_check_and_advance_wb_err() (the model has no
//    I/O errors, so it always returns 0);
//  WRITE: __filemap_fdatawrite_range() in write_mode();
//  WAIT_AFTER: file_fdatawait_range() again.
Flow sys_sync_file_range(Ctx &k, Frame &f) {
  const int flags = f.a[1];
  switch (f.pc) {
  case 0: {
    const int ino = inode_of_fd(k, f.a[0]); // fdget() comes first
    if (ino == kNone) return k.ret(-kEBADF);
    if (flags & ~kWriteAndWait) return k.ret(-kEINVAL);
    f.a[2] = static_cast<int16_t>(ino);
    if (flags & SYNC_FILE_RANGE_WAIT_BEFORE) return k.call(f, 1, Fn::filemap_fdatawait_range, ino);
    f.pc = 1;
    return Flow::Next;
  }
  case 1:
    if (flags & SYNC_FILE_RANGE_WRITE)
      return k.call(f, 2, Fn::__filemap_fdatawrite_range, f.a[2], int(write_mode(k, flags)));
    f.pc = 2;
    return Flow::Next;
  case 2:
    if (flags & SYNC_FILE_RANGE_WAIT_AFTER)
      return k.call(f, 3, Fn::filemap_fdatawait_range, f.a[2]);
    return k.ret(0);
  case 3: return k.ret(0);
  }
  k.model_error("sys_sync_file_range: bad pc");
}

} // namespace pagerace::model
