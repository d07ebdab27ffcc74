// The model state as the HTML timeline shows it: every page in use (struct
// page flags, references, buffers, contents against the disk), every PTE in
// use, the disk blocks of the files, bios in flight and the tasks' waits.
// Field names are the kernel's where the kernel has one.
#include "model/system.hpp"

#include <fmt/format.h>

namespace pagerace::model {

namespace {

std::string flag(bool on) {
  return on ? "1" : "0";
}

std::string bh_state(uint8_t b) {
  std::string s;
  for (auto [bit, name] : {std::pair{BH_Uptodate, "Uptodate"},
                           {BH_Dirty, "Dirty"},
                           {BH_Lock, "Lock"},
                           {BH_Mapped, "Mapped"},
                           {BH_New, "New"},
                           {BH_Delay, "Delay"},
                           {BH_Async_Write, "Async_Write"},
                           {BH_Unwritten, "Unwritten"}})
    if (b & bit) s += (s.empty() ? "" : " ") + std::string(name);
  return s.empty() ? "-" : s;
}

} // namespace

trace::Snapshot System::snapshot(const State &s) const {
  trace::Snapshot snap;
  auto page_name = [&](int id) -> std::string {
    if (id == kZeroPage) return "ZERO_PAGE";
    if (id < 0 || id >= kMaxPages) return "-";
    const Page &p = s.pages[id];
    if (p.mapping >= 0)
      return fmt::format("page {} of {}", p.index, sc_.files[static_cast<size_t>(p.mapping)].name);
    if (p.mapping == kAnon) return fmt::format("anon page #{}", id);
    return fmt::format("page #{}", id);
  };
  for (int id = 0; id < kMaxPages; ++id) {
    const Page &p = s.pages[id];
    if (!p.in_use) continue;
    trace::Object o{"page", page_name(id), {}, fmt::format("page#{}", id)};
    auto add = [&](const char *n, std::string v) { o.fields.push_back({n, std::move(v)}); };
    add("PG_locked", flag(p.flags & PG_locked));
    add("PG_dirty", flag(p.flags & PG_dirty));
    add("PG_writeback", flag(p.flags & PG_writeback));
    add("PG_uptodate", flag(p.flags & PG_uptodate));
    add("PG_lru", flag(p.flags & PG_lru));
    add("PG_active", flag(p.flags & PG_active));
    add("PG_private (buffers)", flag(p.flags & PG_private));
    add("buffer_head", (p.flags & PG_private) ? bh_state(p.bh.b_state) : "-");
    add("_refcount", std::to_string(p._refcount));
    add("_mapcount", std::to_string(p._mapcount));
    if (cfg_.variant->pin_bias > 0) add("pins", std::to_string(p.pins));
    add("data", token_name(sc_, p.data));
    if (p.mapping >= 0) {
      const Inode &ino = s.inodes[p.mapping];
      const int16_t blk = p.index < kMaxFilePages ? ino.block[p.index] : kHole;
      add("disk", blk >= 0 ? token_name(sc_, s.disk[blk]) : blk == kDelayed ? "delalloc" : "hole");
    }
    snap.objects.push_back(std::move(o));
  }
  for (int v = 0; v < kMaxVpages; ++v) {
    const Pte &pte = s.mm.pte[v];
    if (!pte.bits && !pte.page) continue;
    trace::Object o{"pte", fmt::format("PTE {}", v), {}, fmt::format("pte#{}", v)};
    o.fields.push_back({"present", flag(pte.bits & PTE_P)});
    o.fields.push_back({"writable", flag(pte.bits & PTE_W)});
    o.fields.push_back({"dirty", flag(pte.bits & PTE_D)});
    o.fields.push_back({"young", flag(pte.bits & PTE_A)});
    o.fields.push_back({"page", (pte.bits & PTE_P) ? page_name(pte.page) : "-"});
    snap.objects.push_back(std::move(o));
  }
  // Each file: its size, its page cache and, per page index, the disk.
  for (size_t f = 0; f < sc_.files.size() && f < static_cast<size_t>(kMaxFiles); ++f) {
    const Inode &ino = s.inodes[f];
    trace::Object o{"inode", sc_.files[f].name, {}};
    o.fields.push_back({"i_size (pages)", std::to_string(ino.i_size)});
    o.fields.push_back({"I_DIRTY_PAGES", flag(ino.i_state & I_DIRTY_PAGES)});
    for (int i = 0; i < kMaxFilePages && i < sc_.files[f].pages; ++i) {
      const int16_t blk = ino.block[i];
      o.fields.push_back(
          {fmt::format("page cache [{}]", i), ino.page[i] >= 0 ? page_name(ino.page[i]) : "-"});
      o.fields.push_back({fmt::format("disk [{}]", i),
                          blk >= 0 ? fmt::format("block {}: {}", blk, token_name(sc_, s.disk[blk]))
                          : blk == kDelayed ? "delalloc"
                                            : "hole"});
    }
    snap.objects.push_back(std::move(o));
  }
  {
    trace::Object o{"lru", "LRU lists", {}};
    for (int l = 0; l < 2; ++l) {
      std::string pages;
      for (int i = 0; i < s.lru_len[l]; ++i)
        pages += (i ? ", " : "") + page_name(s.lru[l][i]);
      o.fields.push_back({l ? "active file" : "inactive file", pages.empty() ? "-" : pages});
    }
    snap.objects.push_back(std::move(o));
  }
  for (int b = 0; b < kMaxBios; ++b) {
    const Bio &bio = s.bios[b];
    if (bio.state == BioState::Free) continue;
    trace::Object o{"bio", fmt::format("bio #{}", b), {}};
    o.fields.push_back({"op", bio.op == BioOp::Read ? "READ" : "WRITE"});
    o.fields.push_back({"state", bio.state == BioState::InFlight ? "in flight" : "completed"});
    std::string pages;
    for (int i = 0; i < bio.vcnt; ++i)
      pages += (i ? ", " : "") + page_name(bio.page[i]);
    o.fields.push_back({"pages", pages});
    snap.objects.push_back(std::move(o));
  }
  // Actors to tasks as System::step maps them; the device has no task.
  for (int a = 0; a < num_actors(); ++a) {
    if (a == cfg_.device_actor()) continue;
    const int t = a < cfg_.ncpus              ? a
                  : a == cfg_.kworker_actor() ? cfg_.kworker_task()
                  : a == cfg_.flusher_actor() ? cfg_.flusher_task()
                                              : cfg_.final_task();
    const Task &task = s.tasks[t];
    if (task.state == TaskState::Idle && task.nframes == 0 && task.stmt == 0) continue;
    trace::Object o{"task", actor_name(a), {}};
    o.fields.push_back({"state", task.state == TaskState::Done      ? "done"
                                 : task.wait != Wait::None          ? "waiting"
                                 : task.state == TaskState::Running ? "running"
                                                                    : "idle"});
    o.fields.push_back({"frames", std::to_string(task.nframes)});
    if (task.nframes)
      o.fields.push_back({"in", fn_name(static_cast<Fn>(task.frames[task.nframes - 1].fn))});
    snap.objects.push_back(std::move(o));
  }
  return snap;
}

} // namespace pagerace::model
