// iomap direct I/O (fs/iomap/direct-io.c, 6.1 and later), reads only: the
// ext4 path of the variants with dio_path == Iomap. The request is the
// task's Dio (struct iomap_dio): refcount counts the bios in flight, the
// submitter's own reference is DIO_SUBMITTED's absence, result is dio->size
// in pages, done is dio->submit.waiter == NULL (or the aio completion).
//
// What differs from fs/direct-io.c, and why it matters: every user-backed
// read, synchronous ones included, pre-dirties its pages at submission
// (IOMAP_DIO_DIRTY), and at completion the last bio wakes the waiter first
// and only then checks the pages; a page that writeback cleaned during the
// read is re-dirtied later by bio_dirty_fn on the system workqueue. So
// read() can return while a page it filled is still clean.
//
// dio-bounce (variant switch, a fix-lab proposal, no kernel has it): the
// bios read into kernel pages (alloc_page, Dio::bounce) and the user pages
// are not taken at submission at all; at completion the waiter copies each
// bounce page out with copy_to_user() (iomap_dio_bounce_copy), which faults
// the destination writable through ->page_mkwrite like any user store.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 6.1 fs/iomap/direct-io.c: iomap_dio_rw() -> __iomap_dio_rw() for a READ,
// then iomap_dio_complete(). A read: IOMAP_DIO_DIRTY if the iter is user
// memory (not with dio-bounce, whose iter is kernel pages);
// filemap_write_and_wait_range() of the file read (the model's range is the
// whole file); then iomap_iter() per extent: ext4_iomap_begin() maps it,
// iomap_dio_hole_iter() or iomap_dio_bio_iter() does it. Then the submitter
// drops its reference: an asynchronous request returns -EIOCBQUEUED, a
// synchronous one sleeps until the last bio completion wakes it. The model
// yields after each extent (ext4_iomap_begin()'s i_data_sem). a0 ino, a1
// index, a2 npages, a3 vpage, a4 async | kDioMisaligned; a5 pages done; a6
// the bounce copy ran. Returns bytes, -errno or -EIOCBQUEUED.
Flow iomap_dio_rw(Ctx &k, Frame &f) {
  enum Pc { kStart, kIter, kHoleDone, kBioDone, kSubmitted, kWoken, kCopied };
  Dio &dio = k.task().dio;
  const bool bounce = k.variant().dio_bounce;
  switch (f.pc) {
  case kStart: {
    // i_size sampled under i_rwsem ("if (iomi.pos >= dio->i_size) goto
    // out_free_dio"): a truncate since the caller looked may have ended the
    // file sooner. Past its end the request goes on over holes, which zero
    // the user's pages, and the result is trimmed (iomap_dio_complete()).
    // The size cannot change while i_rwsem is held: kIter reads it again.
    if (f.a[1] >= k.inode(f.a[0]).i_size) return k.ret(0);
    if (bounce && f.a[2] > kDioPages && !(f.a[4] & kDioMisaligned)) // that one fails first
      k.scenario_error(fmt::format(
          "a dio-bounce read of more than {} pages does not fit the model's bounce slots",
          kDioPages));
    dio.active = 1;
    dio.rw = 0;
    dio.is_async = static_cast<uint8_t>(f.a[4] & 1);
    dio.should_dirty = !bounce; // user_backed_iter(iter): IOMAP_DIO_DIRTY
    dio.user_vpage = f.a[3];
    return k.call(f, kIter, Fn::filemap_write_and_wait_range, f.a[0]);
  }
  case kIter: {
    if (f.a[5] == f.a[2] || dio.io_error) {
      f.pc = kSubmitted;
      return Flow::Next;
    }
    const Inode &inode = k.inode(f.a[0]);
    const int index = f.a[1] + f.a[5];
    const int block = index < inode.i_size ? inode.block[index] : -1;
    if (block < 0) {
      // IOMAP_HOLE: a hole, a delalloc block (ext4_map_blocks() maps
      // neither; ext4_set_iomap() reports a hole), or past the end of the
      // file: iov_iter_zero(), which checks no alignment: a misaligned
      // request zeroes part of a page.
      if (f.a[4] & kDioMisaligned)
        k.scenario_error("a misaligned O_DIRECT read of a hole zeroes part of a user page on this "
                         "kernel (iomap_dio_hole_iter() checks no alignment); the model keeps "
                         "whole pages only");
      Scope s(
          k, Fn::iomap_dio_hole_iter,
          fmt::format("page {} of {}", index, k.cfg.sc->files[static_cast<size_t>(f.a[0])].name));
      if (!bounce) // clear_user() through the user mapping: a store of zeroes
        return k.call(f, kHoleDone, Fn::user_store, f.a[3] + f.a[5], kZeroToken, 0);
      dio.bounce[f.a[5]] = static_cast<int8_t>(alloc_page(k)); // already zeroes
      if (index < inode.i_size) ++dio.result;                  // past the end: trimmed
      ++f.a[5];
      return k.yield(f, kIter);
    }
    int len = 1; // the extent: contiguous mapped blocks, one bio's worth at most
    while (f.a[5] + len < f.a[2] && len < kBioPages && index + len < inode.i_size &&
           inode.block[index + len] == block + len)
      ++len;
    return k.call(f, kBioDone, Fn::iomap_dio_bio_iter, index, len, f.a[3] + f.a[5], block,
                  (f.a[4] & kDioMisaligned) ? 1 : 0);
  }
  case kHoleDone:
    if (k.retval() < 0) {
      dio.io_error = -kEFAULT;
    } else {
      // dio->size += length; past the end of the file, trimmed
      if (f.a[1] + f.a[5] < k.inode(f.a[0]).i_size) ++dio.result;
      ++f.a[5];
    }
    return k.yield(f, kIter);
  case kBioDone: // a short GUP leaves the rest to the next extent; a failed one ends the request
    if (k.retval() < 0)
      dio.io_error = static_cast<int16_t>(k.retval());
    else
      f.a[5] = static_cast<int16_t>(f.a[5] + k.retval());
    return k.yield(f, kIter);
  case kSubmitted:
    dio.flags |= DIO_SUBMITTED; // atomic_dec_and_test(&dio->ref) by the submitter
    if (dio.refcount > 0) {
      if (dio.is_async) return k.ret(-kEIOCBQUEUED);
      // for (;;) { set_current_state(); if (!dio->submit.waiter) break; blk_io_schedule(); }
      return k.sleep(f, kWoken, Wait::AioDone, 0);
    }
    [[fallthrough]];
  case kWoken:
    if (bounce && !dio.is_async && dio.bounce[0] != kNone) { // asynchronous: in io_getevents
      f.a[6] = 1;
      return k.call(f, kCopied, Fn::iomap_dio_bounce_copy);
    }
    [[fallthrough]];
  case kCopied: {
    Scope s(k, Fn::iomap_dio_complete);
    int r = dio.io_error ? dio.io_error : dio.result * 4096;
    if (f.a[6] && k.retval() < 0 && r >= 0) r = k.retval();
    if (!dio.is_async) dio = empty_dio(); // kfree(dio); aio_complete() takes an async one
    return k.ret(r);
  }
  }
  k.model_error("iomap_dio_rw: bad pc");
}

