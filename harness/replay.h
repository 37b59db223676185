// From a replay token back to the trial it describes.
#ifndef MAPFAULT_HARNESS_REPLAY_H_
#define MAPFAULT_HARNESS_REPLAY_H_

#include "absl/status/statusor.h"
#include "harness/backend.h"
#include "harness/token.h"
#include "harness/trial.h"

namespace mapfault {

// The trial `token` describes, with its recorded schedule as the replay choices. Errors name what is
// missing: a backend (and, for a plugin backend, the plugin to load), a scenario, or the mode.
absl::StatusOr<TrialSpec> TrialSpecFromToken(
    const ReplayToken& token, const BackendRegistry& registry = BackendRegistry::Global());

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_REPLAY_H_
