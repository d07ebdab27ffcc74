// The scaling family, built in and generated rather than shipped as files:
// the seed's race grown in pages and in readers, and mixes with mmap stores
// and buffered writes. They have no [expect] tables: they measure the
// explorer (docs/PERFORMANCE.md, `pagerace bench`) more than they pin a result.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pagerace::scenario {

// scale-P-D: P pages of a MAP_SHARED mapping of file1, D CPUs each doing an
// O_DIRECT read of file2 into all of it, one CPU running writeback() and one
// running kswapd(); P and D in 1..4.
// scale-store-P: one O_DIRECT reader of P pages, one CPU storing to each
// page of the mapping, writeback() and kswapd().
// scale-write-P: one O_DIRECT reader of P pages, one CPU writing file1 with
// write(2) from an anonymous buffer, writeback() and kswapd().
std::optional<std::string> scale_scenario_text(const std::string &name);

// Every name of the family, in order.
std::vector<std::string> scale_scenario_names();

} // namespace pagerace::scenario
