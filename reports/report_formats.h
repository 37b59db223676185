// The report-format table: one row per file `mapfault run` and `mapfault merge` write into their
// --out directory (results.json, the console text, JUnit XML, Markdown, HTML), carrying its file
// name, a description and its writer. The commands' writing loop and their "reports written to"
// message come from it. A new format = its own reports/<name>_report.{h,cc}, a row in
// report_formats.cc, a test and the docs.
#ifndef MAPFAULT_REPORTS_REPORT_FORMATS_H_
#define MAPFAULT_REPORTS_REPORT_FORMATS_H_

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "harness/run/verdict.h"

namespace mapfault {

// What a writer gets.
struct ReportInputs {
  const RunResults& results;
  std::string_view console_text;   // the console report, as printed (FormatConsoleReport)
  double watchdog_seconds = 10;    // a writer that replays findings (HTML) gives each this long
};

struct ReportFormat {
  std::string_view file;           // "report.html", inside the --out directory
  std::string_view description;
  std::string (*write)(const ReportInputs& in) = nullptr;  // the file's whole content
};

// Every format, in the order of the "reports written to" message.
std::span<const ReportFormat> ReportFormats();
// "results.json, report.txt, report.html, report.md, report.junit.xml".
std::string ReportFileList();
// Checks, before a command runs anything, that its reports can be written to `dir`: creates it if
// missing and writes (then removes) a probe file in it. The error names `dir` and why.
absl::Status CheckReportDir(const std::string& dir);
// Writes `content` to `path` through a temporary file beside it, renamed over `path` when complete;
// a failure (disk full, not writable) leaves the previous file unchanged and names `path`.
absl::Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content);
// Writes every format's file into `dir`, creating it. Each file is written to a temporary file in
// `dir` and renamed over the old one only once complete, so a full disk leaves the previous file
// (or none), never a truncated one. A failure names the file it could not write.
absl::Status WriteReportFiles(const ReportInputs& in, const std::string& dir);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_REPORT_FORMATS_H_
