// The model's own consistency checks, as CONFIG_DEBUG_VM's VM_BUG_ON_PAGE()s
// are the kernel's: structural rules that every reachable State obeys, under
// every schedule and every kernel variant. System::check_consistency()
// returns the first broken rule as one line, "rule: object: detail", or an
// empty string. Fuzzers and tests call it after each step; the search never
// does.
//
// State keeps everything that lives across a scheduling point, but not who
// holds what: a reference taken into a frame local (find_get_page(), a
// fault's page, a lock_page() waiter's page) is invisible here. So while a
// task is in the kernel, _refcount is checked against a lower bound, the
// holders State does record. Holders that live in frame locals are read from
// the frames of the few functions that keep them across points (reclaim's
// isolated pages, dio_bio_complete()'s position, bio_dirty_fn()'s taken bios,
// the bio iomap_dio_bio_iter() is building); their frame layouts are
// documented at those functions. When no CPU or kworker has a frame (and the
// end task is at most in final_sync() itself), no local holds a reference,
// and _refcount must equal the holders: a reference never dropped is a leak.
// Not checked, because State cannot say it: who holds a PG_locked bit, and
// the readers of mmap_sem and i_rwsem.
//
// Kernel citations name the check the rule mirrors where there is one; rules
// marked "model" are the model's own conventions (zeroed free slots so that
// equal states compare equal as bytes, and the like).
#include "model/kernel/paths.hpp"
#include "model/system.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

namespace pagerace::model {

namespace {

constexpr uint16_t kPageFlags = uint16_t(PG_checked * 2 - 1);
constexpr uint8_t kTags = TAG_DIRTY | TAG_WRITEBACK | TAG_TOWRITE;
constexpr uint8_t kPteBits = PTE_P | PTE_W | PTE_D | PTE_A | PTE_SPECIAL;
constexpr uint8_t kVmFlags = VM_READ | VM_WRITE | VM_SHARED | VM_MAYWRITE | VM_ANON;
constexpr uint8_t kBioFlags = BIO_PAGE_PINNED | BIO_DIRTY_LIST | BIO_BOUNCED;
constexpr uint8_t kPinFlags = PIN_WRITE | PIN_COUNTED | PIN_LONGTERM | PIN_USED | PIN_LIVE;
constexpr uint8_t kFileFlags = kFileRead | kFileWrite | kFileDirect;

// Every byte of `v` is zero (State has no padding, so bytes are values).
template <class T> bool all_zero(const T &v) {
  static_assert(std::has_unique_object_representations_v<T>);
  const T zero{};
  return std::memcmp(&v, &zero, sizeof(T)) == 0;
}

uint32_t low_bits(int n) {
  return n >= 32 ? ~0u : (1u << n) - 1;
}

// Bios of direct I/O: they hold their user pages (FOLL_GET references or,
// with BIO_PAGE_PINNED, pins) unless BIO_BOUNCED, and live across steps
// while they are built, queued for the waiter, or deferred to bio_dirty_fn.
bool dio_bio(const Bio &b) {
  return b.end_io == BioEndIo::DioBioEndIo || b.end_io == BioEndIo::DioBioEndAio ||
         b.end_io == BioEndIo::IomapDioBioEndIo;
}

// A real struct page (holders may also name kZeroPage, or kNone once released).
bool valid_page(int id) {
  return id >= 0 && id < kMaxPages;
}

class Checker {
public:
  Checker(const State &s, const Config &cfg)
      : s_(s), cfg_(cfg), nfiles_(static_cast<int>(cfg.sc->files.size())),
        pin_refs_(cfg.variant->pin_bias > 0 ? cfg.variant->pin_bias : 1) {}

  std::string run() {
    (void)(globals() && tasks() && pages() && inodes() && fds() && mm() && lru() && bios() &&
           dios() && pin_sets() && isolation() && accounting());
    return msg_;
  }

private:
  // Records the first broken rule; always false, so checks read `return fail(...)`.
  template <class... A> bool fail(const char *rule, fmt::format_string<A...> f, A &&...args) {
    msg_ = fmt::format("{}: {}", rule, fmt::format(f, std::forward<A>(args)...));
    return false;
  }

  std::string page(int id) const {
    if (id == kZeroPage) return "ZERO_PAGE";
    if (!valid_page(id)) return fmt::format("page id {}", id);
    const Page &p = s_.pages[id];
    if (!p.in_use) return fmt::format("page #{} (free)", id);
    if (p.mapping >= 0 && p.mapping < nfiles_)
      return fmt::format("page #{} ({}[{}])", id, file(p.mapping), p.index);
    if (p.mapping == kAnon) return fmt::format("page #{} (anon)", id);
    return fmt::format("page #{} (no mapping)", id);
  }
  std::string file(int ino) const {
    if (ino >= 0 && ino < nfiles_) return cfg_.sc->files[static_cast<size_t>(ino)].name;
    return fmt::format("inode {}", ino);
  }
  bool used_task(int t) const { return t >= 0 && t <= cfg_.last_task(); }
  static Fn fn_of(const Frame &f) { return static_cast<Fn>(f.fn); }

  // ---- scalars ----
  bool globals() {
    // model: only scenario variables 0..kMaxVars-1 exist, each assigned once
    if (s_.vars_set & ~low_bits(kMaxVars))
      return fail("vars", "vars_set {:#x} has bits beyond kMaxVars", s_.vars_set);
    for (int i = 0; i < kMaxVars; ++i) // model: an unassigned variable keeps its zero
      if (!(s_.vars_set & (1u << i)) && s_.vars[i] != 0)
        return fail("vars", "variable {} is unassigned but holds {}", i, s_.vars[i]);
    if (s_.crashed > 1) return fail("crashed", "crashed is {}, not 0 or 1", s_.crashed);
    if (s_.pgdat_flags & ~(PGDAT_DIRTY | PGDAT_WRITEBACK))
      return fail("pgdat", "pgdat_flags {:#x} has unknown bits", s_.pgdat_flags);
    if (s_.wb_state & ~(WB_start_all | WB_writeback_running))
      return fail("wb", "wb_state {:#x} has unknown bits", s_.wb_state);
    // 4.15 fs/fs-writeback.c wb_check_start_all(): WB_start_all stays set
    // until the flusher's pass ends
    if (s_.tasks[cfg_.flusher_task()].nframes && !(s_.wb_state & WB_start_all))
      return fail("wb", "the flusher's kworker runs without WB_start_all");
    // wb_do_writeback(): WB_writeback_running while one wb_workfn() runs
    // (frames read within kMaxFrames: tasks() reports a bad nframes later)
    int passes = 0;
    for (int t = 0; t <= cfg_.last_task(); ++t)
      for (int i = 0; i < std::min<int>(s_.tasks[t].nframes, kMaxFrames); ++i)
        passes += s_.tasks[t].frames[i].fn == static_cast<uint8_t>(Fn::wb_workfn);
    if (passes > 1 || (passes == 1) != ((s_.wb_state & WB_writeback_running) != 0))
      return fail("wb", "{} wb_workfn() passes run, WB_writeback_running {}", passes,
                  (s_.wb_state & WB_writeback_running) != 0);
    if (s_.next_block > kMaxBlocks)
      return fail("blocks", "next_block {} > kMaxBlocks", s_.next_block);
    if (s_.clock == 0) return fail("clock", "clock is 0 (it starts at 1 and only grows)");
    // model: explicit padding stays zero (states are hashed as bytes)
    if (s_.pad0_ || !all_zero(s_.pad_)) return fail("padding", "State padding is not zero");
    return true;
  }

