// Scenario -> translated scenario (text, parsed) -> probe plan.
#include "reality/translate.hpp"

#include "scenario/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace pagerace::reality {

namespace {

using scenario::Arg;
using scenario::Op;
using scenario::OpCode;
namespace flags = scenario::flags;

constexpr int64_t kPageBytes = 4096;

// The scenario call names of the calls the probe runs.
const char *call_name(OpCode c) {
  switch (c) {
  case OpCode::Mmap: return "mmap";
  case OpCode::Munmap: return "munmap";
  case OpCode::Open: return "open";
  case OpCode::Close: return "close";
  case OpCode::Read: return "read";
  case OpCode::Write: return "write";
  case OpCode::Pread: return "pread";
  case OpCode::Pwrite: return "pwrite";
  case OpCode::Store: return "store";
  case OpCode::Load: return "load";
  case OpCode::Msync: return "msync";
  case OpCode::Fsync: return "fsync";
  case OpCode::Fdatasync: return "fdatasync";
  case OpCode::Sync: return "sync";
  case OpCode::Madvise: return "madvise";
  case OpCode::Fadvise: return "posix_fadvise";
  case OpCode::SyncFileRange: return "sync_file_range";
  case OpCode::IoSubmit: return "io_submit";
  case OpCode::IoGetevents: return "io_getevents";
  case OpCode::Truncate: return "truncate";
  default: return nullptr;
  }
}

// Why a call has no user-space form here, or nullptr.
const char *refusal(OpCode c) {
  switch (c) {
  case OpCode::PinUserPages:
  case OpCode::UnpinUserPages:
    return "pin_user_pages() and unpin_user_pages() are a driver's in-kernel calls (an RDMA "
           "memory registration); no system call reaches them from user space";
  default: return nullptr;
  }
}

struct SharedMap {
  std::string var;
  int file;
  int64_t len;
};

// `named`: if set, a read, write or io_getevents() whose result the
// scenario drops gets a variable of its own (rk_retN), so that what it
// returns on the real kernel is compared with the model (compare_calls()).
std::string statement(const scenario::Scenario &sc, const Op &op, int *named) {
  const bool counted = op.code == OpCode::Read || op.code == OpCode::Pread ||
                       op.code == OpCode::Write || op.code == OpCode::Pwrite ||
                       op.code == OpCode::IoGetevents;
  if (op.target < 0 && named && counted) return fmt::format("rk_ret{} = {}", (*named)++, op.text);
  if (op.target < 0) return op.text;
  const std::string &v = sc.vars[static_cast<size_t>(op.target)].name;
  const size_t eq = op.text.find('=');
  const size_t paren = op.text.find('(');
  if (eq != std::string::npos && (paren == std::string::npos || eq < paren)) return op.text;
  return v + " = " + op.text;
}

// A TOML basic string.
std::string toml_string(const std::string &v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string quoted(const std::vector<std::string> &run) {
  std::string s = "[";
  for (size_t i = 0; i < run.size(); ++i)
    s += (i ? ", " : "") + toml_string(run[i]);
  return s + "]";
}

} // namespace

Translation translate(const scenario::Scenario &sc) {
  for (const auto &f : sc.files) {
    const bool plain = !f.name.empty() && f.name[0] != '.' &&
                       std::all_of(f.name.begin(), f.name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                       });
    if (!plain)
      throw Refused(f.pos, fmt::format("file '{}': the probe creates files by these names, so "
                                       "they must be letters, digits, '_' and '-'",
                                       f.name));
    if (f.stable_writes)
      throw Refused(f.pos, fmt::format("file '{}' needs a device that requires stable pages; the "
                                       "reproducer's loop and NVMe devices do not",
                                       f.name));
    if (!f.buffers)
      throw Refused(f.pos, fmt::format("file '{}' starts cached without buffers, which user "
                                       "space cannot arrange on ext4",
                                       f.name));
  }
  std::vector<SharedMap> shared;
  std::set<int> direct_files, written_files;
  for (const auto &cpu : sc.cpus) {
    const bool kthread = std::any_of(cpu.ops.begin(), cpu.ops.end(), [](const Op &op) {
      return op.code == OpCode::Kswapd || op.code == OpCode::Writeback;
    });
    if (kthread && cpu.ops.size() != 1)
      throw Refused(cpu.pos, fmt::format("CPU '{}': writeback() and kswapd() must be the only "
                                         "call of their CPU to be driven from user space",
                                         cpu.name));
    for (const Op &op : cpu.ops) {
      if (const char *why = refusal(op.code)) throw Refused(op.pos, why);
      if (op.code == OpCode::Mmap && op.args[0].kind == Arg::Kind::Const && op.args[0].value >= 0 &&
          (op.args[1].value & flags::MAP_SHARED) && op.target >= 0) {
        const int file = static_cast<int>(op.args[0].value);
        int64_t len = op.args[2].kind == Arg::Kind::Const ? op.args[2].value : 0;
        if (len <= 0) len = sc.files[static_cast<size_t>(file)].pages * kPageBytes;
        shared.push_back({sc.vars[static_cast<size_t>(op.target)].name, file, len});
      }
      if (op.code == OpCode::Open && op.args[0].kind == Arg::Kind::Const) {
        const int file = static_cast<int>(op.args[0].value);
        if (op.args[1].value & flags::O_DIRECT) direct_files.insert(file);
        if (op.args[1].value & (flags::O_WRONLY | flags::O_RDWR)) written_files.insert(file);
      }
    }
  }
  std::set<int> mapped;
  for (const SharedMap &m : shared)
    mapped.insert(m.file);

