// Running the pagerace binary (PAGERACE_BINARY) from tests, with scratch
// directories for its output.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace testutil {

namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
class ScratchDir {
public:
  ScratchDir() {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            ("pagerace-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  const fs::path &path() const { return path_; }

private:
  fs::path path_;
};

inline std::string read_bytes(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path &p, const std::string &bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// Single-quotes an argument for /bin/sh.
inline std::string sh_quote(const std::string &s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Outcome {
  int code = -1; // exit status, or -1 if the process did not exit normally
  std::string out, err;
};

// Runs `pagerace ARGS...` with stdout and stderr captured.
inline Outcome pagerace(const std::vector<std::string> &args) {
  ScratchDir dir;
  const fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  std::string cmd = sh_quote(PAGERACE_BINARY);
  for (const auto &a : args)
    cmd += " " + sh_quote(a);
  cmd += " >" + sh_quote(out.string()) + " 2>" + sh_quote(err.string()) + " </dev/null";
  const int status = std::system(cmd.c_str());
  Outcome r;
  if (status != -1 && WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  return r;
}

inline std::string show(const Outcome &r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout (first 2000 bytes):\n" +
         r.out.substr(0, 2000) + "\n--- stderr:\n" + r.err;
}

} // namespace testutil
