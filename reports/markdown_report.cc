// Markdown report (GitHub-flavoured: pipe tables, backslash escapes, code spans).
#include "reports/markdown_report.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "reports/coverage_text.h"
#include "reports/report_detail.h"

namespace mapfault {
namespace {

using report_internal::CollectFindings;
using report_internal::FindingRef;
using report_internal::VerdictCellText;

// Markdown punctuation that could start emphasis, a link, HTML, a heading or a table cell.
constexpr std::string_view kMarkdownSpecial = "\\`*_[]<>|#&~";

// Prose on one line: special characters backslash-escaped, line breaks folded into spaces.
std::string EscapeText(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      if (kMarkdownSpecial.find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
  }
  return out;
}

// An identifier or command as a code span: fenced with more backticks than it contains, and with
// '|' escaped so that it can sit in a table cell (GFM unescapes it inside code spans in tables).
std::string Code(std::string_view s, bool in_table = false) {
  size_t run = 0, longest = 0;
  std::string body;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r') c = ' ';
    if (c == '|' && in_table) body += '\\';
    body += c;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fmt::format("{}{}{}{}{}", fence, pad ? " " : "", body, pad ? " " : "", fence);
}

std::string Cell(Verdict v) {
  return v == Verdict::kBroken ? "**BROKEN**" : std::string(VerdictCellText(v));
}

void AppendFinding(const FindingRef& f, std::string& out) {
  const InvariantResult& r = *f.result;
  // One bullet; its lines end in a backslash (a hard line break) so they do not run together.
  std::vector<std::string> lines;
  std::string head =
      fmt::format("**{}** {} / {} / {}: {} of {} trials failed ({:.1f}%), first at trial {}",
                  VerdictName(r.verdict), Code(f.cell->backend), Code(f.cell->scenario),
                  Code(InvariantId(f.invariant)), r.failures, r.evaluated,
                  report_internal::FailurePercent(r), r.first_failure_trial);
  if (!f.cell->strategy.empty()) head += fmt::format(" (strategy {})", Code(f.cell->strategy));
  lines.push_back(head);
  if (!r.explanation.empty()) lines.push_back(EscapeText(r.explanation));
  if (!r.confirmed) lines.push_back("*Not confirmed by a replay in a fresh worker.*");
  if (report_internal::PerturbedRate(r)) {
    lines.push_back(fmt::format("Perturbed: {}.", report_internal::ReproductionText(r)));
  }
  if (const std::string exact = report_internal::ExactReplayText(r); !exact.empty()) {
    lines.push_back(fmt::format("{}.", exact));
  }
  if (const std::string diverged = report_internal::DivergenceText(r); !diverged.empty()) {
    lines.push_back(fmt::format("{}.", EscapeText(diverged)));
  }
  if (r.undecided > 0) {
    lines.push_back(
        fmt::format("({} trials were undecided: the checker's budget ran out.)", r.undecided));
  }
  lines.push_back(fmt::format("Replay: {}", Code(report_internal::ReplayCommand(r.token))));
  for (size_t i = 0; i < lines.size(); ++i) {
    out +=
        fmt::format("{}{}{}\n", i == 0 ? "- " : "  ", lines[i], i + 1 < lines.size() ? "\\" : "");
  }
}

// What each cell's verdicts rest on, one item per cell.
void AppendCoverage(const RunResults& results, bool by_strategy, std::string& out) {
  for (const CellResult& c : results.cells) {
    fmt::format_to(std::back_inserter(out), "- {} / {}{}: {}\n", Code(c.backend),
                   Code(c.scenario), by_strategy ? " / " + Code(c.strategy) : "",
                   EscapeText(CellCoverageLine(c)));
  }
}

}  // namespace

std::string FormatMarkdownReport(const RunResults& results) {
  std::string out = "# mapfault report\n\n";
  auto it = std::back_inserter(out);
  fmt::format_to(it, "Seed: {}, partial: {}, duration: {:.1f} s, cells: {}.\n\n",
                 Code(fmt::format("{}", results.seed)), results.partial ? "**yes**" : "no",
                 results.seconds, results.cells.size());
  if (results.partial) {
    out +=
        "> **Partial run**: stopped before every planned trial ran; verdicts cover the trials "
        "that ran.\n\n";
  }
  fmt::format_to(it, "**Summary:** {}.\n\n",
                 report_internal::CountsText(report_internal::CountVerdicts(results)));

  const bool by_strategy = report_internal::CellsDifferByStrategy(results);
  out += by_strategy ? "| backend | scenario | mode | strategy | trials |"
                     : "| backend | scenario | mode | trials |";
  for (Invariant inv : kAllInvariants) fmt::format_to(it, " {} |", InvariantShortName(inv));
  out += by_strategy ? "\n|---|---|---|---|---:|" : "\n|---|---|---|---:|";
  for (size_t i = 0; i < std::size(kAllInvariants); ++i) out += ":---:|";
  out += "\n";
  for (const CellResult& c : results.cells) {
    fmt::format_to(it, "| {} | {} | {} |{} {} |", Code(c.backend, true), Code(c.scenario, true),
                   c.mode, by_strategy ? fmt::format(" {} |", Code(c.strategy, true)) : "",
                   c.trials);
    for (Invariant inv : kAllInvariants) {
      fmt::format_to(it, " {} |", Cell(c.invariants[static_cast<int>(inv)].verdict));
    }
    out += "\n";
  }
  out +=
      "\nok = HOLDS in every trial, **BROKEN** = a claimed guarantee failed, ooc = failed but "
      "OUT_OF_CONTRACT (not claimed), DETECTED = the backend reported the misuse itself, - = "
      "NOT_RUN. Columns:";
  for (Invariant inv : kAllInvariants) {
    fmt::format_to(it, " {}={}", InvariantShortName(inv), Code(InvariantId(inv)));
  }
  out += ".\n\n## Coverage\n\n";
  AppendCoverage(results, by_strategy, out);
  out += "\n## Findings\n\n";
  const std::vector<FindingRef> findings = CollectFindings(results);
  if (findings.empty()) out += "No findings: every invariant held in every trial that judged it.\n";
  for (const FindingRef& f : findings) AppendFinding(f, out);
  return out;
}

}  // namespace mapfault
