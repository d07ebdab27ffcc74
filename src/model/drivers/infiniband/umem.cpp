// RDMA memory registration (drivers/infiniband/core/umem.c).
// (being modelled: the stubs below refuse to run until their paths land)
#include "model/kernel/paths.hpp"

namespace pagerace::model {

Flow ib_umem_get(Ctx &k, Frame &) { k.model_error("ib_umem_get is not modelled yet"); }
Flow ib_umem_release(Ctx &k, Frame &) { k.model_error("ib_umem_release is not modelled yet"); }

} // namespace pagerace::model