  // ---- tasks and their frames ----
  bool tasks() {
    Task idle{};
    idle.dio = empty_dio();
    for (int t = 0; t < kMaxTasks; ++t) {
      const Task &task = s_.tasks[t];
      if (!used_task(t)) { // model: slots beyond the last task are never touched
        if (std::memcmp(&task, &idle, sizeof(Task)) != 0)
          return fail("task-slot", "task {} is beyond the last task but not an empty slot", t);
        continue;
      }
      if (task.state > TaskState::Done)
        return fail("task-state", "task {}: state {}", t, int(task.state));
      if (task.wait > Wait::AioDone)
        return fail("task-wait", "task {}: wait {}", t, int(task.wait));
      if (task.pad_) return fail("padding", "task {}: padding is not zero", t);
      if (task.nframes > kMaxFrames)
        return fail("frames", "task {}: nframes {} > kMaxFrames", t, task.nframes);
      for (int i = 0; i < task.nframes; ++i) { // every frame is a framed function's
        const uint8_t fn = task.frames[i].fn;
        if (fn >= kFnCount || !step_fn(static_cast<Fn>(fn)))
          return fail("frames", "task {}: frame {} is function #{}, which has no frame", t, i, fn);
      }
      for (int i = task.nframes; i < kMaxFrames; ++i) // model: Ctx::ret() zeroes popped frames
        if (!all_zero(task.frames[i]))
          return fail("frames", "task {}: frame {} is beyond nframes {} but not zero", t, i,
                      task.nframes);
      if (task.nframes == 0 && (task.wait != Wait::None || task.wait_arg != 0))
        return fail("task-wait", "task {}: no frames, but waits ({}, {})", t, int(task.wait),
                    task.wait_arg);
      if ((task.state == TaskState::Done || task.state == TaskState::Idle) && task.nframes)
        return fail("task-state", "task {}: {} with {} frames", t,
                    task.state == TaskState::Done ? "done" : "idle", task.nframes);
      if (!task_role(t, task) || !task_wait(t, task) || !task_dio(t, task.dio)) return false;
    }
    return true;
  }

  bool task_role(int t, const Task &task) {
    if (t < cfg_.ncpus) { // a CPU runs its scenario calls in order
      const size_t nops = cfg_.sc->cpus[static_cast<size_t>(t)].ops.size();
      if (size_t{task.stmt} > nops)
        return fail("task-stmt", "CPU {}: stmt {} > {} calls", t, task.stmt, nops);
      if ((task.state == TaskState::Done) != (size_t{task.stmt} == nops))
        return fail("task-stmt", "CPU {}: stmt {} of {} calls, but state {}", t, task.stmt, nops,
                    int(task.state));
      if (task.state == TaskState::Idle && task.stmt != 0)
        return fail("task-stmt", "CPU {}: idle after its first call (stmt {})", t, task.stmt);
      return true;
    }
    if (task.stmt) return fail("task-stmt", "task {} is no CPU but has stmt {}", t, task.stmt);
    // the end task runs final_sync() from the start (asleep until every CPU is
    // done); a kworker runs its work item (bio_dirty_fn(), the flusher's
    // wb_workfn()) or idles
    const bool end = t == cfg_.final_task();
    const char *who = end ? "end" : t == cfg_.kworker_task() ? "kworker" : "kworker-flush";
    if (end ? task.state == TaskState::Idle : task.state == TaskState::Done)
      return fail("task-state", "{} task is {}", who, end ? "idle" : "done");
    if ((task.state == TaskState::Running) != (task.nframes > 0))
      return fail("task-state", "{} task: state {} with {} frames", who, int(task.state),
                  task.nframes);
    const Fn work = end                        ? Fn::final_sync
                    : t == cfg_.kworker_task() ? Fn::bio_dirty_fn
                                               : Fn::wb_workfn;
    if (task.nframes && fn_of(task.frames[0]) != work)
      return fail("frames", "{} task runs {}, not {}", who, fn_name(fn_of(task.frames[0])),
                  fn_name(work));
    return true;
  }

  bool task_wait(int t, const Task &task) {
    const int arg = task.wait_arg;
    switch (task.wait) {
    case Wait::PageUnlocked:
    case Wait::PageNotWriteback:
    case Wait::PageUnpinned:
      // 4.15 mm/filemap.c wait_on_page_bit() callers hold a reference to the page
      if (!valid_page(arg) || !s_.pages[arg].in_use)
        return fail("task-wait", "task {} sleeps on {}, which is not in use", t, page(arg));
      return true;
    case Wait::IRwsemRead:
    case Wait::IRwsemWrite:
      if (arg < 0 || arg >= nfiles_)
        return fail("task-wait", "task {} sleeps on the i_rwsem of {}", t, file(arg));
      return true;
    case Wait::VarAssigned:
      if (arg < 0 || arg >= kMaxVars)
        return fail("task-wait", "task {} waits for variable {}", t, arg);
      return true;
    default:
      if (arg)
        return fail("task-wait", "task {}: wait {} with argument {}", t, int(task.wait), arg);
      return true;
    }
  }

