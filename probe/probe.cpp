// pagerace-probe: runs a translated scenario's calls as real system calls on
// the running kernel, over many iterations, and reports what it saw as
// PAGERACE-* lines (parsed by src/reality/observe.cpp). Built static, so that
// it runs from a busybox initramfs under QEMU as well as on the host.
//
// Each iteration: every file gets fresh "old" data (a pattern naming file,
// page and iteration), written and fdatasync'd, so pages are clean, cached
// and carry buffers; the task CPUs run their calls once, each on its own
// thread, while the helper CPUs (the flusher and kswapd, driven from user
// space) repeat theirs; then the disk is read back with O_DIRECT and compared
// with what the calls put into each file page.
#include "reality/plan.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/aio_abi.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace pagerace::reality;

namespace {

constexpr size_t kPage = 4096;
constexpr int64_t kMapShared = 1, kMapAnonymous = 0x20, kODirect = 040000;
constexpr int64_t kMsSync = 4;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

// store() and load() touch user memory a truncate or munmap on another CPU
// can take away: the fault ends the call, not the run.
thread_local sigjmp_buf *t_guard = nullptr;
void on_fault(int sig) {
  if (t_guard) siglongjmp(*t_guard, 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}
template <class F> bool guarded(F &&f) {
  sigjmp_buf env;
  if (sigsetjmp(env, 1)) {
    t_guard = nullptr;
    return false;
  }
  t_guard = &env;
  f();
  t_guard = nullptr;
  return true;
}

// Page contents the probe can recognise: a file's old data in this
// iteration, a page filled with one character by a store, or zeroes.
struct Token {
  enum Kind : uint8_t { Zero, Pattern, Char } kind = Zero;
  int file = 0, page = 0, c = 0;
  bool operator==(const Token &) const = default;
};

void fill(unsigned char *buf, const Token &t, uint32_t iter) {
  if (t.kind == Token::Char) {
    std::memset(buf, t.c, kPage);
    return;
  }
  if (t.kind == Token::Zero) {
    std::memset(buf, 0, kPage);
    return;
  }
  const uint64_t w = (uint64_t{0x5052} << 48) | (uint64_t(t.file & 0xff) << 40) |
                     (uint64_t(t.page & 0xff) << 32) | iter;
  for (size_t i = 0; i < kPage; i += 8)
    std::memcpy(buf + i, &w, 8);
}

struct Mapping {
  uintptr_t addr = 0;
  size_t len = 0;
  int file = -1; // -1: anonymous or private
  int pgoff = 0;
};

struct OpenFd {
  int file = -1;
  bool direct = false; // O_DIRECT: reads are DMA into the user pages
  int64_t pos = 0;     // bytes
};

struct Counters {
  uint64_t iterations = 0, dio_reads = 0, windows = 0, race1_windows = 0;
  uint64_t late_iters = 0, late_pages = 0, lost_iters = 0, lost_pages = 0;
  uint64_t clean_at_return = 0, wb_at_return = 0;
  uint64_t nobuf = 0, warnings = 0, oopses = 0, errors = 0;
};

struct Probe {
  Plan plan;
  std::string dir_a, dir_b;
  uint32_t iter = 0;
  Counters n;
  int kmsg = -1, pagemap = -1, kpageflags = -1;
  int kmsg_lines = 0;

  // Per iteration, shared by the CPU threads.
  std::mutex mu;
  std::vector<int64_t> vars;
  std::vector<std::atomic<bool>> var_set;
  std::vector<Mapping> maps;
  std::map<int, OpenFd> fds;
  std::map<uintptr_t, Token> anon;
  std::vector<std::vector<Token>> expected;
  std::vector<std::vector<uint8_t>> put, synced, stale_after_sync;
  std::atomic<int> tasks_left{0};
  // DIO windows: `gen` moves when any read starts or ends.
  std::atomic<int> inflight{0};
  std::atomic<uint64_t> gen{0};
  std::atomic<uint64_t> win_gen{~uint64_t{0}}, wb_gen{~uint64_t{0}}, race1_gen{~uint64_t{0}};
  std::atomic<uint64_t> windows{0}, race1{0}, clean_ret{0}, wb_ret{0}, errors{0};

  std::string path(int f) const {
    const PlanFile &pf = plan.files[static_cast<size_t>(f)];
    return (pf.dev == 'b' ? dir_b : dir_a) + "/" + pf.name;
  }

  bool wait_var(int v) {
    while (!var_set[static_cast<size_t>(v)].load(std::memory_order_acquire)) {
      // Every call assigns its variable, so only a stop or the end of the
      // tasks (for a helper) leaves one unassigned.
      if (g_stop || tasks_left.load() == 0) return false;
      std::this_thread::yield();
    }
    return true;
  }
  bool value(const PlanArg &a, int64_t &out) {
    if (!a.var) {
      out = a.value;
      return true;
    }
    if (!wait_var(a.index)) return false;
    out = vars[static_cast<size_t>(a.index)] + a.value;
    return true;
  }
  void assign(int target, int64_t v) {
    if (target < 0) return;
    vars[static_cast<size_t>(target)] = v;
    var_set[static_cast<size_t>(target)].store(true, std::memory_order_release);
  }

  // The file page mapped at `a`, if a shared file mapping covers it.
  bool file_page(uintptr_t a, int &file, int &page) {
    for (const Mapping &m : maps)
      if (a >= m.addr && a < m.addr + m.len && m.file >= 0) {
        file = m.file;
        page = m.pgoff + static_cast<int>((a - m.addr) / kPage);
        return page < plan.files[static_cast<size_t>(file)].pages;
      }
    return false;
  }
  Token token_at(uintptr_t a) {
    int f, p;
    if (file_page(a, f, p)) return expected[static_cast<size_t>(f)][static_cast<size_t>(p)];
    auto it = anon.find(a & ~(kPage - 1));
    return it == anon.end() ? Token{} : it->second;
  }
  void set_token(uintptr_t a, const Token &t) {
    int f, p;
    if (file_page(a, f, p)) {
      expected[size_t(f)][size_t(p)] = t;
      put[size_t(f)][size_t(p)] = 1;
      synced[size_t(f)][size_t(p)] = 0;
    } else {
      anon[a & ~(kPage - 1)] = t;
    }
  }
  // A page a sync must persist: put before the sync began, with what was
  // put then. A page changed again while the sync ran is left out (ambiguous).
  struct Pending {
    int f, p;
    Token t;
  };
  // The pages of `file` (-1: every file), or of [from, from + len) when
  // len > 0, that calls put data in. `mu` held.
  std::vector<Pending> sync_candidates(int file, uintptr_t from = 0, size_t len = 0,
                                       bool range = false) {
    std::vector<Pending> out;
    auto add = [&](size_t f, size_t p) {
      if (put[f][p]) out.push_back({int(f), int(p), expected[f][p]});
    };
    if (!range)
      for (size_t f = 0; f < plan.files.size(); ++f)
        if (file < 0 || int(f) == file)
          for (size_t p = 0; p < expected[f].size(); ++p)
            add(f, p);
    for (uintptr_t a = from; len && a < from + len; a += kPage) {
      int f, p;
      if (file_page(a, f, p)) add(size_t(f), size_t(p));
    }
    return out;
  }

  // Right after a scenario's sync returned: what it had to persist is
  // compared with the disk before anything else can write it (fsync-gap).
  void sync_returned(const std::vector<Pending> &pages) {
    for (const Pending &pg : pages) {
      {
        std::lock_guard g(mu);
        if (!(expected[size_t(pg.f)][size_t(pg.p)] == pg.t)) continue;
        synced[size_t(pg.f)][size_t(pg.p)] = 1;
      }
      if (disk_differs(size_t(pg.f), pg.p, pg.t)) {
        std::lock_guard g(mu);
        if (expected[size_t(pg.f)][size_t(pg.p)] == pg.t)
          stale_after_sync[size_t(pg.f)][size_t(pg.p)] = 1;
      }
    }
  }

  // The block devices under dir_a and dir_b (-1: none found), so that the
  // disk is read where the filesystem put the data and not through the file:
  // an O_DIRECT read of the file first writes back its dirty pages, which
  // would hide a page a sync left unwritten.
  int dev_a = -1, dev_b = -1;
  static int open_device_of(const std::string &dir) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) return -1;
    std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                     std::to_string(minor(st.st_dev)) + "/uevent");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("DEVNAME=", 0) == 0)
        return open(("/dev/" + line.substr(8)).c_str(), O_RDONLY | int(kODirect));
    return -1;
  }

  // Reads page p of file f from the disk into buf (4 KiB, aligned): through
  // FIEMAP and the block device when both work, else with O_DIRECT on the
  // file. False when nothing could be read.
  bool read_disk(size_t f, int p, unsigned char *buf) {
    const int dev = plan.files[f].dev == 'b' ? dev_b : dev_a;
    if (dev >= 0) {
      const int fd = open(path(int(f)).c_str(), O_RDONLY);
      if (fd < 0) return false;
      alignas(8) unsigned char raw[sizeof(fiemap) + sizeof(fiemap_extent)] = {};
      auto *fm = reinterpret_cast<fiemap *>(raw);
      fm->fm_start = uint64_t(p) * kPage;
      fm->fm_length = kPage;
      fm->fm_extent_count = 1;
      const bool mapped_ok = ioctl(fd, FS_IOC_FIEMAP, fm) == 0;
      close(fd);
      if (mapped_ok) {
        const fiemap_extent &e = fm->fm_extents[0];
        if (fm->fm_mapped_extents == 0 || (e.fe_flags & FIEMAP_EXTENT_UNWRITTEN)) {
          std::memset(buf, 0, kPage); // a hole or an unwritten extent reads as zeroes
          return true;
        }
        if (e.fe_flags & (FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_UNKNOWN)) {
          std::memset(buf, 0xff, kPage); // not on disk yet: matches no token
          return true;
        }
        // The extent must hold the whole page (blocks can be smaller than
        // a page); otherwise the file is read instead.
        const uint64_t start = uint64_t(p) * kPage;
        if (!(e.fe_flags & (FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_NOT_ALIGNED)) &&
            e.fe_logical <= start && e.fe_logical + e.fe_length >= start + kPage)
          return pread(dev, buf, kPage, off_t(e.fe_physical + (start - e.fe_logical))) ==
                 off_t(kPage);
      }
    }
    const int dfd = open(path(int(f)).c_str(), O_RDONLY | int(kODirect));
    if (dfd < 0) return false;
    const bool ok = pread(dfd, buf, kPage, off_t(p) * off_t(kPage)) == off_t(kPage);
    close(dfd);
    return ok;
  }

  // Whether the disk differs from `t` at page p of f.
  bool disk_differs(size_t f, int p, const Token &t) {
    void *mem = nullptr;
    if (posix_memalign(&mem, kPage, 2 * kPage) != 0) return false;
    auto *buf = static_cast<unsigned char *>(mem);
    bool differs = false;
    if (read_disk(f, p, buf)) {
      fill(buf + kPage, t, iter);
      differs = std::memcmp(buf, buf + kPage, kPage) != 0;
    }
    free(mem);
    return differs;
  }

  // PG_dirty / PG_writeback of the page mapped at `a`, through pagemap and
  // kpageflags (root only; KPF_DIRTY 4, KPF_WRITEBACK 8).
  void page_state_at_return(uintptr_t a) {
    if (pagemap < 0 || kpageflags < 0) return;
    uint64_t pm = 0, fl = 0;
    if (pread(pagemap, &pm, 8, off_t(a / kPage * 8)) != 8 || !(pm >> 63)) return;
    const uint64_t pfn = pm & ((uint64_t{1} << 55) - 1);
    if (!pfn || pread(kpageflags, &fl, 8, off_t(pfn * 8)) != 8) return;
    if (!(fl & (1u << 4))) ++clean_ret;
    if (fl & (1u << 8)) ++wb_ret;
  }

  // What a read of `bytes` from `file` at `off` into `addr` (or a write the
  // other way) did to the expected contents. Called with `mu` held.
  void transfer(bool rd, int file, int64_t off, uintptr_t addr, size_t bytes, bool sample) {
    for (size_t i = 0; i * kPage < bytes; ++i) {
      const int fp = int(off / int64_t(kPage)) + int(i);
      if (file < 0 || fp >= plan.files[size_t(file)].pages) break;
      Token &ft = expected[size_t(file)][size_t(fp)];
      if (rd) {
        set_token(addr + i * kPage, ft);
        int mf, mp;
        if (sample && file_page(addr + i * kPage, mf, mp)) page_state_at_return(addr + i * kPage);
      } else {
        ft = token_at(addr + i * kPage);
        put[size_t(file)][size_t(fp)] = 1;
        synced[size_t(file)][size_t(fp)] = 0;
      }
    }
  }

  // One outstanding asynchronous read per io_submit: its own context.
  struct Aio {
    aio_context_t ctx = 0;
    int file = -1;
    int64_t off = 0;
    uintptr_t addr = 0;
    size_t len = 0;
  };
  std::map<int64_t, Aio> aios;
  int64_t next_aio = 1;

  int64_t run_op(const PlanOp &op, bool task) {
    std::vector<int64_t> a;
    for (const PlanArg &x : op.args) {
      int64_t v;
      if (!value(x, v)) return -1;
      a.push_back(v);
    }
    auto arg = [&](size_t i, int64_t def) { return i < a.size() ? a[i] : def; };
    const std::string &c = op.call;
    int64_t r = 0;
    if (c == "mmap") {
      const int file = static_cast<int>(arg(0, -1));
      const int64_t flags = arg(1, kMapShared);
      size_t len = size_t(arg(2, 0)); // 0: the whole file
      if (!len) len = file >= 0 ? size_t(plan.files[size_t(file)].pages) * kPage : kPage;
      const int prot = static_cast<int>(arg(3, PROT_READ | PROT_WRITE));
      void *p = MAP_FAILED;
      if (file < 0) {
        p = mmap(nullptr, len, prot, int(flags) | MAP_ANONYMOUS, -1, 0);
      } else {
        const int fd = open(path(file).c_str(), (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
        if (fd >= 0) {
          p = mmap(nullptr, len, prot, int(flags & ~kMapAnonymous), fd, 0);
          close(fd);
        }
      }
      if (p == MAP_FAILED) return -errno;
      std::lock_guard g(mu);
      maps.push_back({uintptr_t(p), len, (flags & kMapShared) && file >= 0 ? file : -1, 0});
      r = int64_t(uintptr_t(p));
    } else if (c == "munmap") {
      std::lock_guard g(mu);
      r = munmap(reinterpret_cast<void *>(arg(0, 0)), size_t(arg(1, kPage)));
      for (auto it = maps.begin(); it != maps.end(); ++it)
        if (it->addr == uintptr_t(arg(0, 0))) {
          maps.erase(it);
          break;
        }
    } else if (c == "open") {
      const int file = static_cast<int>(arg(0, 0));
      r = open(path(file).c_str(), int(arg(1, O_RDONLY)));
      if (r < 0) return -errno;
      std::lock_guard g(mu);
      fds[int(r)] = {file, (arg(1, 0) & kODirect) != 0, 0};
    } else if (c == "close") {
      {
        std::lock_guard g(mu);
        fds.erase(int(arg(0, -1)));
      }
      r = close(int(arg(0, -1)));
    } else if (c == "read" || c == "pread" || c == "write" || c == "pwrite") {
      const bool rd = c == "read" || c == "pread", positional = c[0] == 'p';
      const int fd = int(arg(0, -1));
      const uintptr_t addr = uintptr_t(arg(1, 0));
      const size_t len = size_t(arg(2, kPage));
      OpenFd of;
      {
        std::lock_guard g(mu);
        of = fds.count(fd) ? fds[fd] : OpenFd{};
      }
      const int64_t off = positional ? arg(3, 0) : of.pos;
      // Only O_DIRECT reads are DMA into the pages: race windows.
      if (rd && of.direct) {
        ++inflight;
        ++gen;
        r = pread(fd, reinterpret_cast<void *>(addr), len, off);
        ++gen;
        --inflight;
      } else if (rd) {
        r = pread(fd, reinterpret_cast<void *>(addr), len, off);
      } else {
        r = pwrite(fd, reinterpret_cast<void *>(addr), len, off);
      }
      if (r < 0) return -errno;
      std::lock_guard g(mu);
      transfer(rd, of.file, off, addr, size_t(r), task && rd && of.direct);
      if (!positional && fds.count(fd)) fds[fd].pos += r;
      if (rd && of.direct && of.file >= 0) ++dio_reads;
    } else if (c == "store") {
      const uintptr_t page = uintptr_t(arg(0, 0)) & ~(kPage - 1);
      // A store past EOF after a truncate raises SIGBUS, one to an address
      // unmapped meanwhile SIGSEGV: the call fails with EFAULT, as the
      // model's store does, instead of ending the run.
      if (!guarded([&] { std::memset(reinterpret_cast<void *>(page), int(arg(1, 'S')), kPage); }))
        return -EFAULT;
      std::lock_guard g(mu);
      set_token(page, Token{Token::Char, 0, 0, int(arg(1, 'S')) & 0xff});
    } else if (c == "load") {
      if (!guarded([&] { r = *reinterpret_cast<volatile unsigned char *>(arg(0, 0)); }))
        return -EFAULT;
    } else if (c == "msync") {
      std::vector<Pending> pending;
      {
        std::lock_guard g(mu);
        pending = sync_candidates(-1, uintptr_t(arg(0, 0)), size_t(arg(1, kPage)), true);
      }
      r = msync(reinterpret_cast<void *>(arg(0, 0)), size_t(arg(1, kPage)), int(arg(2, kMsSync)));
      if (r == 0 && task && (arg(2, kMsSync) & kMsSync)) sync_returned(pending);
    } else if (c == "fsync" || c == "fdatasync") {
      int file = -1;
      {
        std::lock_guard g(mu);
        if (fds.count(int(arg(0, -1)))) file = fds[int(arg(0, -1))].file;
      }
      // Pages put before the call began are the ones it must persist.
      std::vector<Pending> pending;
      {
        std::lock_guard g(mu);
        if (file >= 0) pending = sync_candidates(file);
      }
      r = c == "fsync" ? fsync(int(arg(0, -1))) : fdatasync(int(arg(0, -1)));
      if (r == 0 && task) sync_returned(pending);
    } else if (c == "sync") {
      std::vector<Pending> pending;
      {
        std::lock_guard g(mu);
        pending = sync_candidates(-1);
      }
      sync();
      if (task) sync_returned(pending);
    } else if (c == "madvise") {
      r = madvise(reinterpret_cast<void *>(arg(0, 0)), size_t(arg(1, kPage)), int(arg(2, 21)));
    } else if (c == "posix_fadvise") {
      // It returns its error number rather than setting errno.
      return -posix_fadvise(int(arg(0, -1)), 0, 0, int(arg(1, POSIX_FADV_DONTNEED)));
    } else if (c == "io_submit") {
      const int fd = int(arg(0, -1));
      Aio io;
      io.addr = uintptr_t(arg(1, 0));
      io.len = size_t(arg(2, kPage));
      io.off = arg(3, 0);
      {
        std::lock_guard g(mu);
        io.file = fds.count(fd) ? fds[fd].file : -1;
      }
      if (syscall(SYS_io_setup, 1, &io.ctx) != 0) return -errno;
      iocb cb{};
      cb.aio_lio_opcode = IOCB_CMD_PREAD;
      cb.aio_fildes = uint32_t(fd);
      cb.aio_buf = io.addr;
      cb.aio_nbytes = io.len;
      cb.aio_offset = io.off;
      iocb *list[1] = {&cb};
      ++inflight;
      ++gen;
      if (syscall(SYS_io_submit, io.ctx, 1, list) != 1) {
        r = -errno;
        ++gen;
        --inflight;
        syscall(SYS_io_destroy, io.ctx);
        return r;
      }
      std::lock_guard g(mu);
      r = next_aio++;
      aios[r] = io;
    } else if (c == "io_getevents") {
      Aio io;
      {
        std::lock_guard g(mu);
        auto it = aios.find(arg(0, 0));
        if (it == aios.end()) return -EINVAL;
        io = it->second;
        aios.erase(it);
      }
      io_event ev{};
      const long got = syscall(SYS_io_getevents, io.ctx, 1, 1, &ev, nullptr);
      ++gen;
      --inflight;
      syscall(SYS_io_destroy, io.ctx);
      if (got != 1) return -EIO;
      r = ev.res;
      if (r < 0) return r;
      ++dio_reads;
      std::lock_guard g(mu);
      transfer(true, io.file, io.off, io.addr, size_t(r), task);
    } else if (c == "truncate") {
      const int file = int(arg(0, 0));
      r = truncate(path(file).c_str(), off_t(arg(1, 0)));
    } else if (c == "sync_file_range") {
      r = sync_file_range(int(arg(0, -1)), 0, 0, static_cast<unsigned>(arg(1, 7)));
    } else {
      std::fprintf(stderr, "pagerace-probe: the plan calls '%s', which the probe does not run\n",
                   c.c_str());
      std::exit(2);
    }
    if (r < 0) r = -errno;
    return r;
  }

  std::atomic<uint64_t> dio_reads{0};

  // What each call of the scenario's tasks returned, by the variable it
  // assigns: value -> times, for the model's results to be compared with.
  // Addresses and descriptors differ from run to run, so a variable keeps
  // its first kMaxValues values only.
  static constexpr size_t kMaxValues = 16;
  std::map<int, std::map<int64_t, uint64_t>> results;

  void run_task(const PlanCpu &cpu) {
    for (const PlanOp &op : cpu.ops) {
      const int64_t r = run_op(op, true);
      if (g_stop) break;
      if (r < 0 && op.call != "madvise") ++errors;
      if (op.target >= 0) {
        // An aio handle is the probe's own number, new each time: recorded
        // as 1 (submitted), as the model's, so that the cap keeps errors.
        const int64_t v = op.call == "io_submit" && r > 0 ? 1 : r;
        std::lock_guard g(mu);
        auto &seen = results[op.target];
        if (seen.count(v) || seen.size() < kMaxValues) ++seen[v];
      }
      assign(op.target, r);
    }
    --tasks_left;
  }

  void run_helper(const PlanCpu &cpu) {
    bool sync_kind = false, reclaim_kind = false;
    for (const PlanOp &op : cpu.ops) {
      if (op.setup) {
        assign(op.target, run_op(op, false));
        continue;
      }
      sync_kind |= op.call == "fdatasync" || op.call == "fsync" || op.call == "msync" ||
                   op.call == "sync_file_range";
      reclaim_kind |= op.call == "madvise" || op.call == "posix_fadvise";
    }
    while (tasks_left.load() > 0 && !g_stop) {
      const bool in_dio = inflight.load() > 0;
      const uint64_t g0 = gen.load();
      for (const PlanOp &op : cpu.ops)
        if (!op.setup) assign(op.target, run_op(op, false));
      // A pass that began and ended inside one read: that read is a race
      // window (counted once); writeback then reclaim inside it is race 1's.
      if (in_dio && gen.load() == g0) {
        if (win_gen.exchange(g0) != g0) ++windows;
        if (sync_kind) wb_gen = g0;
        if (reclaim_kind && wb_gen.load() == g0 && race1_gen.exchange(g0) != g0) ++race1;
      }
    }
  }

  bool prepare_files() {
    std::vector<unsigned char> buf(kPage);
    for (size_t f = 0; f < plan.files.size(); ++f) {
      const PlanFile &pf = plan.files[f];
      const int fd = open(path(int(f)).c_str(), O_RDWR | O_CREAT, 0644);
      if (fd < 0) {
        std::printf("PAGERACE-ERROR cannot create %s: %s\n", path(int(f)).c_str(),
                    std::strerror(errno));
        return false;
      }
      auto fail = [&](const char *what) {
        std::printf("PAGERACE-ERROR %s %s: %s\n", what, path(int(f)).c_str(), std::strerror(errno));
        close(fd);
        return false;
      };
      if (ftruncate(fd, off_t(pf.pages) * off_t(kPage)) != 0) return fail("cannot size");
      for (int p = 0; p < pf.pages; ++p) {
        const Token t = pf.hole ? Token{} : Token{Token::Pattern, int(f), p, 0};
        expected[f][size_t(p)] = t;
        if (pf.hole) continue;
        fill(buf.data(), t, iter);
        if (pwrite(fd, buf.data(), kPage, off_t(p) * off_t(kPage)) != off_t(kPage))
          return fail("cannot write");
      }
      if (pf.hole)
        fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                  off_t(pf.pages) * off_t(kPage));
      fdatasync(fd);
      if (!pf.cached) posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      close(fd);
    }
    return true;
  }

  // Compares the disk with what the calls put into file pages (the others
  // keep the data written at set-up). A page
  // found stale right after a scenario's sync that should have persisted it,
  // but on disk after a later fdatasync, is late; a page still stale then is
  // lost.
  void check_disk() {
    uint64_t late = 0, lost = 0;
    for (size_t f = 0; f < plan.files.size(); ++f) {
      // Pages a truncate() cut off are not on disk, nor expected there.
      struct stat st {};
      const int pages_now =
          stat(path(int(f)).c_str(), &st) == 0 ? int(st.st_size / off_t(kPage)) : 0;
      std::vector<int> bad;
      for (int p = 0; p < std::min(pages_now, plan.files[f].pages); ++p)
        if (stale_after_sync[f][size_t(p)] ||
            (put[f][size_t(p)] && disk_differs(f, p, expected[f][size_t(p)])))
          bad.push_back(p);
      if (bad.empty()) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const int fd = open(path(int(f)).c_str(), O_RDWR);
      if (fd >= 0) {
        fdatasync(fd);
        close(fd);
      }
      for (int p : bad) {
        if (disk_differs(f, p, expected[f][size_t(p)]))
          ++lost;
        else if (stale_after_sync[f][size_t(p)])
          ++late;
      }
    }
    n.late_pages += late;
    n.lost_pages += lost;
    n.late_iters += late > 0;
    n.lost_iters += lost > 0;
  }

  void read_kmsg() {
    if (kmsg < 0) return;
    char rec[8192];
    for (;;) {
      const ssize_t k = read(kmsg, rec, sizeof rec - 1);
      if (k < 0) {
        if (errno == EPIPE) continue; // records overwritten: go on with the next
        break;
      }
      rec[k] = 0;
      const char *msg = std::strchr(rec, ';');
      msg = msg ? msg + 1 : rec;
      std::string line(msg);
      if (const size_t nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
      bool match = false;
      if (line.find("does not have buffers attached") != std::string::npos) ++n.nobuf, match = true;
      if (line.find("WARNING:") != std::string::npos) ++n.warnings, match = true;
      if (line.find("BUG:") != std::string::npos || line.find("Oops") != std::string::npos ||
          line.find("kernel BUG") != std::string::npos)
        ++n.oopses, match = true;
      if (match && kmsg_lines < 40) {
        ++kmsg_lines;
        std::printf("PAGERACE-KMSG iter=%u %s\n", iter, line.c_str());
      }
    }
  }

  void iteration() {
    const size_t nf = plan.files.size();
    expected.assign(nf, {});
    put.assign(nf, {});
    synced.assign(nf, {});
    stale_after_sync.assign(nf, {});
    for (size_t f = 0; f < nf; ++f) {
      stale_after_sync[f].assign(size_t(plan.files[f].pages), 0);
      expected[f].assign(size_t(plan.files[f].pages), Token{});
      put[f].assign(size_t(plan.files[f].pages), 0);
      synced[f].assign(size_t(plan.files[f].pages), 0);
    }
    if (!prepare_files()) {
      g_stop = true;
      return;
    }
    vars.assign(size_t(plan.nvars), 0);
    for (auto &v : var_set)
      v = false;
    maps.clear();
    fds.clear();
    anon.clear();
    int ntasks = 0;
    for (const PlanCpu &c : plan.cpus)
      ntasks += !c.helper;
    tasks_left = ntasks;
    std::vector<std::thread> th;
    for (const PlanCpu &c : plan.cpus)
      th.emplace_back([this, &c] { c.helper ? run_helper(c) : run_task(c); });
    for (auto &t : th)
      t.join();
    // Requests submitted and never reaped: io_destroy waits for them.
    for (auto &[id, io] : aios) {
      syscall(SYS_io_destroy, io.ctx);
      ++gen;
      --inflight;
    }
    aios.clear();
    for (const Mapping &m : maps)
      munmap(reinterpret_cast<void *>(m.addr), m.len);
    maps.clear();
    for (auto &[fd, of] : fds)
      close(fd);
    fds.clear();
    check_disk();
    read_kmsg();
    ++n.iterations;
    ++iter;
  }
};

std::string read_file(const char *p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

int main(int argc, char **argv) {
  // First of all: a SIGINT forwarded by pagerace while the probe starts
  // must end the run with a result, not kill it.
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::string plan_path, dir_a, dir_b;
  double seconds = 10;
  uint64_t max_iter = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--plan")
      plan_path = argv[i + 1];
    else if (k == "--dir-a")
      dir_a = argv[i + 1];
    else if (k == "--dir-b")
      dir_b = argv[i + 1];
    else if (k == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (k == "--iterations")
      max_iter = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "pagerace-probe: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (plan_path.empty() || dir_a.empty()) {
    std::fprintf(stderr, "usage: pagerace-probe --plan FILE --dir-a DIR [--dir-b DIR] "
                         "[--seconds S] [--iterations N]\n");
    return 2;
  }
  static Probe pr;
  try {
    pr.plan = read_plan(read_file(plan_path.c_str()));
  } catch (const PlanError &e) {
    std::fprintf(stderr, "pagerace-probe: %s: %s\n", plan_path.c_str(), e.what());
    return 2;
  }
  pr.dir_a = dir_a;
  pr.dir_b = dir_b.empty() ? dir_a : dir_b;
  pr.var_set = std::vector<std::atomic<bool>>(size_t(pr.plan.nvars));
  std::signal(SIGBUS, on_fault);
  std::signal(SIGSEGV, on_fault);
  pr.dev_a = Probe::open_device_of(pr.dir_a);
  pr.dev_b = Probe::open_device_of(pr.dir_b);
  pr.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
  if (pr.kmsg >= 0) lseek(pr.kmsg, 0, SEEK_END);
  pr.pagemap = open("/proc/self/pagemap", O_RDONLY);
  pr.kpageflags = open("/proc/kpageflags", O_RDONLY);
  utsname u{};
  uname(&u);
  std::printf("PAGERACE-PROBE kernel=%s scenario=%s kmsg=%d kpageflags=%d diskread=%s\n", u.release,
              pr.plan.scenario.c_str(), pr.kmsg >= 0, pr.kpageflags >= 0,
              pr.dev_a >= 0 && pr.dev_b >= 0 ? "device" : "file");
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  while (!g_stop && elapsed() < seconds && (!max_iter || pr.n.iterations < max_iter))
    pr.iteration();
  // Before the result line, which ends what a runner waits for.
  for (const auto &[var, values] : pr.results)
    for (const auto &[value, times] : values)
      std::printf("PAGERACE-CALL var=%d value=%lld count=%llu\n", var, (long long)value,
                  (unsigned long long)times);
  Counters &n = pr.n;
  std::printf("PAGERACE-RESULT kernel=%s iterations=%llu seconds=%.1f dio_reads=%llu "
              "windows=%llu race1_windows=%llu late_iters=%llu late_pages=%llu lost_iters=%llu "
              "lost_pages=%llu clean_at_return=%llu wb_at_return=%llu nobuf=%llu warnings=%llu "
              "oopses=%llu errors=%llu kmsg=%d kpageflags=%d\n",
              u.release, (unsigned long long)n.iterations, elapsed(),
              (unsigned long long)pr.dio_reads.load(), (unsigned long long)pr.windows.load(),
              (unsigned long long)pr.race1.load(), (unsigned long long)n.late_iters,
              (unsigned long long)n.late_pages, (unsigned long long)n.lost_iters,
              (unsigned long long)n.lost_pages, (unsigned long long)pr.clean_ret.load(),
              (unsigned long long)pr.wb_ret.load(), (unsigned long long)n.nobuf,
              (unsigned long long)n.warnings, (unsigned long long)n.oopses,
              (unsigned long long)pr.errors.load(), pr.kmsg >= 0, pr.kpageflags >= 0);
  std::fflush(stdout);
  return 0;
}
