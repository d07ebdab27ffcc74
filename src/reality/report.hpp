// Everything `pagerace reproduce` found, for the renderers (report/reproduce).
#pragma once

#include "reality/observe.hpp"
#include "reality/runner.hpp"
#include "reality/translate.hpp"
#include "trace/trace.hpp"

#include <string>
#include <vector>

namespace pagerace::reality {

struct ReproduceReport {
  std::string scenario;
  std::string on;      // host, qemu:6.1, ...
  std::string fs;      // of the mapped files: ext4, xfs, btrfs
  std::string variant; // the model's variant for that kernel
  std::string variant_why;
  Translation translation;
  RunResult run;
  Observation observed;
  bool modelled = true; // false: a filesystem the model does not have (xfs, btrfs)
  trace::Result model;  // the model's check of the translated scenario
  std::vector<Comparison> rows;
  std::vector<CallComparison> calls; // results of the tasks' calls, real against model
  bool interrupted = false;

  bool disagrees() const {
    for (const auto &r : rows)
      if (r.agreement == Agreement::Disagrees) return true;
    for (const auto &c : calls)
      if (c.agreement == Agreement::Disagrees) return true;
    return false;
  }
};

} // namespace pagerace::reality
