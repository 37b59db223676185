// Regressions the brute-force differential (checker_brute_force_test.cc) found: each history is
// one where a checker disagreed with the brute-force reference of its documented definition, shrunk
// by rapidcheck and written out by hand; each test failed before its checker was fixed.
#include "gtest/gtest.h"
#include "harness/checkers/history_builder.h"

namespace mapfault {
namespace {

// T0's for_each [t=1..13] yields key 0 three times: at t=2 (erase-this, outcome unknown, reported
// at t=5), at t=7 (read at t=5..6) and at t=10. T1's insert(0, 1) -> true [t=3..`write_end`] is the
// only write of key 0.
HistoryBuilder ThriceYielded(uint64_t write_end) {
  HistoryBuilder b;
  OpRecord& f = b.Iter(0, 1, 13, {{0, 1, 2}, {0, 1, 7}, {0, 1, 10}}, {0});
  f.yields[0].erase = EraseOutcome::kUnknown;
  f.yields[0].erase_at = 5;
  f.yields[1].read_from = 5;
  f.yields[1].read_to = 6;
  // The first yield's erase-this is the only possible removal, so the third yield needs it and
  // the insert between the second read and itself.
  b.Insert(1, 0, 1, 3, write_end, true);
  return b;
}

// Go's rule allows the second yield of a key after an erase and a re-insert between the two reads.
// Between the reads at t=5..6 and t=1..10 nothing can re-insert key 0 when the only write returned
// at t=4, before the earlier read began: no-duplicate used to accept it (it checked the write
// against the removal, not against the first read).
TEST(BruteForceRegressionTest, ReinsertMustFollowTheFirstRead) {
  const HistoryBuilder b = ThriceYielded(4);
  const std::optional<Violation> v = b.Check(Invariant::kIterNoDuplicate, /*allow_reinsert=*/true);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->explanation.find("at t=7 and at t=10"), std::string::npos) << v->explanation;
}

// The same history with the insert still running at t=5 is explained (removal at t=5, then the
// insert's effect, then the read at t=10).
TEST(BruteForceRegressionTest, ReinsertOverlappingTheFirstReadExplainsIt) {
  const HistoryBuilder b = ThriceYielded(8);
  EXPECT_FALSE(b.Check(Invariant::kIterNoDuplicate, /*allow_reinsert=*/true).has_value());
}

}  // namespace
}  // namespace mapfault
