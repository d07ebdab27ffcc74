// The pin, asynchronous and iomap direct-I/O paths (mm/gup-pin.cpp,
// drivers/infiniband/umem.cpp, fs/aio.cpp, fs/iomap/direct-io.cpp,
// block/bio-dirty.cpp): FOLL_PIN accounting and page_maybe_dma_pinned() per
// variant, the refusal of FOLL_LONGTERM write pins of file mappings only
// where the variant says, the order of an iomap completion (the reader is
// woken before bio_dirty_fn re-dirties a page that writeback cleaned), the
// 4.15 and 6.1 forms of bio_check_pages_dirty(), dio-bounce's copy through
// ->page_mkwrite, and end-to-end checks of small scenarios
// (tests/data/dio_*.toml) through the explorer or a full enumeration of
// their states.
//
// The drivers below choose steps by actor and by what the state shows (run a
// CPU while it can move, complete a given bio), never by a recorded schedule.
#include "app/check.hpp"
#include "model/include/state.hpp"
#include "model/kernel/ctx.hpp"
#include "model/kernel/paths.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/ast.hpp"
#include "scenario/parser.hpp"
#include "scenario_vars.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using namespace pagerace;
using model::BioEndIo;
using model::Choice;
using model::Ctx;
using model::Fn;
using model::State;
using model::StepOutcome;

std::string data_path(const std::string &name) {
  return std::string(PAGERACE_SOURCE_DIR) + "/tests/data/" + name;
}

const model::Variant &variant(const std::string &name) {
  const model::Variant *v = model::find_variant(name);
  if (!v) throw std::invalid_argument("unknown variant " + name);
  return *v;
}

bool reached(const StepOutcome &out, Fn fn) {
  const int i = static_cast<int>(fn);
  return out.reached[static_cast<size_t>(i / 64)] & (uint64_t{1} << (i % 64));
}

// One scenario on one variant, and a state driven step by step.
class ScenarioRun {
public:
  ScenarioRun(const std::string &file, const std::string &vname)
      : sc_(scenario::load_scenario_file(data_path(file))), variant_(&variant(vname)) {
    sys_ = std::make_unique<model::System>(sc_, *variant_);
    s = sys_->initial();
  }

  const model::System &sys() const { return *sys_; }
  const model::Config &cfg() const { return sys_->config(); }
  int device() const { return cfg().device_actor(); }
  int kworker() const { return cfg().kworker_actor(); }

  std::vector<Choice> choices() const {
    std::vector<Choice> out;
    sys_->enabled(s, out);
    return out;
  }
  bool can_move(int actor) const {
    for (const Choice &c : choices())
      if (c.actor == actor) return true;
    return false;
  }
  StepOutcome step(Choice c) {
    const StepOutcome out = sys_->step(s, c);
    for (size_t w = 0; w < out.reached.size(); ++w)
      seen_[w] |= out.reached[w];
    return out;
  }
  // Steps `actor` (CPUs and the kworker have one choice) while it can move.
  void run_while_enabled(int actor, int limit = 2000) {
    for (int i = 0; i < limit && can_move(actor); ++i)
      step(Choice{static_cast<uint8_t>(actor), 0});
    ASSERT_FALSE(can_move(actor)) << "actor " << actor << " did not stop";
  }
  // Every pending DMA transfer of `bio` (not its completion).
  void transfer(int bio) {
    for (const Choice &c : choices())
      if (c.actor == device() && c.alt < 64 && c.alt / 8 == bio) {
        step(c);
        return transfer(bio);
      }
  }
  // The completion interrupt of `bio`, which must be enabled.
  StepOutcome complete(int bio) {
    const Choice c{static_cast<uint8_t>(device()), static_cast<uint8_t>(64 + bio)};
    const auto cs = choices();
    EXPECT_NE(std::find(cs.begin(), cs.end(), c), cs.end()) << "bio #" << bio << " cannot complete";
    return step(c);
  }
  int bio_with(BioEndIo end_io) const {
    for (int b = 0; b < model::kMaxBios; ++b)
      if (s.bios[b].state != model::BioState::Free && s.bios[b].end_io == end_io) return b;
    return -1;
  }
  int var_index(const std::string &name) const {
    for (size_t i = 0; i < sc_.vars.size(); ++i)
      if (sc_.vars[i].name == name) return static_cast<int>(i);
    ADD_FAILURE() << "no variable " << name;
    return 0;
  }
  bool var_set(const std::string &name) const { return s.vars_set & (1u << var_index(name)); }
  int64_t var(const std::string &name) const {
    EXPECT_TRUE(var_set(name)) << name << " is not assigned";
    return s.vars[var_index(name)];
  }
  bool ever_reached(Fn fn) const {
    StepOutcome o;
    o.reached = seen_;
    return reached(o, fn);
  }
  // Runs `fn(ctx)` as a plain call in the context of task `tid` (-1: the
  // device's interrupt context).
  template <class F> auto in_ctx(int tid, F fn) {
    StepOutcome out;
    Ctx k(s, cfg(), tid < 0 ? device() : tid, tid, out, nullptr, 0);
    return fn(k);
  }

  State s;

private:
  scenario::Scenario sc_;
  const model::Variant *variant_;
  std::unique_ptr<model::System> sys_;
  std::array<uint64_t, 4> seen_{};
};

