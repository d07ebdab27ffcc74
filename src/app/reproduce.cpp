// Glue of `pagerace reproduce`: translate, run, parse, check, compare.
#include "app/reproduce.hpp"

#include "model/variants/variant.hpp"
#include "reality/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <sys/utsname.h>
#include <unistd.h>

namespace pagerace::app {

std::pair<std::string, std::string> variant_for(const std::string &on) {
  if (on == "qemu:5.10")
    return {"v6.1", "Debian 11's 5.10 takes FOLL_GET references for direct I/O like 6.1; v6.1's "
                    "description lists where 5.10 differs (invalidation without a reference "
                    "check, no reclaim pin test)"};
  if (on == "qemu:6.1") return {"v6.1", "Debian 12's 6.1 is what v6.1 models"};
  if (on == "qemu:6.12")
    return {"upstream", "6.12 pins direct-I/O pages with FOLL_PIN, as the upstream variant does"};
  if (on == "host") {
    utsname u{};
    uname(&u);
    int major = 0, minor = 0;
    std::sscanf(u.release, "%d.%d", &major, &minor);
    // Direct I/O pins with FOLL_PIN from 6.4 on (block: Convert
    // bio_iov_iter_get_pages to use iov_iter_extract_pages); ext4 reads
    // directly through iomap from 5.5 on (ext4: introduce direct I/O read
    // using iomap infrastructure), before that through fs/direct-io.c.
    if (major > 6 || (major == 6 && minor >= 4))
      return {"upstream", fmt::format("this host runs {}, which pins direct-I/O pages with "
                                      "FOLL_PIN as the upstream variant does",
                                      u.release)};
    if (major == 6 || (major == 5 && minor >= 5))
      return {"v6.1", fmt::format("this host runs {}: ext4 direct-I/O reads through iomap with "
                                  "FOLL_GET references, as in v6.1",
                                  u.release)};
    return {"v4.15", fmt::format("this host runs {}, older than 5.5: ext4 direct I/O through "
                                 "fs/direct-io.c with FOLL_GET references, as in v4.15",
                                 u.release)};
  }
  throw std::invalid_argument("--on: unknown target '" + on +
                              "' (host, qemu:5.10, qemu:6.1, qemu:6.12)");
}

std::string probe_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = self.parent_path() / "pagerace-probe";
    if (std::filesystem::exists(beside)) return beside.string();
  }
  return PAGERACE_PROBE;
}

namespace {

reality::ReproduceReport reproduce_unchecked(const scenario::Scenario &sc,
                                             const ReproduceOptions &opts) {
  reality::ReproduceReport rep;
  rep.scenario = sc.name;
  rep.on = opts.on;
  rep.fs = opts.run.fs;
  std::tie(rep.variant, rep.variant_why) = variant_for(opts.on);
  if (rep.fs != "ext4" && rep.fs != "xfs" && rep.fs != "btrfs")
    throw std::invalid_argument("--fs: unknown filesystem '" + rep.fs + "' (ext4, xfs, btrfs)");
  rep.translation = reality::translate(sc);
  const model::Variant *variant = model::find_variant(rep.variant);
  if (!variant) throw std::logic_error("no variant " + rep.variant);
  reality::RunOptions ro = opts.run;
  if (ro.probe.empty()) ro.probe = probe_path();
  if (!std::filesystem::exists(ro.probe))
    throw reality::RealityError("no probe binary at " + ro.probe +
                                " (build the pagerace-probe target; it is installed beside "
                                "pagerace)");

  // The model first: it is deterministic, and a scenario error shows before
  // a minute of real-kernel time is spent. It models ext4 only: on another
  // filesystem the run is observed, not compared.
  rep.modelled = rep.fs == "ext4";
  std::set<std::string> kinds;
  std::map<int, std::set<int64_t>> end_values;
  if (rep.modelled) {
    CheckOptions model_opts = opts.model;
    model_opts.end_values = &end_values;
    rep.model = check(rep.translation.scenario, *variant, model_opts);
    for (const auto &v : rep.model.violations)
      kinds.insert(v.kind);
  }

  try {
    if (!reality::interrupted()) {
      if (opts.on == "host")
        rep.run = reality::run_on_host(rep.translation.plan, ro);
      else
        rep.run = reality::run_on_qemu(rep.translation.plan, opts.on.substr(5), ro);
    }
  } catch (const reality::RealityError &) {
    // A set-up step killed by the interrupt: an interrupted run, not an error.
    if (!reality::interrupted()) throw;
    rep.run = {};
  }
  rep.observed = reality::parse_probe_output(rep.run.output);
  rep.interrupted = reality::interrupted();
  if (!rep.observed.complete && !rep.interrupted)
    throw reality::RealityError(
        "the probe printed no result; its output was:\n" +
        rep.run.output.substr(rep.run.output.size() > 3000 ? rep.run.output.size() - 3000 : 0));
  if (rep.observed.complete && rep.observed.iterations == 0 && !rep.observed.probe_errors.empty())
    throw reality::RealityError("the probe could not run an iteration: " +
                                rep.observed.probe_errors.front());
  rep.rows = reality::compare(rep.observed, kinds, !rep.model.bounded);
  if (rep.modelled && rep.observed.complete)
    rep.calls = reality::compare_calls(rep.observed, rep.translation.scenario, end_values,
                                       !rep.model.bounded);
  const bool call_disagrees =
      std::any_of(rep.calls.begin(), rep.calls.end(), [](const reality::CallComparison &c) {
        return c.agreement == reality::Agreement::Disagrees;
      });
  if (call_disagrees && opts.on != "host" && rep.variant != "v4.15")
    rep.run.notes.push_back(
        "the QEMU disks are NVMe, whose DMA alignment is 4 bytes: the iomap kernels take an "
        "O_DIRECT user address aligned to 4 but not to 512 there, which the model's device (512, "
        "the block layer's default) refuses with -EINVAL (docs/REALITY.md, results of the calls)");
  // A run that saw nothing cannot agree with anything.
  const bool empty = !rep.observed.complete || rep.observed.iterations == 0;
  for (auto &row : rep.rows)
    if (empty)
      row.agreement = reality::Agreement::NotObservable;
    else if (!rep.modelled)
      row.agreement = reality::Agreement::NoModel;
  return rep;
}

} // namespace

reality::ReproduceReport reproduce(const scenario::Scenario &sc, const ReproduceOptions &opts) {
  try {
    return reproduce_unchecked(sc, opts);
  } catch (const std::filesystem::filesystem_error &e) {
    // A cache or temporary directory that cannot be written, a missing file.
    throw reality::RealityError(e.what());
  }
}

} // namespace pagerace::app
