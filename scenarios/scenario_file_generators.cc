// The generators of file-defined scenarios.
#include "scenarios/scenario_file_generators.h"

#include <algorithm>
#include <numeric>

namespace mapfault {
namespace {

constexpr Value kInitValueBase = 1000;  // as the built-ins: init values are 1000 + key

Value WriteValue(int thread, int index) { return 10000 + 100 * (thread + 1) + index; }

}  // namespace

std::vector<std::pair<Key, Value>> RandomInitEntries(int keys, int initial, Rng& rng) {
  std::vector<Key> all(std::max(keys, 0));
  std::iota(all.begin(), all.end(), Key{0});
  for (int i = static_cast<int>(all.size()) - 1; i > 0; --i) {
    std::swap(all[i], all[rng.Below(i + 1)]);
  }
  all.resize(std::min<size_t>(all.size(), std::max(initial, 0)));
  std::vector<std::pair<Key, Value>> init;
  for (Key k : all) init.emplace_back(k, kInitValueBase + k);
  return init;
}

std::vector<OpSpec> DefaultPostOps() {
  OpSpec size, iterate;
  size.kind = OpKind::kSize;
  iterate.kind = OpKind::kForEach;
  return {size, iterate};
}

Program FixedProgramGenerator::operator()(const ScenarioParams&, Rng& rng) const {
  Program p = program;
  if (random_initial >= 0) p.init = RandomInitEntries(random_keys, random_initial, rng);
  return p;
}

Program MixedGenerator::operator()(const ScenarioParams& params, Rng& rng) const {
  Program p;
  p.init = RandomInitEntries(params.keys, params.initial, rng);
  p.threads.resize(std::max(params.threads, 0));
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
  p.post = DefaultPostOps();
  return p;
}

}  // namespace mapfault
