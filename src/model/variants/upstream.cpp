// Today's kernels (6.12, 6.18): direct I/O pins its pages.
#include "model/variants/upstream.hpp"

namespace pagerace::model {

extern const Variant kVariantUpstream;
const Variant kVariantUpstream = [] {
  Variant v = upstream_switches(
      "upstream",
      "Linux 6.12 and 6.18: v6.1 with direct I/O pinning its pages (FOLL_PIN through "
      "iov_iter_extract_pages(), BIO_PAGE_PINNED, unpinned by bio_release_pages()), so "
      "reclaim's folio_maybe_dma_pinned() test now sees DIO pages and race 1 closes. "
      "FOLL_LONGTERM | FOLL_WRITE pins of dirty-tracked file mappings fail with -EFAULT. "
      "Writeback still ignores pins, and the waiter is still woken before bio_dirty_fn "
      "re-dirties cleaned pages, so race 2 and the durability gap remain. "
      "GUP_PIN_COUNTING_BIAS keeps its kernel value, 1024: a scaled-down bias would make the "
      "four or five plain references of any mapped page look pinned and report costs that "
      "the kernel does not have. False positives of page_maybe_dma_pinned() from plain "
      "references are therefore out of reach of small scenarios; stale pins (a completed "
      "bio waiting for bio_dirty_fn) are not.",
      "920756a3306a and 1ccf164ec866 (6.5, DIO pins); 8ac268436e6d, a6e79df92e4a "
      "(6.5, LONGTERM file pins refused); d824ec2a1546 (6.4); mm/gup.c and "
      "fs/iomap/direct-io.c of 6.12/6.18; docs/REALITY.md: no race 1 on 6.12 and on the "
      "6.18 host, the durability gap on 6.12");
  return v;
}();

} // namespace pagerace::model
