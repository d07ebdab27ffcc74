// The list of invariants, one line each; the position is the kind number.
#include "model/invariants/invariant.hpp"
#include "model/kernel/ctx.hpp"

namespace pagerace::model {

extern const Invariant kFsyncGap;
extern const Invariant kDirtyWithoutBuffers, kWriteToCleanPage, kWriteUnderWriteback, kLostWrite,
    kDeadlock, kWritebackStall, kNoReclaimProgress;

const std::vector<const Invariant *> &all_invariants() {
  static const std::vector<const Invariant *> v = {
      &kDirtyWithoutBuffers, &kWriteToCleanPage, &kWriteUnderWriteback,
      &kLostWrite,           &kDeadlock,         &kWritebackStall,
      &kNoReclaimProgress,   &kFsyncGap,
  };
  return v;
}

int invariant_index(const std::string &kind) {
  const auto &v = all_invariants();
  for (size_t i = 0; i < v.size(); ++i)
    if (kind == v[i]->kind) return static_cast<int>(i);
  return -1;
}

const Invariant *find_invariant(const std::string &kind) {
  const int i = invariant_index(kind);
  return i < 0 ? nullptr : all_invariants()[static_cast<size_t>(i)];
}

int deadlock_kind() {
  return invariant_index("deadlock");
}

void check_page_dirtied(Ctx &k, int page, const char *site) {
  for (const Invariant *inv : all_invariants())
    if (inv->page_dirtied) inv->page_dirtied(k, page, site);
}

// Content invariants apply to uptodate page-cache pages of files, below i_size.
void check_content_write(Ctx &k, int page, Token data, const char *site) {
  const Page &p = k.page(page);
  if (p.mapping < 0 || !(p.flags & PG_uptodate) || p.index >= k.inode(p.mapping).i_size) return;
  for (const Invariant *inv : all_invariants())
    if (inv->content_write) inv->content_write(k, page, data, site);
}

void check_reclaim_kept(Ctx &k, int page) {
  for (const Invariant *inv : all_invariants())
    if (inv->reclaim_kept) inv->reclaim_kept(k, page);
}

void check_synced(Ctx &k, int ino, uint16_t since, const char *site) {
  for (const Invariant *inv : all_invariants())
    if (inv->synced) inv->synced(k, ino, since, site);
}

void check_at_end(Ctx &k) {
  for (const Invariant *inv : all_invariants())
    if (inv->at_end) inv->at_end(k);
}

} // namespace pagerace::model
