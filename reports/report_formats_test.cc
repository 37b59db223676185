// Tests of the report-format table: every row writes its file, names are unique, and the message
// list and the writing loop follow the rows.
#include "reports/report_formats.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
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

TEST(ReportFormatsTest, CheckReportDirRefusesWhatCannotHoldReports) {
  const std::filesystem::path base =
      std::filesystem::path(::testing::TempDir()) / "report_formats_check";
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  EXPECT_TRUE(CheckReportDir((base / "new" / "out").string()).ok());  // created
  EXPECT_TRUE(std::filesystem::is_directory(base / "new" / "out"));
  EXPECT_TRUE(std::filesystem::is_empty(base / "new" / "out"));  // the probe file is gone
  std::ofstream(base / "file") << "a file, not a directory";
  const absl::Status status = CheckReportDir((base / "file" / "out").string());
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("choose a writable directory with --out DIR"),
            std::string::npos);
  std::filesystem::remove_all(base);
}

// A full disk, simulated by a file-size limit in a child process: no report is left truncated or
// empty, and the previous results.json survives whole.
TEST(ReportFormatsTest, AFullDiskLeavesNoTruncatedReport) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "report_formats_full";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string previous = "{\"previous\": true}\n";
  std::ofstream(dir / "results.json") << previous;
  const RunResults run = OneCellRun();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
    const rlimit limit{512, 512};
    setrlimit(RLIMIT_FSIZE, &limit);
    _exit(WriteReportFiles({run, "", 5}, dir.string()).ok() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);  // the write failed, and said so
  EXPECT_EQ(ReadFile(dir / "results.json"), previous);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename(), "results.json") << "left behind: " << entry.path();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mapfault
