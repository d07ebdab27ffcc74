// Decisions drawn from a fuzzer's input bytes. A hand-written stand-in for
// libFuzzer's FuzzedDataProvider, because the replay test is built with GCC,
// where that header is not on the include path. Exhausted input reads as
// zeroes, so every input, however short, decodes to something.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pagerace::fuzz {

class ByteSource {
public:
  ByteSource(const uint8_t *data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  // A value in [0, n), n >= 1, from one byte (two when n > 256).
  uint32_t below(uint32_t n) {
    if (n <= 1) return 0;
    uint32_t v = next();
    if (n > 256) v = v << 8 | next();
    return v % n;
  }
  bool coin() { return below(2) != 0; }

private:
  uint32_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  const uint8_t *data_;
  size_t size_;
  size_t pos_ = 0;
};

} // namespace pagerace::fuzz
