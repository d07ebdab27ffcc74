// Debian 12's kernel: ext4 direct I/O through iomap with plain references.
#include "model/variants/variant.hpp"

namespace pagerace::model {

extern const Variant kVariantV6_1;
const Variant kVariantV6_1{
    .name = "v6.1",
    .summary =
        "Linux 6.1 as Debian 12 ships it (6.1.y): ext4 direct-I/O reads go through "
        "iomap_dio_rw(), which takes plain FOLL_GET references (iov_iter_get_pages2()), "
        "pre-dirties the pages with bio_set_pages_dirty() at submission and, at completion, "
        "wakes the waiting reader first and then runs bio_check_pages_dirty(), which leaves "
        "pages that were cleaned meanwhile to the bio_dirty_fn work item. ext4 writeback warns, "
        "clears PG_dirty and skips a dirty page without buffers instead of BUG()ing "
        "(cc5095747edf). Reclaim refuses folio_maybe_dma_pinned() pages after unmapping them "
        "(d824ec2a1546, in 6.1.y), which plain references never trigger; "
        "mapping_evict_folio() refuses pages with extra references. Pin counting exists "
        "(GUP_PIN_COUNTING_BIAS 1024, unscaled here), and FOLL_LONGTERM pins of file mappings "
        "are allowed. Debian 11's 5.10 differs in that invalidation (fadvise, drop_caches) does "
        "not check references before releasing buffers and the reclaim pin test is absent.",
    .sources = "Debian linux 6.1.192 (linux-source-6.1); cc5095747edf (5.18); d824ec2a1546 "
               "(6.4, backported to 6.1.y); 3faa52c03f44 (5.7 pin counting); "
               "docs/REALITY.md: race 1 and lost writes reproduced on Debian 6.1 under QEMU",
    .linux_version = 601,
    .dio_path = DioPath::Iomap,
    .dio_gup = DioGup::Get,
    .pin_bias = 1024,
    .reclaim_check = ReclaimPinCheck::MaybePinnedAfterUnmap,
    .ext4_no_buffers = NoBuffersInWriteback::WarnClearSkip,
    .invalidate_checks_refcount = true,
};

} // namespace pagerace::model
