// The flusher and integrity writeback of inodes (4.15 fs/fs-writeback.c).
// writeback() is one background pass (WB_SYNC_NONE) over the inodes dirty
// when it starts; it does not wait for I/O. Background thresholds,
// nr_to_write chunks and b_dirty/b_io/b_more_io list rotation are omitted.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

static int dirty_inodes(Ctx &k) {
  int mask = 0;
  for (size_t i = 0; i < k.cfg.sc->files.size(); ++i)
    if (k.inode(static_cast<int>(i)).i_state & I_DIRTY_PAGES) mask |= 1 << i;
  return mask;
}

// 4.15 fs/fs-writeback.c: wakeup_flusher_threads() -> wb_start_writeback() for
// the one bdi_writeback: nothing without dirty inodes (wb_has_dirty_io()),
// nothing while a full flush is pending or running (WB_start_all), else
// WB_start_all and a wakeup of the flusher's kworker (System::run_flusher).
void wakeup_flusher_threads(Ctx &k) {
  Scope s(k, Fn::wakeup_flusher_threads);
  if (!dirty_inodes(k)) {
    k.note("- no dirty inode: !wb_has_dirty_io()");
    return;
  }
  if (k.wb_state() & WB_start_all) {
    k.note("- WB_start_all already set: a full flush is pending");
    return;
  }
  k.wb_state() |= WB_start_all;
  k.note("- WB_start_all set, the flusher's kworker woken");
}

// 4.15 fs/fs-writeback.c: wb_workfn() -> wb_writeback() -> writeback_sb_inodes().
// a0 inodes queued (queue_io at the start of the pass). The bdi's work item
// runs on one kworker at a time, so a writeback() call and the flusher woken
// by reclaim take turns (System::task_enabled()); WB_writeback_running
// (wb_do_writeback()) says that one runs.
Flow wb_workfn(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    if (k.wb_state() & WB_writeback_running) k.model_error("wb_workfn: already running");
    k.wb_state() |= WB_writeback_running;
    f.a[0] = static_cast<int16_t>(dirty_inodes(k));
    k.reached(Fn::wb_writeback);
    f.pc = 1;
    return Flow::Next;
  case 1: {
    if (!f.a[0]) {
      k.wb_state() &= uint8_t(~WB_writeback_running);
      return k.ret(0);
    }
    int ino = __builtin_ctz(static_cast<unsigned>(f.a[0]));
    f.a[0] = static_cast<int16_t>(f.a[0] & (f.a[0] - 1));
    return k.call(f, 1, Fn::__writeback_single_inode, ino, int(SyncMode::None));
  }
  }
  k.model_error("wb_workfn: bad pc");
}

// 4.15 fs/fs-writeback.c: __writeback_single_inode(). I_DIRTY_PAGES is cleared
// after do_writepages() and set again if a page is still tagged dirty.
// a0 ino, a1 sync mode
Flow __writeback_single_inode(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::do_writepages, ino, f.a[1]);
  case 1: {
    Inode &inode = k.inode(ino);
    inode.i_state &= uint8_t(~I_DIRTY_PAGES);
    for (int i = 0; i < kMaxFilePages; ++i)
      if (inode.page[i] != kNone && (k.page(inode.page[i]).tags & TAG_DIRTY))
        inode.i_state |= I_DIRTY_PAGES;
    return k.ret(0);
  }
  }
  k.model_error("__writeback_single_inode: bad pc");
}

// 4.15 fs/fs-writeback.c: sync_inodes_sb(): WB_SYNC_ALL writeback of every
// dirty inode, then wait_sb_inodes(). The flusher does the writing in the
// kernel; the model runs it in the syncing task. a0 inodes left, a1 phase.
Flow sync_inodes_sb(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0:
    f.a[0] = static_cast<int16_t>(dirty_inodes(k));
    f.pc = 1;
    return Flow::Next;
  case 1: {
    if (!f.a[0]) {
      f.a[0] = static_cast<int16_t>((1 << k.cfg.sc->files.size()) - 1);
      f.pc = 2;
      return Flow::Next;
    }
    int ino = __builtin_ctz(static_cast<unsigned>(f.a[0]));
    f.a[0] = static_cast<int16_t>(f.a[0] & (f.a[0] - 1));
    return k.call(f, 1, Fn::__writeback_single_inode, ino, int(SyncMode::All));
  }
  case 2: { // wait_sb_inodes()
    if (!f.a[0]) return k.ret(0);
    int ino = __builtin_ctz(static_cast<unsigned>(f.a[0]));
    f.a[0] = static_cast<int16_t>(f.a[0] & (f.a[0] - 1));
    return k.call(f, 2, Fn::filemap_fdatawait_range, ino);
  }
  }
  k.model_error("sync_inodes_sb: bad pc");
}

} // namespace pagerace::model
