// The transition system: initial state from a scenario, enabled choices, and
// one step of a CPU, the device, the end-of-scenario task or a kworker.
#include "model/system.hpp"

#include "model/invariants/invariant.hpp"
#include "model/kernel/availability.hpp"
#include "model/kernel/paths.hpp"

#include <algorithm>
#include <cstddef>

namespace pagerace::model {

namespace {

using scenario::Op;
using scenario::OpCode;

inline constexpr int64_t kUserBase = 0x7f0000000000;

std::string errno_name(int64_t v) {
  switch (-v) {
  case kEFAULT: return "-kEFAULT";
  case kEINVAL: return "-kEINVAL";
  case kEBUSY: return "-kEBUSY";
  case kEIO: return "-kEIO";
  case kEBADF: return "-kEBADF";
  case kENOMEM: return "-kENOMEM";
  case 24: return "-EMFILE";
  case 95: return "-EOPNOTSUPP";
  default: return std::to_string(v);
  }
}

} // namespace

std::string token_name(const scenario::Scenario &sc, Token t) {
  if (t == kZeroToken) return "zeroes";
  if (t >= 256) return fmt::format("'{}'", char(t - 256));
  if (t >= rdma_token(0) && t < rdma_token(kMaxPins))
    return fmt::format("rdma-data#{}", t - rdma_token(0) + 1);
  const int file = (t - 1) / 16, index = (t - 1) % 16;
  if (static_cast<size_t>(file) < sc.files.size())
    return fmt::format("{}[{}]-data", sc.files[static_cast<size_t>(file)].name, index);
  return fmt::format("token#{}", t);
}

System::System(const scenario::Scenario &sc, const Variant &variant) : sc_(sc) {
  cfg_.sc = &sc_;
  cfg_.variant = &variant;
  cfg_.ncpus = static_cast<int>(sc.cpus.size());
  if (cfg_.last_task() >= kMaxTasks || sc.files.size() > kMaxFiles)
    throw std::invalid_argument("scenario exceeds the model's size limits");
  // The initial page cache must fit the struct page pool, with room to run.
  int cached = 0;
  for (const scenario::FileSpec &f : sc.files) {
    cached += f.cached ? f.pages : 0;
    if (cached > kMaxPages)
      throw ScenarioRuntimeError(
          f.pos, fmt::format("the scenario is too large for the model: its files start with {} "
                             "cached pages, more than the {} struct pages the model has; make "
                             "files smaller or cached = false",
                             cached, kMaxPages));
  }
  check_availability(sc, variant);
  const auto layout = components();
  for (int o = 0; o < obj::Count; ++o) {
    const obj::Region &r = obj::region(o);
    for (int run = 0; run < 2; ++run)
      for (size_t c = 0; c < layout.size(); ++c) {
        const uint32_t begin = layout[c].first, end = begin + layout[c].second;
        if (r.len[run] > 0 && r.off[run] < end && r.off[run] + r.len[run] > begin)
          component_of_[static_cast<size_t>(o)] |= 1u << c;
      }
  }
}

std::vector<std::pair<uint32_t, uint32_t>> System::components() const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  uint32_t at = 0;
  const auto upto = [&](size_t end) {
    out.emplace_back(at, static_cast<uint32_t>(end) - at);
    at = static_cast<uint32_t>(end);
  };
  upto(offsetof(State, pages));
  upto(offsetof(State, inodes));
  upto(offsetof(State, disk));
  upto(offsetof(State, mm));
  upto(offsetof(State, fds));
  upto(offsetof(State, tasks));
  for (int t = 1; t <= kMaxTasks; ++t)
    upto(offsetof(State, tasks) + sizeof(Task) * static_cast<size_t>(t));
  upto(sizeof(State));
  return out;
}

uint32_t System::changed_components(const StepOutcome &out) const {
  uint32_t mask = 0;
  for (size_t w = 0; w < out.access.size(); ++w)
    for (uint64_t bits = out.access[w]; bits; bits &= bits - 1)
      mask |= component_of_[w * 64 + static_cast<size_t>(__builtin_ctzll(bits))];
  return mask;
}

