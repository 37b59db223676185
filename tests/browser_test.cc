// The HTML report in a real browser: headless Chromium loads the hand-built report from a file
// (network features off, a fresh profile), runs its inline script and dumps the resulting DOM,
// which must hold the matrix with its verdict cells and the findings with their replay commands.
// Skipped when Chromium is not installed.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reports/html_report.h"
#include "reports/report_detail.h"
#include "tests/cli_util.h"

namespace mapfault {

// Defined in reporters_test.cc.
RunResults SampleRunResults();
std::vector<BreakDetail> SampleBreakDetails();

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kChromiumFlags =
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The text from `start` to the first `end` after it ("" when `start` is absent).
std::string Between(const std::string& text, const std::string& start, const std::string& end) {
  const size_t from = text.find(start);
  if (from == std::string::npos) return "";
  const size_t to = text.find(end, from);
  return text.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

TEST(BrowserTest, ChromiumRendersTheHtmlReport) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << "Chromium is not installed (apt-get install chromium); the browser check "
                    "needs it";
  }
  const std::string dir = TempDir("browser");
  const std::string page = dir + "/report.html";
  std::ofstream(page) << FormatHtmlReport(SampleRunResults(), SampleBreakDetails());
  std::filesystem::create_directories(dir + "/profile");
  const std::string cmd = std::string("timeout 120 ") + kChromium + " " + kChromiumFlags +
                          " --user-data-dir='" + dir + "/profile' --dump-dom 'file://" + page +
                          "' >'" + dir + "/dom.html' 2>'" + dir + "/stderr.txt'";
  const int raw = std::system(cmd.c_str());
  const std::string dom = ReadFile(dir + "/dom.html");
  const std::string err = ReadFile(dir + "/stderr.txt");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << "chromium failed: " << cmd << "\n" << err;

  // The inline script ran to its end without an exception.
  EXPECT_NE(dom.find("data-js=\"ready\""), std::string::npos) << dom.substr(0, 300);
  const std::string matrix = Between(dom, "<table id=\"matrix\">", "</table>");
  ASSERT_FALSE(matrix.empty()) << "no matrix in the DOM:\n" << dom.substr(0, 2000);
  EXPECT_EQ(Count(matrix, "data-verdict="), 39u);
  EXPECT_EQ(Count(matrix, "data-verdict=\"BROKEN\""), 2u);
  EXPECT_EQ(Count(matrix, "data-verdict=\"OUT_OF_CONTRACT\""), 1u);
  EXPECT_EQ(Count(matrix, "data-verdict=\"DETECTED\""), 1u);
  EXPECT_EQ(Count(matrix, "data-verdict=\"NOT_RUN\""), 1u);
  EXPECT_NE(
      matrix.find("data-verdict=\"BROKEN\" data-backend=\"naive\" "
                  "data-scenario=\"iterate-while-grow\" data-invariant=\"iter.no-duplicate\""),
      std::string::npos);
  EXPECT_NE(dom.find("id=\"ttff-chart\""), std::string::npos);

  const std::string finding = Between(dom, "id=\"finding-1\"", "</details>");
  ASSERT_FALSE(finding.empty());
  EXPECT_NE(finding.find("mapfault replay mf1_TEST-naive-dup"), std::string::npos);
  EXPECT_NE(finding.find("<table class=\"trace mono\">"), std::string::npos);
  EXPECT_EQ(Count(dom, "<details class=\"finding\""), 4u);
}

}  // namespace
}  // namespace mapfault
