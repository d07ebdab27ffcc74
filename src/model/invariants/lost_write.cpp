// Invariant 6: after the final sync every block holds the last contents given
// to its page-cache page (or written by direct I/O). The expectation is a
// shadow kept per file block, updated at every content change.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

std::string token_name(const scenario::Scenario &sc, Token t);

extern const Invariant kLostWrite;
const Invariant kLostWrite{
    .kind = "lost-write",
    .summary = "after the final sync a block on disk differs from its last written contents",
    .at_end =
        [](Ctx &k) {
          for (size_t ino = 0; ino < k.cfg.sc->files.size(); ++ino) {
            const Inode &inode = k.inode(ino);
            for (int i = 0; i < inode.i_size; ++i) {
              int16_t b = inode.block[i];
              Token on_disk = b >= 0 ? k.disk(b) : kZeroToken;
              if (on_disk == inode.expected[i]) continue;
              const auto &sc = *k.cfg.sc;
              k.violate(invariant_index("lost-write"), "fs/sync.c:sys_sync",
                        fmt::format("{} page {}: disk holds {} after sync, expected {}{}",
                                    sc.files[ino].name, i, token_name(sc, on_disk),
                                    token_name(sc, inode.expected[i]),
                                    b == kDelayed ? " (delalloc block never allocated)" : ""));
            }
          }
        },
};

} // namespace pagerace::model
