// The report-format table's rows, and the loop that writes them.
#include "reports/report_formats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/run/replay.h"
#include "harness/run/token.h"
#include "harness/run/trial.h"
#include "harness/run/worker.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"

namespace mapfault {
namespace {

// Replays each finding (at most kMaxDetails) alone in a worker, for the HTML report's interleaving
// views. A finding whose backend is not loaded keeps its explanation and replay command only.
std::vector<BreakDetail> ReplayFindings(const RunResults& results, double watchdog) {
  constexpr size_t kMaxDetails = 60;
  std::vector<BreakDetail> details;
  for (const CellResult& c : results.cells) {
    for (const InvariantResult& r : c.invariants) {
      if (r.token.empty() || details.size() == kMaxDetails) continue;
      absl::StatusOr<ReplayToken> token = ReplayToken::Decode(r.token);
      if (!token.ok()) continue;
      absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token);
      if (!spec.ok()) continue;
      BreakDetail d;
      d.token = r.token;
      d.decoded = *token;
      d.program = ProgramFor(*spec);
      d.outcome = RunTrialIsolated(*spec, watchdog);
      details.push_back(std::move(d));
    }
  }
  return details;
}

constexpr ReportFormat kFormats[] = {
    {"results.json", "the machine-readable results (schema in docs/cli.md), for `mapfault merge`",
     [](const ReportInputs& in) { return ResultsToJson(in.results).dump(2) + "\n"; }},
    {"report.txt", "the console report, as printed",
     [](const ReportInputs& in) { return std::string(in.console_text); }},
    {"report.html", "a self-contained HTML report with each finding's replayed interleaving",
     [](const ReportInputs& in) {
       return FormatHtmlReport(in.results, ReplayFindings(in.results, in.watchdog_seconds));
     }},
    {"report.md", "a Markdown summary for a CI job summary or a pull-request comment",
     [](const ReportInputs& in) { return FormatMarkdownReport(in.results); }},
    {"report.junit.xml", "JUnit XML for CI: one test case per backend x scenario x invariant",
     [](const ReportInputs& in) { return FormatJUnitReport(in.results); }},
};

}  // namespace

std::span<const ReportFormat> ReportFormats() { return kFormats; }

std::string ReportFileList() {
  std::vector<std::string> files;
  for (const ReportFormat& f : kFormats) files.emplace_back(f.file);
  return absl::StrJoin(files, ", ");
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temp =
      path.parent_path() / absl::StrCat(".", path.filename().string(), ".", getpid(), ".tmp");
  std::error_code ec;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (out) std::filesystem::rename(temp, path, ec);
    if (out && !ec) return absl::OkStatus();
  }
  std::filesystem::remove(temp, ec);
  return absl::UnavailableError(absl::StrCat(
      "cannot write ", path.string(), " (disk full or not writable?); the previous file, if any, "
      "is unchanged"));
}

absl::Status CheckReportDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create the report directory '", dir,
                     "': choose a writable directory with --out DIR"));
  }
  if (!WriteFileAtomically(std::filesystem::path(dir) / ".mapfault-probe", "probe\n").ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write into the report directory '", dir,
                     "': choose a writable directory with --out DIR"));
  }
  std::filesystem::remove(std::filesystem::path(dir) / ".mapfault-probe", ec);
  return absl::OkStatus();
}

absl::Status WriteReportFiles(const ReportInputs& in, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path base(dir);
  for (const ReportFormat& f : kFormats) {
    if (absl::Status s = WriteFileAtomically(base / f.file, f.write(in)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace mapfault
