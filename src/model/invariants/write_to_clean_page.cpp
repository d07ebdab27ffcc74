// Invariant 2: page contents change only while the page is dirty (writably
// mapped since the last page_mkwrite) or between write_begin and write_end.
// A write to a clean page means the filesystem was never told.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

extern const Invariant kWriteToCleanPage;
const Invariant kWriteToCleanPage{
    .kind = "write-to-clean-page",
    .summary = "page contents changed while PG_dirty was clear and no write_begin was active",
    .content_write =
        [](Ctx &k, int id, Token, const char *site) {
          const Page &p = k.page(id);
          if (p.flags & PG_dirty || p.in_write_begin) return;
          k.violate(invariant_index("write-to-clean-page"), site,
                    k.page_name(id) +
                        " changed while clean (PG_dirty clear, no write_begin): the "
                        "filesystem was not told and the change is outside writeback's view");
        },
};

} // namespace pagerace::model
