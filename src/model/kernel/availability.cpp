// Release of origin of the scenario calls. Everything the model runs existed
// in 4.15 except madvise()'s MADV_COLD and MADV_PAGEOUT (5.4, mm/madvise.c).
// pin_user_pages() (5.6) is what an RDMA driver calls today; on older variants
// the driver's registration uses get_user_pages_longterm() (4.15) instead, so
// the call is available everywhere and the variant picks the kernel path.
#include "model/kernel/availability.hpp"

#include "model/kernel/ctx.hpp"

#include <fmt/format.h>

namespace pagerace::model {

CallOrigin call_origin(const scenario::Op &op) {
  using scenario::OpCode;
  if (op.code == OpCode::Madvise) {
    const bool pageout =
        !op.args.empty() && op.args.size() > 2 && op.args[2].value == scenario::flags::MADV_PAGEOUT;
    return {504, pageout ? "madvise(MADV_PAGEOUT)" : "madvise(MADV_COLD)"};
  }
  return {0, ""};
}

void check_availability(const scenario::Scenario &sc, const Variant &v) {
  for (const scenario::Cpu &cpu : sc.cpus)
    for (const scenario::Op &op : cpu.ops) {
      const CallOrigin o = call_origin(op);
      if (o.since <= v.linux_version) continue;
      std::string having;
      for (const Variant *other : all_variants())
        if (other->linux_version >= o.since)
          having += fmt::format("{}{}", having.empty() ? "" : ", ", other->name);
      throw ScenarioRuntimeError(
          op.pos,
          fmt::format("{} is unknown to variant {} ({}): it first appeared in {}{}", o.what, v.name,
                      linux_version_name(v.linux_version), linux_version_name(o.since),
                      having.empty() ? "" : "; variants that have it: " + having));
    }
}

} // namespace pagerace::model
