// Identifiers of the modelled kernel functions (see functions.def).
#pragma once

#include <cstdint>

namespace pagerace::model {

enum class Fn : uint8_t {
#define X(name, file, shown) name,
#include "model/kernel/functions.def"
#undef X
  Count
};

inline constexpr int kFnCount = static_cast<int>(Fn::Count);

const char *fn_name(Fn fn);
const char *fn_file(Fn fn);
bool fn_shown(Fn fn);

} // namespace pagerace::model
