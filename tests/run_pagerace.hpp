// Running the pagerace binary (PAGERACE_BINARY) from tests, with scratch
// directories for its output.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
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

// Whether process `pid` catches SIGINT (/proc/PID/status, SigCgt).
inline bool catches_sigint(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SigCgt:", 0) == 0) {
      std::istringstream hex(line.substr(7));
      unsigned long long mask = 0;
      hex >> std::hex >> mask;
      return (mask >> (SIGINT - 1)) & 1;
    }
  return false;
}

// Starts `pagerace ARGS...` in the background, stdout and stderr to the
// files `out` and `err`, stdin from /dev/null, with TMPDIR set to `tmpdir`
// unless it is empty. The caller waits for it.
inline pid_t spawn_pagerace(const std::vector<std::string> &args, const fs::path &out,
                            const fs::path &err, const fs::path &tmpdir = {}) {
  const pid_t pid = fork();
  if (pid == 0) { // no <fcntl.h>: its O_DIRECT macro would hide flags::O_DIRECT
    if (!tmpdir.empty()) setenv("TMPDIR", tmpdir.c_str(), 1);
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr) ||
        !std::freopen("/dev/null", "r", stdin))
      _exit(126);
    std::vector<char *> argv{const_cast<char *>(PAGERACE_BINARY)};
    for (const auto &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(PAGERACE_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// Runs `pagerace ARGS...` like pagerace(), and sends it one SIGINT `after`
// it has installed its SIGINT handler.
inline Outcome pagerace_interrupted(const std::vector<std::string> &args,
                                    std::chrono::milliseconds after) {
  ScratchDir dir;
  const fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  const pid_t pid = spawn_pagerace(args, out, err);
  int status = 0;
  bool sent = false;
  auto caught_at = std::chrono::steady_clock::time_point::max();
  while (waitpid(pid, &status, WNOHANG) != pid) {
    const auto now = std::chrono::steady_clock::now();
    if (caught_at == std::chrono::steady_clock::time_point::max() && catches_sigint(pid))
      caught_at = now;
    if (!sent && caught_at != std::chrono::steady_clock::time_point::max() &&
        now - caught_at >= after) {
      kill(pid, SIGINT);
      sent = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Outcome r;
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  return r;
}

inline std::string show(const Outcome &r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout (first 2000 bytes):\n" +
         r.out.substr(0, 2000) + "\n--- stderr:\n" + r.err;
}

} // namespace testutil
