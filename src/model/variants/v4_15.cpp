// The kernel of the mail: Linux 4.15, ext4 (delalloc, buffer heads), direct I/O
// through fs/direct-io.c with plain get_user_pages_fast() references.
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantV4_15;
const Variant kVariantV4_15{
    .name = "v4.15",
    .summary =
        "Linux 4.15 as in Jan Kara's January 2018 report: ext4 in delalloc mode with buffer "
        "heads (jbd2 omitted), direct I/O through fs/direct-io.c taking FOLL_GET references "
        "with get_user_pages_fast() and re-dirtying with set_page_dirty_lock() at completion, "
        "reclaim without any pin awareness, and BUG_ON(!PagePrivate) when ext4 writeback meets "
        "a dirty page without buffers. pin_user_pages() does not exist yet: an RDMA driver "
        "registers memory with get_user_pages_longterm().",
    .sources = "v4.15.11 mm/, fs/, block/; LKML 20180103100430.GE4911@quack2.suse.cz",
    .linux_version = 415,
};

} // namespace pagerace::model
