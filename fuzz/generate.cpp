#include "generate.hpp"

#include <fmt/format.h>

#include <optional>
#include <vector>

namespace pagerace::fuzz {

namespace {

enum class Type { Addr, Fd, Pin, Aio, Token };

struct Var {
  std::string name;
  Type type;
  int pages; // of the mapping (Addr)
};

struct Gen {
  ByteSource &in;
  std::vector<int> file_pages;
  std::vector<Var> vars; // every CPU's, in the order they were generated
  int next_var = 0;

  std::string file() { return fmt::format("f{}", in.below(uint32_t(file_pages.size()))); }
  // Mostly page-aligned, now and then not: the front end must refuse those.
  int64_t bytes(int pages) {
    if (in.below(16) == 0) return 100;
    return 4096 * int64_t(1 + in.below(uint32_t(pages)));
  }
  // A copy: fresh() may grow `vars` while the pick is in use.
  std::optional<Var> pick(Type t) {
    std::vector<const Var *> of;
    for (const Var &v : vars)
      if (v.type == t) of.push_back(&v);
    if (of.empty()) return std::nullopt;
    return *of[in.below(uint32_t(of.size()))];
  }
  std::string fresh(Type t, int pages = 1) {
    vars.push_back(Var{fmt::format("v{}", next_var++), t, pages});
    return vars.back().name;
  }
  std::string addr(const Var &a) {
    const uint32_t page = in.below(uint32_t(a.pages));
    return page ? fmt::format("{} + {}", a.name, 4096 * page) : a.name;
  }

  // One call; defines a mapping or an fd first when the call needs one and
  // none exists.
  void call(std::vector<std::string> &run) {
    const std::optional<Var> a = pick(Type::Addr), fd = pick(Type::Fd);
    const uint32_t op = in.below(25);
    if (op >= 4 && op <= 13 && op != 6 && op != 7 && !a) return mmap(run);
    if ((op == 4 || op == 5 || op == 6 || op == 7 || op == 12 || op == 13 || op == 18 || op == 19 ||
         op == 23) &&
        !fd)
      return open(run);
    if ((op == 4 || op == 5 || op == 6 || op == 7 || op == 17 || op == 21 || op == 23) && !a)
      return mmap(run);
    switch (op) {
    case 0:
    case 1:
    case 2: return mmap(run);
    case 3: return open(run);
    case 4:
      return run.push_back(fmt::format("read({}, {}, {})", fd->name, addr(*a), bytes(a->pages)));
    case 5:
      return run.push_back(fmt::format("write({}, {}, {})", fd->name, addr(*a), bytes(a->pages)));
    case 6:
      return run.push_back(fmt::format("pread({}, {}, {}, {})", fd->name, addr(*a), bytes(a->pages),
                                       4096 * in.below(3)));
    case 7:
      return run.push_back(fmt::format("pwrite({}, {}, {}, {})", fd->name, addr(*a),
                                       bytes(a->pages), 4096 * in.below(3)));
    case 8: return run.push_back(fmt::format("store({}, '{}')", addr(*a), char('A' + in.below(4))));
    case 9: return run.push_back(fmt::format("{} = load({})", fresh(Type::Token), addr(*a)));
    case 10: {
      static const char *const flags[] = {"MS_SYNC", "MS_ASYNC", "MS_SYNC | MS_INVALIDATE",
                                          "MS_INVALIDATE"};
      return run.push_back(
          fmt::format("msync({}, {}, {})", a->name, bytes(a->pages), flags[in.below(4)]));
    }
    case 11: return run.push_back(fmt::format("munmap({}, {})", a->name, bytes(a->pages)));
    case 12: return run.push_back(fmt::format("close({})", fd->name));
    case 13:
      return run.push_back(fmt::format("{}({})", in.coin() ? "fsync" : "fdatasync", fd->name));
    case 14: return run.push_back("sync()");
    case 15: return run.push_back(fmt::format("kswapd({})", 1 + in.below(3)));
    case 16: return run.push_back("writeback()");
    case 17:
      return run.push_back(fmt::format("madvise({}, {}, {})", a->name, bytes(a->pages),
                                       in.coin() ? "MADV_COLD" : "MADV_PAGEOUT"));
    case 18: return run.push_back(fmt::format("posix_fadvise({}, POSIX_FADV_DONTNEED)", fd->name));
    case 19: {
      static const char *const flags[] = {
          "SYNC_FILE_RANGE_WRITE", "SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE",
          "SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER",
          "SYNC_FILE_RANGE_WAIT_AFTER"};
      return run.push_back(fmt::format("sync_file_range({}, {})", fd->name, flags[in.below(4)]));
    }
    case 20: return run.push_back(fmt::format("truncate({}, {})", file(), 4096 * in.below(4)));
    case 21:
      return run.push_back(fmt::format("{} = pin_user_pages({}, {}, {})", fresh(Type::Pin), a->name,
                                       bytes(a->pages),
                                       in.coin() ? "FOLL_WRITE | FOLL_LONGTERM" : "FOLL_WRITE"));
    case 22:
      if (const auto p = pick(Type::Pin))
        return run.push_back(fmt::format("unpin_user_pages({})", p->name));
      return run.push_back("sync()");
    case 23:
      return run.push_back(fmt::format("{} = io_submit({}, {}, {})", fresh(Type::Aio), fd->name,
                                       addr(*a), bytes(a->pages)));
    default:
      if (const auto r = pick(Type::Aio))
        return run.push_back(fmt::format("io_getevents({})", r->name));
      return run.push_back("writeback()");
    }
  }

