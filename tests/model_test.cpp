// The model's kernel functions on their own: states built from a small parsed
// scenario (tests/data/model_one_page.toml: one cached page with buffers,
// mapped MAP_SHARED by CPU1), advanced call by call through model::System
// and then adjusted by hand, and plain functions (try_to_free_buffers,
// __remove_mapping, page_check_references, pageout, clear_page_dirty_for_io)
// called directly on them with a Ctx.
#include "model/include/state.hpp"
#include "model/kernel/ctx.hpp"
#include "model/kernel/paths.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace pagerace;
using model::BufferHead;
using model::Choice;
using model::Ctx;
using model::Page;
using model::State;
using model::StepOutcome;

const std::string kScenarioPath =
    std::string(PAGERACE_SOURCE_DIR) + "/tests/data/model_one_page.toml";

// Calls of CPU1 in model_one_page.toml, in order.
constexpr int kCallMmap = 0, kCallLoad = 1, kCallStore = 2;

// The scenario, the system over it and helpers to make and inspect states.
class ModelFixture : public ::testing::Test {
protected:
  void SetUp() override {
    sc_ = scenario::load_scenario_file(kScenarioPath);
    ASSERT_EQ(sc_.files.size(), 1u);
    ASSERT_EQ(sc_.cpus.size(), 1u);
    ASSERT_EQ(sc_.cpus[0].ops.size(), 3u);
    sys_ = std::make_unique<model::System>(sc_, model::default_variant());
  }

  const model::System &sys() const { return *sys_; }

  // The initial state: file1's page 0 cached, uptodate, clean, on the LRU,
  // with one mapped buffer.
  State initial() const { return sys_->initial(); }

  // Runs CPU1 alone until its first `ncalls` calls have returned.
  State after_calls(int ncalls) const {
    State s = sys_->initial();
    std::vector<Choice> choices;
    const Choice cpu1{0, 0};
    for (int i = 0; i < 1000 && s.tasks[0].stmt < ncalls; ++i) {
      sys_->enabled(s, choices);
      if (std::find(choices.begin(), choices.end(), cpu1) == choices.end()) {
        ADD_FAILURE() << "CPU1 blocked before finishing call " << int(s.tasks[0].stmt);
        break;
      }
      sys_->step(s, cpu1);
    }
    EXPECT_EQ(int(s.tasks[0].stmt), ncalls);
    EXPECT_EQ(s.tasks[0].nframes, 0) << "CPU1 is not between calls";
    EXPECT_FALSE(sys_->crashed(s));
    return s;
  }

  static int file_page(const State &s) { return s.inodes[0].page[0]; }

  // The virtual page CPU1's mmap() returned (the vma of file1).
  static int mapped_vpage(const State &s) {
    for (const model::Vma &v : s.mm.vma)
      if (v.npages && v.file == 0) return v.start;
    return -1;
  }

  // Runs `fn(ctx)` as a plain function call of CPU1 (tid 0) on `s`.
  template <class F> auto in_ctx(State &s, F fn) const {
    StepOutcome out;
    Ctx k(s, sys_->config(), /*actor*/ 0, /*tid*/ 0, out, nullptr, 0);
    return fn(k);
  }

  scenario::Scenario sc_;
  std::unique_ptr<model::System> sys_;
};

// ---------------------------------------------------------------------------
// The states the tests start from are what the scenario says they are.

TEST_F(ModelFixture, InitialPageIsCachedCleanWithOneMappedBuffer) {
  const State s = initial();
  const int id = file_page(s);
  ASSERT_GE(id, 0);
  const Page &p = s.pages[id];
  EXPECT_EQ(p.mapping, 0);
  EXPECT_EQ(p.index, 0);
  EXPECT_TRUE(p.flags & model::PG_uptodate);
  EXPECT_TRUE(p.flags & model::PG_private);
  EXPECT_TRUE(p.flags & model::PG_lru);
  EXPECT_FALSE(p.flags & (model::PG_dirty | model::PG_locked | model::PG_writeback));
  EXPECT_EQ(p._refcount, 2) << "page cache + buffers";
  EXPECT_EQ(p._mapcount, 0);
  EXPECT_TRUE(p.bh.b_state & model::BH_Mapped);
  EXPECT_TRUE(p.bh.b_state & model::BH_Uptodate);
  EXPECT_FALSE(p.bh.b_state & model::BH_Dirty);
  EXPECT_EQ(p.bh.b_blocknr, s.inodes[0].block[0]);
}

