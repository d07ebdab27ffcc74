// madvise(MADV_COLD / MADV_PAGEOUT), posix_fadvise(POSIX_FADV_DONTNEED),
// sync_file_range() and truncate() on small states. Each test loads a
// scenario of tests/data/mm_*.toml whose single CPU makes the calls, runs it
// call by call (the device moves only while the CPU is blocked, so nothing
// happens behind the CPU's back), adjusts the state by hand where a test
// needs an extra reference or flag, and checks what the call under test did.
#include "model/include/state.hpp"
#include "model/kernel/ctx.hpp"
#include "model/kernel/paths.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace pagerace;
using model::Choice;
using model::Ctx;
using model::Fn;
using model::Page;
using model::State;
using model::StepOutcome;

std::string data_file(const std::string &name) {
  return std::string(PAGERACE_SOURCE_DIR) + "/tests/data/" + name;
}

class MmCalls : public ::testing::Test {
protected:
  void load(const std::string &file, const std::string &variant) {
    sc_ = scenario::load_scenario_file(data_file(file));
    ASSERT_EQ(sc_.cpus.size(), 1u);
    const model::Variant *v = model::find_variant(variant);
    ASSERT_NE(v, nullptr) << variant;
    sys_ = std::make_unique<model::System>(sc_, *v);
  }

  State initial() const { return sys_->initial(); }

  // Runs CPU1 until its first `ncalls` calls have returned. The device moves
  // only when CPU1 cannot (it waits for I/O), taking its first choice.
  // Functions entered on the way are OR-ed into `reached`.
  State run_calls(State s, int ncalls, std::array<uint64_t, 4> *reached = nullptr) const {
    std::vector<Choice> choices;
    const Choice cpu1{0, 0};
    const int device = sys_->config().device_actor();
    for (int i = 0; i < 2000 && s.tasks[0].stmt < ncalls; ++i) {
      sys_->enabled(s, choices);
      Choice c = cpu1;
      if (std::find(choices.begin(), choices.end(), cpu1) == choices.end()) {
        auto dev = std::find_if(choices.begin(), choices.end(),
                                [&](const Choice &x) { return x.actor == device; });
        if (dev == choices.end()) {
          ADD_FAILURE() << "CPU1 is stuck in call " << int(s.tasks[0].stmt) << ": "
                        << sys_->describe_stuck(s);
          break;
        }
        c = *dev;
      }
      const StepOutcome out = sys_->step(s, c);
      EXPECT_EQ(out.violations, 0u) << "a violation in call " << int(s.tasks[0].stmt);
      if (reached)
        for (size_t w = 0; w < reached->size(); ++w)
          (*reached)[w] |= out.reached[w];
    }
    EXPECT_EQ(int(s.tasks[0].stmt), ncalls);
    EXPECT_EQ(s.tasks[0].nframes, 0) << "CPU1 is not between calls";
    EXPECT_FALSE(sys_->crashed(s));
    return s;
  }

  static bool has(const std::array<uint64_t, 4> &reached, Fn fn) {
    const int i = static_cast<int>(fn);
    return reached[static_cast<size_t>(i / 64)] & (uint64_t{1} << (i % 64));
  }

  // Runs `fn(ctx)` as a plain function call of CPU1 (tid 0) on `s`.
  template <class F> auto in_ctx(State &s, F fn, StepOutcome *outcome = nullptr) const {
    StepOutcome out;
    Ctx k(s, sys_->config(), /*actor*/ 0, /*tid*/ 0, outcome ? *outcome : out, nullptr, 0);
    return fn(k);
  }

  // The variable a call of CPU1 assigned.
  int64_t var_of_call(const State &s, int call) const {
    const int v = sc_.cpus[0].ops[static_cast<size_t>(call)].target;
    EXPECT_GE(v, 0);
    return v >= 0 ? s.vars[v] : 0;
  }

  static int vpage_of(const State &s, int file) {
    for (const model::Vma &v : s.mm.vma)
      if (v.npages && v.file == file) return v.start;
    return -1;
  }

  static bool on_list(const State &s, int list, int id) {
    for (int i = 0; i < s.lru_len[list]; ++i)
      if (s.lru[list][i] == id) return true;
    return false;
  }

  static int bios_in_flight(const State &s) {
    int n = 0;
    for (const model::Bio &b : s.bios)
      n += b.state == model::BioState::InFlight;
    return n;
  }

