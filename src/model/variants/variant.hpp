// A kernel variant: the one place where kernels differ. Shared paths live once
// in model/; a variant only sets the switches below. Adding a variant is one
// new file in variants/ plus one line in variants/registry.cpp.
#pragma once

#include <string>
#include <vector>

namespace pagerace::model {

// What ext4 writeback does with a dirty page that has no buffers.
enum class NoBuffersInWriteback {
  Bug,          // 4.15: BUG_ON(!PagePrivate) in page_buffers()
  WarnClearSkip // >= 5.18 (cc5095747edf): warn, clear PG_dirty, skip the page
};

struct Variant {
  const char *name;
  const char *summary;  // one paragraph
  const char *sources;  // kernel versions, commits and mails it comes from
  const char *dio_path; // "fs/direct-io.c" or "iomap"
  const char *gup_kind; // "FOLL_GET" or "FOLL_PIN"
  NoBuffersInWriteback ext4_no_buffers = NoBuffersInWriteback::Bug;
};

const std::vector<const Variant *> &all_variants();
const Variant *find_variant(const std::string &name); // nullptr if unknown
const Variant &default_variant();

} // namespace pagerace::model
