// System::check_consistency(), the model's CONFIG_DEBUG_VM: every state that
// random walks reach in every built-in scenario under every kernel variant
// passes it, and a state with one field broken fails it, naming the rule.
// The same walks check that every step's access set holds every object the
// step changed: the footprints of partial-order reduction and the
// components the BFS compares rest on it.
#include "engine/schedule.hpp"
#include "model/kernel/objects.hpp"
#include "model/system.hpp"
#include "model/variants/variant.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace pagerace;
using model::Choice;
using model::State;

#ifdef PAGERACE_SANITIZED
constexpr int kWalks = 150; // per built-in scenario and variant
#else
constexpr int kWalks = 600;
#endif
constexpr int kMaxSteps = 3000; // a walk this long is cut, not failed

std::string schedule_text(const std::vector<Choice> &choices) {
  engine::Schedule s;
  for (const Choice &c : choices)
    s.push_back(engine::Step{c.actor, c.alt});
  return engine::format_schedule(s);
}

struct WalkResult {
  std::string failure;  // empty: every state was consistent
  std::string schedule; // of the failure
  bool refused = false; // the scenario asked something of this variant it does not model
};

// One random walk from the initial state: uniform among the enabled choices
// until none is left or the state is finished.
void walk_from(const model::System &sys, std::mt19937 &rng, State s, std::vector<Choice> &taken,
               std::vector<Choice> &choices, WalkResult &r) {
  auto consistent = [&] {
    const std::string msg = sys.check_consistency(s);
    if (msg.empty()) return true;
    r.schedule = schedule_text(taken);
    r.failure =
        "after " + std::to_string(taken.size()) + " steps (schedule " + r.schedule + "): " + msg;
    return false;
  };
  if (!consistent()) return;
  for (int step = 0; step < kMaxSteps && !sys.finished(s); ++step) {
    sys.enabled(s, choices);
    if (choices.empty()) return;
    const Choice c = choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)];
    taken.push_back(c);
    const State before = s;
    const model::StepOutcome out = sys.step(s, c);
    const model::obj::Set changed = model::obj::changed(before, s, model::obj::all());
    for (int o = 0; o < model::obj::Count; ++o)
      if (model::obj::has(changed, o) && !model::obj::has(out.access, o)) {
        r.schedule = schedule_text(taken);
        r.failure = "step " + std::to_string(taken.size()) + " (schedule " + r.schedule +
                    ") changed footprint object " + std::to_string(o) +
                    " but did not report accessing it";
        return;
      }
    if (!consistent()) return;
  }
}

// A walk that throws ScenarioRuntimeError (a scenario the model cannot run
// under this schedule, e.g. a second asynchronous request) is refused.
WalkResult walk(const model::System &sys, std::mt19937 &rng) {
  WalkResult r;
  std::vector<Choice> taken, choices;
  try {
    walk_from(sys, rng, sys.initial(), taken, choices, r);
  } catch (const model::ScenarioRuntimeError &) {
    r.refused = true;
  }
  return r;
}

// Random walks of `sc` under every variant that can run it; `walks` each. Returns
// the walks done, and fails the test at the first inconsistent state. `label`
// is what `pagerace replay` takes: a built-in's name or a scenario file.
int check_walks(const std::string &label, const scenario::Scenario &sc, int walks) {
  int done = 0;
  for (const model::Variant *v : model::all_variants()) {
    std::optional<model::System> sys;
    try {
      sys.emplace(sc, *v);
    } catch (const model::ScenarioRuntimeError &) {
      continue; // a call this variant's kernel does not have
    }
    std::mt19937 rng(12345);
    for (int w = 0; w < walks; ++w) {
      const WalkResult r = walk(*sys, rng);
      if (r.refused) continue; // e.g. a length the model cannot represent
      EXPECT_TRUE(r.failure.empty())
          << "scenario " << label << ", variant " << v->name << ", walk " << w << ": " << r.failure
          << "\n(the trace: pagerace replay " << label << " --kernel " << v->name << " --schedule '"
          << r.schedule << "')";
      if (!r.failure.empty()) return done;
      ++done;
    }
  }
  return done;
}