// A test-name-safe form of a variant or file name.
std::string identifier(std::string n) {
  for (char &c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}
std::string string_param_name(const ::testing::TestParamInfo<std::string> &p) {
  return identifier(p.param);
}
std::string variant_param_name(const ::testing::TestParamInfo<const model::Variant *> &p) {
  return identifier(p.param->name);
}

std::string bytes_of(const State &s) {
  return std::string(reinterpret_cast<const char *>(&s), sizeof s);
}

// Visits every state reachable from the initial one once (the model is
// deterministic, so this is the explorer's state space), with whether it is
// terminal.
void for_each_reachable(const model::System &sys,
                        const std::function<void(const State &, bool terminal)> &visit) {
  std::unordered_set<std::string> seen;
  std::vector<State> todo{sys.initial()};
  seen.insert(bytes_of(todo.front()));
  std::vector<Choice> choices;
  while (!todo.empty()) {
    const State cur = todo.back();
    todo.pop_back();
    sys.enabled(cur, choices);
    visit(cur, choices.empty());
    const std::vector<Choice> here = choices;
    for (const Choice &c : here) {
      State next = cur;
      sys.step(next, c);
      if (seen.insert(bytes_of(next)).second) todo.push_back(next);
    }
  }
}

// ---------------------------------------------------------------------------
// FOLL_PIN accounting and page_maybe_dma_pinned(), on file1's cached page of
// dio_read_shared.toml (page cache + buffers: two references).

class PinCounting : public ::testing::TestWithParam<std::string> {};

TEST_P(PinCounting, APinAddsTheBiasAndUnpinTakesItBack) {
  ScenarioRun r("dio_read_shared.toml", GetParam());
  const model::Variant &v = variant(GetParam());
  const int id = r.s.inodes[0].page[0];
  ASSERT_GE(id, 0);
  const int before = r.s.pages[id]._refcount;
  ASSERT_EQ(before, 2) << "page cache + buffers";
  EXPECT_FALSE(r.in_ctx(0, [&](Ctx &k) { return model::page_maybe_dma_pinned(k, id); }));

  ASSERT_TRUE(r.in_ctx(0, [&](Ctx &k) { return model::try_grab_page(k, id, model::kFollPin); }));
  const int bias = v.pin_bias ? v.pin_bias : 1;
  EXPECT_EQ(r.s.pages[id]._refcount, before + bias);
  EXPECT_EQ(r.s.pages[id].pins, 1);
  EXPECT_EQ(r.in_ctx(0, [&](Ctx &k) { return model::page_maybe_dma_pinned(k, id); }),
            v.pin_bias != 0)
      << "only a variant with pin counting can tell a pinned page";

  r.in_ctx(0, [&](Ctx &k) { model::unpin_user_page(k, id); });
  EXPECT_EQ(r.s.pages[id]._refcount, before);
  EXPECT_EQ(r.s.pages[id].pins, 0);
  EXPECT_FALSE(r.in_ctx(0, [&](Ctx &k) { return model::page_maybe_dma_pinned(k, id); }));
}

TEST_P(PinCounting, AFollGetReferenceIsOneAndNoPin) {
  ScenarioRun r("dio_read_shared.toml", GetParam());
  const int id = r.s.inodes[0].page[0];
  const int before = r.s.pages[id]._refcount;
  ASSERT_TRUE(r.in_ctx(0, [&](Ctx &k) { return model::try_grab_page(k, id, model::kFollWrite); }));
  EXPECT_EQ(r.s.pages[id]._refcount, before + 1);
  EXPECT_EQ(r.s.pages[id].pins, 0);
}

// The last unpin frees the page, as the last put_page() does.
TEST_P(PinCounting, TheLastUnpinFreesThePage) {
  ScenarioRun r("dio_read_shared.toml", GetParam());
  const int id = r.in_ctx(0, [&](Ctx &k) { return model::alloc_page(k); });
  ASSERT_TRUE(r.in_ctx(0, [&](Ctx &k) { return model::try_grab_page(k, id, model::kFollPin); }));
  r.in_ctx(0, [&](Ctx &k) { model::put_page(k, id); }); // the allocation's reference
  EXPECT_EQ(r.s.pages[id].in_use, 1) << "the pin still holds the page";
  r.in_ctx(0, [&](Ctx &k) { model::unpin_user_page(k, id); });
  EXPECT_EQ(r.s.pages[id].in_use, 0);
  EXPECT_EQ(r.s.pages[id]._refcount, 0);
}

INSTANTIATE_TEST_SUITE_P(Variants, PinCounting,
                         ::testing::Values("v4.15", "v6.1", "upstream", "dio-bounce"),
                         string_param_name);

// page_maybe_dma_pinned() guesses from the refcount: with upstream's scaled
// bias of 4, four plain references look like a pin (a false positive the
// kernel has at 1024), while 4.15 has no test at all.
TEST(PageMaybeDmaPinned, ManyPlainReferencesLookPinnedOnlyWithPinCounting) {
  for (const char *vname : {"v4.15", "upstream"}) {
    SCOPED_TRACE(vname);
    ScenarioRun r("dio_read_shared.toml", vname);
    const int id = r.s.inodes[0].page[0];
    r.s.pages[id]._refcount = 1024; // GUP_PIN_COUNTING_BIAS plain references
    EXPECT_EQ(r.in_ctx(0, [&](Ctx &k) { return model::page_maybe_dma_pinned(k, id); }),
              std::string(vname) == "upstream");
    EXPECT_EQ(r.s.pages[id].pins, 0) << "the checker's shadow knows there is no pin";
  }
}

// ---------------------------------------------------------------------------
// RDMA registration: FOLL_LONGTERM | FOLL_WRITE of a shared ext4 mapping.

constexpr int kCallPin = 2, kCallUnpin = 3;

void run_cpu1_calls(ScenarioRun &r, int ncalls) {
  for (int i = 0; i < 1000 && r.s.tasks[0].stmt < ncalls; ++i) {
    ASSERT_TRUE(r.can_move(0)) << "CPU1 blocked in call " << int(r.s.tasks[0].stmt);
    r.step(Choice{0, 0});
  }
  ASSERT_EQ(int(r.s.tasks[0].stmt), ncalls);
}

class LongtermPin : public ::testing::TestWithParam<const model::Variant *> {};

TEST_P(LongtermPin, AFileWritePinIsRefusedExactlyWhereTheVariantSays) {
  const model::Variant &v = *GetParam();
  ScenarioRun r("dio_pin_file.toml", v.name);
  run_cpu1_calls(r, kCallPin + 1);
  const int id = r.s.inodes[0].page[0];
  if (v.longterm_file_pin_refused) {
    EXPECT_EQ(r.var("pin"), -model::kEFAULT);
    EXPECT_TRUE(r.ever_reached(Fn::gup_pte_range)) << "the fast path saw the writable PTE";
    EXPECT_TRUE(r.ever_reached(Fn::get_user_pages_unlocked)) << "and left it to the slow path";
    EXPECT_EQ(r.s.pages[id].pins, 0);
    EXPECT_EQ(r.s.pins[0].flags, 0) << "the registration's slot is free again";
    run_cpu1_calls(r, kCallUnpin + 1);
    EXPECT_EQ(r.var("r"), -model::kEINVAL);
    return;
  }
  EXPECT_EQ(r.var("pin"), 1) << "handle of pin slot 0";
  const model::PinSet &pin = r.s.pins[0];
  EXPECT_EQ(pin.npages, 1);
  EXPECT_EQ(pin.page[0], id);
  EXPECT_TRUE(pin.flags & model::PIN_LIVE);
  EXPECT_TRUE(pin.flags & model::PIN_WRITE);
  EXPECT_EQ(bool(pin.flags & model::PIN_COUNTED), v.pin_bias != 0);
  EXPECT_EQ(r.s.pages[id].pins, v.pin_bias != 0 ? 1 : 0);
  EXPECT_EQ(r.s.mm.mmap_sem.writer, model::kNone) << "4.15's down_write() is released";
  run_cpu1_calls(r, kCallUnpin + 1);
  EXPECT_EQ(r.var("r"), 0);
  EXPECT_EQ(r.s.pages[id].pins, 0);
  EXPECT_EQ(r.s.pages[id]._refcount, 3) << "page cache + buffers + PTE";
  EXPECT_EQ(r.s.pins[0].flags, 0);
}

TEST_P(LongtermPin, AnAnonymousWritePinIsAllowedEverywhere) {
  const model::Variant &v = *GetParam();
  ScenarioRun r("dio_pin_anon.toml", v.name);
  run_cpu1_calls(r, kCallPin + 1);
  EXPECT_EQ(r.var("pin"), 1);
  run_cpu1_calls(r, kCallUnpin + 1);
  EXPECT_EQ(r.var("r"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, LongtermPin, ::testing::ValuesIn(model::all_variants()),
                         variant_param_name);

// The 4.15 release re-dirties a writable registration's page that writeback
// cleaned meanwhile (set_page_dirty_lock), as 6.x's
// unpin_user_pages_dirty_lock() does.
TEST(LongtermPin, ReleaseDirtiesACleanedPage) {
  for (const char *vname : {"v4.15", "v6.1"}) {
    SCOPED_TRACE(vname);
    ScenarioRun r("dio_pin_file.toml", vname);
    run_cpu1_calls(r, kCallPin + 1);
    const int id = r.s.inodes[0].page[0];
    r.s.pages[id].flags &= uint16_t(~model::PG_dirty); // as if written back meanwhile
    run_cpu1_calls(r, kCallUnpin + 1);
    EXPECT_TRUE(r.s.pages[id].flags & model::PG_dirty);
    EXPECT_TRUE(r.ever_reached(Fn::set_page_dirty_lock));
  }
}

// ---------------------------------------------------------------------------
// The order of a direct-I/O read's completion against writeback. The flusher
// cleans the page between submission and completion; then the read bio
// completes. iomap (and 4.15 AIO) post the completion first and leave the
// re-dirty to bio_dirty_fn: the reader can return while its page is clean
// and its data not on disk. 4.15's synchronous fs/direct-io.c re-dirties in
// the reader, before it returns.

struct GapCase {
  const char *file;
  const char *variant;
  BioEndIo read_end_io;
  bool reader_returns_before_redirty;
};

void PrintTo(const GapCase &c, std::ostream *os) {
  *os << c.file << " on " << c.variant;
}

class CompletionOrder : public ::testing::TestWithParam<GapCase> {};

TEST_P(CompletionOrder, TheReaderAndTheRedirty) {
  const GapCase &gc = GetParam();
  ScenarioRun r(gc.file, gc.variant);
  constexpr int kCpu1 = 0, kCpu2 = 1;

  // CPU1 dirties file1's page through its mapping and submits the read,
  // then sleeps for it (in read() or in io_getevents()).
  r.run_while_enabled(kCpu1);
  const int id = r.s.inodes[0].page[0];
  ASSERT_GE(id, 0);
  const int rb = r.bio_with(gc.read_end_io);
  ASSERT_GE(rb, 0) << "no read bio in flight";
  ASSERT_EQ(r.s.bios[rb].page[0], id);
  EXPECT_TRUE(r.s.pages[id].flags & model::PG_dirty);

  // The flusher writes the page back and write-protects it.
  r.run_while_enabled(kCpu2);
  ASSERT_EQ(r.s.tasks[kCpu2].state, model::TaskState::Done);
  EXPECT_FALSE(r.s.pages[id].flags & model::PG_dirty);

  // The device: the write bio takes the page's old contents to disk, then
  // the read's DMA fills the now clean page, then the read completes.
  const int wb = r.bio_with(BioEndIo::Ext4EndBio);
  ASSERT_GE(wb, 0);
  r.transfer(wb);
  r.complete(wb);
  r.transfer(rb);
  const model::Token data = r.s.pages[id].data;
  EXPECT_EQ(data, model::initial_token(1, 0)) << "file2's data in file1's page";
  const int block = r.s.inodes[0].block[0];
  ASSERT_GE(block, 0);
  ASSERT_NE(r.s.disk[block], data) << "writeback wrote the page before the DMA";
  r.complete(rb);

  if (!gc.reader_returns_before_redirty) {
    // 4.15 sync: the bio waits on dio->bio_list for the reader, which
    // re-dirties the page before read() returns.
    EXPECT_EQ(r.s.bio_dirty_list, 0);
    r.run_while_enabled(kCpu1);
    ASSERT_EQ(r.s.tasks[kCpu1].state, model::TaskState::Done);
    EXPECT_EQ(r.var("n"), 4096);
    EXPECT_TRUE(r.s.pages[id].flags & model::PG_dirty) << "re-dirtied before read() returned";
    EXPECT_FALSE(r.can_move(r.kworker()));
    return;
  }

  // The completion woke the reader and deferred the page to bio_dirty_fn.
  EXPECT_TRUE(r.can_move(kCpu1)) << "the reader is woken by the last bio's completion";
  EXPECT_TRUE(r.s.bio_dirty_list & (1u << rb)) << "the cleaned page is left to bio_dirty_fn";
  EXPECT_TRUE(r.s.bios[rb].flags & model::BIO_DIRTY_LIST);
  EXPECT_FALSE(r.s.pages[id].flags & model::PG_dirty);
  EXPECT_TRUE(r.can_move(r.kworker()));

  // The reader returns first: the durability gap.
  r.run_while_enabled(kCpu1);
  ASSERT_EQ(r.s.tasks[kCpu1].state, model::TaskState::Done);
  EXPECT_EQ(r.var("n"), 4096);
  EXPECT_FALSE(r.s.pages[id].flags & model::PG_dirty) << "returned with the page still clean";
  EXPECT_NE(r.s.disk[block], r.s.pages[id].data) << "and its data not on disk";

  // Then the work item re-dirties it, under the page lock, and drops the
  // bio's references or pins.
  r.run_while_enabled(r.kworker());
  EXPECT_TRUE(r.ever_reached(Fn::bio_dirty_fn));
  EXPECT_TRUE(r.s.pages[id].flags & model::PG_dirty);
  EXPECT_TRUE(r.s.pages[id].flags & model::PG_private) << "no reclaim here: buffers intact";
  EXPECT_FALSE(r.s.pages[id].flags & model::PG_locked);
  EXPECT_EQ(r.s.bio_dirty_list, 0);
  EXPECT_EQ(r.s.bios[rb].state, model::BioState::Free);
  EXPECT_EQ(r.s.pages[id].pins, 0);
  EXPECT_EQ(r.s.pages[id]._refcount, 3) << "page cache + buffers + PTE";
}

std::string gap_param_name(const ::testing::TestParamInfo<GapCase> &p) {
  return identifier(std::string(p.param.variant) +
                    (std::strstr(p.param.file, "aio") ? "_aio" : "_sync"));
}

INSTANTIATE_TEST_SUITE_P(
    Kernels, CompletionOrder,
    ::testing::Values(GapCase{"dio_gap.toml", "v4.15", BioEndIo::DioBioEndIo, false},
                      GapCase{"dio_gap_aio.toml", "v4.15", BioEndIo::DioBioEndAio, true},
                      GapCase{"dio_gap.toml", "v6.1", BioEndIo::IomapDioBioEndIo, true},
                      GapCase{"dio_gap_aio.toml", "v6.1", BioEndIo::IomapDioBioEndIo, true},
                      GapCase{"dio_gap.toml", "upstream", BioEndIo::IomapDioBioEndIo, true}),
    gap_param_name);

// ---------------------------------------------------------------------------
// bio_check_pages_dirty() on a two-page bio, one page dirty and one clean:
// 4.15 releases the dirty page at once and defers only the clean one; 6.1
// and later defer the whole bio. Then bio_dirty_fn re-dirties and releases.

struct TwoPageBio {
  int dirty_page, clean_page, bio;
};

TwoPageBio make_two_page_bio(ScenarioRun &r) {
  TwoPageBio t{};
  r.in_ctx(-1, [&](Ctx &k) {
    t.dirty_page = model::alloc_page(k);
    t.clean_page = model::alloc_page(k);
    model::get_page(k, t.dirty_page); // the bio's references
    model::get_page(k, t.clean_page);
    k.page(t.dirty_page).flags |= model::PG_dirty;
    t.bio = model::bio_alloc(k, model::BioOp::Read, BioEndIo::IomapDioBioEndIo, 0);
    model::bio_add_page(k, t.bio, t.dirty_page, 0);
    model::bio_add_page(k, t.bio, t.clean_page, 1);
    k.bio(t.bio).state = model::BioState::Completed;
    return 0;
  });
  return t;
}

TEST(BioCheckPagesDirty, FourFifteenReleasesDirtyPagesAtOnceAndDefersTheRest) {
  ScenarioRun r("dio_read_shared.toml", "v4.15");
  const TwoPageBio t = make_two_page_bio(r);
  r.in_ctx(-1, [&](Ctx &k) { model::bio_check_pages_dirty(k, t.bio); });
  EXPECT_EQ(r.s.pages[t.dirty_page]._refcount, 1) << "put at once";
  EXPECT_EQ(r.s.bios[t.bio].page[0], model::kNone);
  EXPECT_EQ(r.s.pages[t.clean_page]._refcount, 2) << "kept for bio_dirty_fn";
  EXPECT_EQ(r.s.bio_dirty_list, 1u << t.bio);

  r.run_while_enabled(r.kworker());
  EXPECT_TRUE(r.s.pages[t.clean_page].flags & model::PG_dirty);
  EXPECT_EQ(r.s.pages[t.clean_page]._refcount, 1);
  EXPECT_EQ(r.s.bios[t.bio].state, model::BioState::Free);
  EXPECT_EQ(r.s.bio_dirty_list, 0);
}

TEST(BioCheckPagesDirty, SixOneDefersTheWholeBioAndRedirtiesEveryPage) {
  ScenarioRun r("dio_read_shared.toml", "v6.1");
  const TwoPageBio t = make_two_page_bio(r);
  r.in_ctx(-1, [&](Ctx &k) { model::bio_check_pages_dirty(k, t.bio); });
  EXPECT_EQ(r.s.pages[t.dirty_page]._refcount, 2);
  EXPECT_EQ(r.s.pages[t.clean_page]._refcount, 2);
  EXPECT_EQ(r.s.bio_dirty_list, 1u << t.bio);

  r.s.pages[t.dirty_page].flags &= uint16_t(~model::PG_dirty); // cleaned again meanwhile
  r.run_while_enabled(r.kworker());
  EXPECT_TRUE(r.s.pages[t.dirty_page].flags & model::PG_dirty) << "every page is re-dirtied";
  EXPECT_TRUE(r.s.pages[t.clean_page].flags & model::PG_dirty);
  EXPECT_EQ(r.s.pages[t.dirty_page]._refcount, 1);
  EXPECT_EQ(r.s.pages[t.clean_page]._refcount, 1);
  EXPECT_EQ(r.s.bios[t.bio].state, model::BioState::Free);
}

TEST(BioCheckPagesDirty, AllDirtyReleasesAtOnce) {
  ScenarioRun r("dio_read_shared.toml", "v6.1");
  const TwoPageBio t = make_two_page_bio(r);
  r.s.pages[t.clean_page].flags |= model::PG_dirty;
  r.in_ctx(-1, [&](Ctx &k) { model::bio_check_pages_dirty(k, t.bio); });
  EXPECT_EQ(r.s.pages[t.dirty_page]._refcount, 1);
  EXPECT_EQ(r.s.pages[t.clean_page]._refcount, 1);
  EXPECT_EQ(r.s.bio_dirty_list, 0);
  EXPECT_EQ(r.s.bios[t.bio].state, model::BioState::Free);
  EXPECT_FALSE(r.can_move(r.kworker()));
}

// ---------------------------------------------------------------------------
// dio-bounce: the read takes no user page at submission; the copy to the
// user page faults it writable through ->page_mkwrite, which dirties it with
// buffers. Upstream, for contrast, faults it in GUP at submission.

struct ReadOutcome {
  bool mkwrite_in_bounce_copy = false;
  bool mkwrite_in_gup = false;
};

ReadOutcome read_to_the_end(ScenarioRun &r) {
  ReadOutcome o;
  auto on_stack = [&](Fn fn) {
    const model::Task &t = r.s.tasks[0];
    for (int i = 0; i < t.nframes; ++i)
      if (t.frames[i].fn == static_cast<uint8_t>(fn)) return true;
    return false;
  };
  for (int i = 0; i < 5000 && r.s.tasks[0].state != model::TaskState::Done; ++i) {
    const auto cs = r.choices();
    if (cs.empty()) break;
    const bool cpu1 = r.can_move(0);
    const bool copying = cpu1 && on_stack(Fn::iomap_dio_bounce_copy);
    const bool gup = cpu1 && on_stack(Fn::bio_iov_iter_get_pages);
    const StepOutcome out = r.step(cpu1 ? Choice{0, 0} : cs.front());
    if (reached(out, Fn::ext4_page_mkwrite)) {
      o.mkwrite_in_bounce_copy |= copying;
      o.mkwrite_in_gup |= gup;
    }
  }
  EXPECT_EQ(r.s.tasks[0].state, model::TaskState::Done);
  return o;
}

TEST(DioBounce, TheCopyToUserFaultsThroughPageMkwrite) {
  ScenarioRun r("dio_read_shared.toml", "dio-bounce");
  const ReadOutcome o = read_to_the_end(r);
  EXPECT_TRUE(o.mkwrite_in_bounce_copy);
  EXPECT_FALSE(o.mkwrite_in_gup);
  EXPECT_FALSE(r.ever_reached(Fn::get_user_pages_fast)) << "no GUP of the user page";
  EXPECT_FALSE(r.ever_reached(Fn::pin_user_pages_fast));
  EXPECT_FALSE(r.ever_reached(Fn::bio_set_pages_dirty)) << "kernel pages are not pre-dirtied";

  const model::Token file2 = model::initial_token(1, 0);
  EXPECT_EQ(r.var("n"), 4096);
  EXPECT_EQ(r.var("t"), file2);
  const int id = r.s.inodes[0].page[0];
  ASSERT_GE(id, 0);
  const model::Page &p = r.s.pages[id];
  EXPECT_EQ(p.data, file2);
  EXPECT_TRUE(p.flags & model::PG_dirty);
  EXPECT_TRUE(p.flags & model::PG_private);
  EXPECT_TRUE(p.bh.b_state & model::BH_Dirty);
  EXPECT_EQ(p.pins, 0);
  for (int i = 0; i < model::kMaxPages; ++i) // the bounce pages are freed
    EXPECT_FALSE(r.s.pages[i].in_use && r.s.pages[i].mapping == model::kNone) << "page #" << i;
  for (const model::Bio &b : r.s.bios)
    EXPECT_EQ(b.state, model::BioState::Free);
}

TEST(DioBounce, UpstreamFaultsTheUserPageInGupInstead) {
  ScenarioRun r("dio_read_shared.toml", "upstream");
  const ReadOutcome o = read_to_the_end(r);
  EXPECT_TRUE(o.mkwrite_in_gup);
  EXPECT_FALSE(o.mkwrite_in_bounce_copy);
  EXPECT_TRUE(r.ever_reached(Fn::pin_user_pages_fast));
  EXPECT_FALSE(r.ever_reached(Fn::iomap_dio_bounce_copy));
  EXPECT_EQ(r.var("t"), model::initial_token(1, 0));
}

// ---------------------------------------------------------------------------
// End to end.

std::set<std::string> kinds_found(const std::string &file, const std::string &vname) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_path(file));
  const trace::Result r = app::check(sc, variant(vname), {});
  EXPECT_NE(r.verdict, trace::Verdict::Bounded);
  std::set<std::string> kinds;
  for (const auto &v : r.violations)
    kinds.insert(v.kind);
  return kinds;
}

// Race 1 needs a reference reclaim cannot see: 6.1's FOLL_GET one still
// leads to a dirty page without buffers, upstream's pin does not.
TEST(EndToEnd, RaceOneOnSixOneButNotUpstream) {
  const auto v61 = kinds_found("dio_race1.toml", "v6.1");
  EXPECT_TRUE(v61.count("dirty-without-buffers")) << ::testing::PrintToString(v61);
  const auto up = kinds_found("dio_race1.toml", "upstream");
  EXPECT_FALSE(up.count("dirty-without-buffers")) << ::testing::PrintToString(up);
  EXPECT_TRUE(up.count("write-to-clean-page")) << "race 2 remains upstream";
}

// An asynchronous read into anonymous memory is clean on every DIO path,
// with kswapd and the flusher running (the file's [expect] table).
TEST(EndToEnd, AsyncReadIntoAnonymousMemoryIsClean) {
  const scenario::Scenario sc = scenario::load_scenario_file(data_path("dio_aio_anon.toml"));
  ASSERT_FALSE(sc.expect.empty());
  for (const auto &[vname, kinds] : sc.expect) {
    SCOPED_TRACE(vname);
    const trace::Result r = app::check(sc, variant(vname), {});
    EXPECT_EQ(r.verdict, trace::Verdict::Clean);
    EXPECT_TRUE(r.expectation.kinds_match);
    EXPECT_TRUE(r.expectation.unreached.empty())
        << ::testing::PrintToString(r.expectation.unreached);
  }
}

// Every execution of the small asynchronous read returns the whole read and
// leaves file2's data in the buffer, with nothing left behind.
TEST(EndToEnd, EveryAsyncReadDeliversTheData) {
  for (const char *vname : {"v4.15", "v6.1", "upstream", "dio-bounce"}) {
    SCOPED_TRACE(vname);
    ScenarioRun r("dio_aio_anon_small.toml", vname);
    const int n = r.var_index("n"), t = r.var_index("t");
    int terminals = 0;
    for_each_reachable(r.sys(), [&](const State &s, bool terminal) {
      if (!terminal) return;
      ++terminals;
      EXPECT_TRUE(r.sys().finished(s)) << "stuck: " << r.sys().describe_stuck(s);
      EXPECT_EQ(s.vars[n], 4096);
      EXPECT_EQ(s.vars[t], model::initial_token(1, 0));
      EXPECT_EQ(s.bio_dirty_list, 0);
      for (const model::Bio &b : s.bios)
        EXPECT_EQ(b.state, model::BioState::Free);
      for (const model::Page &p : s.pages)
        EXPECT_EQ(p.pins, 0);
    });
    EXPECT_GT(terminals, 0);
  }
}

// The durability gap as a reachable state: the reader has returned, the
// page it filled is neither dirty nor under writeback, and the disk does not
// hold its data. Reachable on the iomap kernels, not on 4.15's synchronous
// path; dio-bounce's copy goes through ->page_mkwrite, so it closes it too.
TEST(EndToEnd, DurabilityGapIsReachableExactlyOnTheIomapKernels) {
  for (const auto &[vname, expected] : std::vector<std::pair<const char *, bool>>{
           {"v4.15", false}, {"v6.1", true}, {"upstream", true}, {"dio-bounce", false}}) {
    SCOPED_TRACE(vname);
    ScenarioRun r("dio_gap.toml", vname);
    bool gap = false;
    for_each_reachable(r.sys(), [&](const State &s, bool) {
      if (s.tasks[0].state != model::TaskState::Done) return;
      const int id = s.inodes[0].page[0], block = s.inodes[0].block[0];
      if (id < 0 || block < 0) return;
      const model::Page &p = s.pages[id];
      if (!(p.flags & (model::PG_dirty | model::PG_writeback)) && s.disk[block] != p.data)
        gap = true;
    });
    EXPECT_EQ(gap, expected);
  }
}

// A second direct-I/O request while io_submit's is outstanding is a scenario
// error that names the call.
TEST(Aio, ASecondOutstandingRequestIsAScenarioError) {
  const std::string text = R"toml(
name = "two-aio"
description = "two outstanding requests"
[files]
file1 = { pages = 1 }
[[cpu]]
name = "CPU1"
run = ["buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)",
       "fd = open(file1, O_DIRECT | O_RDONLY)",
       "a = io_submit(fd, buf, 4096)",
       "b = io_submit(fd, buf, 4096)"]
)toml";
  const scenario::Scenario sc = scenario::parse_scenario(text, "two-aio.toml");
  try {
    app::check(sc, variant("v6.1"), {});
    FAIL() << "no error";
  } catch (const model::ScenarioRuntimeError &e) {
    EXPECT_NE(std::string(e.what()).find("io_submit()"), std::string::npos) << e.what();
    EXPECT_EQ(e.pos().line, 11) << "the second io_submit";
  }
}

