// bios (4.15 block/bio.c, block/blk-core.c). submit_bio() hands the bio to
// the device; the device's transfers and completion are steps of the device
// actor (System::device_step in system.cpp), not of the submitter.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

int bio_alloc(Ctx &k, BioOp op, BioEndIo end_io, int owner) {
  for (int i = 0; i < kMaxBios; ++i) {
    Bio &b = k.bio(i);
    if (b.state != BioState::Free || b.op != BioOp::None) continue;
    b = Bio{};
    b.op = op;
    b.end_io = end_io;
    b.owner = static_cast<int8_t>(owner);
    return i;
  }
  k.capacity_error("bios", kMaxBios);
}

void bio_add_page(Ctx &k, int bio, int page, int block) {
  Bio &b = k.bio(bio);
  if (b.vcnt >= kBioPages) k.model_error("bio_add_page: bio full");
  b.page[b.vcnt] = static_cast<int8_t>(page);
  b.sector[b.vcnt] = static_cast<int16_t>(block);
  ++b.vcnt;
}

// 4.15 block/blk-core.c: submit_bio()
void submit_bio(Ctx &k, int bio) {
  Scope s(k, Fn::submit_bio);
  Bio &b = k.bio(bio);
  b.state = BioState::InFlight;
  k.note("- {} bio #{}: {} page(s) from block {}", b.op == BioOp::Read ? "READ" : "WRITE", bio,
         b.vcnt, b.sector[0]);
}

// 4.15 block/bio.c: bio_put(); the slot is zeroed
void bio_put(Ctx &k, int bio) {
  k.bio(bio) = Bio{};
}

} // namespace pagerace::model