  void mmap(std::vector<std::string> &run) {
    switch (in.below(4)) {
    case 0: {
      const int pages = 1 + int(in.below(2));
      const std::string v = fresh(Type::Addr, pages);
      return run.push_back(
          fmt::format("{} = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, {})", v, 4096 * pages));
    }
    default: {
      const uint32_t f = in.below(uint32_t(file_pages.size()));
      const bool shared = in.below(4) != 0;
      const std::string v = fresh(Type::Addr, file_pages[f]);
      return run.push_back(
          fmt::format("{} = mmap(f{}, {})", v, f, shared ? "MAP_SHARED" : "MAP_PRIVATE"));
    }
    }
  }

  void open(std::vector<std::string> &run) {
    static const char *const flags[] = {
        "O_RDWR",   "O_RDONLY | O_DIRECT", "O_RDWR | O_DIRECT", "O_RDONLY",
        "O_WRONLY", "O_WRONLY | O_DIRECT"};
    const std::string file_name = file();
    run.push_back(fmt::format("{} = open({}, {})", fresh(Type::Fd), file_name, flags[in.below(6)]));
  }
};

} // namespace

std::string generate_scenario(ByteSource &in) {
  Gen g{in, {}, {}, 0};
  std::string text = "name = \"fuzz\"\n\n[files]\n";
  const uint32_t nfiles = 1 + in.below(3);
  static const char *const attrs[] = {"",
                                      ", cached = false",
                                      ", hole = true",
                                      ", buffers = false",
                                      ", stable_writes = true",
                                      ", cached = false, hole = true"};
  for (uint32_t f = 0; f < nfiles; ++f) {
    g.file_pages.push_back(1 + int(in.below(3)));
    text += fmt::format("f{} = {{ pages = {}{} }}\n", f, g.file_pages.back(), attrs[in.below(6)]);
  }
  const uint32_t ncpus = 1 + in.below(4);
  for (uint32_t c = 0; c < ncpus; ++c) {
    std::vector<std::string> run;
    const uint32_t calls = 1 + in.below(6);
    while (run.size() < calls)
      g.call(run);
    text += fmt::format("\n[[cpu]]\nrun = [");
    for (size_t i = 0; i < run.size(); ++i)
      text += fmt::format("{}\"{}\"", i ? ",\n       " : "", run[i]);
    text += "]\n";
  }
  return text;
}

} // namespace pagerace::fuzz
