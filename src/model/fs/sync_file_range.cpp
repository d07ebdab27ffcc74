// sync_file_range(2) (fs/sync.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow sys_sync_file_range(Ctx &k, Frame &) { k.model_error("sys_sync_file_range is not modelled yet"); }

} // namespace pagerace::model
