// Test helper: reading back the Markdown tables pagerace prints.
#pragma once

#include <string>
#include <vector>

namespace pagerace::test_util {

// The cells of a Markdown table row, split at '|' that is not
// backslash-escaped, each trimmed of spaces.
inline std::vector<std::string> markdown_cells(const std::string &line) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cur += line.substr(i, 2);
      ++i;
    } else if (line[i] == '|') {
      const size_t b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cur.substr(b, e - b + 1));
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  return out;
}

} // namespace pagerace::test_util
