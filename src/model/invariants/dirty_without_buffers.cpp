// Invariant 1 of a buffer-head filesystem: a dirty page-cache page has buffers
// (page_mkwrite and write_begin attach them before dirtying; reclaim strips
// them only from clean pages). Its breach is the state Kara's crash comes from.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

extern const Invariant kDirtyWithoutBuffers;
const Invariant kDirtyWithoutBuffers{
    .kind = "dirty-without-buffers",
    .summary = "an ext4 page-cache page became PG_dirty without buffers attached",
    .page_dirtied =
        [](Ctx &k, int id, const char *site) {
          const Page &p = k.page(id);
          if (p.mapping < 0 || (p.flags & PG_private)) return;
          k.violate(invariant_index("dirty-without-buffers"), site,
                    k.page_name(id) + " is PG_dirty without buffers (!PG_private); ext4 "
                                      "writeback will hit page_buffers() on it");
        },
};

} // namespace pagerace::model
