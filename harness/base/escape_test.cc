// Tests of EscapeControlBytes.
#include "harness/base/escape.h"

#include "gtest/gtest.h"

namespace mapfault {
namespace {

TEST(EscapeTest, EscapesControlBytesAndKeepsTheRest) {
  EXPECT_EQ(EscapeControlBytes("plain id-1"), "plain id-1");
  EXPECT_EQ(EscapeControlBytes("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(EscapeControlBytes("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeControlBytes(std::string_view("\0\x7f", 2)), "\\x00\\x7f");
  EXPECT_EQ(EscapeControlBytes("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace mapfault
