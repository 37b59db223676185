// JudgeYieldPresence (HistoryIndex::YieldsPossiblyPresent) against the index's own judgement, one
// yield at a time: random histories of a few keys with many overlapping operations (some never
// returning, clears, iterations whose yields repeat keys, erase keys they yield with every outcome,
// and report read points); for every yield the bulk answer must be exactly
// PossiblyPresent(y.key, ReadFrom(f, y), ReadTo(y), f). Up to 60 events a key, so both the index's
// scanned keys and its per-key judges are compared, and the iteration's own erase-this (the case
// where ignoring it changes the answer) is common.
#include "harness/checkers/yield_presence.h"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/base/rng.h"
#include "harness/checkers/history_index.h"

namespace mapfault {
namespace {

constexpr uint64_t kSpan = 60;  // logical times 1..kSpan

void AddYields(Rng& rng, Key keys, OpRecord& op) {
  op.response = op.invoke + 2 + rng.Below(20);
  const uint64_t count = rng.Below(2 * static_cast<uint64_t>(keys) + 1);
  uint64_t at = op.invoke;
  for (uint64_t i = 0; i < count && at + 1 < op.response; ++i) {
    YieldRecord y;
    y.key = static_cast<Key>(rng.Below(static_cast<uint64_t>(keys)));  // repeats allowed
    y.value = 1;
    at += 1 + rng.Below(3);
    y.at = std::min(at, op.response - 1);
    if (rng.Below(2) == 0) {  // a read point the backend reported, mostly just before the visit
      y.read_from = y.at - rng.Below(std::min<uint64_t>(y.at - op.invoke, 3) + 1);
      y.read_to = y.read_from + rng.Below(y.at - y.read_from + 1);
      if (y.read_to == 0) y.read_to = 1;
    }
    if (rng.Below(2) == 0) {
      y.action = VisitAction::kEraseThis;
      const uint64_t outcome = rng.Below(3);
      y.erase = outcome == 0   ? EraseOutcome::kErased
                : outcome == 1 ? EraseOutcome::kUnknown
                               : EraseOutcome::kDeclined;
      if (rng.Below(2) == 0) y.erase_at = y.at + 1 + rng.Below(op.response - y.at);
    }
    op.yields.push_back(y);
  }
}

OpRecord RandomOp(Rng& rng, int thread, Key keys) {
  OpRecord op;
  op.thread = thread;
  op.key = static_cast<Key>(rng.Below(static_cast<uint64_t>(keys)));
  op.value = 1;
  op.invoke = 1 + rng.Below(kSpan);
  op.response = rng.Below(8) == 0 ? 0 : op.invoke + 1 + rng.Below(10);  // 1 in 8 never returns
  const uint64_t kind = rng.Below(13);
  op.kind = kind < 3    ? OpKind::kInsert
            : kind < 5  ? OpKind::kAssign
            : kind < 8  ? OpKind::kErase
            : kind < 10 ? OpKind::kFind
            : kind < 11 ? OpKind::kClear
                        : OpKind::kForEach;
  op.ok = rng.Below(2) == 0;
  if (op.kind == OpKind::kFind && op.completed() && rng.Below(2) == 0) op.found = 1;
  if (op.kind == OpKind::kForEach) AddYields(rng, keys, op);
  return op;
}

History RandomHistory(Rng& rng) {
  History h;
  const Key keys = static_cast<Key>(1 + rng.Below(4));
  for (Key k = 0; k < keys; ++k) {
    if (rng.Below(2) == 0) h.initial.push_back({k, 1});
  }
  const int threads = 1 + static_cast<int>(rng.Below(4));
  const int ops = static_cast<int>(rng.Below(60));
  h.threads.resize(static_cast<size_t>(threads));
  for (int i = 0; i < ops; ++i) {
    const int t = static_cast<int>(rng.Below(static_cast<uint64_t>(threads)));
    h.threads[static_cast<size_t>(t)].push_back(RandomOp(rng, t, keys));
  }
  return h;
}

TEST(YieldPresenceTest, AnswersWhatTheIndexAnswersForEveryYield) {
  Rng rng(20261130);
  int compared = 0, possible = 0, decided_by_ignoring = 0;
  for (int round = 0; round < 20000; ++round) {
    const History h = RandomHistory(rng);
    const HistoryIndex index(h);
    const std::span<const uint8_t> bulk = index.YieldsPossiblyPresent();
    size_t i = 0;
    for (const OpRecord* f : index.iterations()) {
      for (const YieldRecord& y : f->yields) {
        ASSERT_LT(i, bulk.size());
        const uint64_t from = ReadFrom(*f, y), to = ReadTo(y);
        const bool p = index.PossiblyPresent(y.key, from, to, f, nullptr);
        ASSERT_EQ(bulk[i] != 0, p) << "round " << round << ", yield " << i << " of key " << y.key
                                   << ", window " << from << ".." << to;
        decided_by_ignoring += p && !index.PossiblyPresent(y.key, from, to, nullptr, nullptr);
        ++compared;
        possible += p;
        ++i;
      }
    }
    ASSERT_EQ(i, bulk.size()) << "round " << round;
  }
  // Both answers were common, and so was a yield only its own iteration's erase-this ruled out.
  EXPECT_GT(possible, compared / 20);
  EXPECT_LT(possible, compared - compared / 20);
  EXPECT_GT(decided_by_ignoring, 20);
}

// The iteration erased key 3 (erase-this, completed at t=3), then yielded it again from a read at
// t=5..10: possible only because its own erase is not evidence against it.
TEST(YieldPresenceTest, TheIterationsOwnEraseIsIgnored) {
  History h;
  h.initial = {{3, 1}};
  OpRecord f;
  f.kind = OpKind::kForEach;
  f.invoke = 1;
  f.response = 20;
  YieldRecord erased{.key = 3, .value = 1, .at = 2, .action = VisitAction::kEraseThis};
  erased.erase = EraseOutcome::kErased;
  erased.erase_at = 3;
  YieldRecord again{.key = 3, .value = 1, .at = 10};
  again.read_from = 5;
  again.read_to = 10;
  f.yields = {erased, again};
  h.threads = {{f}};
  const HistoryIndex index(h);
  ASSERT_EQ(index.YieldsPossiblyPresent().size(), 2u);
  EXPECT_EQ(index.YieldsPossiblyPresent()[1], 1);
  EXPECT_FALSE(index.PossiblyPresent(3, 5, 10, nullptr, nullptr));  // not ignoring it: erased
}

TEST(YieldPresenceTest, AYieldOfAKeyNoEventNamesIsNotPossible) {
  History h;
  OpRecord f;
  f.kind = OpKind::kForEach;
  f.invoke = 1;
  f.response = 5;
  f.yields.push_back({.key = 9, .value = 1, .at = 2});
  h.threads = {{f}};
  const HistoryIndex index(h);
  ASSERT_EQ(index.YieldsPossiblyPresent().size(), 1u);
  EXPECT_EQ(index.YieldsPossiblyPresent()[0], 0);
}

}  // namespace
}  // namespace mapfault
