// Declarations of the modelled kernel functions, grouped by kernel file as
// include/linux/*.h would. Framed functions (those with a scheduling point)
// have the StepFn signature and are entered with Ctx::call(); their frame
// arguments are listed as a0..a6. Plain functions run inside one step.
#pragma once

#include "model/kernel/ctx.hpp"

namespace pagerace::model {

// Frame-local bit masks of up to 32 page ids, stored in two int16 locals.
inline uint32_t mask_get(const Frame &f, int i) {
  return uint32_t(uint16_t(f.a[i])) | (uint32_t(uint16_t(f.a[i + 1])) << 16);
}
inline void mask_set(Frame &f, int i, uint32_t m) {
  f.a[i] = int16_t(uint16_t(m & 0xffff));
  f.a[i + 1] = int16_t(uint16_t(m >> 16));
}

// Return codes used across paths (values as in the kernel where they exist).
inline constexpr int kEFAULT = 14, kEINVAL = 22, kEBUSY = 16, kEIO = 5, kEBADF = 9, kENOMEM = 12;
inline constexpr int VM_FAULT_SIGBUS = 0x0002, VM_FAULT_NOPAGE = 0x0100, VM_FAULT_LOCKED = 0x0200,
                     VM_FAULT_SIGSEGV = 0x0040;
inline constexpr int FAULT_FLAG_WRITE = 1;

// A page-cache page that starts exactly at its file's i_size (sizes are whole
// pages): block_page_mkwrite()'s end and writeback's len are 0 for it.
inline bool starts_at_i_size(const Ctx &k, int id) {
  const Page &p = k.page(id);
  return p.mapping >= 0 && p.index == k.inode(p.mapping).i_size;
}
enum class PageRef : int { Activate, Keep, Reclaim, ReclaimClean };
enum class PageoutResult : int { Keep, Activate, Success, Clean };
enum class SyncMode : int { None = 0, All = 1 }; // WB_SYNC_NONE, WB_SYNC_ALL

// ---- pages: allocation, references, LRU (mm/page_alloc.c, mm/swap.c) ----
int alloc_page(Ctx &k);          // refcount 1, zero-filled, not on any list
void get_page(Ctx &k, int page); // no-op for kZeroPage
void put_page(Ctx &k, int page); // frees at zero
bool get_page_unless_zero(Ctx &k, int page);
void lru_cache_add(Ctx &k, int page);
void lru_del(Ctx &k, int page);
void lru_add_head(Ctx &k, int page, int list);
void mark_page_accessed(Ctx &k, int page);
bool trylock_page(Ctx &k, int page);
void unlock_page(Ctx &k, int page);
void write_page_data(Ctx &k, int page, Token data, const char *site); // content change
bool page_is_file(const Ctx &k, int page);

// ---- page cache (mm/filemap.c) ----
int find_get_page(Ctx &k, int ino, int index);         // +1 ref or kNone
int add_to_page_cache_lru(Ctx &k, int ino, int index); // new locked page, caller holds 1 ref
void delete_from_page_cache(Ctx &k, int page);
void end_page_writeback(Ctx &k, int page);
bool try_to_release_page(Ctx &k, int page);
int inode_of_fd(Ctx &k, int fd);
Flow lock_page(Ctx &k, Frame &f);              // a0 page
Flow wait_on_page_writeback(Ctx &k, Frame &f); // a0 page
Flow wait_on_page_locked(Ctx &k, Frame &f);    // a0 page
Flow filemap_fault(Ctx &k, Frame &f);          // a0 ino, a1 index -> page (locked, +1) or -VM_FAULT
Flow generic_file_buffered_read(Ctx &k, Frame &f); // a0 ino, a1 index, a2 npages, a3 vpage -> bytes
Flow generic_perform_write(Ctx &k, Frame &f);      // a0 ino, a1 index, a2 npages, a3 src vpage
Flow grab_cache_page_write_begin(Ctx &k, Frame &f);   // a0 ino, a1 index -> locked page +1
Flow __filemap_fdatawrite_range(Ctx &k, Frame &f);    // a0 ino, a1 sync mode
Flow filemap_fdatawait_range(Ctx &k, Frame &f);       // a0 ino
Flow filemap_write_and_wait_range(Ctx &k, Frame &f);  // a0 ino
Flow invalidate_inode_pages2_range(Ctx &k, Frame &f); // a0 ino, a1 index, a2 npages

// ---- page tables and faults (mm/memory.c, mm/mmap.c) ----
int find_vma(const Ctx &k, int vpage);  // vma slot or kNone
Flow handle_mm_fault(Ctx &k, Frame &f); // a0 vpage, a1 flags -> 0 or VM_FAULT_* error
Flow do_read_fault(Ctx &k, Frame &f);
Flow do_shared_fault(Ctx &k, Frame &f);
Flow do_cow_fault(Ctx &k, Frame &f);
Flow do_wp_page(Ctx &k, Frame &f);
Flow wp_page_shared(Ctx &k, Frame &f);
Flow do_page_mkwrite(Ctx &k, Frame &f); // a0 page -> VM_FAULT_LOCKED or error
void do_anonymous_page(Ctx &k, int vpage, bool write);
void wp_page_copy(Ctx &k, int vpage);
void zap_pte_range(Ctx &k, int first, int npages);
void page_add_rmap(Ctx &k, int page);
void page_remove_rmap(Ctx &k, int page);

// ---- GUP (mm/gup.c, lib/iov_iter.c) ----
Flow iov_iter_get_pages(Ctx &k, Frame &f);  // a0 vpage, a1 npages, a2 write -> pages or -err
Flow get_user_pages_fast(Ctx &k, Frame &f); // a0 vpage, a1 npages, a2 write -> pages or -err
Flow get_user_pages_unlocked(Ctx &k, Frame &f);
Flow __get_user_pages(Ctx &k, Frame &f);
Flow faultin_page(Ctx &k, Frame &f);

// ---- dirtying and writeback (mm/page-writeback.c, mm/rmap.c) ----
bool set_page_dirty(Ctx &k, int page);
Flow set_page_dirty_lock(Ctx &k, Frame &f); // a0 page
bool __set_page_dirty_nobuffers(Ctx &k, int page, const char *site);
void redirty_page_for_writepage(Ctx &k, int page);
// wbc: the writeback's sync mode where the caller passes its
// writeback_control (kara-rfc-2023 skips pinned pages for SyncMode::None).
bool clear_page_dirty_for_io(Ctx &k, int page, const SyncMode *wbc = nullptr);
void set_page_writeback(Ctx &k, int page, bool keep_towrite);
void __mark_inode_dirty(Ctx &k, int ino);
void tag_pages_for_writeback(Ctx &k, int ino);
int page_mkclean(Ctx &k, int page);
int page_referenced(Ctx &k, int page);
bool try_to_unmap(Ctx &k, int page);
Flow do_writepages(Ctx &k, Frame &f); // a0 ino, a1 sync mode

// ---- reclaim (mm/vmscan.c) ----
Flow kswapd(Ctx &k, Frame &f);
Flow balance_pgdat(Ctx &k, Frame &f);
Flow shrink_active_list(Ctx &k, Frame &f);
Flow shrink_inactive_list(Ctx &k, Frame &f);
Flow shrink_page_list(Ctx &k, Frame &f);
PageRef page_check_references(Ctx &k, int page);
PageoutResult pageout(Ctx &k, int page);
bool __remove_mapping(Ctx &k, int page);

// ---- buffer heads (fs/buffer.c) ----
void create_empty_buffers(Ctx &k, int page, uint8_t b_state);
void __block_write_begin(Ctx &k, int page);
void block_commit_write(Ctx &k, int page);
void mark_buffer_dirty(Ctx &k, int page);
bool __set_page_dirty_buffers(Ctx &k, int page);
bool try_to_free_buffers(Ctx &k, int page);
Flow block_page_mkwrite(Ctx &k, Frame &f); // a0 page -> VM_FAULT_LOCKED or error

// ---- direct I/O (fs/direct-io.c) ----
// a0 ino, a1 index, a2 npages, a3 vpage, a4 rw | kDioMisaligned
Flow do_blockdev_direct_IO(Ctx &k, Frame &f);
Flow do_direct_IO(Ctx &k, Frame &f);
Flow dio_get_page(Ctx &k, Frame &f);
Flow dio_refill_pages(Ctx &k, Frame &f);
Flow dio_await_completion(Ctx &k, Frame &f);
Flow dio_bio_complete(Ctx &k, Frame &f); // a0 bio
void submit_page_section(Ctx &k, int page, int block);
void dio_send_cur_page(Ctx &k);
void dio_bio_submit(Ctx &k);
void dio_bio_end_io(Ctx &k, int bio);

// ---- ext4 (fs/ext4/) ----
// a0 ino, a1 index, a2 npages, a3 vpage, a4 rw | kDioMisaligned
Flow ext4_direct_IO(Ctx &k, Frame &f);
Flow ext4_page_mkwrite(Ctx &k, Frame &f); // a0 page
void ext4_da_get_block_prep(Ctx &k, int page);
bool ext4_set_page_dirty(Ctx &k, int page);
Flow ext4_writepages(Ctx &k, Frame &f); // a0 ino, a1 sync mode
int ext4_writepage(Ctx &k, int page);
Flow ext4_da_write_begin(Ctx &k, Frame &f); // a0 ino, a1 index -> locked page
void ext4_da_write_end(Ctx &k, int page, int copied);
bool ext4_releasepage(Ctx &k, int page);
void ext4_mpage_readpages(Ctx &k, int page);
int ext4_bio_write_page(Ctx &k, int page, bool integrity = false);
void ext4_end_bio(Ctx &k, int bio);
void mpage_end_io(Ctx &k, int bio);
Flow ext4_sync_file(Ctx &k, Frame &f); // a0 ino

// ---- writeback threads and sync (fs/fs-writeback.c, fs/sync.c) ----
Flow wb_workfn(Ctx &k, Frame &f);
void wakeup_flusher_threads(Ctx &k); // queue a full WB_SYNC_NONE flush for the flusher's kworker
Flow __writeback_single_inode(Ctx &k, Frame &f); // a0 ino, a1 sync mode
Flow sync_inodes_sb(Ctx &k, Frame &f);
Flow sys_sync(Ctx &k, Frame &f);
Flow final_sync(Ctx &k, Frame &f);

// ---- block layer and the device (block/) ----
int bio_alloc(Ctx &k, BioOp op, BioEndIo end_io, int owner);
void bio_add_page(Ctx &k, int bio, int page, int block);
void submit_bio(Ctx &k, int bio);
void bio_put(Ctx &k, int bio);

// ---- system calls and user access ----
Flow sys_mmap(Ctx &k, Frame &f);
Flow sys_munmap(Ctx &k, Frame &f);
Flow sys_open(Ctx &k, Frame &f);
Flow sys_close(Ctx &k, Frame &f);
Flow sys_read(Ctx &k, Frame &f);
Flow sys_write(Ctx &k, Frame &f);
Flow user_store(Ctx &k, Frame &f); // a0 vpage, a1 token -> 0 or -kEFAULT
Flow user_load(Ctx &k, Frame &f);  // a0 vpage -> token or -kEFAULT
Flow sys_msync(Ctx &k, Frame &f);
Flow sys_fsync(Ctx &k, Frame &f);

// ---- fix lab: pins, asynchronous and iomap direct I/O, bio re-dirtying ----
// gup_flags of the model's GUP walk (frame local a2 of get_user_pages_fast,
// get_user_pages_unlocked, __get_user_pages, pin_user_pages_fast and
// get_user_pages_longterm). The kernel's FOLL_* values (include/linux/mm.h)
// do not fit a 16-bit local, so the model numbers them itself; kFollWrite
// keeps FOLL_WRITE's value 1, so callers passing a `write` boolean are
// unchanged. FOLL_GET is implied unless kFollPin is set.
inline constexpr int kFollWrite = 1, kFollForce = 2, kFollPin = 4, kFollLongterm = 8;
// Where the GUP walk stores the pages it takes (frame local a4): the task's
// dio->pages[] queue, or pin set `slot` as kGupToPinSet + slot.
inline constexpr int kGupToDio = 0, kGupToPinSet = 1;
inline constexpr int kEIOCBQUEUED = 529; // include/linux/errno.h: the request is queued
// Added to the rw or async argument of the direct-I/O paths: the request's
// address, length or offset is not a multiple of the logical block size
// (512), which the first check of do_blockdev_direct_IO() (4.15) or of
// iomap_dio_bio_iter() (per mapped extent) refuses with -EINVAL.
inline constexpr int kDioMisaligned = 2;
Flow ib_umem_get(Ctx &k, Frame &f); // a0 vpage, a1 npages, a2 PinFlag bits -> pin handle or -err
Flow ib_umem_release(Ctx &k, Frame &f);              // a0 pin handle
Flow get_user_pages_longterm(Ctx &k, Frame &f);      // a0 vpage, a1 npages, a2 gup_flags, a4 dest
Flow pin_user_pages_fast(Ctx &k, Frame &f);          // a0 vpage, a1 npages, a2 gup_flags, a4 dest
Flow unpin_user_pages_dirty_lock(Ctx &k, Frame &f);  // a0 pin slot, a1 make_dirty
bool try_grab_page(Ctx &k, int page, int gup_flags); // FOLL_GET +1, FOLL_PIN +bias
void unpin_user_page(Ctx &k, int page);
bool page_maybe_dma_pinned(Ctx &k, int page); // biased refcount test; false without pin counting
// a0 fd, a1 vpage, a2 npages, a3 offset, a4 -errno, a5 misaligned -> 1 or -err
Flow sys_io_submit(Ctx &k, Frame &f);
Flow sys_io_getevents(Ctx &k, Frame &f);                    // a0 aio handle -> bytes or -err
void aio_complete(Ctx &k, int tid, int result);             // result: pages or -errno
[[noreturn]] void dio_busy_error(Ctx &k, const char *call); // a second request of one task
// syscalls.cpp: whether an O_DIRECT read goes on (1) or returns at once (its
// result), and the O_DIRECT branch of ext4_file_read_iter() (read() and io_submit())
int dio_read_start(Ctx &k, int npages, bool misaligned);
Flow ext4_file_read_iter_dio(Ctx &k, Frame &f, int pc, int ino, int index, int npages, int vpage,
                             bool misaligned, bool async);
// a0 ino, a1 index, a2 npages, a3 vpage, a4 async | kDioMisaligned
Flow ext4_dio_read_iter(Ctx &k, Frame &f);
Flow iomap_dio_rw(Ctx &k, Frame &f); // the same arguments -> bytes, -errno or -EIOCBQUEUED
// a0 index, a1 npages, a2 vpage, a3 block, a4 misaligned -> pages
Flow iomap_dio_bio_iter(Ctx &k, Frame &f);
Flow iomap_dio_bounce_copy(Ctx &k, Frame &f);  // -> 0 or -kEFAULT
Flow bio_iov_iter_get_pages(Ctx &k, Frame &f); // a0 bio, a1 vpage, a2 npages, a3 block
Flow bio_set_pages_dirty(Ctx &k, Frame &f);    // a0 bio
Flow bio_dirty_fn(Ctx &k, Frame &f);           // the kworker's work item
Flow bio_release_pages(Ctx &k, Frame &f);      // a0 bio, a1 mark_dirty
void bio_release_page(Ctx &k, int bio, int i); // put or unpin page i of a bio
void dio_bio_end_aio(Ctx &k, int bio);
void iomap_dio_bio_end_io(Ctx &k, int bio);
void bio_check_pages_dirty(Ctx &k, int bio);
// (end of the pins / DIO block)

// ---- fix lab: madvise, fadvise, sync_file_range, truncate ----
Flow sys_madvise(Ctx &k, Frame &f);   // a0 vpage, a1 npages, a2 advice (MADV_*)
Flow reclaim_pages(Ctx &k, Frame &f); // a0..a1 mask of isolated pages -> pages reclaimed
uint32_t madvise_cold_or_pageout_pte_range(Ctx &k, int first, int last, bool pageout);
bool isolate_lru_page(Ctx &k, int page); // +1 ref, off the LRU; false if not on it
void deactivate_page(Ctx &k, int page);
void deactivate_file_page(Ctx &k, int page);
Flow sys_fadvise64(Ctx &k, Frame &f); // a0 fd, a1 advice
// a0 ino, a1 count refused pages instead (6.1 invalidate_mapping_pagevec) -> count
Flow invalidate_mapping_pages(Ctx &k, Frame &f);
bool invalidate_inode_page(Ctx &k, int page);      // 4.15; page locked, +1 ref held by the caller
bool mapping_evict_folio(Ctx &k, int page);        // 6.1; same contract
Flow sys_sync_file_range(Ctx &k, Frame &f);        // a0 fd, a1 SYNC_FILE_RANGE_* flags
Flow sys_truncate(Ctx &k, Frame &f);               // a0 file (inode), a1 new size in pages
Flow ext4_setattr(Ctx &k, Frame &f);               // a0 ino, a1 new size in pages
Flow truncate_pagecache(Ctx &k, Frame &f);         // a0 ino, a1 new size in pages
Flow truncate_inode_pages_range(Ctx &k, Frame &f); // a0 ino, a1 first index
void unmap_mapping_range(Ctx &k, int ino, int first_index); // every vma, COWs included
void block_invalidatepage(Ctx &k, int page);                // whole page; page locked
void cancel_dirty_page(Ctx &k, int page);
void ext4_truncate(Ctx &k, int ino);
// (end of the madvise / truncate block)

// ---- fix lab: writeback and reclaim of pinned pages ----
Flow wait_for_page_unpinned(Ctx &k, Frame &f); // a0 page (pin-wait)
uint16_t sync_begins(Ctx &k); // fsync-gap's clock at a durability point (fs/sync.cpp)
// (end of the writeback / reclaim block)

} // namespace pagerace::model
