// The strategy table: one row per scheduling strategy, carrying its token code, name, parameter
// syntax, help text, the modes it drives and what it stands for in the other one, its controlled
// factory and its noise-plan hook. StrategySpec::Parse/ToString, MakeStrategy, NoisePlan,
// `mapfault list strategies`, the --strategy help, StrategyForMode and the bug benchmark's mode
// choice are all generated from it. A new strategy = its own <name>_strategy.{h,cc}, a kind below,
// a row in strategy_table.cc, a test and the docs.
#ifndef MAPFAULT_HARNESS_STRATEGIES_STRATEGY_TABLE_H_
#define MAPFAULT_HARNESS_STRATEGIES_STRATEGY_TABLE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "harness/engine/backend.h"
#include "harness/engine/strategy.h"

namespace mapfault {

struct StrategySpec;

// A strategy's token code: encoded in replay tokens (run/token.cc), so never renumber or reuse a
// value; a new strategy takes the next free one (below 16: bit 4 of the field is `+preempt`).
enum class StrategyKind : uint8_t {
  kRandom = 0,
  kPct = 1,
  kStress = 2,
  kNoise = 3,
  kPortfolio = 4,
  kReferenceLoop = 5,
  kExhaustive = 6,
};

// What a strategy does to the real threads of a perturbed trial (noise.h realises it).
struct NoisePolicy {
  bool jitter = false;      // seeded yields, spins and short sleeps at every perturbation point
  bool priorities = false;  // PCT as delays: lower-priority threads start late...
  int change_points = 0;    // ... and this many points, placed by the seed, demote their thread
};

struct StrategyRow {
  StrategyKind kind = StrategyKind::kRandom;
  std::string_view name = {};         // "pct": what --strategy accepts alone
  std::string_view params = {};       // "d=N" when "name:params" is also accepted, else empty
  std::string_view params_note = {};  // "N in 1..10": the parameter's range, for error messages
  std::string_view description = {};  // `mapfault list strategies`
  // What the strategy means in each mode: itself in the modes it drives, else its stand-in.
  StrategyKind in_controlled = StrategyKind::kRandom;
  StrategyKind in_perturbed = StrategyKind::kRandom;
  // Parses `params` of "name:params" into `spec`; NotFound when `params` is not this strategy's
  // syntax (then the text is an unknown strategy), InvalidArgument (the message) when it is but
  // its value is bad. Null when the strategy takes no parameters.
  absl::Status (*parse_params)(std::string_view text, std::string_view params,
                               StrategySpec& spec) = nullptr;
  // The canonical "params" of `spec` ("d=3"); null: the name alone is canonical.
  std::string (*format_params)(const StrategySpec& spec) = nullptr;
  // The controlled scheduler's strategy; null when the strategy does not drive controlled mode
  // (MakeStrategy then uses its controlled stand-in's).
  std::unique_ptr<Strategy> (*make_controlled)(const StrategySpec& spec, uint64_t seed) = nullptr;
  // Its noise in a perturbed trial of seed `seed`; null: no noise.
  NoisePolicy (*noise)(const StrategySpec& spec, uint64_t seed) = nullptr;

  constexpr bool Drives(ExecMode mode) const {
    return (mode == ExecMode::kControlled ? in_controlled : in_perturbed) == kind;
  }
};

// Every strategy, in token-code order (also the order of lists and help texts).
std::span<const StrategyRow> StrategyRows();
// The row of `kind` (which must be a known kind).
const StrategyRow& StrategyRowOf(StrategyKind kind);
// Whether a replay token's strategy field (without the +preempt bit) names a strategy.
bool IsKnownStrategyCode(uint64_t code);

// The strategy as it applies in `mode`: a strategy that does not drive the mode becomes its
// stand-in (random and noise stand in for each other, stress means random in controlled mode), and
// +preempt is dropped in controlled mode (fibers are preempted at every scheduling point already).
StrategySpec StrategyForMode(StrategySpec spec, ExecMode mode);
// The mode a strategy runs in when nothing else decides (the bug benchmark): perturbed for
// +preempt and for strategies that do not drive controlled mode, else controlled.
ExecMode PreferredMode(const StrategySpec& spec);

// `mapfault list strategies`: (id, description) per row, then the +preempt suffix.
std::vector<std::pair<std::string, std::string>> StrategyListEntries();
// The --strategy help of `mapfault run`: the strategies each mode runs.
std::string StrategyHelp();
// "random, pct, pct:d=N (N in 1..10), stress, noise, portfolio": the valid spellings.
std::string ValidStrategySpellings();

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_STRATEGY_TABLE_H_
