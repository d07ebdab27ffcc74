// The QEMU mode, without root: the Debian cloud kernel package is fetched
// with `apt-get download` (5.10 through a private bullseye source list under
// the cache, never /etc/apt) and unpacked with dpkg-deb; a busybox-static
// initramfs carries the static probe and its plan; two ext4 images are made
// with mkfs.ext4 without being mounted here; qemu-system-x86_64 boots under
// TCG (this machine has no usable KVM) with NVMe disks, the O_DIRECT source's
// disk read-throttled, and a time limit; the result comes back on the serial
// console. Cloud kernels have NVMe and ext4 built in, so no module is loaded.
#include "reality/process.hpp"
#include "reality/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace pagerace::reality {

namespace fs = std::filesystem;

std::string default_cache_dir() {
  if (const char *c = std::getenv("PAGERACE_CACHE"); c && *c) return c;
  if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/pagerace";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/pagerace";
  return (fs::temp_directory_path() / "pagerace-cache").string();
}

namespace {

struct KernelSpec {
  std::string version; // 5.10, 6.1, 6.12
  std::string pattern; // apt-cache search --names-only
  bool bullseye;       // through the private source list
};

KernelSpec kernel_spec(const std::string &v) {
  if (v == "5.10") return {v, "^linux-image-5\\.10\\.0-[0-9]+-cloud-amd64$", true};
  if (v == "6.1") return {v, "^linux-image-6\\.1\\.0-[0-9]+-cloud-amd64$", false};
  if (v == "6.12") return {v, "^linux-image-6\\.12\\.[0-9]+\\+deb12-cloud-amd64$", false};
  throw RealityError("--on qemu:" + v + ": no such kernel here (qemu:5.10, qemu:6.1, qemu:6.12)");
}

// The machine's configured Debian mirror, for the private bullseye list:
// the first ".../debian" URI of a deb822 "URIs:" line or a one-line "deb"
// entry (its [options] skipped).
std::string debian_mirror() {
  for (const char *f : {"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"}) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream w(line);
      std::string first, uri;
      w >> first;
      if (first == "URIs:") {
        w >> uri;
      } else if (first == "deb") {
        w >> uri;
        if (!uri.empty() && uri[0] == '[')
          while (w && uri.find(']') == std::string::npos)
            w >> uri;
        if (!uri.empty() && uri.find(']') != std::string::npos) w >> uri;
      }
      const std::string tail = "/debian";
      if (uri.size() > tail.size() && uri.compare(uri.size() - tail.size(), tail.size(), tail) == 0)
        return uri;
    }
  }
  return "http://deb.debian.org/debian";
}

std::vector<std::string> apt_private(const std::string &dir) {
  return {"-o", "Dir::Etc::SourceList=" + dir + "/bullseye.list",
          "-o", "Dir::Etc::SourceParts=/dev/null",
          "-o", "Dir::State::Lists=" + dir + "/lists",
          "-o", "Dir::Cache=" + dir + "/cache",
          "-o", "Dir::Cache::archives=" + dir + "/archives",
          "-o", "Debug::NoLocking=1"};
}

// Newest package matching the spec: the ABI number grows with point releases.
std::string newest_package(const KernelSpec &k, const std::vector<std::string> &apt_opts) {
  std::vector<std::string> argv = {"apt-cache"};
  argv.insert(argv.end(), apt_opts.begin(), apt_opts.end());
  argv.insert(argv.end(), {"search", "--names-only", k.pattern});
  const std::string out = run_checked(argv, {.timeout_seconds = 120});
  std::vector<std::string> names;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (const size_t sp = line.find(' '); sp != std::string::npos)
      names.push_back(line.substr(0, sp));
  if (names.empty())
    throw RealityError("apt-cache finds no package matching " + k.pattern +
                       (k.bullseye ? " in the private bullseye list" : " (apt-get update?)"));
  // Compare by the numbers in the name, so that -56 sorts after -9.
  auto key = [](const std::string &n) {
    std::vector<long> v;
    for (size_t i = 0; i < n.size();) {
      if (!std::isdigit(static_cast<unsigned char>(n[i]))) {
        ++i;
        continue;
      }
      long x = 0;
      for (; i < n.size() && std::isdigit(static_cast<unsigned char>(n[i])); ++i)
        x = x * 10 + (n[i] - '0');
      v.push_back(x);
    }
    return v;
  };
  return *std::max_element(
      names.begin(), names.end(),
      [&](const std::string &a, const std::string &b) { return key(a) < key(b); });
}

