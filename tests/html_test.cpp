// The HTML timeline's content, without a browser (tests/browser/ drives
// Chromium): traces carry one state per step plus the initial one when asked
// for, every text is escaped, the violating step is marked, and the page
// loads nothing from outside.
#include "app/check.hpp"
#include "report/html.hpp"
#include "scenario/builtin.hpp"
#include "scenario/parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace pagerace;

trace::Result checked(const scenario::Scenario &sc, const char *variant, bool states) {
  app::CheckOptions o;
  o.trace_states = states;
  return app::check(sc, *model::find_variant(variant), o);
}

TEST(HtmlTimeline, TracesCarryOneStatePerStepOnlyWhenAsked) {
  const auto sc = scenario::load_scenario("seed-race1");
  const auto with = checked(sc, "v4.15", true), without = checked(sc, "v4.15", false);
  ASSERT_FALSE(with.violations.empty());
  for (const auto &v : with.violations) {
    EXPECT_EQ(v.trace.states.size(), static_cast<size_t>(v.trace.steps) + 1) << v.kind;
    bool page = false;
    for (const auto &o : v.trace.states.back().objects)
      page = page || o.kind == "page";
    EXPECT_TRUE(page) << "no page in the final state of " << v.kind;
  }
  for (const auto &v : without.violations)
    EXPECT_TRUE(v.trace.states.empty());
}

TEST(HtmlTimeline, TheViolatingStepIsMarkedAndNothingIsLoadedFromOutside) {
  const auto r = checked(scenario::load_scenario("seed-race2"), "v4.15", true);
  const std::string html = report::render_result_html({r});
  EXPECT_NE(html.find("class=\"step bad\""), std::string::npos);
  EXPECT_NE(html.find("class=\"ev violation\""), std::string::npos);
  EXPECT_NE(html.find("write-to-clean-page"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(HtmlTimeline, TextIsEscaped) {
  // A CPU name that would be markup, and one that would close the script
  // holding the states.
  const auto sc = scenario::parse_scenario(
      "name = \"esc\"\n[files]\nfile1 = { pages = 1 }\nfile2 = { pages = 1 }\n"
      "[[cpu]]\nname = \"<b>CPU</b>\"\nrun = [\"addr = mmap(file1, MAP_SHARED)\", "
      "\"fd2 = open(file2, O_DIRECT | O_RDONLY)\", \"read(fd2, addr, 4096)\"]\n"
      "[[cpu]]\nname = \"</script><i>\"\nrun = [\"writeback()\"]\n"
      "[[cpu]]\nname = \"<!--<script>\"\nrun = [\"kswapd()\"]\n",
      "esc.toml");
  const auto r = checked(sc, "v4.15", true);
  ASSERT_FALSE(r.violations.empty());
  const std::string html = report::render_result_html({r});
  EXPECT_EQ(html.find("<b>CPU</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;CPU&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("</script><i>"), std::string::npos);
  EXPECT_EQ(html.find("<!--<script>"), std::string::npos);
  // Inside the states' JSON, '<' is never written as itself.
  const size_t json = html.find("class=\"states\">");
  ASSERT_NE(json, std::string::npos);
  const size_t end = html.find("</script>", json);
  EXPECT_EQ(html.substr(json + 16, end - json - 16).find('<'), std::string::npos);
}

} // namespace
