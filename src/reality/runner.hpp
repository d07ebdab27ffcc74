// Where a plan runs: this host (throw-away loop-device filesystems, root
// only) or a Debian kernel under QEMU/TCG (no root). Both return the probe's
// output; neither ever touches a user's file or mount.
#pragma once

#include "reality/plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pagerace::reality {

struct RunOptions {
  double budget_seconds = 45; // the probe's iterations; set-up and boot come on top
  std::string fs = "ext4";    // the mapped file's filesystem: ext4, xfs, btrfs
  // Read throttle of the O_DIRECT source's device (0: none). 256 KiB/s makes
  // a one-page read last about 16 ms, as a 64 KiB read does at 4 MiB/s, the
  // rate that showed both races on real kernels (docs/REALITY.md).
  uint64_t read_bps = 256u << 10;
  std::string probe;     // the pagerace-probe binary
  std::string cache_dir; // kernel packages (qemu mode)
  bool verbose = false;  // progress on stderr
};

struct RunResult {
  std::string output;             // the probe's lines (and, under QEMU, the console)
  std::string where;              // "host", "qemu:6.1", ...
  std::string kernel_package;     // qemu: the Debian package booted
  std::vector<std::string> notes; // e.g. "reads not throttled: no blkio controller"
};

// Throws RealityError: not root, a tool missing, a set-up step failing.
// Everything it made is torn down before it returns or throws, also after
// SIGINT (which ends the probe's run early, with what it saw so far).
RunResult run_on_host(const Plan &plan, const RunOptions &opts);

// `version` is 5.10, 6.1 or 6.12. Throws RealityError.
RunResult run_on_qemu(const Plan &plan, const std::string &version, const RunOptions &opts);

// The default cache of downloaded kernels: $PAGERACE_CACHE, else
// $XDG_CACHE_HOME/pagerace, else ~/.cache/pagerace.
std::string default_cache_dir();

} // namespace pagerace::reality
