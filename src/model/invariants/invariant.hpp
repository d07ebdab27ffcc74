// Invariants that filesystems rely on. Each lives in its own file and hooks
// the few places where the model changes what it guards; the registry gives
// each its kind number (the bit in StepOutcome::violations).
#pragma once

#include "model/include/state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pagerace::model {

class Ctx;

// Safety: something bad happened at a point of an execution (a trace ends at
// the step that broke it). Liveness: an execution cannot make progress (a
// final or repeated state shows it). Reports keep the two apart, and scenarios
// expect them in separate tables ([expect] and [expect.liveness]).
enum class Category : uint8_t { Safety, Liveness };

struct Invariant {
  const char *kind;
  const char *summary;
  Category category = Category::Safety;
  // PG_dirty was newly set on `page` at `site`.
  void (*page_dirtied)(Ctx &, int page, const char *site) = nullptr;
  // The contents of `page` are about to change from page.data to `data` by a
  // write that is neither a read-in nor anonymous memory.
  void (*content_write)(Ctx &, int page, Token data, const char *site) = nullptr;
  // After the final sync, with the device idle.
  void (*at_end)(Ctx &) = nullptr;
  // Reclaim kept `page` because of a pin or reference test.
  void (*reclaim_kept)(Ctx &, int page) = nullptr;
  // fsync/fdatasync/msync(MS_SYNC)/sync on inode `ino`, begun when
  // State::clock was `since`, returns.
  void (*synced)(Ctx &, int ino, uint16_t since, const char *site) = nullptr;
};

const std::vector<const Invariant *> &all_invariants();
int invariant_index(const std::string &kind);             // -1 if unknown
const Invariant *find_invariant(const std::string &kind); // nullptr if unknown
int deadlock_kind();                                      // the liveness kind the engine reports

// Hooks the kernel paths call.
void check_page_dirtied(Ctx &k, int page, const char *site);
void check_content_write(Ctx &k, int page, Token data, const char *site);
void check_at_end(Ctx &k);
void check_reclaim_kept(Ctx &k, int page);
void check_synced(Ctx &k, int ino, uint16_t since, const char *site);

} // namespace pagerace::model