// What the model cannot represent is a scenario error at the call, not a
// made-up result: a buffered read at an offset inside a page (Linux accepts
// any offset there), and, on the iomap kernels, a misaligned O_DIRECT read
// of a hole, which iomap_dio_hole_iter() zero-fills without an alignment
// check. 4.15 refuses the latter with -EINVAL before it looks at the blocks.
TEST(Misaligned, WhatTheModelCannotHoldIsAScenarioError) {
  const auto text = [](const char *open_flags) {
    return fmt::format(R"toml(
name = "misaligned"
description = "a request inside a page"
[files]
file1 = {{ pages = 1, hole = true }}
[[cpu]]
name = "CPU1"
run = ["buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)",
       "fd = open(file1, {})",
       "r = pread(fd, buf, 4096, 100)"]
)toml",
                       open_flags);
  };
  const auto error_of = [&](const char *open_flags, const char *vname) -> std::string {
    const scenario::Scenario sc = scenario::parse_scenario(text(open_flags), "misaligned.toml");
    try {
      app::check(sc, variant(vname), {});
    } catch (const model::ScenarioRuntimeError &e) {
      EXPECT_EQ(e.pos().line, 10) << "the pread";
      return e.what();
    }
    return {};
  };
  for (const char *vname : {"v4.15", "v6.1"})
    EXPECT_NE(error_of("O_RDONLY", vname).find("multiples of 4096"), std::string::npos) << vname;
  EXPECT_NE(error_of("O_DIRECT | O_RDONLY", "v6.1").find("iomap_dio_hole_iter"), std::string::npos);
  EXPECT_EQ(error_of("O_DIRECT | O_RDONLY", "v4.15"), "") << "-EINVAL, a result";
}

