// The generators behind scenarios defined in TOML files (scenarios/scenario_file.h): a fixed
// program and a weighted random mix. Both are pure functions of (params, rng), so a trial seed
// reproduces a program. Internal to the scenario-file layer.
#ifndef MAPFAULT_SCENARIOS_SCENARIO_FILE_GENERATORS_H_
#define MAPFAULT_SCENARIOS_SCENARIO_FILE_GENERATORS_H_

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "harness/base/rng.h"
#include "scenarios/scenario.h"

namespace mapfault {

// The mixed generator's operations, in the order its weights are laid out and rolled.
inline constexpr std::array<OpKind, 7> kMixKinds = {
    OpKind::kInsert, OpKind::kAssign, OpKind::kErase,  OpKind::kFind,
    OpKind::kSize,   OpKind::kClear,  OpKind::kForEach};
// mixed-ops' mix (builtin_scenarios.cc): the weights of a mixed scenario that names none.
inline constexpr std::array<uint32_t, 7> kDefaultMixWeights = {25, 15, 25, 18, 5, 0, 12};
inline constexpr uint64_t kGrowthScale = 1000000;  // growth in parts per million

// RandomInitEntries and DefaultPostOps (scenario.h) give the built-ins' init draw and post part.

// The same operations in every trial; params are ignored. With random_initial >= 0 the init part is
// RandomInitEntries(random_keys, random_initial, rng) instead of program.init.
struct FixedProgramGenerator {
  Program program;
  int random_keys = 0;
  int random_initial = -1;
  Program operator()(const ScenarioParams& params, Rng& rng) const;
};

// Every thread runs params.ops operations drawn by weight. Keys come from [0, params.keys), except
// that a `growth_ppm` share of inserts use a fresh key, keys + thread * ops + index; written values
// are 10000 + 100 * (thread + 1) + index, as the built-ins write them.
struct MixedGenerator {
  std::array<uint32_t, 7> weights = kDefaultMixWeights;  // by kMixKinds; not all zero
  uint64_t growth_ppm = 0;
  VisitPlan visit;  // of every generated for_each
  Program operator()(const ScenarioParams& params, Rng& rng) const;
};

}  // namespace mapfault

#endif  // MAPFAULT_SCENARIOS_SCENARIO_FILE_GENERATORS_H_
