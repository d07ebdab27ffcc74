// RDMA memory registration (drivers/infiniband/core/umem.c), the long-term
// GUP user of the scenarios' pin_user_pages()/unpin_user_pages() calls. The
// registered pages go to a PinSet slot; the scenario gets its handle
// (slot + 1). The RDMA device's writes through a live registration are
// steps of the device actor (System::device_step).
//
// Which kernel: a variant with pin counting (pin_bias != 0, >= 5.7) has
// 5.6's pin_user_pages_fast() registration; the others have 4.15's
// get_user_pages_longterm() one. The scenario's FOLL_WRITE is the
// registration's IB_ACCESS_*_WRITE (umem->writable); its FOLL_LONGTERM says
// whether the pin is long-term, which ib_umem_get() always asks for.
// Omitted: the RLIMIT_MEMLOCK / pinned_vm accounting (and 4.15
// ib_umem_release()'s down_write(mmap_sem) for it), the scatterlist and the
// DMA mapping, on-demand paging, hugetlb.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

namespace {

bool counted_pins(const Ctx &k) {
  return k.variant().pin_bias != 0;
}

// The gup_flags of the registration. 4.15 umem.c: FOLL_WRITE always, plus
// FOLL_FORCE for a read-only registration. 5.6..6.1 (recall: until "RDMA/umem:
// remove FOLL_FORCE usage", 6.2): the same with FOLL_LONGTERM added at the
// pin_user_pages_fast() call. 6.2 and later: FOLL_LONGTERM, plus FOLL_WRITE
// only when writable.
int umem_gup_flags(const Ctx &k, int pin_bits) {
  const bool writable = pin_bits & PIN_WRITE;
  if (!counted_pins(k)) return kFollWrite | (writable ? 0 : kFollForce);
  const int longterm = (pin_bits & PIN_LONGTERM) ? kFollLongterm : 0;
  if (writable) return longterm | kFollWrite;
  return longterm | (k.variant().linux_version < 602 ? kFollWrite | kFollForce : 0);
}

// 4.15 umem.c: __ib_umem_release(dev, umem, 0) / >= 5.6 the same with
// unpin_user_page_range_dirty_lock(make_dirty = false): drop what a failed
// registration took, without dirtying.
void release_clean(Ctx &k, PinSet &pin) {
  while (pin.first < pin.npages) {
    const int id = pin.page[pin.first];
    if (pin.flags & PIN_COUNTED)
      unpin_user_page(k, id);
    else
      put_page(k, id);
    pin.page[pin.first++] = 0;
  }
}

} // namespace