// Unpacks vmlinuz and the modules xfs needs (xfs.ko, libcrc32c.ko; .ko.xz
// from 6.12 on, decompressed here since busybox insmod reads plain ELF) into
// `dest`.
void unpack_kernel(const std::string &deb, const std::string &dest) {
  const std::string x = dest + ".x";
  fs::remove_all(x);
  run_checked({"dpkg-deb", "-x", deb, x}, {.timeout_seconds = 300});
  std::string vmlinuz;
  for (const auto &e : fs::directory_iterator(x + "/boot"))
    if (e.path().filename().string().rfind("vmlinuz-", 0) == 0) vmlinuz = e.path().string();
  if (vmlinuz.empty()) throw RealityError(deb + " holds no boot/vmlinuz-*");
  fs::create_directories(dest + "/modules");
  for (const auto &e : fs::recursive_directory_iterator(x + "/lib/modules")) {
    const std::string name = e.path().filename().string();
    for (const char *m : {"xfs.ko", "libcrc32c.ko"}) {
      if (name == m)
        fs::copy_file(e.path(), dest + "/modules/" + m, fs::copy_options::overwrite_existing);
      if (name == std::string(m) + ".xz") {
        fs::copy_file(e.path(), dest + "/modules/" + name, fs::copy_options::overwrite_existing);
        if (have_tool("xz")) run_checked({"xz", "-d", "-f", dest + "/modules/" + name});
      }
    }
  }
  fs::copy_file(vmlinuz, dest + "/vmlinuz", fs::copy_options::overwrite_existing);
  fs::remove_all(x);
}

// The unpacked newest package for the version (vmlinuz, modules/),
// downloaded once.
std::string fetch_kernel(const KernelSpec &k, const std::string &cache, bool verbose,
                         std::string &package) {
  const std::string kdir = cache + "/kernels/" + k.version;
  fs::create_directories(kdir);
  std::vector<std::string> apt_opts;
  if (k.bullseye) {
    const std::string adir = cache + "/apt-bullseye";
    fs::create_directories(adir + "/lists/partial");
    fs::create_directories(adir + "/cache");
    fs::create_directories(adir + "/archives/partial");
    const std::string m = debian_mirror();
    std::ofstream(adir + "/bullseye.list")
        << fmt::format("deb {} bullseye main\ndeb {}-security bullseye-security main\n", m, m);
    apt_opts = apt_private(adir);
    if (!fs::exists(adir + "/updated")) {
      if (verbose) fmt::print(stderr, "pagerace: apt-get update of the private bullseye list\n");
      std::vector<std::string> argv = {"apt-get"};
      argv.insert(argv.end(), apt_opts.begin(), apt_opts.end());
      argv.push_back("update");
      run_checked(argv, {.timeout_seconds = 300});
      std::ofstream(adir + "/updated") << "1\n";
    }
  }
  // A package unpacked before is used as it is: no network needed again.
  for (const auto &e : fs::directory_iterator(kdir))
    if (e.is_directory() && fs::exists(e.path() / "vmlinuz")) {
      package = e.path().filename().string();
      if (!fs::exists(e.path() / "modules"))
        for (const auto &d : fs::directory_iterator(kdir))
          if (d.path().extension() == ".deb" &&
              d.path().filename().string().rfind(package + "_", 0) == 0)
            unpack_kernel(d.path().string(), e.path().string());
      return e.path().string();
    }
  auto download = [&] {
    package = newest_package(k, apt_opts);
    if (verbose) fmt::print(stderr, "pagerace: downloading {}\n", package);
    std::vector<std::string> dl = {"apt-get"};
    dl.insert(dl.end(), apt_opts.begin(), apt_opts.end());
    dl.insert(dl.end(), {"download", package});
    run_checked(dl, {.timeout_seconds = 600, .cwd = kdir});
  };
  try {
    download();
  } catch (const RealityError &) {
    if (!k.bullseye) throw;
    // The private list may be stale (a package replaced by a newer ABI):
    // refresh it once.
    fs::remove(cache + "/apt-bullseye/updated");
    std::vector<std::string> argv = {"apt-get"};
    argv.insert(argv.end(), apt_opts.begin(), apt_opts.end());
    argv.push_back("update");
    run_checked(argv, {.timeout_seconds = 300});
    std::ofstream(cache + "/apt-bullseye/updated") << "1\n";
    download();
  }
  std::string deb;
  for (const auto &e : fs::directory_iterator(kdir))
    if (e.path().extension() == ".deb" && e.path().filename().string().rfind(package + "_", 0) == 0)
      deb = e.path().string();
  if (deb.empty()) throw RealityError("apt-get download left no .deb for " + package);
  const std::string dest = kdir + "/" + package;
  unpack_kernel(deb, dest);
  return dest;
}

