// The host mode: two throw-away filesystems on loop devices backed by sparse
// images in a fresh directory under /tmp, the O_DIRECT source's device
// read-throttled through cgroup v1 blkio (blk-throttle), the probe run in
// that cgroup, and everything undone in reverse order whatever happens.
#include "reality/process.hpp"
#include "reality/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace pagerace::reality {

namespace fs = std::filesystem;

namespace {

// Undo steps, run last-first when the scope ends.
class Teardown {
public:
  void push(std::string what, std::function<void()> undo) {
    steps_.emplace_back(std::move(what), std::move(undo));
  }
  ~Teardown() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      try {
        it->second();
      } catch (...) {
        // Go on undoing the rest; a step that failed leaves a note on stderr
        // (fprintf: nothing here may throw, stderr may be gone after SIGHUP).
        std::fprintf(stderr, "pagerace: tearing down: %s failed\n", it->first.c_str());
      }
    }
  }

private:
  std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

// Mount points of /proc/mounts, with its octal escapes (\040 for a space)
// decoded.
std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/mounts");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream w(line);
    std::string dev, mp;
    w >> dev >> mp;
    std::string decoded;
    for (size_t i = 0; i < mp.size(); ++i) {
      if (mp[i] == '\\' && i + 3 < mp.size()) {
        decoded += static_cast<char>(std::stoi(mp.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        decoded += mp[i];
      }
    }
    out.push_back(decoded);
  }
  return out;
}

std::string mkfs_tool(const std::string &fs_name) {
  if (fs_name == "ext4" || fs_name == "xfs" || fs_name == "btrfs") return "mkfs." + fs_name;
  throw RealityError("--fs: unknown filesystem '" + fs_name + "' (ext4, xfs, btrfs)");
}

std::vector<std::string> mkfs_argv(const std::string &fs_name, const std::string &dev) {
  if (fs_name == "ext4") return {"mkfs.ext4", "-q", "-F", dev};
  if (fs_name == "xfs") return {"mkfs.xfs", "-q", "-f", dev};
  return {"mkfs.btrfs", "-q", "-f", dev};
}

// "MAJ:MIN" of a block device.
std::string dev_numbers(const std::string &dev) {
  struct stat st {};
  if (stat(dev.c_str(), &st) != 0) throw RealityError("cannot stat " + dev);
  return fmt::format("{}:{}", major(st.st_rdev), minor(st.st_rdev));
}

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) throw RealityError("cannot write " + path);
}

} // namespace