void report_time(std::chrono::steady_clock::time_point start, int walks) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::printf("[          ] %d walks in %lld ms\n", walks, static_cast<long long>(ms));
}

TEST(Consistency, EveryStateOfRandomWalksOfEveryBuiltinScenarioAndVariant) {
  const auto start = std::chrono::steady_clock::now();
  const auto names = scenario::builtin_scenario_names();
  ASSERT_FALSE(names.empty());
  int walks = 0;
  for (const std::string &name : names) {
    walks += check_walks(name, scenario::load_scenario(name), kWalks);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(walks, 0);
  report_time(start, walks);
}

// The test scenarios reach paths no built-in does (madvise, fadvise,
// sync_file_range, more truncation); fewer walks each.
TEST(Consistency, EveryStateOfRandomWalksOfTheTestScenarios) {
  const auto start = std::chrono::steady_clock::now();
  int walks = 0;
  for (const auto &entry :
       std::filesystem::directory_iterator(std::string(PAGERACE_SOURCE_DIR) + "/tests/data")) {
    if (entry.path().extension() != ".toml") continue;
    std::optional<scenario::Scenario> sc;
    try {
      sc = scenario::load_scenario(entry.path().string());
    } catch (const scenario::ParseError &) {
      continue; // the parser's own error cases
    }
    walks += check_walks(entry.path().string(), *sc, kWalks / 4);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(walks, 0);
  report_time(start, walks);
}

// ---- each rule can fail ----

class ConsistencyCorruption : public ::testing::Test {
protected:
  // A consistent state of `name` under `variant` after random steps that
  // satisfies `want`, or nullopt.
  std::optional<State> reach(const std::string &name, const std::string &variant,
                             const std::function<bool(const State &)> &want) {
    sc_ = scenario::load_scenario(name);
    const model::Variant *v = model::find_variant(variant);
    if (!v) return std::nullopt;
    sys_.emplace(sc_, *v);
    std::mt19937 rng(7);
    std::vector<Choice> choices;
    for (int w = 0; w < 200; ++w) {
      State s = sys_->initial();
      for (int step = 0; step < kMaxSteps; ++step) {
        if (want(s)) {
          EXPECT_EQ(sys_->check_consistency(s), "");
          return s;
        }
        sys_->enabled(s, choices);
        if (choices.empty()) break;
        sys_->step(s, choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)]);
      }
    }
    return std::nullopt;
  }

  // The message for `s`: not empty, and containing every one of `parts`.
  void expect_broken(const State &s, std::initializer_list<std::string> parts) {
    const std::string msg = sys_->check_consistency(s);
    ASSERT_FALSE(msg.empty()) << "the corrupted state passes";
    for (const std::string &part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "message \"" << msg << "\" lacks " << part;
  }

  static int find_page(const State &s, const std::function<bool(const model::Page &)> &pred) {
    for (int id = 0; id < model::kMaxPages; ++id)
      if (s.pages[id].in_use && pred(s.pages[id])) return id;
    return -1;
  }
  static int free_page(const State &s) {
    for (int id = 0; id < model::kMaxPages; ++id)
      if (!s.pages[id].in_use) return id;
    return -1;
  }
  static int mapped_vpage(const State &s) {
    for (int vp = 0; vp < model::kMaxVpages; ++vp)
      if ((s.mm.pte[vp].bits & model::PTE_P) && s.mm.pte[vp].page >= 0) return vp;
    return -1;
  }

  scenario::Scenario sc_;
  std::optional<model::System> sys_;
};

TEST_F(ConsistencyCorruption, NegativeRefcount) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  const int id = find_page(*s, [](const model::Page &p) { return p.mapping >= 0; });
  ASSERT_GE(id, 0);
  s->pages[id]._refcount = -1;
  expect_broken(*s, {"refcount:", "page #" + std::to_string(id), "< 0"});
}

