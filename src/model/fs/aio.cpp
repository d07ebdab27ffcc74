// Asynchronous I/O (fs/aio.c): io_submit() of one IOCB_CMD_PREAD iocb and
// io_getevents() for its event. The kiocb lives in the submitting task's Dio
// slot (is_async, done, result), so a task has at most one asynchronous
// request outstanding, and no direct I/O of its own while it is: a second
// one is a scenario error, not a model state. Omitted: the aio context
// (io_setup, the ring, several iocbs per call, cancellation), O_DIRECT
// writes through io_submit, and io_getevents' timeout and min_nr.
#include "model/kernel/paths.hpp"

#include <algorithm>

namespace pagerace::model {

[[noreturn]] void dio_busy_error(Ctx &k, const char *call) {
  const scenario::Cpu &cpu = k.cfg.sc->cpus[static_cast<size_t>(k.tid())];
  throw ScenarioRuntimeError(
      cpu.ops[k.task().stmt].pos,
      fmt::format("{}(): {} still has an asynchronous request outstanding; the model keeps one "
                  "direct-I/O request per CPU, so reap it with io_getevents() first",
                  call, cpu.name));
}

// 4.15 fs/aio.c: aio_complete() (>= 4.18 aio_complete_rw() -> aio_complete()):
// the request's event is posted, and io_getevents() may return it. result:
// pages transferred, or -errno. The request's direct-I/O state goes
// (dio_complete() and iomap_dio_complete() free the dio), except the
// dio-bounce buffers, which io_getevents() still copies out.
void aio_complete(Ctx &k, int tid, int result) {
  Scope s(k, Fn::aio_complete);
  Dio &dio = k.task_of(tid).dio;
  Dio event = empty_dio();
  if (std::any_of(std::begin(dio.bounce), std::end(dio.bounce), [](int8_t b) { return b >= 0; })) {
    std::copy(std::begin(dio.bounce), std::end(dio.bounce), std::begin(event.bounce));
    event.user_vpage = dio.user_vpage;
  }
  event.is_async = 1;
  event.done = 1;
  event.result = static_cast<int16_t>(result);
  dio = event;
  k.note("- aio event posted: {}",
         result >= 0 ? fmt::format("{} bytes", result * 4096) : fmt::format("error {}", result));
}

// 4.15 fs/aio.c: sys_io_submit() -> io_submit_one() -> aio_run_iocb() for
// IOCB_CMD_PREAD: ->read_iter() on a kiocb that is not synchronous; unless it
// returns -EIOCBQUEUED the event is posted at once (>= 4.18 aio_read() ->
// aio_rw_done(), the same). ext4_file_read_iter() sends O_DIRECT to
// ext4_direct_IO() (4.15) or ext4_dio_read_iter() (iomap variants), and a
// buffered read completes synchronously. a0 fd, a1 vpage, a2 npages, a3 file
// offset in pages, a4 the -errno of aio_setup_rw() (the address) or of
// rw_verify_area() (a negative offset), both after the descriptor's checks,
// a5 misaligned (O_DIRECT only: ->read_iter()'s -EINVAL, which is the
// event's, as every error of ->read_iter() is). Returns 1 (one iocb
// submitted) or -errno.
Flow sys_io_submit(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: {
    Dio &dio = k.task().dio;
    if (dio.active || dio.is_async) dio_busy_error(k, "io_submit");
    const int ino = inode_of_fd(k, f.a[0]);
    if (ino == kNone || !(k.fd(f.a[0]).f_flags & kFileRead)) return k.ret(-kEBADF);
    if (f.a[4] < 0) return k.ret(f.a[4]);
    const int n = std::min<int>(f.a[2], k.inode(ino).i_size - f.a[3]);
    const bool direct = k.fd(f.a[0]).f_flags & kFileDirect;
    dio.is_async = 1; // !is_sync_kiocb(): the iocb comes from io_submit
    if (const int r = direct ? dio_read_start(k, n, f.a[5]) : n > 0; r <= 0) {
      aio_complete(k, k.tid(), r);
      return k.ret(1);
    }
    if (!direct) return k.call(f, 1, Fn::generic_file_buffered_read, ino, f.a[3], n, f.a[1]);
    return ext4_file_read_iter_dio(k, f, 1, ino, f.a[3], f.a[2], f.a[1], f.a[5], true);
  }
  case 1: {
    const int r = k.retval();
    if (r != -kEIOCBQUEUED) aio_complete(k, k.tid(), r >= 0 ? r / 4096 : r);
    return k.ret(1);
  }
  }
  k.model_error("sys_io_submit: bad pc");
}

// 4.15 fs/aio.c: sys_io_getevents() -> read_events(): sleeps until the
// task's event is posted, then returns its res (bytes or -errno; the model
// returns res itself rather than the number of events). On dio-bounce, the
// copy of the bounce buffers to the user pages runs here, in the
// submitter's context, where the kernel would need a worker with the
// submitter's mm. a0 the aio handle io_submit returned; a1 the copy ran.
Flow sys_io_getevents(Ctx &k, Frame &f) {
  Dio &dio = k.task().dio;
  switch (f.pc) {
  case 0:
    if (f.a[0] <= 0 || !dio.is_async) return k.ret(-kEINVAL);
    return k.sleep(f, 1, Wait::AioDone, 0);
  case 1:
    if (dio.bounce[0] != kNone) {
      f.a[1] = 1;
      return k.call(f, 2, Fn::iomap_dio_bounce_copy);
    }
    [[fallthrough]];
  case 2: {
    int r = dio.result >= 0 ? dio.result * 4096 : dio.result;
    if (f.a[1] && k.retval() < 0 && r >= 0) r = k.retval();
    dio = empty_dio();
    return k.ret(r);
  }
  }
  k.model_error("sys_io_getevents: bad pc");
}

} // namespace pagerace::model
