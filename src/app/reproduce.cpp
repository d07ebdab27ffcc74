// Glue of `pagerace reproduce`: translate, run, parse, check, compare.
#include "app/reproduce.hpp"

#include "model/variants/variant.hpp"
#include "reality/process.hpp"

#include <fmt/format.h>

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
    // bio_iov_iter_get_pages to use iov_iter_extract_pages).
    if (major > 6 || (major == 6 && minor >= 4))
      return {"upstream", fmt::format("this host runs {}, which pins direct-I/O pages with "
                                      "FOLL_PIN as the upstream variant does",
                                      u.release)};
    return {"v6.1", fmt::format("this host runs {}, older than 6.4: direct I/O takes FOLL_GET "
                                "references, as in v6.1",
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

reality::ReproduceReport reproduce(const scenario::Scenario &sc, const ReproduceOptions &opts) {
  reality::ReproduceReport rep;
  rep.scenario = sc.name;
  rep.on = opts.on;
  std::tie(rep.variant, rep.variant_why) = variant_for(opts.on);
  rep.translation = reality::translate(sc);
  const model::Variant *variant = model::find_variant(rep.variant);
  if (!variant) throw std::logic_error("no variant " + rep.variant);

  // The model first: it is deterministic, and a scenario error shows before
  // a minute of real-kernel time is spent.
  rep.model = check(rep.translation.scenario, *variant, opts.model);
  std::set<std::string> kinds;
  for (const auto &v : rep.model.violations)
    kinds.insert(v.kind);

  reality::RunOptions ro = opts.run;
  if (ro.probe.empty()) ro.probe = probe_path();
  if (opts.on == "host")
    rep.run = reality::run_on_host(rep.translation.plan, ro);
  else
    rep.run = reality::run_on_qemu(rep.translation.plan, opts.on.substr(5), ro);
  rep.observed = reality::parse_probe_output(rep.run.output);
  rep.interrupted = reality::interrupted();
  if (!rep.observed.complete && !reality::interrupted())
    throw reality::RealityError(
        "the probe printed no result; its output was:\n" +
        rep.run.output.substr(rep.run.output.size() > 3000 ? rep.run.output.size() - 3000 : 0));

  rep.rows = reality::compare(rep.observed, kinds, !rep.model.bounded);
  return rep;
}

} // namespace pagerace::app
