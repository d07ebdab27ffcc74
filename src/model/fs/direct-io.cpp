// Direct I/O through fs/direct-io.c (4.15). PAGE_SIZE == blocksize, so each
// user page is one block and one section; a bio grows while the disk blocks
// are contiguous. dio->pages[] and the current bio live in the task's Dio
// (part of the state). Synchronous requests reap their bios in the submitter
// (dio_await_completion); asynchronous reads (io_submit, fs/aio.cpp)
// pre-dirty their pages at submission and complete in interrupt context
// (dio_bio_end_aio).
#include "model/kernel/paths.hpp"

namespace pagerace::model {

inline constexpr int DIO_PAGES = 64;

// 4.15 fs/direct-io.c: dio_bio_submit()'s asynchronous-read half, for the
// bios the plain dio_bio_submit() left in dio.presubmit:
// bio_set_pages_dirty() (set_page_dirty_lock() on each page, a sleeping
// point), then submit_bio(). A framed caller runs it at pcs `pc` and pc + 1,
// then goes on at `next`. It runs after the caller's plain code of that step
// (the next bio may already be under construction), not inside it.
static Flow dio_presubmit(Ctx &k, Frame &f, int pc, int next) {
  Dio &dio = k.task().dio;
  if (!dio.presubmit) {
    f.pc = static_cast<uint8_t>(next);
    return Flow::Next;
  }
  const int bio = __builtin_ctz(dio.presubmit);
  if (f.pc == pc) return k.call(f, pc + 1, Fn::bio_set_pages_dirty, bio);
  dio.presubmit &= static_cast<uint8_t>(~(1u << bio));
  submit_bio(k, bio);
  f.pc = static_cast<uint8_t>(pc);
  return Flow::Next;
}

// 4.15 fs/direct-io.c: do_blockdev_direct_IO(). a0 ino, a1 index, a2 npages,
// a3 vpage, a4 rw (0 read) | kDioMisaligned; a5 pages done. Returns bytes,
// -errno or, for an asynchronous read with bios in flight, -EIOCBQUEUED.
Flow do_blockdev_direct_IO(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    // Its first check, before the dio is allocated: the offset, every
    // segment's address and length against the block size, then the
    // device's logical block size.
    if (f.a[4] & kDioMisaligned) return k.ret(-kEINVAL);
    // A read at or past the end: i_size sampled under i_rwsem ("Once we
    // sampled i_size check for reads beyond EOF"). One that ends past it
    // goes on: do_direct_IO() stops at the end, after dio_refill_pages()
    // has taken (and faulted in) the user pages past it too.
    if (f.a[4] == 0 && f.a[1] >= k.inode(f.a[0]).i_size) return k.ret(0);
    dio.active = 1;
    dio.rw = static_cast<uint8_t>(f.a[4]);
    dio.should_dirty = f.a[4] == 0; // iter->type == ITER_IOVEC, a read
    return k.call(f, 1, Fn::do_direct_IO, f.a[0], f.a[1], f.a[2], f.a[3], f.a[4]);
  case 1:
    f.a[5] = static_cast<int16_t>(k.retval());
    if (dio.cur_page != kNone) {
      dio_send_cur_page(k);
      put_page(k, dio.cur_page);
      dio.cur_page = kNone;
    }
    if (dio.cur_bio != kNone) dio_bio_submit(k);
    while (dio.head < dio.tail) // dio_cleanup(): pages GUP'd but not used
      put_page(k, dio.pages[dio.head++]);
    if (dio.presubmit) {
      f.pc = 3;
      return Flow::Next;
    }
    [[fallthrough]];
  case 5:
    // "if (dio->is_async && retval == 0 && dio->result && READ) retval =
    // -EIOCBQUEUED; else dio_await_completion(dio);" then drop_refcount():
    // the last reference completes the request.
    if (dio.is_async && f.a[4] == 0 && f.a[5] > 0) {
      dio.result = f.a[5];
      dio.flags |= DIO_SUBMITTED;
      if (dio.refcount > 0) return k.ret(-kEIOCBQUEUED);
      f.pc = 2; // every bio has completed already: dio_complete() here
      return Flow::Next;
    }
    return k.call(f, 2, Fn::dio_await_completion);
  case 2: { // dio_complete()
    int32_t r = dio.io_error ? dio.io_error : (f.a[5] < 0 ? f.a[5] : f.a[5] * 4096);
    dio = empty_dio();
    return k.ret(r);
  }
  case 3:
  case 4: return dio_presubmit(k, f, 3, 5);
  }
  k.model_error("do_blockdev_direct_IO: bad pc");
}

