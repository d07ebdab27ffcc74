// Parsing the probe's lines and comparing them with the model.
#include "reality/observe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>

namespace pagerace::reality {

namespace {

std::map<std::string, std::string> fields(std::string_view rest) {
  std::map<std::string, std::string> kv;
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ')
      ++i;
    size_t j = rest.find(' ', i);
    if (j == std::string_view::npos) j = rest.size();
    const std::string_view w = rest.substr(i, j - i);
    const size_t eq = w.find('=');
    if (eq != std::string_view::npos)
      kv[std::string(w.substr(0, eq))] = std::string(w.substr(eq + 1));
    i = j;
  }
  return kv;
}

uint64_t num(const std::map<std::string, std::string> &kv, const char *key) {
  auto it = kv.find(key);
  if (it == kv.end()) return 0;
  uint64_t v = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return v;
}

} // namespace

Observation parse_probe_output(std::string_view text) {
  Observation o;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(at, nl - at);
    at = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    // A serial console may put kernel output before the probe's words.
    const size_t tag = line.find("PAGERACE-");
    if (tag == std::string_view::npos) continue;
    line.remove_prefix(tag);
    auto after = [&](std::string_view key) -> std::optional<std::string_view> {
      if (line.substr(0, key.size()) != key) return std::nullopt;
      return line.substr(std::min(line.size(), key.size() + 1));
    };
    if (auto r = after("PAGERACE-RESULT")) {
      const auto kv = fields(*r);
      o.complete = true;
      o.kernel = kv.count("kernel") ? kv.at("kernel") : "";
      o.seconds = kv.count("seconds") ? std::atof(kv.at("seconds").c_str()) : 0;
      o.iterations = num(kv, "iterations");
      o.dio_reads = num(kv, "dio_reads");
      o.windows = num(kv, "windows");
      o.race1_windows = num(kv, "race1_windows");
      o.late_iters = num(kv, "late_iters");
      o.late_pages = num(kv, "late_pages");
      o.lost_iters = num(kv, "lost_iters");
      o.lost_pages = num(kv, "lost_pages");
      o.clean_at_return = num(kv, "clean_at_return");
      o.wb_at_return = num(kv, "wb_at_return");
      o.nobuf = num(kv, "nobuf");
      o.warnings = num(kv, "warnings");
      o.oopses = num(kv, "oopses");
      o.errors = num(kv, "errors");
      o.kmsg = num(kv, "kmsg") != 0;
      o.kpageflags = num(kv, "kpageflags") != 0;
    } else if (auto c = after("PAGERACE-CALL")) {
      const auto kv = fields(*c);
      // Whole numbers only: a console may mix kernel text into a line.
      const auto whole = [&](const char *key, auto &out) {
        const auto it = kv.find(key);
        if (it == kv.end()) return false;
        const std::string &s = it->second;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc{} && end == s.data() + s.size();
      };
      int var = -1;
      int64_t value = 0;
      uint64_t times = 0;
      if (!whole("var", var) || var < 0 || !whole("value", value) || !whole("count", times) ||
          times == 0)
        continue;
      o.call_results[var][value] += times;
    } else if (auto k = after("PAGERACE-KMSG")) {
      o.kmsg_lines.emplace_back(*k);
    } else if (auto e = after("PAGERACE-ERROR")) {
      o.probe_errors.emplace_back(*e);
    } else if (auto p = after("PAGERACE-PROBE")) {
      const auto kv = fields(*p);
      if (o.kernel.empty() && kv.count("kernel")) o.kernel = kv.at("kernel");
      o.disk_from_device = kv.count("diskread") && kv.at("diskread") == "device";
    }
  }
  return o;
}

std::string agreement_text(Agreement a) {
  switch (a) {
  case Agreement::AgreesSeen: return "agrees (seen)";
  case Agreement::AgreesNotSeen: return "agrees (model clean, not seen)";
  case Agreement::NotSeenReachable: return "not seen (model: reachable)";
  case Agreement::Disagrees: return "disagrees (seen, model clean)";
  case Agreement::SeenModelBounded: return "seen (model bounded, not reached)";
  case Agreement::NotSeenBounded: return "not seen (model bounded, not reached)";
  case Agreement::NotObservable: return "not observable here";
  case Agreement::NoModel: return "observed only (only ext4 is modelled)";
  case Agreement::NotComparable:
    return "not compared (the model checks it on stable-page devices only)";
  }
  return "?";
}

