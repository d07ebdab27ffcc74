// The refcount test of v4.15-refcount-check, moved after try_to_unmap().
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantV4_15RefcountCheckLate;
const Variant kVariantV4_15RefcountCheckLate{
    .name = "v4.15-refcount-check-late",
    .summary =
        "v4.15-refcount-check with the test placed after try_to_unmap(), where the PTE "
        "references are gone (mapcount 0) and no new GUP can find the page without a fault, "
        "which needs the page lock reclaim holds: page_count() > 2 + (buffers ? 1 : 0) keeps "
        "the page. This is where the 2023 fix (d824ec2a1546) put its pin test; here it counts "
        "every reference, transient ones included.",
    .sources = "the seed thread's proposal; placement after the ordering rule of mm/gup.c "
               "(6.18 comment: GUP-fast pins first and re-checks the PTE, so page-table "
               "operations clear the PTE first and then check for pins)",
    .linux_version = 415,
    .reclaim_check = ReclaimPinCheck::RefcountAfterUnmap,
};

} // namespace pagerace::model
