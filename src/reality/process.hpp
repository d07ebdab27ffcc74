// Running the tools the reproducer needs (losetup, mount, mkfs, apt-get,
// qemu-system-x86_64, the probe): argv only, never a shell, with a time
// limit after which the child's process group is killed.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pagerace::reality {

struct ProcessResult {
  int status = -1; // exit status; -1 when killed by a signal or the time limit
  bool timed_out = false;
  std::string error;  // non-empty: the process could not be started (why)
  std::string output; // stdout, and stderr when merged
};

struct ProcessOptions {
  double timeout_seconds = 0; // 0: none
  bool merge_stderr = true;
  std::string cwd;          // empty: unchanged
  std::string cgroup_procs; // non-empty: the child writes its pid there before exec
  std::string stdout_file;  // non-empty: stdout also appended there as it comes
  // On SIGINT (see catch_interrupts): Forward sends the child SIGINT (the
  // probe then prints what it saw), Kill ends it (a long set-up step), Ignore
  // lets it finish (teardown, which must run whatever happens).
  enum class OnInterrupt { Ignore, Forward, Kill } on_interrupt = OnInterrupt::Kill;
};

// From now on SIGINT, SIGTERM, SIGHUP and SIGQUIT only set a flag, so that
// the reproducer can end its run and tear down what it made; interrupted()
// reads the flag.
void catch_interrupts();
bool interrupted();

ProcessResult run_process(const std::vector<std::string> &argv, const ProcessOptions &opts = {});

// Runs and throws RealityError with the command and its output when it does
// not exit 0.
std::string run_checked(const std::vector<std::string> &argv, const ProcessOptions &opts = {});

// Whether `tool` is an executable in PATH.
bool have_tool(const std::string &tool);

class RealityError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace pagerace::reality
