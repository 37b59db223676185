// The command line's value parsers, as plain functions (the CLI's validators call them, and the
// fuzz target tests/fuzz/cli_values_fuzz.cc feeds them arbitrary text): seeds, finite numbers,
// --shard I/N. Strategy specs (StrategySpec::Parse) and --weights (OpWeights::Parse) live in their
// own stages.
#ifndef MAPFAULT_HARNESS_CLI_CLI_VALUES_H_
#define MAPFAULT_HARNESS_CLI_CLI_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace CLI {
class Validator;
}

namespace mapfault {

// A decimal integer in [0, 2^64-1]; "-1" and "18446744073709551616" are errors, not 2^64-1.
absl::StatusOr<uint64_t> ParseSeed(std::string_view text);
// A finite decimal number (nan and inf are errors).
absl::StatusOr<double> ParseFiniteNumber(std::string_view text);
// "I/N" with 0 <= I < N <= kMaxShards.
bool ParseShard(const std::string& text, int* index, int* count);

// CLI11 validators over the above (they check the text before CLI11 converts it).
const CLI::Validator& SeedValidator();
const CLI::Validator& FiniteValidator();

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CLI_CLI_VALUES_H_
