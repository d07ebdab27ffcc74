// Invariant 6 at the durability points: data that a system call put into a
// file page and that call has returned is on disk when a later fsync,
// fdatasync, msync(MS_SYNC) or sync of the file returns, unless the page has
// been rewritten since. Real 6.1-6.18 kernels break it after race 2: the
// O_DIRECT read returns before bio_dirty_fn re-dirties the page it filled, so
// an fsync right then writes nothing (docs/REALITY.md: "late" pages).
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

std::string token_name(const scenario::Scenario &sc, Token t);

extern const Invariant kFsyncGap;
const Invariant kFsyncGap{
    .kind = "fsync-gap",
    .summary = "a completed system call's data in a file page is not on disk when a later "
               "fsync/msync(MS_SYNC)/sync of the file returns",
    .synced =
        [](Ctx &k, int ino, uint16_t since, const char *site) {
          const Inode &inode = k.inode(ino);
          for (int i = 0; i < inode.i_size && i < kMaxFilePages; ++i) {
            if (inode.writer[i] != 0 || inode.due_at[i] == 0 || inode.due_at[i] > since) continue;
            const int16_t b = inode.block[i];
            const Token on_disk = b >= 0 ? k.disk(b) : kZeroToken;
            if (on_disk == inode.expected[i]) continue;
            const auto &sc = *k.cfg.sc;
            k.violate(
                invariant_index("fsync-gap"), site,
                fmt::format("{} page {}: the sync returned with {} on disk, but a system call "
                            "that returned before it began had put {} in the page",
                            sc.files[static_cast<size_t>(ino)].name, i, token_name(sc, on_disk),
                            token_name(sc, inode.expected[i])));
          }
        },
};

} // namespace pagerace::model