// CPU1 stores 'Z' in the second page of an 8192-byte buffer, reads 8192
// bytes of file1 (`pages` pages) into it with O_DIRECT, into `r` (pread,
// or io_submit and io_getevents), and loads the second page into `second`;
// `more` adds CPUs.
scenario::Scenario read_into_buffer(int pages, bool async, const std::string &more = "") {
  const std::string read = async ? R"x("io = io_submit(fd, buf, 8192, 0)", "r = io_getevents(io)")x"
                                 : R"x("r = pread(fd, buf, 8192, 0)")x";
  return scenario::parse_scenario(fmt::format(R"toml(
name = "dio-read-into-buffer"
description = "an O_DIRECT read of 8192 bytes"
[files]
file1 = {{ pages = {} }}
[[cpu]]
name = "CPU1"
run = ["buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 8192)",
       "s = store(buf + 4096, 'Z')",
       "fd = open(file1, O_DIRECT | O_RDONLY)",
       {},
       "second = load(buf + 4096)"]
{})toml",
                                              pages, read, more),
                                  "dio-read-into-buffer.toml");
}

// An aligned direct read races with a truncate to one page: the read
// samples i_size again under i_rwsem (do_blockdev_direct_IO(),
// __iomap_dio_rw()), so a truncate before the lock ends it after the first
// page. A whole read has the file's second page in the user's second page;
// one cut short does not: 4.15 leaves that page alone, iomap zero-fills it.
// Synchronous and asynchronous.
TEST(DirectRead, ATruncateBeforeTheLockShortensTheRead) {
  for (const bool async : {false, true}) {
    const char *call = async ? "io_submit" : "pread";
    const scenario::Scenario sc = read_into_buffer(
        2, async, "[[cpu]]\nname = \"CPU2\"\nrun = [\"t = truncate(file1, 4096)\"]\n");
    const int r = test_util::var_index(sc, "r"), second = test_util::var_index(sc, "second");
    ASSERT_GE(r, 0);
    ASSERT_GE(second, 0);
    constexpr int64_t kZ = 256 + 'Z', kFilePage1 = 2; // tokens (docs/MODEL.md §1.1)
    for (const char *vname : {"v4.15", "v6.1", "upstream"}) {
      const bool iomap = std::string(vname) != "v4.15";
      model::System sys(sc, variant(vname));
      std::set<int64_t> results;
      for_each_reachable(sys, [&](const State &s, bool) {
        if (s.tasks[0].state != model::TaskState::Done) return;
        results.insert(s.vars[r]);
        if (s.vars[r] == 4096) {
          EXPECT_EQ(s.vars[second], iomap ? 0 : kZ)
              << vname << " " << call << ": a short read, past the new end";
        }
        if (s.vars[r] == 8192) {
          EXPECT_EQ(s.vars[second], kFilePage1) << vname << " " << call << ": page 2 was read";
        }
      });
      EXPECT_EQ(results, (std::set<int64_t>{4096, 8192})) << vname << " " << call;
    }
  }
}

