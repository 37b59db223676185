// PresenceSweep against HistoryIndex's own judgements: random histories of a few keys with many
// overlapping operations (some never returning, clears, erase-this removals with and without a
// known outcome), random windows; for every key and window the sweep must answer exactly what
// DefinitelyPresentThroughout and PossiblyPresent answer with no operation ignored. Up to 60
// events a key, so the index's scanned keys and its per-key judges are both compared, and the
// sweep's insertion sort and std::sort paths are both taken.
#include "harness/checkers/presence_sweep.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/base/rng.h"
#include "harness/checkers/history_index.h"

namespace mapfault {
namespace {

constexpr uint64_t kSpan = 60;  // logical times 1..kSpan

OpRecord RandomOp(Rng& rng, int thread, Key keys) {
  OpRecord op;
  op.thread = thread;
  op.key = static_cast<Key>(rng.Below(static_cast<uint64_t>(keys)));
  op.value = 1;
  op.invoke = 1 + rng.Below(kSpan);
  op.response = rng.Below(8) == 0 ? 0 : op.invoke + 1 + rng.Below(10);  // 1 in 8 never returns
  const uint64_t kind = rng.Below(12);
  op.kind = kind < 3 ? OpKind::kInsert
            : kind < 5 ? OpKind::kAssign
            : kind < 8 ? OpKind::kErase
            : kind < 10 ? OpKind::kFind
            : kind < 11 ? OpKind::kClear
                        : OpKind::kForEach;
  op.ok = rng.Below(2) == 0;
  if (op.kind == OpKind::kFind && op.completed() && rng.Below(2) == 0) op.found = 1;
  if (op.kind == OpKind::kForEach) {
    op.response = op.invoke + 2 + rng.Below(20);
    for (Key k = 0; k < keys; ++k) {
      if (rng.Below(3) != 0) continue;
      YieldRecord y;
      y.key = k;
      y.value = 1;
      y.at = op.invoke + 1 + rng.Below(op.response - op.invoke - 1);
      y.action = VisitAction::kEraseThis;
      const uint64_t outcome = rng.Below(3);
      y.erase = outcome == 0 ? EraseOutcome::kErased
                : outcome == 1 ? EraseOutcome::kUnknown
                               : EraseOutcome::kDeclined;
      if (rng.Below(2) == 0) y.erase_at = y.at + 1 + rng.Below(op.response - y.at);
      op.yields.push_back(y);
    }
  }
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

TEST(PresenceSweepTest, AnswersWhatTheIndexAnswersForEveryKeyAndWindow) {
  Rng rng(20261130);
  PresenceSweep sweep;
  int compared = 0, certain = 0, possible = 0;
  for (int round = 0; round < 3000; ++round) {
    const History h = RandomHistory(rng);
    const HistoryIndex index(h);
    std::vector<PresenceWindow> windows(1 + rng.Below(12));
    for (PresenceWindow& w : windows) {
      w.from = rng.Below(kSpan + 20);
      w.to = w.from + rng.Below(15);
    }
    sweep.Reset(windows);
    for (const auto& [k, events] : index.keys()) {
      sweep.Sweep(events);
      std::vector<uint8_t> swept(sweep.certain().begin(), sweep.certain().end());
      std::vector<uint8_t> swept_possible(sweep.possible().begin(), sweep.possible().end());
      sweep.Judge(index, k, events);  // the sweep or lookups, whichever is cheaper for this key
      for (size_t i = 0; i < windows.size(); ++i) {
        const PresenceWindow& w = windows[i];
        const bool c = index.DefinitelyPresentThroughout(k, w.from, w.to, nullptr, nullptr);
        const bool p = index.PossiblyPresent(k, w.from, w.to, nullptr, nullptr);
        const std::string where = absl::StrCat("round ", round, ", key ", k, ", window ", w.from,
                                               "..", w.to);
        ASSERT_EQ(swept[i] != 0, c) << where;
        ASSERT_EQ(swept_possible[i] != 0, p) << where;
        ASSERT_EQ(sweep.certain()[i] != 0, c) << where;
        ASSERT_EQ(sweep.possible()[i] != 0, p) << where;
        ++compared;
        certain += c;
        possible += p;
      }
    }
  }
  // Both answers were common: the comparison was not between constant functions.
  EXPECT_GT(certain, compared / 20);
  EXPECT_LT(certain, compared - compared / 20);
  EXPECT_GT(possible, compared / 20);
  EXPECT_LT(possible, compared - compared / 20);
}

TEST(PresenceSweepTest, AKeyOnlyInTheInitialStateIsPresentInEveryWindow) {
  History h;
  h.initial = {{7, 1}};
  const HistoryIndex index(h);
  const std::vector<PresenceWindow> windows = {{0, 0}, {1, 5}, {100, 200}};
  PresenceSweep sweep;
  sweep.Reset(windows);
  sweep.Sweep(index.keys().front().second);
  for (size_t i = 0; i < windows.size(); ++i) {
    EXPECT_TRUE(sweep.certain()[i]) << i;
    EXPECT_TRUE(sweep.possible()[i]) << i;
  }
}

TEST(PresenceSweepTest, AnEraseThatNeverReturnedEndsCertaintyButNotPossibility) {
  History h;
  h.initial = {{3, 1}};
  OpRecord erase;
  erase.kind = OpKind::kErase;
  erase.key = 3;
  erase.invoke = 10;  // never returns
  h.threads = {{erase}};
  const HistoryIndex index(h);
  const std::vector<PresenceWindow> windows = {{2, 9}, {2, 11}, {50, 60}};
  PresenceSweep sweep;
  sweep.Reset(windows);
  sweep.Sweep(index.keys().front().second);
  EXPECT_TRUE(sweep.certain()[0]);   // before the erase began
  EXPECT_FALSE(sweep.certain()[1]);  // the erase may have taken effect inside the window
  EXPECT_FALSE(sweep.certain()[2]);
  for (size_t i = 0; i < windows.size(); ++i) EXPECT_TRUE(sweep.possible()[i]) << i;
}

}  // namespace
}  // namespace mapfault
