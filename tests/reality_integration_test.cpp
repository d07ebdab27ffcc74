// `pagerace reproduce` end to end, on real kernels: this host (root only:
// loop devices and mounts), and one Debian kernel under QEMU/TCG. Only robust
// facts are checked (the run completes, what it made is torn down, SIGINT
// ends it cleanly, 6.1 shows race 1 within its budget); rates are
// measurements and never pass or fail a test. A test that cannot run here
// (not root, no QEMU, no network for the kernel package) is skipped and says
// why.
#include "run_pagerace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testutil::read_bytes;
using testutil::ScratchDir;

struct Spawned {
  int code = -1;
  std::string out, err;
};

// Runs pagerace with TMPDIR pointing into `tmp`, so that everything the
// reproducer makes is under a directory this test owns. With
// `interrupt_after_stderr` non-empty, SIGINT is sent once stderr contains it.
Spawned run(const std::vector<std::string> &args, const fs::path &tmp,
            const std::string &interrupt_after_stderr = "") {
  ScratchDir io;
  const fs::path out = io.path() / "stdout", err = io.path() / "stderr";
  const pid_t pid = testutil::spawn_pagerace(args, out, err, tmp);
  Spawned r;
  bool sent = interrupt_after_stderr.empty();
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (!sent && read_bytes(err).find(interrupt_after_stderr) != std::string::npos) {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      kill(pid, SIGINT);
      sent = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  return r;
}

std::string show(const Spawned &r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout:\n" + r.out.substr(0, 3000) +
         "\n--- stderr:\n" + r.err.substr(0, 3000);
}

std::string command_output(const std::string &cmd) {
  std::string s;
  if (FILE *p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
      s.append(buf, n);
    pclose(p);
  }
  return s;
}

// Nothing the reproducer made under `tmp` is left: no directory, no loop
// device backed by a file there, no mount there.
void expect_torn_down(const fs::path &tmp) {
  EXPECT_TRUE(fs::is_empty(tmp)) << "left under " << tmp << ": "
                                 << command_output("ls -la " + tmp.string());
  EXPECT_EQ(command_output("losetup -a").find(tmp.string()), std::string::npos)
      << command_output("losetup -a");
  EXPECT_EQ(command_output("cat /proc/mounts").find(tmp.string()), std::string::npos);
}

std::string uname_release() {
  utsname u{};
  uname(&u);
  return u.release;
}

TEST(RealityHost, RunsTheProbeAndTearsDown) {
  if (geteuid() != 0) GTEST_SKIP() << "the host mode needs root (loop devices, mounts)";
  ScratchDir tmp;
  const Spawned r = run({"reproduce", "seed-race2", "--on", "host", "--budget", "4s", "--json",
                         "--model-budget", "60s", "-j", "1"},
                        tmp.path());
  ASSERT_TRUE(r.code == 0 || r.code == 1) << show(r); // 1: a disagreement, itself a finding
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["real"]["complete"].get<bool>());
  EXPECT_GT(j["real"]["iterations"].get<uint64_t>(), 0u);
  EXPECT_GT(j["real"]["dio_reads"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["kernel"], uname_release());
  EXPECT_EQ(j["comparison"].size(), 5u);
  EXPECT_FALSE(j["model"]["bounded"].get<bool>());
  expect_torn_down(tmp.path());
}

// What each call returned on this kernel is what the model returns: the
// misaligned and negative-length requests of tests/data, with every answer
// the model gives them (-EINVAL, 0 at the end, the event's error, -EFAULT).
TEST(RealityHost, CallResultsAreTheModels) {
  if (geteuid() != 0) GTEST_SKIP() << "the host mode needs root (loop devices, mounts)";
  for (const char *file : {"dio_misaligned.toml", "dio_misaligned_write.toml"}) {
    ScratchDir tmp;
    const std::string path = (fs::path(PAGERACE_SOURCE_DIR) / "tests" / "data" / file).string();
    const Spawned r =
        run({"reproduce", path, "--on", "host", "--budget", "2s", "--json", "-j", "1"}, tmp.path());
    ASSERT_EQ(r.code, 0) << show(r);
    const json j = json::parse(r.out);
    EXPECT_GE(j["calls"].size(), 13u) << file;
    for (const json &c : j["calls"])
      EXPECT_EQ(c["verdict"], "agrees (seen)") << file << ": " << c.dump();
    EXPECT_FALSE(j["disagrees"].get<bool>());
    expect_torn_down(tmp.path());
  }
}

TEST(RealityHost, RefusesWithoutRootOrSaysWhy) {
  if (geteuid() == 0) {
    // As root the refusal cannot be seen; a refused scenario still exits 2
    // with its position, before anything is made.
    ScratchDir tmp;
    const Spawned r = run({"reproduce", "pin-longterm-fsync-kswapd", "--on", "host"}, tmp.path());
    EXPECT_EQ(r.code, 2) << show(r);
    EXPECT_NE(r.err.find("pin-longterm-fsync-kswapd.toml:"), std::string::npos) << show(r);
    EXPECT_TRUE(fs::is_empty(tmp.path()));
    return;
  }
  ScratchDir tmp;
  const Spawned r = run({"reproduce", "seed-race1", "--on", "host"}, tmp.path());
  EXPECT_EQ(r.code, 2) << show(r);
  EXPECT_NE(r.err.find("needs root"), std::string::npos) << show(r);
}

TEST(RealityHost, SigintEndsTheRunWithWhatWasSeenAndTearsDown) {
  if (geteuid() != 0) GTEST_SKIP() << "the host mode needs root (loop devices, mounts)";
  ScratchDir tmp;
  const auto start = std::chrono::steady_clock::now();
  const Spawned r =
      run({"reproduce", "seed-race2", "--on", "host", "--budget", "120s", "--json", "-j", "1"},
          tmp.path(), "probing");
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(took, 100) << "SIGINT did not end the 120 s run";
  ASSERT_TRUE(r.code == 3 || r.code == 1) << show(r); // 3: interrupted, a bounded run
  const json j = json::parse(r.out);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_TRUE(j["real"]["complete"].get<bool>()) << "the probe printed no result after SIGINT";
  expect_torn_down(tmp.path());
}

// QEMU: the QEMU mode's failures that mean "cannot run here", not "wrong".
bool cannot_run_here(const Spawned &r) {
  for (const char *why : {"needs `", "needs a static /bin/busybox", "apt-get", "apt-cache",
                          "the guest did not reach the probe"})
    if (r.code == 2 && r.err.find(why) != std::string::npos) return true;
  return false;
}

void qemu_shows(const std::string &version, bool race1) {
  ScratchDir tmp;
  const Spawned r = run({"reproduce", "seed-race1", "--on", "qemu:" + version, "--budget", "45s",
                         "--json", "-j", "1"},
                        tmp.path());
  if (cannot_run_here(r))
    GTEST_SKIP() << "QEMU cannot run Debian " << version << " here:\n" << r.err;
  ASSERT_TRUE(r.code == 0 || r.code == 1) << show(r);
  const json j = json::parse(r.out);
  ASSERT_TRUE(j["real"]["complete"].get<bool>()) << show(r);
  EXPECT_EQ(j["kernel"].get<std::string>().rfind(version + ".", 0), 0u) << j["kernel"];
  const uint64_t lost = j["real"]["lost_pages"], nobuf = j["real"]["no_buffers_warnings"];
  if (race1)
    EXPECT_TRUE(lost > 0 || nobuf > 0) << "no race 1 on " << version << " in 45 s:\n" << show(r);
  else
    EXPECT_TRUE(lost == 0 && nobuf == 0) << "race 1 on " << version << ":\n" << show(r);
  expect_torn_down(tmp.path());
}

TEST(RealityQemu, Debian61ShowsRace1) {
#ifdef PAGERACE_SANITIZED
  GTEST_SKIP() << "CI boots one QEMU kernel, in the ci preset's run; this is the sanitizer run";
#endif
  qemu_shows("6.1", true);
}

TEST(RealityQemu, Debian612ShowsNoRace1) {
  if (!std::getenv("PAGERACE_QEMU_ALL"))
    GTEST_SKIP() << "CI boots one QEMU kernel (6.1); set PAGERACE_QEMU_ALL=1 to boot 6.12 too";
  qemu_shows("6.12", false);
}

} // namespace
