// The strategy table's rows, and everything generated from them.
#include "harness/strategies/strategy_table.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/strategies/exhaustive_strategy.h"
#include "harness/strategies/noise.h"
#include "harness/strategies/pct_strategy.h"
#include "harness/strategies/portfolio_strategy.h"
#include "harness/strategies/random_strategy.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {
namespace {

using K = StrategyKind;

// One row per strategy, in token-code order.
constexpr StrategyRow kRows[] = {
    {.kind = K::kRandom,
     .name = "random",
     .description = "random walk: a uniformly random runnable thread at every scheduling point",
     .in_controlled = K::kRandom,
     .in_perturbed = K::kNoise,
     .make_controlled = MakeRandomStrategy},
    {.kind = K::kPct,
     .name = "pct",
     .params = "d=N",
     .params_note = "N in 1..10",
     .description = "PCT with bug depth N (default 3): random priorities, N-1 change points (in "
                    "perturbed mode realised as delays)",
     .in_controlled = K::kPct,
     .in_perturbed = K::kPct,
     .parse_params = ParsePctParams,
     .format_params = FormatPctParams,
     .make_controlled = MakePctStrategy,
     .noise = PctNoise},
    {.kind = K::kStress,
     .name = "stress",
     .description = "perturbed mode: real threads with no noise (baseline)",
     .in_controlled = K::kRandom,
     .in_perturbed = K::kStress},
    {.kind = K::kNoise,
     .name = "noise",
     .description = "perturbed mode: seeded yields, spins and short sleeps at every operation "
                    "boundary, iteration step and lock",
     .in_controlled = K::kRandom,
     .in_perturbed = K::kNoise,
     .noise = JitterNoise},
    {.kind = K::kPortfolio,
     .name = "portfolio",
     .description = "per trial, from its seed: random, pct:d=2 or pct:d=3 (controlled); noise or "
                    "pct:d=3 (perturbed)",
     .in_controlled = K::kPortfolio,
     .in_perturbed = K::kPortfolio,
     .make_controlled = MakePortfolioStrategy,
     .noise = PortfolioNoise},
    // Its thread start is harness/run/reference_loop.{h,cc} (a perturbed trial picks it by kind).
    {.kind = K::kReferenceLoop,
     .name = "reference-loop",
     .description = "perturbed mode: a hand-written stress loop (fresh std::threads per trial on an "
                    "atomic spin barrier, no noise), the baseline stress must match",
     .in_controlled = K::kRandom,
     .in_perturbed = K::kReferenceLoop},
    // Its search over a program's schedules is harness/run/exhaustive_search.{h,cc}.
    {.kind = K::kExhaustive,
     .name = "exhaustive",
     .params = "pb=K",
     .params_note = "K in 0..8; optionally ,max=N ,stale=S (S in 0..8, default 1) ,por=off",
     .description = "controlled mode: every schedule of each program with at most K preemptions, "
                    "by increasing preemptions (perturbed mode: noise)",
     .in_controlled = K::kExhaustive,
     .in_perturbed = K::kNoise,
     .parse_params = ParseExhaustiveParams,
     .format_params = FormatExhaustiveParams,
     .make_controlled = MakeExhaustiveStrategy},
};

constexpr bool RowsAreInCodeOrder() {
  for (size_t i = 0; i < std::size(kRows); ++i) {
    if (static_cast<size_t>(kRows[i].kind) != i) return false;
  }
  return true;
}
static_assert(RowsAreInCodeOrder(), "kRows[i] must be the row of token code i");
static_assert(std::size(kRows) <= 16, "token codes must stay below the +preempt bit (16)");

constexpr bool StandInsDriveTheirMode() {
  for (const StrategyRow& row : kRows) {
    const auto& c = kRows[static_cast<size_t>(row.in_controlled)];
    const auto& p = kRows[static_cast<size_t>(row.in_perturbed)];
    // (That a row driving controlled mode has a factory is checked by strategy_table_test.cc: a
    // function pointer compared with null is not a constant expression under ASan.)
    if (!c.Drives(ExecMode::kControlled)) return false;
    if (!p.Drives(ExecMode::kPerturbed)) return false;
  }
  return true;
}
static_assert(StandInsDriveTheirMode(), "a stand-in must drive its mode");

std::string ListId(const StrategyRow& row) {
  std::string id(row.name);
  if (!row.params.empty()) id.append(":").append(row.params);
  return id;
}

}  // namespace

std::span<const StrategyRow> StrategyRows() { return kRows; }

const StrategyRow& StrategyRowOf(StrategyKind kind) { return kRows[static_cast<size_t>(kind)]; }

bool IsKnownStrategyCode(uint64_t code) { return code < std::size(kRows); }

StrategySpec StrategyForMode(StrategySpec spec, ExecMode mode) {
  const StrategyRow& row = StrategyRowOf(spec.kind);
  if (mode == ExecMode::kControlled) {
    spec.kind = row.in_controlled;
    spec.preempt = false;  // fibers are preempted at every scheduling point already
  } else {
    spec.kind = row.in_perturbed;
  }
  return spec;
}

ExecMode PreferredMode(const StrategySpec& spec) {
  return spec.preempt || !StrategyRowOf(spec.kind).Drives(ExecMode::kControlled)
             ? ExecMode::kPerturbed
             : ExecMode::kControlled;
}

std::vector<std::pair<std::string, std::string>> StrategyListEntries() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const StrategyRow& row : kRows) out.emplace_back(ListId(row), row.description);
  out.emplace_back("...+preempt",
                   "perturbed mode: also pin the trial's threads to one CPU and preempt them with "
                   "timer signals inside library code");
  return out;
}

std::string StrategyHelp() {
  std::vector<std::string> parts;
  for (ExecMode mode : {ExecMode::kControlled, ExecMode::kPerturbed}) {
    std::vector<std::string> names;
    for (const StrategyRow& row : kRows) {
      if (!row.Drives(mode)) continue;
      names.emplace_back(row.name);
      if (!row.params.empty()) names.push_back(ListId(row));
    }
    parts.push_back(absl::StrCat(absl::StrJoin(names, " | "),
                                 mode == ExecMode::kControlled ? " (controlled)" : " (perturbed)"));
  }
  return absl::StrCat(absl::StrJoin(parts, "; "), "; perturbed ones may end in +preempt");
}

std::string ValidStrategySpellings() {
  std::vector<std::string> spellings;
  for (const StrategyRow& row : kRows) {
    spellings.emplace_back(row.name);
    if (row.params.empty()) continue;
    spellings.push_back(absl::StrCat(ListId(row), " (", std::string(row.params_note), ")"));
  }
  return absl::StrJoin(spellings, ", ");
}

}  // namespace mapfault