// A direct read longer than the file: iomap maps the rest as holes and
// zero-fills it into the user's buffer, then trims the result to the end of
// the file (iomap_dio_hole_iter(), iomap_dio_complete(); seen on Linux
// 6.18); 4.15 stops at the end and leaves the buffer alone.
TEST(DirectRead, PastTheEndIomapZeroesTheRestOfTheBuffer) {
  for (const bool async : {false, true}) {
    const char *call = async ? "io_submit" : "pread";
    const scenario::Scenario sc = read_into_buffer(1, async);
    const int r = test_util::var_index(sc, "r"), second = test_util::var_index(sc, "second");
    ASSERT_GE(r, 0);
    ASSERT_GE(second, 0);
    for (const char *vname : {"v4.15", "v6.1", "upstream", "dio-bounce"}) {
      const bool iomap = std::string(vname) != "v4.15";
      model::System sys(sc, variant(vname));
      int ends = 0;
      for_each_reachable(sys, [&](const State &s, bool terminal) {
        if (!terminal) return;
        ++ends;
        EXPECT_EQ(s.vars[r], 4096) << vname << " " << call << ": trimmed to the end of the file";
        EXPECT_EQ(s.vars[second], iomap ? 0 : 256 + 'Z') // tokens: docs/MODEL.md §1.1
            << vname << " " << call << (iomap ? ": zeroed past the end" : ": left alone");
      });
      EXPECT_GT(ends, 0) << vname << " " << call;
    }
  }
}

