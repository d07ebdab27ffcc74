// Ctx: the call/return/sleep discipline of framed kernel functions, and the
// trace events they produce when a schedule is replayed for a report.
#include "model/kernel/ctx.hpp"

#include "model/invariants/invariant.hpp"
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow Ctx::call(Frame &f, int next_pc, Fn fn, int a0, int a1, int a2, int a3, int a4, int a5,
               int a6) {
  f.pc = static_cast<uint8_t>(next_pc);
  Task &t = task();
  if (t.nframes >= kMaxFrames)
    model_error(fmt::format("frame stack overflow calling {}", fn_name(fn)));
  Frame &callee = t.frames[t.nframes];
  callee = Frame{
      static_cast<uint8_t>(fn),
      0,
      {int16_t(a0), int16_t(a1), int16_t(a2), int16_t(a3), int16_t(a4), int16_t(a5), int16_t(a6)}};
  ++t.nframes;
  reached(fn);
  if (rec_ && fn_shown(fn)) emit(trace::EventKind::Call, fn_name(fn), -1);
  return Flow::Next;
}

Flow Ctx::ret(int32_t value) {
  Task &t = task();
  t.ret = value;
  returned_ = true;
  --t.nframes;
  t.frames[t.nframes] = Frame{}; // keep unused slots zero: states compare as bytes
  return Flow::Next;
}

Flow Ctx::sleep(Frame &f, int next_pc, Wait wait, int arg) {
  f.pc = static_cast<uint8_t>(next_pc);
  wait_reads(wait, arg); // whether the task can go on depends on it from now
  task().wait = wait;
  task().wait_arg = static_cast<int16_t>(arg);
  return Flow::Yield;
}

Flow Ctx::yield(Frame &f, int next_pc) {
  return sleep(f, next_pc, Wait::None, 0);
}

void Ctx::wait_reads(Wait wait, int arg) const {
  switch (wait) {
  case Wait::None:
  case Wait::DioEvent:
  case Wait::AioDone: return; // the task's own struct dio
  case Wait::PageUnlocked:
  case Wait::PageNotWriteback:
  case Wait::PageUnpinned: page(arg); return;
  case Wait::VarAssigned: vars_set(); return;
  case Wait::MmapSemRead:
  case Wait::MmapSemWrite: mmap_sem(); return;
  case Wait::IRwsemRead:
  case Wait::IRwsemWrite: inode(arg); return;
  case Wait::AllCpusDone:
    for (int c = 0; c < cfg.ncpus; ++c)
      task_of(c);
    return;
  case Wait::BiosDrained:
    bios();
    task_of(cfg.kworker_task());
    bio_dirty_list();
    task_of(cfg.flusher_task());
    wb_state();
    return;
  }
}

bool Ctx::is_kswapd() const {
  if (tid_ < 0) return false; // the device: interrupt context
  const Task &t = s_.tasks[tid_];
  for (int i = 0; i < t.nframes; ++i)
    if (t.frames[i].fn == static_cast<uint8_t>(Fn::kswapd)) return true;
  return false;
}

// kswapd runs with PF_MEMALLOC; reclaim_pages() sets it around its work
// (6.1 mm/vmscan.c: memalloc_noreclaim_save()).
bool Ctx::in_memalloc() const {
  if (tid_ < 0) return false;
  if (is_kswapd()) return true;
  const Task &t = s_.tasks[tid_];
  for (int i = 0; i < t.nframes; ++i)
    if (t.frames[i].fn == static_cast<uint8_t>(Fn::reclaim_pages)) return true;
  return false;
}

int Ctx::depth() const {
  if (tid_ < 0) return plain_depth_;
  return s_.tasks[tid_].nframes + plain_depth_;
}

void Ctx::enter_plain(Fn fn, const std::string &detail) {
  reached(fn);
  if (rec_ && fn_shown(fn))
    emit(trace::EventKind::Call,
         detail.empty() ? std::string(fn_name(fn)) : fmt::format("{}({})", fn_name(fn), detail));
  ++plain_depth_;
}

void Ctx::emit(trace::EventKind kind, std::string text, int depth_adjust) {
  if (!rec_) return;
  int d = depth() + depth_adjust;
  rec_->events.push_back(trace::Event{step_, actor_, d < 0 ? 0 : d, kind, std::move(text)});
}

void Ctx::violate(int kind, const char *site, const std::string &reason) {
  out_.violations |= 1u << kind;
  if (rec_)
    emit(trace::EventKind::Violation,
         fmt::format("{}|{}|{}", all_invariants()[static_cast<size_t>(kind)]->kind, site, reason));
}

void Ctx::bug(const char *site, const std::string &reason) {
  crashed() = 1;
  note("kernel BUG at {}: {}", site, reason);
}

void Ctx::model_error(const std::string &what) const {
  std::string stack;
  if (tid_ >= 0)
    for (int i = 0; i < s_.tasks[tid_].nframes; ++i)
      stack += fmt::format("{}{}@{}", i ? " > " : "", fn_name(Fn(s_.tasks[tid_].frames[i].fn)),
                           s_.tasks[tid_].frames[i].pc);
  throw std::logic_error("pagerace model error: " + what +
                         (stack.empty() ? "" : " [" + stack + "]"));
}

void Ctx::capacity_error(const char *what, int limit) const {
  scenario_error(
      fmt::format("the scenario is too large for the model: it needs more than the {} {} "
                  "the model has; use fewer or smaller files, mappings or requests",
                  limit, what));
}

