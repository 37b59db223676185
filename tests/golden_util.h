// Golden-file comparison for the report-format tests: MAPFAULT_UPDATE_GOLDEN=1 rewrites the files.
#ifndef MAPFAULT_TESTS_GOLDEN_UTIL_H_
#define MAPFAULT_TESTS_GOLDEN_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/cli_util.h"

namespace mapfault {

// Compares `actual` with tests/golden/<name>, reporting the first differing line.
inline void ExpectGolden(const std::string& name, const std::string& actual) {
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
  // The golden files describe the normal build: under a sanitizer a crash is reported by the
  // sanitizer, so the texts legitimately differ. The normal build checks them.
  GTEST_SKIP() << "golden files are checked in the non-sanitizer build";
#endif
  const std::filesystem::path path = std::filesystem::path(MAPFAULT_GOLDEN_DIR) / name;
  if (std::getenv("MAPFAULT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "golden file " << path << " rewritten";
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with "
                                             << "MAPFAULT_UPDATE_GOLDEN=1 to create it";
  const std::string expected = ReadFile(path);
  if (expected == actual) return;
  // Report the first differing line rather than two whole files.
  std::istringstream want(expected), got(actual);
  std::string a, b;
  int line = 1;
  while (std::getline(want, a) && std::getline(got, b) && a == b) ++line;
  ADD_FAILURE() << "report format changed at line " << line << " of " << path << "\n  expected: "
                << a << "\n  actual:   " << b
                << "\n(rerun with MAPFAULT_UPDATE_GOLDEN=1 if the change is intended)";
}

}  // namespace mapfault

#endif  // MAPFAULT_TESTS_GOLDEN_UTIL_H_
