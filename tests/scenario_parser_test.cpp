// Scenario parser: a valid scenario resolves to the right Ops/Args/vars/expect,
// every error class points at the right line and column, and the user's file
// is never modified.
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include "run_pagerace.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace pagerace::scenario;

// ---------------------------------------------------------------------------
// Helpers

// Parses text that must fail; returns the error.
ParseError parse_failure(std::string_view text) {
  try {
    (void)parse_scenario(text, "test.toml");
  } catch (const ParseError &e) {
    return e;
  }
  ADD_FAILURE() << "expected a ParseError for:\n" << text;
  return ParseError(SourcePos{}, "<no error>");
}

::testing::AssertionResult error_at(std::string_view text, int line, int col,
                                    std::string_view word) {
  const ParseError e = parse_failure(text);
  auto fail = ::testing::AssertionFailure();
  bool ok = true;
  if (e.pos().line != line || e.pos().col != col) {
    fail << "position " << e.pos().line << ":" << e.pos().col << ", expected " << line << ":" << col
         << "; ";
    ok = false;
  }
  if (e.message().find(word) == std::string::npos) {
    fail << "message lacks '" << word << "'; ";
    ok = false;
  }
  if (e.pos().file != "test.toml") {
    fail << "file is '" << e.pos().file << "'; ";
    ok = false;
  }
  if (ok) return ::testing::AssertionSuccess();
  return fail << "error was: " << e.what();
}

// A scenario with two files and one CPU running `calls`. Call i sits on line
// 8 + i with its opening quote in column 3, so byte k of the call is at
// column 4 + k.
std::string one_cpu(std::initializer_list<std::string_view> calls) {
  std::string s = "name = \"t\"\n"
                  "[files]\n"
                  "file1 = { pages = 1 }\n"
                  "file2 = { pages = 2 }\n"
                  "[[cpu]]\n"
                  "name = \"CPU1\"\n"
                  "run = [\n";
  for (std::string_view c : calls) {
    s += "  \"";
    s += c;
    s += "\",\n";
  }
  s += "]\n";
  return s;
}

constexpr int kFirstCallLine = 8;
int call_line(int i) {
  return kFirstCallLine + i;
}
int call_col(int offset) {
  return 4 + offset;
}

::testing::AssertionResult call_error(std::initializer_list<std::string_view> calls, int call,
                                      int offset, std::string_view word) {
  return error_at(one_cpu(calls), call_line(call), call_col(offset), word);
}

Scenario parse_ok(std::string_view text) {
  return parse_scenario(text, "test.toml");
}

void expect_const(const Arg &a, int64_t value) {
  EXPECT_EQ(a.kind, Arg::Kind::Const);
  EXPECT_EQ(a.value, value);
}

void expect_var(const Arg &a, int var, int64_t offset) {
  EXPECT_EQ(a.kind, Arg::Kind::Var);
  EXPECT_EQ(a.var, var);
  EXPECT_EQ(a.value, offset);
}

// A scratch directory removed at the end of the test, to write scenario
// files into.
class TempDir : public testutil::ScratchDir {
public:
  std::string write(const std::string &name, std::string_view content) const {
    const fs::path p = path() / name;
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p.string();
  }
};

std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Sets an environment variable for the scope of a test.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const std::string *value) : name_(name) {
    if (const char *old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  const char *name_;
  std::optional<std::string> old_;
};

const char *const kSeedRace = R"toml(name = "seed-race1-as-drawn"
description = "O_DIRECT read into a MAP_SHARED mapping races with kswapd (LKML, Jan 2018)"
kernel = "v4.15"                      # optional
[files]
file1 = { pages = 1 }
file2 = { pages = 1, cached = false, buffers = false, hole = true, stable_writes = true }
[[cpu]]
name = "CPU1"
run = ["addr = mmap(file1, MAP_SHARED)",
       "fd2 = open(file2, O_DIRECT | O_RDONLY)",
       "read(fd2, addr, 4096)"]
[[cpu]]
name = "CPU2"
run = ["kswapd()"]
[expect]
v4.15 = "clean"          # or a list of violation kinds
[expect.reaches]
v4.15 = ["try_to_unmap", "pageout"]
)toml";

// ---------------------------------------------------------------------------
// Valid scenarios