std::vector<Comparison> compare(const Observation &o, const std::set<std::string> &model_kinds,
                                bool model_exhaustive) {
  struct Row {
    const char *kind;
    bool seen, observable;
    std::string words;
    bool comparable = true;
  };
  const std::vector<Row> rows = {
      {"lost-write", o.lost_pages > 0, true,
       fmt::format("{} page(s) lost in {} iteration(s)", o.lost_pages, o.lost_iters)},
      {"fsync-gap", o.late_pages > 0, true,
       fmt::format("{} page(s) late in {} iteration(s)", o.late_pages, o.late_iters)},
      {"dirty-without-buffers", o.nobuf > 0, o.kmsg,
       fmt::format("{} \"does not have buffers attached\" warning(s)", o.nobuf)},
      // A page clean when the read into it returned was cleaned while the
      // DMA was under way or after it, and DMA wrote a clean page in the
      // first case: evidence, not proof.
      {"write-to-clean-page", o.clean_at_return > 0, o.kpageflags,
       fmt::format("{} page(s) clean when the read into them returned", o.clean_at_return)},
      // The model's write-under-writeback holds on devices that require
      // stable pages; the reproducer's loop and NVMe devices do not.
      {"write-under-writeback", o.wb_at_return > 0, o.kpageflags,
       fmt::format("{} page(s) under writeback when the read into them returned", o.wb_at_return),
       false},
  };
  std::vector<Comparison> out;
  for (const Row &r : rows) {
    Comparison c;
    c.invariant = r.kind;
    c.seen = r.seen;
    c.observed = r.words;
    c.model_reaches = model_kinds.count(r.kind) > 0;
    if (!r.observable && !r.seen)
      c.agreement = Agreement::NotObservable;
    else if (!r.comparable)
      c.agreement = Agreement::NotComparable;
    else if (c.seen)
      c.agreement = c.model_reaches    ? Agreement::AgreesSeen
                    : model_exhaustive ? Agreement::Disagrees
                                       : Agreement::SeenModelBounded;
    else
      c.agreement = c.model_reaches    ? Agreement::NotSeenReachable
                    : model_exhaustive ? Agreement::AgreesNotSeen
                                       : Agreement::NotSeenBounded;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CallComparison> compare_calls(const Observation &o, const scenario::Scenario &sc,
                                          const std::map<int, std::set<int64_t>> &model_values,
                                          bool model_exhaustive) {
  std::vector<CallComparison> out;
  for (const scenario::Cpu &cpu : sc.cpus)
    for (const scenario::Op &op : cpu.ops) {
      if (op.target < 0) continue;
      const scenario::VarType type = sc.vars[static_cast<size_t>(op.target)].type;
      if (type != scenario::VarType::Int && type != scenario::VarType::Aio) continue;
      const auto real = o.call_results.find(op.target);
      if (real == o.call_results.end()) continue;
      // An aio handle is the model's 1 and the probe's own number: a
      // submitted request either way, compared as 1. Its errors are compared.
      const auto as_compared = [&](int64_t v) {
        return type == scenario::VarType::Aio && v > 0 ? 1 : v;
      };
      std::map<int64_t, uint64_t> real_values;
      for (const auto &[value, times] : real->second)
        real_values[as_compared(value)] += times;
      std::set<int64_t> model_set;
      if (const auto model = model_values.find(op.target); model != model_values.end())
        for (const int64_t v : model->second)
          model_set.insert(as_compared(v));
      CallComparison c;
      c.cpu = cpu.name;
      c.call = op.text;
      c.real.assign(real_values.begin(), real_values.end());
      c.model.assign(model_set.begin(), model_set.end());
      bool all = true;
      for (const auto &[value, times] : c.real)
        all = all && std::binary_search(c.model.begin(), c.model.end(), value);
      c.agreement = all                ? Agreement::AgreesSeen
                    : model_exhaustive ? Agreement::Disagrees
                                       : Agreement::SeenModelBounded;
      out.push_back(std::move(c));
    }
  return out;
}

} // namespace pagerace::reality
