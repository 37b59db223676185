// The generators of file-defined scenarios.
#include "scenarios/scenario_file_generators.h"

#include <algorithm>
#include <numeric>

namespace mapfault {

Program FixedProgramGenerator::operator()(const ScenarioParams&, Rng& rng) const {
  Program p = SpareProgram(0);
  p = program;  // copy-assigned: the spare's buffers reused
  if (random_initial >= 0) RandomInitEntriesInto(random_keys, random_initial, rng, p.init);
  return p;
}

Program MixedGenerator::operator()(const ScenarioParams& params, Rng& rng) const {
  Program p = SpareProgram(params.threads);
  RandomInitEntriesInto(params.keys, params.initial, rng, p.init);
  for (auto& ops : p.threads) ops.reserve(static_cast<size_t>(std::max(params.ops, 0)));
  const uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  const uint64_t keys = static_cast<uint64_t>(std::max(params.keys, 1));
  for (int t = 0; t < params.threads && total > 0; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      uint64_t roll = rng.Below(total);
      size_t kind = 0;
      while (roll >= weights[kind]) roll -= weights[kind++];
      OpSpec op;
      op.kind = kMixKinds[kind];
      switch (op.kind) {
        case OpKind::kInsert: {
          const bool fresh = growth_ppm >= kGrowthScale ||
                             (growth_ppm > 0 && rng.Below(kGrowthScale) < growth_ppm);
          op.key = fresh ? Key{params.keys} + Key{t} * params.ops + i
                         : static_cast<Key>(rng.Below(keys));
          op.value = WriteValue(t, i);
          break;
        }
        case OpKind::kAssign:
          op.key = static_cast<Key>(rng.Below(keys));
          op.value = WriteValue(t, i);
          break;
        case OpKind::kErase:
        case OpKind::kFind:
          op.key = static_cast<Key>(rng.Below(keys));
          break;
        case OpKind::kForEach:
          op.visit = visit;
          break;
        case OpKind::kSize:
        case OpKind::kClear:
          break;
      }
      p.threads[t].push_back(op);
    }
  }
  SetDefaultPostOps(p.post);
  return p;
}

}  // namespace mapfault
