// From a replay token back to the trial it describes.
#ifndef MAPFAULT_HARNESS_RUN_REPLAY_H_
#define MAPFAULT_HARNESS_RUN_REPLAY_H_

#include <string>

#include "absl/status/statusor.h"
#include "harness/engine/backend.h"
#include "harness/run/token.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"

namespace mapfault {

// The trial `token` describes, with its recorded schedule as the replay choices. Errors name what is
// missing: a backend (and, for a plugin backend, the plugin to load), a scenario, or the mode.
absl::StatusOr<TrialSpec> TrialSpecFromToken(
    const ReplayToken& token, const BackendRegistry& registry = GlobalBackends());

// The token an argument of `mapfault replay` / `mapfault shrink` names: the argument itself, or,
// for "@FILE", the contents of FILE (surrounding whitespace removed; at most kMaxTokenFileBytes),
// for tokens too long for a command line.
absl::StatusOr<std::string> TokenArgument(const std::string& arg);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_REPLAY_H_
