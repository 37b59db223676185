// Reading TOML values with positioned errors, for the scenario-file parser: every error is one line
// "FILE:LINE:COLUMN: what is wrong; what was expected", at the offending key or value. Internal to
// the scenario-file layer (it exposes toml++, which only mapfault_core links).
#ifndef MAPFAULT_SCENARIOS_SCENARIO_FILE_READER_H_
#define MAPFAULT_SCENARIOS_SCENARIO_FILE_READER_H_

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "scenarios/cat.h"

namespace mapfault::file_internal {

template <typename Range>
std::string Join(const Range& items, std::string_view separator) {
  return fmt::format("{}", fmt::join(items, separator));
}

#define MF_RETURN_IF_ERROR(expr)       \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

// "a string", "an integer", ...: what a value is, for "must be X, not Y" messages.
std::string_view TypeName(const toml::node& n);

class TomlReader {
 public:
  explicit TomlReader(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  std::string Where(const toml::source_region& r) const;  // "FILE:LINE:COLUMN"
  // InvalidArgument "FILE:LINE:COLUMN: what" on one line (line breaks in `what` become spaces).
  absl::Status Error(const toml::source_region& r, const std::string& what) const;

  // The table's keys in document order (toml++ iterates them sorted by name).
  static std::vector<std::pair<const toml::key*, const toml::node*>> InOrder(const toml::table& t);
  // Where `key` is written in `t` (the table's own position when it is absent).
  static const toml::source_region& KeySource(const toml::table& t, std::string_view key);

  // Fails at the first key (in document order) of `t` that is not in `valid`.
  absl::Status CheckKeys(const toml::table& t, std::string_view what,
                         std::initializer_list<std::string_view> valid,
                         std::string_view hint = "") const;
  // Each getter leaves `out` alone when the key is absent and fails on a value of the wrong type.
  absl::Status GetString(const toml::table& t, std::string_view key, std::string& out) const;
  absl::Status GetInt(const toml::table& t, std::string_view key, int64_t lo, int64_t hi,
                      std::optional<int64_t>& out) const;
  // A non-empty array of strings.
  absl::Status GetStringList(const toml::table& t, std::string_view key,
                             std::vector<const toml::value<std::string>*>& out) const;
  // The required id of a [[scenario]] or [[suite]] (`what`): [a-z0-9][a-z0-9.-]*.
  absl::Status GetId(const toml::table& t, std::string_view what, std::string& id) const;

 private:
  std::string path_;
};

}  // namespace mapfault::file_internal

#endif  // MAPFAULT_SCENARIOS_SCENARIO_FILE_READER_H_
