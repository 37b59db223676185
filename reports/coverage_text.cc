// Coverage in words (see coverage_text.h).
#include "reports/coverage_text.h"

#include <cmath>

#include "fmt/format.h"

namespace mapfault {
namespace {

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", GroupThousands(n), n == 1 ? one : many);
}

// Where the schedules lie when --shard split each program's schedule tree: ", in shard 1/4 of
// each program's schedule tree" (a shard), ", each program's schedule tree searched in 4 shards"
// (merged).
std::string TreeShardText(const Coverage& c) {
  if (c.tree_shards <= 1) return "";
  if (c.tree_shard >= 0) {
    return fmt::format(", in shard {}/{} of each program's schedule tree", c.tree_shard,
                       c.tree_shards);
  }
  return fmt::format(", each program's schedule tree searched in {} shards", c.tree_shards);
}

// Which stores the search let weak loads read (under c11): " and <= 1 stale read", or " (weak
// loads reading the latest store)"; nothing under sc.
std::string StaleText(const Coverage& c) {
  if (!c.stale_read_bound) return "";
  if (*c.stale_read_bound == 0) return " (weak loads reading the latest store)";
  return fmt::format(" and <= {}", Plural(*c.stale_read_bound, "stale read", "stale reads"));
}

std::string ExhaustiveText(const Coverage& c) {
  const std::string bound = Plural(c.preemption_bound, "preemption", "preemptions") + StaleText(c);
  const std::string programs = Plural(c.programs, "program", "programs");
  const std::string schedules = Plural(c.schedules, "schedule", "schedules");
  const std::string_view reduced = c.reduced ? " (reduced by sleep sets)" : "";
  const std::string shards = TreeShardText(c);
  if (c.complete) {
    return fmt::format("every schedule with <= {} of {}, {}{}{}", bound, programs, schedules,
                       reduced, shards);
  }
  // Stopped early (a failure, a crash, --max-schedules, --time-budget): say how far it got. Merged
  // tree shards know only a lower bound of the programs every shard fully explored.
  const bool at_least = c.tree_shards > 1 && c.tree_shard < 0;
  std::string text = fmt::format("schedules with <= {} of {} searched, {}{}{} (INCOMPLETE: {}{} "
                                 "fully explored",
                                 bound, programs, schedules, reduced, shards,
                                 at_least ? "at least " : "",
                                 Plural(c.programs_complete, "program", "programs"));
  if (c.bound_complete >= 0 && c.bound_complete < c.preemption_bound) {
    text += fmt::format(", every program up to {}",
                        Plural(c.bound_complete, "preemption", "preemptions"));
  }
  return text + ")";
}

std::string SampledText(const CellResult& cell) {
  const Coverage& c = cell.coverage;
  std::string text = Plural(cell.trials, "sampled trial", "sampled trials");
  if (c.distinct_schedules) {
    text += fmt::format(", {}", Plural(*c.distinct_schedules, "distinct schedule",
                                       "distinct schedules"));
  }
  if (c.stale_reads && *c.stale_reads > 0) {
    text += fmt::format(", {} (c11)", Plural(*c.stale_reads, "stale atomic read",
                                             "stale atomic reads"));
  }
  if (c.pct_bound && *c.pct_bound > 0) {
    const double survive = std::pow(1 - *c.pct_bound, static_cast<double>(cell.trials));
    text += fmt::format("; a bug of PCT's depth survives them with probability <= {:.3g}",
                        survive);
  }
  return text;
}

}  // namespace

std::string GroupThousands(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string CoverageText(const CellResult& cell) {
  return cell.coverage.kind == Coverage::Kind::kExhaustive ? ExhaustiveText(cell.coverage)
                                                           : SampledText(cell);
}

std::string_view CellVerdictName(const CellResult& cell) {
  constexpr Verdict kOrder[] = {Verdict::kBroken, Verdict::kDetected, Verdict::kOutOfContract,
                                Verdict::kHolds};
  for (Verdict v : kOrder) {
    for (const InvariantResult& r : cell.invariants) {
      if (r.verdict == v) return VerdictName(v);
    }
  }
  return VerdictName(Verdict::kNotRun);
}

std::string CellCoverageLine(const CellResult& cell) {
  return fmt::format("{}: {}", CellVerdictName(cell), CoverageText(cell));
}

}  // namespace mapfault
