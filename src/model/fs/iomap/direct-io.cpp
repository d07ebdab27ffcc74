// iomap direct I/O (fs/iomap/direct-io.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow iomap_dio_rw(Ctx &k, Frame &) { k.model_error("iomap_dio_rw is not modelled yet"); }
Flow iomap_dio_bio_iter(Ctx &k, Frame &) { k.model_error("iomap_dio_bio_iter is not modelled yet"); }
Flow iomap_dio_bounce_copy(Ctx &k, Frame &) { k.model_error("iomap_dio_bounce_copy is not modelled yet"); }

void iomap_dio_bio_end_io(Ctx &k, int) { k.model_error("iomap_dio_bio_end_io is not modelled yet"); }

} // namespace pagerace::model
