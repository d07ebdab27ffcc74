// ext4 read-in of page-cache pages (4.15 fs/ext4/readpage.c). No buffer heads
// are attached; a hole is zeroed without I/O.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/ext4/readpage.c: ext4_mpage_readpages() for one locked page
void ext4_mpage_readpages(Ctx &k, int id) {
  Scope s(k, Fn::ext4_mpage_readpages, PageArg{id});
  Page &p = k.page(id);
  const int16_t block = k.inode(p.mapping).block[p.index];
  if (block < 0) {
    p.data = kZeroToken; // zero_user_segment() of a page being read in
    p.flags |= PG_uptodate;
    unlock_page(k, id);
    return;
  }
  int bio = bio_alloc(k, BioOp::Read, BioEndIo::MpageEndIo, p.mapping);
  bio_add_page(k, bio, id, block);
  submit_bio(k, bio);
}

// 4.15 fs/ext4/readpage.c: mpage_end_io(), in interrupt context
void mpage_end_io(Ctx &k, int bio) {
  Scope s(k, Fn::mpage_end_io);
  const Bio &b = k.bio(bio);
  for (int i = 0; i < b.vcnt; ++i) {
    k.page(b.page[i]).flags |= PG_uptodate;
    unlock_page(k, b.page[i]);
  }
  bio_put(k, bio);
}

} // namespace pagerace::model
