// The command line's value parsers.
#include "harness/cli/cli_values.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>

#include "absl/strings/str_cat.h"
#include "harness/base/limits.h"

namespace mapfault {

absl::StatusOr<uint64_t> ParseSeed(std::string_view text) {
  const bool digits = !text.empty() && text.size() <= 20 &&
                      text.find_first_not_of("0123456789") == std::string_view::npos;
  const std::string s(text);
  errno = 0;
  const unsigned long long v = digits ? std::strtoull(s.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s,
                     "' is not a seed; expected an integer from 0 to 18446744073709551615"));
  }
  return static_cast<uint64_t>(v);
}

absl::StatusOr<double> ParseFiniteNumber(std::string_view text) {
  const std::string s(text);
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return absl::InvalidArgumentError(absl::StrCat("'", s, "' is not a finite number"));
  }
  return v;
}

bool ParseShard(const std::string& text, int* index, int* count) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  try {
    size_t used = 0;
    *index = std::stoi(text.substr(0, slash), &used);
    if (used != slash) return false;
    *count = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) return false;
  } catch (const std::exception&) {
    return false;
  }
  return *count >= 1 && *count <= kMaxShards && *index >= 0 && *index < *count;
}

namespace {

template <typename Parse>
CLI::Validator MakeValidator(Parse parse, const std::string& name) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        const auto parsed = parse(text);
        return parsed.ok() ? std::string() : std::string(parsed.status().message());
      },
      "", name);
}

}  // namespace

const CLI::Validator& SeedValidator() {
  static const auto* v = new CLI::Validator(MakeValidator(ParseSeed, "SEED"));
  return *v;
}

const CLI::Validator& FiniteValidator() {
  static const auto* v = new CLI::Validator(MakeValidator(ParseFiniteNumber, "FINITE"));
  return *v;
}

}  // namespace mapfault
