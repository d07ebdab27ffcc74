// Invariant 4: with stable pages required by the device, a page under
// writeback does not change (checksums, DIF/DIX). wait_for_stable_page() guards
// only the filesystem's own modification paths.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

extern const Invariant kWriteUnderWriteback;
const Invariant kWriteUnderWriteback{
    .kind = "write-under-writeback",
    .summary = "page contents changed while PG_writeback was set on a stable_writes device",
    .content_write =
        [](Ctx &k, int id, Token, const char *site) {
          const Page &p = k.page(id);
          if (!(p.flags & PG_writeback)) return;
          const auto &spec = k.cfg.sc->files[static_cast<size_t>(p.mapping)];
          if (!spec.stable_writes) return;
          for (const Bio &b : k.bios()) // the device reads a bounce copy, not this page
            if (b.op == BioOp::Write && (b.flags & BIO_BOUNCED) && b.vcnt && b.page[0] == id)
              return;
          k.violate(invariant_index("write-under-writeback"), site,
                    k.page_name(id) + " changed under PG_writeback on a device that requires "
                                      "stable pages");
        },
};

} // namespace pagerace::model