State System::initial() const {
  State s{};
  for (auto &fd : s.fds)
    fd.inode = kNone;
  s.mm.mmap_sem.writer = kNone;
  s.clock = 1; // due_at 0: nothing a returned call put there
  for (Task &t : s.tasks)
    t.dio = empty_dio();
  StepOutcome out;
  Ctx k(s, cfg_, 0, -1, out, nullptr, 0);
  for (size_t i = 0; i < sc_.files.size(); ++i) {
    const auto &spec = sc_.files[i];
    Inode &inode = s.inodes[i];
    inode.i_size = static_cast<uint8_t>(spec.pages);
    inode.i_rwsem.writer = kNone;
    for (int j = 0; j < kMaxFilePages; ++j) {
      inode.page[j] = kNone;
      inode.block[j] = kHole;
    }
    for (int j = 0; j < spec.pages; ++j) {
      const int ino = static_cast<int>(i);
      if (!spec.hole) {
        inode.block[j] = static_cast<int16_t>(s.next_block++);
        s.disk[inode.block[j]] = initial_token(ino, j);
        inode.expected[j] = initial_token(ino, j);
      }
      if (!spec.cached) continue;
      int id = alloc_page(k); // cached, uptodate, clean, on the inactive list
      Page &p = s.pages[id];
      p.mapping = static_cast<int8_t>(ino);
      p.index = static_cast<uint8_t>(j);
      p.flags |= PG_uptodate;
      p.data = inode.expected[j];
      inode.page[j] = static_cast<int8_t>(id);
      lru_cache_add(k, id);
      if (spec.buffers) {
        p.flags |= PG_private;
        ++p._refcount;
        p.bh = BufferHead{BH_Uptodate, 0, inode.block[j]};
        if (!spec.hole) p.bh.b_state |= BH_Mapped;
      }
    }
  }
  for (int t = 0; t < cfg_.ncpus; ++t)
    s.tasks[t].state =
        sc_.cpus[static_cast<size_t>(t)].ops.empty() ? TaskState::Done : TaskState::Idle;
  Task &fin = s.tasks[cfg_.final_task()];
  fin.state = TaskState::Running;
  fin.nframes = 1;
  fin.frames[0].fn = static_cast<uint8_t>(Fn::final_sync);
  // Asleep from the start: a first step that did nothing but go to sleep
  // would double the state space (every state with and without it taken).
  fin.frames[0].pc = 1;
  fin.wait = Wait::AllCpusDone;
  return s;
}

bool System::op_ready(const State &s, const Op &op) const {
  for (const auto &a : op.args)
    if (a.kind == scenario::Arg::Kind::Var && !(s.vars_set & (1u << a.var))) return false;
  return true;
}

// A CPU between calls whose next call is writeback(): that runs the bdi's
// one work item, so it starts only while no wb_workfn() pass runs.
bool System::next_is_writeback(const Task &t, int tid) const {
  return tid < cfg_.ncpus && t.nframes == 0 && t.state != TaskState::Done &&
         sc_.cpus[static_cast<size_t>(tid)].ops[t.stmt].code == OpCode::Writeback;
}

// What deciding whether a CPU's next call can start reads: its variables
// (op_ready()) and, for writeback(), wb_state.
void System::start_reads(Ctx &k, int tid) const {
  const Task &t = k.task_of(tid);
  for (const auto &a : sc_.cpus[static_cast<size_t>(tid)].ops[t.stmt].args)
    if (a.kind == scenario::Arg::Kind::Var) k.vars_set();
  if (next_is_writeback(t, tid)) k.wb_state();
}

bool System::task_enabled(const State &s, int tid) const {
  const Task &t = s.tasks[tid];
  if (t.state == TaskState::Done) return false;
  if (t.nframes == 0) {
    if (next_is_writeback(t, tid) && (s.wb_state & WB_writeback_running)) return false;
    return op_ready(s, sc_.cpus[static_cast<size_t>(tid)].ops[t.stmt]);
  }
  const int arg = t.wait_arg;
  switch (t.wait) {
  case Wait::None: return true;
  case Wait::PageUnlocked: return !(s.pages[arg].flags & PG_locked);
  case Wait::PageNotWriteback: return !(s.pages[arg].flags & PG_writeback);
  case Wait::DioEvent: return t.dio.bio_list || t.dio.refcount == 0;
  case Wait::VarAssigned: return s.vars_set & (1u << arg);
  case Wait::MmapSemRead: return s.mm.mmap_sem.writer == kNone;
  case Wait::MmapSemWrite: return s.mm.mmap_sem.writer == kNone && s.mm.mmap_sem.readers == 0;
  case Wait::IRwsemRead: return s.inodes[arg].i_rwsem.writer == kNone;
  case Wait::IRwsemWrite:
    return s.inodes[arg].i_rwsem.writer == kNone && s.inodes[arg].i_rwsem.readers == 0;
  case Wait::AllCpusDone:
    for (int c = 0; c < cfg_.ncpus; ++c)
      if (s.tasks[c].state != TaskState::Done) return false;
    return true;
  case Wait::BiosDrained:
    for (const Bio &b : s.bios)
      if (b.state == BioState::InFlight) return false;
    return kworkers_idle(s);
  case Wait::PageUnpinned: {
    State copy = s; // page_maybe_dma_pinned() only reads
    StepOutcome o;
    Ctx k(copy, cfg_, 0, -1, o, nullptr, 0);
    return !page_maybe_dma_pinned(k, arg);
  }
  case Wait::AioDone: return t.dio.done;
  }
  return false;
}

