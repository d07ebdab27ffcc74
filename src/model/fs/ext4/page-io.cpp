// ext4 data writeback I/O (4.15 fs/ext4/page-io.c). No BH_Lock is taken for
// data writeback; one bio per page.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/ext4/page-io.c: ext4_bio_write_page() + ext4_io_submit().
// integrity: the caller's writeback is WB_SYNC_ALL. Both callers,
// mpage_submit_page() and ext4_writepage(), pass len = i_size & ~PAGE_MASK
// for the page at index i_size >> PAGE_SHIFT, else PAGE_SIZE: with whole-page
// sizes, len is 0 for a page that starts at i_size (a truncate is removing
// it), which is zeroed (zero_user_segment()) and has no buffer written.
int ext4_bio_write_page(Ctx &k, int id, bool integrity) {
  Scope s(k, Fn::ext4_bio_write_page, PageArg{id});
  Page &p = k.page(id);
  set_page_writeback(k, id, false);
  BufferHead &bh = p.bh;
  if (starts_at_i_size(k, id)) { // len == 0
    write_page_data(k, id, kZeroToken, "fs/ext4/page-io.c:ext4_bio_write_page");
    bh.b_state = uint8_t((bh.b_state | BH_Uptodate) & ~BH_Dirty);
    k.note("- {} starts at i_size: zeroed, nothing written", k.page_ref(id));
  }
  bool submit = (bh.b_state & BH_Dirty) && (bh.b_state & BH_Mapped) &&
                !(bh.b_state & (BH_Delay | BH_Unwritten));
  if (!(bh.b_state & BH_Mapped)) bh.b_state &= uint8_t(~BH_Dirty);
  int bio = kNone;
  if (submit) {
    bh.b_state = uint8_t((bh.b_state | BH_Async_Write) & ~BH_New);
    bio = bio_alloc(k, BioOp::Write, BioEndIo::Ext4EndBio, p.mapping);
    bio_add_page(k, bio, id, bh.b_blocknr);
    bh.b_state &= uint8_t(~BH_Dirty);
    // kara-rfc-2023: integrity writeback cannot skip a page that may be
    // pinned; it writes a copy taken now (RFC patches 4-5 bounce pinned pages
    // in the block layer; ext4 is given the same treatment here)
    if (integrity && k.variant().writeback_pinned == WritebackPinned::SkipOrBounce &&
        page_maybe_dma_pinned(k, id)) {
      Scope b(k, Fn::writeback_bounce_page, PageArg{id});
      Bio &wb = k.bio(bio);
      wb.flags |= BIO_BOUNCED;
      wb.captured[0] = p.data;
    }
  }
  unlock_page(k, id);
  if (bio == kNone)
    end_page_writeback(k, id);
  else
    submit_bio(k, bio);
  return 0;
}

// 4.15 fs/ext4/page-io.c: ext4_end_bio() -> ext4_finish_bio(), in interrupt
// context; the device has already put the captured contents on disk
void ext4_end_bio(Ctx &k, int bio) {
  Scope s(k, Fn::ext4_end_bio);
  const Bio &b = k.bio(bio);
  for (int i = 0; i < b.vcnt; ++i) {
    const int id = b.page[i];
    k.page(id).bh.b_state &= uint8_t(~BH_Async_Write);
    end_page_writeback(k, id);
  }
  bio_put(k, bio);
}

} // namespace pagerace::model
