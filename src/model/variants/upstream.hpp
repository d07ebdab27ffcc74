// The switches of today's kernels (6.12, 6.18), shared by the upstream
// variant and the proposals built on top of it (kara-rfc-2023, pin-wait,
// dio-bounce), which copy them and change their own.
#pragma once

#include "model/variants/variant.hpp"

namespace pagerace::model {

constexpr Variant upstream_switches(const char *name, const char *summary, const char *sources) {
  Variant v{.name = name, .summary = summary, .sources = sources, .linux_version = 612};
  v.dio_path = DioPath::Iomap;
  v.dio_gup = DioGup::Pin; // 920756a3306a, 1ccf164ec866 (6.5)
  v.pin_bias = 1024;       // GUP_PIN_COUNTING_BIAS, 3faa52c03f44 (5.7)
  v.reclaim_check = ReclaimPinCheck::MaybePinnedAfterUnmap; // d824ec2a1546 (6.4)
  v.ext4_no_buffers = NoBuffersInWriteback::WarnClearSkip;  // cc5095747edf (5.18)
  v.invalidate_checks_refcount = true;                      // mapping_evict_folio
  v.longterm_file_pin_refused = true;                       // 8ac268436e6d, a6e79df92e4a (6.5)
  v.ext4_writepage = false;                                 // dae999602eeb (6.3)
  v.mkwrite_dirties_page_at_eof = false; // 20230612210141.730128-8-willy@infradead.org
  return v;
}

} // namespace pagerace::model
