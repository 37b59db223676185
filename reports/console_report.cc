// Console progress line and final matrix report.
#include "reports/console_report.h"

#include <algorithm>

#include "fmt/format.h"
#include "reports/coverage_text.h"
#include "harness/base/escape.h"
#include "reports/report_detail.h"

namespace mapfault {
namespace {

// Frames of a finding's stack the console shows (the replay and the HTML report show them all).
constexpr size_t kConsoleStackFrames = 4;


std::string Short(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "ok";
    case Verdict::kBroken: return "BROKEN";
    case Verdict::kOutOfContract: return "ooc";
    case Verdict::kDetected: return "DETECT";
    case Verdict::kNotRun: return "-";
  }
  return "?";
}

}  // namespace

void ProgressPrinter::Update(const Progress& p) {
  const double rate = p.seconds > 0 ? p.done / p.seconds : 0;
  const double frac = p.planned > 0 ? std::min(1.0, static_cast<double>(p.done) / p.planned) : 1;
  const double eta = rate > 0 ? (p.planned - std::min(p.planned, p.done)) / rate : 0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int fill = static_cast<int>(frac * kWidth);
    fmt::print(out_, "\r[{}{}] {:3.0f}%  {}/{} trials  {:.0f} trials/s  ETA {:.0f}s  failing {}   ",
               std::string(fill, '#'), std::string(kWidth - fill, '.'), frac * 100, p.done,
               p.planned, rate, eta, p.failing);
    std::fflush(out_);
    drawn_ = true;
  } else if (last_plain_ < 0 || p.seconds - last_plain_ >= 5) {
    last_plain_ = p.seconds;
    fmt::print(out_, "progress: {:.0f}% {}/{} trials, {:.0f} trials/s, ETA {:.0f}s\n", frac * 100,
               p.done, p.planned, rate, eta);
    std::fflush(out_);
  }
}

void ProgressPrinter::Finish() {
  if (tty_ && drawn_) fmt::print(out_, "\r{:<110}\r", "");
  std::fflush(out_);
}

// What each cell's verdicts cover: "  mutex / mixed-ops: HOLDS: 400 sampled trials, ...".
std::string CoverageSection(const RunResults& results, bool by_strategy) {
  std::string out = "\nCoverage (what each cell's verdicts rest on):\n";
  for (const CellResult& c : results.cells) {
    out += fmt::format("  {} / {}{}: {}\n", EscapeControlBytes(c.backend),
                       EscapeControlBytes(c.scenario),
                       by_strategy ? " / " + EscapeControlBytes(c.strategy) : "",
                       CellCoverageLine(c));
  }
  return out;
}

