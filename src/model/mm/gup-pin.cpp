// Pinning user pages (>= 5.6 mm/gup.c) and get_user_pages_longterm (4.15).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow get_user_pages_longterm(Ctx &k, Frame &) { k.model_error("get_user_pages_longterm is not modelled yet"); }
Flow pin_user_pages_fast(Ctx &k, Frame &) { k.model_error("pin_user_pages_fast is not modelled yet"); }
Flow unpin_user_pages_dirty_lock(Ctx &k, Frame &) { k.model_error("unpin_user_pages_dirty_lock is not modelled yet"); }

bool page_maybe_dma_pinned(Ctx &, int) { return false; }

} // namespace pagerace::model