  // A second PTE on page `id`, as another mapping would have it.
  static void map_again(State &s, int id) {
    for (int vp = model::kMaxVpages - 1; vp >= 0; --vp)
      if (!(s.mm.pte[vp].bits & model::PTE_P)) {
        s.mm.pte[vp] = model::Pte{uint8_t(model::PTE_P | model::PTE_A), static_cast<int8_t>(id)};
        ++s.pages[id]._mapcount;
        ++s.pages[id]._refcount;
        return;
      }
    ADD_FAILURE() << "no free PTE";
  }

  scenario::Scenario sc_;
  std::unique_ptr<model::System> sys_;
};

// ---------------------------------------------------------------------------
// madvise(MADV_PAGEOUT) (6.1): reclaim_pages() -> shrink_page_list() outside
// kswapd. mm_madvise_pageout.toml: 0 mmap, 1 load page 0, 2 store page 1,
// 3 madvise(MADV_PAGEOUT) over both.

class MadvisePageout : public MmCalls {
protected:
  void SetUp() override { load("mm_madvise_pageout.toml", "v6.1"); }
};

TEST_F(MadvisePageout, EvictsACleanMappedPageWithBuffersAndKeepsADirtyOne) {
  const State before = run_calls(initial(), 3);
  const int clean = before.inodes[0].page[0], dirty = before.inodes[0].page[1];
  const int vp = vpage_of(before, 0);
  ASSERT_GE(clean, 0);
  ASSERT_GE(dirty, 0);
  ASSERT_TRUE(before.mm.pte[vp].bits & model::PTE_P);
  ASSERT_TRUE(before.pages[clean].flags & model::PG_private);
  ASSERT_FALSE(before.pages[clean].flags & model::PG_dirty);
  ASSERT_TRUE(before.pages[dirty].flags & model::PG_dirty);

  const State s = run_calls(before, 4);
  // The clean page: unmapped, buffers released, out of the cache, freed.
  EXPECT_FALSE(s.mm.pte[vp].bits & model::PTE_P);
  EXPECT_EQ(s.inodes[0].page[0], model::kNone);
  EXPECT_EQ(s.pages[clean].in_use, 0) << "the clean page must go back to the allocator";
  // The dirty page: unmapped, kept dirty with its buffers, PG_reclaim, active.
  const Page &d = s.pages[dirty];
  EXPECT_FALSE(s.mm.pte[vp + 1].bits & model::PTE_P);
  EXPECT_EQ(s.inodes[0].page[1], dirty);
  EXPECT_EQ(d.mapping, 0);
  EXPECT_TRUE(d.flags & model::PG_dirty);
  EXPECT_TRUE(d.flags & model::PG_private);
  EXPECT_TRUE(d.bh.b_state & model::BH_Dirty);
  EXPECT_TRUE(d.flags & model::PG_reclaim);
  EXPECT_TRUE(d.flags & model::PG_active);
  EXPECT_TRUE(on_list(s, 1, dirty)) << "activate_locked: back on the active list";
  EXPECT_EQ(d._mapcount, 0);
  EXPECT_EQ(d._refcount, 2) << "page cache + buffers; the isolation reference is dropped";
  // Never written: only kswapd writes file pages.
  EXPECT_FALSE(d.flags & model::PG_writeback);
  EXPECT_EQ(bios_in_flight(s), 0);
  EXPECT_EQ(s.pgdat_flags, 0) << "reclaim_pages() passes a dummy reclaim_stat";
  EXPECT_EQ(s.tasks[0].progress, 0) << "only kswapd counts reclaim progress";
}

// Even where kswapd would write the page (PG_reclaim from an earlier pass and
// PGDAT_DIRTY set), reclaim_pages() does not: the dirty test asks
// current_is_kswapd().
TEST_F(MadvisePageout, NeverWritesADirtyFilePageEvenWhereKswapdWould) {
  State s = run_calls(initial(), 3);
  const int dirty = s.inodes[0].page[1], vp = vpage_of(s, 0);
  // A clean PTE on the dirty page, so that try_to_unmap() does not dirty it
  // again (which would clear PG_reclaim).
  s.mm.pte[vp + 1].bits &= uint8_t(~(model::PTE_W | model::PTE_D));
  s.pages[dirty].flags |= model::PG_reclaim;
  s.pgdat_flags |= model::PGDAT_DIRTY;
  s = run_calls(s, 4);
  EXPECT_TRUE(s.pages[dirty].flags & model::PG_dirty);
  EXPECT_FALSE(s.pages[dirty].flags & model::PG_writeback);
  EXPECT_EQ(bios_in_flight(s), 0);
  EXPECT_TRUE(s.pages[dirty].flags & model::PG_active);
}

