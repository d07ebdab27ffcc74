// fsync (4.15 fs/ext4/fsync.c). The jbd2 commit and the cache flush are omitted.
#include "model/kernel/paths.hpp"

namespace pagerace::model {

// 4.15 fs/ext4/fsync.c: ext4_sync_file() -> file_write_and_wait_range(). a0 ino
Flow ext4_sync_file(Ctx &k, Frame &f) {
  switch (f.pc) {
  case 0: return k.call(f, 1, Fn::filemap_write_and_wait_range, f.a[0]);
  case 1: return k.ret(k.retval());
  }
  k.model_error("ext4_sync_file: bad pc");
}

} // namespace pagerace::model