std::string FormatConsoleReport(const RunResults& results) {
  std::string out;
  size_t bw = 7, sw = 8;
  // With several strategies, a strategy column after the mode (of the widest strategy's width).
  size_t stw = 0;
  const bool by_strategy = report_internal::CellsDifferByStrategy(results);
  for (const CellResult& c : results.cells) {
    bw = std::max(bw, c.backend.size());
    sw = std::max(sw, c.scenario.size());
    if (by_strategy) stw = std::max({stw, c.strategy.size() + 1, size_t{9}});
  }
  out += fmt::format("mapfault: {} cells, seed {}{}\n\n", results.cells.size(), results.seed,
                     results.partial ? " (PARTIAL: stopped before every planned trial ran)" : "");
  out += fmt::format("{:<{}}  {:<{}}  {:<4} {:<{}}{:>7}", "backend", bw, "scenario", sw, "mode",
                     by_strategy ? "strategy" : "", stw, "trials");
  for (Invariant inv : kAllInvariants) out += fmt::format(" {:<6}", InvariantShortName(inv));
  out += "\n";
  for (const CellResult& c : results.cells) {
    // Ids and explanations may come from a results.json (merge): control bytes escaped.
    out += fmt::format("{:<{}}  {:<{}}  {:<4} {:<{}}{:>7}", EscapeControlBytes(c.backend), bw,
                       EscapeControlBytes(c.scenario), sw,
                       c.mode == "perturbed" ? "pert" : "ctrl",
                       by_strategy ? EscapeControlBytes(c.strategy) : "", stw, c.trials);
    for (Invariant inv : kAllInvariants) {
      out += fmt::format(" {:<6}", Short(c.invariants[static_cast<int>(inv)].verdict));
    }
    out += "\n";
  }
  out += "\nok = HOLDS in every trial, BROKEN = a claimed guarantee failed, ooc = failed but "
         "OUT_OF_CONTRACT (not claimed),\nDETECT = DETECTED (the backend reported the misuse "
         "itself), - = NOT_RUN.\nmode: ctrl = controlled (fibers; a replay follows the recorded "
         "schedule), pert = perturbed (real\nthreads; replays report a rate).\nColumns:";
  size_t line = 8;
  for (Invariant inv : kAllInvariants) {
    const std::string item = fmt::format(" {}={}", InvariantShortName(inv), InvariantId(inv));
    if (line + item.size() > 100) {
      out += "\n        ";
      line = 8;
    }
    out += item;
    line += item.size();
  }
  out += "\n";
  out += CoverageSection(results, by_strategy);

  int counts[5] = {};
  bool header = false;
  for (const CellResult& c : results.cells) {
    for (Invariant inv : kAllInvariants) {
      const InvariantResult& r = c.invariants[static_cast<int>(inv)];
      ++counts[static_cast<int>(r.verdict)];
      if (r.token.empty()) continue;
      if (!header) {
        out += "\nFindings (replay each with its command):\n";
        header = true;
      }
      out += fmt::format("\n{} {} / {}{} / {}: {} of {} trials ({:.1f}%), first at trial {}\n",
                         VerdictName(r.verdict), EscapeControlBytes(c.backend),
                         EscapeControlBytes(c.scenario),
                         by_strategy ? " / " + EscapeControlBytes(c.strategy) : "",
                         InvariantId(inv),
                         r.failures, r.evaluated,
                         r.evaluated ? 100.0 * r.failures / r.evaluated : 0.0,
                         r.first_failure_trial);
      out += fmt::format("  {}{}\n", EscapeControlBytes(r.explanation),
                         r.confirmed ? "" : " (NOT confirmed by a replay in a fresh worker)");
      for (const Stack& s : r.stacks) {  // the top frames; replay and the HTML report show all
        for (const std::string& line : StackLines(s, kConsoleStackFrames, "the replay shows all")) {
          out += fmt::format("  {}\n", EscapeControlBytes(line));
        }
      }
      if (report_internal::PerturbedRate(r)) {
        out += fmt::format("  perturbed: {} (real threads; `--times N` measures more)\n",
                           report_internal::ReproductionText(r));
      }
      for (const std::string& how :
           {report_internal::ExactReplayText(r), report_internal::DivergenceText(r)}) {
        if (!how.empty()) out += fmt::format("  {}\n", EscapeControlBytes(how));
      }
      if (r.undecided > 0) {
        out += fmt::format("  ({} trials were undecided: the checker's budget ran out)\n",
                           r.undecided);
      }
      out += ReplayCommand(r.token) + "\n";
    }
  }
  // Trials a harness limit (an explicit --max-steps too small for the program, or the adaptive
  // watchdog) ended: not verdicts.
  for (const CellResult& c : results.cells) {
    const InvariantResult& hang = c.invariants[static_cast<int>(Invariant::kNoHang)];
    const uint64_t step_bound =
        hang.undecided - std::min(hang.undecided, c.watchdog_cuts + c.watchdog_overruns);
    if (step_bound > 0) {
      out += fmt::format(
          "\nHARNESS LIMIT {} / {}: {} trials reached --max-steps, which is below what the program "
          "needs; no-hang and the rest of those trials are undecided (raise --max-steps or drop "
          "it)\n",
          c.backend, c.scenario, step_bound);
    }
    if (c.watchdog_cuts > 0) {
      out += fmt::format(
          "\nADAPTIVE WATCHDOG {} / {}: after a trial overran the full watchdog, {} trials ran "
          "longer than the cell's adaptive watchdog of {:.2f} s and were cut; no-hang and the rest of those trials are undecided, not hangs\n",
          EscapeControlBytes(c.backend), EscapeControlBytes(c.scenario), c.watchdog_cuts,
          c.adaptive_watchdog_seconds);
    }
    if (c.watchdog_overruns > 0) {
      out += fmt::format(
          "\nWATCHDOG OVERRUN {} / {}: {} trials ran past the watchdog, but each one's replay "
          "alone completed (the longest in {:.2f} s): the machine was too slow or too loaded for "
          "the watchdog, not a hang; no-hang and the rest of those trials are undecided (raise "
          "--watchdog)\n",
          EscapeControlBytes(c.backend), EscapeControlBytes(c.scenario), c.watchdog_overruns,
          c.overrun_replay_seconds);
    }
  }
  out += fmt::format(
      "\nsummary: {} BROKEN, {} DETECTED, {} OUT_OF_CONTRACT, {} HOLDS, {} NOT_RUN in {:.1f}s\n",
      counts[static_cast<int>(Verdict::kBroken)], counts[static_cast<int>(Verdict::kDetected)],
      counts[static_cast<int>(Verdict::kOutOfContract)], counts[static_cast<int>(Verdict::kHolds)],
      counts[static_cast<int>(Verdict::kNotRun)], results.seconds);
  return out;
}

}  // namespace mapfault