void System::enabled(const State &s, std::vector<Choice> &out) const {
  out.clear();
  if (s.crashed) return;
  for (int t = 0; t < cfg_.ncpus; ++t)
    if (task_enabled(s, t)) out.push_back(Choice{static_cast<uint8_t>(t), 0});
  for (int b = 0; b < kMaxBios; ++b) {
    const Bio &bio = s.bios[b];
    if (bio.state != BioState::InFlight) continue;
    if (bio.done == (1u << bio.vcnt) - 1) {
      out.push_back(Choice{static_cast<uint8_t>(cfg_.device_actor()), uint8_t(64 + b)});
      continue;
    }
    for (int i = 0; i < bio.vcnt; ++i)
      if (!(bio.done & (1u << i)))
        out.push_back(Choice{static_cast<uint8_t>(cfg_.device_actor()), uint8_t(b * 8 + i)});
  }
  for (int p = 0; p < kMaxPins; ++p) { // an RDMA device writing through a pin
    const PinSet &pin = s.pins[p];
    if ((pin.flags & (PIN_WRITE | PIN_LIVE)) != (PIN_WRITE | PIN_LIVE)) continue;
    for (int i = 0; i < pin.npages; ++i)
      if (!(pin.written & (1u << i)))
        out.push_back(
            Choice{static_cast<uint8_t>(cfg_.device_actor()), uint8_t(128 + p * kDioPages + i)});
  }
  if (task_enabled(s, cfg_.final_task()))
    out.push_back(Choice{static_cast<uint8_t>(cfg_.final_actor()), 0});
  const Task &kw = s.tasks[cfg_.kworker_task()];
  if (kw.nframes ? task_enabled(s, cfg_.kworker_task()) : s.bio_dirty_list != 0)
    out.push_back(Choice{static_cast<uint8_t>(cfg_.kworker_actor()), 0});
  const Task &fl = s.tasks[cfg_.flusher_task()];
  if (fl.nframes ? task_enabled(s, cfg_.flusher_task())
                 : (s.wb_state & (WB_start_all | WB_writeback_running)) == WB_start_all)
    out.push_back(Choice{static_cast<uint8_t>(cfg_.flusher_actor()), 0});
}

bool System::kworkers_idle(const State &s) const {
  return s.tasks[cfg_.kworker_task()].nframes == 0 && s.bio_dirty_list == 0 &&
         s.tasks[cfg_.flusher_task()].nframes == 0 && !(s.wb_state & WB_start_all);
}

bool System::finished(const State &s) const {
  if (s.crashed) return true;
  for (int t = 0; t <= cfg_.ncpus; ++t)
    if (s.tasks[t].state != TaskState::Done) return false;
  for (const Bio &b : s.bios)
    if (b.state != BioState::Free) return false;
  return kworkers_idle(s);
}

