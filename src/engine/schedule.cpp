#include "engine/schedule.hpp"

#include <charconv>

namespace pagerace::engine {

std::string format_schedule(const Schedule &s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j < s.size() && s[j] == s[i])
      ++j;
    if (!out.empty()) out += '.';
    out += std::to_string(s[i].actor);
    if (s[i].alt) out += '/' + std::to_string(s[i].alt);
    if (j - i > 1) out += '*' + std::to_string(j - i);
    i = j;
  }
  return out;
}

std::optional<Schedule> parse_schedule(const std::string &text, std::string *error) {
  Schedule out;
  auto fail = [&](const std::string &m) -> std::optional<Schedule> {
    if (error) *error = m;
    return std::nullopt;
  };
  const char *p = text.data(), *end = text.data() + text.size();
  auto number = [&](int &v) {
    auto [q, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || q == p) return false;
    p = q;
    return true;
  };
  while (p < end) {
    int actor = 0, alt = 0, rep = 1;
    const size_t col = static_cast<size_t>(p - text.data()) + 1;
    if (!number(actor) || actor < 0 || actor > 255)
      return fail("schedule: expected an actor number at column " + std::to_string(col));
    if (p < end && *p == '/') {
      ++p;
      if (!number(alt) || alt < 0 || alt > 255)
        return fail("schedule: expected a choice number after '/' at column " +
                    std::to_string(col));
    }
    if (p < end && *p == '*') {
      ++p;
      if (!number(rep) || rep < 1 || rep > 1000000)
        return fail("schedule: expected a repetition count after '*' at column " +
                    std::to_string(col));
    }
    for (int i = 0; i < rep; ++i)
      out.push_back(Step{static_cast<uint8_t>(actor), static_cast<uint8_t>(alt)});
    if (p < end) {
      if (*p != '.')
        return fail("schedule: expected '.' at column " +
                    std::to_string(static_cast<size_t>(p - text.data()) + 1));
      ++p;
      if (p == end) return fail("schedule: trailing '.'");
    }
  }
  return out;
}

int context_switches(const Schedule &s) {
  int n = 0;
  for (size_t i = 1; i < s.size(); ++i)
    n += s[i].actor != s[i - 1].actor;
  return n;
}

bool preferred(const Schedule &a, const Schedule &b) {
  if (a.size() != b.size()) return a.size() < b.size();
  const int sa = context_switches(a), sb = context_switches(b);
  if (sa != sb) return sa < sb;
  return a < b;
}

} // namespace pagerace::engine
