// The determinism check of a controlled finding (after Shuttle's determinism-checking scheduler): a
// compact fingerprint of the original trial (its step count and every operation's result), which
// the worker that found the failure sends with it, and the comparison of a confirmation replay
// with the original and with a second replay whose heap was shifted (TrialSpec::shift_heap). A
// backend whose behaviour depends on anything the seed and the schedule do not fix (hashing salted
// by heap addresses, the order of a table keyed by pointers) diverges; the first divergent step is
// named, with what was expected there and what happened.
#ifndef MAPFAULT_HARNESS_RUN_DETERMINISM_H_
#define MAPFAULT_HARNESS_RUN_DETERMINISM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/trial.h"
#include "harness/run/worker.h"
#include "nlohmann/json_fwd.hpp"

namespace mapfault {

// What the original run of a controlled trial looked like, compactly. Unknown (`known` false) for a
// trial whose worker died: only its replays can be compared then.
struct TrialFingerprint {
  bool known = false;
  uint64_t steps = 0;  // scheduling points executed
  // Each operation's result (OpRecord::ResultString), per parallel thread and then the post part
  // (the last entry), as IsolatedOutcome::results holds them.
  std::vector<std::vector<std::string>> results;
};

TrialFingerprint FingerprintOf(const TrialResult& result);
TrialFingerprint FingerprintOf(const IsolatedOutcome& outcome);  // a completed isolated trial
// In a worker's failure line ({"s": steps, "r": results}) and back; a malformed one reads as
// unknown.
nlohmann::json FingerprintToJson(const TrialFingerprint& fingerprint);
TrialFingerprint FingerprintFromJson(const nlohmann::json& j);

// Where two runs of one trial first differ.
struct Divergence {
  uint64_t step = 0;    // the scheduling step at which the difference shows
  std::string detail;   // what was expected there and what happened
};

// The first divergence among: `replay` against `original` (when known; `choices` is the original's
// recorded schedule, when the replay followed one), and `replay`'s trace against `shifted`'s step
// by step (two replays of the trial, the second with its heap shifted). nullopt: they all agree.
std::optional<Divergence> FindDivergence(const TrialFingerprint& original,
                                         const std::vector<uint8_t>* choices,
                                         const IsolatedOutcome& replay,
                                         const IsolatedOutcome& shifted);

// A replay of a trial whose worker died (of `kind`, by `signal`; `how`: the death in words)
// against that death: nullopt when the replay died the same way.
std::optional<Divergence> CompareDeath(IsolatedOutcome::Kind kind, int signal,
                                       const std::string& how, const IsolatedOutcome& replay);

// One trace event in words, for a divergence: "T1 visit (key 3, value 30)".
std::string DescribeTraceEvent(const TraceEvent& e);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_DETERMINISM_H_
