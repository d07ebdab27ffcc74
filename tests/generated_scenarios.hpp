// Small random scenarios for property tests of the searches: random mixes of
// the scenario language's calls and kernel threads on two or three CPUs,
// over two one-page files. Deterministic in the seed. Every call is known to
// every kernel variant (madvise()'s MADV_COLD and MADV_PAGEOUT, from Linux
// 5.4, are left out), so that any variant can run any of them.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pagerace::testing {

inline std::vector<std::string> program(int kind, int cpu) {
  const std::string a = fmt::format("a{}", cpu), f = fmt::format("f{}", cpu),
                    b = fmt::format("b{}", cpu);
  switch (kind) {
  case 0: return {a + " = mmap(file1, MAP_SHARED)", "store(" + a + ", 'X')"};
  case 1:
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file2, O_DIRECT | O_RDONLY)",
            "read(" + f + ", " + a + ", 4096)"};
  case 2: return {"writeback()"};
  case 3: return {"kswapd()"};
  case 4:
    return {b + " = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)", "store(" + b + ", 'B')",
            f + " = open(file1, O_RDWR)", "write(" + f + ", " + b + ", 4096)"};
  case 5: return {f + " = open(file1, O_RDWR)", "fsync(" + f + ")"};
  case 6: return {a + " = mmap(file1, MAP_SHARED)", "load(" + a + ")"};
  case 7: return {"sync()"};
  case 8:
    return {a + " = mmap(file1, MAP_SHARED)", "store(" + a + ", 'M')",
            "msync(" + a + ", 4096, MS_SYNC)"};
  case 9:
    return {a + " = mmap(file2, MAP_SHARED)", f + " = open(file1, O_DIRECT | O_RDONLY)",
            "read(" + f + ", " + a + ", 4096)"};
  case 10: return {"truncate(file1, 0)"};
  case 11: // an RDMA registration: the device writes until unpin stops it
    return {a + " = mmap(file1, MAP_SHARED)",
            b + " = pin_user_pages(" + a + ", 4096, FOLL_WRITE | FOLL_LONGTERM)",
            "unpin_user_pages(" + b + ")"};
  case 12: // asynchronous O_DIRECT read into a shared mapping
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file2, O_DIRECT | O_RDONLY)",
            b + " = io_submit(" + f + ", " + a + ", 4096)", "io_getevents(" + b + ")"};
  case 13: return {f + " = open(file1, O_RDWR)", "posix_fadvise(" + f + ", POSIX_FADV_DONTNEED)"};
  case 14:
    return {f + " = open(file1, O_RDWR)",
            "sync_file_range(" + f + ", SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)"};
  case 15: // O_DIRECT write whose source is a shared mapping of the other file
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file2, O_DIRECT | O_WRONLY)",
            "write(" + f + ", " + a + ", 4096)"};
  case 16:
    return {b + " = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)", "store(" + b + ", 'Q')",
            f + " = open(file2, O_RDWR)", "pwrite(" + f + ", " + b + ", 4096, 0)",
            "fdatasync(" + f + ")"};
  case 17:
    return {a + " = mmap(file1, MAP_SHARED)", "store(" + a + ", 'U')", "munmap(" + a + ", 4096)"};
  case 18: // a positional O_DIRECT read, then the descriptor closed
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file2, O_DIRECT | O_RDONLY)",
            "pread(" + f + ", " + a + ", 4096, 0)", "close(" + f + ")"};
  case 19: // a misaligned O_DIRECT read: the writeback, then -EINVAL
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file1, O_DIRECT | O_RDONLY)",
            "store(" + a + ", 'E')", "pread(" + f + ", " + a + ", 4096, 100)"};
  default: // a misaligned asynchronous one: -EINVAL in its event
    return {a + " = mmap(file1, MAP_SHARED)", f + " = open(file2, O_DIRECT | O_RDONLY)",
            b + " = io_submit(" + f + ", " + a + " + 100, 4096)", "io_getevents(" + b + ")"};
  }
}
inline constexpr int kProgramKinds = 21;

// `cpus` CPUs (2 or 3), each running one random program.
inline std::string random_scenario(uint64_t seed, int cpus) {
  std::mt19937_64 rng(seed);
  std::string text = fmt::format("name = \"generated-{}\"\n\n[files]\nfile1 = {{ pages = 1 }}\n"
                                 "file2 = {{ pages = 1 }}\n",
                                 seed);
  for (int c = 0; c < cpus; ++c) {
    const int kind = static_cast<int>(rng() % kProgramKinds);
    text += fmt::format("\n[[cpu]]\nname = \"CPU{}\"\nrun = [", c + 1);
    const auto ops = program(kind, c);
    for (size_t i = 0; i < ops.size(); ++i)
      text += (i ? ", \"" : "\"") + ops[i] + "\"";
    text += "]\n";
  }
  return text;
}

} // namespace pagerace::testing
