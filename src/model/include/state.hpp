// The whole machine state of the model: struct page, buffer heads, the
// page cache and extent map of each inode, the disk, one mm with its page
// table, in-flight bios, and every task's explicit frame stack.
//
// Everything that lives across a scheduling point is in here, so the engine
// can copy, hash and compare a state as plain bytes: the struct is trivially
// copyable and has no padding (checked below), and unused slots are kept zero.
// Pages are order-0 and 4 KiB; blocks are 4 KiB, so each page has at most one
// buffer_head (PAGE_SIZE == blocksize, as on a default ext4).
#pragma once

#include <cstdint>
#include <type_traits>

namespace pagerace::model {

inline constexpr int kMaxPages = 20;    // struct page pool
inline constexpr int kMaxFiles = 4;     // inodes
inline constexpr int kMaxFilePages = 8; // page-cache slots per inode
inline constexpr int kMaxBlocks = 40;   // disk blocks
inline constexpr int kMaxVmas = 6;
inline constexpr int kMaxVpages = 24; // user virtual pages
// Scenario CPUs, the final-sync task, two kworkers. System::components()
// makes 7 + kMaxTasks components of State, and the collapse store takes 16.
inline constexpr int kMaxTasks = 9;
inline constexpr int kMaxFrames = 20;
inline constexpr int kMaxBios = 8;
inline constexpr int kBioPages = 8;
inline constexpr int kDioPages = 8;
inline constexpr int kMaxVars = 24;
inline constexpr int kMaxFds = 8;
inline constexpr int kMaxPins = 2;
inline constexpr int kAioWriter = 64; // Inode::writer of an asynchronous DIO's DMA // long-term pin
                                      // sets (RDMA memory registrations)

// Page flags (4.15 include/linux/page-flags.h), the ones the paths here use.
enum PageFlag : uint16_t {
  PG_locked = 1 << 0,
  PG_referenced = 1 << 1,
  PG_uptodate = 1 << 2,
  PG_dirty = 1 << 3,
  PG_lru = 1 << 4,
  PG_active = 1 << 5,
  PG_private = 1 << 6,
  PG_writeback = 1 << 7,
  PG_reclaim = 1 << 8,
  PG_swapbacked = 1 << 9, // anonymous memory
  PG_checked = 1 << 10,
};

// Radix-tree tags of mapping->page_tree (4.15 include/linux/fs.h).
enum PageTag : uint8_t {
  TAG_DIRTY = 1 << 0,
  TAG_WRITEBACK = 1 << 1,
  TAG_TOWRITE = 1 << 2,
};

// buffer_head state bits (4.15 include/linux/buffer_head.h).
enum BhState : uint8_t {
  BH_Uptodate = 1 << 0,
  BH_Dirty = 1 << 1,
  BH_Lock = 1 << 2,
  BH_Mapped = 1 << 3,
  BH_New = 1 << 4,
  BH_Delay = 1 << 5,
  BH_Async_Write = 1 << 6,
  BH_Unwritten = 1 << 7,
};

// PTE bits (x86 names).
enum PteBit : uint8_t {
  PTE_P = 1 << 0,       // present
  PTE_W = 1 << 1,       // writable
  PTE_D = 1 << 2,       // dirty
  PTE_A = 1 << 3,       // accessed (young)
  PTE_SPECIAL = 1 << 4, // the zero page: no struct page refcount
};

inline constexpr int8_t kNone = -1;
inline constexpr int8_t kAnon = -2;     // page->mapping of anonymous memory
inline constexpr int8_t kZeroPage = -3; // PTE target: the shared zero page
inline constexpr int16_t kHole = -1;    // extent map: no block
inline constexpr int16_t kDelayed = -2; // extent map: delalloc reservation

// Contents: one token per 4 KiB page. 0 is all zeroes; 1..255 name the
// initial data of a file block (file * 16 + index + 1); 256 + c is a page
// filled with the character c by a user store or write.
using Token = uint16_t;
inline constexpr Token kZeroToken = 0;
inline constexpr Token initial_token(int file, int index) {
  return Token(file * 16 + index + 1);
}
inline constexpr Token char_token(int c) {
  return Token(256 + (c & 0xff));
}

struct BufferHead {
  uint8_t b_state;
  int8_t b_count;
  int16_t b_blocknr;
};

struct Page {
  uint16_t flags;
  int16_t _refcount;
  int8_t _mapcount; // page_mapcount(): number of PTEs mapping it
  int8_t mapping;   // inode index, kAnon, or kNone (free or truncated)
  uint8_t index;    // page offset within the file
  uint8_t tags;     // radix-tree tags of this slot
  Token data;
  BufferHead bh; // valid iff PG_private
  // Checker shadow, not kernel state: write_begin..write_end in progress.
  uint8_t in_write_begin;
  uint8_t in_use;
  // Checker shadow: FOLL_PIN pins really held (the kernel only has the
  // biased refcount, which can report false positives).
  uint8_t pins;
  // Checker shadow: reclaim passes that kept this page for a pin or an
  // extra reference nobody holds for DMA (no-reclaim-progress).
  uint8_t false_keeps;
};

struct RwSem {
  int8_t readers;
  int8_t writer; // task holding it for write, or kNone
};

enum InodeState : uint8_t { I_DIRTY_PAGES = 1 << 0 };

struct Inode {
  int8_t page[kMaxFilePages];    // page cache: index -> page id or kNone
  int16_t block[kMaxFilePages];  // extent map: index -> disk block, kHole, kDelayed
  Token expected[kMaxFilePages]; // checker shadow: what sync must leave on disk
  uint8_t i_size;                // in pages
  uint8_t i_state;
  RwSem i_rwsem;
  // Checker shadow for fsync-gap: who put the page's current contents there
  // (0: a system call that has returned, or nothing; t + 1: task t's system
  // call still running; kNone: no system call, e.g. an RDMA device), and the
  // State::clock value when that call returned.
  // kAioWriter + t: task t's asynchronous request, due when it is reaped.
  int8_t writer[kMaxFilePages];
  uint16_t due_at[kMaxFilePages];
};

enum VmFlag : uint8_t {
  VM_READ = 1 << 0,
  VM_WRITE = 1 << 1,
  VM_SHARED = 1 << 2,
  VM_MAYWRITE = 1 << 3,
  VM_ANON = 1 << 4, // no vm_file
};

struct Vma {
  uint8_t start;  // first user virtual page
  uint8_t npages; // 0: free slot
  int8_t file;    // inode, or kNone for anonymous memory
  uint8_t vm_flags;
  uint8_t pgoff;
  uint8_t pad_;
};

struct Pte {
  uint8_t bits;
  int8_t page; // page id, or kZeroPage with PTE_SPECIAL
};

struct Mm {
  Vma vma[kMaxVmas];
  Pte pte[kMaxVpages];
  RwSem mmap_sem;
};

struct OpenFile {
  int8_t inode;    // kNone: free fd
  uint8_t f_flags; // kFileDirect | kFileRead | kFileWrite
  int16_t f_pos;   // in pages
};
enum FileFlag : uint8_t { kFileRead = 1, kFileWrite = 2, kFileDirect = 4 };

enum class BioOp : uint8_t { None, Read, Write };
enum class BioEndIo : uint8_t {
  None,
  DioBioEndIo,
  Ext4EndBio,
  MpageEndIo,
  DioBioEndAio,    // fs/direct-io.c, asynchronous (io_submit)
  IomapDioBioEndIo // fs/iomap/direct-io.c
};
enum BioFlag : uint8_t {
  BIO_PAGE_PINNED = 1 << 0, // >= 6.5: pages held by FOLL_PIN, released by unpin
  BIO_DIRTY_LIST = 1 << 1,  // queued on bio_dirty_list for bio_dirty_fn
  BIO_BOUNCED = 1 << 2,     // dio-bounce: pages are kernel bounce buffers
};
enum class BioState : uint8_t { Free, InFlight, Completed };

struct Bio {
  BioOp op;
  BioEndIo end_io;
  BioState state;
  int8_t owner; // task whose dio owns it (DIO), or inode (writeback, read-in)
  uint8_t vcnt;
  uint8_t done; // bit i: the device has transferred page i
  int8_t page[kBioPages];
  int16_t sector[kBioPages]; // disk block of each page
  Token captured[kBioPages]; // write bios: contents taken by the device
  uint8_t flags;             // BioFlag
  uint8_t pad_;
};

// struct dio + struct dio_submit (4.15 fs/direct-io.c), one per task; the
// same slot holds an iomap request (struct iomap_dio, >= 5.5
// fs/iomap/direct-io.c) and the task's asynchronous kiocb (fs/aio.c): the
// model allows one direct-I/O request per task at a time.
enum DioFlag : uint8_t {
  DIO_SUBMITTED = 1 << 0, // the submitter has dropped its own reference (dio->refcount,
                          // iomap dio->ref): the last bio completion completes the request
};
struct Dio {
  uint8_t active;
  uint8_t rw;           // 0 read, 1 write
  uint8_t should_dirty; // direct-io.c should_dirty; iomap IOMAP_DIO_DIRTY
  int8_t refcount;      // bios in flight (the submitter's own count excluded)
  uint8_t bio_list;     // bit i: bio i completed, waiting for dio_bio_complete
  uint8_t head, tail;
  int8_t cur_bio;          // bio being built, or kNone
  int8_t pages[kDioPages]; // dio->pages[] from iov_iter_get_pages
  int8_t cur_page;         // sdio->cur_page (holds a reference), or kNone
  uint8_t flags;           // DioFlag
  int16_t cur_block;       // disk block of cur_page
  int16_t io_error;
  // Asynchronous (io_submit) and iomap requests, and bounce buffers.
  uint8_t is_async;         // the kiocb is asynchronous; stays set until io_getevents reaps it
  uint8_t done;             // request complete: the waiter or io_getevents may return
  int16_t result;           // iomap dio->size while submitting; once done: pages
                            // transferred, or -errno
  int16_t user_vpage;       // first user page of the request
  int8_t bounce[kDioPages]; // dio-bounce: kernel buffer page per user page, or kNone
  uint8_t presubmit;        // 4.15 async reads: bit per bio that dio_bio_submit() left
                            // for bio_set_pages_dirty() before submit_bio()
  uint8_t pad_[3];
};

// One long-term pin set: the pages an RDMA driver registered with
// pin_user_pages() (get_user_pages_longterm() before 5.6), which its device
// may write at any time until unpin_user_pages().
enum PinFlag : uint8_t {
  PIN_WRITE = 1 << 0,   // FOLL_WRITE: the device writes the pages
  PIN_COUNTED = 1 << 1, // FOLL_PIN (refcount + bias); else plain FOLL_GET references
  PIN_LONGTERM = 1 << 2,
  PIN_USED = 1 << 3, // the slot is taken (registration or release in progress, or live)
  PIN_LIVE = 1 << 4, // registered: the device may access the pages (until release starts)
};
struct PinSet {
  uint8_t npages;  // pages held: page[first..npages)
  uint8_t flags;   // PinFlag; 0: free slot
  uint8_t written; // bit i: the device has written page i
  uint8_t first;   // release runs front to back: pages before `first` are already released
  int8_t page[kDioPages];
};

// A Dio with no request: pointers kNone, counters zero.
inline Dio empty_dio() {
  Dio d{};
  d.cur_bio = d.cur_page = -1;
  for (int8_t &b : d.bounce)
    b = -1;
  return d;
}

struct Frame {
  uint8_t fn; // model::Fn
  uint8_t pc;
  int16_t a[7]; // locals; their meaning is documented at each function
};

enum class TaskState : uint8_t { Idle, Running, Done };

enum class Wait : uint8_t {
  None,
  PageUnlocked,     // lock_page / wait_on_page_locked
  PageNotWriteback, // wait_on_page_writeback
  DioEvent,         // dio_await_one: a completed bio, or none in flight
  VarAssigned,      // scenario variable not yet assigned
  MmapSemRead,
  MmapSemWrite,
  IRwsemRead,
  IRwsemWrite,
  AllCpusDone,  // the final-sync task waits for every CPU to return
  BiosDrained,  // the final check waits for the device and both kworkers to go idle
  PageUnpinned, // pin-wait: writeback waits for page_maybe_dma_pinned() to clear
  AioDone,      // io_getevents waits for the task's asynchronous request
};

struct Task {
  TaskState state;
  uint8_t nframes;
  Wait wait;
  uint8_t stmt; // next scenario call
  int16_t wait_arg;
  uint8_t progress; // kswapd: things changed in this reclaim pass
  uint8_t pad_;
  int32_t ret; // return register: the last returned frame's value, 0 once its step ends
  Frame frames[kMaxFrames];
  Dio dio;
};

enum NodeFlag : uint8_t { PGDAT_DIRTY = 1 << 0, PGDAT_WRITEBACK = 1 << 1 };

// The one bdi_writeback's state bits the model keeps: a full flush that
// wakeup_flusher_threads() asked for is pending or running; its work,
// wb_workfn(), is running (one work item: it never runs twice at once).
enum WbState : uint8_t { WB_start_all = 1 << 0, WB_writeback_running = 1 << 1 };

struct State {
  int64_t vars[kMaxVars]; // scenario variables (single assignment)
  Page pages[kMaxPages];
  Inode inodes[kMaxFiles];
  Token disk[kMaxBlocks];
  Mm mm;
  OpenFile fds[kMaxFds];
  Bio bios[kMaxBios];
  uint16_t pad0_;
  Task tasks[kMaxTasks];
  uint32_t vars_set;
  // LRU lists (4.15 per-node lruvec; one node, no memcg): page ids, tail first.
  int8_t lru[2][kMaxPages]; // [0] inactive file, [1] active file
  uint8_t lru_len[2];
  uint8_t pgdat_flags;
  uint8_t next_block;     // block allocator: next free disk block
  uint8_t crashed;        // a kernel BUG ended the execution
  uint8_t bio_dirty_list; // block/bio.c: bios waiting for bio_dirty_fn (bit per bio)
  uint8_t wb_state;       // fs/fs-writeback.c wb->state: WB_start_all (enum WbState)
  uint8_t pad_[7];
  uint16_t clock; // checker: durability points begun so far, plus one (fsync-gap)
  PinSet pins[kMaxPins];
};

static_assert(std::is_trivially_copyable_v<State>);
static_assert(std::has_unique_object_representations_v<State>, "State engine hashes it as bytes");

} // namespace pagerace::model
