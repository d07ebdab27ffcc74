#include "scenario/scale.hpp"

#include <fmt/format.h>

#include <optional>

namespace pagerace::scenario {

namespace {

std::string header(const std::string &name, const std::string &what, int pages) {
  return fmt::format("name = \"{}\"\ndescription = \"{}\"\nkernel = \"v4.15\"\n\n[files]\n"
                     "file1 = {{ pages = {} }}\nfile2 = {{ pages = {} }}\n",
                     name, what, pages, pages);
}

std::string cpu(const std::string &name, const std::vector<std::string> &run) {
  std::string s = fmt::format("\n[[cpu]]\nname = \"{}\"\nrun = [", name);
  for (size_t i = 0; i < run.size(); ++i)
    s += fmt::format("{}\"{}\"", i ? ", " : "", run[i]);
  return s + "]\n";
}

// The mapping is made by the first reader; the others wait for `addr`.
std::string reader(int k, int pages, bool maps) {
  std::vector<std::string> run;
  if (maps) run.push_back(fmt::format("addr = mmap(file1, MAP_SHARED, {})", pages * 4096));
  run.push_back(fmt::format("fd{} = open(file2, O_DIRECT | O_RDONLY)", k));
  run.push_back(fmt::format("read(fd{}, addr, {})", k, pages * 4096));
  return cpu(fmt::format("DIO{}", k), run);
}

std::string kernel_threads() {
  return cpu("flusher", {"writeback()"}) + cpu("kswapd", {"kswapd()"});
}

} // namespace

// "scale-P-D", "scale-store-P" and "scale-write-P" with one-digit 1..4.
std::optional<std::string> scale_scenario_text(const std::string &name) {
  auto digit = [](char c) {
    return c >= '1' && c <= '4' ? std::optional<int>(c - '0') : std::nullopt;
  };
  const std::string prefix = "scale-";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = name.substr(prefix.size());
  if (rest.size() == 3 && rest[1] == '-' && digit(rest[0]) && digit(rest[2])) {
    const int p = *digit(rest[0]), d = *digit(rest[2]);
    std::string text = header(
        name,
        fmt::format("{} page(s) of a shared mapping, {} O_DIRECT reader(s) into all of it, the "
                    "flusher and kswapd: the seed's race 1 grown",
                    p, d),
        p);
    for (int k = 1; k <= d; ++k)
      text += reader(k, p, k == 1);
    return text + kernel_threads();
  }
  const bool store = rest.rfind("store-", 0) == 0, write = rest.rfind("write-", 0) == 0;
  if ((store || write) && rest.size() == 7 && digit(rest[6])) {
    const int p = *digit(rest[6]);
    std::string text = header(
        name,
        fmt::format("an O_DIRECT reader of {} page(s) into a shared mapping, {}, the flusher "
                    "and kswapd",
                    p, store ? "stores to every mapped page" : "a buffered write of the file"),
        p);
    text += reader(1, p, true);
    std::vector<std::string> run;
    if (store) {
      for (int i = 0; i < p; ++i)
        run.push_back(i ? fmt::format("store(addr + {}, 'S')", i * 4096) : "store(addr, 'S')");
    } else {
      run = {fmt::format("buf = mmap(ANON, MAP_PRIVATE | MAP_ANONYMOUS, {})", p * 4096),
             "store(buf, 'W')", "fdw = open(file1, O_RDWR)",
             fmt::format("write(fdw, buf, {})", p * 4096)};
    }
    text += cpu(store ? "store" : "writer", run);
    return text + kernel_threads();
  }
  return std::nullopt;
}

std::vector<std::string> scale_scenario_names() {
  std::vector<std::string> names;
  for (int p = 1; p <= 4; ++p)
    for (int d = 1; d <= 4; ++d)
      names.push_back(fmt::format("scale-{}-{}", p, d));
  for (const char *kind : {"store", "write"})
    for (int p = 1; p <= 4; ++p)
      names.push_back(fmt::format("scale-{}-{}", kind, p));
  return names;
}

} // namespace pagerace::scenario