  bool task_dio(int t, const Dio &d) {
    if (d.pad_[0] || d.pad_[1] || d.pad_[2])
      return fail("padding", "task {}: dio padding is not zero", t);
    // model: a task with no direct-I/O request has empty_dio()
    if (!d.active && !d.is_async) {
      const Dio empty = empty_dio();
      if (std::memcmp(&d, &empty, sizeof(Dio)) != 0)
        return fail("dio", "task {}: no request (not active, not async) but the dio is not empty",
                    t);
      return true;
    }
    if (d.head > d.tail || d.tail > kDioPages)
      return fail("dio", "task {}: dio->pages[] head {} tail {}", t, d.head, d.tail);
    if (d.refcount < 0) return fail("dio", "task {}: dio refcount {} < 0", t, d.refcount);
    for (int i = d.head; i < d.tail; ++i)
      if (d.pages[i] != kZeroPage && (!valid_page(d.pages[i]) || !s_.pages[d.pages[i]].in_use))
        return fail("dio", "task {}: dio->pages[{}] is {}, not a page in use", t, i,
                    page(d.pages[i]));
    if (d.cur_page != kNone && d.cur_page != kZeroPage &&
        (!valid_page(d.cur_page) || !s_.pages[d.cur_page].in_use))
      return fail("dio", "task {}: cur_page is {}, not a page in use", t, page(d.cur_page));
    if (d.cur_bio != kNone && (d.cur_bio < 0 || d.cur_bio >= kMaxBios))
      return fail("dio", "task {}: cur_bio {}", t, d.cur_bio);
    for (int i = 0; i < kDioPages; ++i) {
      const int b = d.bounce[i];
      if (b == kNone) continue;
      if (!valid_page(b) || !s_.pages[b].in_use || s_.pages[b].mapping != kNone)
        return fail("dio", "task {}: bounce[{}] is {}, not a kernel page in use", t, i, page(b));
    }
    return true;
  }

  // ---- struct page, one by one ----
  bool pages() {
    for (int id = 0; id < kMaxPages; ++id) {
      const Page &p = s_.pages[id];
      if (p.in_use > 1) return fail("page", "page #{}: in_use is {}", id, p.in_use);
      if (!p.in_use) {
        // 4.15 mm/page_alloc.c free_pages_check(): no mapping, no _refcount, no
        // _mapcount, no PAGE_FLAGS_CHECK_AT_FREE; the model zeroes the whole slot
        if (!all_zero(p)) return fail("free-page", "{}: {}", page(id), free_page_field(p));
        continue;
      }
      // 4.15 include/linux/mm.h put_page_testzero(): VM_BUG_ON_PAGE(page_ref_count(page) == 0)
      if (p._refcount < 0) return fail("refcount", "{}: _refcount {} < 0", page(id), p._refcount);
      if (p._refcount == 0) return fail("refcount", "{}: in use with _refcount 0", page(id));
      // an unbalanced page_remove_rmap(); 4.15 mm/page_alloc.c free_pages_check_bad():
      // "nonzero mapcount"
      if (p._mapcount < 0) return fail("mapcount", "{}: _mapcount {} < 0", page(id), p._mapcount);
      if (p.flags & ~kPageFlags)
        return fail("page-flags", "{}: flags {:#x} has unknown bits", page(id), p.flags);
      if (!(p.mapping == kNone || p.mapping == kAnon || (p.mapping >= 0 && p.mapping < nfiles_)))
        return fail("page-mapping", "page #{}: mapping {}", id, p.mapping);
      // 4.15 mm/rmap.c page_add_new_anon_rmap(): __SetPageSwapBacked(); file pages never are
      if (bool(p.flags & PG_swapbacked) != (p.mapping == kAnon))
        return fail("page-flags", "{}: PG_swapbacked {} on a page with mapping {}", page(id),
                    int(bool(p.flags & PG_swapbacked)), p.mapping);
      // model (no swap): anonymous pages are never put on the LRU (mm/swap.cpp)
      if (p.mapping == kAnon && (p.flags & (PG_lru | PG_active)))
        return fail("lru", "{}: anonymous page with PG_lru or PG_active", page(id));
      // radix-tree tags belong to a slot of mapping->page_tree
      if (p.tags & ~kTags) return fail("page-tags", "{}: tags {:#x}", page(id), p.tags);
      if (p.tags && p.mapping < 0)
        return fail("page-tags", "{}: radix-tree tags {:#x} outside the page cache", page(id),
                    p.tags);
      // 4.15 mm/page-writeback.c __test_set_page_writeback() / test_clear_page_writeback():
      // PG_writeback and PAGECACHE_TAG_WRITEBACK are set and cleared together
      if (bool(p.flags & PG_writeback) != bool(p.tags & TAG_WRITEBACK))
        return fail("writeback", "{}: PG_writeback {} but TAG_WRITEBACK {}", page(id),
                    int(bool(p.flags & PG_writeback)), int(bool(p.tags & TAG_WRITEBACK)));
      if (!buffers(id, p)) return false;
      // 4.15 fs/ext4/inode.c ext4_da_write_begin(): write_begin returns the page locked
      if (p.in_write_begin > 1 || (p.in_write_begin && !(p.flags & PG_locked)))
        return fail("write-begin", "{}: in_write_begin {} without PG_locked", page(id),
                    p.in_write_begin);
    }
    return true;
  }

  static std::string free_page_field(const Page &p) {
    if (p.flags) return fmt::format("free with flags {:#x}", p.flags);
    if (p._refcount) return fmt::format("free with _refcount {}", p._refcount);
    if (p._mapcount) return fmt::format("free with _mapcount {}", p._mapcount);
    if (p.mapping) return fmt::format("free with mapping {}", p.mapping);
    if (p.pins) return fmt::format("free with {} pins", p.pins);
    return "free but not zeroed";
  }

  bool buffers(int id, const Page &p) {
    const BufferHead &bh = p.bh;
    if (bh.b_count < 0) return fail("buffers", "{}: b_count {} < 0", page(id), bh.b_count);
    if (!(p.flags & PG_private)) {
      // model: no buffer_head without PG_private, and a page without one keeps
      // it zeroed, so that "no buffers" is one state, not several
      if (bh.b_state || bh.b_count || bh.b_blocknr != 0)
        return fail("buffers",
                    "{}: buffer_head {{state {:#x}, count {}, blocknr {}}} without "
                    "PG_private",
                    page(id), bh.b_state, bh.b_count, bh.b_blocknr);
      return true;
    }
    // 4.15 fs/buffer.c create_page_buffers(): buffers are sized by page->mapping->host,
    // a page-cache page's; truncation releases them before the page leaves the cache
    if (p.mapping < 0)
      return fail("buffers", "{} has buffers (PG_private) but is not a page-cache page", page(id));
    // 4.15 fs/ext4/page-io.c: BH_Async_Write is set in ext4_bio_write_page() and
    // cleared in ext4_finish_bio() before end_page_writeback()
    if ((bh.b_state & BH_Async_Write) && !(p.flags & PG_writeback))
      return fail("buffers", "{}: BH_Async_Write without PG_writeback", page(id));
    return true;
  }

