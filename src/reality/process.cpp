// fork/exec with a pipe, poll and a deadline; the child leads its own
// process group so that a time limit kills what it started too.
#include "reality/process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pagerace::reality {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) {
  g_interrupted = 1;
}
} // namespace

void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
    sigaction(sig, &sa, nullptr);
}

bool interrupted() {
  return g_interrupted != 0;
}

ProcessResult run_process(const std::vector<std::string> &argv, const ProcessOptions &opts) {
  ProcessResult res;
  int pipefd[2];
  if (argv.empty()) {
    res.error = "no command";
    return res;
  }
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    res.error = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    res.error = std::string("fork: ") + std::strerror(errno);
    close(pipefd[0]);
    close(pipefd[1]);
    return res;
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pipefd[1], STDOUT_FILENO);
    if (opts.merge_stderr) dup2(pipefd[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(125);
    if (!opts.cgroup_procs.empty()) {
      const int fd = open(opts.cgroup_procs.c_str(), O_WRONLY);
      const std::string me = std::to_string(getpid());
      if (fd < 0 || write(fd, me.data(), me.size()) < 0) _exit(126);
      close(fd);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  // Both sides set the group, so that a kill(-pid) right after fork cannot
  // miss it.
  setpgid(pid, pid);
  close(pipefd[1]);
  const int log = opts.stdout_file.empty() ? -1
                                           : open(opts.stdout_file.c_str(),
                                                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  char buf[65536];
  bool forwarded = false, reaped = false, eof = false;
  int st = 0;
  // Reads until the pipe closes and the child is reaped. A grandchild can
  // keep the pipe open after the child exits: then the pipe is drained for
  // one more second, no longer.
  double drain_until = 0;
  while (!(eof && reaped)) {
    if (g_interrupted && !forwarded && !reaped &&
        opts.on_interrupt != ProcessOptions::OnInterrupt::Ignore) {
      kill(-pid, opts.on_interrupt == ProcessOptions::OnInterrupt::Forward ? SIGINT : SIGKILL);
      forwarded = true;
    }
    if (!reaped) {
      const pid_t w = waitpid(pid, &st, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR && errno != EAGAIN)) {
        reaped = true;
        drain_until = elapsed() + 1;
      }
    }
    if (reaped && !eof && elapsed() > drain_until) break;
    if (opts.timeout_seconds > 0 && elapsed() > opts.timeout_seconds && !res.timed_out) {
      res.timed_out = true;
      kill(-pid, SIGKILL);
    }
    if (eof) {
      poll(nullptr, 0, 20);
      continue;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    const int r = poll(&p, 1, 50);
    if (r <= 0) continue;
    const ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;
      continue;
    }
    res.output.append(buf, static_cast<size_t>(n));
    if (log >= 0 && write(log, buf, static_cast<size_t>(n)) < 0) {
    }
  }
  close(pipefd[0]);
  if (log >= 0) close(log);
  if (!res.timed_out && WIFEXITED(st)) res.status = WEXITSTATUS(st);
  return res;
}

std::string run_checked(const std::vector<std::string> &argv, const ProcessOptions &opts) {
  ProcessResult r = run_process(argv, opts);
  if (r.status != 0) {
    std::string cmd;
    for (const std::string &a : argv)
      cmd += (cmd.empty() ? "" : " ") + a;
    std::string out = r.output;
    if (out.size() > 2000) out = "..." + out.substr(out.size() - 2000);
    std::string what = !r.error.empty()  ? "could not start: " + r.error
                       : r.timed_out     ? std::string("timed out")
                       : r.status < 0    ? std::string("was killed")
                       : r.status == 127 ? std::string("could not be run (not installed?)")
                                         : fmt::format("failed (exit {})", r.status);
    throw RealityError(fmt::format("`{}` {}{}", cmd, what, out.empty() ? "" : ":\n" + out));
  }
  return r.output;
}

bool have_tool(const std::string &tool) {
  const char *path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin:/usr/sbin:/sbin";
  p += ":/usr/sbin:/sbin";
  size_t at = 0;
  while (at <= p.size()) {
    const size_t colon = p.find(':', at);
    const std::string dir =
        p.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    if (!dir.empty() && access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  return false;
}

} // namespace pagerace::reality