TEST_F(ConsistencyCorruption, RefcountBelowItsHolders) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return mapped_vpage(st) >= 0; });
  ASSERT_TRUE(s);
  const int id = s->mm.pte[mapped_vpage(*s)].page;
  s->pages[id]._refcount = 1; // the page cache, the buffers and the PTE hold one each
  expect_broken(*s, {"refcount:", "page #" + std::to_string(id), "PTEs 1"});
}

// Between system calls no frame holds a reference (the end task, asleep in
// final_sync() itself, holds none), so every reference must have a holder
// State records: one more is a leak. Checked in the middle of a run.
TEST_F(ConsistencyCorruption, RefcountAboveItsHoldersWithNoTaskInTheKernel) {
  auto quiet = [this](const State &st) {
    if (mapped_vpage(st) < 0 || st.tasks[0].state == model::TaskState::Done) return false;
    const int end = static_cast<int>(sc_.cpus.size());
    for (int t = 0; t < model::kMaxTasks; ++t)
      if (st.tasks[t].nframes > (t == end ? 1 : 0)) return false;
    return true;
  };
  // CPU1 stores through its mapping, then opens and writes.
  auto s = reach("benign-dio-write-from-mapped", "v4.15", quiet);
  ASSERT_TRUE(s);
  const int id = s->mm.pte[mapped_vpage(*s)].page;
  ++s->pages[id]._refcount;
  expect_broken(*s, {"refcount:", "page #" + std::to_string(id), "leaked"});
}

TEST_F(ConsistencyCorruption, PageCacheSlotPointsToAFreePage) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  const int free = free_page(*s);
  ASSERT_GE(free, 0);
  ASSERT_EQ(s->inodes[0].page[1], model::kNone);
  s->inodes[0].page[1] = static_cast<int8_t>(free);
  expect_broken(*s, {"page-cache:", "file1", "page #" + std::to_string(free), "free"});
}

TEST_F(ConsistencyCorruption, PageLeftInPageCacheWithoutItsSlot) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  const int id = s->inodes[1].page[0];
  ASSERT_GE(id, 0);
  s->inodes[1].page[0] = model::kNone; // as if deleted without clearing page->mapping
  expect_broken(*s, {"page-cache:", "page #" + std::to_string(id), "not in the page cache"});
}

TEST_F(ConsistencyCorruption, LruPageOnNoList) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return st.lru_len[0] > 0; });
  ASSERT_TRUE(s);
  const int id = s->lru[0][0];
  for (int i = 0; i + 1 < s->lru_len[0]; ++i) // off the list, PG_lru kept
    s->lru[0][i] = s->lru[0][i + 1];
  s->lru[0][--s->lru_len[0]] = 0;
  expect_broken(*s, {"lru:", "page #" + std::to_string(id), "PG_lru but is on no LRU list"});
}

TEST_F(ConsistencyCorruption, PageCachePageOffTheLruAndNotIsolated) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return st.lru_len[0] > 0; });
  ASSERT_TRUE(s);
  const int id = s->lru[0][0];
  for (int i = 0; i + 1 < s->lru_len[0]; ++i)
    s->lru[0][i] = s->lru[0][i + 1];
  s->lru[0][--s->lru_len[0]] = 0;
  s->pages[id].flags &= uint16_t(~model::PG_lru); // lost: nobody isolated it
  expect_broken(*s, {"lru:", "page #" + std::to_string(id), "nor isolated"});
}

TEST_F(ConsistencyCorruption, PresentPteToAFreePage) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return mapped_vpage(st) >= 0; });
  ASSERT_TRUE(s);
  const int vp = mapped_vpage(*s), free = free_page(*s);
  ASSERT_GE(free, 0);
  s->mm.pte[vp].page = static_cast<int8_t>(free);
  expect_broken(*s, {"pte:", "PTE " + std::to_string(vp), "page #" + std::to_string(free)});
}

TEST_F(ConsistencyCorruption, MapcountDisagreesWithThePtes) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return mapped_vpage(st) >= 0; });
  ASSERT_TRUE(s);
  const int id = s->mm.pte[mapped_vpage(*s)].page;
  ++s->pages[id]._mapcount;
  ++s->pages[id]._refcount; // keep the reference bound satisfied
  expect_broken(*s, {"mapcount:", "page #" + std::to_string(id), "_mapcount 2"});
}