TEST_F(MadvisePageout, SkipsAPageMappedMoreThanOnce) {
  State s = run_calls(initial(), 3);
  const int clean = s.inodes[0].page[0];
  map_again(s, clean);
  const Page before = s.pages[clean];
  s = run_calls(s, 4);
  EXPECT_EQ(s.inodes[0].page[0], clean);
  EXPECT_EQ(s.pages[clean]._mapcount, 2);
  EXPECT_EQ(s.pages[clean]._refcount, before._refcount);
  EXPECT_TRUE(s.pages[clean].flags & model::PG_private);
  EXPECT_TRUE(s.pages[clean].flags & model::PG_lru);
}

// PF_MEMALLOC is set inside reclaim_pages(), and the task is not kswapd.
TEST_F(MadvisePageout, ReclaimRunsWithPfMemallocOutsideKswapd) {
  State s = run_calls(initial(), 3);
  int seen = 0;
  for (int i = 0; i < 200 && s.tasks[0].stmt < 4; ++i) {
    sys_->step(s, Choice{0, 0});
    const model::Task &t = s.tasks[0];
    bool in_reclaim = false;
    for (int f = 0; f < t.nframes; ++f)
      in_reclaim |= t.frames[f].fn == static_cast<uint8_t>(Fn::shrink_page_list);
    if (!in_reclaim) continue;
    ++seen;
    EXPECT_TRUE(in_ctx(s, [](Ctx &k) { return k.in_memalloc(); }));
    EXPECT_FALSE(in_ctx(s, [](Ctx &k) { return k.is_kswapd(); }));
  }
  EXPECT_GT(seen, 0) << "never stopped inside shrink_page_list";
  EXPECT_FALSE(in_ctx(s, [](Ctx &k) { return k.in_memalloc(); })) << "cleared on return";
}

// madvise_walk_vmas(): a hole in the range is -ENOMEM at the end, after the
// vmas before it were advised; a range with no vma at all is -ENOMEM at once.
TEST_F(MmCalls, MadviseOverAHoleIsEnomem) {
  load("mm_madvise_hole.toml", "v6.1");
  const State s = run_calls(initial(), 4);
  EXPECT_EQ(var_of_call(s, 2), -model::kENOMEM);
  EXPECT_EQ(var_of_call(s, 3), -model::kENOMEM);
  const int vp = vpage_of(s, 0);
  EXPECT_FALSE(s.mm.pte[vp].bits & model::PTE_A) << "the mapped page was still advised";
  EXPECT_EQ(s.mm.mmap_sem.readers, 0);
}

// MADV_COLD and MADV_PAGEOUT appeared in 5.4: v4.15 refuses the scenario.
TEST_F(MmCalls, MadviseIsRefusedOnV415) {
  sc_ = scenario::load_scenario_file(data_file("mm_madvise_pageout.toml"));
  EXPECT_THROW({ model::System sys(sc_, *model::find_variant("v4.15")); },
               model::ScenarioRuntimeError);
}

// ---------------------------------------------------------------------------
// madvise(MADV_COLD) (6.1): deactivate_page(). mm_madvise_cold.toml: 0 mmap,
// 1 load, 2 madvise(MADV_COLD).

class MadviseCold : public MmCalls {
protected:
  void SetUp() override { load("mm_madvise_cold.toml", "v6.1"); }

  // After the load, with the page moved to the active list and referenced.
  State active_mapped() const {
    State s = run_calls(initial(), 2);
    const int id = s.inodes[0].page[0];
    in_ctx(s, [&](Ctx &k) {
      model::lru_del(k, id);
      model::lru_add_head(k, id, 1);
      return 0;
    });
    s.pages[id].flags |= model::PG_referenced;
    EXPECT_TRUE(on_list(s, 1, id));
    return s;
  }
};

TEST_F(MadviseCold, MovesAnActivePageToTheInactiveList) {
  State s = active_mapped();
  const int id = s.inodes[0].page[0], vp = vpage_of(s, 0);
  ASSERT_TRUE(s.mm.pte[vp].bits & model::PTE_A);
  const Page before = s.pages[id];
  s = run_calls(s, 3);
  const Page &p = s.pages[id];
  EXPECT_FALSE(p.flags & model::PG_active);
  EXPECT_FALSE(p.flags & model::PG_referenced);
  EXPECT_TRUE(p.flags & model::PG_lru);
  EXPECT_TRUE(on_list(s, 0, id));
  EXPECT_FALSE(on_list(s, 1, id));
  EXPECT_FALSE(s.mm.pte[vp].bits & model::PTE_A) << "the young bit is cleared";
  // Nothing else: still mapped, cached, with its buffers.
  EXPECT_TRUE(s.mm.pte[vp].bits & model::PTE_P);
  EXPECT_EQ(p._mapcount, 1);
  EXPECT_EQ(p._refcount, before._refcount);
  EXPECT_TRUE(p.flags & model::PG_private);
  EXPECT_EQ(s.inodes[0].page[0], id);
}