TEST_F(ModelFixture, LoadThroughSharedMappingLeavesAYoungReadOnlyPte) {
  const State s = after_calls(kCallLoad + 1);
  const int id = file_page(s), vp = mapped_vpage(s);
  ASSERT_GE(vp, 0) << "mmap() made no vma for file1";
  EXPECT_TRUE(s.mm.vma[0].vm_flags & model::VM_SHARED);
  const model::Pte pte = s.mm.pte[vp];
  EXPECT_EQ(pte.page, id);
  EXPECT_TRUE(pte.bits & model::PTE_P);
  EXPECT_TRUE(pte.bits & model::PTE_A);
  EXPECT_FALSE(pte.bits & (model::PTE_W | model::PTE_D));
  EXPECT_EQ(s.pages[id]._mapcount, 1);
  EXPECT_EQ(s.pages[id]._refcount, 3) << "page cache + buffers + PTE";
  EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
}

TEST_F(ModelFixture, StoreThroughSharedMappingDirtiesPageBuffersAndPte) {
  const State s = after_calls(kCallStore + 1);
  const int id = file_page(s), vp = mapped_vpage(s);
  ASSERT_GE(vp, 0);
  const model::Pte pte = s.mm.pte[vp];
  EXPECT_EQ(pte.page, id);
  EXPECT_EQ(pte.bits & (model::PTE_P | model::PTE_W | model::PTE_D),
            model::PTE_P | model::PTE_W | model::PTE_D);
  EXPECT_TRUE(s.pages[id].flags & model::PG_dirty);
  EXPECT_TRUE(s.pages[id].flags & model::PG_private);
  EXPECT_TRUE(s.pages[id].bh.b_state & model::BH_Dirty);
  EXPECT_FALSE(s.pages[id].flags & model::PG_locked);
  EXPECT_EQ(s.pages[id].data, model::char_token('x'));
}

// A write fault on a page that starts at i_size (a truncate to its index has
// set i_size and not yet reached the page cache): 4.15 and 6.1 dirty it
// through block_page_mkwrite() with end = 0, which attaches buffers but maps
// or reserves no block, and the store lands; today's kernels refuse it, and
// the store faults again until the truncate unmaps the page. Once with the
// page's mapped buffer, once with no buffers over a hole.
TEST_F(ModelFixture, WriteFaultOnThePageAtISizeDirtiesItUpTo61) {
  for (const bool hole : {false, true})
    for (const std::string name : {"v4.15", "v6.1", "upstream"}) {
      SCOPED_TRACE(name + (hole ? ", over a hole" : ", mapped buffer"));
      const model::Variant *v = model::find_variant(name);
      ASSERT_NE(v, nullptr);
      const model::System sys(sc_, *v);
      State s = sys.initial();
      const Choice cpu1{0, 0};
      std::vector<Choice> choices;
      const auto enabled = [&] {
        sys.enabled(s, choices);
        return std::find(choices.begin(), choices.end(), cpu1) != choices.end();
      };
      const auto run = [&](int until, int max_steps) {
        for (int i = 0; i < max_steps && s.tasks[0].stmt < until && enabled(); ++i)
          sys.step(s, cpu1);
      };
      run(kCallLoad + 1, 1000);
      ASSERT_EQ(int(s.tasks[0].stmt), kCallLoad + 1);
      const int id = file_page(s);
      if (hole) {
        s.pages[id].flags |= model::PG_locked;
        ASSERT_TRUE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
        s.pages[id].flags &= uint16_t(~model::PG_locked);
        s.inodes[0].block[0] = model::kHole;
      }
      s.inodes[0].i_size = 0; // ext4_setattr(): i_size_write() before truncate_pagecache()
      run(kCallStore + 1, 200);
      const Page &p = s.pages[id];
      EXPECT_EQ(v->mkwrite_dirties_page_at_eof, name != "upstream");
      if (v->mkwrite_dirties_page_at_eof) {
        EXPECT_EQ(int(s.tasks[0].stmt), kCallStore + 1);
        EXPECT_TRUE(p.flags & model::PG_dirty);
        EXPECT_TRUE(p.flags & model::PG_private);
        EXPECT_TRUE(p.bh.b_state & model::BH_Dirty);
        EXPECT_EQ(p.data, model::char_token('x'));
        if (hole) {
          EXPECT_EQ(s.inodes[0].block[0], model::kHole) << "no get_block for end = 0";
          EXPECT_FALSE(p.bh.b_state & (model::BH_Delay | model::BH_Mapped));
        }
      } else {
        EXPECT_TRUE(enabled()) << "refused, not blocked";
        EXPECT_EQ(int(s.tasks[0].stmt), kCallStore) << "the store faults again and again";
        EXPECT_FALSE(p.flags & (model::PG_dirty | model::PG_locked));
        EXPECT_NE(p.data, model::char_token('x'));
      }
      EXPECT_EQ(sys.check_consistency(s), "");
    }
}

