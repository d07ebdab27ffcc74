// What the probe runs on a real kernel: a translated scenario's calls, one
// thread per CPU, in a form the probe can read without the scenario parser
// (the probe is a static binary for an initramfs and links nothing else).
// Calls keep the scenario's names and argument order; flag values are the
// scenario's, which are x86-64 Linux's.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pagerace::reality {

struct PlanArg {
  bool var = false;  // true: vars[index] + value
  int64_t value = 0; // a constant, or the offset added to the variable
  int index = -1;
};

struct PlanOp {
  std::string call; // the scenario's call name: mmap, open, read, ...
  int target = -1;  // variable assigned, or -1
  std::vector<PlanArg> args;
  bool setup = false; // helpers: run once before the loop, not in it
};

struct PlanFile {
  std::string name;
  int pages = 1;
  char dev = 'a'; // 'b': the read-throttled device of O_DIRECT sources
  bool cached = true;
  bool hole = false;
};

struct PlanCpu {
  std::string name;
  bool helper = false; // a kernel thread driven from user space: loops while tasks run
  std::vector<PlanOp> ops;
};

struct Plan {
  std::string scenario;
  std::vector<PlanFile> files;
  std::vector<PlanCpu> cpus;
  int nvars = 0;
};

class PlanError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string write_plan(const Plan &p);
// Throws PlanError naming the line.
Plan read_plan(std::string_view text);

} // namespace pagerace::reality
