// Differential properties (rapidcheck): the fast linearizability search (Zobrist-hashed memo) gives
// exactly the answers of the reference version in checker_reference_test_util.h (the pre-scaling
// algorithm), and HistoryIndex's two presence algorithms (scan, KeyJudge) agree, on many small
// random histories, most of them with heavily overlapping operations on few keys. The search's verdict is also checked
// against brute force over every real-time-respecting order when there are few operations.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "harness/checkers/checker_reference_test_util.h"
#include "harness/checkers/history_builder.h"
#include "harness/checkers/history_index.h"
#include "harness/checkers/linearizability.h"
#include "rapidcheck/gtest.h"

// GCC 12 reports std::optional<Value> copies in the brute-force loop below as maybe-uninitialized
// (a known false positive of its optional at -O2).
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace mapfault {
namespace {

// (kind, invoke, duration, value, result flag) -> one op on one key. Short clocks and long
// durations make most operations overlap.
using OpSpec = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t, bool>;

std::vector<LinOp> MakeOps(const std::vector<OpSpec>& specs, uint8_t clock, uint8_t max_len) {
  std::vector<LinOp> ops;
  for (const auto& [kind, at, len, value, flag] : specs) {
    LinOp op;
    op.kind = static_cast<LinOp::Kind>(kind % 5);  // insert, assign, erase, find, remove
    op.invoke = 1 + at % (clock + 1);
    op.response = op.invoke + 1 + len % (max_len + 1);
    op.value = value % 3;
    op.ok = flag;
    if (op.kind == LinOp::Kind::kFind && !flag) op.found = value % 3;
    op.check_result = value % 7 != 0;
    ops.push_back(op);
  }
  return ops;
}

// Linearizable by brute force: some order of all ops that respects real time (a before b when a
// returned strictly before b was invoked) explains every result.
bool BruteForceLinearizable(std::optional<Value> initial, const std::vector<LinOp>& ops) {
  std::vector<int> order(ops.size());
  std::iota(order.begin(), order.end(), 0);
  do {
    bool ok = true;
    for (size_t i = 0; ok && i < order.size(); ++i) {
      for (size_t j = i + 1; ok && j < order.size(); ++j) {
        ok = !(ops[order[j]].response < ops[order[i]].invoke);
      }
    }
    std::optional<Value> state = initial;
    for (size_t i = 0; ok && i < order.size(); ++i) ok = ApplyLinOp(ops[order[i]], state);
    if (ok) return true;
  } while (std::next_permutation(order.begin(), order.end()));
  return false;
}

RC_GTEST_PROP(LinearizabilityDifferential, SameOutcomeAsReferenceSearch,
              (const std::vector<OpSpec>& specs, uint8_t clock, uint8_t max_len, uint8_t init,
               uint16_t budget)) {
  const std::vector<OpSpec> few(specs.begin(), specs.begin() + std::min<size_t>(specs.size(), 14));
  const std::vector<LinOp> ops = MakeOps(few, clock % 24, max_len % 24);
  const std::optional<Value> initial =
      init % 3 == 0 ? std::nullopt : std::optional<Value>(init % 3);
  const uint64_t steps = budget % 4 == 0 ? budget % 200 : 1000000;
  const LinOutcome fast = CheckKeyLinearizable(initial, ops, steps);
  const LinOutcome ref = reference::CheckKeyLinearizable(initial, ops, steps);
  RC_ASSERT(fast.verdict == ref.verdict);
  RC_ASSERT(fast.failing_op == ref.failing_op);
  RC_ASSERT(fast.steps == ref.steps);
  RC_TAG(fast.verdict == LinVerdict::kLinearizable ? "linearizable"
         : fast.verdict == LinVerdict::kUndecided  ? "undecided"
                                                   : "not linearizable");
  if (ops.size() <= 7 && fast.verdict != LinVerdict::kUndecided) {
    RC_ASSERT((fast.verdict == LinVerdict::kLinearizable) == BruteForceLinearizable(initial, ops));
  }
}

// Many ops on one key, all overlapping: deep searches with many memo hits, beyond a bitset word.
TEST(LinearizabilityDifferentialTest, WideOverlapMatchesReference) {
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::vector<OpSpec> specs;
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int i = 0; i < 70 + static_cast<int>(seed % 5); ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      specs.emplace_back(x >> 33, x >> 40, x >> 48, x >> 56, (x >> 20) & 1);
    }
    const std::vector<LinOp> ops = MakeOps(specs, 30, 25);
    const LinOutcome fast = CheckKeyLinearizable(std::nullopt, ops, 20000);
    const LinOutcome ref = reference::CheckKeyLinearizable(std::nullopt, ops, 20000);
    EXPECT_EQ(fast.verdict, ref.verdict) << seed;
    EXPECT_EQ(fast.failing_op, ref.failing_op) << seed;
    EXPECT_EQ(fast.steps, ref.steps) << seed;
  }
}