// ---------------------------------------------------------------------------
// try_to_free_buffers(): reclaim keeps the buffers of a page whose buffers are
// dirty (drop_buffers() sees buffer_busy()), and drops clean ones.

TEST_F(ModelFixture, TryToFreeBuffersFailsWhileTheBufferIsDirty) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked | model::PG_dirty;
  p.bh.b_state |= model::BH_Dirty;
  const Page before = p;

  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
  EXPECT_TRUE(p.flags & model::PG_private) << "dirty buffers must stay attached";
  EXPECT_TRUE(p.flags & model::PG_dirty);
  EXPECT_EQ(p._refcount, before._refcount);
  EXPECT_EQ(p.bh.b_state, before.bh.b_state);
  EXPECT_EQ(p.bh.b_blocknr, before.bh.b_blocknr);
}

TEST_F(ModelFixture, TryToFreeBuffersFailsOnALockedBuffer) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked;
  p.bh.b_state |= model::BH_Lock;
  const int refs = p._refcount;
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
  EXPECT_TRUE(p.flags & model::PG_private);
  EXPECT_EQ(p._refcount, refs);
}

TEST_F(ModelFixture, TryToFreeBuffersFreesCleanBuffersAndDropsTheirReference) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked;
  const int refs = p._refcount;

  EXPECT_TRUE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
  EXPECT_FALSE(p.flags & model::PG_private);
  EXPECT_EQ(p._refcount, refs - 1);
  EXPECT_EQ(p.bh.b_state, 0);
  EXPECT_EQ(p.mapping, 0) << "still in the page cache";
  EXPECT_EQ(s.inodes[0].page[0], id);
}

// 4.15 try_to_free_buffers(): when every buffer was clean, cancel_dirty_page()
// clears PG_dirty too. This is how race 1 gets a clean page without buffers.
TEST_F(ModelFixture, TryToFreeBuffersWithCleanBuffersCancelsPageDirty) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked | model::PG_dirty;
  p.tags |= model::TAG_DIRTY;
  EXPECT_TRUE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
  EXPECT_FALSE(p.flags & model::PG_private);
  EXPECT_FALSE(p.flags & model::PG_dirty);
  EXPECT_TRUE(p.tags & model::TAG_DIRTY)
      << "4.15 cancel_dirty_page() leaves TAG_DIRTY stale (kernel-reference §9.5)";
}

TEST_F(ModelFixture, TryToFreeBuffersFailsUnderWriteback) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked | model::PG_writeback;
  const int refs = p._refcount;
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::try_to_free_buffers(k, id); }));
  EXPECT_TRUE(p.flags & model::PG_private);
  EXPECT_EQ(p._refcount, refs);
}