TEST_F(ConsistencyCorruption, BuffersOnAnAnonymousPage) {
  auto s = reach("benign-dio-read-anon", "v4.15", [](const State &st) {
    return find_page(st, [](const model::Page &p) { return p.mapping == model::kAnon; }) >= 0;
  });
  ASSERT_TRUE(s);
  const int id = find_page(*s, [](const model::Page &p) { return p.mapping == model::kAnon; });
  s->pages[id].flags |= model::PG_private;
  ++s->pages[id]._refcount; // the buffers' reference
  expect_broken(*s, {"buffers:", "page #" + std::to_string(id), "not a page-cache page"});
}

TEST_F(ConsistencyCorruption, WritebackWithoutABio) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  const int id = s->inodes[0].page[0];
  ASSERT_GE(id, 0);
  s->pages[id].flags |= model::PG_writeback;
  s->pages[id].tags |= model::TAG_WRITEBACK;
  expect_broken(*s, {"writeback:", "page #" + std::to_string(id), "0 writeback bios"});
}

TEST_F(ConsistencyCorruption, FreePageNotZeroed) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  const int free = free_page(*s);
  ASSERT_GE(free, 0);
  s->pages[free].mapping = 0;
  s->pages[free].flags = model::PG_uptodate;
  expect_broken(*s, {"free-page:", "page #" + std::to_string(free), "flags"});
}

TEST_F(ConsistencyCorruption, InFlightBioWithAFreePage) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) {
    for (const model::Bio &b : st.bios)
      if (b.state == model::BioState::InFlight) return true;
    return false;
  });
  ASSERT_TRUE(s);
  int b = 0;
  while (s->bios[b].state != model::BioState::InFlight)
    ++b;
  const int free = free_page(*s);
  ASSERT_GE(free, 0);
  s->bios[b].page[0] = static_cast<int8_t>(free);
  expect_broken(
      *s, {"bio:", "bio #" + std::to_string(b), "in flight", "page #" + std::to_string(free)});
}

TEST_F(ConsistencyCorruption, TaskFramesBeyondMaxFrames) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  s->tasks[0].nframes = model::kMaxFrames + 1;
  expect_broken(*s, {"frames:", "task 0", "kMaxFrames"});
}

TEST_F(ConsistencyCorruption, DoneTaskWithFrames) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) {
    return st.tasks[0].state == model::TaskState::Running && st.tasks[0].nframes > 0;
  });
  ASSERT_TRUE(s);
  s->tasks[0].state = model::TaskState::Done;
  expect_broken(*s, {"task-state:", "task 0", "done with"});
}

TEST_F(ConsistencyCorruption, FdToAnUnknownInode) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  s->fds[5] = model::OpenFile{3, model::kFileRead, 0}; // the scenario has two files
  expect_broken(*s, {"fd:", "fd 5", "inode 3"});
}

TEST_F(ConsistencyCorruption, VariableBitBeyondKMaxVars) {
  auto s = reach("seed-race1", "v4.15", [](const State &) { return true; });
  ASSERT_TRUE(s);
  s->vars_set |= 1u << model::kMaxVars;
  expect_broken(*s, {"vars:", "beyond kMaxVars"});
}

TEST_F(ConsistencyCorruption, WritablePteInAReadOnlyVma) {
  auto s = reach("seed-race1", "v4.15", [](const State &st) { return mapped_vpage(st) >= 0; });
  ASSERT_TRUE(s);
  const int vp = mapped_vpage(*s);
  for (model::Vma &v : s->mm.vma)
    if (v.npages && vp >= v.start && vp < v.start + v.npages)
      v.vm_flags &= uint8_t(~model::VM_WRITE);
  s->mm.pte[vp].bits |= model::PTE_W;
  expect_broken(*s, {"pte:", "PTE " + std::to_string(vp), "without VM_WRITE"});
}

} // namespace
