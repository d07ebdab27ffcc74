// Pre-dirtying and deferred re-dirtying of DIO read pages (block/bio.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow bio_iov_iter_get_pages(Ctx &k, Frame &) { k.model_error("bio_iov_iter_get_pages is not modelled yet"); }
Flow bio_set_pages_dirty(Ctx &k, Frame &) { k.model_error("bio_set_pages_dirty is not modelled yet"); }
Flow bio_dirty_fn(Ctx &k, Frame &) { k.model_error("bio_dirty_fn is not modelled yet"); }
Flow bio_release_pages(Ctx &k, Frame &) { k.model_error("bio_release_pages is not modelled yet"); }

void bio_check_pages_dirty(Ctx &k, int) { k.model_error("bio_check_pages_dirty is not modelled yet"); }

} // namespace pagerace::model