// ext4_releasepage() (via try_to_release_page) is what shrink_page_list calls.
TEST_F(ModelFixture, TryToReleasePageKeepsDirtyBuffers) {
  State s = initial();
  const int id = file_page(s);
  Page &p = s.pages[id];
  p.flags |= model::PG_locked | model::PG_dirty;
  p.bh.b_state |= model::BH_Dirty;
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::try_to_release_page(k, id); }));
  EXPECT_TRUE(p.flags & model::PG_private);

  State clean = initial();
  clean.pages[id].flags |= model::PG_locked;
  EXPECT_TRUE(in_ctx(clean, [&](Ctx &k) { return model::try_to_release_page(k, id); }));
  EXPECT_FALSE(clean.pages[id].flags & model::PG_private);
}

// ---------------------------------------------------------------------------
// __remove_mapping(): page_ref_freeze(page, 2) succeeds only with exactly the
// page cache's and the isolating caller's references, and a dirty page stays.

class RemoveMapping : public ModelFixture {
protected:
  // A clean, locked, isolated page-cache page without buffers: refcount 2.
  State isolated_without_buffers() const {
    State s = initial();
    const int id = file_page(s);
    s.pages[id].flags |= model::PG_locked;
    in_ctx(s, [&](Ctx &k) {
      EXPECT_TRUE(model::try_to_free_buffers(k, id));
      model::lru_del(k, id);                           // isolate_lru_pages()
      EXPECT_TRUE(model::get_page_unless_zero(k, id)); // the isolation reference
      return 0;
    });
    EXPECT_EQ(s.pages[id]._refcount, 2);
    EXPECT_FALSE(s.pages[id].flags & (model::PG_private | model::PG_lru | model::PG_dirty));
    return s;
  }
};

TEST_F(RemoveMapping, FailsWithAnExtraReference) {
  State s = isolated_without_buffers();
  const int id = file_page(s);
  ++s.pages[id]._refcount; // e.g. a get_user_pages() reference: 3
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::__remove_mapping(k, id); }));
  EXPECT_EQ(s.inodes[0].page[0], id) << "the page must stay in the page cache";
  EXPECT_EQ(s.pages[id].mapping, 0);
  EXPECT_EQ(s.pages[id]._refcount, 3);
}

TEST_F(RemoveMapping, SucceedsWithExactlyCacheAndIsolationReferences) {
  State s = isolated_without_buffers();
  const int id = file_page(s);
  EXPECT_TRUE(in_ctx(s, [&](Ctx &k) { return model::__remove_mapping(k, id); }));
  EXPECT_EQ(s.inodes[0].page[0], model::kNone) << "the page must leave the page cache";
  EXPECT_EQ(s.pages[id].mapping, model::kNone);
}

TEST_F(RemoveMapping, FailsOnADirtyPage) {
  State s = isolated_without_buffers();
  const int id = file_page(s);
  s.pages[id].flags |= model::PG_dirty;
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::__remove_mapping(k, id); }));
  EXPECT_EQ(s.inodes[0].page[0], id);
  EXPECT_EQ(s.pages[id].mapping, 0);
  EXPECT_TRUE(s.pages[id].flags & model::PG_dirty);
}

TEST_F(RemoveMapping, FailsWithTheBuffersReferenceStillHeld) {
  // Buffers not released: cache + buffers + isolation = 3.
  State s = initial();
  const int id = file_page(s);
  s.pages[id].flags |= model::PG_locked;
  in_ctx(s, [&](Ctx &k) {
    model::lru_del(k, id);
    return model::get_page_unless_zero(k, id);
  });
  ASSERT_EQ(s.pages[id]._refcount, 3);
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::__remove_mapping(k, id); }));
  EXPECT_EQ(s.inodes[0].page[0], id);
}

// ---------------------------------------------------------------------------
// page_check_references() (4.15 mm/vmscan.c)

class CheckReferences : public ModelFixture {
protected:
  // After load(addr): the page is mapped once by a young PTE. PG_referenced
  // is set as asked; the page is locked as shrink_page_list has it.
  State mapped(bool pg_referenced) const {
    State s = after_calls(kCallLoad + 1);
    const int id = file_page(s);
    const int vp = mapped_vpage(s);
    EXPECT_GE(vp, 0);
    EXPECT_TRUE(s.mm.pte[vp].bits & model::PTE_A);
    Page &p = s.pages[id];
    p.flags |= model::PG_locked;
    if (pg_referenced)
      p.flags |= model::PG_referenced;
    else
      p.flags &= uint16_t(~model::PG_referenced);
    return s;
  }
};