// 4.15 fs/direct-io.c: do_direct_IO(). a0 ino, a1 index, a2 npages, a3 vpage,
// a4 rw; a5 pages done, a6 page. Returns pages done or -errno.
Flow do_direct_IO(Ctx &k, Frame &f) {
  const int ino = f.a[0];
  switch (f.pc) {
  case 0:
    if (f.a[5] == f.a[2]) return k.ret(f.a[5]);
    return k.call(f, 1, Fn::dio_get_page, f.a[3] + f.a[5], f.a[2] - f.a[5]);
  case 1: {
    const int id = k.retval();
    if (id < 0 && id != kZeroPage) return k.ret(f.a[5] > 0 ? f.a[5] : id);
    f.a[6] = static_cast<int16_t>(id);
    const int index = f.a[1] + f.a[5];
    if (f.a[4] == 0 && index >= k.inode(ino).i_size) { // "We hit eof": a hole past the end
      put_page(k, id);
      return k.ret(f.a[5]);
    }
    // get_more_blocks() -> ext4_dio_get_block(): map the file block
    k.reached(Fn::get_more_blocks);
    int16_t block = k.inode(ino).block[index];
    if (f.a[4] != 0 && block < 0) {
      // Writes into a hole allocate here; 4.15 ext4 allocates an unwritten
      // extent and converts it at end_io (simplified: allocated written).
      if (k.next_block() >= kMaxBlocks) k.capacity_error("disk blocks", kMaxBlocks);
      block = static_cast<int16_t>(k.next_block()++);
      k.inode(ino).block[index] = block;
    }
    if (block < 0) { // read of a hole: zero the user page through the kernel mapping
      Scope s(k, Fn::zero_user, PageArg{id});
      write_page_data(k, id, kZeroToken, "include/linux/highmem.h:zero_user");
    } else {
      submit_page_section(k, id, block);
    }
    put_page(k, id); // "drop the ref which was taken in get_user_pages()"
    ++f.a[5];
    if (k.task().dio.presubmit) { // an asynchronous read's bio: pre-dirty, submit
      f.pc = 2;
      return Flow::Next;
    }
    return k.yield(f, 0);
  }
  case 2:
  case 3: return dio_presubmit(k, f, 2, 4);
  case 4: return k.yield(f, 0);
  }
  k.model_error("do_direct_IO: bad pc");
}

// 4.15 fs/direct-io.c: dio_get_page(). a0 vpage, a1 pages remaining.
Flow dio_get_page(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    if (dio.head == dio.tail) return k.call(f, 1, Fn::dio_refill_pages, f.a[0], f.a[1]);
    f.pc = 1;
    return Flow::Next;
  case 1: {
    if (dio.head == dio.tail) return k.ret(k.retval() < 0 ? k.retval() : -kEFAULT);
    int id = dio.pages[dio.head];
    dio.pages[dio.head++] = 0;
    if (dio.head == dio.tail) dio.head = dio.tail = 0;
    return k.ret(id);
  }
  }
  k.model_error("dio_get_page: bad pc");
}

// 4.15 fs/direct-io.c: dio_refill_pages(). a0 vpage, a1 pages remaining.
Flow dio_refill_pages(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    dio.head = dio.tail = 0;
    return k.call(f, 1, Fn::iov_iter_get_pages, f.a[0], std::min<int>(f.a[1], DIO_PAGES),
                  dio.rw == 0);
  case 1: return k.ret(k.retval());
  }
  k.model_error("dio_refill_pages: bad pc");
}

// 4.15 fs/direct-io.c: submit_page_section(); one block per page, so the
// previous section is always sent first
void submit_page_section(Ctx &k, int id, int block) {
  Scope s(k, Fn::submit_page_section, PageArg{id});
  Dio &dio = k.task().dio;
  if (dio.cur_page != kNone) {
    dio_send_cur_page(k);
    put_page(k, dio.cur_page);
  }
  get_page(k, id); // "It is in dio"
  dio.cur_page = static_cast<int8_t>(id);
  dio.cur_block = static_cast<int16_t>(block);
}

// 4.15 fs/direct-io.c: dio_send_cur_page() -> dio_new_bio() / dio_bio_add_page()
void dio_send_cur_page(Ctx &k) {
  Scope s(k, Fn::dio_send_cur_page);
  Dio &dio = k.task().dio;
  if (dio.cur_bio != kNone) {
    const Bio &b = k.bio(dio.cur_bio);
    if (b.vcnt == kBioPages || b.sector[b.vcnt - 1] + 1 != dio.cur_block) dio_bio_submit(k);
  }
  if (dio.cur_bio == kNone) // bi_end_io: dio_bio_end_aio for an asynchronous dio
    dio.cur_bio = static_cast<int8_t>(
        bio_alloc(k, dio.rw ? BioOp::Write : BioOp::Read,
                  dio.is_async ? BioEndIo::DioBioEndAio : BioEndIo::DioBioEndIo, k.tid()));
  bio_add_page(k, dio.cur_bio, dio.cur_page, dio.cur_block);
  get_page(k, dio.cur_page); // owned by the bio
}