RunResult run_on_host(const Plan &plan, const RunOptions &opts) {
  if (geteuid() != 0)
    throw RealityError("the host mode needs root: it creates loop devices and mounts throw-away "
                       "filesystems on them (run it as root, or use --on qemu:6.1, which needs "
                       "no root)");
  for (const std::string &tool :
       {std::string("losetup"), std::string("mount"), std::string("umount"), mkfs_tool(opts.fs),
        std::string("mkfs.ext4")})
    if (!have_tool(tool))
      throw RealityError("the host mode needs `" + tool + "` (scripts/deps.sh installs it)");
  RunResult res;
  res.where = "host";

  Teardown undo;
  std::string tmpl = (fs::temp_directory_path() / "pagerace-host-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw RealityError("cannot create a directory under /tmp");
  // /proc/mounts names mount points by their resolved path.
  const std::string dir = fs::canonical(tmpl).string();
  undo.push("removing " + dir, [dir] {
    // Never descend into a filesystem that is still mounted.
    for (const std::string &m : mount_points())
      if (m.rfind(dir + "/", 0) == 0) {
        std::fprintf(stderr, "pagerace: %s is still mounted; %s left in place\n", m.c_str(),
                     dir.c_str());
        return;
      }
    std::error_code ec;
    fs::remove_all(dir, ec);
  });
  // Teardown runs to its end whatever signal comes, with a time limit.
  ProcessOptions quiet_undo;
  quiet_undo.on_interrupt = ProcessOptions::OnInterrupt::Ignore;
  quiet_undo.timeout_seconds = 60;

  std::string devs[2], mounts[2];
  for (int i = 0; i < 2; ++i) {
    if (interrupted()) return res;
    const std::string img = fmt::format("{}/{}.img", dir, i ? "b" : "a");
    {
      std::ofstream(img).close();
      fs::resize_file(img, 512ull << 20);
    }
    // Detach by image: also a device that losetup attached before it failed
    // or was killed.
    undo.push("detaching the loop device of " + img, [img, quiet_undo] {
      const ProcessResult j = run_process({"losetup", "-j", img}, quiet_undo);
      std::istringstream in(j.output);
      std::string line;
      while (std::getline(in, line))
        if (const size_t colon = line.find(':');
            colon != std::string::npos && line.rfind("/dev/loop", 0) == 0)
          run_process({"losetup", "-d", line.substr(0, colon)}, quiet_undo);
    });
    ProcessOptions setup;
    setup.merge_stderr = false;
    setup.timeout_seconds = 120;
    std::string dev = run_checked({"losetup", "-f", "--show", img}, setup);
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' '))
      dev.pop_back();
    if (const size_t nl = dev.rfind('\n'); nl != std::string::npos) dev = dev.substr(nl + 1);
    if (dev.rfind("/dev/loop", 0) != 0) throw RealityError("losetup gave '" + dev + "'");
    devs[i] = dev;
    // The mapped files get the filesystem asked for; the O_DIRECT source ext4.
    run_checked(mkfs_argv(i ? "ext4" : opts.fs, dev), {.timeout_seconds = 120});
    const std::string mnt = fmt::format("{}/{}", dir, i ? "b" : "a");
    fs::create_directory(mnt);
    undo.push("umount " + mnt, [mnt, quiet_undo] {
      const auto mps = mount_points();
      if (std::find(mps.begin(), mps.end(), mnt) == mps.end()) return;
      if (run_process({"umount", mnt}, quiet_undo).status != 0)
        run_process({"umount", "-l", mnt}, quiet_undo);
    });
    run_checked({"mount", "-t", i ? "ext4" : opts.fs, dev, mnt}, {.timeout_seconds = 60});
    mounts[i] = mnt;
  }
  if (interrupted()) return res;

  std::string cgroup_procs;
  if (opts.read_bps) {
    const std::string blkio = "/sys/fs/cgroup/blkio";
    if (fs::exists(blkio + "/blkio.throttle.read_bps_device")) {
      const std::string cg = fmt::format("{}/pagerace-{}", blkio, getpid());
      std::error_code ec;
      fs::create_directory(cg, ec);
      if (ec) throw RealityError("cannot create the cgroup " + cg + ": " + ec.message());
      undo.push("removing the cgroup " + cg, [cg] { rmdir(cg.c_str()); });
      write_file(cg + "/blkio.throttle.read_bps_device",
                 fmt::format("{} {}\n", dev_numbers(devs[1]), opts.read_bps));
      cgroup_procs = cg + "/cgroup.procs";
    } else {
      res.notes.push_back("reads not throttled: no cgroup v1 blkio controller "
                          "(/sys/fs/cgroup/blkio), so race windows are short");
    }
  }

  const std::string plan_file = dir + "/plan";
  write_file(plan_file, write_plan(plan));
  ProcessOptions po;
  po.timeout_seconds = opts.budget_seconds + 60;
  po.cgroup_procs = cgroup_procs;
  po.on_interrupt = ProcessOptions::OnInterrupt::Forward;
  if (opts.verbose)
    fmt::print(stderr, "pagerace: probing {} on this host for {:.0f} s\n", plan.scenario,
               opts.budget_seconds);
  if (interrupted()) return res;
  ProcessResult r = run_process({opts.probe, "--plan", plan_file, "--dir-a", mounts[0], "--dir-b",
                                 mounts[1], "--seconds", fmt::format("{}", opts.budget_seconds)},
                                po);
  res.output = r.output;
  if (interrupted()) return res;
  if (r.timed_out)
    res.notes.push_back("the probe did not finish in time and was killed");
  else if (r.status != 0)
    throw RealityError(fmt::format("the probe failed (exit {}):\n{}", r.status, r.output));
  return res;
}

} // namespace pagerace::reality
