// `pagerace reproduce`: the scenario translated to system calls, run on a
// real kernel (this host, or a Debian kernel under QEMU), and checked by the
// model under the variant that models that kernel, side by side.
#pragma once

#include "app/check.hpp"
#include "reality/report.hpp"

#include <string>
#include <vector>

namespace pagerace::app {

struct ReproduceOptions {
  std::string on = "host"; // host, qemu:5.10, qemu:6.1, qemu:6.12
  reality::RunOptions run;
  CheckOptions model; // how the model checks the translated scenario
};

// The variant that models the kernel `on` runs: qemu:5.10 and qemu:6.1 ->
// v6.1 (5.10's differences in its description); qemu:6.12 -> upstream; host
// -> by the running kernel's version. Throws std::invalid_argument for an
// unknown target.
std::pair<std::string, std::string> variant_for(const std::string &on);

// Throws reality::Refused, reality::RealityError, std::invalid_argument.
reality::ReproduceReport reproduce(const scenario::Scenario &sc, const ReproduceOptions &opts);

// The pagerace-probe binary: beside the running pagerace, else the one built
// with it.
std::string probe_path();

} // namespace pagerace::app