// 4.15 fs/direct-io.c: dio_bio_submit(). "if (dio->is_async && dio->op ==
// REQ_OP_READ && dio->should_dirty) bio_set_pages_dirty(bio)" sleeps, so
// such a bio is left in dio.presubmit for the framed caller (dio_presubmit).
void dio_bio_submit(Ctx &k) {
  Scope s(k, Fn::dio_bio_submit);
  Dio &dio = k.task().dio;
  ++dio.refcount;
  if (dio.is_async && dio.rw == 0 && dio.should_dirty)
    dio.presubmit |= static_cast<uint8_t>(1u << dio.cur_bio);
  else
    submit_bio(k, dio.cur_bio);
  dio.cur_bio = kNone;
}

// 4.15 fs/direct-io.c: dio_bio_end_io(), in interrupt context
void dio_bio_end_io(Ctx &k, int bio) {
  Scope s(k, Fn::dio_bio_end_io);
  Bio &b = k.bio(bio);
  b.state = BioState::Completed;
  Dio &dio = k.task_of(b.owner).dio;
  dio.bio_list |= static_cast<uint8_t>(1u << bio);
  --dio.refcount;
}

// 4.15 fs/direct-io.c: dio_bio_end_aio(), in interrupt context. First
// dio_bio_complete(): for an asynchronous read that should dirty, it calls
// bio_check_pages_dirty(), which cannot sleep (already dirty pages are put,
// the bio is deferred to bio_dirty_fn if any page was cleaned meanwhile).
// Then --dio->refcount; the last completion after submission runs
// dio_complete(DIO_COMPLETE_ASYNC) -> ->ki_complete() (aio_complete). An ext4
// read has no ->end_io and no defer_completion, so nothing goes to the dio
// workqueue.
void dio_bio_end_aio(Ctx &k, int bio) {
  Scope s(k, Fn::dio_bio_end_aio);
  Bio &b = k.bio(bio);
  b.state = BioState::Completed;
  const int tid = b.owner;
  Dio &dio = k.task_of(tid).dio;
  if (b.op == BioOp::Read && dio.should_dirty) {
    bio_check_pages_dirty(k, bio);
  } else {
    for (int i = 0; i < b.vcnt; ++i)
      bio_release_page(k, bio, i);
    bio_put(k, bio);
  }
  --dio.refcount;
  if (dio.refcount == 0 && (dio.flags & DIO_SUBMITTED)) {
    Scope c(k, Fn::dio_complete);
    aio_complete(k, tid, dio.io_error ? dio.io_error : dio.result);
  }
}

// 4.15 fs/direct-io.c: dio_await_completion() -> dio_await_one() ->
// dio_bio_complete(), in the submitting task
Flow dio_await_completion(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    if (dio.bio_list) {
      int bio = __builtin_ctz(dio.bio_list);
      dio.bio_list &= static_cast<uint8_t>(dio.bio_list - 1);
      return k.call(f, 0, Fn::dio_bio_complete, bio);
    }
    if (dio.refcount == 0) return k.ret(0);
    return k.sleep(f, 0, Wait::DioEvent, 0);
  }
  k.model_error("dio_await_completion: bad pc");
}

// 4.15 fs/direct-io.c: dio_bio_complete(). a0 bio; a1 next page.
// A read into user memory re-dirties every page with set_page_dirty_lock().
Flow dio_bio_complete(Ctx &k, Frame &f) {
  Bio &b = k.bio(f.a[0]);
  switch (f.pc) {
  case 0: {
    if (f.a[1] == b.vcnt) {
      bio_put(k, f.a[0]);
      return k.ret(0);
    }
    const int id = b.page[f.a[1]];
    if (b.op == BioOp::Read && k.task().dio.should_dirty && id != kZeroPage)
      return k.call(f, 1, Fn::set_page_dirty_lock, id);
    f.pc = 1;
    return Flow::Next;
  }
  case 1:
    put_page(k, b.page[f.a[1]]);
    ++f.a[1];
    f.pc = 0;
    return Flow::Next;
  }
  k.model_error("dio_bio_complete: bad pc");
}

} // namespace pagerace::model
