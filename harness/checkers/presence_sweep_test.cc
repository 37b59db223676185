// PresenceSweep against HistoryIndex's own judgements: random histories of a few keys with many
// overlapping operations (some never returning, clears, erase-this removals with and without a
// known outcome), random windows; for every key and window the sweep must answer exactly what
// DefinitelyPresentThroughout and PossiblyPresent answer with no operation ignored. Up to 60
// events a key, so the index's scanned keys and its per-key judges are both compared, and the
// sweep's one-word and several-word window sets are both taken.
#include "harness/checkers/presence_sweep.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/base/rng.h"
#include "harness/checkers/checkers.h"
#include "harness/checkers/history_index.h"

namespace mapfault {
namespace {

constexpr uint64_t kSpan = 60;  // logical times 1..kSpan

// That `yes` of `total` answers (`what`) is neither rare nor nearly all (over 1 in 20 each way): a
// randomized comparison did not compare constant functions.
void ExpectBothAnswersCommon(int yes, int total, const char* what) {
  EXPECT_GT(yes, total / 20) << what;
  EXPECT_LT(yes, total - total / 20) << what;
}

// `skip_one_in`: an iteration skips each key with probability 1 / skip_one_in (0: yields a third).
OpRecord RandomOp(Rng& rng, int thread, Key keys, uint64_t skip_one_in = 0, uint64_t span = kSpan) {
  OpRecord op;
  op.thread = thread;
  op.key = static_cast<Key>(rng.Below(static_cast<uint64_t>(keys)));
  op.value = 1;
  op.invoke = 1 + rng.Below(span);
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
      if (skip_one_in == 0 ? rng.Below(3) != 0 : rng.Below(skip_one_in) == 0) continue;
      YieldRecord y;
      y.key = k;
      y.value = 1;
      y.at = op.invoke + 1 + rng.Below(op.response - op.invoke - 1);
      y.action =
          skip_one_in == 0 || rng.Below(4) == 0 ? VisitAction::kEraseThis : VisitAction::kContinue;
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

History RandomHistory(Rng& rng, int max_ops = 60, uint64_t skip_one_in = 0, uint64_t span = kSpan) {
  History h;
  const Key keys = static_cast<Key>(1 + rng.Below(4));
  for (Key k = 0; k < keys; ++k) {
    if (rng.Below(2) == 0) h.initial.push_back({k, 1});
  }
  const int threads = 1 + static_cast<int>(rng.Below(4));
  const int ops = static_cast<int>(rng.Below(static_cast<uint64_t>(max_ops)));
  h.threads.resize(static_cast<size_t>(threads));
  for (int i = 0; i < ops; ++i) {
    const int t = static_cast<int>(rng.Below(static_cast<uint64_t>(threads)));
    h.threads[static_cast<size_t>(t)].push_back(RandomOp(rng, t, keys, skip_one_in, span));
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
    // Mostly a few windows; one round in ten more than 64 (several words of bits).
    std::vector<PresenceWindow> windows(1 + rng.Below(round % 10 == 0 ? 150 : 12));
    for (PresenceWindow& w : windows) {
      w.from = rng.Below(kSpan + 20);
      w.to = w.from + rng.Below(15);
    }
    sweep.Reset(windows);
    for (const auto& [k, events] : index.keys()) {
      sweep.Sweep(events, /*possible=*/false);
      std::vector<uint8_t> certain_only;
      for (size_t i = 0; i < windows.size(); ++i) certain_only.push_back(sweep.certain(i));
      sweep.Sweep(events);
      std::vector<uint8_t> swept, swept_possible;
      for (size_t i = 0; i < windows.size(); ++i) {
        swept.push_back(sweep.certain(i));
        swept_possible.push_back(sweep.possible(i));
      }
      sweep.Judge(index, k, events);  // the sweep or lookups, whichever is cheaper for this key
      for (size_t i = 0; i < windows.size(); ++i) {
        const PresenceWindow& w = windows[i];
        const bool c = index.DefinitelyPresentThroughout(k, w.from, w.to, nullptr, nullptr);
        const bool p = index.PossiblyPresent(k, w.from, w.to, nullptr, nullptr);
        const std::string where = absl::StrCat("round ", round, ", key ", k, ", window ", w.from,
                                               "..", w.to);
        ASSERT_EQ(swept[i] != 0, c) << where;
        ASSERT_EQ(certain_only[i] != 0, c) << where;
        ASSERT_EQ(swept_possible[i] != 0, p) << where;
        ASSERT_EQ(sweep.certain(i) != 0, c) << where;
        ASSERT_EQ(sweep.possible(i) != 0, p) << where;
        ++compared;
        certain += c;
        possible += p;
      }
    }
  }
  // Both answers were common: the comparison was not between constant functions.
  ExpectBothAnswersCommon(certain, compared, "certain");
  ExpectBothAnswersCommon(possible, compared, "possible");
}

// The checkers that use the sweep as a filter (no-missed-stable, size-bounds) judge exactly as
// their one-by-one pass over the index does, on histories with enough iterations and size() calls
// for the sweep to be taken (up to ~100 windows: one or two words of bits).
TEST(PresenceSweepTest, FilteredCheckersJudgeAsTheIndexDoes) {
  Rng rng(1130);
  int missed = 0, out_of_bounds = 0;
  const int rounds = 1500;
  for (int round = 0; round < rounds; ++round) {
    History h = RandomHistory(rng, 800, 12, 2000);
    for (auto& ops : h.threads) {
      for (OpRecord& op : ops) {
        if (op.kind != OpKind::kFind || rng.Below(2) != 0) continue;
        op.kind = OpKind::kSize;  // a size() call with a plausible count
        op.size = rng.Below(5);
      }
    }
    const HistoryIndex index(h);
    bool miss = false;
    for (const OpRecord* f : index.iterations()) {
      if (!f->completed() || f->stopped) continue;
      for (const auto& [k, events] : index.keys()) {
        bool yielded = false;
        for (const YieldRecord& y : f->yields) yielded |= y.key == k;
        miss |=
            !yielded && index.DefinitelyPresentThroughout(k, f->invoke, f->response, f, nullptr);
      }
    }
    bool out = false;
    for (const OpRecord* s : index.sizes()) {
      if (!s->completed()) continue;
      uint64_t certain = 0, possible = 0;
      for (const auto& [k, events] : index.keys()) {
        certain += index.DefinitelyPresentThroughout(k, s->invoke, s->response, nullptr, nullptr);
        possible += index.PossiblyPresent(k, s->invoke, s->response, nullptr, nullptr);
      }
      out |= s->size < certain || s->size > possible;
    }
    CheckOptions options;
    options.which = InvariantSet{Invariant::kIterNoMissedStable, Invariant::kSizeBounds};
    const InvariantSet violated = CheckHistory(h, options).violated();
    ASSERT_EQ(violated.Contains(Invariant::kIterNoMissedStable), miss) << "round " << round;
    ASSERT_EQ(violated.Contains(Invariant::kSizeBounds), out) << "round " << round;
    missed += miss;
    out_of_bounds += out;
  }
  ExpectBothAnswersCommon(missed, rounds, "missed");
  ExpectBothAnswersCommon(out_of_bounds, rounds, "out_of_bounds");
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
    EXPECT_TRUE(sweep.certain(i)) << i;
    EXPECT_TRUE(sweep.possible(i)) << i;
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
  EXPECT_TRUE(sweep.certain(0));   // before the erase began
  EXPECT_FALSE(sweep.certain(1));  // the erase may have taken effect inside the window
  EXPECT_FALSE(sweep.certain(2));
  for (size_t i = 0; i < windows.size(); ++i) EXPECT_TRUE(sweep.possible(i)) << i;
}

}  // namespace
}  // namespace mapfault