namespace {

struct Resolved {
  int64_t v[4] = {0, 0, 0, 0};
};

// Page-granular user ranges: the model's contents are one token per page.
struct Range {
  int vpage = 0, npages = 0;
  int err = 0; // -errno of the address, returned once the descriptor is checked
};

Range user_range(int64_t addr, int64_t len, const Op &op) {
  Range r;
  // A negative address (the -errno of a failed mmap(), say) is a kernel
  // one, which access_ok() refuses with -EFAULT before the address's
  // O_DIRECT alignment matters (vfs_read() and vfs_write() in
  // fs/read_write.c, import_single_range() in lib/iov_iter.c for
  // io_submit(), v4.15).
  if (addr < 0) {
    r.err = -kEFAULT;
    return r;
  }
  if ((addr | len) % 4096)
    throw ScenarioRuntimeError(op.pos, "the model keeps one data token per 4 KiB page: "
                                       "addresses and lengths of I/O must be multiples of 4096");
  if (addr < kUserBase || addr >= kUserBase + int64_t{kMaxVpages} * 4096) {
    r.err = -kEFAULT;
    return r;
  }
  r.vpage = static_cast<int>((addr - kUserBase) / 4096);
  if (len / 4096 > kMaxVpages - r.vpage) { // before the count fits an int
    r.err = -kEFAULT;
    return r;
  }
  r.npages = static_cast<int>(len / 4096);
  return r;
}

// x86-64 TASK_SIZE_MAX (4-level page tables): access_ok() refuses a range
// that ends above it, and a negative count is a huge one.
constexpr int64_t kTaskSizeMax = 0x7ffffffff000;

// A read or write of `len` bytes at `addr`, at file offset `off` (>= 0;
// 0 for read() and write(), whose f_pos the model keeps in pages).
struct IoRequest {
  Range user;    // user.npages: file pages, for a misaligned request
  int index = 0; // file page of `off`, at most kMaxFilePages + 1
  bool misaligned = false;
};

// A misaligned request: O_DIRECT, and its address, length or offset not a
// multiple of 512 (the device's logical block size). It fails with -EINVAL
// inside ->direct_IO (kDioMisaligned) before it touches memory, so any range
// that access_ok() accepts is taken here, mapped or not, and its range is the file
// pages it spans, which the writeback and the invalidation before the
// check cover. An empty request transfers nothing: the kernel returns 0
// before it checks the alignment (ext4_file_read_iter(),
// generic_write_checks()).
IoRequest io_request(int64_t addr, int64_t len, int64_t off, bool direct, const Op &op) {
  IoRequest q;
  q.index = static_cast<int>(std::min<int64_t>(off / 4096, kMaxFilePages + 1));
  if (len < 0 || addr < 0 || len > kTaskSizeMax - addr) { // access_ok()
    q.user.err = -kEFAULT;
    return q;
  }
  q.misaligned = direct && len > 0 && (addr | len | off) % 512;
  if (q.misaligned || len == 0) {
    if (q.misaligned)
      q.user.npages =
          static_cast<int>(std::min<int64_t>((off % 4096 + len + 4095) / 4096, kMaxFilePages + 1));
    return q;
  }
  q.user = user_range(addr, len, op);
  if (off % 4096)
    throw ScenarioRuntimeError(op.pos, "file offsets must be multiples of 4096 in the model");
  return q;
}

} // namespace

