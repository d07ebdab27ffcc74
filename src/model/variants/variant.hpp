// A kernel variant: the one place where kernels differ. Shared paths live once
// in model/; a variant only sets the switches below, each named after the
// kernel behaviour it selects. Adding a variant is one new file in variants/
// plus one line in variants/registry.cpp; no other variant changes.
#pragma once

#include <string>
#include <vector>

namespace pagerace::model {

// What ext4 writeback does with a dirty page that has no buffers.
enum class NoBuffersInWriteback {
  Bug,          // 4.15: BUG_ON(!PagePrivate) in page_buffers()
  WarnClearSkip // >= 5.18 (cc5095747edf): warn, clear PG_dirty, skip the page
};

// Which direct-I/O implementation ext4 uses for reads.
enum class DioPath {
  DirectIo, // fs/direct-io.c (4.15): re-dirty with set_page_dirty_lock() in the waiter
  Iomap     // fs/iomap/direct-io.c (ext4 >= 5.5): pre-dirty at submission, wake the waiter,
            // then bio_check_pages_dirty() defers clean pages to bio_dirty_fn
};

// How the block layer holds user pages during direct I/O.
enum class DioGup {
  Get, // FOLL_GET: plain references (<= 6.4)
  Pin  // FOLL_PIN through iov_iter_extract_pages() (>= 6.5, 920756a3306a)
};

// Whether and where shrink_page_list() refuses pages held by someone else.
enum class ReclaimPinCheck {
  None,
  RefcountBeforeUnmap,   // Chinner 2018: page_count > 2 + mapcount + buffers, before try_to_unmap
  RefcountAfterUnmap,    // the same test after try_to_unmap (mapcount is then 0)
  MaybePinnedAfterUnmap, // d824ec2a1546 (6.4, in 6.1.y): folio_maybe_dma_pinned -> activate
};

// What writeback does with a page that may be pinned for DMA.
enum class WritebackPinned {
  Ignore,       // every kernel so far: folio_clear_dirty_for_io() has no pin test
  SkipOrBounce, // Kara's 2023 RFC: background writeback skips it and keeps it dirty;
                // integrity writeback writes a bounce copy
  WaitForUnpin, // pin-wait: writeback waits until the pins drop before cleaning
};

struct Variant {
  const char *name;
  const char *summary; // one paragraph
  const char *sources; // kernel versions, commits and mails it comes from
  int linux_version;   // the release whose system calls it has: major * 100 + minor
  DioPath dio_path = DioPath::DirectIo;
  DioGup dio_gup = DioGup::Get;
  // GUP_PIN_COUNTING_BIAS as the model uses it; 0: no FOLL_PIN accounting
  // (before 5.7). page_maybe_dma_pinned() is refcount >= bias.
  int pin_bias = 0;
  ReclaimPinCheck reclaim_check = ReclaimPinCheck::None;
  NoBuffersInWriteback ext4_no_buffers = NoBuffersInWriteback::Bug;
  // invalidate_inode_page() / mapping_evict_folio() refuses pages with extra
  // references before releasing buffers (6.1); 4.15 does not look.
  bool invalidate_checks_refcount = false;
  // FOLL_LONGTERM | FOLL_WRITE pins of dirty-tracked file mappings fail with
  // -EFAULT (>= 6.5, 8ac268436e6d / a6e79df92e4a).
  bool longterm_file_pin_refused = false;
  WritebackPinned writeback_pinned = WritebackPinned::Ignore;
  // dio-bounce: direct-I/O reads land in kernel pages and are copied to the
  // user buffer with copy_to_user() at completion.
  bool dio_bounce = false;
  // ext4 has ->writepage, so reclaim's pageout() writes its dirty pages; gone
  // since 6.3 (dae999602eeb), where pageout() activates them unwritten.
  bool ext4_writepage = true;
  // block_page_mkwrite() refuses only a page that starts beyond i_size
  // ("page_offset(page) > size", from 4.15 to the folio conversion of 2023),
  // so a truncate to a page's index lets a racing write fault dirty that
  // page with end = 0. Today's test is "folio_pos(folio) >= size" (Wilcox,
  // "buffer: Convert block_page_mkwrite() to use a folio", June 2023). 6.1
  // ext4 closes the window with its invalidate lock, which the model omits.
  bool mkwrite_dirties_page_at_eof = true;
};

const std::vector<const Variant *> &all_variants();
const Variant *find_variant(const std::string &name); // nullptr if unknown
const Variant &default_variant();
// The switches of `v` that differ from the first variant (v4.15), as
// "name: value" lines: what a variant changes, for `list` and the docs.
std::vector<std::string> variant_hooks(const Variant &v);
std::string linux_version_name(int version); // 601 -> "Linux 6.1"

} // namespace pagerace::model