TEST_F(MadviseCold, LeavesAPageMappedTwiceAlone) {
  State s = active_mapped();
  const int id = s.inodes[0].page[0], vp = vpage_of(s, 0);
  map_again(s, id);
  s = run_calls(s, 3);
  EXPECT_TRUE(s.pages[id].flags & model::PG_active);
  EXPECT_TRUE(on_list(s, 1, id));
  EXPECT_TRUE(s.mm.pte[vp].bits & model::PTE_A);
}

// ---------------------------------------------------------------------------
// posix_fadvise(POSIX_FADV_DONTNEED). mm_fadvise.toml: 0 mmap, 1 open,
// 2 load (map the page), 3 fadvise on the mapped page, 4 munmap, 5 fadvise on
// the unmapped page.

class Fadvise : public MmCalls {};

TEST_F(Fadvise, EvictsAnUnreferencedCleanPageOnBothReleases) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_fadvise.toml", v);
    const State before = run_calls(initial(), 5);
    const int id = before.inodes[0].page[0];
    ASSERT_GE(id, 0);
    const State s = run_calls(before, 6);
    EXPECT_EQ(s.inodes[0].page[0], model::kNone);
    EXPECT_EQ(s.pages[id].in_use, 0);
  }
}

TEST_F(Fadvise, LeavesAMappedPageAndItsBuffersOnBothReleases) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_fadvise.toml", v);
    const State s = run_calls(initial(), 4);
    const int id = s.inodes[0].page[0];
    ASSERT_GE(id, 0);
    EXPECT_EQ(s.pages[id]._mapcount, 1);
    EXPECT_TRUE(s.pages[id].flags & model::PG_private);
    EXPECT_EQ(s.pages[id].mapping, 0);
  }
}

// The difference between the releases: 4.15 invalidate_inode_page() releases
// the buffers of an unmapped clean page before remove_mapping() fails on the
// extra (GUP) reference; 6.1 mapping_evict_folio() refuses it first.
TEST_F(Fadvise, StripsBuffersOfAGupReferencedPageOnV415) {
  load("mm_fadvise.toml", "v4.15");
  State s = run_calls(initial(), 5);
  const int id = s.inodes[0].page[0];
  ++s.pages[id]._refcount; // get_user_pages() of a direct I/O in flight
  s = run_calls(s, 6);
  const Page &p = s.pages[id];
  EXPECT_EQ(s.inodes[0].page[0], id) << "remove_mapping() fails on the extra reference";
  EXPECT_EQ(p.mapping, 0);
  EXPECT_FALSE(p.flags & model::PG_private) << "but the buffers are gone";
  EXPECT_EQ(p._refcount, 2) << "page cache + GUP";
}

TEST_F(Fadvise, KeepsBuffersOfAGupReferencedPageOnV61) {
  load("mm_fadvise.toml", "v6.1");
  State s = run_calls(initial(), 5);
  const int id = s.inodes[0].page[0];
  ++s.pages[id]._refcount;
  s = run_calls(s, 6);
  const Page &p = s.pages[id];
  EXPECT_EQ(s.inodes[0].page[0], id);
  EXPECT_TRUE(p.flags & model::PG_private) << "mapping_evict_folio() refuses before releasing";
  EXPECT_EQ(p._refcount, 3) << "page cache + buffers + GUP";
}

// A dirty page is written back (WB_SYNC_NONE, not waited for) and not
// dropped. 4.15 hands the refused page under writeback to
// deactivate_file_page() (PG_reclaim); 6.1 find_lock_entries() skips it.
TEST_F(Fadvise, StartsWritebackOfADirtyPageAndKeepsIt) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_fadvise.toml", v);
    State s = run_calls(initial(), 5);
    const int id = s.inodes[0].page[0];
    Page &p = s.pages[id];
    p.flags |= model::PG_dirty;
    p.bh.b_state |= model::BH_Dirty;
    p.tags |= model::TAG_DIRTY;
    s.inodes[0].i_state |= model::I_DIRTY_PAGES;
    s = run_calls(s, 6);
    EXPECT_EQ(s.inodes[0].page[0], id);
    EXPECT_TRUE(s.pages[id].flags & model::PG_writeback);
    EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
    EXPECT_TRUE(s.pages[id].flags & model::PG_private);
    EXPECT_EQ(bios_in_flight(s), 1);
    EXPECT_EQ(bool(s.pages[id].flags & model::PG_reclaim), std::string(v) == "v4.15");
  }
}