void System::start_op(Ctx &k, int tid) const {
  Task &t = k.task_of(tid);
  const Op &op = sc_.cpus[static_cast<size_t>(tid)].ops[t.stmt];
  t.state = TaskState::Running;
  k.emit(trace::EventKind::Syscall, op.text);
  Resolved a;
  for (size_t i = 0; i < op.args.size() && i < 4; ++i) {
    const auto &arg = op.args[i];
    a.v[i] = arg.kind == scenario::Arg::Kind::Const ? arg.value : k.var(arg.var) + arg.value;
  }
  auto push = [&](Fn fn, std::initializer_list<int> args) {
    Frame &f = t.frames[0];
    f = Frame{};
    f.fn = static_cast<uint8_t>(fn);
    int i = 0;
    for (int v : args)
      f.a[i++] = static_cast<int16_t>(v);
    t.nframes = 1;
    k.reached(fn);
  };
  auto fail = [&](int err) { t.ret = err; };
  auto fd_direct = [&](int64_t fd) {
    return fd >= 0 && fd < kMaxFds && k.fd(fd).inode != kNone && (k.fd(fd).f_flags & kFileDirect);
  };
  auto pages_of = [](int64_t len) { return static_cast<int>((len + 4095) / 4096); };
  switch (op.code) {
  case OpCode::Mmap: {
    const int64_t len = a.v[2];
    push(Fn::sys_mmap, {int(a.v[0]), int(a.v[1]), pages_of(len), int(a.v[3])});
    return;
  }
  case OpCode::Munmap:
  case OpCode::Msync: {
    if (a.v[0] % 4096 || a.v[0] < kUserBase) return fail(-kEINVAL);
    const int vp = static_cast<int>((a.v[0] - kUserBase) / 4096);
    if (op.code == OpCode::Munmap)
      push(Fn::sys_munmap, {vp, pages_of(a.v[1])});
    else
      push(Fn::sys_msync, {vp, pages_of(a.v[1]), int(a.v[2])});
    return;
  }
  case OpCode::Open: push(Fn::sys_open, {int(a.v[0]), int(a.v[1])}); return;
  case OpCode::Close: push(Fn::sys_close, {int(a.v[0])}); return;
  case OpCode::Read:
  case OpCode::Pread:
  case OpCode::Write:
  case OpCode::Pwrite: {
    const bool positional = op.code == OpCode::Pread || op.code == OpCode::Pwrite;
    // pread64() and pwrite64() refuse a negative offset before they look
    // at the descriptor (4.15 fs/read_write.c).
    if (positional && a.v[3] < 0) return fail(-kEINVAL);
    const IoRequest q = io_request(a.v[1], a.v[2], positional ? a.v[3] : 0, fd_direct(a.v[0]), op);
    const bool is_read = op.code == OpCode::Read || op.code == OpCode::Pread;
    push(is_read ? Fn::sys_read : Fn::sys_write,
         {int(a.v[0]), q.user.vpage, q.user.npages, positional ? q.index : -1, q.user.err,
          q.misaligned});
    return;
  }
  case OpCode::Store:
  case OpCode::Load: {
    if (a.v[0] < kUserBase || a.v[0] >= kUserBase + int64_t{kMaxVpages} * 4096)
      return fail(-kEFAULT);
    const int vp = static_cast<int>((a.v[0] - kUserBase) / 4096);
    if (op.code == OpCode::Store)
      push(Fn::user_store, {vp, char_token(int(a.v[1])), 0});
    else
      push(Fn::user_load, {vp});
    return;
  }
  case OpCode::Fsync:
  case OpCode::Fdatasync: push(Fn::sys_fsync, {int(a.v[0])}); return;
  case OpCode::Sync: push(Fn::sys_sync, {}); return;
  case OpCode::Kswapd: push(Fn::kswapd, {op.args.empty() ? 3 : int(a.v[0])}); return;
  case OpCode::Writeback: push(Fn::wb_workfn, {}); return;
  case OpCode::PinUserPages: {
    // ib_umem_get() (drivers/infiniband/core/umem.c, v4.15) refuses a range
    // whose end wraps around, as every -errno's does, before it pins.
    const auto start = static_cast<uint64_t>(a.v[0]), len = static_cast<uint64_t>(a.v[1]);
    if (start + len < start || ((start + len + 4095) & ~uint64_t{4095}) < start + len)
      return fail(-kEINVAL);
    Range r = user_range(a.v[0], a.v[1], op);
    if (r.err) return fail(r.err);
    if (r.npages > kDioPages)
      throw ScenarioRuntimeError(op.pos,
                                 fmt::format("the model pins at most {} pages at once", kDioPages));
    const int bits = ((a.v[2] & scenario::flags::FOLL_WRITE) ? PIN_WRITE : 0) |
                     ((a.v[2] & scenario::flags::FOLL_LONGTERM) ? PIN_LONGTERM : 0);
    push(Fn::ib_umem_get, {r.vpage, r.npages, bits});
    return;
  }
  case OpCode::UnpinUserPages: push(Fn::ib_umem_release, {int(a.v[0])}); return;
  case OpCode::IoSubmit: {
    // io_submit_one() refuses a negative aio_nbytes before it looks up the
    // descriptor; a negative offset fails rw_verify_area() after the
    // descriptor and the address are checked (4.15 fs/aio.c).
    if (a.v[2] < 0) return fail(-kEINVAL);
    const IoRequest q =
        io_request(a.v[1], a.v[2], std::max<int64_t>(a.v[3], 0), fd_direct(a.v[0]), op);
    const int err = q.user.err ? q.user.err : a.v[3] < 0 ? -kEINVAL : 0;
    push(Fn::sys_io_submit, {int(a.v[0]), q.user.vpage, q.user.npages, q.index, err, q.misaligned});
    return;
  }
  case OpCode::IoGetevents: push(Fn::sys_io_getevents, {int(a.v[0])}); return;
  case OpCode::Truncate:
    if (a.v[1] < 0 || a.v[1] % 4096)
      throw ScenarioRuntimeError(op.pos, "truncate(): size must be a multiple of 4096");
    if (a.v[1] / 4096 > kMaxFilePages) return fail(-27); // EFBIG
    push(Fn::sys_truncate, {int(a.v[0]), int(a.v[1] / 4096)});
    return;
  case OpCode::Madvise: {
    if (a.v[0] % 4096 || a.v[0] < kUserBase) return fail(-kEINVAL);
    if (a.v[1] < 0) return fail(-kEINVAL); // size_t len: end wraps below start
    // Beyond the model's address space every address and length means the
    // same (no vma there: -ENOMEM); keep both within a frame local.
    const int vp = static_cast<int>(std::min<int64_t>((a.v[0] - kUserBase) / 4096, kMaxVpages));
    const int npages = static_cast<int>(std::min<int64_t>((a.v[1] + 4095) / 4096, 4 * kMaxVpages));
    push(Fn::sys_madvise, {vp, npages, int(a.v[2])});
    return;
  }
  case OpCode::Fadvise: push(Fn::sys_fadvise64, {int(a.v[0]), int(a.v[1])}); return;
  case OpCode::SyncFileRange: push(Fn::sys_sync_file_range, {int(a.v[0]), int(a.v[1])}); return;
  }
}