// Past the end into a shared mapping of another file: both kernels make
// the destination's second page writable and dirty through ->page_mkwrite,
// 4.15 by taking it with GUP before do_direct_IO() stops at the end
// (dio_refill_pages()), iomap by zero-filling it; only iomap changes it.
TEST(DirectRead, PastTheEndFaultsInTheSharedPagesPastIt) {
  const std::string text = R"toml(
name = "dio-past-end-shared"
description = "an O_DIRECT read longer than its file into a shared mapping of another"
[files]
file1 = { pages = 2 }
file2 = { pages = 1 }
[[cpu]]
name = "CPU1"
run = ["m = mmap(file1, MAP_SHARED)",
       "fd = open(file2, O_DIRECT | O_RDONLY)",
       "r = pread(fd, m, 8192, 0)"]
)toml";
  const scenario::Scenario sc = scenario::parse_scenario(text, "dio-past-end-shared.toml");
  const int r = test_util::var_index(sc, "r");
  ASSERT_GE(r, 0);
  constexpr int64_t kFile1Page1 = 2; // tokens: docs/MODEL.md §1.1
  for (const char *vname : {"v4.15", "v6.1", "upstream"}) {
    const bool iomap = std::string(vname) != "v4.15";
    model::System sys(sc, variant(vname));
    int ends = 0;
    bool dirty = false; // when the read returned: the final sync() cleans it later
    for_each_reachable(sys, [&](const State &s, bool) {
      if (s.tasks[0].state != model::TaskState::Done) return;
      ++ends;
      EXPECT_EQ(s.vars[r], 4096) << vname;
      const int page = s.inodes[0].page[1];
      ASSERT_GE(page, 0) << vname;
      dirty = dirty || (s.pages[page].flags & model::PG_dirty);
      EXPECT_EQ(s.pages[page].data, iomap ? 0 : kFile1Page1) << vname;
    });
    EXPECT_GT(ends, 0) << vname;
    EXPECT_TRUE(dirty) << vname << ": ->page_mkwrite dirtied it";
  }
}

