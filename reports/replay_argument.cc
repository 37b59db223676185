// Replay commands for long tokens, and the token arguments of `replay` and `shrink`.
#include "reports/replay_argument.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "harness/base/escape.h"
#include "harness/run/replay.h"
#include "harness/run/token.h"
#include "maps/builtin_backends.h"
#include "nlohmann/json.hpp"
#include "reports/json_report.h"

namespace mapfault {
namespace {

constexpr std::string_view kResultsFragment = ".json#";
constexpr size_t kMaxResultsFileBytes = size_t{1} << 30;

absl::Status BadResults(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": ", std::string(what),
      "; give DIR/results.json#SUFFIX as printed in the report, a token, or @FILE"));
}

// `path` as one shell word: as is when it holds only safe characters, else in single quotes.
std::string ShellWord(const std::string& path) {
  const bool safe = std::all_of(path.begin(), path.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_./+-=:,@%").find(c) != std::string_view::npos;
  });
  if (safe && !path.empty()) return path;
  return absl::StrCat("'", absl::StrReplaceAll(path, {{"'", "'\\''"}}), "'");
}

}  // namespace

std::string PluginArgument(std::string_view token) {
  const absl::StatusOr<ReplayToken> decoded = ReplayToken::Decode(token);
  if (!decoded.ok() || decoded->plugin.empty()) return "";
  const BackendInfo* backend = GlobalBackends().Find(decoded->backend);
  std::string path = absl::StrCat("PATH/", decoded->plugin);
  if (backend != nullptr && !backend->plugin_path.empty() &&
      std::filesystem::path(backend->plugin_path).filename() == decoded->plugin) {
    path = backend->plugin_path;
  }
  return absl::StrCat(" --plugin ", EscapeControlBytes(ShellWord(path)));
}

std::string ReplayCommand(std::string_view token) {
  if (token.size() <= kMaxInlineToken) {
    return fmt::format("mapfault replay {}{}", EscapeControlBytes(token), PluginArgument(token));
  }
  return fmt::format(
      "mapfault replay DIR/results.json#{}{}  (DIR: this report's directory; the token, {} KiB, is "
      "too long for a command line)",
      EscapeControlBytes(token.substr(token.size() - kTokenSuffixLength)), PluginArgument(token),
      (token.size() + 1023) / 1024);
}

absl::StatusOr<std::string> ResolveTokenArgument(const std::string& arg) {
  const size_t hash = arg.rfind(kResultsFragment);
  if (arg.rfind("mf", 0) == 0 || arg.rfind('@', 0) == 0 || hash == std::string::npos) {
    return TokenArgument(arg);
  }
  const std::string path = arg.substr(0, hash + kResultsFragment.size() - 1);
  const std::string suffix = arg.substr(hash + kResultsFragment.size());
  std::ifstream in(path, std::ios::binary);
  if (!in) return BadResults(path, "cannot read it");
  std::string text(kMaxResultsFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxResultsFileBytes) return BadResults(path, "it is larger than 1 GiB");
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return BadResults(path, "it is not valid JSON");
  const absl::StatusOr<RunResults> results = ResultsFromJson(j);
  if (!results.ok()) return BadResults(path, std::string(results.status().message()));
  std::vector<std::string> found;
  for (const CellResult& c : results->cells) {
    for (const InvariantResult& r : c.invariants) {
      if (!r.token.empty() && suffix.size() >= 8 && r.token.size() >= suffix.size() &&
          r.token.compare(r.token.size() - suffix.size(), suffix.size(), suffix) == 0) {
        found.push_back(r.token);
      }
    }
  }
  if (found.size() != 1) {
    return BadResults(path, absl::StrCat(found.empty() ? "no" : "more than one",
                                         " finding's token ends in '", suffix, "'"));
  }
  return found[0];
}

}  // namespace mapfault
