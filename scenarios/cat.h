// String concatenation for the scenario layer's messages: takes std::string_view and
// absl::string_view alike (this abseil's StrCat does not take std::string_view; fmt does).
#ifndef MAPFAULT_SCENARIOS_CAT_H_
#define MAPFAULT_SCENARIOS_CAT_H_

#include <fmt/format.h>

#include <iterator>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace mapfault::file_internal {

template <typename T>
const T& CatArg(const T& x) {
  return x;
}
inline std::string_view CatArg(absl::string_view s) { return {s.data(), s.size()}; }
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (fmt::format_to(std::back_inserter(out), "{}", CatArg(args)), ...);
  return out;
}

}  // namespace mapfault::file_internal

#endif  // MAPFAULT_SCENARIOS_CAT_H_