TEST(ScenarioParserValid, SeedRaceParsesToExpectedOpsArgsVarsAndExpect) {
  const Scenario s = parse_ok(kSeedRace);
  EXPECT_EQ(s.name, "seed-race1-as-drawn");
  EXPECT_EQ(s.description,
            "O_DIRECT read into a MAP_SHARED mapping races with kswapd (LKML, Jan 2018)");
  EXPECT_EQ(s.source, "test.toml");
  ASSERT_TRUE(s.kernel.has_value());
  EXPECT_EQ(*s.kernel, "v4.15");

  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[0].name, "file1");
  EXPECT_EQ(s.files[0].pages, 1);
  EXPECT_TRUE(s.files[0].cached);
  EXPECT_TRUE(s.files[0].buffers);
  EXPECT_FALSE(s.files[0].hole);
  EXPECT_FALSE(s.files[0].stable_writes);
  EXPECT_EQ(s.files[0].pos.line, 5);
  EXPECT_EQ(s.files[0].pos.col, 1);
  EXPECT_EQ(s.files[1].name, "file2");
  EXPECT_FALSE(s.files[1].cached);
  EXPECT_FALSE(s.files[1].buffers);
  EXPECT_TRUE(s.files[1].hole);
  EXPECT_TRUE(s.files[1].stable_writes);

  ASSERT_EQ(s.vars.size(), 2u);
  EXPECT_EQ(s.vars[0].name, "addr");
  EXPECT_EQ(s.vars[0].type, VarType::Addr);
  EXPECT_EQ(s.vars[0].pos.line, 9);
  EXPECT_EQ(s.vars[0].pos.col, 9);
  EXPECT_EQ(s.vars[1].name, "fd2");
  EXPECT_EQ(s.vars[1].type, VarType::Fd);
  EXPECT_EQ(s.vars[1].pos.line, 10);
  EXPECT_EQ(s.vars[1].pos.col, 9);

  ASSERT_EQ(s.cpus.size(), 2u);
  EXPECT_EQ(s.cpus[0].name, "CPU1");
  EXPECT_EQ(s.cpus[0].pos.line, 7);
  EXPECT_EQ(s.cpus[1].name, "CPU2");
  ASSERT_EQ(s.cpus[0].ops.size(), 3u);
  ASSERT_EQ(s.cpus[1].ops.size(), 1u);

  const Op &mmap = s.cpus[0].ops[0];
  EXPECT_EQ(mmap.code, OpCode::Mmap);
  EXPECT_EQ(mmap.target, 0);
  EXPECT_EQ(mmap.text, "addr = mmap(file1, MAP_SHARED)");
  EXPECT_EQ(mmap.pos.file, "test.toml");
  EXPECT_EQ(mmap.pos.line, 9);
  EXPECT_EQ(mmap.pos.col, 9);
  ASSERT_EQ(mmap.args.size(), 4u); // optional length and prot are filled in
  expect_const(mmap.args[0], 0);   // file1
  expect_const(mmap.args[1], flags::MAP_SHARED);
  expect_const(mmap.args[2], 0); // whole file
  expect_const(mmap.args[3], flags::PROT_READ | flags::PROT_WRITE);

  const Op &open = s.cpus[0].ops[1];
  EXPECT_EQ(open.code, OpCode::Open);
  EXPECT_EQ(open.target, 1);
  ASSERT_EQ(open.args.size(), 2u);
  expect_const(open.args[0], 1); // file2
  expect_const(open.args[1], flags::O_DIRECT | flags::O_RDONLY);

  const Op &read = s.cpus[0].ops[2];
  EXPECT_EQ(read.code, OpCode::Read);
  EXPECT_EQ(read.target, -1);
  EXPECT_EQ(read.text, "read(fd2, addr, 4096)");
  ASSERT_EQ(read.args.size(), 3u);
  expect_var(read.args[0], 1, 0);
  expect_var(read.args[1], 0, 0);
  expect_const(read.args[2], 4096);

  const Op &kswapd = s.cpus[1].ops[0];
  EXPECT_EQ(kswapd.code, OpCode::Kswapd);
  ASSERT_EQ(kswapd.args.size(), 1u);
  expect_const(kswapd.args[0], 3); // default number of passes

  ASSERT_EQ(s.expect.size(), 1u);
  ASSERT_TRUE(s.expect.count("v4.15")); // the dotted key v4.15 is one variant name
  EXPECT_TRUE(s.expect.at("v4.15").empty());
  ASSERT_EQ(s.reaches.size(), 1u);
  EXPECT_EQ(s.reaches.at("v4.15"), (std::vector<std::string>{"try_to_unmap", "pageout"}));
}

TEST(ScenarioParserValid, ArgumentsOfEveryCallResolve) {
  const Scenario s = parse_ok(one_cpu({
      "a = mmap(file2, MAP_PRIVATE, 0x2000, PROT_READ)",          // 0
      "b = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096 + 4096)", // 1
      "r = store(a + 4096, 'Z')",                                 // 2
      "t = load(a - 8)",                                          // 3
      "f = open(file1, O_RDWR)",                                  // 4
      "n = pread(f, b, 100, 0)",                                  // 5
      "pwrite(f, b + 1, n + 1, 4096)",                            // 6
      "write(f, b, -1)",                                          // 7
      "msync(a, 8192, MS_SYNC | MS_INVALIDATE)",                  // 8
      "fsync(f)",                                                 // 9
      "fdatasync(f)",                                             // 10
      "sync()",                                                   // 11
      "writeback()",                                              // 12
      "kswapd(16)",                                               // 13
      "munmap(a, 0x2000)",                                        // 14
      "close(f)",                                                 // 15
  }));
  const std::vector<Op> &ops = s.cpus.at(0).ops;
  ASSERT_EQ(ops.size(), 16u);
  const std::vector<OpCode> codes = {
      OpCode::Mmap,      OpCode::Mmap,   OpCode::Store,     OpCode::Load,
      OpCode::Open,      OpCode::Pread,  OpCode::Pwrite,    OpCode::Write,
      OpCode::Msync,     OpCode::Fsync,  OpCode::Fdatasync, OpCode::Sync,
      OpCode::Writeback, OpCode::Kswapd, OpCode::Munmap,    OpCode::Close};
  for (size_t i = 0; i < codes.size(); ++i)
    EXPECT_EQ(ops[i].code, codes[i]) << "op " << i;

  // variables: a b r t f n, typed by the call that assigns them
  ASSERT_EQ(s.vars.size(), 6u);
  EXPECT_EQ(s.vars[0].type, VarType::Addr);
  EXPECT_EQ(s.vars[1].type, VarType::Addr);
  EXPECT_EQ(s.vars[2].type, VarType::Int);
  EXPECT_EQ(s.vars[3].type, VarType::Token);
  EXPECT_EQ(s.vars[4].type, VarType::Fd);
  EXPECT_EQ(s.vars[5].type, VarType::Int);

  expect_const(ops[0].args[0], 1);
  expect_const(ops[0].args[2], 0x2000);
  expect_const(ops[0].args[3], flags::PROT_READ);
  expect_const(ops[1].args[0], flags::ANON_FILE);
  expect_const(ops[1].args[1], flags::MAP_PRIVATE | flags::MAP_ANONYMOUS);
  expect_const(ops[1].args[2], 8192); // folded
  expect_const(ops[1].args[3], flags::PROT_READ | flags::PROT_WRITE);
  expect_var(ops[2].args[0], 0, 4096);
  expect_const(ops[2].args[1], 'Z');
  expect_var(ops[3].args[0], 0, -8);
  expect_const(ops[4].args[1], flags::O_RDWR);
  expect_var(ops[5].args[0], 4, 0);
  expect_var(ops[5].args[1], 1, 0);
  expect_var(ops[6].args[1], 1, 1);
  expect_var(ops[6].args[2], 5, 1); // int variable plus offset
  expect_const(ops[6].args[3], 4096);
  expect_const(ops[7].args[2], -1);
  expect_const(ops[8].args[2], flags::MS_SYNC | flags::MS_INVALIDATE);
  EXPECT_TRUE(ops[11].args.empty());
  EXPECT_TRUE(ops[12].args.empty());
  expect_const(ops[13].args[0], 16);
  EXPECT_EQ(ops[6].target, -1);
}

