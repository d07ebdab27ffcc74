// Bounce-buffered direct-I/O reads, on top of upstream.
#include "model/variants/upstream.hpp"

namespace pagerace::model {

extern const Variant kVariantDioBounce;
const Variant kVariantDioBounce = [] {
  Variant v = upstream_switches(
      "dio-bounce",
      "upstream plus bounce-buffered direct-I/O reads: the device writes kernel pages, and "
      "at completion the reader copies them to the user buffer with copy_to_user(), which "
      "faults a shared file page writable through ->page_mkwrite() like any user store. The "
      "destination page is then dirtied, with buffers, under the page lock, and never "
      "written behind writeback's back. Costs a copy per page.",
      "fix-lab proposal (the 'bounce' of Kara's RFC applied to the DIO side)");
  v.dio_bounce = true;
  return v;
}();

} // namespace pagerace::model
