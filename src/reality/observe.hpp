// What a probe run saw (its PAGERACE-* lines, from the host's pipe or a
// serial console full of kernel messages), and how that compares with the
// model's verdict on the same translated scenario.
#pragma once

#include "scenario/ast.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pagerace::reality {

struct Observation {
  bool complete = false; // a PAGERACE-RESULT line was found
  std::string kernel;    // uname -r of the kernel that ran the probe
  double seconds = 0;
  uint64_t iterations = 0, dio_reads = 0, windows = 0, race1_windows = 0;
  uint64_t late_iters = 0, late_pages = 0, lost_iters = 0, lost_pages = 0;
  uint64_t clean_at_return = 0, wb_at_return = 0; // pages, at the return of a read into them
  uint64_t nobuf = 0, warnings = 0, oopses = 0, errors = 0;
  bool kmsg = false, kpageflags = false; // what the probe could read
  bool disk_from_device = false;         // the disk was read through FIEMAP and the block device
  std::vector<std::string> kmsg_lines;   // matched kernel log records, "iter=N text"
  std::vector<std::string> probe_errors; // PAGERACE-ERROR lines
  // PAGERACE-CALL lines: what the tasks' calls returned, by the variable
  // each assigns: value -> times.
  std::map<int, std::map<int64_t, uint64_t>> call_results;
};

// Never throws: unknown keys and noise are ignored, `complete` says whether
// the run finished.
Observation parse_probe_output(std::string_view text);

enum class Agreement : uint8_t {
  AgreesSeen,       // seen, and the model reaches it
  AgreesNotSeen,    // not seen, and the model proves it unreachable
  NotSeenReachable, // not seen, the model reaches it: a statistical miss
  Disagrees,        // seen, the model proves it unreachable: a finding
  SeenModelBounded, // seen; the model's search was bounded and did not reach it
  NotSeenBounded,   // not seen; the model's search was bounded and did not reach it
  NotObservable,    // the probe could not look (no /dev/kmsg, no kpageflags)
  NotComparable,    // the model's invariant presumes what the real run lacks
  NoModel,          // the run used a filesystem the model does not have
};

struct Comparison {
  std::string invariant; // the model's kind
  std::string observed;  // what the real kernel showed, in words
  bool seen = false;
  bool model_reaches = false;
  Agreement agreement{};
};

// Observations mapped to invariants: lost -> lost-write, late -> fsync-gap,
// the no-buffers warning -> dirty-without-buffers, pages clean when the read
// into them returned -> write-to-clean-page; pages under writeback then are
// reported beside write-under-writeback, which the model checks only on
// devices that require stable pages.
std::vector<Comparison> compare(const Observation &o, const std::set<std::string> &model_kinds,
                                bool model_exhaustive);

std::string agreement_text(Agreement a);

// A call's results on the real kernel against those the model reaches.
struct CallComparison {
  std::string cpu, call;                          // the translated scenario's
  std::vector<std::pair<int64_t, uint64_t>> real; // value, times
  std::vector<int64_t> model;                     // every value in the explored end states
  Agreement agreement{};                          // AgreesSeen, Disagrees or SeenModelBounded
};

// Every call of `sc` (the translated scenario) that assigns an integer
// variable (a count or -errno) or an aio handle (compared as 1 when the
// request was submitted, as its -errno when not), and that the probe saw
// return: each real result must be one the model reaches. Addresses,
// descriptors, tokens and pins differ between a real run and the model.
// `model_values`: variable -> the values it holds in the model's end states.
std::vector<CallComparison> compare_calls(const Observation &o, const scenario::Scenario &sc,
                                          const std::map<int, std::set<int64_t>> &model_values,
                                          bool model_exhaustive);

} // namespace pagerace::reality
