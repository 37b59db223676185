// libFuzzer target: the results.json reader used by `mapfault merge` (ResultsFromJson), then the
// merge of the file with itself (MergeResults).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/run/merge.h"
#include "nlohmann/json.hpp"
#include "reports/json_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mapfault;
  const nlohmann::json j =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  absl::StatusOr<RunResults> results = ResultsFromJson(j);
  if (!results.ok()) return 0;
  const std::vector<RunResults> shards = {*results, *results};
  const auto merged = MergeResults(shards);
  return 0;
}
