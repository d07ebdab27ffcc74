// Jan Kara's 2023 RFC on writeback of pinned pages, on top of upstream.
#include "model/variants/upstream.hpp"

namespace pagerace::model {

extern const Variant kVariantKaraRfc2023;
const Variant kVariantKaraRfc2023 = [] {
  Variant v = upstream_switches(
      "kara-rfc-2023",
      "upstream plus the unmerged half of Jan Kara's RFC 'Writeback handling of pinned "
      "pages' (February 2023): background writeback (WB_SYNC_NONE) skips a page that "
      "page_maybe_dma_pinned() reports and leaves it dirty; integrity writeback "
      "(WB_SYNC_ALL: fsync, sync) cannot skip, so it cleans the page and writes a bounce "
      "copy taken at submission, leaving the pinned page itself free to change. This is the "
      "cover letter's intent applied to ext4: the posted patches passed no wbc from ext4 and "
      "bounced pinned folios in the block layer on stable-writes superblocks instead.",
      "LKML 20230209121046.25360-1-jack@suse.cz (RFC; part (a), the reclaim test, "
      "was merged as d824ec2a1546, part (b) was not)");
  v.writeback_pinned = WritebackPinned::SkipOrBounce;
  return v;
}();

} // namespace pagerace::model
