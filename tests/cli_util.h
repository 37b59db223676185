// Helpers for tests that run the mapfault binary.
#ifndef MAPFAULT_TESTS_CLI_UTIL_H_
#define MAPFAULT_TESTS_CLI_UTIL_H_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace mapfault {

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh, empty directory for this test process.
inline std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mapfault_test_" + std::to_string(getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Runs `mapfault <args>` (with `env` assignments before it, e.g. "X=1 ") and captures its exit
// status, stdout and stderr.
inline CommandResult RunMapfault(const std::string& args, const std::string& env = "",
                                 const std::string& more_args = "") {
  const std::string dir = TempDir("cmd");
  const std::string cmd = env + std::string(MAPFAULT_BINARY) + " " + args + more_args + " >" + dir +
                          "/out 2>" + dir + "/err";
  const int raw = std::system(cmd.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = ReadFile(dir + "/out");
  r.err = ReadFile(dir + "/err");
  std::filesystem::remove_all(dir);
  return r;
}

// Runs mapfault with `args` (and `env`) and expects a usage error: exit 2 and exactly one line on
// stderr that contains `fragment` and no raw ESC byte (user text in errors is escaped).
inline void ExpectUsageError(const std::string& args, const std::string& fragment,
                             const std::string& env = "") {
  const CommandResult r = RunMapfault(args, env);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "raw ESC: " << r.err;
}

// The token of the first `mapfault replay <token>` line in `text` (its first word: a plugin
// backend's line goes on with `--plugin PATH`), or "".
inline std::string FirstReplayToken(const std::string& text) {
  const std::string prefix = "mapfault replay ";
  size_t pos = 0;
  while ((pos = text.find(prefix, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      const size_t start = pos + prefix.size();
      return text.substr(start, text.find_first_of(" \n", start) - start);
    }
    pos += prefix.size();
  }
  return "";
}

}  // namespace mapfault

#endif  // MAPFAULT_TESTS_CLI_UTIL_H_
