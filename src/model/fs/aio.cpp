// Asynchronous I/O submission and completion (fs/aio.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow sys_io_submit(Ctx &k, Frame &) { k.model_error("sys_io_submit is not modelled yet"); }
Flow sys_io_getevents(Ctx &k, Frame &) { k.model_error("sys_io_getevents is not modelled yet"); }

void dio_bio_end_aio(Ctx &k, int) { k.model_error("dio_bio_end_aio is not modelled yet"); }

} // namespace pagerace::model