// 6.1 fs/iomap/direct-io.c: iomap_dio_bio_iter() for a READ of one mapped
// extent, one bio (the model's extents fit one): bio_alloc() with
// iomap_dio_bio_end_io, bio_iov_iter_get_pages(), bio_set_pages_dirty() if
// IOMAP_DIO_DIRTY, dio->size += n, iomap_dio_submit_bio() (atomic_inc(&dio->ref),
// submit_bio()). With dio-bounce the bio gets fresh kernel pages instead.
// a0 index, a1 npages, a2 vpage, a3 block, a4 misaligned; then a4 the bio.
// Returns pages submitted or -errno.
Flow iomap_dio_bio_iter(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0: {
    // Its first check: the extent's offset and length against the logical
    // block size, and the user memory against the device's DMA alignment
    // (511 unless the driver sets it; 6.1, 6.12).
    if (f.a[4]) return k.ret(-kEINVAL);
    const int bio = bio_alloc(k, BioOp::Read, BioEndIo::IomapDioBioEndIo, k.tid());
    f.a[4] = static_cast<int16_t>(bio);
    if (!k.variant().dio_bounce)
      return k.call(f, 1, Fn::bio_iov_iter_get_pages, bio, f.a[2], f.a[1], f.a[3]);
    k.bio(bio).flags |= BIO_BOUNCED;
    for (int i = 0; i < f.a[1]; ++i) {
      const int page = alloc_page(k);
      dio.bounce[f.a[2] - dio.user_vpage + i] = static_cast<int8_t>(page);
      bio_add_page(k, bio, page, f.a[3] + i);
    }
    f.pc = 2;
    return Flow::Next;
  }
  case 1:
    if (k.retval() < 0) {
      bio_put(k, f.a[4]);
      return k.ret(k.retval());
    }
    if (dio.should_dirty) return k.call(f, 2, Fn::bio_set_pages_dirty, f.a[4]);
    [[fallthrough]];
  case 2: {
    const int n = k.bio(f.a[4]).vcnt;
    dio.result = static_cast<int16_t>(dio.result + n);
    ++dio.refcount;
    submit_bio(k, f.a[4]);
    return k.ret(n);
  }
  }
  k.model_error("iomap_dio_bio_iter: bad pc");
}

