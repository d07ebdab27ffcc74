// Bounce-buffered direct-I/O reads, on top of upstream.
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantDioBounce;
const Variant kVariantDioBounce{
    .name = "dio-bounce",
    .summary =
        "upstream plus bounce-buffered direct-I/O reads: the device writes kernel pages, and "
        "at completion the reader copies them to the user buffer with copy_to_user(), which "
        "faults a shared file page writable through ->page_mkwrite() like any user store. The "
        "destination page is then dirtied, with buffers, under the page lock, and never "
        "written behind writeback's back. Costs a copy per page.",
    .sources = "fix-lab proposal (the 'bounce' of Kara's RFC applied to the DIO side)",
    .linux_version = 612,
    .dio_path = DioPath::Iomap,
    .dio_gup = DioGup::Pin,
    .pin_bias = 1024,
    .reclaim_check = ReclaimPinCheck::MaybePinnedAfterUnmap,
    .ext4_no_buffers = NoBuffersInWriteback::WarnClearSkip,
    .invalidate_checks_refcount = true,
    .longterm_file_pin_refused = true,
    .dio_bounce = true,
};

} // namespace pagerace::model