void System::finish_op(Ctx &k, int tid) const {
  Task &t = k.task_of(tid);
  if (tid == cfg_.final_task()) {
    t.state = TaskState::Done;
    t.ret = 0;
    return;
  }
  const Op &op = sc_.cpus[static_cast<size_t>(tid)].ops[t.stmt];
  // fsync-gap: contents this call put into file pages are now due (an
  // io_getevents also reaps what its asynchronous request's DMA put there)
  for (size_t ino = 0; ino < sc_.files.size(); ++ino)
    for (int i = 0; i < kMaxFilePages; ++i)
      if (k.inode(ino).writer[i] == tid + 1 ||
          (op.code == OpCode::IoGetevents && k.inode(ino).writer[i] == kAioWriter + tid)) {
        k.inode(ino).writer[i] = 0;
        k.inode(ino).due_at[i] = k.clock();
      }
  int64_t value = t.ret;
  if (op.code == OpCode::Mmap && value >= 0) value = kUserBase + value * 4096;
  if (op.target >= 0) {
    k.var(op.target) = value;
    k.vars_set() |= 1u << op.target;
  }
  if (k.recording()) {
    std::string shown;
    if (op.code == OpCode::Mmap && value >= 0)
      shown = fmt::format("{:#x}", value);
    else if (op.code == OpCode::Load && value >= 0)
      shown = token_name(sc_, static_cast<Token>(value));
    else
      shown = value < 0 ? errno_name(value) : std::to_string(value);
    k.emit(trace::EventKind::Return, "= " + shown);
  }
  t.ret = 0;
  t.wait = Wait::None;
  t.wait_arg = 0;
  const auto &ops = sc_.cpus[static_cast<size_t>(tid)].ops;
  if (++t.stmt == ops.size()) {
    t.state = TaskState::Done;
    return;
  }
  start_reads(k, tid); // whether the next call can start
}

// A kworker's step: when idle, it starts its work item `fn` (shown as
// `label`), then runs its frames; true once the work item has returned.
bool System::run_work(Ctx &k, int tid, Fn fn, const char *label) const {
  Task &t = k.task_of(tid);
  t.wait = Wait::None;
  t.wait_arg = 0;
  if (t.nframes == 0) {
    t.state = TaskState::Running;
    t.frames[0] = Frame{};
    t.frames[0].fn = static_cast<uint8_t>(fn);
    t.nframes = 1;
    k.reached(fn);
    k.emit(trace::EventKind::Call, label, -1);
  }
  const bool done = !run_frames(k, t);
  if (done) t.state = TaskState::Idle;
  t.ret = 0;
  return done;
}

// The kworker of the system workqueue: when idle and bio_dirty_list is not
// empty, it runs the bio_dirty_fn work item (block/bio.c).
void System::run_kworker(Ctx &k) const {
  run_work(k, cfg_.kworker_task(), Fn::bio_dirty_fn, "process_one_work: bio_dirty_fn");
}

// The flusher's kworker: when idle and a full flush is pending
// (WB_start_all, set by wakeup_flusher_threads()), it runs wb_workfn() for
// one WB_SYNC_NONE pass over the dirty inodes; the bit clears when the pass
// ends (wb_check_start_all()), so wakeups meanwhile add nothing.
void System::run_flusher(Ctx &k) const {
  if (run_work(k, cfg_.flusher_task(), Fn::wb_workfn, "wb_workfn: wb_check_start_all"))
    k.wb_state() &= uint8_t(~WB_start_all);
}

void System::run_task(Ctx &k, int tid) const {
  Task &t = k.task_of(tid);
  t.wait = Wait::None;
  t.wait_arg = 0;
  if (t.nframes == 0) {
    start_op(k, tid);
    if (t.nframes == 0) { // failed before entering the kernel proper
      finish_op(k, tid);
      return;
    }
  }
  // A step ends at a scheduling point or with the call's return: either
  // way nothing reads the return register again (Ctx::retval()), and a
  // stale value would tell apart states that differ in nothing else.
  if (run_frames(k, t))
    t.ret = 0;
  else
    finish_op(k, tid);
}

// Runs the top frames of `t` until one yields or the kernel BUG()s (true),
// or the stack empties (false).
bool System::run_frames(Ctx &k, Task &t) const {
  while (!k.crashed()) {
    if (t.nframes == 0) return false;
    Frame &f = t.frames[t.nframes - 1];
    StepFn fn = step_fn(static_cast<Fn>(f.fn));
    if (!fn) k.model_error(fmt::format("{} has no frame function", fn_name(static_cast<Fn>(f.fn))));
    if (fn(k, f) == Flow::Yield) return true;
  }
  return true;
}

