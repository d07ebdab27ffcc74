// The plan's text form: one record a line, space-separated words.
//   pagerace-plan 1 <scenario>
//   vars N
//   file <name> <pages> <dev a|b> <cached 0|1> <hole 0|1>
//   cpu <task|helper> <name>
//   op|setup <call> <target> <arg>...    arg: c<value> or v<index>+<offset>
#include "reality/plan.hpp"

#include <cctype>
#include <charconv>
#include <sstream>

namespace pagerace::reality {

namespace {

// Names become file names under the probe's directories and words of the
// plan: letters, digits, '_', '-', '.', not starting with '.'.
bool safe_name(std::string_view n) {
  if (n.empty() || n[0] == '.') return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

std::string word(std::string_view n) {
  std::string out;
  for (char c : n)
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
  return out.empty() ? "_" : out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ')
      ++i;
    const size_t j = line.find(' ', i);
    const size_t end = j == std::string_view::npos ? line.size() : j;
    if (end > i) w.push_back(line.substr(i, end - i));
    i = end;
  }
  return w;
}

int64_t number(std::string_view s, int line) {
  int64_t v = 0;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw PlanError("plan line " + std::to_string(line) + ": '" + std::string(s) +
                    "' is not a number");
  return v;
}

PlanArg arg(std::string_view s, int line) {
  PlanArg a;
  if (s.size() > 1 && s[0] == 'c') {
    a.value = number(s.substr(1), line);
    return a;
  }
  if (s.size() > 1 && s[0] == 'v') {
    const size_t sign = s.find_first_of("+-", 1);
    if (sign != std::string_view::npos) {
      a.var = true;
      a.index = static_cast<int>(number(s.substr(1, sign - 1), line));
      a.value = number(s.substr(sign), line);
      return a;
    }
  }
  throw PlanError("plan line " + std::to_string(line) + ": bad argument '" + std::string(s) + "'");
}

} // namespace

std::string write_plan(const Plan &p) {
  std::ostringstream o;
  o << "pagerace-plan 1 " << word(p.scenario) << "\nvars " << p.nvars << "\n";
  for (const PlanFile &f : p.files)
    o << "file " << word(f.name) << ' ' << f.pages << ' ' << f.dev << ' ' << int(f.cached) << ' '
      << int(f.hole) << "\n";
  for (const PlanCpu &c : p.cpus) {
    o << "cpu " << (c.helper ? "helper" : "task") << ' ' << word(c.name) << "\n";
    for (const PlanOp &op : c.ops) {
      o << (op.setup ? "setup " : "op ") << op.call << ' ' << op.target;
      for (const PlanArg &a : op.args) {
        if (a.var)
          o << " v" << a.index << (a.value < 0 ? "" : "+") << a.value;
        else
          o << " c" << a.value;
      }
      o << "\n";
    }
  }
  return o.str();
}

Plan read_plan(std::string_view text) {
  Plan p;
  int line = 0;
  size_t at = 0;
  bool header = false;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    const std::string_view l =
        text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    at = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line;
    const auto w = words(l);
    if (w.empty()) continue;
    auto need = [&](size_t n) {
      if (w.size() < n) throw PlanError("plan line " + std::to_string(line) + ": too few words");
    };
    if (w[0] == "pagerace-plan") {
      need(2);
      if (w[1] != "1") throw PlanError("plan: unknown version " + std::string(w[1]));
      if (w.size() > 2) p.scenario = std::string(w[2]);
      header = true;
    } else if (!header) {
      throw PlanError("plan: no 'pagerace-plan 1' header");
    } else if (w[0] == "vars") {
      need(2);
      p.nvars = static_cast<int>(number(w[1], line));
    } else if (w[0] == "file") {
      need(6);
      PlanFile f;
      f.name = std::string(w[1]);
      if (!safe_name(f.name))
        throw PlanError("plan line " + std::to_string(line) + ": '" + f.name +
                        "' is not a plain file name");
      f.pages = static_cast<int>(number(w[2], line));
      f.dev = w[3] == "b" ? 'b' : 'a';
      f.cached = w[4] == "1";
      f.hole = w[5] == "1";
      p.files.push_back(f);
    } else if (w[0] == "cpu") {
      need(3);
      p.cpus.push_back(PlanCpu{std::string(w[2]), w[1] == "helper", {}});
    } else if (w[0] == "op" || w[0] == "setup") {
      need(3);
      if (p.cpus.empty()) throw PlanError("plan line " + std::to_string(line) + ": op before cpu");
      PlanOp op;
      op.setup = w[0] == "setup";
      op.call = std::string(w[1]);
      op.target = static_cast<int>(number(w[2], line));
      for (size_t i = 3; i < w.size(); ++i)
        op.args.push_back(arg(w[i], line));
      for (const PlanArg &a : op.args)
        if (a.var && (a.index < 0 || a.index >= p.nvars))
          throw PlanError("plan line " + std::to_string(line) + ": no variable " +
                          std::to_string(a.index));
      if (op.target >= p.nvars)
        throw PlanError("plan line " + std::to_string(line) + ": no variable " +
                        std::to_string(op.target));
      p.cpus.back().ops.push_back(std::move(op));
    } else {
      throw PlanError("plan line " + std::to_string(line) + ": unknown record '" +
                      std::string(w[0]) + "'");
    }
  }
  if (!header) throw PlanError("plan: empty");
  return p;
}

} // namespace pagerace::reality