  std::string safe;
  for (char c : sc.name)
    safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  std::string text = fmt::format(
      "name = \"{}-real\"\ndescription = \"{} (as run on a real kernel by pagerace reproduce)\"\n"
      "\n[files]\n",
      safe, safe);
  for (const auto &f : sc.files) {
    text += fmt::format("{} = {{ pages = {}", f.name, f.pages);
    if (!f.cached) text += ", cached = false";
    if (f.hole) text += ", hole = true";
    text += " }\n";
  }
  // Files the flusher writes back: the mapped and the written ones.
  std::set<int> flushed = mapped;
  flushed.insert(written_files.begin(), written_files.end());
  if (flushed.empty())
    for (size_t f = 0; f < sc.files.size(); ++f)
      flushed.insert(static_cast<int>(f));

  // The CPUs' run lists, with the results of reads and writes named, or
  // as written (when naming them takes the scenario over its variables).
  std::set<std::string> helpers;
  const auto compose = [&](bool name_results) {
    helpers.clear();
    int count = 0;
    int *named = name_results ? &count : nullptr;
    std::string cpus;
    for (size_t c = 0; c < sc.cpus.size(); ++c) {
      const auto &cpu = sc.cpus[c];
      std::vector<std::string> run;
      const OpCode first = cpu.ops.empty() ? OpCode::Sync : cpu.ops[0].code;
      if (first == OpCode::Writeback) {
        for (int f : flushed)
          run.push_back(fmt::format("rk_wb{} = open({}, O_RDWR)", f, sc.files[size_t(f)].name));
        // The three ways user space makes the kernel write a file back, as
        // the flusher would: data integrity sync, the mapping's sync, and the
        // range writeout that waits before and after.
        for (int f : flushed)
          run.push_back(fmt::format("fdatasync(rk_wb{})", f));
        for (const SharedMap &m : shared)
          run.push_back(fmt::format("msync({}, {}, MS_SYNC)", m.var, m.len));
        for (int f : flushed)
          run.push_back(fmt::format("sync_file_range(rk_wb{}, SYNC_FILE_RANGE_WAIT_BEFORE | "
                                    "SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)",
                                    f));
        helpers.insert(cpu.name);
      } else if (first == OpCode::Kswapd) {
        if (shared.empty())
          throw Refused(
              cpu.ops[0].pos,
              "kswapd() is driven with madvise(MADV_PAGEOUT) on the scenario's shared file "
              "mappings, and it has none (user space can only push mapped pages to "
              "reclaim)");
        // MADV_COLD moves the pages to the inactive list, MADV_PAGEOUT runs
        // them through shrink_page_list: what kswapd does to them.
        for (const SharedMap &m : shared)
          run.push_back(fmt::format("madvise({}, {}, MADV_COLD)", m.var, m.len));
        for (const SharedMap &m : shared)
          run.push_back(fmt::format("madvise({}, {}, MADV_PAGEOUT)", m.var, m.len));
        helpers.insert(cpu.name);
      } else {
        const bool reads = std::any_of(cpu.ops.begin(), cpu.ops.end(), [](const Op &op) {
          return op.code == OpCode::Read || op.code == OpCode::Pread ||
                 op.code == OpCode::IoGetevents;
        });
        if (reads)
          for (int f : mapped)
            run.push_back(
                fmt::format("rk_chk{}_{} = open({}, O_RDWR)", c, f, sc.files[size_t(f)].name));
        for (const Op &op : cpu.ops)
          run.push_back(statement(sc, op, named));
        if (reads)
          for (int f : mapped)
            run.push_back(fmt::format("fdatasync(rk_chk{}_{})", c, f));
      }
      cpus += fmt::format("\n[[cpu]]\nname = {}\nrun = {}\n", toml_string(cpu.name), quoted(run));
    }
    return cpus;
  };
  const std::string head = text;
  scenario::Scenario parsed;
  for (const bool name_results : {true, false}) {
    text = head + compose(name_results);
    try {
      parsed = scenario::parse_scenario(text, "<reproduce>/" + safe + "-real.toml");
      break;
    } catch (const scenario::ParseError &e) {
      if (name_results) continue;
      // The calls added for the drivers and the durability points can take a
      // CPU over a limit of the scenario language.
      throw Refused(sc.cpus.empty() ? scenario::SourcePos{} : sc.cpus[0].pos,
                    "the translated scenario is not valid (" + e.message() +
                        "); pagerace reproduce --show prints it");
    }
  }

  Translation t;
  t.text = text;
  t.scenario = std::move(parsed);
  t.scenario.source = safe + "-real";

  Plan &p = t.plan;
  p.scenario = sc.name;
  p.nvars = static_cast<int>(t.scenario.vars.size());
  for (size_t f = 0; f < t.scenario.files.size(); ++f) {
    const auto &fs = t.scenario.files[f];
    const bool b = direct_files.count(int(f)) && !mapped.count(int(f));
    p.files.push_back(PlanFile{fs.name, fs.pages, b ? 'b' : 'a', fs.cached, fs.hole});
  }
  for (const auto &cpu : t.scenario.cpus) {
    PlanCpu pc{cpu.name, helpers.count(cpu.name) > 0, {}};
    for (const Op &op : cpu.ops) {
      const char *name = call_name(op.code);
      if (!name) throw Refused(op.pos, "the probe does not run " + op.text);
      PlanOp po;
      po.call = name;
      po.target = op.target;
      po.setup = pc.helper && op.code == OpCode::Open;
      for (const Arg &a : op.args)
        po.args.push_back(a.kind == Arg::Kind::Var ? PlanArg{true, a.value, a.var}
                                                   : PlanArg{false, a.value, -1});
      pc.ops.push_back(std::move(po));
    }
    p.cpus.push_back(std::move(pc));
  }
  return t;
}

} // namespace pagerace::reality
