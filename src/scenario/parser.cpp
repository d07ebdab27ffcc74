// Scenario files (TOML) to a resolved Scenario.
//
// Three stages:
//   1. bytes -> toml::table (encoding checks, toml++ errors mapped to ParseError);
//   2. the TOML tables -> files, CPUs, expectations, each value checked;
//   3. the call strings: pass 1 parses every call and registers the variables it
//      assigns (variables are global, so a CPU may use one assigned by a CPU
//      listed after it); pass 2 resolves and type-checks the arguments.
// Positions inside call strings are mapped back to the TOML source, escapes and
// multi-line strings included; if that mapping ever fails we fall back to
// "string start column + 1 + offset".
#include "scenario/parser.hpp"

#include "scenario/builtin.hpp"
#include "scenario/kinds.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pagerace::scenario {

namespace {

std::string render_error(const SourcePos &pos, const std::string &message) {
  const std::string file = pos.file.empty() ? std::string("<input>") : pos.file;
  if (pos.line <= 0) return fmt::format("{}: error: {}", file, message);
  return fmt::format("{}:{}:{}: error: {}", file, pos.line, pos.col, message);
}

} // namespace

ParseError::ParseError(SourcePos pos, const std::string &message)
    : std::runtime_error(render_error(pos, message)), pos_(std::move(pos)), message_(message) {}

namespace {

// ---------------------------------------------------------------------------
// Names, suggestions

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}
bool is_identifier(std::string_view s) {
  return !s.empty() && is_ident_start(s.front()) && std::all_of(s.begin(), s.end(), is_ident_char);
}

// Optimal-string-alignment distance (edits + adjacent transpositions), ignoring
// ASCII case.
size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= m; ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && ascii_lower(a[i - 1]) == ascii_lower(b[j - 2]) &&
          ascii_lower(a[i - 2]) == ascii_lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// "; did you mean 'x'?" for the nearest candidate, or "" if none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string> &candidates) {
  if (word.empty() || word.size() > 64) return "";
  const std::string *best = nullptr;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const std::string &c : candidates) {
    if (c == word) continue;
    const size_t dist = edit_distance(word, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = &c;
    }
  }
  const size_t limit = std::max<size_t>(1, (word.size() + 2) / 3);
  if (best != nullptr && best_distance <= limit) return fmt::format("; did you mean '{}'?", *best);
  return "";
}

std::string where(const SourcePos &p) {
  return fmt::format("line {}, column {}", p.line, p.col);
}

// ---------------------------------------------------------------------------
// The call language: constants and calls

enum class Family : uint8_t { Open, Map, Prot, Msync, Foll, Madv, Fadv, Sfr };

struct FlagConst {
  std::string_view name;
  int64_t value;
  Family family;
};

constexpr std::array<FlagConst, 20> kFlagConsts = {{
    {"O_RDONLY", flags::O_RDONLY, Family::Open},
    {"O_WRONLY", flags::O_WRONLY, Family::Open},
    {"O_RDWR", flags::O_RDWR, Family::Open},
    {"O_DIRECT", flags::O_DIRECT, Family::Open},
    {"PROT_READ", flags::PROT_READ, Family::Prot},
    {"PROT_WRITE", flags::PROT_WRITE, Family::Prot},
    {"MAP_SHARED", flags::MAP_SHARED, Family::Map},
    {"MAP_PRIVATE", flags::MAP_PRIVATE, Family::Map},
    {"MAP_ANONYMOUS", flags::MAP_ANONYMOUS, Family::Map},
    {"MS_SYNC", flags::MS_SYNC, Family::Msync},
    {"MS_ASYNC", flags::MS_ASYNC, Family::Msync},
    {"MS_INVALIDATE", flags::MS_INVALIDATE, Family::Msync},
    {"FOLL_WRITE", flags::FOLL_WRITE, Family::Foll},
    {"FOLL_LONGTERM", flags::FOLL_LONGTERM, Family::Foll},
    {"MADV_COLD", flags::MADV_COLD, Family::Madv},
    {"MADV_PAGEOUT", flags::MADV_PAGEOUT, Family::Madv},
    {"POSIX_FADV_DONTNEED", flags::POSIX_FADV_DONTNEED, Family::Fadv},
    {"SYNC_FILE_RANGE_WAIT_BEFORE", flags::SYNC_FILE_RANGE_WAIT_BEFORE, Family::Sfr},
    {"SYNC_FILE_RANGE_WRITE", flags::SYNC_FILE_RANGE_WRITE, Family::Sfr},
    {"SYNC_FILE_RANGE_WAIT_AFTER", flags::SYNC_FILE_RANGE_WAIT_AFTER, Family::Sfr},
}};
constexpr std::string_view kAnon = "ANON";