// ---------------------------------------------------------------------------
// sync_file_range(). mm_sync_file_range.toml: 0 mmap, 1 open, 2 store 'x',
// 3 WAIT_BEFORE, 4 WRITE, 5 WAIT_AFTER, 6 store 'y', 7 all three, 8 store
// 'z', 9 WRITE | WAIT_AFTER.

class SyncFileRange : public MmCalls {
protected:
  static model::Token on_disk(const State &s) { return s.disk[s.inodes[0].block[0]]; }
};

TEST_F(SyncFileRange, EachFlagOnItsOwn) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_sync_file_range.toml", v);
    const State dirty = run_calls(initial(), 3);
    const int id = dirty.inodes[0].page[0];
    ASSERT_TRUE(dirty.pages[id].flags & model::PG_dirty);
    const model::Token old = on_disk(dirty);

    // WAIT_BEFORE alone waits for nothing and writes nothing.
    const State waited = run_calls(dirty, 4);
    EXPECT_TRUE(waited.pages[id].flags & model::PG_dirty);
    EXPECT_EQ(bios_in_flight(waited), 0);

    // WRITE alone starts the write-out and returns without waiting for it.
    const State written = run_calls(waited, 5);
    EXPECT_FALSE(written.pages[id].flags & model::PG_dirty);
    EXPECT_TRUE(written.pages[id].flags & model::PG_writeback);
    EXPECT_EQ(bios_in_flight(written), 1);
    EXPECT_EQ(on_disk(written), old) << "the device has not moved";

    // WAIT_AFTER waits until the write has completed.
    const State done = run_calls(written, 6);
    EXPECT_FALSE(done.pages[id].flags & model::PG_writeback);
    EXPECT_EQ(bios_in_flight(done), 0);
    EXPECT_EQ(on_disk(done), model::char_token('x'));
  }
}

// WAIT_BEFORE | WRITE | WAIT_AFTER is WB_SYNC_ALL from 5.2 (TAG_TOWRITE via
// tag_pages_for_writeback) and WB_SYNC_NONE in 4.15; WRITE | WAIT_AFTER is
// WB_SYNC_NONE on both. Both write the data and wait for it.
TEST_F(SyncFileRange, SyncModeFollowsTheRelease) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_sync_file_range.toml", v);
    const State before = run_calls(initial(), 7);
    std::array<uint64_t, 4> all_three{};
    const State after = run_calls(before, 8, &all_three);
    EXPECT_EQ(has(all_three, Fn::tag_pages_for_writeback), std::string(v) == "v6.1");
    EXPECT_TRUE(has(all_three, Fn::ext4_writepages));
    EXPECT_EQ(on_disk(after), model::char_token('y'));

    const State redirtied = run_calls(after, 9);
    std::array<uint64_t, 4> two{};
    const State end = run_calls(redirtied, 10, &two);
    EXPECT_FALSE(has(two, Fn::tag_pages_for_writeback));
    EXPECT_TRUE(has(two, Fn::ext4_writepages));
    EXPECT_EQ(on_disk(end), model::char_token('z'));
  }
}

// ---------------------------------------------------------------------------
// truncate(). mm_truncate.toml: 0 mmap file1, 1 store page 1, 2 truncate to
// one page, 3 store beyond EOF, 4 grow to three pages, 5 mmap file2 (a
// hole), 6 store page 1 (delalloc), 7 truncate file2 to one page.

class Truncate : public MmCalls {
protected:
  void SetUp() override { load("mm_truncate.toml", "v4.15"); }
};