// 6.1 fs/iomap/direct-io.c: iomap_dio_bio_end_io(), in interrupt context.
// should_dirty (IOMAP_DIO_DIRTY) is read first. If this was the last
// reference, iomap_dio_done(): a synchronous waiter is woken
// (WRITE_ONCE(dio->submit.waiter, NULL); blk_wake_io_task()), an
// asynchronous read is completed inline (iomap_dio_complete_work() ->
// ki_complete(): aio_complete). Only then are the pages checked:
// bio_check_pages_dirty(), which defers the bio to bio_dirty_fn if a page
// was cleaned meanwhile; or, without IOMAP_DIO_DIRTY, bio_release_pages(bio,
// false) and bio_put(). The same order in 6.12 and later (iomap_dio_done()
// first).
void iomap_dio_bio_end_io(Ctx &k, int bio) {
  Scope s(k, Fn::iomap_dio_bio_end_io);
  Bio &b = k.bio(bio);
  b.state = BioState::Completed;
  const int tid = b.owner;
  Dio &dio = k.task_of(tid).dio;
  const bool should_dirty = dio.should_dirty;
  --dio.refcount;
  if (dio.refcount == 0 && (dio.flags & DIO_SUBMITTED)) {
    if (!dio.is_async) {
      dio.done = 1;
      k.note("- last bio of the read: wake up {}", k.cfg.sc->cpus[static_cast<size_t>(tid)].name);
    } else {
      Scope c(k, Fn::iomap_dio_complete);
      aio_complete(k, tid, dio.io_error ? dio.io_error : dio.result);
    }
  }
  if (should_dirty) {
    bio_check_pages_dirty(k, bio);
  } else {
    for (int i = 0; i < b.vcnt; ++i)
      bio_release_page(k, bio, i);
    bio_put(k, bio);
  }
}

// dio-bounce (fix lab; no kernel function): copy_to_user() of each bounce
// page to its user page, as a user store of the bounce page's contents
// (user_store with a2 = source page + 1), which faults a shared file page
// writable through ->page_mkwrite; then the bounce page is freed. After a
// fault that cannot be resolved the copy stops (the rest is only freed). Runs
// in the waiter after iomap_dio_rw() is woken, or in io_getevents() for an
// asynchronous request. a0 next bounce slot; a1 error. Returns 0 or
// -kEFAULT.
Flow iomap_dio_bounce_copy(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    while (f.a[0] < kDioPages && dio.bounce[f.a[0]] == kNone)
      ++f.a[0];
    if (f.a[0] == kDioPages) return k.ret(f.a[1]);
    if (!f.a[1])
      return k.call(f, 1, Fn::user_store, dio.user_vpage + f.a[0], 0, dio.bounce[f.a[0]] + 1);
    [[fallthrough]];
  case 1:
    if (f.pc == 1 && k.retval() < 0) f.a[1] = -kEFAULT;
    put_page(k, dio.bounce[f.a[0]]);
    dio.bounce[f.a[0]++] = kNone;
    f.pc = 0;
    return Flow::Next;
  }
  k.model_error("iomap_dio_bounce_copy: bad pc");
}

} // namespace pagerace::model