TEST(ScenarioParserValid, VariableAssignedOnAnotherCpuMayBeUsedEarlierInFileOrder) {
  const Scenario s = parse_ok(R"toml(name = "cross"
[files]
f = {}
[[cpu]]
run = ["load(m)"]
[[cpu]]
run = ["m = mmap(f, MAP_SHARED)"]
)toml");
  ASSERT_EQ(s.vars.size(), 1u);
  EXPECT_EQ(s.vars[0].name, "m");
  EXPECT_EQ(s.vars[0].pos.line, 7);
  EXPECT_EQ(s.cpus[0].name, "CPU1"); // default CPU names
  EXPECT_EQ(s.cpus[1].name, "CPU2");
  expect_var(s.cpus[0].ops[0].args[0], 0, 0);
  EXPECT_EQ(s.cpus[1].ops[0].target, 0);
}

TEST(ScenarioParserValid, ExpectListsOfKindsAndSeveralVariants) {
  const Scenario s = parse_ok(R"toml(name = "x"
[[cpu]]
run = ["sync()"]
[expect]
v4.15 = ["dirty-without-buffers", "write-to-clean-page"]
"v5.0" = "clean"
fixed = []
[expect.reaches]
v4.15 = ["pageout"]
)toml");
  ASSERT_EQ(s.expect.size(), 3u);
  EXPECT_EQ(s.expect.at("v4.15"),
            (std::set<std::string>{"dirty-without-buffers", "write-to-clean-page"}));
  EXPECT_TRUE(s.expect.at("v5.0").empty());
  EXPECT_TRUE(s.expect.at("fixed").empty());
  EXPECT_EQ(s.reaches.at("v4.15"), std::vector<std::string>{"pageout"});
  EXPECT_FALSE(s.kernel.has_value());
}

TEST(ScenarioParserValid, ExpectLivenessPerVariantBesideExpectAndReaches) {
  const Scenario s = parse_ok(R"toml(name = "x"
[[cpu]]
run = ["sync()"]
[expect]
v4.15 = ["write-to-clean-page"]
pin-wait = "clean"
[expect.liveness]
pin-wait = ["writeback-stall", "deadlock"]
v4.15 = "clean"
v4.15-refcount-check = []
[expect.reaches]
v4.15 = ["pageout"]
)toml");
  // Neither sub-table is taken for a variant of [expect].
  ASSERT_EQ(s.expect.size(), 2u);
  EXPECT_EQ(s.expect.at("v4.15"), std::set<std::string>{"write-to-clean-page"});
  EXPECT_TRUE(s.expect.at("pin-wait").empty());
  ASSERT_EQ(s.expect_liveness.size(), 3u);
  EXPECT_EQ(s.expect_liveness.at("pin-wait"),
            (std::set<std::string>{"deadlock", "writeback-stall"}));
  EXPECT_TRUE(s.expect_liveness.at("v4.15").empty());
  EXPECT_TRUE(s.expect_liveness.at("v4.15-refcount-check").empty());
  EXPECT_EQ(s.reaches.at("v4.15"), std::vector<std::string>{"pageout"});
}

TEST(ScenarioParserValid, ExpectLivenessAloneAndInlineTableForm) {
  const Scenario s = parse_ok(R"toml(name = "x"
[[cpu]]
run = ["sync()"]
[expect]
liveness = { "v4.15" = ["no-reclaim-progress"] }
)toml");
  EXPECT_TRUE(s.expect.empty());
  EXPECT_EQ(s.expect_liveness.at("v4.15"), std::set<std::string>{"no-reclaim-progress"});
  EXPECT_TRUE(parse_ok("name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n").expect_liveness.empty());
}

TEST(ScenarioParserValid, UncachedFileDefaultsToNoBuffers) {
  const Scenario s = parse_ok("name = \"x\"\n[files]\nf = { cached = false }\n"
                              "[[cpu]]\nrun = [\"sync()\"]\n");
  ASSERT_EQ(s.files.size(), 1u);
  EXPECT_FALSE(s.files[0].cached);
  EXPECT_FALSE(s.files[0].buffers);
  EXPECT_EQ(s.files[0].pages, 1);
}

TEST(ScenarioParserValid, FilesKeepSourceOrderNotAlphabeticalOrder) {
  const Scenario s = parse_ok("name = \"x\"\n[files]\nzeta = {}\nalpha = { pages = 8 }\n"
                              "[[cpu]]\nrun = [\"fd = open(alpha, O_RDONLY)\"]\n");
  ASSERT_EQ(s.files.size(), 2u);
  EXPECT_EQ(s.files[0].name, "zeta");
  EXPECT_EQ(s.files[1].name, "alpha");
  EXPECT_EQ(s.files[1].pages, 8);
  expect_const(s.cpus[0].ops[0].args[0], 1);
}

TEST(ScenarioParserValid, OpTextIsTrimmedAndPositionSkipsLeadingBlanks) {
  const Scenario s = parse_ok(one_cpu({"   sync()  "}));
  const Op &op = s.cpus[0].ops[0];
  EXPECT_EQ(op.text, "sync()");
  EXPECT_EQ(op.pos.line, call_line(0));
  EXPECT_EQ(op.pos.col, call_col(3));
}

TEST(ScenarioParserValid, CrlfAndByteOrderMarkAreAccepted) {
  std::string text = "\xEF\xBB\xBF";
  for (char c : std::string(kSeedRace)) {
    if (c == '\n') text += '\r';
    text += c;
  }
  const Scenario s = parse_ok(text);
  EXPECT_EQ(s.name, "seed-race1-as-drawn");
  ASSERT_EQ(s.cpus.size(), 2u);
  EXPECT_EQ(s.cpus[0].ops[2].pos.line, 11);
  EXPECT_EQ(s.cpus[0].ops[2].pos.col, 9);
}

// ---------------------------------------------------------------------------
// Errors in calls: line and column point at the offending token