// 4.15 drivers/infiniband/core/umem.c: ib_umem_get(): down_write(mmap_sem),
// get_user_pages_longterm() in chunks, up_write(). >= 5.6 (6.12 text): no
// mmap_sem of its own; pin_user_pages_fast(FOLL_LONGTERM [| FOLL_WRITE]) in
// chunks, unpinning everything on failure. a0 vpage, a1 npages, a2 PinFlag
// bits (PIN_WRITE, PIN_LONGTERM); a3 slot; a4 pages pinned; a5 gup_flags; a6
// error. Returns the handle (slot + 1) or -errno.
Flow ib_umem_get(Ctx &k, Frame &f) {
  enum Pc { kStart, kLocked, kPin, kGot, kFailed };
  switch (f.pc) {
  case kStart: {
    if (f.a[1] == 0) return k.ret(-kEINVAL); // ib_umem_num_pages() == 0
    int slot = 0;
    while (slot < kMaxPins && k.pin(slot).flags)
      ++slot;
    if (slot == kMaxPins) k.capacity_error("long-term pin sets", kMaxPins);
    PinSet &pin = k.pin(slot);
    pin.flags = static_cast<uint8_t>(PIN_USED | (f.a[2] & (PIN_WRITE | PIN_LONGTERM)) |
                                     (counted_pins(k) ? PIN_COUNTED : 0));
    f.a[3] = static_cast<int16_t>(slot);
    f.a[5] = static_cast<int16_t>(umem_gup_flags(k, f.a[2]));
    if (counted_pins(k)) {
      f.pc = kPin;
      return Flow::Next;
    }
    return k.sleep(f, kLocked, Wait::MmapSemWrite, 0); // 4.15: down_write(&mm->mmap_sem)
  }
  case kLocked: k.mmap_sem().writer = static_cast<int8_t>(k.tid()); [[fallthrough]];
  case kPin: {
    if (f.a[4] == f.a[1]) { // registered: the device may now use the pages
      if (!counted_pins(k)) k.mmap_sem().writer = kNone;
      k.pin(f.a[3]).flags |= PIN_LIVE;
      return k.ret(f.a[3] + 1);
    }
    const Fn gup = counted_pins(k) ? Fn::pin_user_pages_fast : Fn::get_user_pages_longterm;
    return k.call(f, kGot, gup, f.a[0] + f.a[4], f.a[1] - f.a[4], f.a[5], 0, kGupToPinSet + f.a[3]);
  }
  case kGot: {
    const int r = k.retval();
    if (r <= 0) {
      f.a[6] = static_cast<int16_t>(r < 0 ? r : -kEFAULT);
      f.pc = kFailed;
      return Flow::Next;
    }
    f.a[4] = static_cast<int16_t>(f.a[4] + r);
    f.pc = kPin;
    return Flow::Next;
  }
  case kFailed: { // umem_release: __ib_umem_release(dev, umem, 0)
    PinSet &pin = k.pin(f.a[3]);
    release_clean(k, pin);
    pin = PinSet{};
    if (!counted_pins(k)) k.mmap_sem().writer = kNone;
    return k.ret(f.a[6]);
  }
  }
  k.model_error("ib_umem_get: bad pc");
}

// 4.15 drivers/infiniband/core/umem.c: ib_umem_release() ->
// __ib_umem_release(dev, umem, 1): for each page, if (!PageDirty && writable)
// set_page_dirty_lock(), then put_page(). >= 5.6 (6.12 text): the same
// through unpin_user_page_range_dirty_lock(make_dirty = writable), i.e.
// unpin_user_pages_dirty_lock(). The DMA unmapping comes first, so the device
// stops writing before the pages are released. a0 handle; a1 slot.
Flow ib_umem_release(Ctx &k, Frame &f) {
  enum Pc { kStart, kNext, kPut, kDone };
  switch (f.pc) {
  case kStart: {
    const int slot = f.a[0] - 1;
    if (slot < 0 || slot >= kMaxPins || !(k.pin(slot).flags & PIN_LIVE)) return k.ret(-kEINVAL);
    PinSet &pin = k.pin(slot);
    f.a[1] = static_cast<int16_t>(slot);
    pin.flags &= uint8_t(~PIN_LIVE); // ib_dma_unmap_sg()
    if (pin.flags & PIN_COUNTED)
      return k.call(f, kDone, Fn::unpin_user_pages_dirty_lock, slot,
                    (pin.flags & PIN_WRITE) ? 1 : 0);
    f.pc = kNext;
    return Flow::Next;
  }
  case kNext: { // 4.15: one page
    PinSet &pin = k.pin(f.a[1]);
    if (pin.first == pin.npages) {
      f.pc = kDone;
      return Flow::Next;
    }
    const int id = pin.page[pin.first];
    if ((pin.flags & PIN_WRITE) && id != kZeroPage && !(k.page(id).flags & PG_dirty))
      return k.call(f, kPut, Fn::set_page_dirty_lock, id);
    f.pc = kPut;
    return Flow::Next;
  }
  case kPut: {
    PinSet &pin = k.pin(f.a[1]);
    put_page(k, pin.page[pin.first]);
    pin.page[pin.first++] = 0;
    f.pc = kNext;
    return Flow::Next;
  }
  case kDone: k.pin(f.a[1]) = PinSet{}; return k.ret(0);
  }
  k.model_error("ib_umem_release: bad pc");
}

} // namespace pagerace::model