void System::device_step(Ctx &k, int alt) const {
  if (alt >= 128) { // an RDMA device writes a page through a long-term pin
    const int slot = (alt - 128) / kDioPages, i = (alt - 128) % kDioPages;
    PinSet &pin = k.pin(slot);
    const int id = pin.page[i];
    k.reached(Fn::dma_transfer);
    k.note("RDMA write: {} <- {}", k.page_ref(id), token_name(sc_, rdma_token(slot)));
    write_page_data(k, id, rdma_token(slot), "RDMA: device write through a long-term pin");
    pin.written |= static_cast<uint8_t>(1u << i);
    return;
  }
  if (alt >= 64) { // completion interrupt
    const int b = alt - 64;
    Bio &bio = k.bio(b);
    k.note("irq: bio #{} completes", b);
    if (bio.op == BioOp::Write)
      for (int i = 0; i < bio.vcnt; ++i) {
        k.disk(bio.sector[i]) = bio.captured[i];
        if (bio.end_io == BioEndIo::DioBioEndIo) // a direct write: this is now the data
          for (size_t ino = 0; ino < sc_.files.size(); ++ino)
            for (int j = 0; j < kMaxFilePages; ++j)
              if (k.inode(int(ino)).block[j] == bio.sector[i])
                k.inode(int(ino)).expected[j] = bio.captured[i];
      }
    switch (bio.end_io) {
    case BioEndIo::DioBioEndIo: dio_bio_end_io(k, b); break;
    case BioEndIo::Ext4EndBio: ext4_end_bio(k, b); break;
    case BioEndIo::MpageEndIo: mpage_end_io(k, b); break;
    case BioEndIo::DioBioEndAio: dio_bio_end_aio(k, b); break;
    case BioEndIo::IomapDioBioEndIo: iomap_dio_bio_end_io(k, b); break;
    case BioEndIo::None: k.model_error("bio without end_io");
    }
    return;
  }
  const int b = alt / 8, i = alt % 8;
  Bio &bio = k.bio(b);
  const int id = bio.page[i];
  k.reached(Fn::dma_transfer);
  if (bio.op == BioOp::Read) {
    const Token t = k.disk(bio.sector[i]);
    if (k.recording())
      k.note("DMA: block {} -> {} ({})", bio.sector[i], k.page_ref(id), token_name(sc_, t));
    if (bio.end_io == BioEndIo::MpageEndIo) {
      k.page(id).data = t; // read-in of a locked, !uptodate page: not a write
    } else {
      write_page_data(k, id, t, "block: DMA of a READ bio into the page");
      const Page &p = k.page(id); // direct I/O: the reading task's call put it there
      if (p.mapping >= 0 && p.index < kMaxFilePages && bio.owner >= 0 && bio.owner < cfg_.ncpus)
        k.inode(p.mapping).writer[p.index] =
            int8_t(k.task_of(bio.owner).dio.is_async ? kAioWriter + bio.owner : bio.owner + 1);
    }
  } else {
    if (!(bio.flags & BIO_BOUNCED)) // a bounced write carries the copy taken at submission
      bio.captured[i] = id == kZeroPage ? kZeroToken : k.page(id).data;
    if (k.recording())
      k.note("DMA: {} -> block {} ({})", k.page_ref(id), bio.sector[i],
             token_name(sc_, bio.captured[i]));
  }
  bio.done |= static_cast<uint8_t>(1u << i);
}

StepOutcome System::step(State &s, Choice c, trace::Trace *rec, int step_index) const {
  StepOutcome out;
  if (c.actor == cfg_.device_actor()) {
    Ctx k(s, cfg_, c.actor, -1, out, rec, step_index);
    k.crashed(); // a BUG ends everything: every step depends on it
    device_step(k, c.alt);
    return out;
  }
  const int tid = c.actor == cfg_.kworker_actor()   ? cfg_.kworker_task()
                  : c.actor == cfg_.flusher_actor() ? cfg_.flusher_task()
                  : c.actor == cfg_.final_actor()   ? cfg_.final_task()
                                                    : c.actor;
  Ctx k(s, cfg_, c.actor, tid, out, rec, step_index);
  k.crashed();
  enabling_reads(k, tid);
  if (c.actor == cfg_.kworker_actor())
    run_kworker(k);
  else if (c.actor == cfg_.flusher_actor())
    run_flusher(k);
  else
    run_task(k, tid);
  return out;
}

void System::blocked(const State &s, std::vector<std::pair<Choice, BlockedFootprint>> &out) const {
  out.clear();
  if (s.crashed) return;
  auto add = [&](int actor, int tid) {
    const Task &t = s.tasks[tid];
    if (t.state == TaskState::Done) return;
    if (tid >= cfg_.ncpus && t.nframes == 0) return; // idle kworker: not blocked
    if (task_enabled(s, tid)) return;
    StepOutcome o;
    Ctx k(const_cast<State &>(s), cfg_, actor, tid, o, nullptr, 0); // only reads
    k.task();
    if (t.nframes) {
      k.wait_reads(t.wait, t.wait_arg);
    } else {
      k.vars_set();
      if (next_is_writeback(t, tid)) k.wb_state(); // waiting for the flusher's pass to end
    }
    out.emplace_back(Choice{static_cast<uint8_t>(actor), 0}, BlockedFootprint{o.access, o.access});
  };
  for (int t = 0; t < cfg_.ncpus; ++t)
    add(t, t);
  add(cfg_.final_actor(), cfg_.final_task());
  add(cfg_.kworker_actor(), cfg_.kworker_task());
  add(cfg_.flusher_actor(), cfg_.flusher_task());
}