TEST(ScenarioParserCallErrors, UnknownCallSuggestsNearestName) {
  EXPECT_TRUE(call_error({"sync()", "x = mmapp(file1, MAP_SHARED)"}, 1, 4, "unknown call 'mmapp'"));
  EXPECT_TRUE(call_error({"x = mmapp(file1, MAP_SHARED)"}, 0, 4, "did you mean 'mmap'"));
  EXPECT_TRUE(call_error({"wrtieback()"}, 0, 0, "did you mean 'writeback'"));
  EXPECT_TRUE(call_error({"qqqqqqqq()"}, 0, 0, "known calls:"));
}

TEST(ScenarioParserCallErrors, WrongArityPointsAtExtraArgumentOrClosingParen) {
  // too many: at the first extra argument
  EXPECT_TRUE(call_error({"sync(1)"}, 0, 5, "wrong number of arguments"));
  EXPECT_TRUE(
      call_error({"a = mmap(file1, MAP_SHARED, 4096, PROT_READ, 7)"}, 0, 45, "expected 2 to 4"));
  // too few: at the ')'
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "read(a)"}, 1, 6,
                         "expected 3 (read(fd, addr, len)), got 1"));
  EXPECT_TRUE(call_error({"kswapd(1, 2)"}, 0, 10, "expected 0 or 1"));
}

TEST(ScenarioParserCallErrors, UndefinedNameSuggestsNearestKnownName) {
  EXPECT_TRUE(call_error({"fd = open(fil1, O_RDONLY)"}, 0, 10, "undefined name 'fil1'"));
  EXPECT_TRUE(call_error({"fd = open(fil1, O_RDONLY)"}, 0, 10, "did you mean 'file1'"));
  EXPECT_TRUE(
      call_error({"fd = open(file1, O_RDONLY | O_DIRCT)"}, 0, 28, "did you mean 'O_DIRECT'"));
}

TEST(ScenarioParserCallErrors, VariableNeverAssignedAnywhereIsUndefined) {
  EXPECT_TRUE(call_error({"fsync(nothere)"}, 0, 6, "undefined name 'nothere'"));
  EXPECT_TRUE(call_error({"fsync(nothere)"}, 0, 6, "variable assigned by any CPU"));
}

TEST(ScenarioParserCallErrors, TypeErrorFdWhereAddrExpected) {
  EXPECT_TRUE(call_error({"fd = open(file1, O_RDWR)", "store(fd, 'x')"}, 1, 6, "type error"));
  EXPECT_TRUE(call_error({"fd = open(file1, O_RDWR)", "store(fd, 'x')"}, 1, 6,
                         "must be an address (a variable assigned by mmap), not the fd variable "
                         "'fd'"));
}

TEST(ScenarioParserCallErrors, TypeErrorFileWhereFdExpected) {
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "read(file1, a, 4096)"}, 1, 5,
                         "type error: argument 1 (fd) of read()"));
}

TEST(ScenarioParserCallErrors, TypeErrorAddrWhereFdExpectedAndIntWhereAddrExpected) {
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "close(a)"}, 1, 6, "the addr variable"));
  EXPECT_TRUE(call_error({"load(4096)"}, 0, 5, "not the integer 4096"));
  EXPECT_TRUE(
      call_error({"fd = open(file1, O_RDWR)", "write(fd, 'c', 1)"}, 1, 10, "character literal"));
  EXPECT_TRUE(call_error({"fd = open(ANON, O_RDWR)"}, 0, 10, "ANON can only be mapped"));
  EXPECT_TRUE(
      call_error({"a = mmap(file1, MAP_SHARED)", "store(a, 65)"}, 1, 9, "a character literal"));
}

TEST(ScenarioParserCallErrors, FlagsFromTheWrongFamilyAreTypeErrors) {
  EXPECT_TRUE(
      call_error({"fd = open(file1, O_RDWR | MAP_SHARED)"}, 0, 26, "MAP_SHARED is an mmap() flag"));
  EXPECT_TRUE(call_error(
      {"fd = open(file1, O_RDWR)", "a = mmap(file1, MAP_SHARED)", "read(fd, a, O_DIRECT)"}, 2, 12,
      "not the flag constant O_DIRECT"));
  EXPECT_TRUE(call_error({"fd = open(file1, 0x100000)"}, 0, 17, "unknown bits 0x100000"));
}

TEST(ScenarioParserCallErrors, MmapFlagRules) {
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED | MAP_PRIVATE)"}, 0, 16,
                         "exactly one of MAP_SHARED and MAP_PRIVATE"));
  EXPECT_TRUE(call_error({"a = mmap(file1, 0)"}, 0, 16, "exactly one of"));
  EXPECT_TRUE(call_error({"a = mmap(ANON, MAP_PRIVATE, 4096)"}, 0, 15, "needs MAP_ANONYMOUS"));
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED | MAP_ANONYMOUS)"}, 0, 16,
                         "pass ANON as the first argument"));
  EXPECT_TRUE(call_error({"a = mmap(ANON, MAP_SHARED | MAP_ANONYMOUS)"}, 0, 41, "needs a length"));
  EXPECT_TRUE(
      call_error({"a = mmap(ANON, MAP_SHARED | MAP_ANONYMOUS, 0)"}, 0, 43, "positive length"));
}

TEST(ScenarioParserCallErrors, OpenAndMsyncFlagConflicts) {
  EXPECT_TRUE(call_error({"fd = open(file1, O_WRONLY | O_RDWR)"}, 0, 17, "only one of O_RDONLY"));
  EXPECT_TRUE(call_error({"fd = open(file1, O_RDONLY | O_WRONLY)"}, 0, 17, "only one of"));
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "msync(a, 4096, MS_SYNC | MS_ASYNC)"}, 1,
                         15, "cannot be combined"));
}

TEST(ScenarioParserCallErrors, KswapdPassesMustBeALiteralFrom1To16) {
  EXPECT_TRUE(call_error({"kswapd(17)"}, 0, 7, "K must be from 1 to 16"));
  EXPECT_TRUE(call_error({"kswapd(0)"}, 0, 7, "K must be from 1 to 16"));
  EXPECT_TRUE(call_error({"n = sync()", "kswapd(n)"}, 1, 7, "an integer literal from 1 to 16"));
}

