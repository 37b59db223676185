// Console reporting: the progress line while a run is going, then the matrix of backends x scenarios
// x invariants and one `mapfault replay <token>` line per finding.
#ifndef MAPFAULT_REPORTS_CONSOLE_REPORT_H_
#define MAPFAULT_REPORTS_CONSOLE_REPORT_H_

#include <cstdio>
#include <string>

#include "harness/run/supervisor.h"
#include "harness/run/verdict.h"

namespace mapfault {

// Draws a progress bar with trials/s and ETA on `out`: rewritten in place on a terminal, plain lines
// (at most one every few seconds) otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, bool is_tty) : out_(out), tty_(is_tty) {}
  void Update(const Progress& p);
  void Finish();

 private:
  std::FILE* out_;
  bool tty_;
  double last_plain_ = -1;
  bool drawn_ = false;
};

// The final report: header, matrix, legend, findings with their replay commands, summary.
std::string FormatConsoleReport(const RunResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_CONSOLE_REPORT_H_
