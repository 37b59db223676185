// libFuzzer target: the command line's value parsers (seeds, finite numbers, --shard I/N, strategy
// specs, --weights). Each gets the whole input as its text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/cli/cli_values.h"
#include "harness/props/program_gen.h"
#include "harness/strategies/strategy_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfault;
  const std::string text(reinterpret_cast<const char*>(data), size);
  int index = 0, count = 0;
  (void)ParseSeed(text);
  (void)ParseFiniteNumber(text);
  (void)ParseShard(text, &index, &count);
  if (const auto spec = StrategySpec::Parse(text); spec.ok()) (void)spec->ToString();
  if (const auto weights = OpWeights::Parse(text); weights.ok()) (void)weights->ToString();
  return 0;
}