  // ---- inodes and the page cache ----
  bool inodes() {
    for (int ino = 0; ino < kMaxFiles; ++ino) {
      const Inode &inode = s_.inodes[ino];
      if (ino >= nfiles_) { // model: inodes beyond the scenario's files stay zero
        if (!all_zero(inode)) return fail("inode-slot", "inode {} is unused but not zero", ino);
        continue;
      }
      if (inode.i_size > kMaxFilePages)
        return fail("inode", "{}: i_size {} > kMaxFilePages", file(ino), inode.i_size);
      if (inode.i_state & ~I_DIRTY_PAGES)
        return fail("inode", "{}: i_state {:#x}", file(ino), inode.i_state);
      if (!rwsem(inode.i_rwsem, ino)) return false;
      for (int i = 0; i < kMaxFilePages; ++i) {
        const int16_t b = inode.block[i];
        if (b != kHole && b != kDelayed && (b < 0 || b >= s_.next_block))
          return fail("extent", "{}: block[{}] is {}, not kHole, kDelayed or an allocated block",
                      file(ino), i, b);
        const int id = inode.page[i];
        if (id == kNone) continue;
        // 4.15 mm/filemap.c pagecache_get_page(): a page found at offset i of
        // mapping, once locked and not truncated, has VM_BUG_ON_PAGE(page->index != offset)
        if (!valid_page(id))
          return fail("page-cache", "{}: page cache [{}] holds page id {}", file(ino), i, id);
        const Page &p = s_.pages[id];
        if (!p.in_use)
          return fail("page-cache", "{}: page cache [{}] -> page #{}, which is free", file(ino), i,
                      id);
        if (p.mapping != ino || p.index != i)
          return fail("page-cache", "{}: page cache [{}] -> {} (mapping {}, index {})", file(ino),
                      i, page(id), p.mapping, p.index);
      }
    }
    for (int id = 0; id < kMaxPages; ++id) { // and back: a page with a mapping is in its cache
      const Page &p = s_.pages[id];
      if (!p.in_use || p.mapping < 0) continue;
      // 4.15 mm/filemap.c page_cache_tree_delete(): page->mapping = NULL as it leaves the tree
      if (p.index >= kMaxFilePages || s_.inodes[p.mapping].page[p.index] != id)
        return fail("page-cache", "{} is not in the page cache of {} at index {}", page(id),
                    file(p.mapping), p.index);
    }
    return true;
  }

  // The i_rwsem of inode `ino`, or mmap_sem for kNone.
  bool rwsem(const RwSem &sem, int ino) {
    const auto what = [&] { return ino == kNone ? "mmap_sem" : file(ino) + ": i_rwsem"; };
    if (sem.readers < 0) return fail("rwsem", "{}: readers {} < 0", what(), sem.readers);
    if (sem.writer != kNone && !used_task(sem.writer))
      return fail("rwsem", "{}: writer {} is no task", what(), sem.writer);
    // rw_semaphore: a writer excludes readers
    if (sem.writer != kNone && sem.readers)
      return fail("rwsem", "{}: held for write by task {} and for read {} times", what(),
                  sem.writer, sem.readers);
    return true;
  }

  // ---- the fd table ----
  bool fds() {
    for (int fd = 0; fd < kMaxFds; ++fd) {
      const OpenFile &of = s_.fds[fd];
      if (of.inode == kNone) {
        if (of.f_flags || of.f_pos) return fail("fd", "fd {} is free but not cleared", fd);
        continue;
      }
      // model: sys_open() hands out fds from 3, like a process with stdio open
      if (fd < 3) return fail("fd", "fd {} is open", fd);
      if (of.inode < 0 || of.inode >= nfiles_)
        return fail("fd", "fd {} refers to inode {}", fd, of.inode);
      if (of.f_flags & ~kFileFlags) return fail("fd", "fd {}: f_flags {:#x}", fd, of.f_flags);
      if (of.f_pos < 0) return fail("fd", "fd {}: f_pos {} < 0", fd, of.f_pos);
    }
    return true;
  }

  // ---- vmas and page table ----
  int vma_of(int vpage) const {
    for (int i = 0; i < kMaxVmas; ++i) {
      const Vma &v = s_.mm.vma[i];
      if (v.npages && vpage >= v.start && vpage < v.start + v.npages) return i;
    }
    return kNone;
  }

  bool mm() {
    if (!rwsem(s_.mm.mmap_sem, kNone)) return false;
    for (int i = 0; i < kMaxVmas; ++i) {
      const Vma &v = s_.mm.vma[i];
      if (!v.npages) { // model: munmap() clears the slot
        if (!all_zero(v)) return fail("vma", "vma slot {} is free but not zero", i);
        continue;
      }
      if (v.start + v.npages > kMaxVpages)
        return fail("vma", "vma {} [{}, {}) ends beyond kMaxVpages", i, v.start,
                    v.start + v.npages);
      if (v.vm_flags & ~kVmFlags) return fail("vma", "vma {}: vm_flags {:#x}", i, v.vm_flags);
      if (v.pad_) return fail("padding", "vma {}: padding is not zero", i);
      if ((v.file == kNone) != bool(v.vm_flags & VM_ANON) ||
          (v.file != kNone && (v.file < 0 || v.file >= nfiles_)))
        return fail("vma", "vma {}: file {} with vm_flags {:#x}", i, v.file, v.vm_flags);
      // 4.15 mm/mmap.c: vmas of an mm never overlap (validate_mm() under CONFIG_DEBUG_VM_RB)
      for (int j = 0; j < i; ++j) {
        const Vma &w = s_.mm.vma[j];
        if (w.npages && v.start < w.start + w.npages && w.start < v.start + v.npages)
          return fail("vma", "vmas {} and {} overlap", j, i);
      }
    }
    for (int vp = 0; vp < kMaxVpages; ++vp)
      if (!pte(vp)) return false;
    return true;
  }