TEST(ScenarioParserCallErrors, VariableAssignedTwiceReportsSecondAndMentionsFirst) {
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "sync()", "a = mmap(file2, MAP_SHARED)"},
                         2, 0, "assigned twice"));
  // the first assignment is at line 8, column 4
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "sync()", "a = mmap(file2, MAP_SHARED)"},
                         2, 0, "first assigned at line 8, column 4"));
}

TEST(ScenarioParserCallErrors, VariableAssignedTwiceAcrossCpus) {
  EXPECT_TRUE(error_at(R"toml(name = "x"
[files]
f = {}
[[cpu]]
run = ["m = mmap(f, MAP_SHARED)"]
[[cpu]]
run = ["sync()", "m = mmap(f, MAP_PRIVATE)"]
)toml",
                       7, 19, "first assigned at line 5, column 9"));
}

TEST(ScenarioParserCallErrors, VariableUsedBeforeItsOwnCpuAssignsItWouldBlockForever) {
  EXPECT_TRUE(call_error({"load(a)", "a = mmap(file1, MAP_SHARED)"}, 0, 5,
                         "used before this CPU assigns it"));
  EXPECT_TRUE(call_error({"x = load(x)"}, 0, 9, "used by the call that assigns it"));
}

TEST(ScenarioParserCallErrors, VariableNamesMustNotClashWithFilesConstantsOrCalls) {
  EXPECT_TRUE(
      call_error({"file1 = mmap(file2, MAP_SHARED)"}, 0, 0, "clashes with the file 'file1'"));
  EXPECT_TRUE(call_error({"O_RDWR = sync()"}, 0, 0, "is a constant"));
  EXPECT_TRUE(call_error({"read = sync()"}, 0, 0, "name of a call"));
}

TEST(ScenarioParserCallErrors, SyntaxErrorsPointAtTheToken) {
  EXPECT_TRUE(call_error({""}, 0, 0, "empty call"));
  EXPECT_TRUE(call_error({"sync"}, 0, 4, "expected '(' after 'sync'"));
  EXPECT_TRUE(call_error({"sync();"}, 0, 6, "one call per string"));
  EXPECT_TRUE(call_error({"sync() sync()"}, 0, 7, "unexpected 'sync' after the call"));
  EXPECT_TRUE(call_error({"a = mmap(file1 MAP_SHARED)"}, 0, 15, "expected ',' or ')'"));
  EXPECT_TRUE(call_error({"kswapd(010)"}, 0, 7, "leading zero"));
  EXPECT_TRUE(call_error({"kswapd(4k)"}, 0, 7, "invalid integer literal '4k'"));
  EXPECT_TRUE(call_error({"kswapd(99999999999999999999)"}, 0, 7, "too large"));
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "store(a, 'ab')"}, 1, 9,
                         "unterminated character literal"));
  EXPECT_TRUE(
      call_error({"a = mmap(file1, MAP_SHARED)", "store(a, '')"}, 1, 9, "empty character literal"));
  EXPECT_TRUE(call_error({"fsync(open(file1, O_RDONLY))"}, 0, 6, "calls cannot be nested"));
  EXPECT_TRUE(call_error({"sync() # comment"}, 0, 7, "unexpected character '#'"));
}

TEST(ScenarioParserCallErrors, ArithmeticOnlyAppliesToAddrAndIntVariablesPlusConstants) {
  EXPECT_TRUE(call_error({"fd = open(file1, O_RDWR)", "fsync(fd + 1)"}, 1, 6,
                         "only addr and int variables take an offset"));
  EXPECT_TRUE(
      call_error({"a = mmap(file1, MAP_SHARED)", "b = mmap(file2, MAP_SHARED)", "load(a + b)"}, 2,
                 9, "cannot combine two variables"));
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "load(4096 - a)"}, 1, 12,
                         "cannot subtract a variable"));
  EXPECT_TRUE(call_error({"a = mmap(file1, MAP_SHARED)", "load(a | 1)"}, 1, 5,
                         "'|' combines flag constants and integers only"));
  EXPECT_TRUE(call_error({"fd = open(file1, O_RDWR + O_DIRECT)"}, 0, 17, "combine flags with '|'"));
}

TEST(ScenarioParserCallErrors, ColumnsAccountForEscapesAndNonBasicStrings) {
  // "\t" is two characters in the file but one byte of the call
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"\\tsyncc()\"]\n", 3, 11, "unknown call"));
  // \u0020 is six characters for one byte
  EXPECT_TRUE(
      error_at("name = \"x\"\n[[cpu]]\nrun = [\"\\u0020syncc()\"]\n", 3, 15, "unknown call"));
  // literal string
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = ['  syncc()']\n", 3, 11, "unknown call"));
  // multi-line string: the call continues on the next line
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"\"\"\nsync(\n  1)\"\"\"]\n", 5, 3,
                       "wrong number of arguments"));
  // a non-ASCII character before the error counts as one column
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"sync()\", \"\xC3\xA9\"]\n", 3, 19,
                       "calls are written in ASCII"));
}

TEST(ScenarioParserCallErrors, TooManyCallsOnOneCpu) {
  std::string text = "name = \"x\"\n[[cpu]]\nrun = [\n";
  for (int i = 0; i < 33; ++i)
    text += "  \"sync()\",\n";
  text += "]\n";
  EXPECT_TRUE(error_at(text, 4 + 32, 3, "too many calls"));
}

// ---------------------------------------------------------------------------
// Errors in the TOML structure

TEST(ScenarioParserTomlErrors, BadTomlReportsTomlPosition) {
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"sync()\"\n", 3, 17, "invalid TOML"));
  EXPECT_TRUE(error_at("name = \"x\"\nfiles = = 1\n", 2, 9, "invalid TOML"));
}

TEST(ScenarioParserTomlErrors, MissingNameIsAnError) {
  EXPECT_TRUE(error_at("[[cpu]]\nrun = [\"sync()\"]\n", 1, 1, "missing required key 'name'"));
  EXPECT_TRUE(error_at("name = 3\n[[cpu]]\nrun = [\"sync()\"]\n", 1, 8, "must be a string"));
  EXPECT_TRUE(error_at("name = \"\"\n[[cpu]]\nrun = [\"sync()\"]\n", 1, 8, "must not be empty"));
}

