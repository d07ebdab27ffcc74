// posix_fadvise(POSIX_FADV_DONTNEED) (mm/fadvise.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow sys_fadvise64(Ctx &k, Frame &) { k.model_error("sys_fadvise64 is not modelled yet"); }
Flow invalidate_mapping_pages(Ctx &k, Frame &) { k.model_error("invalidate_mapping_pages is not modelled yet"); }

} // namespace pagerace::model