// A read far longer than its file: 4.15 takes 64 pages a refill, the
// model's request holds 8, so it faults in the first 8 only; no variant
// stops at the model's capacity, and each returns the file's two pages.
TEST(DirectRead, FarPastTheEndFitsTheModel) {
  const scenario::Scenario sc = scenario::parse_scenario(R"toml(
name = "dio-far-past-end"
description = "an O_DIRECT read of 12 pages from a 2-page file"
[files]
file1 = { pages = 2 }
[[cpu]]
name = "CPU1"
run = ["buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 49152)",
       "fd = open(file1, O_DIRECT | O_RDONLY)",
       "r = pread(fd, buf, 49152, 0)"]
)toml",
                                                         "dio-far-past-end.toml");
  const int r = test_util::var_index(sc, "r");
  for (const char *vname : {"v4.15", "v6.1", "upstream"}) {
    model::System sys(sc, variant(vname));
    std::set<int64_t> results;
    for_each_reachable(sys, [&](const State &s, bool) {
      if (s.tasks[0].state == model::TaskState::Done) results.insert(s.vars[r]);
    });
    EXPECT_EQ(results, (std::set<int64_t>{8192})) << vname;
  }
}

// A truncate that ends the file before a misaligned iomap read takes
// i_rwsem: the read sees the new end under the lock and returns 0, as
// __iomap_dio_rw() does, instead of reaching what is now a hole. On every
// interleaving the result is -EINVAL (the page was there) or 0.
TEST(Misaligned, ATruncateBeforeTheLockEndsTheRead) {
  const std::string text = R"toml(
name = "misaligned-truncate"
description = "a misaligned O_DIRECT read races with a truncate"
[files]
file1 = { pages = 2 }
[[cpu]]
name = "CPU1"
run = ["buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, 4096)",
       "fd = open(file1, O_DIRECT | O_RDONLY)",
       "r = pread(fd, buf, 4096, 4196)"]
[[cpu]]
name = "CPU2"
run = ["t = truncate(file1, 4096)"]
)toml";
  const scenario::Scenario sc = scenario::parse_scenario(text, "misaligned-truncate.toml");
  for (const char *vname : {"v4.15", "v6.1", "upstream"}) {
    model::System sys(sc, variant(vname));
    std::set<int64_t> results;
    for_each_reachable(sys, [&](const State &s, bool) {
      if (s.tasks[0].state == model::TaskState::Done) results.insert(s.vars[2]);
    });
    const std::set<int64_t> want = std::string(vname) == "v4.15"
                                       ? std::set<int64_t>{-model::kEINVAL}
                                       : std::set<int64_t>{0, -model::kEINVAL};
    EXPECT_EQ(results, want) << vname;
  }
}

} // namespace