TEST(ScenarioParserTomlErrors, UnknownTopLevelKeySuggestsNearest) {
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpus]]\nrun = [\"sync()\"]\n", 2, 3,
                       "unknown top-level key 'cpus'; did you mean 'cpu'?"));
  EXPECT_TRUE(error_at("name = \"x\"\ndescripton = \"d\"\n", 2, 1, "did you mean 'description'"));
  EXPECT_TRUE(error_at("name = \"x\"\nzzz = 1\n", 2, 1, "expected one of"));
}

TEST(ScenarioParserTomlErrors, UnknownFileAttributeSuggestsNearest) {
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { page = 2 }\n[[cpu]]\nrun = [\"sync()\"]\n", 3,
                       7, "unknown file attribute 'page'; did you mean 'pages'?"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { stable_write = true }\n", 3, 7,
                       "did you mean 'stable_writes'"));
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrunn = [\"sync()\"]\n", 3, 1,
                       "unknown [[cpu]] key 'runn'; did you mean 'run'?"));
}

TEST(ScenarioParserTomlErrors, WrongValueTypesAndPagesRange) {
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { pages = 9 }\n", 3, 15, "from 1 to 8, got 9"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { pages = 0 }\n", 3, 15, "from 1 to 8"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { pages = \"2\" }\n", 3, 15,
                       "wrong type: 'pages' must be an integer from 1 to 8, not a string"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { pages = 1.0 }\n", 3, 15, "not a float"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { cached = 1 }\n", 3, 16, "true or false"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = 1\n", 3, 5, "must be a table of attributes"));
  EXPECT_TRUE(
      error_at("name = \"x\"\n[[cpu]]\nrun = \"sync()\"\n", 3, 7, "'run' must be an array"));
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"sync()\", 3]\n", 3, 18,
                       "each call in 'run' must be a string"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = { cached = false, buffers = true }\n", 3, 33,
                       "buffers = true needs cached = true"));
}

TEST(ScenarioParserTomlErrors, CpuCountLimits) {
  EXPECT_TRUE(error_at("name = \"x\"\n", 1, 1, "at least one CPU"));
  EXPECT_TRUE(error_at("name = \"x\"\n[cpu]\nrun = [\"sync()\"]\n", 2, 1, "write [[cpu]]"));
  std::string seven = "name = \"x\"\n";
  for (int i = 0; i < 7; ++i)
    seven += "[[cpu]]\nrun = [\"sync()\"]\n";
  EXPECT_TRUE(error_at(seven, 2 + 6 * 2, 1, "too many CPUs: at most 6"));
  std::string six = "name = \"x\"\n";
  for (int i = 0; i < 6; ++i)
    six += "[[cpu]]\nrun = [\"sync()\"]\n";
  EXPECT_EQ(parse_ok(six).cpus.size(), 6u);
}

TEST(ScenarioParserTomlErrors, FileCountLimit) {
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\na = {}\nb = {}\nc = {}\nd = {}\ne = {}\n", 7, 1,
                       "too many files: at most 4"));
}

TEST(ScenarioParserTomlErrors, DuplicateCpuNames) {
  EXPECT_TRUE(error_at(R"toml(name = "x"
[[cpu]]
name = "A"
run = ["sync()"]
[[cpu]]
name = "A"
run = ["sync()"]
)toml",
                       6, 8, "duplicate CPU name 'A' (first used by the [[cpu]] at line 2"));
  // an explicit name may clash with a default one
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n[[cpu]]\nname = \"CPU1\"\n"
                       "run = [\"sync()\"]\n",
                       5, 8, "duplicate CPU name 'CPU1'"));
}

TEST(ScenarioParserTomlErrors, DuplicateFileNamesAreRejected) {
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nf = {}\nf = { pages = 2 }\n", 4, 5, "redefine"));
}

TEST(ScenarioParserTomlErrors, FileNameClashingWithConstantOrCall) {
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nO_DIRECT = {}\n", 3, 1,
                       "clashes with the constant O_DIRECT"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nANON = {}\n", 3, 1, "clashes with the constant"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\nsync = {}\n", 3, 1, "clashes with the call sync()"));
  EXPECT_TRUE(error_at("name = \"x\"\n[files]\n\"my file\" = {}\n", 3, 1, "not an identifier"));
}

TEST(ScenarioParserTomlErrors, ExpectValuesMustBeCleanOrKnownKinds) {
  const std::string head = "name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n[expect]\n";
  EXPECT_TRUE(error_at(head + "v4.15 = [\"lost-write\", \"lost-wrte\"]\n", 5, 24,
                       "unknown violation kind 'lost-wrte'; did you mean 'lost-write'?"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"dirty\"\n", 5, 9, "must be \"clean\" or a list"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"lost-write\"\n", 5, 9, "write [\"lost-write\"]"));
  EXPECT_TRUE(error_at(head + "v4.15 = 1\n", 5, 9, "wrong type"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"lost-write\", \"lost-write\"]\n", 5, 24, "listed twice"));
  EXPECT_TRUE(
      error_at(head + "[expect.reaches]\nv4.15 = \"pageout\"\n", 6, 9, "list of event names"));
  EXPECT_TRUE(error_at(head + "reaches = 1\n", 5, 11, "wrong type"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"clean\"\n\"v4.15\" = []\n", 6, 1,
                       "variant 'v4.15' is listed twice (first at line 5, column 1)"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"clean\"]\n", 5, 10, "write the string \"clean\""));
}

// [expect] holds safety kinds only; a liveness kind there is an error at the
// kind that says where it belongs, and the other way round.
TEST(ScenarioParserTomlErrors, LivenessKindInExpectPointsToExpectLiveness) {
  const std::string head = "name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n[expect]\n";
  EXPECT_TRUE(
      error_at(head + "v4.15 = [\"lost-write\", \"deadlock\"]\n", 5, 24,
               "'deadlock' is a liveness kind: list it in [expect.liveness], not [expect]"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"writeback-stall\"]\n", 5, 10,
                       "'writeback-stall' is a liveness kind"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"no-reclaim-progress\"\n", 5, 9,
                       "'no-reclaim-progress' is a liveness kind: list it in [expect.liveness]"));
}

