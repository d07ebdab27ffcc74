// sync(2) and fsync(2) (4.15 fs/sync.c).
#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// fsync-gap's clock: a durability point begins. Calls that returned before
// now carry a due_at <= the value returned; later returns carry more.
uint16_t sync_begins(Ctx &k) {
  return k.clock()++;
}

// 4.15 fs/sync.c: sys_sync() -> iterate_supers(sync_inodes_one_sb). Its
// wakeup_flusher_threads(WB_REASON_SYNC) is omitted: 4.15 runs that pass on
// the bdi's work item after sync's own WB_SYNC_ALL work, where the model
// writes in the caller and would let the two overlap. ->sync_fs and the
// block-device flushes are omitted too.
Flow sys_sync(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: f.a[0] = static_cast<int16_t>(sync_begins(k)); return k.call(f, 1, Fn::sync_inodes_sb);
  case 1:
    if (k.tid() < k.cfg.ncpus) // a scenario's sync(); the end-of-scenario one is lost-write's
      for (size_t ino = 0; ino < k.cfg.sc->files.size(); ++ino)
        check_synced(k, static_cast<int>(ino), static_cast<uint16_t>(f.a[0]), "fs/sync.c:sys_sync");
    return k.ret(0);
  }
  k.model_error("sys_sync: bad pc");
}

// 4.15 fs/sync.c: do_fsync() -> vfs_fsync_range() -> ext4_sync_file(); fsync
// and fdatasync are the same here (no metadata). a0 fd; a1 State::clock at
// entry, a2 inode (the struct file pins it for the whole call)
Flow sys_fsync(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    const int ino = inode_of_fd(k, f.a[0]);
    if (ino < 0) return k.ret(-kEBADF);
    f.a[1] = static_cast<int16_t>(sync_begins(k));
    f.a[2] = static_cast<int16_t>(ino);
    return k.call(f, 1, Fn::ext4_sync_file, ino);
  }
  case 1:
    if (k.retval() == 0)
      check_synced(k, f.a[2], static_cast<uint16_t>(f.a[1]), "fs/sync.c:vfs_fsync_range");
    return k.ret(k.retval());
  }
  k.model_error("sys_fsync: bad pc");
}

} // namespace pagerace::model
