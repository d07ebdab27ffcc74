// madvise(MADV_COLD / MADV_PAGEOUT) (>= 5.4 mm/madvise.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow sys_madvise(Ctx &k, Frame &) { k.model_error("sys_madvise is not modelled yet"); }
Flow reclaim_pages(Ctx &k, Frame &) { k.model_error("reclaim_pages is not modelled yet"); }

} // namespace pagerace::model
