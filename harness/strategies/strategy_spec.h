// Strategy specs: the parsed `--strategy` value carried by cells, trials and tokens, and the factory
// that turns one into the controlled scheduler's Strategy (engine/strategy.h).
#ifndef MAPFAULT_HARNESS_STRATEGIES_STRATEGY_SPEC_H_
#define MAPFAULT_HARNESS_STRATEGIES_STRATEGY_SPEC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/engine/happens_before.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_table.h"

namespace mapfault {

// A parsed `--strategy` value: the name, PCT's depth, and the canonical spelling used in tokens.
struct StrategySpec {
  // The strategy (strategy_table.h: its row says which modes it drives and what it stands for in
  // the other one). kPortfolio picks one of several strategies per trial, from the trial's seed:
  // controlled, random walk, PCT d=2 or PCT d=3 (a third of the trials each); perturbed, noise or
  // PCT d=3 as delays. No single strategy is best at every bug (docs/bug-benchmark.md).
  using Kind = StrategyKind;
  Kind kind = Kind::kRandom;
  int depth = 3;  // PCT bug depth d
  // kExhaustive: the preemption bound K of "exhaustive:pb=K", and the schedules a program's search
  // may execute before it stops incomplete ("exhaustive:pb=K,max=N", --max-schedules; 0: no limit).
  // "exhaustive" alone is exhaustive:pb=2.
  int preemption_bound = 2;
  uint64_t max_schedules = 0;
  // kExhaustive: partial-order reduction by sleep sets (exhaustive_strategy.h); ",por=off" turns it
  // off (the unreduced search, to measure the reduction or to cross-check it).
  bool reduction = true;
  // kExhaustive under kC11: at most this many weak loads of a schedule read an older store than
  // the latest ("exhaustive:pb=K,stale=S", default 1); each load's readable stores are then
  // branches of the search, free of the preemption bound (CDSChecker's reads-from enumeration,
  // bounded). 0: every load reads the latest store, and the guarantee is about those executions.
  int stale_bound = kDefaultStaleBound;
  static constexpr int kDefaultStaleBound = 1;
  // kExhaustive in controlled mode: the part of each program's schedule tree this search explores,
  // tree shard `tree_shard` of `tree_shards` (tree_shard.h); 0 of 1 is the whole tree. A run's
  // --shard I/N sets it (each shard then searches every program); not part of the spelling.
  int tree_shard = 0;
  int tree_shards = 1;
  // Perturbed mode only: timer-signal preemption inside library code (preempt.h), spelled with a
  // "+preempt" suffix ("noise+preempt").
  bool preempt = false;
  // Controlled mode only: which atomics synchronise (happens_before.h), spelled with a "+sc"
  // suffix for MemoryModel::kSc ("random+sc"; --memory-model); kC11, the default, has none.
  MemoryModel memory_model = MemoryModel::kC11;
  // Controlled mode only: check Var accesses against happens-before, halting a trial at its first
  // race. Off when no-data-race is not asked for (a suite's `invariants`), so the trials run on
  // and judge the rest; not part of the spelling (a replay token carries it).
  bool race_detection = true;
  // Controlled mode under kC11 only: the chance, in percent, that a weak atomic load that may read
  // several stores reads the latest; the others read one of the older ones, uniformly
  // (--latest-store). Not part of the spelling (a replay follows its recorded choices).
  int latest_percent = kDefaultLatestPercent;
  static constexpr int kDefaultLatestPercent = 50;

  std::string ToString() const;  // canonical: "pct:d=3" for "pct"
  // A row's name or "name:params" ("random", "pct", "pct:d=2", ...), optionally followed by
  // "+preempt" or by "+sc" / "+c11". Errors name the valid choices.
  static absl::StatusOr<StrategySpec> Parse(const std::string& text);

 private:
  static absl::StatusOr<StrategySpec> ParseKind(const std::string& text);
};

// Creates the controlled strategy of `spec` (its row's factory, or its controlled stand-in's),
// seeded with `seed`.
std::unique_ptr<Strategy> MakeStrategy(const StrategySpec& spec, uint64_t seed);
// Creates a strategy that replays recorded choices (replay_strategy.h).
std::unique_ptr<Strategy> MakeReplayStrategy(std::vector<uint8_t> choices, bool lenient = false);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_STRATEGY_SPEC_H_