TEST_F(CheckReferences, YoungPteFirstTimeKeepsAndSetsPgReferenced) {
  State s = mapped(false);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  const auto r = in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); });
  EXPECT_EQ(r, model::PageRef::Keep);
  EXPECT_TRUE(s.pages[id].flags & model::PG_referenced);
  EXPECT_FALSE(s.mm.pte[vp].bits & model::PTE_A) << "page_referenced() clears the young bit";
  EXPECT_TRUE(s.mm.pte[vp].bits & model::PTE_P);
}

TEST_F(CheckReferences, YoungPteWithPgReferencedActivates) {
  State s = mapped(true);
  const int id = file_page(s);
  const auto r = in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); });
  EXPECT_EQ(r, model::PageRef::Activate);
}

TEST_F(CheckReferences, SecondLookAfterKeepActivates) {
  // The same page referenced again between two reclaim passes.
  State s = mapped(false);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::Keep);
  s.mm.pte[vp].bits |= model::PTE_A; // the user touches it again
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::Activate);
}

TEST_F(CheckReferences, TwoYoungPtesActivate) {
  State s = mapped(false);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  // A second mapping of the same page, by hand: another young PTE.
  const int other = vp + 1;
  ASSERT_LT(other, model::kMaxVpages);
  s.mm.pte[other] = model::Pte{uint8_t(model::PTE_P | model::PTE_A), static_cast<int8_t>(id)};
  ++s.pages[id]._mapcount;
  ++s.pages[id]._refcount;
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::Activate);
}

TEST_F(CheckReferences, UnreferencedPageIsReclaimed) {
  State s = initial();
  const int id = file_page(s);
  s.pages[id].flags |= model::PG_locked;
  s.pages[id].flags &= uint16_t(~model::PG_referenced);
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::Reclaim);
  EXPECT_FALSE(s.pages[id].flags & model::PG_referenced);
}

TEST_F(CheckReferences, MappedButOldPteIsReclaimed) {
  State s = mapped(false);
  const int id = file_page(s);
  s.mm.pte[mapped_vpage(s)].bits &= uint8_t(~model::PTE_A);
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::Reclaim);
}

// Referenced through read()/write() only (no young PTE): PAGEREF_RECLAIM_CLEAN
// for a file page, and the reference is used up.
TEST_F(CheckReferences, OnlyPgReferencedIsReclaimClean) {
  State s = initial();
  const int id = file_page(s);
  s.pages[id].flags |= model::PG_locked | model::PG_referenced;
  EXPECT_EQ(in_ctx(s, [&](Ctx &k) { return model::page_check_references(k, id); }),
            model::PageRef::ReclaimClean);
  EXPECT_FALSE(s.pages[id].flags & model::PG_referenced);
}

// ---------------------------------------------------------------------------
// pageout()

class Pageout : public ModelFixture {
protected:
  // The page after store(addr) and an unmap as try_to_unmap leaves it: dirty
  // with dirty buffers, locked and isolated, no PTE. References: cache +
  // buffers + isolation = 3, so is_page_cache_freeable() holds.
  State dirty_isolated() const {
    State s = after_calls(kCallStore + 1);
    const int id = file_page(s);
    s.pages[id].flags |= model::PG_locked;
    in_ctx(s, [&](Ctx &k) {
      model::lru_del(k, id);
      EXPECT_TRUE(model::get_page_unless_zero(k, id));
      // try_to_unmap() refuses a young PTE (clearing the young bit); the
      // second walk unmaps it and moves PTE_D to the page.
      for (int i = 0; i < 2 && s.pages[id]._mapcount > 0; ++i)
        model::try_to_unmap(k, id);
      return 0;
    });
    EXPECT_EQ(s.pages[id]._mapcount, 0);
    EXPECT_EQ(s.pages[id]._refcount, 3);
    EXPECT_TRUE(s.pages[id].flags & model::PG_dirty);
    EXPECT_TRUE(s.pages[id].bh.b_state & model::BH_Dirty);
    return s;
  }
};

