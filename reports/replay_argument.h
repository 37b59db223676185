// What `mapfault replay` and `mapfault shrink` accept for a token, and the replay command the
// reports print: a token that is too long for a command line is named through its report.
#ifndef MAPFAULT_REPORTS_REPLAY_ARGUMENT_H_
#define MAPFAULT_REPORTS_REPLAY_ARGUMENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mapfault {

// Tokens longer than this are not printed inline (a command line of megabytes fails with
// "Argument list too long").
inline constexpr size_t kMaxInlineToken = 4096;
// The characters of a token's end that name it in DIR/results.json#SUFFIX.
inline constexpr size_t kTokenSuffixLength = 16;

// "mapfault replay TOKEN", or, for a token longer than kMaxInlineToken,
// "mapfault replay DIR/results.json#SUFFIX" (SUFFIX: the token's last kTokenSuffixLength
// characters) with a note that DIR is the report's directory. A token of a plugin backend is
// followed by PluginArgument(token), so that the command runs as printed.
std::string ReplayCommand(std::string_view token);

// " --plugin PATH" for a token whose backend comes from a plugin: the absolute path of that plugin
// when it is loaded in this process (GlobalBackends), else "PATH/FILE" with the file name the token
// records; "" for a built-in backend or a token that does not decode.
std::string PluginArgument(std::string_view token);

// The token an argument names: TOKEN itself; @FILE, a file holding it (run/replay.h,
// TokenArgument); or RESULTS.json#SUFFIX, the finding of that results.json whose token ends in
// SUFFIX. Errors (InvalidArgument) say what is wrong and what to give instead.
absl::StatusOr<std::string> ResolveTokenArgument(const std::string& arg);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_REPLAY_ARGUMENT_H_
