// The bounds on user input, one set shared by every reader of it: the command line, scenario and
// suite files, replay tokens and results files. A value outside them is rejected with a usage
// error (exit 2) before it can size an allocation or a loop.
#ifndef MAPFAULT_HARNESS_BASE_LIMITS_H_
#define MAPFAULT_HARNESS_BASE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace mapfault {

inline constexpr int kMaxThreads = 64;         // logical threads of a scenario (files, tokens)
inline constexpr int kMaxCliThreads = 16;      // --threads on the command line
inline constexpr int kMaxKeys = 100000;        // key-space size; also the most initial entries
inline constexpr int kMaxOps = 10000;          // operations per thread of a generated program
inline constexpr uint64_t kMinMaxSteps = 10;   // --max-steps
inline constexpr uint64_t kMaxMaxSteps = 100000000;
inline constexpr uint64_t kMaxChoices = uint64_t{1} << 24;     // a token's recorded schedule
inline constexpr uint64_t kMaxProgramOps = uint64_t{1} << 20;  // all ops and init entries of an
                                                               // explicit program, together
inline constexpr int kMaxStrategyDepth = 10;   // pct:d=N
inline constexpr int kMaxPreemptionBound = 8;  // exhaustive:pb=K (at most kMaxStrategyDepth)
inline constexpr int kMaxStaleBound = 8;       // exhaustive:pb=K,stale=S
inline constexpr int kMaxShards = 65535;        // --shard I/N (a token's tree shard holds N)
inline constexpr size_t kMaxScenarioFileBytes = size_t{1} << 20;  // a scenario or suite file
inline constexpr size_t kMaxTokenFileBytes = size_t{64} << 20;    // replay @FILE

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_LIMITS_H_
