// A scenario as real system calls: what `pagerace reproduce` runs on a real
// kernel and what the model checks beside it. The scenario's CPUs keep their
// calls; the kernel threads become user-space drivers that are themselves
// modelled calls (writeback() -> fdatasync, msync(MS_SYNC) and
// sync_file_range of what it would write back, kswapd() -> madvise(MADV_COLD)
// and madvise(MADV_PAGEOUT) of the shared mappings), and each CPU that
// reads into a shared mapping ends with fdatasync of the mapped files, the
// durability point at which the probe compares the disk (fsync-gap).
#pragma once

#include "reality/plan.hpp"
#include "scenario/ast.hpp"

#include <stdexcept>
#include <string>

namespace pagerace::reality {

// The scenario cannot be expressed with system calls; `where` is the call or
// file that prevents it.
class Refused : public std::runtime_error {
public:
  Refused(scenario::SourcePos where, const std::string &reason)
      : std::runtime_error(reason), where_(std::move(where)) {}
  const scenario::SourcePos &where() const { return where_; }

private:
  scenario::SourcePos where_;
};

struct Translation {
  std::string text;            // the translated scenario, as a scenario file
  scenario::Scenario scenario; // the same, parsed: what the model checks
  Plan plan;                   // the same, for the probe
};

// Throws Refused.
Translation translate(const scenario::Scenario &sc);

} // namespace pagerace::reality