TEST_F(Truncate, RemovesPagesZapsPtesAndFreesBlocks) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_truncate.toml", v);
    const State before = run_calls(initial(), 2);
    const int id = before.inodes[0].page[1], vp = vpage_of(before, 0);
    ASSERT_GE(id, 0);
    ASSERT_TRUE(before.mm.pte[vp + 1].bits & model::PTE_D);
    ASSERT_GE(before.inodes[0].block[1], 0);
    ASSERT_EQ(before.inodes[0].expected[1], model::char_token('x'));
    ASSERT_NE(before.inodes[0].due_at[1], 0);

    const State s = run_calls(before, 3);
    EXPECT_EQ(s.inodes[0].i_size, 1);
    EXPECT_EQ(s.inodes[0].page[1], model::kNone);
    EXPECT_FALSE(s.mm.pte[vp + 1].bits & model::PTE_P);
    EXPECT_EQ(s.pages[id].in_use, 0) << "no other reference: the page is freed";
    EXPECT_EQ(s.inodes[0].block[1], model::kHole);
    EXPECT_EQ(s.inodes[0].expected[1], model::kZeroToken) << "nothing is owed beyond EOF";
    EXPECT_EQ(s.inodes[0].due_at[1], 0) << "nor due at a later fsync";
    EXPECT_EQ(s.inodes[0].writer[1], 0);
    EXPECT_GE(s.inodes[0].page[0], 0) << "page 0 stays";
    EXPECT_GE(s.inodes[0].block[0], 0);
  }
}

TEST_F(Truncate, AStoreBeyondTheNewEndFaults) {
  const State s = run_calls(initial(), 4);
  EXPECT_EQ(var_of_call(s, 3), -model::kEFAULT);
  EXPECT_EQ(s.inodes[0].page[1], model::kNone) << "no page is read in beyond EOF";
}

TEST_F(Truncate, GrowingOnlyChangesISize) {
  const State before = run_calls(initial(), 4);
  const State s = run_calls(before, 5);
  EXPECT_EQ(s.inodes[0].i_size, 3);
  EXPECT_EQ(s.inodes[0].page[0], before.inodes[0].page[0]);
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(s.inodes[0].block[i], model::kHole);
    EXPECT_EQ(s.inodes[0].expected[i], model::kZeroToken);
  }
}

TEST_F(Truncate, DropsTheDelallocReservation) {
  const State before = run_calls(initial(), 7);
  ASSERT_EQ(before.inodes[1].block[1], model::kDelayed);
  const State s = run_calls(before, 8);
  EXPECT_EQ(s.inodes[1].block[1], model::kHole);
  EXPECT_EQ(s.inodes[1].page[1], model::kNone);
}

// Writeback while a truncate has set i_size to a delalloc page's index and not
// yet removed the page: 4.15 mpage_process_page_bufs() maps no block at or
// past i_size (lblk >= blocks), and mpage_submit_page() passes len 0, so the
// page is zeroed, cleaned and nothing is written or allocated.
TEST_F(MmCalls, WritebackMapsNothingAtOrPastISize) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_writeback_past_eof.toml", v);
    State s = run_calls(initial(), 3);
    const int id = s.inodes[0].page[0];
    ASSERT_GE(id, 0);
    ASSERT_EQ(s.inodes[0].block[0], model::kDelayed);
    ASSERT_TRUE(s.pages[id].flags & model::PG_dirty);
    s.inodes[0].i_size = 0;
    const uint8_t next_block = s.next_block;
    const State end = run_calls(s, 4);
    EXPECT_EQ(end.inodes[0].block[0], model::kDelayed) << "no block mapped past i_size";
    EXPECT_EQ(end.next_block, next_block) << "no block allocated";
    EXPECT_FALSE(end.pages[id].flags & model::PG_dirty);
    EXPECT_EQ(end.pages[id].data, model::kZeroToken);
    EXPECT_EQ(end.tasks[0].stmt, 4);
  }
}

// No reference count is looked at: a page with a GUP reference is unmapped,
// stripped, cleaned and leaves the cache as an orphan. Dirtying it later is
// not a dirty page-cache page without buffers.
TEST_F(Truncate, APageWithAnExtraReferenceBecomesAnOrphan) {
  for (const char *v : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(v);
    load("mm_truncate.toml", v);
    State s = run_calls(initial(), 2);
    const int id = s.inodes[0].page[1], vp = vpage_of(s, 0);
    ++s.pages[id]._refcount; // get_user_pages() of a direct I/O in flight
    s = run_calls(s, 3);
    const Page &p = s.pages[id];
    EXPECT_EQ(s.inodes[0].page[1], model::kNone);
    EXPECT_EQ(p.in_use, 1);
    EXPECT_EQ(p.mapping, model::kNone);
    EXPECT_EQ(p._refcount, 1) << "only the GUP reference is left";
    EXPECT_EQ(p._mapcount, 0);
    EXPECT_FALSE(s.mm.pte[vp + 1].bits & model::PTE_P);
    EXPECT_FALSE(p.flags & (model::PG_private | model::PG_dirty | model::PG_locked));

    // The DIO completion dirties it: only PG_dirty, and no violation.
    StepOutcome out;
    s.pages[id].flags |= model::PG_locked;
    in_ctx(
        s, [&](Ctx &k) { return model::set_page_dirty(k, id); }, &out);
    EXPECT_TRUE(s.pages[id].flags & model::PG_dirty);
    EXPECT_EQ(out.violations, 0u);
    EXPECT_EQ(s.inodes[0].expected[1], model::kZeroToken);
  }
}

