#include "model/kernel/fn.hpp"

namespace pagerace::model {
namespace {
struct FnInfo {
  const char *name;
  const char *file;
  bool shown;
};
constexpr FnInfo kFns[] = {
#define X(name, file, shown) {#name, file, shown != 0},
#include "model/kernel/functions.def"
#undef X
};
static_assert(sizeof(kFns) / sizeof(kFns[0]) == kFnCount);
static_assert(kFnCount <= 256, "the reached set is 256 bits");
} // namespace

const char *fn_name(Fn fn) {
  return kFns[static_cast<int>(fn)].name;
}
const char *fn_file(Fn fn) {
  return kFns[static_cast<int>(fn)].file;
}
bool fn_shown(Fn fn) {
  return kFns[static_cast<int>(fn)].shown;
}

} // namespace pagerace::model