// (kind, thread, key, invoke, duration, value); duration 0 = never returned.
using HistSpec = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t, uint8_t, uint8_t>;

void AddOp(HistoryBuilder& b, const HistSpec& spec, uint8_t clock) {
  const auto& [kind, thread8, key8, at8, len8, v8] = spec;
  const int t = thread8 % 3;
  const Key k = key8 % 3;
  const uint64_t a = 1 + at8 % (clock + 1);
  const uint64_t z = len8 % 9 == 0 ? 0 : a + 1 + len8 % 12;
  const Value v = v8 % 4;
  switch (kind % 7) {
    case 0: b.Insert(t, k, v, a, z, v8 & 16); break;
    case 1: b.Assign(t, k, v, a, z); break;
    case 2: b.Erase(t, k, a, z, v8 & 16); break;
    case 3: b.Find(t, k, a, z, v8 & 16 ? std::nullopt : std::optional<Value>(v)); break;
    case 4: b.Op(t, OpKind::kClear, 0, a, z); break;
    default: {
      // An iteration yielding each key at a time inside its window, erasing some.
      std::vector<std::tuple<Key, Value, uint64_t>> yields;
      std::vector<Key> erased;
      const uint64_t end = z == 0 ? a + 12 : z;
      for (Key y = 0; y < 3; ++y) {
        if ((v8 >> y) & 1) continue;
        yields.emplace_back(y, v, a + 1 + (y * 5 + len8) % (end - a));
        if ((v8 >> (y + 3)) & 1) erased.push_back(y);
      }
      b.Iter(t, a, z, yields, erased);
    }
  }
}

// The two ways HistoryIndex judges presence, scanning a key's events (sources against removals, the
// original algorithm) and the KeyJudge's prefix maxima and min-tree, agree on every answer, its
// explanation and its "since" event.
RC_GTEST_PROP(HistoryIndexDifferential, KeyJudgeAgreesWithTheScan,
              (const std::vector<HistSpec>& specs, uint8_t clock, uint8_t initial_keys,
               const std::vector<std::tuple<uint8_t, uint8_t, uint8_t, uint8_t>>& queries)) {
  HistoryBuilder b;
  std::vector<std::pair<Key, Value>> init;
  for (Key k = 0; k < 3; ++k) {
    if ((initial_keys >> k) & 1) init.emplace_back(k, 100 + k);
  }
  b.Initial(init);
  for (const HistSpec& s : specs) AddOp(b, s, clock % 40);
  const HistoryIndex judged(b.history(), /*scan_limit=*/0);
  const HistoryIndex scanned(b.history(), /*scan_limit=*/SIZE_MAX);
  for (const auto& [k8, from8, len8, ignore8] : queries) {
    const Key k = k8 % 4;  // key 3 has no events
    const uint64_t from = from8 % 50, to = from + len8 % 20;
    const std::vector<const OpRecord*>& ops = judged.ops();
    const OpRecord* ignore =
        ops.empty() || ignore8 % 3 == 0 ? nullptr : ops[ignore8 % ops.size()];
    std::string why_judged = "unset", why_scanned = "unset";
    RC_ASSERT(judged.PossiblyPresent(k, from, to, ignore, &why_judged) ==
              scanned.PossiblyPresent(k, from, to, ignore, &why_scanned));
    RC_ASSERT(why_judged == why_scanned);
    const KeyEvent* since_judged = nullptr;
    const KeyEvent* since_scanned = nullptr;
    RC_ASSERT(judged.DefinitelyPresentThroughout(k, from, to, ignore, &since_judged) ==
              scanned.DefinitelyPresentThroughout(k, from, to, ignore, &since_scanned));
    // Each index holds its own copy of the events: the same event, not the same address.
    RC_ASSERT((since_judged == nullptr) == (since_scanned == nullptr));
    if (since_judged != nullptr) {
      RC_ASSERT(since_judged->op == since_scanned->op);
      RC_ASSERT(since_judged->begin == since_scanned->begin);
      RC_ASSERT(since_judged->end == since_scanned->end);
      RC_ASSERT(since_judged->Describe() == since_scanned->Describe());
    }
  }
}

}  // namespace
}  // namespace mapfault