TEST(ScenarioParserTomlErrors, ExpectLivenessValuesMustBeCleanOrKnownLivenessKinds) {
  const std::string head =
      "name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n[expect]\nv4.15 = \"clean\"\n[expect.liveness]\n";
  // A safety kind belongs in [expect].
  EXPECT_TRUE(error_at(head + "v4.15 = [\"deadlock\", \"lost-write\"]\n", 7, 22,
                       "'lost-write' is a safety violation kind: list it in [expect], not "
                       "[expect.liveness]"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"write-to-clean-page\"\n", 7, 9,
                       "'write-to-clean-page' is a safety violation kind"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"deadlok\"]\n", 7, 10,
                       "unknown liveness kind 'deadlok'; did you mean 'deadlock'?"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"frob\"]\n", 7, 10,
                       "(known liveness kinds: deadlock, writeback-stall, no-reclaim-progress)"));
  EXPECT_TRUE(error_at(head + "v4.15 = \"stalled\"\n", 7, 9,
                       "expect.liveness.v4.15 must be \"clean\" or a list of liveness kinds, not "
                       "\"stalled\""));
  EXPECT_TRUE(error_at(head + "v4.15 = \"deadlock\"\n", 7, 9, "write [\"deadlock\"]"));
  EXPECT_TRUE(error_at(head + "v4.15 = 1\n", 7, 9,
                       "wrong type: expect.liveness.v4.15 must be \"clean\" or a list of "
                       "liveness kinds, not an integer"));
  EXPECT_TRUE(
      error_at(head + "v4.15 = [2]\n", 7, 10, "wrong type: a liveness kind must be a string"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"deadlock\", \"deadlock\"]\n", 7, 22,
                       "liveness kind 'deadlock' is listed twice"));
  EXPECT_TRUE(error_at(head + "v4.15 = [\"clean\"]\n", 7, 10, "write the string \"clean\""));
  // Variant names as in [expect]: joined dotted keys, each at most once, not empty.
  EXPECT_TRUE(error_at(head + "v4.15 = \"clean\"\n\"v4.15\" = []\n", 8, 1,
                       "variant 'v4.15' is listed twice (first at line 7, column 1)"));
  EXPECT_TRUE(error_at(head + "\"\" = \"clean\"\n", 7, 1, "empty kernel variant name"));
  // The table itself must be a table.
  EXPECT_TRUE(error_at("name = \"x\"\n[[cpu]]\nrun = [\"sync()\"]\n[expect]\nliveness = 1\n", 5, 12,
                       "wrong type: 'expect.liveness' must be a table ([expect.liveness]), not an "
                       "integer"));
}

TEST(ScenarioParserTomlErrors, InvalidUtf8AndControlBytesAreErrorsNotCrashes) {
  EXPECT_TRUE(error_at("name = \"x\"\nkernel = \"v4\xFF\"\n", 2, 13, "invalid UTF-8"));
  EXPECT_TRUE(error_at("name = \"x\xC3\x28\"\n", 1, 10, "invalid UTF-8"));
  EXPECT_TRUE(error_at("name = \"\xED\xA0\x80\"\n", 1, 9, "invalid UTF-8")); // surrogate
  const ParseError nul = parse_failure(std::string_view("name = \"a\0b\"\n", 13));
  EXPECT_EQ(nul.pos().line, 1);
  const ParseError truncated = parse_failure("name = \"x\"\n[[cpu]]\nrun = [\"sync(");
  EXPECT_GT(truncated.pos().line, 0);
}

TEST(ScenarioParserTomlErrors, ErrorTextNamesFileLineAndColumn) {
  const ParseError e = parse_failure("name = \"x\"\nzzz = 1\n");
  EXPECT_EQ(std::string(e.what()).rfind("test.toml:2:1: error: unknown top-level key", 0), 0u)
      << e.what();
}

// ---------------------------------------------------------------------------
// Files on disk

TEST(ScenarioParserFiles, MissingFileIsParseErrorWithLineZero) {
  TempDir dir;
  const std::string path = (dir.path() / "nope.toml").string();
  try {
    (void)load_scenario_file(path);
    FAIL() << "expected ParseError";
  } catch (const ParseError &e) {
    EXPECT_EQ(e.pos().line, 0);
    EXPECT_EQ(e.pos().file, path);
    EXPECT_NE(e.message().find("cannot read scenario file"), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path)); // reading did not create it
}

TEST(ScenarioParserFiles, DirectoryIsParseErrorWithLineZero) {
  TempDir dir;
  try {
    (void)load_scenario_file(dir.path().string());
    FAIL() << "expected ParseError";
  } catch (const ParseError &e) {
    EXPECT_EQ(e.pos().line, 0);
    EXPECT_NE(e.message().find("directory"), std::string::npos) << e.what();
  }
}

TEST(ScenarioParserFiles, UserFileIsUnchangedAfterParsing) {
  TempDir dir;
  const std::string good = dir.write("good.toml", kSeedRace);
  const std::string bad = dir.write("bad.toml", one_cpu({"x = mmapp(file1, MAP_SHARED)"}));
  for (const std::string &path : {good, bad}) {
    const std::string before = read_bytes(path);
    const size_t hash_before = std::hash<std::string>{}(before);
    const auto mtime_before = fs::last_write_time(path);
    try {
      const Scenario s = load_scenario_file(path);
      EXPECT_EQ(s.source, path);
      EXPECT_EQ(s.cpus.at(0).ops.at(0).pos.file, path);
    } catch (const ParseError &e) {
      EXPECT_EQ(path, bad) << e.what();
      EXPECT_EQ(e.pos().file, path);
      EXPECT_EQ(e.pos().line, kFirstCallLine);
    }
    const std::string after = read_bytes(path);
    EXPECT_EQ(std::hash<std::string>{}(after), hash_before) << path;
    EXPECT_EQ(after, before) << path;
    EXPECT_EQ(fs::last_write_time(path), mtime_before) << path;
  }
}

// ---------------------------------------------------------------------------
// Built-in scenarios