  bool pte(int vp) {
    const Pte &pte = s_.mm.pte[vp];
    if (!(pte.bits & PTE_P)) { // model: a cleared PTE is zero (pte_clear())
      if (pte.bits || pte.page)
        return fail("pte", "PTE {} is not present but not zero ({:#x}, {})", vp, pte.bits,
                    pte.page);
      return true;
    }
    if (pte.bits & ~kPteBits) return fail("pte", "PTE {}: bits {:#x}", vp, pte.bits);
    const int vi = vma_of(vp);
    // 4.15 mm/memory.c: every present PTE lies in a vma (unmap_region() zaps
    // before the vma goes; free_pgtables() would otherwise leak it)
    if (vi == kNone) return fail("pte", "PTE {} is present outside every vma", vp);
    const Vma &v = s_.mm.vma[vi];
    // 4.15 arch/x86 access_error(): a write fault needs VM_WRITE; no path makes a PTE
    // writable in a vma without it
    if ((pte.bits & PTE_W) && !(v.vm_flags & VM_WRITE))
      return fail("pte", "PTE {} is writable in vma {} without VM_WRITE", vp, vi);
    if (bool(pte.bits & PTE_SPECIAL) != (pte.page == kZeroPage))
      return fail("pte", "PTE {}: PTE_SPECIAL {} with {}", vp, int(bool(pte.bits & PTE_SPECIAL)),
                  page(pte.page));
    if (pte.page == kZeroPage) {
      // 4.15 mm/memory.c do_anonymous_page(): the zero page is mapped
      // pte_mkspecial() and read-only, in anonymous vmas only
      if (pte.bits & PTE_W) return fail("pte", "PTE {} maps ZERO_PAGE writable", vp);
      if (!(v.vm_flags & VM_ANON))
        return fail("pte", "PTE {} maps ZERO_PAGE in file vma {}", vp, vi);
      return true;
    }
    if (!valid_page(pte.page) || !s_.pages[pte.page].in_use)
      return fail("pte", "PTE {} maps {}, not a page in use", vp, page(pte.page));
    const Page &p = s_.pages[pte.page];
    if (p.mapping >= 0) {
      // 4.15 mm/internal.h vma_address(): VM_BUG_ON_VMA(end < vma->vm_start ||
      // start >= vma->vm_end): a file page sits at its own offset of its own file
      if (v.file != p.mapping || v.pgoff + (vp - v.start) != p.index)
        return fail("pte", "PTE {} in vma {} ({} offset {}) maps {}", vp, vi, file(v.file),
                    v.pgoff + (vp - v.start), page(pte.page));
    } else if (p.mapping == kAnon) {
      // anonymous pages are mapped in anonymous vmas or as private COW copies
      if ((v.vm_flags & VM_SHARED) && !(v.vm_flags & VM_ANON))
        return fail("pte", "PTE {} maps {} in shared file vma {}", vp, page(pte.page), vi);
    } else {
      // 4.15 mm/filemap.c unaccount_page_cache_page(): CONFIG_DEBUG_VM "still
      // mapped when deleted"; truncation and invalidation unmap first
      return fail("pte", "PTE {} maps {}, which has left the page cache", vp, page(pte.page));
    }
    return true;
  }

  // ---- LRU lists ----
  bool lru() {
    std::array<int, kMaxPages> where{};
    for (int l = 0; l < 2; ++l) {
      const char *name = l ? "active" : "inactive";
      if (s_.lru_len[l] > kMaxPages)
        return fail("lru", "{} list: lru_len {} > kMaxPages", name, s_.lru_len[l]);
      for (int i = 0; i < kMaxPages; ++i) {
        const int id = s_.lru[l][i];
        if (i >= s_.lru_len[l]) { // model: lru_del() zeroes the vacated slot
          if (id)
            return fail("lru", "{} list: slot {} beyond lru_len {} is {}", name, i, s_.lru_len[l],
                        id);
          continue;
        }
        if (!valid_page(id) || !s_.pages[id].in_use)
          return fail("lru", "{} list: slot {} holds {}, not a page in use", name, i, page(id));
        // 4.15 mm/swap.c __pagevec_lru_add_fn(): VM_BUG_ON_PAGE(PageLRU(page)); a page is
        // on one list once
        if (where[id])
          return fail("lru", "{} is on the LRU twice ({} list slot {})", page(id), name, i);
        where[id] = l + 1;
        const Page &p = s_.pages[id];
        // 4.15 mm/vmscan.c isolate_lru_pages(): VM_BUG_ON_PAGE(!PageLRU(page), page)
        if (!(p.flags & PG_lru))
          return fail("lru", "{} is on the {} list without PG_lru", page(id), name);
        // 4.15 include/linux/mm_inline.h page_lru(): the list is the one PG_active names
        if (bool(p.flags & PG_active) != (l == 1))
          return fail("lru", "{} is on the {} list with PG_active {}", page(id), name,
                      int(bool(p.flags & PG_active)));
      }
    }
    for (int id = 0; id < kMaxPages; ++id)
      if (s_.pages[id].in_use && (s_.pages[id].flags & PG_lru) && !where[id])
        return fail("lru", "{} has PG_lru but is on no LRU list", page(id));
    return true;
  }

  // ---- bios ----
  // Completed bios being reaped, and bios bio_dirty_fn() has taken, from the
  // frames of dio_bio_complete() (a0 bio, a1 next page) and bio_dirty_fn()
  // (a0 taken bios, a1 current bio from pc 2 on).
  void scan_bio_frames() {
    for (int t = 0; t <= cfg_.last_task(); ++t) {
      const Task &task = s_.tasks[t];
      for (int i = 0; i < task.nframes; ++i) {
        const Frame &f = task.frames[i];
        if (fn_of(f) == Fn::dio_bio_complete && f.a[0] >= 0 && f.a[0] < kMaxBios) {
          completing_[f.a[0]] = true;
          completed_upto_[f.a[0]] = f.a[1];
          completing_task_[f.a[0]] = t;
        } else if (fn_of(f) == Fn::bio_dirty_fn) {
          dirty_fn_taken_ |= uint16_t(f.a[0]);
          if (f.pc >= 2 && f.a[1] >= 0 && f.a[1] < kMaxBios) dirty_fn_taken_ |= 1u << f.a[1];
        } else if (fn_of(f) == Fn::iomap_dio_bio_iter && f.pc > 0 && f.a[4] >= 0 &&
                   f.a[4] < kMaxBios) {
          building_[f.a[4]] = t;
        }
      }
    }
  }

  bool bios() {
    building_.fill(kNone);
    completing_task_.fill(kNone);
    scan_bio_frames();
    for (int b = 0; b < kMaxBios; ++b) {
      const Bio &bio = s_.bios[b];
      if (bio.op == BioOp::None) { // model: bio_put() zeroes the slot
        if (!all_zero(bio)) return fail("bio", "bio #{} is free but not zero", b);
        continue;
      }
      if (!bio_fields(b, bio) || !bio_pages(b, bio) || !bio_owned(b, bio)) return false;
    }
    for (int b = 0; b < kMaxBios; ++b) // 4.15 block/bio.c bio_check_pages_dirty(): completed bios
      if (s_.bio_dirty_list & (1u << b)) {
        const Bio &bio = s_.bios[b];
        if (bio.state != BioState::Completed || !(bio.flags & BIO_DIRTY_LIST))
          return fail("bio", "bio #{} is on bio_dirty_list but not a completed, deferred bio", b);
      }
    return true;
  }

