// JUnit XML report. The layout follows the de-facto schema Jenkins, GitLab and GitHub test
// reporters read: <testsuites> with totals, <testsuite> per backend with <properties> (the run
// seed, and partial="true" for an interrupted run), <testcase classname name time>.
#include "reports/junit_report.h"

#include <iterator>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "reports/coverage_text.h"
#include "reports/report_detail.h"

namespace mapfault {
namespace {

using report_internal::EscapeMarkup;
using report_internal::FailurePercent;
using report_internal::ReplayCommand;

constexpr std::string_view kClassPrefix = "mapfault.";

struct SuiteCounts {
  uint64_t tests = 0;
  uint64_t failures = 0;
  uint64_t skipped = 0;
};

void Count(const CellResult& c, SuiteCounts& counts) {
  for (Invariant inv : kAllInvariants) {
    const InvariantResult& r = c.invariants[static_cast<int>(inv)];
    ++counts.tests;
    counts.failures += r.verdict == Verdict::kBroken;
    counts.skipped += r.verdict == Verdict::kNotRun;
  }
}

// The text of a finding: what broke, how often, why, the proof and how to replay it.
std::string FindingText(const CellResult& c, Invariant inv, const InvariantResult& r) {
  std::string out = fmt::format("{} {} / {} / {}: {}\n", VerdictName(r.verdict), c.backend,
                                c.scenario, InvariantId(inv), r.explanation);
  if (!r.evidence.empty()) {
    out += "evidence:\n";
    for (const std::string& e : r.evidence) out += fmt::format("  {}\n", e);
  }
  if (!r.confirmed) out += "NOT confirmed by a replay in a fresh worker\n";
  if (report_internal::PerturbedRate(r)) {
    out += fmt::format("{}\n", report_internal::ReproductionText(r));
  }
  for (const std::string& how :
       {report_internal::ExactReplayText(r), report_internal::DivergenceText(r)}) {
    if (!how.empty()) out += how + "\n";
  }
  if (r.undecided > 0) {
    out += fmt::format("{} trials were undecided (the checker's budget ran out)\n", r.undecided);
  }
  out += fmt::format("first failing trial: {}\n", r.first_failure_trial);
  out += fmt::format("failure rate: {:.1f}% ({} of {} trials)\n", FailurePercent(r), r.failures,
                     r.evaluated);
  out += fmt::format("strategy: {}, mode: {}\n", c.strategy, c.mode);
  out += fmt::format("coverage: {}\n", CoverageText(c));
  if (!r.token.empty()) out += ReplayCommand(r.token) + "\n";
  return out;
}

// One testcase; `with_strategy` (a run with several strategies) appends the cell's strategy to the
// class name, "mapfault.BACKEND.SCENARIO[STRATEGY]", so that every testcase stays distinct.
void AppendTestCase(const CellResult& c, Invariant inv, bool with_strategy, std::string& out) {
  const InvariantResult& r = c.invariants[static_cast<int>(inv)];
  auto it = std::back_inserter(out);
  const std::string strategy = with_strategy ? fmt::format("[{}]", c.strategy) : "";
  fmt::format_to(it, "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                 EscapeMarkup(fmt::format("{}{}.{}{}", kClassPrefix, c.backend, c.scenario,
                                          strategy), true),
                 EscapeMarkup(InvariantId(inv), true));
  switch (r.verdict) {
    case Verdict::kHolds:  // what the verdict rests on, and what its checker left undecided
      fmt::format_to(
          it, ">\n      <system-out>{}</system-out>\n",
          EscapeMarkup(fmt::format("HOLDS: {}\n{}", CoverageText(c),
                                   r.undecided == 0
                                       ? ""
                                       : fmt::format("HOLDS in {} trials; {} trials were undecided "
                                                     "(the checker's budget ran out)\n",
                                                     r.evaluated, r.undecided))));
      break;
    case Verdict::kBroken:
      fmt::format_to(it, ">\n      <failure message=\"{}\" type=\"BROKEN\">{}</failure>\n",
                     EscapeMarkup(r.explanation, true), EscapeMarkup(FindingText(c, inv, r)));
      break;
    case Verdict::kOutOfContract:
    case Verdict::kDetected: {
      const std::string_view note = r.verdict == Verdict::kDetected
                                        ? "not a failure: the backend reported the misuse itself"
                                        : "not a failure: the backend's contract does not claim "
                                          "this invariant";
      fmt::format_to(it, ">\n      <system-out>{}</system-out>\n",
                     EscapeMarkup(fmt::format("{}\n{}", note, FindingText(c, inv, r))));
      break;
    }
    case Verdict::kNotRun: out += ">\n      <skipped message=\"not run\"/>\n"; break;
  }
  out += "    </testcase>\n";
}

}  // namespace

std::string FormatJUnitReport(const RunResults& results) {
  // Backends in order of first appearance; a backend's cells need not be adjacent.
  std::vector<std::string_view> backends;
  for (const CellResult& c : results.cells) {
    bool seen = false;
    for (std::string_view b : backends) seen |= b == c.backend;
    if (!seen) backends.push_back(c.backend);
  }
  SuiteCounts total;
  for (const CellResult& c : results.cells) Count(c, total);
  const bool with_strategy = report_internal::CellsDifferByStrategy(results);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<testsuites name=\"mapfault\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                 "skipped=\"{}\" time=\"{:.3f}\">\n",
                 total.tests, total.failures, total.skipped, results.seconds);
  for (std::string_view backend : backends) {
    SuiteCounts counts;
    for (const CellResult& c : results.cells) {
      if (c.backend == backend) Count(c, counts);
    }
    fmt::format_to(it,
                   "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                   "skipped=\"{}\" time=\"0\">\n",
                   EscapeMarkup(backend, true), counts.tests, counts.failures, counts.skipped);
    out += "    <properties>\n";
    fmt::format_to(it, "      <property name=\"seed\" value=\"{}\"/>\n", results.seed);
    if (results.partial) out += "      <property name=\"partial\" value=\"true\"/>\n";
    out += "    </properties>\n";
    for (const CellResult& c : results.cells) {
      if (c.backend != backend) continue;
      for (Invariant inv : kAllInvariants) AppendTestCase(c, inv, with_strategy, out);
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace mapfault
