// Tests of the report-format table: every row writes its file, names are unique, and the message
// list and the writing loop follow the rows.
#include "reports/report_formats.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

RunResults OneCellRun() {
  RunResults run;
  run.seed = 3;
  CellResult cell;
  cell.backend = "naive";
  cell.scenario = "iterate-while-grow";
  cell.params = {2, 8, 4, 4};
  cell.strategy = "random";
  cell.trials_planned = cell.trials = 10;
  for (InvariantResult& r : cell.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = 10;
  }
  run.cells.push_back(cell);
  return run;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReportFormatsTest, FileNamesAreUniqueAndListedInRowOrder) {
  std::set<std::string_view> files;
  for (const ReportFormat& f : ReportFormats()) {
    EXPECT_TRUE(files.insert(f.file).second) << f.file;
    EXPECT_FALSE(f.description.empty()) << f.file;
    EXPECT_NE(f.write, nullptr) << f.file;
  }
  EXPECT_EQ(ReportFileList(), "results.json, report.txt, report.html, report.md, report.junit.xml");
}

TEST(ReportFormatsTest, EveryRowWritesItsFile) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "report_formats_test" / "out";
  std::filesystem::remove_all(dir);
  const RunResults run = OneCellRun();
  const ReportInputs in{run, "the console text\n", 5};
  ASSERT_TRUE(WriteReportFiles(in, dir.string()).ok());
  for (const ReportFormat& f : ReportFormats()) {
    const std::string content = ReadFile(dir / f.file);
    EXPECT_FALSE(content.empty()) << f.file;
    EXPECT_EQ(content, f.write(in)) << f.file;
  }
  EXPECT_EQ(ReadFile(dir / "report.txt"), "the console text\n");
  EXPECT_NE(ReadFile(dir / "results.json").find("\"iterate-while-grow\""), std::string::npos);
  EXPECT_NE(ReadFile(dir / "report.junit.xml").find("<testsuite"), std::string::npos);
  std::filesystem::remove_all(dir.parent_path());
}

TEST(ReportFormatsTest, AnUnwritableDirectoryIsAnError) {
  const std::filesystem::path file =
      std::filesystem::path(::testing::TempDir()) / "report_formats_test_file";
  std::ofstream(file) << "a file, not a directory";
  const RunResults run = OneCellRun();
  const absl::Status status = WriteReportFiles({run, "", 5}, (file / "out").string());
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("results.json"), std::string::npos) << status;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace mapfault