// The control for the test above: the same dirtying of a page still in the
// cache without buffers is the dirty-without-buffers violation.
TEST_F(Truncate, DirtyingACachedPageWithoutBuffersIsAViolation) {
  State s = initial();
  const int id = s.inodes[0].page[0];
  s.pages[id].flags |= model::PG_locked;
  in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); });
  StepOutcome out;
  in_ctx(
      s, [&](Ctx &k) { return model::set_page_dirty(k, id); }, &out);
  EXPECT_NE(out.violations, 0u);
}

// truncate waits for writeback under the page lock before removing the page.
TEST_F(MmCalls, TruncateWaitsForWriteback) {
  load("mm_truncate_writeback.toml", "v6.1");
  State s = run_calls(initial(), 4);
  const int id = s.inodes[0].page[0];
  ASSERT_TRUE(s.pages[id].flags & model::PG_writeback);
  std::vector<Choice> choices;
  for (int i = 0; i < 50; ++i) {
    sys_->enabled(s, choices);
    if (std::find(choices.begin(), choices.end(), Choice{0, 0}) == choices.end()) break;
    sys_->step(s, Choice{0, 0});
  }
  EXPECT_EQ(s.tasks[0].wait, model::Wait::PageNotWriteback);
  EXPECT_TRUE(s.pages[id].flags & model::PG_locked);
  EXPECT_EQ(s.inodes[0].page[0], id) << "not removed while under writeback";
  EXPECT_EQ(s.inodes[0].i_size, 0) << "i_size is set first";
  s = run_calls(s, 5);
  EXPECT_EQ(s.inodes[0].page[0], model::kNone);
  EXPECT_EQ(s.pages[id].in_use, 0);
  EXPECT_EQ(s.inodes[0].block[0], model::kHole);
}

} // namespace

// The -errno of a failed call used as an address: refused as the kernel
// refuses it, not taken for a misaligned user address (a scenario error).
class BadAddress : public MmCalls {
protected:
  void SetUp() override { load("mm_bad_address.toml", "v4.15"); }
};

TEST_F(BadAddress, IsRefusedLikeTheKernelRefusesIt) {
  const State s = run_calls(initial(), 7);
  ASSERT_LT(var_of_call(s, 1), 0) << "mmap() of an empty file fails";
  EXPECT_NE(var_of_call(s, 1) % 4096, 0) << "an -errno is no page address";
  EXPECT_EQ(var_of_call(s, 2), -model::kEINVAL) << "ib_umem_get(): the range wraps around";
  EXPECT_EQ(var_of_call(s, 4), -model::kEFAULT) << "access_ok() comes before O_DIRECT alignment";
  EXPECT_EQ(var_of_call(s, 6), -model::kEFAULT);
}

// An O_DIRECT request not aligned to 512 runs its path up to the alignment
// check and fails there: after the writeback of the file, and, for
// io_submit(), in its completion event. A negative offset fails pread()
// before the descriptor is looked at, io_submit() after it.
class DioMisaligned : public MmCalls, public ::testing::WithParamInterface<const char *> {
protected:
  void SetUp() override { load("dio_misaligned.toml", GetParam()); }
};