TEST_F(Pageout, KeepsAPageWithAnExtraGupReference) {
  State s = dirty_isolated();
  const int id = file_page(s);
  ++s.pages[id]._refcount; // get_user_pages() pin of a DIO in flight
  const Page before = s.pages[id];
  const auto r = in_ctx(s, [&](Ctx &k) { return model::pageout(k, id); });
  EXPECT_EQ(r, model::PageoutResult::Keep);
  const Page &p = s.pages[id];
  EXPECT_TRUE(p.flags & model::PG_dirty) << "a kept page must not be cleaned";
  EXPECT_FALSE(p.flags & model::PG_writeback) << "no write-out started";
  EXPECT_EQ(p.flags, before.flags);
  EXPECT_EQ(p._refcount, before._refcount);
  for (const model::Bio &b : s.bios)
    EXPECT_EQ(b.state, model::BioState::Free) << "no bio submitted";
}

// The positive control: without the extra reference the page is written out.
TEST_F(Pageout, WritesOutAFreeablePage) {
  State s = dirty_isolated();
  const int id = file_page(s);
  const auto r = in_ctx(s, [&](Ctx &k) { return model::pageout(k, id); });
  EXPECT_EQ(r, model::PageoutResult::Success);
  EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
  EXPECT_TRUE(s.pages[id].flags & model::PG_writeback);
  int inflight = 0;
  for (const model::Bio &b : s.bios)
    inflight += b.state == model::BioState::InFlight && b.op == model::BioOp::Write;
  EXPECT_EQ(inflight, 1);
}

// A truncate has set i_size to the page's index and not yet removed it:
// ->writepage gets len 0 (ext4_writepage()), so the page is zeroed and none
// of its buffers is written (4.15 ext4_bio_write_page()): not a mapped dirty
// buffer, and not a delayed one, which ext4_writepage() would otherwise
// leave alone and redirty.
TEST_F(Pageout, WritesNothingOfAPageThatStartsAtISize) {
  for (const bool delayed : {false, true}) {
    SCOPED_TRACE(delayed ? "delayed buffer" : "mapped buffer");
    State s = dirty_isolated();
    const int id = file_page(s);
    ASSERT_TRUE(s.pages[id].bh.b_state & model::BH_Mapped);
    if (delayed) {
      s.pages[id].bh.b_state =
          uint8_t((s.pages[id].bh.b_state | model::BH_Delay) & ~model::BH_Mapped);
      s.pages[id].bh.b_blocknr = model::kHole;
      s.inodes[0].block[0] = model::kDelayed;
    }
    s.inodes[0].i_size = 0; // ext4_setattr(): i_size_write() before truncate_pagecache()
    const auto r = in_ctx(s, [&](Ctx &k) { return model::pageout(k, id); });
    EXPECT_EQ(r, model::PageoutResult::Success);
    const Page &p = s.pages[id];
    EXPECT_FALSE(p.flags & (model::PG_dirty | model::PG_writeback)) << "not redirtied";
    EXPECT_FALSE(p.bh.b_state & model::BH_Dirty);
    EXPECT_EQ(p.data, model::kZeroToken) << "zero_user_segment(page, 0, PAGE_SIZE)";
    for (const model::Bio &b : s.bios)
      EXPECT_EQ(b.state, model::BioState::Free) << "no bio submitted";
    if (delayed) {
      EXPECT_EQ(s.inodes[0].block[0], model::kDelayed) << "nothing mapped";
    }
  }
}

// ---------------------------------------------------------------------------
// clear_page_dirty_for_io()