  bool bio_fields(int b, const Bio &bio) {
    if (bio.op > BioOp::Write || bio.end_io == BioEndIo::None ||
        bio.end_io > BioEndIo::IomapDioBioEndIo || bio.state > BioState::Completed)
      return fail("bio", "bio #{}: op {}, end_io {}, state {}", b, int(bio.op), int(bio.end_io),
                  int(bio.state));
    // 4.15 block/bio.c bio_add_page(): bi_vcnt never exceeds bi_max_vecs
    if (bio.vcnt > kBioPages) return fail("bio", "bio #{}: vcnt {} > kBioPages", b, bio.vcnt);
    if (bio.flags & ~kBioFlags) return fail("bio", "bio #{}: flags {:#x}", b, bio.flags);
    if (bio.pad_) return fail("padding", "bio #{}: padding is not zero", b);
    for (int i = bio.vcnt; i < kBioPages; ++i) // model: bio_add_page() fills slots in order
      if (bio.page[i] || bio.sector[i] || bio.captured[i])
        return fail("bio", "bio #{}: slot {} beyond vcnt {} is not zero", b, i, bio.vcnt);
    if (bio.done & ~low_bits(bio.vcnt))
      return fail("bio", "bio #{}: done {:#x} beyond vcnt {}", b, bio.done, bio.vcnt);
    switch (bio.state) {
    case BioState::Free: // allocated, being built: only direct I/O builds across steps
      if (!dio_bio(bio) || bio.done)
        return fail("bio", "bio #{} (end_io {}) is under construction with done {:#x}", b,
                    int(bio.end_io), bio.done);
      break;
    case BioState::InFlight:
      if (!bio.vcnt) return fail("bio", "bio #{} is in flight with no pages", b);
      break;
    case BioState::Completed: // the completion interrupt needs every page transferred
      if (bio.done != low_bits(bio.vcnt))
        return fail("bio", "bio #{} completed with done {:#x} of {} pages", b, bio.done, bio.vcnt);
      break;
    }
    if ((bio.flags & BIO_DIRTY_LIST) && bio.state != BioState::Completed)
      return fail("bio", "bio #{} is deferred to bio_dirty_fn before completing", b);
    if (dio_bio(bio) ? !(bio.owner >= 0 && bio.owner < cfg_.ncpus)
                     : !(bio.owner >= 0 && bio.owner < nfiles_))
      return fail("bio", "bio #{} (end_io {}): owner {}", b, int(bio.end_io), bio.owner);
    if (bio.end_io != BioEndIo::DioBioEndIo && bio.op != BioOp::Read &&
        bio.end_io != BioEndIo::Ext4EndBio)
      return fail("bio", "bio #{}: end_io {} on a write", b, int(bio.end_io));
    if (!dio_bio(bio)) { // ext4 writeback and read-in: one page, submitted at once, ended at once
      if (bio.state != BioState::InFlight || bio.vcnt != 1 ||
          (bio.op == BioOp::Write) != (bio.end_io == BioEndIo::Ext4EndBio))
        return fail("bio", "bio #{} (end_io {}): state {}, {} pages", b, int(bio.end_io),
                    int(bio.state), bio.vcnt);
    }
    return true;
  }

  bool bio_pages(int b, const Bio &bio) {
    for (int i = 0; i < bio.vcnt; ++i) {
      const int id = bio.page[i];
      // dio_bio_complete() has put the pages before its a1: they may be gone
      if (completing_[b] && i < completed_upto_[b]) continue;
      if (bio.sector[i] < 0 || bio.sector[i] >= s_.next_block)
        return fail("bio", "bio #{}: page {} goes to block {}, not allocated", b, i, bio.sector[i]);
      if (dio_bio(bio)) {
        if (id == kZeroPage) continue; // a direct write from a read-only anonymous page
        // bio_release_page() empties the slots it releases, after completion
        if (id == kNone && bio.state == BioState::Completed) continue;
      }
      if (!valid_page(id) || !s_.pages[id].in_use)
        return fail("bio", "bio #{} ({}) page {} is {}, not a page in use", b,
                    bio.state == BioState::InFlight ? "in flight" : "not in flight", i, page(id));
      const Page &p = s_.pages[id];
      if (bio.end_io == BioEndIo::Ext4EndBio) {
        // 4.15 mm/filemap.c end_page_writeback(): BUG() unless PageWriteback
        if (!(p.flags & PG_writeback) || p.mapping < 0)
          return fail("bio", "writeback bio #{} holds {} without PG_writeback", b, page(id));
      } else if (bio.end_io == BioEndIo::MpageEndIo) {
        // 4.15 mm/filemap.c unlock_page(): VM_BUG_ON_PAGE(!PageLocked(page)) at
        // mpage_end_io(); the read-in page is not uptodate before it
        if (!(p.flags & PG_locked) || (p.flags & PG_uptodate) || p.mapping != bio.owner)
          return fail("bio", "read-in bio #{} of {} holds {} (flags {:#x})", b, file(bio.owner),
                      page(id), p.flags);
      }
    }
    return true;
  }

  // A bio lives across steps only while someone will finish it.
  bool bio_owned(int b, const Bio &bio) {
    const Dio &d = s_.tasks[bio.owner < kMaxTasks && bio.owner >= 0 ? bio.owner : 0].dio;
    if (bio.state == BioState::Free) {
      if (d.cur_bio == b || (d.presubmit & (1u << b)) || building_[b] == bio.owner) return true;
      return fail("bio", "bio #{} is under construction but no task of owner {} builds it", b,
                  bio.owner);
    }
    if (bio.state != BioState::Completed) return true;
    if (bio.flags & BIO_DIRTY_LIST) {
      if ((s_.bio_dirty_list & (1u << b)) || (dirty_fn_taken_ & (1u << b))) return true;
      return fail("bio", "bio #{} is deferred, but neither queued nor taken by bio_dirty_fn", b);
    }
    // 4.15 fs/direct-io.c dio_bio_end_io(): a completed bio waits on dio->bio_list
    // for dio_await_one(), or is being completed by dio_bio_complete()
    if (bio.end_io == BioEndIo::DioBioEndIo &&
        ((d.bio_list & (1u << b)) || completing_task_[b] == bio.owner))
      return true;
    return fail("bio", "completed bio #{} (end_io {}) is nobody's to complete", b, int(bio.end_io));
  }

