// libFuzzer target: the replay token decoder. The fuzzer's bytes are the token's *payload*; a valid
// checksum is appended (TokenFromPayload) so that they get past it. A token that decodes is then
// resolved (TrialSpecFromToken) and its program generated (ProgramFor), where crafted tokens once
// crashed or exhausted memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/run/replay.h"
#include "harness/run/token.h"
#include "harness/run/trial.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfault;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<ReplayToken> token = ReplayToken::Decode(TokenFromPayload(payload));
  if (!token.ok()) return 0;
  const absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token);
  if (!spec.ok()) return 0;
  const Program program = ProgramFor(*spec);
  return program.threads.size() > 1000 ? 1 : 0;  // use the result
}