const FlagConst *find_flag(std::string_view name) {
  for (const FlagConst &f : kFlagConsts) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

int64_t family_mask(Family f) {
  int64_t mask = 0;
  for (const FlagConst &c : kFlagConsts) {
    if (c.family == f) mask |= c.value;
  }
  return mask;
}

std::string_view family_what(Family f) {
  switch (f) {
  case Family::Open: return "an open() flag";
  case Family::Map: return "an mmap() flag";
  case Family::Prot: return "a protection flag";
  case Family::Msync: return "an msync() flag";
  case Family::Foll: return "a pin_user_pages() flag";
  case Family::Madv: return "a madvise() advice";
  case Family::Fadv: return "a posix_fadvise() advice";
  case Family::Sfr: return "a sync_file_range() flag";
  }
  return "a flag";
}

std::string_view family_expect(Family f) {
  switch (f) {
  case Family::Open: return "open() flags (O_RDONLY, O_WRONLY, O_RDWR, O_DIRECT)";
  case Family::Map: return "mmap() flags (MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS)";
  case Family::Prot: return "a protection (PROT_READ, PROT_WRITE)";
  case Family::Msync: return "msync() flags (MS_SYNC, MS_ASYNC, MS_INVALIDATE)";
  case Family::Foll: return "pin_user_pages() flags (FOLL_WRITE, FOLL_LONGTERM)";
  case Family::Madv: return "one madvise() advice (MADV_PAGEOUT or MADV_COLD)";
  case Family::Fadv: return "the posix_fadvise() advice POSIX_FADV_DONTNEED";
  case Family::Sfr:
    return "sync_file_range() flags (SYNC_FILE_RANGE_WAIT_BEFORE, SYNC_FILE_RANGE_WRITE, "
           "SYNC_FILE_RANGE_WAIT_AFTER)";
  }
  return "flags";
}

enum class Param : uint8_t {
  File,
  FileOrAnon,
  Addr,
  Fd,
  Int,
  OpenFlags,
  MapFlags,
  Prot,
  MsyncFlags,
  FollFlags,
  MadvAdvice,
  FadvAdvice,
  SfrFlags,
  Char,
  Passes,
  Pin,
  Aio
};

std::optional<Family> param_family(Param p) {
  switch (p) {
  case Param::OpenFlags: return Family::Open;
  case Param::MapFlags: return Family::Map;
  case Param::Prot: return Family::Prot;
  case Param::MsyncFlags: return Family::Msync;
  case Param::FollFlags: return Family::Foll;
  case Param::MadvAdvice: return Family::Madv;
  case Param::FadvAdvice: return Family::Fadv;
  case Param::SfrFlags: return Family::Sfr;
  default: return std::nullopt;
  }
}

std::string param_expect(Param p) {
  switch (p) {
  case Param::File: return "a file from [files]";
  case Param::FileOrAnon: return "a file from [files] or ANON";
  case Param::Addr: return "an address (a variable assigned by mmap)";
  case Param::Fd: return "a file descriptor (a variable assigned by open)";
  case Param::Int: return "an integer";
  case Param::Char: return "a character literal such as 'A'";
  case Param::Passes: return "an integer literal from 1 to 16";
  case Param::Pin: return "a pin (a variable assigned by pin_user_pages)";
  case Param::Aio: return "an aio request (a variable assigned by io_submit)";
  default: return std::string(family_expect(*param_family(p)));
  }
}

struct ParamSpec {
  Param type;
  std::string_view name;
};

struct CallSpec {
  std::string_view name;
  OpCode code;
  std::vector<ParamSpec> params;
  size_t required;
  VarType ret;
  std::string_view signature;
};

const std::vector<CallSpec> &call_specs() {
  using P = Param;
  static const std::vector<CallSpec> specs = {
      {"mmap",
       OpCode::Mmap,
       {{P::FileOrAnon, "file"}, {P::MapFlags, "flags"}, {P::Int, "length"}, {P::Prot, "prot"}},
       2,
       VarType::Addr,
       "mmap(file|ANON, flags[, length[, prot]])"},
      {"munmap",
       OpCode::Munmap,
       {{P::Addr, "addr"}, {P::Int, "len"}},
       2,
       VarType::Int,
       "munmap(addr, len)"},
      {"open",
       OpCode::Open,
       {{P::File, "file"}, {P::OpenFlags, "flags"}},
       2,
       VarType::Fd,
       "open(file, flags)"},
      {"close", OpCode::Close, {{P::Fd, "fd"}}, 1, VarType::Int, "close(fd)"},
      {"read",
       OpCode::Read,
       {{P::Fd, "fd"}, {P::Addr, "addr"}, {P::Int, "len"}},
       3,
       VarType::Int,
       "read(fd, addr, len)"},
      {"write",
       OpCode::Write,
       {{P::Fd, "fd"}, {P::Addr, "addr"}, {P::Int, "len"}},
       3,
       VarType::Int,
       "write(fd, addr, len)"},
      {"pread",
       OpCode::Pread,
       {{P::Fd, "fd"}, {P::Addr, "addr"}, {P::Int, "len"}, {P::Int, "off"}},
       4,
       VarType::Int,
       "pread(fd, addr, len, off)"},
      {"pwrite",
       OpCode::Pwrite,
       {{P::Fd, "fd"}, {P::Addr, "addr"}, {P::Int, "len"}, {P::Int, "off"}},
       4,
       VarType::Int,
       "pwrite(fd, addr, len, off)"},
      {"store",
       OpCode::Store,
       {{P::Addr, "addr"}, {P::Char, "char"}},
       2,
       VarType::Int,
       "store(addr, 'c')"},
      {"load", OpCode::Load, {{P::Addr, "addr"}}, 1, VarType::Token, "load(addr)"},
      {"msync",
       OpCode::Msync,
       {{P::Addr, "addr"}, {P::Int, "len"}, {P::MsyncFlags, "flags"}},
       3,
       VarType::Int,
       "msync(addr, len, flags)"},
      {"fsync", OpCode::Fsync, {{P::Fd, "fd"}}, 1, VarType::Int, "fsync(fd)"},
      {"fdatasync", OpCode::Fdatasync, {{P::Fd, "fd"}}, 1, VarType::Int, "fdatasync(fd)"},
      {"sync", OpCode::Sync, {}, 0, VarType::Int, "sync()"},
      {"kswapd", OpCode::Kswapd, {{P::Passes, "K"}}, 0, VarType::Int, "kswapd([K])"},
      {"writeback", OpCode::Writeback, {}, 0, VarType::Int, "writeback()"},
      {"pin_user_pages",
       OpCode::PinUserPages,
       {{P::Addr, "addr"}, {P::Int, "len"}, {P::FollFlags, "flags"}},
       3,
       VarType::Pin,
       "pin_user_pages(addr, len, FOLL_WRITE | FOLL_LONGTERM)"},
      {"unpin_user_pages",
       OpCode::UnpinUserPages,
       {{P::Pin, "pin"}},
       1,
       VarType::Int,
       "unpin_user_pages(pin)"},
      {"io_submit",
       OpCode::IoSubmit,
       {{P::Fd, "fd"}, {P::Addr, "addr"}, {P::Int, "len"}, {P::Int, "off"}},
       3,
       VarType::Aio,
       "io_submit(fd, addr, len[, off])"},
      {"io_getevents",
       OpCode::IoGetevents,
       {{P::Aio, "aio"}},
       1,
       VarType::Int,
       "io_getevents(aio)"},
      {"truncate",
       OpCode::Truncate,
       {{P::File, "file"}, {P::Int, "size"}},
       2,
       VarType::Int,
       "truncate(file, size)"},
      {"madvise",
       OpCode::Madvise,
       {{P::Addr, "addr"}, {P::Int, "len"}, {P::MadvAdvice, "advice"}},
       3,
       VarType::Int,
       "madvise(addr, len, MADV_PAGEOUT | MADV_COLD)"},
      {"posix_fadvise",
       OpCode::Fadvise,
       {{P::Fd, "fd"}, {P::FadvAdvice, "advice"}},
       2,
       VarType::Int,
       "posix_fadvise(fd, POSIX_FADV_DONTNEED)"},
      {"sync_file_range",
       OpCode::SyncFileRange,
       {{P::Fd, "fd"}, {P::SfrFlags, "flags"}},
       2,
       VarType::Int,
       "sync_file_range(fd, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | "
       "SYNC_FILE_RANGE_WAIT_AFTER)"},
  };
  return specs;
}

const CallSpec *find_call(std::string_view name) {
  for (const CallSpec &c : call_specs()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> call_names() {
  std::vector<std::string> out;
  for (const CallSpec &c : call_specs())
    out.emplace_back(c.name);
  return out;
}

std::string_view var_type_name(VarType t) {
  switch (t) {
  case VarType::Addr: return "addr";
  case VarType::Fd: return "fd";
  case VarType::Int: return "int";
  case VarType::Token: return "token";
  case VarType::Pin: return "pin";
  case VarType::Aio: return "aio";
  }
  return "?";
}

constexpr int64_t kDefaultKswapdPasses = 3;
constexpr int64_t kMaxKswapdPasses = 16;
constexpr size_t kMaxCpus = 6;
constexpr size_t kMaxFiles = 4;
constexpr size_t kMaxCallsPerCpu = 32;
// The call parser and everything that walks its expression trees recurse:
// these keep the recursion shallow whatever a call string holds.
constexpr size_t kMaxCallTokens = 256;
constexpr int kMaxNesting = 32;      // levels of '(' and unary '-'
constexpr size_t kMaxVariables = 24; // model::kMaxVars: State keeps every variable
constexpr int64_t kMaxPages = 8;

// ---------------------------------------------------------------------------
// Source text: encoding checks and positions

size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Byte offset of the first invalid UTF-8 sequence, if any. Rejects overlong
// forms, surrogates and code points above U+10FFFF.
std::optional<size_t> find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

struct LineCol {
  int line = 0;
  int col = 0;
};

class SourceText {
public:
  explicit SourceText(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }
  std::string_view text() const { return text_; }

  // Byte offset of a toml++ position (1-based line, 1-based column counted in
  // code points).
  std::optional<size_t> offset_of(int line, int col) const {
    if (line < 1 || static_cast<size_t>(line) > line_starts_.size() || col < 1) {
      return std::nullopt;
    }
    size_t p = line_starts_[static_cast<size_t>(line) - 1];
    for (int c = 1; c < col; ++c) {
      if (p >= text_.size() || text_[p] == '\n') return std::nullopt;
      p += std::min(utf8_len(static_cast<unsigned char>(text_[p])), text_.size() - p);
    }
    return p;
  }

  // Line and column (code points) of a byte offset.
  LineCol position_of(size_t off) const {
    off = std::min(off, text_.size());
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
    const size_t line = static_cast<size_t>(it - line_starts_.begin());
    size_t p = line_starts_[line - 1];
    int col = 1;
    while (p < off) {
      p += std::min(utf8_len(static_cast<unsigned char>(text_[p])), text_.size() - p);
      ++col;
    }
    return {static_cast<int>(line), col};
  }

private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

void append_utf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// For a TOML string literal starting at (line, col) whose value is `decoded`,
// the source position of every byte of `decoded` (plus one entry for the end).
// Handles basic, literal and multi-line strings and escapes; returns nullopt if
// the raw text does not reproduce `decoded` exactly.
std::optional<std::vector<LineCol>> map_string(const SourceText &src, int line, int col,
                                               std::string_view decoded) {
  const std::string_view t = src.text();
  const std::optional<size_t> start = src.offset_of(line, col);
  if (!start) return std::nullopt;
  size_t p = *start;
  LineCol here{line, col};
  auto at = [&](std::string_view s) { return t.substr(p, s.size()) == s; };
  auto step = [&](size_t bytes) { // advance over bytes on one line
    for (size_t k = 0; k < bytes && p < t.size();) {
      const size_t n = std::min(utf8_len(static_cast<unsigned char>(t[p])), t.size() - p);
      p += n;
      k += n;
      ++here.col;
    }
  };
  auto newline = [&] {
    ++p;
    ++here.line;
    here.col = 1;
  };

  bool basic = false, multi = false;
  if (at("\"\"\"")) {
    basic = multi = true;
    step(3);
  } else if (at("'''")) {
    multi = true;
    step(3);
  } else if (at("\"")) {
    basic = true;
    step(1);
  } else if (at("'")) {
    step(1);
  } else {
    return std::nullopt;
  }
  if (multi) { // a newline right after the opening delimiter is trimmed
    if (at("\r\n")) {
      ++p;
      newline();
    } else if (at("\n")) {
      newline();
    }
  }

  std::vector<LineCol> out;
  out.reserve(decoded.size() + 1);
  auto emit = [&](std::string_view bytes, LineCol pos) {
    for (char ch : bytes) {
      if (out.size() >= decoded.size() || decoded[out.size()] != ch) return false;
      out.push_back(pos);
    }
    return true;
  };
  const char quote = basic ? '"' : '\'';
  while (p < t.size()) {
    const LineCol pos = here;
    const char ch = t[p];
    if (ch == quote) {
      if (!multi) break;
      size_t run = 0;
      while (p + run < t.size() && t[p + run] == quote)
        ++run;
      if (run >= 3) {
        for (size_t k = 0; k + 3 < run; ++k) { // up to two quotes before the closing
          if (!emit(t.substr(p, 1), here)) return std::nullopt;
          step(1);
        }
        break;
      }
      for (size_t k = 0; k < run; ++k) {
        if (!emit(t.substr(p, 1), here)) return std::nullopt;
        step(1);
      }
      continue;
    }
    if (basic && ch == '\\') {
      if (p + 1 >= t.size()) return std::nullopt;
      const char e = t[p + 1];
      char simple = 0;
      switch (e) {
      case 'b': simple = '\b'; break;
      case 't': simple = '\t'; break;
      case 'n': simple = '\n'; break;
      case 'f': simple = '\f'; break;
      case 'r': simple = '\r'; break;
      case 'e': simple = '\x1B'; break;
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      default: break;
      }
      if (simple != 0) {
        if (!emit(std::string_view(&simple, 1), pos)) return std::nullopt;
        step(2);
        continue;
      }
      if (e == 'u' || e == 'U') {
        const size_t digits = e == 'u' ? 4 : 8;
        if (p + 2 + digits > t.size()) return std::nullopt;
        uint32_t cp = 0;
        for (size_t k = 0; k < digits; ++k) {
          const char h = t[p + 2 + k];
          uint32_t v = 0;
          if (h >= '0' && h <= '9') {
            v = static_cast<uint32_t>(h - '0');
          } else if (h >= 'a' && h <= 'f') {
            v = static_cast<uint32_t>(h - 'a' + 10);
          } else if (h >= 'A' && h <= 'F') {
            v = static_cast<uint32_t>(h - 'A' + 10);
          } else {
            return std::nullopt;
          }
          cp = cp * 16 + v;
        }
        if (cp > 0x10FFFF) return std::nullopt;
        std::string enc;
        append_utf8(enc, cp);
        if (!emit(enc, pos)) return std::nullopt;
        step(2 + digits);
        continue;
      }
      if (multi && (e == ' ' || e == '\t' || e == '\r' || e == '\n')) {
        // line-ending backslash: drops all whitespace up to the next text
        step(1);
        while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\r' || t[p] == '\n')) {
          if (t[p] == '\n') {
            newline();
          } else {
            step(1);
          }
        }
        continue;
      }
      return std::nullopt;
    }
    if (ch == '\n') {
      if (!emit("\n", pos)) return std::nullopt;
      newline();
      continue;
    }
    if (ch == '\r' && at("\r\n") && out.size() < decoded.size() && decoded[out.size()] == '\n') {
      if (!emit("\n", pos)) return std::nullopt; // CRLF normalised to LF
      ++p;
      newline();
      continue;
    }
    const size_t n = std::min(utf8_len(static_cast<unsigned char>(ch)), t.size() - p);
    if (!emit(t.substr(p, n), pos)) return std::nullopt;
    step(n);
  }
  if (p >= t.size() || out.size() != decoded.size()) return std::nullopt;
  out.push_back(here); // the closing delimiter
  return out;
}

// A call string from the scenario with the means to locate any byte of it.
struct CallString {
  std::string text; // decoded value
  const std::string *origin = nullptr;
  LineCol start;                           // the opening quote
  std::optional<std::vector<LineCol>> map; // per byte of text, plus the end

  SourcePos at(size_t off) const {
    if (map && off < map->size()) return {*origin, (*map)[off].line, (*map)[off].col};
    return {*origin, start.line, start.col + 1 + static_cast<int>(off)};
  }
};

// ---------------------------------------------------------------------------
// Lexer and parser of one call

[[noreturn]] void fail_at(const CallString &cs, size_t off, const std::string &message) {
  throw ParseError(cs.at(off), message);
}

enum class Tok : uint8_t {
  Ident,
  Int,
  Char,
  LParen,
  RParen,
  Comma,
  Assign,
  Pipe,
  Plus,
  Minus,
  End
};

struct Token {
  Tok kind = Tok::End;
  std::string text;
  int64_t value = 0;
  size_t off = 0;
};

std::string describe_token(const Token &t) {
  if (t.kind == Tok::End) return "the end of the call";
  return fmt::format("'{}'", t.text);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string describe_char_at(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b >= 0x80) {
    const size_t n = std::min(utf8_len(b), s.size() - i);
    uint32_t cp = b & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return fmt::format("unexpected character '{}' (U+{:04X}); calls are written in ASCII",
                       s.substr(i, n), cp);
  }
  if (b < 0x20 || b == 0x7F) return fmt::format("unexpected control character U+{:04X}", b);
  if (b == ';') return "unexpected character ';': write one call per string, without ';'";
  return fmt::format("unexpected character '{}'", static_cast<char>(b));
}

Token lex_number(const CallString &cs, size_t &i) {
  const std::string_view s = cs.text;
  const size_t start = i;
  unsigned base = 10;
  if (s[i] == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  }
  const size_t digits_start = i;
  while (i < s.size() && is_ident_char(s[i]))
    ++i;
  const std::string_view word = s.substr(start, i - start);
  const std::string_view digits = s.substr(digits_start, i - digits_start);
  if (digits.empty()) fail_at(cs, start, fmt::format("invalid integer literal '{}'", word));
  uint64_t value = 0;
  for (char c : digits) {
    unsigned v = 0;
    if (c >= '0' && c <= '9') {
      v = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      v = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      v = static_cast<unsigned>(c - 'A' + 10);
    } else {
      fail_at(cs, start,
              fmt::format("invalid integer literal '{}' (write decimal like 4096 or hex like "
                          "0x1000)",
                          word));
    }
    if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - v) / base) {
      fail_at(cs, start, fmt::format("integer literal '{}' is too large", word));
    }
    value = value * base + v;
  }
  if (base == 10 && digits.size() > 1 && digits.front() == '0') {
    fail_at(cs, start,
            fmt::format("integer literal '{}' has a leading zero (octal is not supported; write "
                        "decimal or 0x hex)",
                        word));
  }
  return Token{Tok::Int, std::string(word), static_cast<int64_t>(value), start};
}

Token lex_char(const CallString &cs, size_t &i) {
  const std::string_view s = cs.text;
  const size_t start = i;
  const std::string_view rule =
      "a character literal holds one printable ASCII character other than ' and \\, e.g. 'A'";
  if (i + 1 >= s.size())
    fail_at(cs, start, fmt::format("unterminated character literal; {}", rule));
  const auto c = static_cast<unsigned char>(s[i + 1]);
  if (c == '\'') fail_at(cs, start, fmt::format("empty character literal; {}", rule));
  if (c < 0x20 || c >= 0x7F || c == '\\') {
    fail_at(cs, start, fmt::format("invalid character literal; {}", rule));
  }
  if (i + 2 >= s.size() || s[i + 2] != '\'') {
    fail_at(cs, start, fmt::format("unterminated character literal; {}", rule));
  }
  i += 3;
  return Token{Tok::Char, std::string(s.substr(start, 3)), static_cast<int64_t>(c), start};
}

std::vector<Token> lex(const CallString &cs) {
  const std::string_view s = cs.text;
  std::vector<Token> toks;
  size_t i = 0;
  for (;;) {
    while (i < s.size() && is_space(s[i]))
      ++i;
    if (i >= s.size()) {
      toks.push_back(Token{Tok::End, "", 0, i});
      return toks;
    }
    const char c = s[i];
    const size_t start = i;
    if (is_ident_start(c)) {
      while (i < s.size() && is_ident_char(s[i]))
        ++i;
      toks.push_back(Token{Tok::Ident, std::string(s.substr(start, i - start)), 0, start});
      continue;
    }
    if (c >= '0' && c <= '9') {
      toks.push_back(lex_number(cs, i));
      continue;
    }
    if (c == '\'') {
      toks.push_back(lex_char(cs, i));
      continue;
    }
    Tok kind = Tok::End;
    switch (c) {
    case '(': kind = Tok::LParen; break;
    case ')': kind = Tok::RParen; break;
    case ',': kind = Tok::Comma; break;
    case '=': kind = Tok::Assign; break;
    case '|': kind = Tok::Pipe; break;
    case '+': kind = Tok::Plus; break;
    case '-': kind = Tok::Minus; break;
    default: fail_at(cs, start, describe_char_at(s, i));
    }
    ++i;
    toks.push_back(Token{kind, std::string(1, c), 0, start});
  }
}

struct Expr {
  enum class Kind : uint8_t { Int, Char, Name, Neg, Or, Add, Sub } kind = Kind::Int;
  int64_t value = 0;
  std::string name;
  size_t off = 0;    // first byte of the expression
  size_t op_off = 0; // operator, for Neg/Or/Add/Sub
  std::vector<Expr> kids;
};

struct Stmt {
  CallString src;
  std::string target; // assigned variable, or empty
  size_t target_off = 0;
  const CallSpec *spec = nullptr;
  size_t call_off = 0;
  std::vector<Expr> args;
  size_t close_off = 0; // the ')'
  int cpu = 0;
  int index = 0;
};

class CallParser {
public:
  explicit CallParser(Stmt &st) : st_(st), toks_(lex(st.src)) {}

  void parse() {
    if (toks_.size() > kMaxCallTokens + 1) // the last token is End
      fail_at(st_.src, toks_[kMaxCallTokens].off,
              fmt::format("call too long: at most {} tokens in one call", kMaxCallTokens));
    if (peek().kind == Tok::End) fail_at(st_.src, peek().off, "empty call");
    if (peek().kind == Tok::Ident && toks_[pos_ + 1].kind == Tok::Assign) {
      st_.target = next().text;
      st_.target_off = toks_[pos_ - 1].off;
      next();
    }
    const Token &name = peek();
    if (name.kind != Tok::Ident) {
      fail_at(st_.src, name.off,
              fmt::format("expected a call such as read(fd, addr, 4096), found {}",
                          describe_token(name)));
    }
    st_.spec = find_call(name.text);
    st_.call_off = name.off;
    if (st_.spec == nullptr) {
      std::string hint = did_you_mean(name.text, call_names());
      if (hint.empty()) {
        hint = fmt::format("; known calls: {}", fmt::join(call_names(), ", "));
      }
      fail_at(st_.src, name.off, fmt::format("unknown call '{}'{}", name.text, hint));
    }
    next();
    if (peek().kind != Tok::LParen) {
      fail_at(st_.src, peek().off,
              fmt::format("expected '(' after '{}', found {} (write {})", name.text,
                          describe_token(peek()), st_.spec->signature));
    }
    next();
    if (peek().kind != Tok::RParen) {
      for (;;) {
        st_.args.push_back(parse_or());
        if (peek().kind == Tok::Comma) {
          next();
          continue;
        }
        if (peek().kind == Tok::RParen) break;
        fail_at(st_.src, peek().off,
                fmt::format("expected ',' or ')' in the arguments of {}(), found {}", name.text,
                            describe_token(peek())));
      }
    }
    st_.close_off = next().off;
    if (peek().kind != Tok::End) {
      fail_at(st_.src, peek().off,
              fmt::format("unexpected {} after the call; write one call per string",
                          describe_token(peek())));
    }
    check_arity();
  }

private:
  const Token &peek() const { return toks_[pos_]; }
  const Token &next() {
    const Token &t = toks_[pos_];
    if (t.kind != Tok::End) ++pos_;
    return t;
  }

  void check_arity() const {
    const CallSpec &spec = *st_.spec;
    const size_t max = spec.params.size(), min = spec.required, got = st_.args.size();
    if (got >= min && got <= max) return;
    std::string want;
    if (min == max) {
      want = fmt::format("{}", min);
    } else if (max == min + 1) {
      want = fmt::format("{} or {}", min, max);
    } else {
      want = fmt::format("{} to {}", min, max);
    }
    const size_t off = got > max ? st_.args[max].off : st_.close_off;
    fail_at(st_.src, off,
            fmt::format("wrong number of arguments to {}(): expected {} ({}), got {}", spec.name,
                        want, spec.signature, got));
  }

  Expr parse_or() {
    Expr left = parse_add();
    while (peek().kind == Tok::Pipe) {
      const size_t op = next().off;
      Expr right = parse_add();
      left = binary(Expr::Kind::Or, std::move(left), std::move(right), op);
    }
    return left;
  }

  Expr parse_add() {
    Expr left = parse_unary();
    while (peek().kind == Tok::Plus || peek().kind == Tok::Minus) {
      const Expr::Kind kind = peek().kind == Tok::Plus ? Expr::Kind::Add : Expr::Kind::Sub;
      const size_t op = next().off;
      Expr right = parse_unary();
      left = binary(kind, std::move(left), std::move(right), op);
    }
    return left;
  }

  static Expr binary(Expr::Kind kind, Expr left, Expr right, size_t op) {
    Expr e;
    e.kind = kind;
    e.off = left.off;
    e.op_off = op;
    e.kids.push_back(std::move(left));
    e.kids.push_back(std::move(right));
    return e;
  }

  // Counts a level of nesting while a parse_unary() runs.
  struct Nest {
    explicit Nest(int &d) : depth(++d) {}
    ~Nest() { --depth; }
    Nest(const Nest &) = delete;
    Nest &operator=(const Nest &) = delete;
    int &depth;
  };

  void nest_check(const Token &t) const {
    if (depth_ > kMaxNesting)
      fail_at(st_.src, t.off,
              fmt::format("expression nested too deeply: at most {} levels of '(' and '-'",
                          kMaxNesting));
  }

  Expr parse_unary() {
    const Token &t = peek();
    Expr e;
    e.off = t.off;
    switch (t.kind) {
    case Tok::Minus: {
      const Nest nest(depth_);
      nest_check(t);
      next();
      e.kind = Expr::Kind::Neg;
      e.op_off = t.off;
      e.kids.push_back(parse_unary());
      return e;
    }
    case Tok::LParen: {
      const Nest nest(depth_);
      nest_check(t);
      next();
      Expr inner = parse_or();
      if (peek().kind != Tok::RParen) {
        fail_at(st_.src, peek().off,
                fmt::format("expected ')' to close '(', found {}", describe_token(peek())));
      }
      next();
      inner.off = e.off;
      return inner;
    }
    case Tok::Int:
      e.kind = Expr::Kind::Int;
      e.value = next().value;
      return e;
    case Tok::Char:
      e.kind = Expr::Kind::Char;
      e.value = next().value;
      return e;
    case Tok::Ident:
      e.kind = Expr::Kind::Name;
      e.name = next().text;
      if (peek().kind == Tok::LParen) {
        fail_at(st_.src, e.off,
                fmt::format("calls cannot be nested: assign the result of {}(...) to a "
                            "variable in an earlier call and pass the variable",
                            e.name));
      }
      return e;
    default:
      fail_at(st_.src, t.off, fmt::format("expected an argument, found {}", describe_token(t)));
    }
  }

  Stmt &st_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------
// Typed values of argument expressions

struct Value {
  enum class Kind : uint8_t { Int, Flags, File, Anon, Char, Var } kind = Kind::Int;
  int64_t v = 0; // Int/Flags/Char: the value; File: its index; Var: the offset
  int var = -1;
  std::string name; // file or variable name
  size_t off = 0;
  std::vector<std::pair<const FlagConst *, size_t>> uses; // flag constants and where
};

// ---------------------------------------------------------------------------
// The scenario parser

using Entry = std::pair<const toml::key *, const toml::node *>;

bool before(const toml::source_position &a, const toml::source_position &b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// Entries of a table in source order (toml++ iterates in key order).
std::vector<Entry> sorted_entries(const toml::table &t) {
  std::vector<Entry> out;
  for (auto &&[k, v] : t)
    out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const Entry &a, const Entry &b) {
    return before(a.first->source().begin, b.first->source().begin);
  });
  return out;
}

std::string_view toml_type_name(const toml::node &n) {
  switch (n.type()) {
  case toml::node_type::table: return "a table";
  case toml::node_type::array: return "an array";
  case toml::node_type::string: return "a string";
  case toml::node_type::integer: return "an integer";
  case toml::node_type::floating_point: return "a float";
  case toml::node_type::boolean: return "a boolean";
  case toml::node_type::date: return "a date";
  case toml::node_type::time: return "a time";
  case toml::node_type::date_time: return "a date-time";
  default: return "nothing";
  }
}

struct Leaf {
  std::string name;               // dotted path below the flattened table
  const toml::key *key = nullptr; // first key of the path, where the variant is named
  const toml::node *value = nullptr;
};

// `v4.15 = "clean"` is the dotted key v4 -> 15 in TOML; joining the path back
// with '.' gives the variant name as written.
// Keys in `skip_top` are sub-tables of the table itself ([expect.reaches]),
// not variants.
void flatten(const toml::table &t, const std::string &prefix, const toml::key *head,
             std::vector<Leaf> &out, const std::vector<std::string_view> &skip_top = {}) {
  for (const auto &[key, node] : sorted_entries(t)) {
    if (prefix.empty() &&
        std::find(skip_top.begin(), skip_top.end(), key->str()) != skip_top.end()) {
      continue;
    }
    std::string name =
        prefix.empty() ? std::string(key->str()) : prefix + "." + std::string(key->str());
    const toml::key *first = head != nullptr ? head : key;
    if (const toml::table *sub = node->as_table()) {
      flatten(*sub, name, first, out);
    } else {
      out.push_back(Leaf{std::move(name), first, node});
    }
  }
}

class ScenarioParser {
public:
  ScenarioParser(std::string_view text, std::string origin)
      : text_(strip_bom(text)), origin_(std::move(origin)), src_(text_) {}

  Scenario run() {
    check_encoding();
    toml::table root;
    try {
      root = toml::parse(text_, std::string_view(origin_));
    } catch (const toml::parse_error &e) {
      std::string message = fmt::format("invalid TOML: {}", e.description());
      if (e.description().find("redefine") != std::string_view::npos) {
        message += " (a key, file or table is defined twice)";
      }
      fail(at(e.source().begin), message);
    }
    sc_.source = origin_;
    check_top_level(root);
    parse_header(root);
    parse_files(root);
    parse_cpus(root);
    resolve_calls();
    parse_expect(root);
    return std::move(sc_);
  }

private:
  static std::string_view strip_bom(std::string_view t) {
    if (t.substr(0, 3) == "\xEF\xBB\xBF") t.remove_prefix(3);
    return t;
  }

  [[noreturn]] void fail(SourcePos pos, const std::string &message) const {
    throw ParseError(std::move(pos), message);
  }
  SourcePos at(const toml::source_position &p) const {
    return {origin_, static_cast<int>(p.line), static_cast<int>(p.column)};
  }
  SourcePos at(const toml::node &n) const { return at(n.source().begin); }
  SourcePos at(const toml::key &k) const { return at(k.source().begin); }
  SourcePos top() const { return {origin_, 1, 1}; }

  void check_encoding() const {
    if (const std::optional<size_t> bad = find_invalid_utf8(text_)) {
      const LineCol lc = src_.position_of(*bad);
      fail({origin_, lc.line, lc.col},
           fmt::format("invalid UTF-8 (byte 0x{:02X}); scenario files must be UTF-8 text",
                       static_cast<unsigned char>(text_[*bad])));
    }
  }

  [[noreturn]] void wrong_type(const toml::node &n, std::string_view what,
                               std::string_view expected) const {
    fail(at(n),
         fmt::format("wrong type: {} must be {}, not {}", what, expected, toml_type_name(n)));
  }

  void check_keys(const toml::table &t, const std::vector<std::string> &allowed,
                  std::string_view what) const {
    for (const auto &[key, node] : sorted_entries(t)) {
      if (std::find(allowed.begin(), allowed.end(), key->str()) != allowed.end()) continue;
      std::string hint = did_you_mean(key->str(), allowed);
      if (hint.empty()) hint = fmt::format(" (expected one of: {})", fmt::join(allowed, ", "));
      fail(at(*key), fmt::format("unknown {} '{}'{}", what, key->str(), hint));
    }
  }

  std::string required_string(const toml::node &n, std::string_view what) const {
    const toml::value<std::string> *s = n.as_string();
    if (s == nullptr) wrong_type(n, what, "a string");
    if (s->get().empty()) fail(at(n), fmt::format("{} must not be empty", what));
    return s->get();
  }

  // -- top level ------------------------------------------------------------

  void check_top_level(const toml::table &root) const {
    check_keys(root, {"name", "description", "kernel", "files", "cpu", "expect"}, "top-level key");
  }

  void parse_header(const toml::table &root) {
    const toml::node *name = root.get("name");
    if (name == nullptr) fail(top(), "missing required key 'name' (the scenario's name)");
    sc_.name = required_string(*name, "'name'");
    if (const toml::node *d = root.get("description")) {
      const toml::value<std::string> *s = d->as_string();
      if (s == nullptr) wrong_type(*d, "'description'", "a string");
      sc_.description = s->get();
    }
    if (const toml::node *k = root.get("kernel")) sc_.kernel = required_string(*k, "'kernel'");
  }

  // -- [files] ---------------------------------------------------------------

  void parse_files(const toml::table &root) {
    const toml::node *node = root.get("files");
    if (node == nullptr) return;
    const toml::table *files = node->as_table();
    if (files == nullptr) wrong_type(*node, "'files'", "a table ([files])");
    for (const auto &[key, value] : sorted_entries(*files)) {
      const std::string name(key->str());
      if (sc_.files.size() == kMaxFiles) {
        fail(at(*key), fmt::format("too many files: at most {} are supported", kMaxFiles));
      }
      if (!is_identifier(name)) {
        fail(at(*key), fmt::format("file name '{}' is not an identifier (letters, digits and '_', "
                                   "not starting with a digit)",
                                   name));
      }
      if (find_flag(name) != nullptr || name == kAnon) {
        fail(at(*key), fmt::format("file name '{}' clashes with the constant {}", name, name));
      }
      if (find_call(name) != nullptr) {
        fail(at(*key), fmt::format("file name '{}' clashes with the call {}()", name, name));
      }
      // Duplicate file names never get here: TOML rejects a key defined twice.
      const toml::table *attrs = value->as_table();
      if (attrs == nullptr) {
        fail(at(*value), fmt::format("wrong type: file '{}' must be a table of attributes such as "
                                     "{{ pages = 1 }}, not {}",
                                     name, toml_type_name(*value)));
      }
      sc_.files.push_back(parse_file(name, *key, *attrs));
      file_index_[name] = static_cast<int>(sc_.files.size()) - 1;
    }
  }

  FileSpec parse_file(const std::string &name, const toml::key &key,
                      const toml::table &attrs) const {
    check_keys(attrs, {"pages", "cached", "buffers", "hole", "stable_writes"}, "file attribute");
    FileSpec f;
    f.name = name;
    f.pos = at(key);
    if (const toml::node *n = attrs.get("pages")) {
      const toml::value<int64_t> *v = n->as_integer();
      if (v == nullptr)
        wrong_type(*n, "'pages'", fmt::format("an integer from 1 to {}", kMaxPages));
      if (v->get() < 1 || v->get() > kMaxPages) {
        fail(at(*n), fmt::format("'pages' must be from 1 to {}, got {}", kMaxPages, v->get()));
      }
      f.pages = static_cast<int>(v->get());
    }
    auto flag = [&](std::string_view attr, bool &out) -> const toml::node * {
      const toml::node *n = attrs.get(attr);
      if (n == nullptr) return nullptr;
      const toml::value<bool> *b = n->as_boolean();
      if (b == nullptr) wrong_type(*n, fmt::format("'{}'", attr), "true or false");
      out = b->get();
      return n;
    };
    flag("cached", f.cached);
    const toml::node *buffers = flag("buffers", f.buffers);
    flag("hole", f.hole);
    flag("stable_writes", f.stable_writes);
    if (!f.cached) {
      if (buffers != nullptr && f.buffers) {
        fail(at(*buffers),
             "buffers = true needs cached = true: buffers belong to page-cache pages");
      }
      f.buffers = false;
    }
    return f;
  }

  // -- [[cpu]], pass 1 ---------------------------------------------------------

  void parse_cpus(const toml::table &root) {
    const toml::node *node = root.get("cpu");
    if (node == nullptr) fail(top(), "no [[cpu]] table: a scenario needs at least one CPU");
    if (node->is_table()) {
      fail(at(*node), "'cpu' must be an array of tables: write [[cpu]], not [cpu]");
    }
    const toml::array *cpus = node->as_array();
    if (cpus != nullptr && cpus->empty()) {
      fail(at(*node), "no [[cpu]] table: a scenario needs at least one CPU");
    }
    if (cpus == nullptr || !cpus->is_array_of_tables()) {
      wrong_type(*node, "'cpu'", "an array of tables ([[cpu]])");
    }
    if (cpus->size() > kMaxCpus) {
      fail(
          at(*cpus->get(kMaxCpus)),
          fmt::format("too many CPUs: at most {} are supported, found {}", kMaxCpus, cpus->size()));
    }
    for (size_t i = 0; i < cpus->size(); ++i)
      parse_cpu(*cpus->get(i)->as_table(), i);
  }

  void parse_cpu(const toml::table &t, size_t index) {
    check_keys(t, {"name", "run"}, "[[cpu]] key");
    Cpu cpu;
    cpu.pos = at(t);
    cpu.name = fmt::format("CPU{}", index + 1);
    if (const toml::node *n = t.get("name")) {
      cpu.name = required_string(*n, "a CPU's 'name'");
      if (cpu.name == "device") {
        fail(at(*n), "CPU name 'device' is reserved for the I/O device column of traces");
      }
    }
    for (const Cpu &other : sc_.cpus) {
      if (other.name == cpu.name) {
        const toml::node *n = t.get("name");
        fail(n != nullptr ? at(*n) : cpu.pos,
             fmt::format("duplicate CPU name '{}' (first used by the [[cpu]] at {})", cpu.name,
                         where(other.pos)));
      }
    }
    const toml::node *run = t.get("run");
    if (run == nullptr) {
      fail(cpu.pos, fmt::format("CPU '{}' has no 'run' list of calls", cpu.name));
    }
    const toml::array *calls = run->as_array();
    if (calls == nullptr) wrong_type(*run, "'run'", "an array of call strings");
    if (calls->empty()) fail(at(*run), "'run' must list at least one call");
    if (calls->size() > kMaxCallsPerCpu) {
      fail(at(*calls->get(kMaxCallsPerCpu)),
           fmt::format("too many calls on CPU '{}': at most {} are supported, found {}", cpu.name,
                       kMaxCallsPerCpu, calls->size()));
    }
    const int cpu_index = static_cast<int>(sc_.cpus.size());
    sc_.cpus.push_back(std::move(cpu));
    for (size_t i = 0; i < calls->size(); ++i) {
      const toml::node &call = *calls->get(i);
      const toml::value<std::string> *s = call.as_string();
      if (s == nullptr) wrong_type(call, "each call in 'run'", "a string");
      parse_stmt(*s, cpu_index, static_cast<int>(i));
    }
  }

  void parse_stmt(const toml::value<std::string> &node, int cpu, int index) {
    Stmt st;
    st.cpu = cpu;
    st.index = index;
    st.src.text = node.get();
    st.src.origin = &origin_;
    const toml::source_position b = node.source().begin;
    st.src.start = {static_cast<int>(b.line), static_cast<int>(b.column)};
    st.src.map = map_string(src_, st.src.start.line, st.src.start.col, st.src.text);
    CallParser(st).parse();
    if (!st.target.empty()) assign(st);
    stmts_.push_back(std::move(st));
  }

  void assign(const Stmt &st) {
    const std::string &name = st.target;
    const SourcePos pos = st.src.at(st.target_off);
    if (find_flag(name) != nullptr || name == kAnon) {
      fail(pos, fmt::format("'{}' is a constant and cannot be assigned", name));
    }
    if (find_call(name) != nullptr) {
      fail(pos, fmt::format("'{}' is the name of a call and cannot be a variable", name));
    }
    if (auto f = file_index_.find(name); f != file_index_.end()) {
      fail(pos, fmt::format("variable '{}' clashes with the file '{}' in [files] (at {})", name,
                            name, where(sc_.files[static_cast<size_t>(f->second)].pos)));
    }
    if (auto v = var_index_.find(name); v != var_index_.end()) {
      fail(pos, fmt::format("variable '{}' is assigned twice: variables are single-assignment "
                            "across all CPUs, and '{}' is first assigned at {}",
                            name, name, where(sc_.vars[static_cast<size_t>(v->second)].pos)));
    }
    if (sc_.vars.size() == kMaxVariables)
      fail(pos, fmt::format("too many variables: at most {} are supported, and '{}' would be "
                            "one more",
                            kMaxVariables, name));
    var_index_[name] = static_cast<int>(sc_.vars.size());
    sc_.vars.push_back(Var{name, st.spec->ret, pos});
    var_where_.push_back({st.cpu, st.index, st.spec});
  }

  // -- pass 2: resolution ----------------------------------------------------------

  void resolve_calls() {
    for (const Stmt &st : stmts_) {
      sc_.cpus[static_cast<size_t>(st.cpu)].ops.push_back(resolve(st));
    }
  }

  Op resolve(const Stmt &st) {
    const CallSpec &spec = *st.spec;
    Op op;
    op.code = spec.code;
    const std::string &text = st.src.text;
    const size_t first = text.find_first_not_of(" \t\r\n");
    const size_t last = text.find_last_not_of(" \t\r\n");
    op.text = text.substr(first, last - first + 1);
    op.pos = st.src.at(first);
    if (!st.target.empty()) op.target = var_index_.at(st.target);

    std::vector<Value> values;
    for (const Expr &e : st.args)
      values.push_back(eval(st, e));
    for (size_t i = 0; i < values.size(); ++i)
      op.args.push_back(convert(st, i, values[i]));

    auto arg_pos = [&](size_t i) { return st.src.at(values[i].off); };
    switch (spec.code) {
    case OpCode::Mmap: {
      const bool anon = values[0].kind == Value::Kind::Anon;
      const int64_t fl = op.args[1].value;
      const bool shared = (fl & flags::MAP_SHARED) != 0, priv = (fl & flags::MAP_PRIVATE) != 0;
      if (shared == priv) {
        fail(arg_pos(1), "mmap() flags must include exactly one of MAP_SHARED and MAP_PRIVATE");
      }
      if (anon && (fl & flags::MAP_ANONYMOUS) == 0) {
        fail(arg_pos(1), "mmap(ANON, ...) needs MAP_ANONYMOUS in its flags");
      }
      if (!anon && (fl & flags::MAP_ANONYMOUS) != 0) {
        fail(arg_pos(1), "MAP_ANONYMOUS maps no file: pass ANON as the first argument, e.g. "
                         "mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)");
      }
      if (values.size() < 3) {
        if (anon) {
          fail(st.src.at(st.close_off), "mmap(ANON, ...) needs a length, e.g. "
                                        "mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)");
        }
        op.args.push_back(Arg{Arg::Kind::Const, 0, -1}); // 0: the whole file
      } else if (anon && op.args[2].kind == Arg::Kind::Const && op.args[2].value <= 0) {
        fail(arg_pos(2), "mmap(ANON, ...) needs a positive length");
      }
      if (values.size() < 4) {
        op.args.push_back(Arg{Arg::Kind::Const, flags::PROT_READ | flags::PROT_WRITE, -1});
      }
      break;
    }
    case OpCode::Open: {
      const int64_t fl = op.args[1].value;
      bool rdonly = false;
      for (const auto &[c, off] : values[1].uses)
        rdonly = rdonly || c->value == flags::O_RDONLY;
      const int modes =
          int(rdonly) + int((fl & flags::O_WRONLY) != 0) + int((fl & flags::O_RDWR) != 0);
      if (modes > 1) {
        fail(arg_pos(1), "open() flags may include only one of O_RDONLY, O_WRONLY and O_RDWR");
      }
      break;
    }
    case OpCode::Msync: {
      const int64_t fl = op.args[2].value;
      if ((fl & flags::MS_SYNC) != 0 && (fl & flags::MS_ASYNC) != 0) {
        fail(arg_pos(2), "MS_SYNC and MS_ASYNC cannot be combined");
      }
      break;
    }
    case OpCode::Kswapd:
      if (values.empty()) op.args.push_back(Arg{Arg::Kind::Const, kDefaultKswapdPasses, -1});
      break;
    case OpCode::IoSubmit:
      if (values.size() < 4) op.args.push_back(Arg{Arg::Kind::Const, 0, -1});
      break;
    case OpCode::Madvise:
      if (values[2].uses.size() != 1) {
        fail(arg_pos(2), "madvise() takes one advice: MADV_PAGEOUT or MADV_COLD (make two calls "
                         "for both)");
      }
      break;
    case OpCode::Fadvise:
      if (op.args[1].value != flags::POSIX_FADV_DONTNEED) {
        fail(arg_pos(1), "posix_fadvise(): the model has POSIX_FADV_DONTNEED only");
      }
      break;
    case OpCode::SyncFileRange:
      if (op.args[1].value == 0) {
        fail(arg_pos(1), "sync_file_range() with no flags does nothing; give "
                         "SYNC_FILE_RANGE_WRITE and/or the WAIT flags");
      }
      break;
    case OpCode::Truncate:
      if (op.args[1].kind == Arg::Kind::Const &&
          (op.args[1].value < 0 || op.args[1].value % 4096 != 0)) {
        fail(arg_pos(1), "truncate(): the model keeps whole pages; size must be a non-negative "
                         "multiple of 4096");
      }
      break;
    default: break;
    }
    return op;
  }

  std::string describe(const Value &v) const {
    switch (v.kind) {
    case Value::Kind::Int: return fmt::format("the integer {}", v.v);
    case Value::Kind::Flags: {
      if (v.uses.size() == 1) return fmt::format("the flag constant {}", v.uses[0].first->name);
      std::vector<std::string_view> names;
      for (const auto &[c, off] : v.uses)
        names.push_back(c->name);
      return fmt::format("the flags {}", fmt::join(names, " | "));
    }
    case Value::Kind::File: return fmt::format("the file '{}'", v.name);
    case Value::Kind::Anon: return "ANON";
    case Value::Kind::Char:
      return fmt::format("the character literal '{}'", static_cast<char>(v.v));
    case Value::Kind::Var: {
      const Var &var = sc_.vars[static_cast<size_t>(v.var)];
      return fmt::format("the {} variable '{}' (assigned by {}() at {})", var_type_name(var.type),
                         var.name, var_where_[static_cast<size_t>(v.var)].spec->name,
                         where(var.pos));
    }
    }
    return "a value";
  }

  Value lookup(const Stmt &st, const Expr &e) const {
    Value v;
    v.off = e.off;
    v.name = e.name;
    if (const FlagConst *f = find_flag(e.name)) {
      v.kind = Value::Kind::Flags;
      v.v = f->value;
      v.uses.emplace_back(f, e.off);
      return v;
    }
    if (e.name == kAnon) {
      v.kind = Value::Kind::Anon;
      v.v = flags::ANON_FILE;
      return v;
    }
    if (auto f = file_index_.find(e.name); f != file_index_.end()) {
      v.kind = Value::Kind::File;
      v.v = f->second;
      return v;
    }
    if (auto it = var_index_.find(e.name); it != var_index_.end()) {
      const VarWhere &w = var_where_[static_cast<size_t>(it->second)];
      if (w.cpu == st.cpu && w.index == st.index) {
        fail_at(st.src, e.off,
                fmt::format("variable '{}' is used by the call that assigns it; the call would "
                            "block forever",
                            e.name));
      }
      if (w.cpu == st.cpu && w.index > st.index) {
        fail_at(st.src, e.off,
                fmt::format("variable '{}' is used before this CPU assigns it (at {}); the call "
                            "would block forever",
                            e.name, where(sc_.vars[static_cast<size_t>(it->second)].pos)));
      }
      v.kind = Value::Kind::Var;
      v.var = it->second;
      v.v = 0;
      return v;
    }
    std::vector<std::string> known;
    for (const FlagConst &f : kFlagConsts)
      known.emplace_back(f.name);
    known.emplace_back(kAnon);
    for (const FileSpec &f : sc_.files)
      known.push_back(f.name);
    for (const Var &var : sc_.vars)
      known.push_back(var.name);
    std::string detail = did_you_mean(e.name, known);
    if (find_call(e.name) != nullptr) {
      detail = fmt::format(" ({}() is a call; calls cannot be arguments)", e.name);
    } else if (detail.empty()) {
      detail = " (not a file in [files], a constant, or a variable assigned by any CPU)";
    }
    fail_at(st.src, e.off, fmt::format("undefined name '{}'{}", e.name, detail));
  }

  static int64_t checked(const CallString &cs, size_t off, bool overflow, int64_t r) {
    if (overflow) fail_at(cs, off, "integer overflow in constant expression");
    return r;
  }

  Value eval(const Stmt &st, const Expr &e) const {
    using K = Value::Kind;
    const CallString &cs = st.src;
    switch (e.kind) {
    case Expr::Kind::Int: return Value{K::Int, e.value, -1, "", e.off, {}};
    case Expr::Kind::Char: return Value{K::Char, e.value, -1, "", e.off, {}};
    case Expr::Kind::Name: return lookup(st, e);
    case Expr::Kind::Neg: {
      Value x = eval(st, e.kids[0]);
      if (x.kind != K::Int) {
        fail_at(cs, x.off, fmt::format("'-' applies to integers only, not {}", describe(x)));
      }
      int64_t r = 0;
      const bool overflow = __builtin_sub_overflow(int64_t{0}, x.v, &r);
      x.v = checked(cs, e.off, overflow, r);
      x.off = e.off;
      return x;
    }
    case Expr::Kind::Or: {
      Value l = eval(st, e.kids[0]), r = eval(st, e.kids[1]);
      for (const Value *x : {&l, &r}) {
        if (x->kind != K::Int && x->kind != K::Flags) {
          fail_at(
              cs, x->off,
              fmt::format("'|' combines flag constants and integers only, not {}", describe(*x)));
        }
      }
      Value out = l;
      out.kind = (l.kind == K::Flags || r.kind == K::Flags) ? K::Flags : K::Int;
      out.v = l.v | r.v;
      out.uses.insert(out.uses.end(), r.uses.begin(), r.uses.end());
      return out;
    }
    case Expr::Kind::Add:
    case Expr::Kind::Sub: {
      const bool add = e.kind == Expr::Kind::Add;
      const char op = add ? '+' : '-';
      Value l = eval(st, e.kids[0]), r = eval(st, e.kids[1]);
      for (const Value *x : {&l, &r}) {
        if (x->kind == K::Flags) {
          fail_at(cs, x->off,
                  fmt::format("'{}' does not apply to flag constants: combine flags with '|'", op));
        }
        if (x->kind == K::File || x->kind == K::Anon || x->kind == K::Char) {
          fail_at(cs, x->off, fmt::format("'{}' does not apply to {}", op, describe(*x)));
        }
        if (x->kind == K::Var) {
          const VarType t = sc_.vars[static_cast<size_t>(x->var)].type;
          if (t != VarType::Addr && t != VarType::Int) {
            fail_at(cs, x->off,
                    fmt::format("'{}' does not apply to {}; only addr and int variables take an "
                                "offset",
                                op, describe(*x)));
          }
        }
      }
      if (l.kind == K::Var && r.kind == K::Var) {
        fail_at(cs, r.off, "cannot combine two variables: an argument is 'variable + constant'");
      }
      if (!add && r.kind == K::Var) {
        fail_at(cs, r.off, "cannot subtract a variable: an argument is 'variable - constant'");
      }
      Value out = l.kind == K::Var ? l : r;
      const int64_t a = l.v, b = r.v;
      int64_t res = 0;
      const bool overflow =
          add ? __builtin_add_overflow(a, b, &res) : __builtin_sub_overflow(a, b, &res);
      out.v = checked(cs, e.op_off, overflow, res);
      out.off = e.off;
      return out;
    }
    }
    return Value{};
  }

  Arg convert(const Stmt &st, size_t i, const Value &v) const {
    using K = Value::Kind;
    const CallSpec &spec = *st.spec;
    const ParamSpec &param = spec.params[i];
    auto type_error = [&]() {
      fail_at(st.src, v.off,
              fmt::format("type error: argument {} ({}) of {}() must be {}, not {}", i + 1,
                          param.name, spec.name, param_expect(param.type), describe(v)));
    };
    auto var_of = [&](VarType t) {
      if (v.kind != K::Var || sc_.vars[static_cast<size_t>(v.var)].type != t) type_error();
      return Arg{Arg::Kind::Var, v.v, v.var};
    };
    switch (param.type) {
    case Param::File:
      if (v.kind == K::Anon) {
        fail_at(st.src, v.off,
                fmt::format("type error: ANON can only be mapped with mmap(); argument {} ({}) "
                            "of {}() must be {}",
                            i + 1, param.name, spec.name, param_expect(param.type)));
      }
      if (v.kind != K::File) type_error();
      return Arg{Arg::Kind::Const, v.v, -1};
    case Param::FileOrAnon:
      if (v.kind != K::File && v.kind != K::Anon) type_error();
      return Arg{Arg::Kind::Const, v.v, -1};
    case Param::Addr: return var_of(VarType::Addr);
    case Param::Fd: return var_of(VarType::Fd);
    case Param::Pin: return var_of(VarType::Pin);
    case Param::Aio: return var_of(VarType::Aio);
    case Param::Int:
      if (v.kind == K::Int) return Arg{Arg::Kind::Const, v.v, -1};
      return var_of(VarType::Int);
    case Param::Char:
      if (v.kind != K::Char) type_error();
      return Arg{Arg::Kind::Const, v.v, -1};
    case Param::Passes:
      if (v.kind != K::Int) type_error();
      if (v.v < 1 || v.v > kMaxKswapdPasses) {
        fail_at(st.src, v.off,
                fmt::format("kswapd(K): K must be from 1 to {}, got {}", kMaxKswapdPasses, v.v));
      }
      return Arg{Arg::Kind::Const, v.v, -1};
    default: break;
    }
    // flags
    const Family family = *param_family(param.type);
    if (v.kind != K::Int && v.kind != K::Flags) type_error();
    for (const auto &[c, off] : v.uses) {
      if (c->family != family) {
        fail_at(st.src, off,
                fmt::format("type error: {} is {}, but argument {} ({}) of {}() must be {}",
                            c->name, family_what(c->family), i + 1, param.name, spec.name,
                            family_expect(family)));
      }
    }
    if (const int64_t unknown = v.v & ~family_mask(family); unknown != 0) {
      fail_at(st.src, v.off,
              fmt::format("unknown bits 0x{:x} in argument {} ({}) of {}(): it must be {}",
                          static_cast<uint64_t>(unknown), i + 1, param.name, spec.name,
                          family_expect(family)));
    }
    return Arg{Arg::Kind::Const, v.v, -1};
  }

  // -- [expect] ----------------------------------------------------------------

  void parse_expect(const toml::table &root) {
    const toml::node *node = root.get("expect");
    if (node == nullptr) return;
    const toml::table *t = node->as_table();
    if (t == nullptr) wrong_type(*node, "'expect'", "a table ([expect])");

    std::vector<Leaf> leaves;
    flatten(*t, "", nullptr, leaves, {"reaches", "liveness"});
    std::map<std::string, SourcePos> seen;
    for (const Leaf &leaf : leaves) {
      check_variant(leaf, seen);
      sc_.expect[leaf.name] = expected_kinds(leaf, KindTable::Safety);
    }
    parse_expect_liveness(*t);
    parse_expect_reaches(*t);
  }

  void parse_expect_liveness(const toml::table &expect) {
    const toml::node *node = expect.get("liveness");
    if (node == nullptr) return;
    const toml::table *t = node->as_table();
    if (t == nullptr) wrong_type(*node, "'expect.liveness'", "a table ([expect.liveness])");
    std::vector<Leaf> leaves;
    flatten(*t, "", nullptr, leaves);
    std::map<std::string, SourcePos> seen;
    for (const Leaf &leaf : leaves) {
      check_variant(leaf, seen);
      sc_.expect_liveness[leaf.name] = expected_kinds(leaf, KindTable::Liveness);
    }
  }

  void parse_expect_reaches(const toml::table &expect) {
    const toml::node *reaches = expect.get("reaches");
    if (reaches == nullptr) return;
    const toml::table *rt = reaches->as_table();
    if (rt == nullptr) wrong_type(*reaches, "'expect.reaches'", "a table ([expect.reaches])");
    std::vector<Leaf> leaves;
    flatten(*rt, "", nullptr, leaves);
    std::map<std::string, SourcePos> seen;
    for (const Leaf &leaf : leaves) {
      check_variant(leaf, seen);
      const toml::array *events = leaf.value->as_array();
      if (events == nullptr) {
        wrong_type(*leaf.value, fmt::format("expect.reaches.{}", leaf.name),
                   "a list of event names");
      }
      std::vector<std::string> &out = sc_.reaches[leaf.name];
      for (const toml::node &ev : *events) {
        const toml::value<std::string> *s = ev.as_string();
        if (s == nullptr) wrong_type(ev, "an event name", "a string");
        if (s->get().empty()) fail(at(ev), "an event name must not be empty");
        out.push_back(s->get());
      }
    }
  }

  void check_variant(const Leaf &leaf, std::map<std::string, SourcePos> &seen) const {
    if (leaf.name.empty()) fail(at(*leaf.key), "empty kernel variant name");
    auto [it, fresh] = seen.emplace(leaf.name, at(*leaf.key));
    if (!fresh) {
      fail(at(*leaf.key), fmt::format("kernel variant '{}' is listed twice (first at {})",
                                      leaf.name, where(it->second)));
    }
  }

  // [expect] holds safety kinds, [expect.liveness] liveness kinds; a kind in
  // the other table is an error that says where it belongs.
  enum class KindTable : uint8_t { Safety, Liveness };

  struct KindTableInfo {
    const std::vector<std::string> &kinds;   // the kinds the table accepts
    std::string_view noun;                   // "violation kind" | "liveness kind"
    std::string_view table;                  // "[expect]" | "[expect.liveness]"
    std::string_view path;                   // "expect" | "expect.liveness"
    std::string_view other_noun;             // what a kind of the other table is
    std::string_view other_table;            // where it belongs
    bool (*in_other)(std::string_view kind); // is it a kind of the other table?
  };

  static KindTableInfo table_info(KindTable table) {
    if (table == KindTable::Safety) {
      return {safety_kinds(),  "violation kind",    "[expect]",      "expect",
              "liveness kind", "[expect.liveness]", is_liveness_kind};
    }
    return {liveness_kinds(),        "liveness kind", "[expect.liveness]", "expect.liveness",
            "safety violation kind", "[expect]",      is_safety_kind};
  }

  static std::string wrong_table(const KindTableInfo &info, std::string_view kind) {
    return fmt::format("'{}' is a {}: list it in {}, not {}", kind, info.other_noun,
                       info.other_table, info.table);
  }

  std::set<std::string> expected_kinds(const Leaf &leaf, KindTable table) const {
    const KindTableInfo info = table_info(table);
    const toml::node &v = *leaf.value;
    const std::vector<std::string> &kinds = info.kinds;
    const std::string what = fmt::format("{}.{}", info.path, leaf.name);
    const std::string must = fmt::format("\"clean\" or a list of {}s", info.noun);
    if (const toml::value<std::string> *s = v.as_string()) {
      if (s->get() == "clean") return {};
      std::string hint;
      if (std::find(kinds.begin(), kinds.end(), s->get()) != kinds.end()) {
        hint = fmt::format("; write [\"{}\"] for a list of one kind", s->get());
      } else if (info.in_other(s->get())) {
        hint = "; " + wrong_table(info, s->get());
      } else {
        std::vector<std::string> options = kinds;
        options.emplace_back("clean");
        hint = did_you_mean(s->get(), options);
      }
      fail(at(v), fmt::format("{} must be {}, not \"{}\"{}", what, must, s->get(), hint));
    }
    const toml::array *list = v.as_array();
    if (list == nullptr) wrong_type(v, what, must);
    std::set<std::string> out;
    for (const toml::node &k : *list) {
      const toml::value<std::string> *s = k.as_string();
      if (s == nullptr) wrong_type(k, fmt::format("a {}", info.noun), "a string");
      if (info.in_other(s->get())) fail(at(k), wrong_table(info, s->get()));
      if (std::find(kinds.begin(), kinds.end(), s->get()) == kinds.end()) {
        std::string hint = did_you_mean(s->get(), kinds);
        if (s->get() == "clean") hint = "; write the string \"clean\" instead of a list";
        fail(at(k), fmt::format("unknown {} '{}'{} (known {}s: {})", info.noun, s->get(), hint,
                                info.noun, fmt::join(kinds, ", ")));
      }
      if (!out.insert(s->get()).second) {
        fail(at(k), fmt::format("{} '{}' is listed twice", info.noun, s->get()));
      }
    }
    return out;
  }

  struct VarWhere {
    int cpu = 0;
    int index = 0;
    const CallSpec *spec = nullptr;
  };

  std::string_view text_;
  std::string origin_;
  SourceText src_;
  Scenario sc_;
  std::map<std::string, int> file_index_;
  std::map<std::string, int> var_index_;
  std::vector<VarWhere> var_where_; // parallel to sc_.vars
  std::vector<Stmt> stmts_;         // pass 1 output, in CPU then call order
};

} // namespace

Scenario parse_scenario(std::string_view text, const std::string &origin) {
  return ScenarioParser(text, origin).run();
}

Scenario load_scenario_file(const std::string &path) {
  const std::string text = read_scenario_text(path);
  return parse_scenario(text, path);
}

} // namespace pagerace::scenario
