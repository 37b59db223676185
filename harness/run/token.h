// Replay tokens: a self-contained, versioned description of one trial, printed for every break as
// `mapfault replay <token>`. Format: "mf1_" + base64url(payload), where the payload is the fields
// below as varints and length-prefixed strings, followed by a 32-bit FNV-1a checksum of the payload,
// so that a truncated or mistyped token is rejected with a clear message instead of replaying some
// other trial.
#ifndef MAPFAULT_HARNESS_RUN_TOKEN_H_
#define MAPFAULT_HARNESS_RUN_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/engine/backend.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/base/types.h"
#include "harness/run/identity.h"
#include "scenarios/scenario.h"

namespace mapfault {

inline constexpr uint32_t kTokenVersion = 1;

// The trial's identity by name, then what makes it one trial.
struct ReplayToken : NamedTrialIdentity {
  uint64_t seed = 0;       // the trial seed: program and strategy both derive from it
  Invariant invariant = Invariant::kNoCrash;  // the invariant the trial broke
  // The recorded schedule (choices at steps with more than one runnable thread). Absent when the
  // trial killed its worker before reporting: the seed then regenerates the same schedule.
  std::optional<std::vector<uint8_t>> choices;
  // The choices are for a lenient replay (ReplayStrategy): a shrunk schedule.
  bool lenient = false;
  // File name of the plugin that provides the backend ("" for a built-in backend); replaying needs
  // `--plugin` with that library.
  std::string plugin;
  // The trial's program itself, for a program the scenario id and seed cannot regenerate: a scenario
  // from a user's file, or a program shrunk by property-based testing. Replay then runs it as is.
  std::optional<Program> program;

  std::string Encode() const;
  // Errors (InvalidArgument) say what is wrong: not a token, truncated or corrupted, or made by a
  // newer mapfault.
  static absl::StatusOr<ReplayToken> Decode(std::string_view text);
};

// The token text of a raw payload (the encoded fields, without the checksum): the checksum appended,
// prefixed and base64url encoded. Encode() is TokenFromPayload(the fields); the fuzz target feeds
// arbitrary payloads through it to get past the checksum.
std::string TokenFromPayload(std::string_view payload);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_TOKEN_H_