// Whether an ELF file asks for a dynamic loader (PT_INTERP): busybox must be
// the static one, as the initramfs has no libc.
bool elf_is_dynamic(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(65536, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return head.find("/lib64/ld-linux") != std::string::npos ||
         head.find("/lib/ld-linux") != std::string::npos;
}

const char *kInit = R"SH(#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /mnt/a /mnt/b /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
@MODULES@A=$(findfs LABEL=rkA)
B=$(findfs LABEL=rkB)
if mount -t @FS@ "$A" /mnt/a && mount -t ext4 "$B" /mnt/b; then
  echo PAGERACE-BOOTED
  /probe --plan /plan --dir-a /mnt/a --dir-b /mnt/b --seconds @SECONDS@
else
  echo "PAGERACE-ERROR cannot mount the test disks ($A, $B)"
fi
umount /mnt/a /mnt/b
sync
echo PAGERACE-DONE
reboot -f
)SH";

} // namespace

RunResult run_on_qemu(const Plan &plan, const std::string &version, const RunOptions &opts) {
  const KernelSpec k = kernel_spec(version);
  if (opts.fs != "ext4" && opts.fs != "xfs")
    throw RealityError("--fs " + opts.fs +
                       ": the QEMU mode has ext4 (built into Debian's cloud kernels) and xfs (its "
                       "modules loaded from the package); use --on host for btrfs");
  if (opts.fs == "xfs" && !have_tool("mkfs.xfs"))
    throw RealityError("--fs xfs needs `mkfs.xfs` (the xfsprogs package)");
  for (const char *tool :
       {"qemu-system-x86_64", "cpio", "gzip", "mkfs.ext4", "apt-get", "apt-cache", "dpkg-deb"})
    if (!have_tool(tool))
      throw RealityError(std::string("the QEMU mode needs `") + tool +
                         "` (scripts/deps.sh installs qemu-system-x86, busybox-static, cpio and "
                         "e2fsprogs)");
  const std::string busybox = "/bin/busybox";
  if (!fs::exists(busybox) || elf_is_dynamic(busybox))
    throw RealityError("the QEMU mode needs a static /bin/busybox (the busybox-static package)");
  RunResult res;
  res.where = "qemu:" + version;
  const std::string cache = opts.cache_dir.empty() ? default_cache_dir() : opts.cache_dir;
  const std::string kernel_dir = fetch_kernel(k, cache, opts.verbose, res.kernel_package);
  const std::string vmlinuz = kernel_dir + "/vmlinuz";

  std::string tmpl = (fs::temp_directory_path() / "pagerace-qemu-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw RealityError("cannot create a directory under /tmp");
  const std::string dir = tmpl;
  struct Remove {
    std::string d;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } remove{dir};

  const std::string root = dir + "/root";
  fs::create_directories(root + "/bin");
  fs::copy_file(busybox, root + "/bin/busybox");
  fs::copy_file(opts.probe, root + "/probe");
  std::ofstream(root + "/plan") << write_plan(plan);
  std::string modules;
  if (opts.fs == "xfs") {
    fs::create_directories(root + "/lib");
    for (const char *m : {"libcrc32c.ko", "xfs.ko"}) {
      if (!fs::exists(kernel_dir + "/modules/" + m))
        throw RealityError(std::string("the kernel package has no ") + m +
                           " (or `xz` is missing to decompress it)");
      fs::copy_file(kernel_dir + "/modules/" + m, root + "/lib/" + m);
      modules += std::string("insmod /lib/") + m + "\n";
    }
  }
  std::string init = kInit;
  init.replace(init.find("@FS@"), 4, opts.fs);
  init.replace(init.find("@MODULES@"), 9, modules);
  init.replace(init.find("@SECONDS@"), 9, fmt::format("{}", opts.budget_seconds));
  std::ofstream(root + "/init") << init;
  fs::permissions(root + "/init", fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  // cpio reads the file list on stdin; a shell is the simplest pipe here,
  // with nothing from the user in its command.
  run_checked({"sh", "-c", "find . | cpio -o -H newc --quiet | gzip -1 > ../initramfs.gz"},
              {.timeout_seconds = 120, .cwd = root});
  for (const char *d : {"a", "b"}) {
    const std::string img = fmt::format("{}/{}.img", dir, d);
    std::ofstream(img).close();
    // xfs wants at least 300 MiB.
    fs::resize_file(img, 512ull << 20);
    const std::string label = std::string("rk") + char(std::toupper(*d));
    if (*d == 'a' && opts.fs == "xfs")
      run_checked({"mkfs.xfs", "-q", "-f", "-L", label, img}, {.timeout_seconds = 120});
    else
      run_checked({"mkfs.ext4", "-q", "-F", "-L", label, img}, {.timeout_seconds = 120});
  }

  std::vector<std::string> argv = {
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-smp",
      "2",
      "-m",
      "1024",
      "-nographic",
      "-no-reboot",
      "-monitor",
      "none",
      "-serial",
      "stdio",
      "-kernel",
      vmlinuz,
      "-initrd",
      dir + "/initramfs.gz",
      "-append",
      "console=ttyS0 panic=-1 quiet loglevel=4 oops=panic",
      "-drive",
      fmt::format("file={}/a.img,if=none,id=da,format=raw,cache=writeback", dir),
      "-device",
      "nvme,drive=da,serial=rkA",
      "-drive",
      fmt::format("file={}/b.img,if=none,id=db,format=raw,cache=writeback{}", dir,
                  opts.read_bps ? fmt::format(",throttling.bps-read={}", opts.read_bps) : ""),
      "-device",
      "nvme,drive=db,serial=rkB"};
  if (opts.verbose)
    fmt::print(stderr, "pagerace: booting {} under QEMU (TCG) for {:.0f} s of probing\n",
               res.kernel_package, opts.budget_seconds);
  ProcessOptions po;
  // Boot under TCG takes 4-6 s here; the probe's last iteration and the
  // disk check can run over its budget.
  po.timeout_seconds = opts.budget_seconds + 90;
  ProcessResult r = run_process(argv, po);
  res.output = r.output;
  if (r.timed_out) res.notes.push_back("QEMU did not finish in time and was killed");
  if (r.output.find("PAGERACE-BOOTED") == std::string::npos && !interrupted()) {
    std::string tail = r.output.size() > 3000 ? r.output.substr(r.output.size() - 3000) : r.output;
    throw RealityError(fmt::format("the guest did not reach the probe (QEMU {}):\n{}",
                                   r.timed_out ? "timed out" : fmt::format("exit {}", r.status),
                                   tail));
  }
  return res;
}

} // namespace pagerace::reality