TEST(ScenarioBuiltins, NamesArePathsAndLoadingUsesTheBuiltinOrigin) {
  TempDir dir;
  dir.write("zeta.toml", "name = \"zeta\"\n[[cpu]]\nrun = [\"sync()\"]\n");
  dir.write("alpha.toml", "name = \"alpha\"\n[[cpu]]\nrun = [\"sync()\"]\n");
  dir.write("notes.txt", "not a scenario");
  const std::string dir_str = dir.path().string();
  ScopedEnv env("PAGERACE_SCENARIOS", &dir_str);

  EXPECT_EQ(builtin_scenario_dir(), dir_str);
  EXPECT_EQ(builtin_scenario_names(), (std::vector<std::string>{"alpha", "zeta"}));
  ASSERT_TRUE(builtin_scenario_path("alpha").has_value());
  EXPECT_EQ(fs::path(*builtin_scenario_path("alpha")), dir.path() / "alpha.toml");
  EXPECT_FALSE(builtin_scenario_path("notes").has_value());
  EXPECT_FALSE(builtin_scenario_path("../alpha").has_value());

  const Scenario s = load_scenario("alpha");
  EXPECT_EQ(s.name, "alpha");
  EXPECT_EQ(s.source, "alpha");
  EXPECT_EQ(s.cpus.at(0).ops.at(0).pos.file, "<builtin>/alpha.toml");

  const Scenario by_path = load_scenario((dir.path() / "zeta.toml").string());
  EXPECT_EQ(by_path.name, "zeta");
  EXPECT_EQ(by_path.source, (dir.path() / "zeta.toml").string());
}

TEST(ScenarioBuiltins, UnknownNameListsTheBuiltins) {
  TempDir dir;
  dir.write("alpha.toml", "name = \"alpha\"\n[[cpu]]\nrun = [\"sync()\"]\n");
  dir.write("beta.toml", "name = \"beta\"\n[[cpu]]\nrun = [\"sync()\"]\n");
  const std::string dir_str = dir.path().string();
  ScopedEnv env("PAGERACE_SCENARIOS", &dir_str);
  try {
    (void)load_scenario("gamma");
    FAIL() << "expected ParseError";
  } catch (const ParseError &e) {
    EXPECT_EQ(e.pos().line, 0);
    EXPECT_NE(e.message().find("built-in scenarios: alpha, beta"), std::string::npos) << e.what();
  }
  // a .toml name is always a path, even if it does not exist
  try {
    (void)load_scenario("alpha-missing.toml");
    FAIL() << "expected ParseError";
  } catch (const ParseError &e) {
    EXPECT_NE(e.message().find("cannot read scenario file"), std::string::npos) << e.what();
  }
}

TEST(ScenarioBuiltins, EmptyOrMissingDirectoryHasNoNames) {
  TempDir dir;
  const std::string missing = (dir.path() / "absent").string();
  ScopedEnv env("PAGERACE_SCENARIOS", &missing);
  EXPECT_TRUE(builtin_scenario_names().empty());
  try {
    (void)load_scenario("anything");
    FAIL() << "expected ParseError";
  } catch (const ParseError &e) {
    EXPECT_NE(e.message().find("no built-in scenarios"), std::string::npos) << e.what();
  }
}

TEST(ScenarioBuiltins, EveryShippedScenarioParses) {
  ScopedEnv env("PAGERACE_SCENARIOS", nullptr);
  for (const std::string &name : builtin_scenario_names()) {
    SCOPED_TRACE(name);
    try {
      const Scenario s = load_scenario(name);
      EXPECT_FALSE(s.cpus.empty());
    } catch (const ParseError &e) {
      ADD_FAILURE() << e.what();
    }
  }
}

} // namespace

// ---------------------------------------------------------------------------
// Limits that keep the parser's recursion shallow: deep nesting and long
// chains are errors at the token that goes over, never a stack overflow.

TEST(ScenarioParserLimits, DeepNestingIsAnErrorNotACrash) {
  for (const char *open : {"(", "-", "(-"}) {
    std::string call = "kswapd(";
    for (int i = 0; i < 100; ++i) // within the token limit
      call += open;
    call += "1";
    // the argument starts at byte 7; level 33 is byte 7 + 32
    EXPECT_TRUE(call_error({call}, 0, 39, "nested too deeply: at most 32 levels")) << open;
  }
  std::string ok = "kswapd(";
  for (int i = 0; i < 16; ++i)
    ok += "(-";
  ok += "1";
  for (int i = 0; i < 16; ++i)
    ok += ")";
  ok += ")";
  EXPECT_NO_THROW(parse_ok(one_cpu({ok}))) << "32 levels are allowed";
}

TEST(ScenarioParserLimits, MoreVariablesThanTheModelKeepsIsAnError) {
  std::vector<std::string> calls;
  for (int i = 0; i < 25; ++i)
    calls.push_back("r" + std::to_string(i) + " = sync()");
  std::string text = "name = \"t\"\n[[cpu]]\nrun = [\n";
  for (const auto &c : calls)
    text += "  \"" + c + "\",\n";
  text += "]\n";
  // the 25th call is on line 4 + 24, its variable at column 4
  EXPECT_TRUE(error_at(text, 28, 4, "too many variables: at most 24"));
  calls.pop_back();
  std::string ok = "name = \"t\"\n[[cpu]]\nrun = [\n";
  for (const auto &c : calls)
    ok += "  \"" + c + "\",\n";
  ok += "]\n";
  EXPECT_NO_THROW(parse_ok(ok));
}

TEST(ScenarioParserLimits, LongCallIsAnErrorAtTheFirstTokenOver) {
  std::string call = "kswapd(1";
  for (int i = 0; i < 200000; ++i)
    call += "+1";
  call += ")";
  // tokens 0-2 are "kswapd", "(", "1", then pairs "+" "1" from byte 8:
  // token 256, the 257th, is the "1" of pair 126, at byte 9 + 2 * 126
  EXPECT_TRUE(call_error({call}, 0, 261, "call too long: at most 256 tokens"));
  std::string ok = "kswapd(1";
  for (int i = 0; i < 120; ++i)
    ok += "+0";
  ok += ")";
  EXPECT_NO_THROW(parse_ok(one_cpu({ok})));
}