  // ---- struct dio against the bios ----
  bool dios() {
    for (int t = 0; t <= cfg_.last_task(); ++t) {
      const Dio &d = s_.tasks[t].dio;
      auto owned = [&](int b) {
        const Bio &bio = s_.bios[b];
        return bio.op != BioOp::None && dio_bio(bio) && bio.owner == t;
      };
      if (d.cur_bio != kNone && (!owned(d.cur_bio) || s_.bios[d.cur_bio].state != BioState::Free))
        return fail("dio", "task {}: cur_bio #{} is not a bio it is building", t, d.cur_bio);
      int in_flight = 0;
      for (int b = 0; b < kMaxBios; ++b) {
        if ((d.presubmit & (1u << b)) && (!owned(b) || s_.bios[b].state != BioState::Free))
          return fail("dio", "task {}: presubmit bio #{} is not a bio it is building", t, b);
        // 4.15 fs/direct-io.c dio_await_one(): bio_list holds completed bios
        if ((d.bio_list & (1u << b)) && (!owned(b) || s_.bios[b].state != BioState::Completed ||
                                         s_.bios[b].end_io != BioEndIo::DioBioEndIo))
          return fail("dio", "task {}: bio_list bio #{} is not its completed bio", t, b);
        in_flight += owned(b) && s_.bios[b].state == BioState::InFlight;
      }
      // 4.15 fs/direct-io.c dio->refcount / >= 5.5 iomap dio->ref: one per bio
      // submitted and not yet completed (presubmitted bios counted already)
      const int expect = in_flight + __builtin_popcount(d.presubmit);
      if (d.refcount != expect)
        return fail("dio", "task {}: dio refcount {} but {} bios in flight and {} presubmitted", t,
                    d.refcount, in_flight, __builtin_popcount(d.presubmit));
    }
    return true;
  }

  // ---- long-term pin sets ----
  bool pin_sets() {
    for (int slot = 0; slot < kMaxPins; ++slot) {
      const PinSet &pin = s_.pins[slot];
      if (!pin.flags) {
        if (!all_zero(pin)) return fail("pin-set", "pin set {} is free but not zero", slot);
        continue;
      }
      if ((pin.flags & ~kPinFlags) || !(pin.flags & PIN_USED))
        return fail("pin-set", "pin set {}: flags {:#x}", slot, pin.flags);
      // model: a registration pins (FOLL_PIN) exactly when the variant counts pins
      if (bool(pin.flags & PIN_COUNTED) != (cfg_.variant->pin_bias != 0))
        return fail("pin-set", "pin set {}: PIN_COUNTED {} with pin_bias {}", slot,
                    int(bool(pin.flags & PIN_COUNTED)), cfg_.variant->pin_bias);
      if (pin.first > pin.npages || pin.npages > kDioPages)
        return fail("pin-set", "pin set {}: first {} npages {}", slot, pin.first, pin.npages);
      // registered pages stay until release starts, which stops the device first
      if ((pin.flags & PIN_LIVE) && pin.first)
        return fail("pin-set", "pin set {} is live with {} pages released", slot, pin.first);
      if (pin.written & ~low_bits(pin.npages))
        return fail("pin-set", "pin set {}: written {:#x} beyond {} pages", slot, pin.written,
                    pin.npages);
      for (int i = 0; i < kDioPages; ++i) {
        const int id = pin.page[i];
        if (i < pin.first || i >= pin.npages) {
          if (id)
            return fail("pin-set", "pin set {}: released or unused slot {} is {}", slot, i, id);
          continue;
        }
        if (id != kZeroPage && (!valid_page(id) || !s_.pages[id].in_use))
          return fail("pin-set", "pin set {}: page {} is {}, not a page in use", slot, i, page(id));
      }
    }
    return true;
  }

  // ---- reclaim's isolated pages ----
  // 4.15 mm/vmscan.c: isolate_lru_pages() takes pages off the LRU with a
  // reference each, which putback_inactive_pages()/move_active_pages_to_lru()
  // give back. The model keeps them in frame-local masks: shrink_active_list()
  // a2..a3 (all isolated), shrink_page_list() a0..a1 (still to look at), a4..a5
  // (kept) and a2 (the current page, from pc 1 on). shrink_inactive_list() and
  // reclaim_pages() hold their masks only while shrink_page_list() runs above
  // them, and that frame's masks are the current truth (freed pages leave them).
  bool isolation() {
    for (int t = 0; t <= cfg_.last_task(); ++t) {
      const Task &task = s_.tasks[t];
      for (int i = 0; i < task.nframes; ++i) {
        const Frame &f = task.frames[i];
        uint32_t mask = 0, todo = 0;
        if (fn_of(f) == Fn::shrink_active_list) {
          mask = mask_get(f, 2);
          if (mask_get(f, 0) & ~mask)
            return fail("isolation",
                        "task {}: shrink_active_list() looks at pages it did not "
                        "isolate",
                        t);
        } else if (fn_of(f) == Fn::shrink_page_list) {
          todo = mask_get(f, 0);
          const uint32_t kept = mask_get(f, 4);
          if (todo & kept)
            return fail("isolation",
                        "task {}: shrink_page_list() both keeps and has yet to look "
                        "at pages {:#x}",
                        t, todo & kept);
          mask = todo | kept;
          if (f.pc != 0) {
            if (!valid_page(f.a[2]) || (mask & (1u << f.a[2])))
              return fail("isolation", "task {}: shrink_page_list() current page {}", t, f.a[2]);
            mask |= 1u << f.a[2];
          }
        } else {
          continue;
        }
        if (mask & ~low_bits(kMaxPages))
          return fail("isolation", "task {}: isolated mask {:#x} beyond kMaxPages", t, mask);
        for (int id = 0; id < kMaxPages; ++id) {
          if (!(mask & (1u << id))) continue;
          if (!s_.pages[id].in_use)
            return fail("isolation", "task {} has isolated page #{}, which is free", t, id);
          // 4.15 mm/vmscan.c putback_inactive_pages(): VM_BUG_ON_PAGE(PageLRU(page), page)
          if (s_.pages[id].flags & PG_lru)
            return fail("isolation", "{} is isolated by task {} but has PG_lru", page(id), t);
          if (isolated_[id]) return fail("isolation", "{} is isolated twice", page(id));
          isolated_[id] = 1;
          // 4.15 mm/vmscan.c shrink_page_list(): VM_BUG_ON_PAGE(PageActive(page), page)
          if ((todo & (1u << id)) && (s_.pages[id].flags & PG_active))
            return fail("isolation", "{} waits in shrink_page_list() with PG_active", page(id));
        }
      }
    }
    for (int id = 0; id < kMaxPages; ++id) {
      const Page &p = s_.pages[id];
      if (!p.in_use || (p.flags & PG_lru) || isolated_[id] || p.mapping == kAnon) continue;
      if (bounce_buffer(id)) continue;
      // 4.15 mm/swap.c: a page-cache page is on an LRU list from
      // add_to_page_cache_lru() until it is freed, except while isolated; so is an
      // orphan that truncation took out of the cache
      return fail("lru",
                  "{} is neither on an LRU list, nor isolated by reclaim, nor "
                  "anonymous, nor a bounce buffer",
                  page(id));
    }
    return true;
  }

