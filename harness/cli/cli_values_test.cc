// Tests of the command line's value parsers.
#include "harness/cli/cli_values.h"

#include "gtest/gtest.h"

namespace mapfault {
namespace {

TEST(CliValuesTest, SeedsAreUnsigned64BitIntegers) {
  EXPECT_EQ(*ParseSeed("0"), 0u);
  EXPECT_EQ(*ParseSeed("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"-1", "18446744073709551616", "99999999999999999999999", "", "1e3",
                          " 1", "0x10", "+1"}) {
    EXPECT_FALSE(ParseSeed(bad).ok()) << bad;
  }
}

TEST(CliValuesTest, NumbersMustBeFinite) {
  EXPECT_EQ(*ParseFiniteNumber("0.5"), 0.5);
  EXPECT_EQ(*ParseFiniteNumber("10"), 10.0);
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "1e999", "", "1x"}) {
    EXPECT_FALSE(ParseFiniteNumber(bad).ok()) << bad;
  }
}

TEST(CliValuesTest, ShardsAreIndexSlashCount) {
  int i = 0, n = 0;
  EXPECT_TRUE(ParseShard("1/3", &i, &n));
  EXPECT_EQ(i, 1);
  EXPECT_EQ(n, 3);
  for (const char* bad : {"3/3", "-1/2", "1/0", "1", "a/b", "1/2x", "99999999999/2"}) {
    EXPECT_FALSE(ParseShard(bad, &i, &n)) << bad;
  }
}

}  // namespace
}  // namespace mapfault
