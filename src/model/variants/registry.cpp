// The list of kernel variants, one line each; the first is the default.
#include "model/variants/variant.hpp"

#include <fmt/format.h>

namespace pagerace::model {

extern const Variant kVariantV4_15, kVariantV4_15RefcountCheck, kVariantV4_15RefcountCheckLate,
    kVariantV6_1, kVariantUpstream, kVariantKaraRfc2023, kVariantPinWait, kVariantDioBounce;

const std::vector<const Variant *> &all_variants() {
  static const std::vector<const Variant *> v = {
      &kVariantV4_15,   &kVariantV4_15RefcountCheck, &kVariantV4_15RefcountCheckLate,
      &kVariantV6_1,    &kVariantUpstream,           &kVariantKaraRfc2023,
      &kVariantPinWait, &kVariantDioBounce,
  };
  return v;
}

const Variant *find_variant(const std::string &name) {
  for (const Variant *v : all_variants())
    if (name == v->name) return v;
  return nullptr;
}

const Variant &default_variant() {
  return *all_variants().front();
}

std::string linux_version_name(int version) {
  return fmt::format("Linux {}.{}", version / 100, version % 100);
}

namespace {

const char *name_of(DioPath p) {
  return p == DioPath::DirectIo ? "fs/direct-io.c" : "iomap (pre-dirty, wake, bio_dirty_fn)";
}
const char *name_of(DioGup g) {
  return g == DioGup::Get ? "FOLL_GET" : "FOLL_PIN";
}
const char *name_of(ReclaimPinCheck c) {
  switch (c) {
  case ReclaimPinCheck::None: return "none";
  case ReclaimPinCheck::RefcountBeforeUnmap: return "page_count test before try_to_unmap";
  case ReclaimPinCheck::RefcountAfterUnmap: return "page_count test after try_to_unmap";
  case ReclaimPinCheck::MaybePinnedAfterUnmap: return "page_maybe_dma_pinned after try_to_unmap";
  }
  return "?";
}
const char *name_of(NoBuffersInWriteback b) {
  return b == NoBuffersInWriteback::Bug ? "BUG" : "warn, clear dirty, skip";
}
const char *name_of(WritebackPinned w) {
  switch (w) {
  case WritebackPinned::Ignore: return "ignored";
  case WritebackPinned::SkipOrBounce: return "background skips, integrity bounces";
  case WritebackPinned::WaitForUnpin: return "wait for the pins to drop";
  }
  return "?";
}
const char *yes_no(bool b) {
  return b ? "yes" : "no";
}

} // namespace

std::vector<std::string> variant_hooks(const Variant &v) {
  const Variant &base = default_variant();
  std::vector<std::string> out;
  if (v.dio_path != base.dio_path) out.push_back(fmt::format("DIO path: {}", name_of(v.dio_path)));
  if (v.dio_gup != base.dio_gup)
    out.push_back(fmt::format("DIO page references: {}", name_of(v.dio_gup)));
  if (v.pin_bias != base.pin_bias)
    out.push_back(fmt::format("pin counting: GUP_PIN_COUNTING_BIAS {}", v.pin_bias));
  if (v.reclaim_check != base.reclaim_check)
    out.push_back(fmt::format("reclaim: {}", name_of(v.reclaim_check)));
  if (v.ext4_no_buffers != base.ext4_no_buffers)
    out.push_back(fmt::format("ext4 writeback of a dirty page without buffers: {}",
                              name_of(v.ext4_no_buffers)));
  if (v.invalidate_checks_refcount != base.invalidate_checks_refcount)
    out.push_back(
        fmt::format("invalidation checks references: {}", yes_no(v.invalidate_checks_refcount)));
  if (v.longterm_file_pin_refused != base.longterm_file_pin_refused)
    out.push_back(fmt::format("FOLL_LONGTERM write pins of file mappings refused: {}",
                              yes_no(v.longterm_file_pin_refused)));
  if (v.writeback_pinned != base.writeback_pinned)
    out.push_back(fmt::format("writeback of pinned pages: {}", name_of(v.writeback_pinned)));
  if (v.dio_bounce != base.dio_bounce)
    out.push_back(fmt::format("DIO reads bounce through kernel pages: {}", yes_no(v.dio_bounce)));
  if (v.ext4_writepage != base.ext4_writepage)
    out.push_back(
        fmt::format("reclaim writes ext4 pages (->writepage): {}", yes_no(v.ext4_writepage)));
  if (v.mkwrite_dirties_page_at_eof != base.mkwrite_dirties_page_at_eof)
    out.push_back(fmt::format("a write fault dirties a page that starts at i_size: {}",
                              yes_no(v.mkwrite_dirties_page_at_eof)));
  return out;
}

} // namespace pagerace::model