  bool bounce_buffer(int id) const {
    for (int t = 0; t <= cfg_.last_task(); ++t)
      for (int8_t b : s_.tasks[t].dio.bounce)
        if (b == id) return true;
    return false;
  }

  // ---- reference counts against their holders ----
  bool accounting() {
    std::array<int, kMaxPages> ptes{}, plain{}, pinned{}, queued{}, writeback_bios{};
    for (int vp = 0; vp < kMaxVpages; ++vp) {
      const Pte &pte = s_.mm.pte[vp];
      if ((pte.bits & PTE_P) && valid_page(pte.page)) ++ptes[pte.page];
    }
    for (int b = 0; b < kMaxBios; ++b) {
      const Bio &bio = s_.bios[b];
      if (bio.op == BioOp::None) continue;
      if (bio.end_io == BioEndIo::Ext4EndBio && valid_page(bio.page[0]))
        ++writeback_bios[bio.page[0]];
      if (!dio_bio(bio) || (bio.flags & BIO_BOUNCED)) continue; // no references of their own
      // dio_bio_complete() has put the pages before its a1 without emptying the slots
      const int from = completing_[b] ? completed_upto_[b] : 0;
      for (int i = std::max(from, 0); i < bio.vcnt; ++i)
        if (valid_page(bio.page[i]))
          ++((bio.flags & BIO_PAGE_PINNED) ? pinned : plain)[bio.page[i]];
    }
    for (const PinSet &pin : s_.pins)
      for (int i = pin.first; i < pin.npages && i < kDioPages; ++i)
        if (valid_page(pin.page[i])) ++((pin.flags & PIN_COUNTED) ? pinned : plain)[pin.page[i]];
    for (int t = 0; t <= cfg_.last_task(); ++t) {
      const Dio &d = s_.tasks[t].dio;
      if (valid_page(d.cur_page)) ++plain[d.cur_page]; // "It is in dio"
      for (int8_t b : d.bounce)
        if (valid_page(b)) ++plain[b]; // the allocation's reference
      for (int i = d.head; i < d.tail && i < kDioPages; ++i)
        if (valid_page(d.pages[i])) ++queued[d.pages[i]]; // GUP'd: FOLL_GET or FOLL_PIN
    }
    // No local holds a reference: no CPU or kworker is in the kernel, and the
    // end task is at most in final_sync() itself, which holds none.
    bool quiescent = !s_.crashed;
    for (int t = 0; t <= cfg_.last_task(); ++t)
      quiescent = quiescent && s_.tasks[t].nframes <= (t == cfg_.final_task() ? 1 : 0);
    for (int id = 0; id < kMaxPages; ++id) {
      const Page &p = s_.pages[id];
      if (!p.in_use) continue;
      // 4.15 mm/rmap.c page_remove_rmap(): _mapcount counts the PTEs mapping the page
      if (p._mapcount != ptes[id])
        return fail("mapcount", "{}: _mapcount {} but {} present PTEs map it", page(id),
                    p._mapcount, ptes[id]);
      // >= 5.7 mm/gup.c: every FOLL_PIN holder is a pinned bio, a FOLL_PIN pin set
      // or GUP output not yet in its bio
      const int queued_pins = p.pins - pinned[id];
      if (queued_pins < 0 || queued_pins > queued[id])
        return fail("pins", "{}: {} pins, but {} pinned holders and {} GUP'd pages queued",
                    page(id), p.pins, pinned[id], queued[id]);
      const bool cached = p.mapping >= 0;
      const bool bufs = p.flags & PG_private;
      const int lower = int(cached) + int(bufs) + ptes[id] + isolated_[id] + plain[id] +
                        (queued[id] - queued_pins) + p.pins * pin_refs_;
      // every get_page() not yet matched by put_page(); put_page_testzero()'s
      // VM_BUG_ON_PAGE(page_ref_count(page) == 0) fires when one is missing.
      // When no local can hold one (`quiescent`), every reference has a
      // recorded holder: one more is a leak (model).
      if (quiescent && p._refcount > lower)
        return fail("refcount",
                    "{}: _refcount {} > {} held with no CPU in the kernel (cache {}, buffers "
                    "{}, PTEs {}, references {}, GUP queue {}, pins {} x {}): a leaked reference",
                    page(id), p._refcount, lower, int(cached), int(bufs), ptes[id], plain[id],
                    queued[id] - queued_pins, p.pins, pin_refs_);
      if (p._refcount < lower)
        return fail("refcount",
                    "{}: _refcount {} < {} held (cache {}, buffers {}, PTEs {}, isolation {}, "
                    "references {}, GUP queue {}, pins {} x {})",
                    page(id), p._refcount, lower, int(cached), int(bufs), ptes[id], isolated_[id],
                    plain[id], queued[id] - queued_pins, p.pins, pin_refs_);
      // 4.15 fs/ext4/page-io.c: PG_writeback from ext4_bio_write_page() to
      // ext4_finish_bio()'s end_page_writeback(), with its one bio in flight
      const int want = (p.flags & PG_writeback) ? 1 : 0;
      if (writeback_bios[id] != want)
        return fail("writeback", "{}: PG_writeback {} but {} writeback bios hold it", page(id),
                    want, writeback_bios[id]);
    }
    return true;
  }

  const State &s_;
  const Config &cfg_;
  const int nfiles_;
  const int pin_refs_;
  std::string msg_;
  std::array<int, kMaxPages> isolated_{};
  std::array<bool, kMaxBios> completing_{};
  std::array<int, kMaxBios> completed_upto_{};
  std::array<int, kMaxBios> completing_task_{};
  std::array<int, kMaxBios> building_{};
  uint32_t dirty_fn_taken_ = 0;
};

} // namespace

std::string System::check_consistency(const State &s) const {
  return Checker(s, cfg_).run();
}

} // namespace pagerace::model