TEST_P(DioMisaligned, FailsWhereTheKernelChecks) {
  const bool iomap = sys_->config().variant->dio_path == model::DioPath::Iomap;
  // The store dirtied file1's first page; the misaligned read wrote it back.
  const State after_store = run_calls(initial(), 2);
  const int page = after_store.inodes[0].page[0];
  ASSERT_GE(page, 0);
  ASSERT_TRUE(after_store.pages[page].flags & model::PG_dirty);
  const State after_read = run_calls(after_store, 5);
  EXPECT_EQ(var_of_call(after_read, 4), -model::kEINVAL) << "misaligned address";
  EXPECT_FALSE(after_read.pages[page].flags & (model::PG_dirty | model::PG_writeback))
      << "filemap_write_and_wait_range() comes before the alignment check";
  EXPECT_EQ(after_read.disk[after_read.inodes[0].block[0]], after_read.pages[page].data);

  const State s = run_calls(after_read, 18);
  EXPECT_EQ(var_of_call(s, 5), -model::kEINVAL) << "misaligned offset";
  EXPECT_EQ(var_of_call(s, 6), 0) << "aligned, at the end of the file";
  EXPECT_EQ(var_of_call(s, 7), iomap ? 0 : -model::kEINVAL)
      << "misaligned at the end of the file: 4.15 checks the alignment first";
  EXPECT_EQ(var_of_call(s, 8), -model::kEINVAL) << "negative offset";
  EXPECT_EQ(var_of_call(s, 9), -model::kEINVAL) << "misaligned write";
  EXPECT_EQ(var_of_call(s, 10), 1) << "io_submit() submitted the request";
  EXPECT_EQ(var_of_call(s, 11), -model::kEINVAL) << "->read_iter()'s error is the event's";
  EXPECT_EQ(var_of_call(s, 12), -model::kEINVAL) << "rw_verify_area()";
  EXPECT_EQ(var_of_call(s, 15), -model::kEBADF) << "io_submit() looks at the fd first";
  EXPECT_EQ(var_of_call(s, 16), -model::kEINVAL) << "pread64() looks at the offset first";
  EXPECT_EQ(var_of_call(s, 17), -model::kEBADF) << "read() looks at the fd before access_ok()";
}

INSTANTIATE_TEST_SUITE_P(Variants, DioMisaligned, ::testing::Values("v4.15", "v6.1", "upstream"));

// A misaligned write invalidates the file pages of its offset and length;
// empty requests return 0 before any check; a negative length is a huge
// count (-EFAULT from access_ok()), which io_submit() refuses itself
// (-EINVAL); offsets far past the model's files neither wrap nor stop it.
class DioMisalignedWrite : public MmCalls, public ::testing::WithParamInterface<const char *> {
protected:
  void SetUp() override { load("dio_misaligned_write.toml", GetParam()); }
};

TEST_P(DioMisalignedWrite, InvalidatesTheFileRangeAndFails) {
  const bool iomap = sys_->config().variant->dio_path == model::DioPath::Iomap;
  const State mapped = run_calls(initial(), 5);
  ASSERT_NE(mapped.inodes[0].page[0], model::kNone);
  ASSERT_NE(mapped.inodes[0].page[1], model::kNone);
  const State w1 = run_calls(mapped, 6);
  EXPECT_EQ(var_of_call(w1, 5), -model::kEINVAL);
  EXPECT_EQ(w1.inodes[0].page[0], model::kNone);
  EXPECT_NE(w1.inodes[0].page[1], model::kNone) << "its address spans user pages 0 and 1, "
                                                   "its offset and length file page 0 only";
  const State w2 = run_calls(w1, 7);
  EXPECT_EQ(var_of_call(w2, 6), -model::kEINVAL);
  EXPECT_EQ(w2.inodes[0].page[1], model::kNone) << "512 bytes at 3840 span file pages 0 and 1";

  const State s = run_calls(w2, 22);
  EXPECT_EQ(var_of_call(s, 7), 0) << "empty read";
  EXPECT_EQ(var_of_call(s, 8), 0) << "empty write";
  EXPECT_EQ(var_of_call(s, 9), -model::kEFAULT) << "negative length: access_ok()";
  EXPECT_EQ(var_of_call(s, 10), -model::kEINVAL) << "io_submit_one() checks aio_nbytes";
  EXPECT_EQ(var_of_call(s, 11), 1);
  EXPECT_EQ(var_of_call(s, 12), iomap ? 0 : -model::kEINVAL) << "misaligned at the end";
  EXPECT_EQ(var_of_call(s, 15), -model::kEBADF) << "write() looks at the fd before access_ok()";
  EXPECT_EQ(var_of_call(s, 16), -model::kEINVAL) << "file page 1 of its file range";
  EXPECT_EQ(var_of_call(s, 17), -model::kEINVAL) << "1 GiB in: past the end, still -EINVAL";
  EXPECT_EQ(var_of_call(s, 18), 0) << "256 MiB in: past the end, not wrapped to page 0";
  EXPECT_EQ(var_of_call(s, 19), 0) << "empty, 1 GiB in: no limit applies";
  EXPECT_EQ(var_of_call(s, 20), -model::kEFAULT) << "16 TiB, misaligned: access_ok()";
  EXPECT_EQ(var_of_call(s, 21), -model::kEFAULT) << "16 TiB, aligned: access_ok()";
}

INSTANTIATE_TEST_SUITE_P(Variants, DioMisalignedWrite,
                         ::testing::Values("v4.15", "v6.1", "upstream"));
