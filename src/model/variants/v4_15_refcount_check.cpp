// Dave Chinner's proposal in the seed thread: reclaim leaves alone a page that
// someone else holds a reference to.
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantV4_15RefcountCheck;
const Variant kVariantV4_15RefcountCheck{
    .name = "v4.15-refcount-check",
    .summary =
        "v4.15 plus Dave Chinner's suggestion from the thread: after trylock_page() and before "
        "try_to_unmap(), shrink_page_list() keeps a page whose page_count() exceeds 2 + "
        "page_mapcount() + (buffers ? 1 : 0), i.e. a page with references the VM does not own. "
        "Nothing stops GUP-fast from taking a reference without a lock after the test. Jan "
        "Kara's answer was that reclaim cannot know the legitimate references before it has "
        "unmapped the page and freed its buffers, and that race 2 needs no reclaim at all.",
    .sources = "LKML thread 'Filesystem crashes due to pages without buffers', 2018-01-04 "
               "(Dave Chinner's question, Jan Kara's reply); never merged",
    .linux_version = 415,
    .reclaim_check = ReclaimPinCheck::RefcountBeforeUnmap,
};

} // namespace pagerace::model
