// ext4 read-in of page-cache pages (4.15 fs/ext4/readpage.c). No buffer heads
// are attached; a hole is zeroed without I/O.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/ext4/readpage.c: ext4_mpage_readpages() for one locked page. Blocks
// at or past i_size (last_block_in_file) are not mapped: such a page reads
// as a hole, even while truncate has yet to free its block.
void ext4_mpage_readpages(Ctx &k, int id) {
  Scope s(k, Fn::ext4_mpage_readpages, PageArg{id});
  Page &p = k.page(id);
  const Inode &inode = k.inode(p.mapping);
  const int16_t block = p.index < inode.i_size ? inode.block[p.index] : kHole;
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
