// ext4 direct I/O reads through iomap (>= 5.5 fs/ext4/file.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow ext4_dio_read_iter(Ctx &k, Frame &) { k.model_error("ext4_dio_read_iter is not modelled yet"); }

} // namespace pagerace::model
