// Tests of the invariant table (invariants.def) and what types.{h,cc} generate from it.
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/base/types.h"

namespace mapfault {
namespace {

// The numeric values are encoded in replay tokens: a token written by an older build must decode to
// the same invariant. Never change these; a new invariant takes the next free value.
static_assert(static_cast<int>(Invariant::kNoCrash) == 0);
static_assert(static_cast<int>(Invariant::kNoHang) == 1);
static_assert(static_cast<int>(Invariant::kIterNoDuplicate) == 2);
static_assert(static_cast<int>(Invariant::kIterNoMissedStable) == 3);
static_assert(static_cast<int>(Invariant::kIterNoPhantom) == 4);
static_assert(static_cast<int>(Invariant::kMisuseDetected) == 5);
static_assert(static_cast<int>(Invariant::kLinearizable) == 6);
static_assert(static_cast<int>(Invariant::kIterValueValid) == 7);
static_assert(static_cast<int>(Invariant::kIterEraseHonoured) == 8);
static_assert(static_cast<int>(Invariant::kCheckThenAct) == 9);
static_assert(static_cast<int>(Invariant::kSizeBounds) == 10);
static_assert(static_cast<int>(Invariant::kQuiescentState) == 11);
static_assert(static_cast<int>(Invariant::kNoDataRace) == 12);

TEST(InvariantTableTest, LocksTheIdsOfTheTokenFormat) {
  const char* const kIds[] = {"no-crash",        "no-hang",          "iter.no-duplicate",
                              "iter.no-missed-stable", "iter.no-phantom", "misuse-detected",
                              "linearizable",    "iter.value-valid", "iter.erase-honoured",
                              "check-then-act",  "size-bounds",      "quiescent-state",
                              "no-data-race"};
  ASSERT_EQ(std::size(kIds), static_cast<size_t>(kInvariantCount));
  for (int i = 0; i < kInvariantCount; ++i) {
    EXPECT_EQ(InvariantId(static_cast<Invariant>(i)), kIds[i]) << i;
  }
}

TEST(InvariantTableTest, EveryRowParsesBackAndHasUniqueNames) {
  std::set<std::string> ids, short_names;
  for (const invariant_table::Row& row : invariant_table::kRows) {
    const Invariant inv = row.invariant;
    EXPECT_EQ(ParseInvariant(InvariantId(inv)), inv);
    EXPECT_TRUE(ids.insert(std::string(InvariantId(inv))).second) << InvariantId(inv);
    EXPECT_TRUE(short_names.insert(std::string(InvariantShortName(inv))).second)
        << InvariantShortName(inv);
    EXPECT_FALSE(InvariantDescription(inv).empty()) << InvariantId(inv);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kInvariantCount));
  EXPECT_EQ(ParseInvariant("no-such-invariant"), std::nullopt);
  EXPECT_EQ(InvariantShortName(Invariant::kIterNoDuplicate), "dup");
  EXPECT_EQ(InvariantDescription(Invariant::kIterNoDuplicate), "an iteration yields no key twice");
}

TEST(InvariantTableTest, ReportOrderIsTheTableOrderOfThisBuildsInvariants) {
  const Invariant kReportOrder[] = {
      Invariant::kNoCrash,         Invariant::kNoHang,           Invariant::kNoDataRace,
      Invariant::kLinearizable,    Invariant::kIterNoDuplicate,  Invariant::kIterNoMissedStable,
      Invariant::kIterNoPhantom,   Invariant::kIterValueValid,   Invariant::kIterEraseHonoured,
      Invariant::kCheckThenAct,    Invariant::kSizeBounds,       Invariant::kQuiescentState,
      Invariant::kMisuseDetected};
  std::vector<Invariant> expected;
  for (Invariant inv : kReportOrder) {
    expected.push_back(inv);
  }
  EXPECT_EQ(std::vector<Invariant>(kAllInvariants.begin(), kAllInvariants.end()), expected);
  InvariantSet all;
  for (Invariant inv : expected) all.Add(inv);
  EXPECT_EQ(InvariantSet::All(), all);
}

TEST(InvariantTableTest, HistoryInvariantsAreAllButTheRunJudgedOnes) {
  InvariantSet expected = InvariantSet::All();
  for (Invariant inv : {Invariant::kNoCrash, Invariant::kNoHang, Invariant::kMisuseDetected,
                        Invariant::kNoDataRace}) {
    expected.Remove(inv);
  }
  EXPECT_EQ(HistoryInvariants(), expected);
  EXPECT_TRUE(HistoryInvariants().Contains(Invariant::kLinearizable));
  EXPECT_FALSE(HistoryInvariants().Contains(Invariant::kNoCrash));
}

}  // namespace
}  // namespace mapfault