StepOutcome System::step_from(const State &before, State &after, Choice c) const {
  after = before;
  StepOutcome out = step(after, c);
  out.write = obj::changed(before, after, out.access);
  return out;
}

// What task_enabled() and enabled() read to let `tid` run: the step depends
// on it as much as on what its code touches, since another step could have
// disabled it.
void System::enabling_reads(Ctx &k, int tid) const {
  const Task &t = k.task_of(tid);
  if (tid == cfg_.kworker_task()) k.bio_dirty_list();
  if (tid == cfg_.flusher_task()) k.wb_state();
  if (t.nframes == 0) {
    if (tid < cfg_.ncpus) start_reads(k, tid);
    return;
  }
  k.wait_reads(t.wait, t.wait_arg);
}

std::string System::actor_name(int actor) const {
  if (actor < cfg_.ncpus) return sc_.cpus[static_cast<size_t>(actor)].name;
  if (actor == cfg_.kworker_actor()) return "kworker";
  if (actor == cfg_.flusher_actor()) return "kworker-flush";
  return actor == cfg_.device_actor() ? "device" : "end";
}

int System::num_kinds() const {
  return static_cast<int>(all_invariants().size());
}
std::string System::kind_name(int kind) const {
  return all_invariants()[static_cast<size_t>(kind)]->kind;
}
int System::stuck_kind(const State &s) const {
  const int stall = invariant_index("writeback-stall");
  if (stall >= 0)
    for (const Task &t : s.tasks)
      if (t.state != TaskState::Done && t.nframes && t.wait == Wait::PageUnpinned) return stall;
  return model::deadlock_kind();
}

std::vector<std::string> System::reached_names(const std::array<uint64_t, 4> &reached) const {
  std::vector<std::string> names;
  for (int i = 0; i < kFnCount; ++i)
    if (reached[i / 64] & (uint64_t{1} << (i % 64)))
      names.emplace_back(fn_name(static_cast<Fn>(i)));
  return names;
}

const scenario::Op *System::stuck_on_variable(const State &s) const {
  for (int t = 0; t < cfg_.ncpus; ++t) {
    const Task &task = s.tasks[t];
    if (task.state != TaskState::Done && task.nframes == 0) {
      const Op &op = sc_.cpus[static_cast<size_t>(t)].ops[task.stmt];
      if (!op_ready(s, op)) return &op;
    }
  }
  return nullptr;
}

std::string System::describe_stuck(const State &s) const {
  std::string out;
  static const char *const waits[] = {
      "runnable",         "lock_page",      "wait_on_page_writeback",
      "dio completion",   "a variable",     "mmap_sem (read)",
      "mmap_sem (write)", "i_rwsem (read)", "i_rwsem (write)",
      "all CPUs",         "the device",     "the page's pins to drop",
      "its aio request"};
  for (int t = 0; t <= cfg_.last_task(); ++t) {
    const Task &task = s.tasks[t];
    if (task.state == TaskState::Done || t == cfg_.final_task()) continue;
    if (t > cfg_.final_task() && task.nframes == 0) continue;
    if (!out.empty()) out += "; ";
    const std::string who = t < cfg_.ncpus             ? sc_.cpus[static_cast<size_t>(t)].name
                            : t == cfg_.kworker_task() ? std::string("kworker")
                                                       : std::string("kworker-flush");
    const bool turn = next_is_writeback(task, t) && (s.wb_state & WB_writeback_running);
    out += fmt::format("{} waits for {}", who,
                       turn                ? "the flusher's pass to end"
                       : task.nframes == 0 ? "a variable"
                                           : waits[static_cast<int>(task.wait)]);
    if (task.nframes && (task.wait == Wait::PageUnlocked || task.wait == Wait::PageNotWriteback ||
                         task.wait == Wait::PageUnpinned)) {
      State copy = s;
      StepOutcome o;
      Ctx k(copy, cfg_, 0, -1, o, nullptr, 0);
      out += " on " + k.page_name(task.wait_arg);
    }
  }
  return out.empty() ? "nothing can move" : out;
}

} // namespace pagerace::model
