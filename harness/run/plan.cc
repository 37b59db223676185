// The run plan.
#include "harness/run/plan.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace mapfault {

absl::StatusOr<std::vector<std::string>> ResolveSuiteBackends(const SuiteSpec& suite,
                                                              const BackendRegistry& registry) {
  std::vector<std::string> ids;
  auto add = [&ids](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (size_t i = 0; i < suite.backends.size(); ++i) {
    const std::string& entry = suite.backends[i];
    const std::string where =
        i < suite.backend_sources.size() ? suite.backend_sources[i] : suite.path;
    if (entry == "all" || (!entry.empty() && entry.back() == '*')) {
      const std::string_view prefix = std::string_view(entry).substr(0, entry.size() - 1);
      bool matched = false;
      for (const BackendInfo* b : registry.Listed()) {
        if (entry == "all" || b->id.rfind(prefix, 0) == 0) {
          add(b->id);
          matched = true;
        }
      }
      if (!matched) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": backend pattern '", entry,
                "' matches no backend; valid backends: ", registry.ValidIds()));
      }
    } else if (registry.Find(entry) != nullptr) {
      add(entry);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown backend '", entry,
                                            "'; valid backends: ", registry.ValidIds(),
                                            ", all, or a prefix ending in '*'"));
    }
  }
  return ids;
}
}  // namespace mapfault
