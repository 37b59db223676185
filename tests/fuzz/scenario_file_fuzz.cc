// libFuzzer target: the TOML scenario and suite reader (ParseScenarioFile).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenarios/scenario.h"
#include "scenarios/scenario_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfault;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto file = ParseScenarioFile(text, "fuzz.toml", ScenarioRegistry::Builtin());
  return 0;
}
