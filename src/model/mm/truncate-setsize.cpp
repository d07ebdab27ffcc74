// truncate(2) (fs/open.c, fs/ext4/inode.c, mm/truncate.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow sys_truncate(Ctx &k, Frame &) { k.model_error("sys_truncate is not modelled yet"); }
Flow ext4_setattr(Ctx &k, Frame &) { k.model_error("ext4_setattr is not modelled yet"); }
Flow truncate_inode_pages_range(Ctx &k, Frame &) { k.model_error("truncate_inode_pages_range is not modelled yet"); }

} // namespace pagerace::model