// end_page_writeback() of a page reclaim marked PG_reclaim (and so
// activated): rotate_reclaimable_page() puts it at the inactive tail and
// clears PG_active (4.15 mm/swap.c pagevec_move_tail_fn()), unless it is
// dirty or locked again.
TEST_F(ModelFixture, EndOfWritebackRotatesAReclaimPageToTheInactiveTail) {
  for (const bool dirty : {false, true}) {
    State s = initial();
    const int id = file_page(s);
    in_ctx(s, [&](Ctx &k) {
      model::lru_del(k, id);
      model::lru_add_head(k, id, 1); // active, where reclaim put it
      Page &p = k.page(id);
      p.flags |= model::PG_active | model::PG_reclaim | model::PG_writeback;
      if (dirty) p.flags |= model::PG_dirty;
      model::end_page_writeback(k, id);
      return 0;
    });
    const Page &p = s.pages[id];
    EXPECT_FALSE(p.flags & (model::PG_reclaim | model::PG_writeback));
    EXPECT_TRUE(p.flags & model::PG_lru);
    if (dirty) {
      EXPECT_TRUE(p.flags & model::PG_active) << "a dirty page is not rotated";
      ASSERT_GT(s.lru_len[1], 0);
      EXPECT_EQ(s.lru[1][s.lru_len[1] - 1], id);
    } else {
      EXPECT_FALSE(p.flags & model::PG_active) << "rotated pages are deactivated";
      EXPECT_EQ(s.lru_len[1], 0);
      ASSERT_GT(s.lru_len[0], 0);
      EXPECT_EQ(s.lru[0][0], id) << "at the inactive tail";
    }
    EXPECT_EQ(sys().check_consistency(s), "");
  }
}

TEST_F(ModelFixture, ClearPageDirtyForIoWriteProtectsTheDirtyPte) {
  State s = after_calls(kCallStore + 1);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  ASSERT_GE(vp, 0);
  ASSERT_TRUE(s.mm.pte[vp].bits & model::PTE_W);
  ASSERT_TRUE(s.mm.pte[vp].bits & model::PTE_D);
  ASSERT_TRUE(s.pages[id].flags & model::PG_dirty);
  s.pages[id].flags |= model::PG_locked;

  EXPECT_TRUE(in_ctx(s, [&](Ctx &k) { return model::clear_page_dirty_for_io(k, id); }));
  const model::Pte pte = s.mm.pte[vp];
  EXPECT_FALSE(pte.bits & model::PTE_W) << "the next store must fault";
  EXPECT_FALSE(pte.bits & model::PTE_D);
  EXPECT_TRUE(pte.bits & model::PTE_P) << "write-protected, not unmapped";
  EXPECT_EQ(pte.page, id);
  EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
  EXPECT_TRUE(s.pages[id].flags & model::PG_locked);
  EXPECT_TRUE(s.pages[id].flags & model::PG_private);
}

// A dirty PTE on a clean page (hand-built): the PTE's dirtiness moves to the
// page (set_page_dirty) and is then taken for I/O, so the call returns true.
TEST_F(ModelFixture, ClearPageDirtyForIoTransfersPteDirtyBitOfACleanPage) {
  State s = after_calls(kCallLoad + 1);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  ASSERT_GE(vp, 0);
  s.mm.pte[vp].bits |= model::PTE_W | model::PTE_D;
  s.pages[id].flags |= model::PG_locked;
  ASSERT_FALSE(s.pages[id].flags & model::PG_dirty);

  EXPECT_TRUE(in_ctx(s, [&](Ctx &k) { return model::clear_page_dirty_for_io(k, id); }));
  EXPECT_FALSE(s.mm.pte[vp].bits & (model::PTE_W | model::PTE_D));
  EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
}

TEST_F(ModelFixture, ClearPageDirtyForIoOnACleanPageReturnsFalse) {
  State s = after_calls(kCallLoad + 1);
  const int id = file_page(s);
  const int vp = mapped_vpage(s);
  s.pages[id].flags |= model::PG_locked;
  const model::Pte before = s.mm.pte[vp];
  EXPECT_FALSE(in_ctx(s, [&](Ctx &k) { return model::clear_page_dirty_for_io(k, id); }));
  EXPECT_EQ(s.mm.pte[vp].bits, before.bits);
  EXPECT_FALSE(s.pages[id].flags & model::PG_dirty);
}

} // namespace
