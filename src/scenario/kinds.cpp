#include "scenario/kinds.hpp"

#include <algorithm>

namespace pagerace::scenario {

const std::vector<std::string> &safety_kinds() {
  static const std::vector<std::string> kinds = {"dirty-without-buffers", "write-to-clean-page",
                                                 "write-under-writeback", "lost-write",
                                                 "fsync-gap"};
  return kinds;
}

const std::vector<std::string> &liveness_kinds() {
  static const std::vector<std::string> kinds = {"deadlock", "writeback-stall",
                                                 "no-reclaim-progress"};
  return kinds;
}

namespace {

bool contains(const std::vector<std::string> &list, std::string_view kind) {
  return std::find(list.begin(), list.end(), kind) != list.end();
}

} // namespace

bool is_safety_kind(std::string_view kind) {
  return contains(safety_kinds(), kind);
}

bool is_liveness_kind(std::string_view kind) {
  return contains(liveness_kinds(), kind);
}

} // namespace pagerace::scenario
