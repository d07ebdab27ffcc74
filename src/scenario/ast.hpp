// The scenario as the user wrote it, after parsing and name resolution.
// Nothing here knows how a scenario is executed: the model interprets Ops,
// the engine never sees them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pagerace::scenario {

struct SourcePos {
  std::string file; // path as given by the user, or "<builtin>/name.toml"
  int line = 0;     // 1-based
  int col = 0;      // 1-based
};

// Per-file overrides; defaults: allocated on disk, cached, uptodate, clean,
// with mapped buffers.
struct FileSpec {
  std::string name;
  int pages = 1;
  bool cached = true;
  bool buffers = true;
  bool hole = false;          // no block allocated on disk
  bool stable_writes = false; // backing device needs stable pages
  SourcePos pos;
};

enum class OpCode : uint8_t {
  Mmap,      // mmap(file|ANON, flags[, length[, prot]]) -> addr
  Munmap,    // munmap(addr, len) -> int
  Open,      // open(file, flags) -> fd
  Close,     // close(fd) -> int
  Read,      // read(fd, addr, len) -> ssize
  Write,     // write(fd, addr, len) -> ssize
  Pread,     // pread(fd, addr, len, off) -> ssize
  Pwrite,    // pwrite(fd, addr, len, off) -> ssize
  Store,     // store(addr, 'c') -> int
  Load,      // load(addr) -> token
  Msync,     // msync(addr, len, flags) -> int
  Fsync,     // fsync(fd) -> int
  Fdatasync, // fdatasync(fd) -> int
  Sync,      // sync() -> int
  Kswapd,    // kswapd([K]) -> int        (kernel thread code on this CPU)
  Writeback, // writeback() -> int        (one background flusher pass)
  // Fix-lab calls (issue: fix lab). Some exist only from a given kernel on;
  // the model refuses them for older variants (model/kernel/availability).
  PinUserPages,   // pin_user_pages(addr, len, FOLL_*) -> pin   (an RDMA driver's registration)
  UnpinUserPages, // unpin_user_pages(pin) -> int               (deregistration, dirtying)
  IoSubmit,       // io_submit(fd, addr, len[, off]) -> aio     (one O_DIRECT read iocb)
  IoGetevents,    // io_getevents(aio) -> ssize                 (waits for its completion)
  Truncate,       // truncate(file, size) -> int
  Madvise,        // madvise(addr, len, MADV_PAGEOUT|MADV_COLD) -> int
  Fadvise,        // posix_fadvise(fd, POSIX_FADV_DONTNEED) -> int (whole file)
  SyncFileRange,  // sync_file_range(fd, SYNC_FILE_RANGE_*) -> int (whole file)
};

// An argument after resolution. Values of variables are known only at run
// time, so an argument is either a constant or "variable + constant offset".
struct Arg {
  enum class Kind : uint8_t { Const, Var } kind = Kind::Const;
  int64_t value = 0; // Const: the value; Var: the offset added to the variable
  int var = -1;      // Var: index into Scenario::vars
  // Const file arguments hold the file index (ANON = -1); char literals hold
  // the character code.
};

struct Op {
  OpCode code{};
  std::vector<Arg> args; // missing optional arguments are filled with defaults
  int target = -1;       // variable assigned by this call, or -1
  std::string text;      // the call as written, for traces
  SourcePos pos;
};

struct Cpu {
  std::string name;
  std::vector<Op> ops;
  SourcePos pos;
};

enum class VarType : uint8_t { Addr, Fd, Int, Token, Pin, Aio };

struct Var {
  std::string name;
  VarType type{};
  SourcePos pos; // first assignment
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source; // file path, or builtin name
  std::optional<std::string> kernel;
  std::vector<FileSpec> files;
  std::vector<Cpu> cpus;
  std::vector<Var> vars;
  // [expect]: variant -> exact set of safety violation kinds (empty set = "clean")
  std::map<std::string, std::set<std::string>> expect;
  // [expect.liveness]: variant -> exact set of liveness kinds (empty set = "clean")
  std::map<std::string, std::set<std::string>> expect_liveness;
  // variant -> events that must be reachable
  std::map<std::string, std::vector<std::string>> reaches;
};

// Flag constants understood in scenarios. Values follow x86-64 Linux.
namespace flags {
inline constexpr int64_t O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_DIRECT = 040000;
inline constexpr int64_t PROT_READ = 1, PROT_WRITE = 2;
inline constexpr int64_t MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
inline constexpr int64_t MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
inline constexpr int64_t ANON_FILE = -1;                             // the ANON pseudo-file of mmap
inline constexpr int64_t FOLL_WRITE = 0x01, FOLL_LONGTERM = 0x10000; // include/linux/mm.h (6.1)
inline constexpr int64_t MADV_COLD = 20, MADV_PAGEOUT = 21;
inline constexpr int64_t POSIX_FADV_DONTNEED = 4;
inline constexpr int64_t SYNC_FILE_RANGE_WAIT_BEFORE = 1, SYNC_FILE_RANGE_WRITE = 2,
                         SYNC_FILE_RANGE_WAIT_AFTER = 4;
} // namespace flags

} // namespace pagerace::scenario