void Ctx::scenario_error(const std::string &what) const {
  const scenario::Scenario &sc = *cfg.sc;
  scenario::SourcePos pos{sc.source, 0, 0};
  std::string who = "the initial state";
  if (tid_ >= 0 && tid_ < cfg.ncpus) {
    const scenario::Cpu &cpu = sc.cpus[static_cast<size_t>(tid_)];
    const size_t stmt = s_.tasks[tid_].stmt;
    if (stmt < cpu.ops.size()) pos = cpu.ops[stmt].pos;
    who = cpu.name;
  } else if (actor_ == cfg.device_actor()) {
    who = "the device";
  } else if (tid_ == cfg.kworker_task()) {
    who = "the kworker";
  } else if (tid_ == cfg.flusher_task()) {
    who = "the flusher's kworker";
  } else if (tid_ == cfg.final_task()) {
    who = "the end-of-scenario sync";
  }
  throw ScenarioRuntimeError(pos, fmt::format("{} (in {})", what, who));
}

std::string Ctx::page_name(int id) const {
  if (id == kZeroPage) return "ZERO_PAGE";
  const Page &p = s_.pages[id];
  if (p.mapping >= 0)
    return fmt::format("page {} of {}", p.index,
                       cfg.sc->files[static_cast<size_t>(p.mapping)].name);
  if (p.mapping == kAnon) return fmt::format("anon page #{}", id);
  return fmt::format("page #{}", id);
}

StepFn step_fn(Fn fn) {
  switch (fn) {
#define FRAMED(name)                                                                               \
  case Fn::name: return &name;
    FRAMED(sys_mmap)
    FRAMED(sys_munmap)
    FRAMED(sys_open)
    FRAMED(sys_close)
    FRAMED(sys_read)
    FRAMED(sys_write)
    FRAMED(user_store)
    FRAMED(user_load)
    FRAMED(sys_msync)
    FRAMED(sys_fsync)
    FRAMED(sys_sync)
    FRAMED(kswapd)
    FRAMED(wb_workfn)
    FRAMED(final_sync)
    FRAMED(handle_mm_fault)
    FRAMED(do_read_fault)
    FRAMED(do_shared_fault)
    FRAMED(do_cow_fault)
    FRAMED(do_wp_page)
    FRAMED(wp_page_shared)
    FRAMED(do_page_mkwrite)
    FRAMED(filemap_fault)
    FRAMED(lock_page)
    FRAMED(wait_on_page_writeback)
    FRAMED(wait_on_page_locked)
    FRAMED(generic_file_buffered_read)
    FRAMED(generic_perform_write)
    FRAMED(grab_cache_page_write_begin)
    FRAMED(__filemap_fdatawrite_range)
    FRAMED(filemap_fdatawait_range)
    FRAMED(filemap_write_and_wait_range)
    FRAMED(invalidate_inode_pages2_range)
    FRAMED(get_user_pages_fast)
    FRAMED(get_user_pages_unlocked)
    FRAMED(__get_user_pages)
    FRAMED(faultin_page)
    FRAMED(set_page_dirty_lock)
    FRAMED(do_writepages)
    FRAMED(balance_pgdat)
    FRAMED(shrink_active_list)
    FRAMED(shrink_inactive_list)
    FRAMED(shrink_page_list)
    FRAMED(block_page_mkwrite)
    FRAMED(do_blockdev_direct_IO)
    FRAMED(do_direct_IO)
    FRAMED(dio_get_page)
    FRAMED(dio_refill_pages)
    FRAMED(iov_iter_get_pages)
    FRAMED(dio_await_completion)
    FRAMED(dio_bio_complete)
    FRAMED(ext4_direct_IO)
    FRAMED(ext4_page_mkwrite)
    FRAMED(ext4_writepages)
    FRAMED(ext4_da_write_begin)
    FRAMED(ext4_sync_file)
    FRAMED(__writeback_single_inode)
    FRAMED(sync_inodes_sb)
    // fix lab: pins and DIO
    FRAMED(ib_umem_get)
    FRAMED(ib_umem_release)
    FRAMED(get_user_pages_longterm)
    FRAMED(pin_user_pages_fast)
    FRAMED(unpin_user_pages_dirty_lock)
    FRAMED(sys_io_submit)
    FRAMED(sys_io_getevents)
    FRAMED(ext4_dio_read_iter)
    FRAMED(iomap_dio_rw)
    FRAMED(iomap_dio_bio_iter)
    FRAMED(iomap_dio_bounce_copy)
    FRAMED(bio_iov_iter_get_pages)
    FRAMED(bio_set_pages_dirty)
    FRAMED(bio_dirty_fn)
    FRAMED(bio_release_pages)
    // (end of the pins / DIO block)
    // fix lab: madvise, fadvise, sync_file_range, truncate
    FRAMED(sys_madvise)
    FRAMED(reclaim_pages)
    FRAMED(sys_fadvise64)
    FRAMED(invalidate_mapping_pages)
    FRAMED(sys_sync_file_range)
    FRAMED(sys_truncate)
    FRAMED(ext4_setattr)
    FRAMED(truncate_pagecache)
    FRAMED(truncate_inode_pages_range)
    // (end of the madvise / truncate block)
    // fix lab: writeback and reclaim of pinned pages
    FRAMED(wait_for_page_unpinned)
    // (end of the writeback / reclaim block)
#undef FRAMED
  default: return nullptr;
  }
}

} // namespace pagerace::model
