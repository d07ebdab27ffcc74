// Writeback that waits for DMA pins to drop, on top of upstream.
#include "model/variants/upstream.hpp"

namespace pagerace::model {

extern const Variant kVariantPinWait;
const Variant kVariantPinWait = [] {
  Variant v = upstream_switches(
      "pin-wait",
      "upstream plus the simplest answer to race 2: writeback, having locked a dirty page "
      "and waited for earlier writeback, also waits until page_maybe_dma_pinned() is false "
      "before clear_page_dirty_for_io(), so a page is never cleaned while DMA may still "
      "write it. The wait holds the page lock, as wait_for_stable_page() does.",
      "a design point discussed around the LSF/MM 2018 topic 'get_user_pages() and "
      "filesystems' and the pin_user_pages documentation's writeback TODO; never "
      "merged");
  v.writeback_pinned = WritebackPinned::WaitForUnpin;
  return v;
}();

} // namespace pagerace::model
