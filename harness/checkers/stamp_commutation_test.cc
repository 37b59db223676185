// Property: the checkers' verdicts depend only on the orders of history stamps that the stamp table
// of harness/engine/footprint.h keeps (the exhaustive search's partial-order reduction lets two
// steps of different threads commute when no two of their stamps are ordered by it). Random
// histories are recorded the way harness/run/trial.cc stamps them: one clock; each thread's stamps
// in program order (invoke, visits with their read points, visitor writes and erase outcomes,
// response); a reported read window beginning at its thread's previous stamp. Results come from a
// sequential model run in the recording's order, some of them corrupted, so that verdicts of every
// kind occur. Swapping two adjacent stamps of different threads whose kinds the table lets commute
// must leave every checker's verdict (the violated and the undecided invariants) unchanged; and for
// the table's ordered pairs such a swap does change some verdict, so each of them is needed.
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/base/rng.h"
#include "harness/checkers/checkers.h"
#include "harness/engine/footprint.h"

namespace mapfault {
namespace {

// Which field of the history a stamp fills.
enum class Field : uint8_t { kInvoke, kResponse, kVisit, kReadPoint, kEraseOutcome };

struct Slot {
  StampKind kind;
  Field field;
  int thread;
  int op;
  int yield = -1;   // for a visit, read point or erase outcome
  int nested = -1;  // for a visitor write: its index in visit_writes
};

// A random history: its operations and results are fixed; `order` is the recording's sequence of
// slots (stamp i + 1 goes to order[i]), and Stamp() writes the stamps it implies.
struct RandomHistory {
  History history;
  std::vector<Slot> order;
  bool allow_reinsert = false;
};

OpRecord& OpOf(History& h, const Slot& s) {
  OpRecord& op = h.threads[static_cast<size_t>(s.thread)][static_cast<size_t>(s.op)];
  return s.nested < 0 ? op : op.visit_writes[static_cast<size_t>(s.nested)];
}

// Writes the stamps of `order` into `h` (1, 2, ... in order; a read point's window begins at its
// thread's previous stamp, as OpRunner::Iteration's last_tick_ does).
void Stamp(History& h, const std::vector<Slot>& order) {
  std::vector<uint64_t> last(h.threads.size(), 0);
  uint64_t t = 0;
  for (const Slot& s : order) {
    ++t;
    OpRecord& op = OpOf(h, s);
    YieldRecord* y = s.yield < 0 ? nullptr : &op.yields[static_cast<size_t>(s.yield)];
    switch (s.field) {
      case Field::kInvoke:
        op.invoke = t;
        break;
      case Field::kResponse:
        op.response = t;
        break;
      case Field::kVisit:
        y->at = t;
        break;
      case Field::kReadPoint:
        y->read_from = last[static_cast<size_t>(s.thread)];
        y->read_to = t;
        break;
      case Field::kEraseOutcome:
        y->erase_at = t;
        break;
    }
    last[static_cast<size_t>(s.thread)] = t;
  }
  h.parallel_end = t + 1;
}

// The slots of one operation in program order (trial.cc: a visitor write runs inside the visit
// that made it, and an erase-this's outcome is reported after that visit's writes), with the
// stamp kinds trial.cc's OpStampKinds and Iteration give them.
void AppendSlots(const OpRecord& op, int thread, int index, std::vector<Slot>& out, Rng& rng,
                 std::vector<bool>& reported) {
  const bool window = op.kind == OpKind::kSize || op.kind == OpKind::kForEach;
  out.push_back(
      {window ? StampKind::kWindowInvoke : StampKind::kInvoke, Field::kInvoke, thread, index});
  for (size_t i = 0; i < op.yields.size(); ++i) {
    const int y = static_cast<int>(i);
    if (rng.Chance(30)) out.push_back({StampKind::kReadPoint, Field::kReadPoint, thread, index, y});
    const bool erase = op.yields[i].action == VisitAction::kEraseThis;
    out.push_back(
        {erase ? StampKind::kEraseVisit : StampKind::kVisit, Field::kVisit, thread, index, y});
    for (size_t w = 0; w < op.visit_writes.size(); ++w) {
      if (op.visit_writes[w].visit != y) continue;
      const int n = static_cast<int>(w);
      out.push_back({StampKind::kNestedInvoke, Field::kInvoke, thread, index, -1, n});
      out.push_back({StampKind::kNestedResponse, Field::kResponse, thread, index, -1, n});
    }
    if (erase && rng.Chance(60)) {
      out.push_back({StampKind::kEraseOutcome, Field::kEraseOutcome, thread, index, y});
      reported.push_back(true);
    } else {
      reported.push_back(false);
    }
  }
  const StampKind response = op.kind == OpKind::kSize      ? StampKind::kSizeResponse
                             : op.kind == OpKind::kForEach ? StampKind::kIterationResponse
                                                           : StampKind::kResponse;
  out.push_back({response, Field::kResponse, thread, index});
}

// One operation's shape: kind, key, value; a for_each's visits, actions and visitor writes.
OpRecord RandomOp(Rng& rng, int thread, int index) {
  OpRecord op;
  op.kind = static_cast<OpKind>(rng.Below(7));
  if (op.kind == OpKind::kClear && rng.Chance(70)) op.kind = OpKind::kFind;  // clears: rarer
  op.key = static_cast<Key>(rng.Below(3));
  op.value = static_cast<Value>(1 + rng.Below(4));
  op.thread = thread;
  op.index = index;
  if (op.kind != OpKind::kForEach) return op;
  op.key = 0;
  const bool erasing = rng.Chance(50);
  if (erasing) op.erase_if_value_below = static_cast<Value>(1 + rng.Below(4));
  const size_t visits = rng.Below(4);
  for (size_t i = 0; i < visits; ++i) {
    YieldRecord y;
    y.action = erasing && rng.Chance(60) ? VisitAction::kEraseThis : VisitAction::kContinue;
    op.yields.push_back(y);
    if (rng.Chance(20)) {
      OpRecord w;
      w.kind = static_cast<OpKind>(rng.Below(3));  // insert, assign or erase
      w.key = static_cast<Key>(rng.Below(3));
      w.value = static_cast<Value>(1 + rng.Below(4));
      w.thread = thread;
      w.index = index;
      w.visit = static_cast<int>(i);
      op.visit_writes.push_back(w);
    }
  }
  return op;
}

// Applies a single-key operation or a clear to the model at its response, filling its result;
// with probability `noise` percent the result is replaced by a random one.
void ApplyAtResponse(OpRecord& op, std::map<Key, Value>& model, Rng& rng, uint32_t noise) {
  switch (op.kind) {
    case OpKind::kInsert:
      op.ok = model.emplace(op.key, op.value).second;
      break;
    case OpKind::kAssign:
      model[op.key] = op.value;
      break;
    case OpKind::kErase:
      op.ok = model.erase(op.key) == 1;
      break;
    case OpKind::kFind: {
      const auto it = model.find(op.key);
      op.found = it == model.end() ? std::nullopt : std::optional<Value>(it->second);
      break;
    }
    case OpKind::kSize:
      op.size = model.size();
      break;
    case OpKind::kClear:
      model.clear();
      break;
    case OpKind::kForEach:
      return;
  }
  if (!rng.Chance(noise)) return;
  op.ok = rng.Chance(50);
  op.found = rng.Chance(50) ? std::nullopt : std::optional<Value>(1 + rng.Below(4));
  op.size = rng.Below(4);
}

// A visit shows an entry of the model (or, with probability `noise` percent, any key and value);
// an erase-this that will not be declined removes it there.
void ApplyVisit(YieldRecord& y, bool reported, std::map<Key, Value>& model, Rng& rng,
                uint32_t noise) {
  if (!model.empty() && !rng.Chance(noise)) {
    auto it = model.begin();
    std::advance(it, static_cast<long>(rng.Below(model.size())));
    y.key = it->first;
    y.value = it->second;
  } else {
    y.key = static_cast<Key>(rng.Below(3));
    y.value = static_cast<Value>(1 + rng.Below(4));
  }
  if (y.action != VisitAction::kEraseThis) return;
  const bool declined = reported && rng.Chance(25);
  y.erase = !reported  ? (rng.Chance(50) ? EraseOutcome::kErased : EraseOutcome::kUnknown)
            : declined ? EraseOutcome::kDeclined
                       : EraseOutcome::kErased;
  if (!declined) model.erase(y.key);
}

RandomHistory MakeRandomHistory(uint64_t seed) {
  Rng rng(seed);
  RandomHistory r;
  History& h = r.history;
  r.allow_reinsert = rng.Chance(50);
  std::map<Key, Value> model;
  for (Key k = 0; k < 3; ++k) {
    if (rng.Chance(50)) model[k] = static_cast<Value>(1 + rng.Below(4));
  }
  h.initial.assign(model.begin(), model.end());
  const int threads = 2 + static_cast<int>(rng.Below(2));
  h.threads.resize(static_cast<size_t>(threads));
  std::vector<std::vector<Slot>> slots(static_cast<size_t>(threads));
  std::map<std::pair<int, int>, std::vector<bool>> reported;  // (thread, op) -> per yield
  for (int t = 0; t < threads; ++t) {
    const int ops = 1 + static_cast<int>(rng.Below(4));
    for (int i = 0; i < ops; ++i) {
      h.threads[static_cast<size_t>(t)].push_back(RandomOp(rng, t, i));
      AppendSlots(h.threads[static_cast<size_t>(t)].back(), t, i, slots[static_cast<size_t>(t)],
                  rng, reported[{t, i}]);
    }
  }
  // A random merge of the threads' slots, run against the model in that order.
  std::vector<size_t> next(static_cast<size_t>(threads), 0);
  const uint32_t noise = rng.Chance(50) ? 0 : 15;
  for (;;) {
    std::vector<int> ready;
    for (int t = 0; t < threads; ++t) {
      if (next[static_cast<size_t>(t)] < slots[static_cast<size_t>(t)].size()) ready.push_back(t);
    }
    if (ready.empty()) break;
    const int t = ready[rng.Below(ready.size())];
    const Slot s = slots[static_cast<size_t>(t)][next[static_cast<size_t>(t)]++];
    r.order.push_back(s);
    OpRecord& op = OpOf(h, s);
    if (s.field == Field::kResponse) ApplyAtResponse(op, model, rng, noise);
    if (s.field == Field::kVisit) {
      ApplyVisit(op.yields[static_cast<size_t>(s.yield)],
                 reported[{s.thread, s.op}][static_cast<size_t>(s.yield)], model, rng, noise);
    }
  }
  h.final_state = std::vector<std::pair<Key, Value>>(model.begin(), model.end());
  if (rng.Chance(noise)) h.final_state->clear();
  Stamp(h, r.order);
  return r;
}

struct Verdict {
  InvariantSet violated, undecided;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

Verdict Judge(const RandomHistory& r) {
  CheckOptions options;
  options.duplicate_allows_reinsert = r.allow_reinsert;
  const CheckResult c = CheckHistory(r.history, options);
  return {c.violated(), c.undecided};
}

std::string Names(InvariantSet s) {
  std::string out;
  for (Invariant inv : kAllInvariants) {
    if (s.Contains(inv))
      absl::StrAppend(&out, out.empty() ? "" : ",", std::string(InvariantId(inv)));
  }
  return out.empty() ? "none" : out;
}

// Positions i where order[i] and order[i + 1] are stamps of different threads.
std::vector<size_t> CrossThreadNeighbours(const std::vector<Slot>& order) {
  std::vector<size_t> out;
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    if (order[i].thread != order[i + 1].thread) out.push_back(i);
  }
  return out;
}

constexpr uint64_t kHistories = 4000;
constexpr int kSwapsPerHistory = 24;

// Whether two stamps of different threads, of the given kinds, must keep their order.
using OrderFn = bool (*)(StampKind, StampKind);

// Walks every random history through random exchanges of adjacent stamps of different threads
// that `ordered` lets commute; the first exchange that changed a verdict, described, or "".
std::string FindVerdictChange(OrderFn ordered, uint64_t* swaps, uint64_t* violating) {
  for (uint64_t seed = 1; seed <= kHistories; ++seed) {
    RandomHistory r = MakeRandomHistory(seed);
    const Verdict before = Judge(r);
    *violating += !before.violated.empty();
    Rng rng(Mix64(seed));
    for (int step = 0; step < kSwapsPerHistory; ++step) {
      std::vector<size_t> commuting;
      for (size_t i : CrossThreadNeighbours(r.order)) {
        if (!ordered(r.order[i].kind, r.order[i + 1].kind)) commuting.push_back(i);
      }
      if (commuting.empty()) break;
      const size_t i = commuting[rng.Below(commuting.size())];
      std::swap(r.order[i], r.order[i + 1]);
      Stamp(r.history, r.order);
      ++*swaps;
      const Verdict after = Judge(r);
      if (after == before) continue;
      return absl::StrCat("history seed ", seed, ", exchange ", step, " of a ",
                          kStampKinds[static_cast<size_t>(r.order[i + 1].kind)].name, " and a ",
                          kStampKinds[static_cast<size_t>(r.order[i].kind)].name,
                          " stamp: violated ", Names(before.violated), " -> ",
                          Names(after.violated), ", undecided ", Names(before.undecided), " -> ",
                          Names(after.undecided));
    }
  }
  return "";
}

TEST(StampCommutationTest, SwappingStampsTheTableLetsCommuteKeepsEveryVerdict) {
  uint64_t swaps = 0, violating = 0;
  EXPECT_EQ(FindVerdictChange(&StampsOrdered, &swaps, &violating), "");
  // The property is not vacuous: many exchanges, and verdicts of both kinds.
  EXPECT_GT(swaps, kHistories * 4);
  EXPECT_GT(violating, kHistories / 10);
  EXPECT_LT(violating, kHistories * 9 / 10);
}

// The property catches a wrong table: mutants of it, each letting commute what a checker compares.
bool InvokeResponseCommute(StampKind a, StampKind b) {
  const bool pair = (a == StampKind::kInvoke && b == StampKind::kResponse) ||
                    (a == StampKind::kResponse && b == StampKind::kInvoke);
  return !pair && StampsOrdered(a, b);
}
uint8_t UsesWithoutVisitStart(StampKind k) {
  const uint8_t uses = kStampKinds[static_cast<size_t>(k)].uses;
  return k == StampKind::kVisit ? static_cast<uint8_t>(uses & ~kWindowStart) : uses;
}
bool VisitNeverStartsARead(StampKind a, StampKind b) {
  return UsesCompared(UsesWithoutVisitStart(a), UsesWithoutVisitStart(b));
}
bool WindowsOnlyStartNotEnd(StampKind a, StampKind b) {  // forgets "begun before it ended"
  const auto uses = [](StampKind k) {
    return static_cast<uint8_t>(kStampKinds[static_cast<size_t>(k)].uses & ~kWindowEnd);
  };
  return UsesCompared(uses(a), uses(b));
}

TEST(StampCommutationTest, AWrongTableChangesSomeVerdict) {
  for (const auto& [name, mutant] :
       {std::pair<const char*, OrderFn>{"invoke/response commute", &InvokeResponseCommute},
        {"a visit starts no read", &VisitNeverStartsARead},
        {"no window end", &WindowsOnlyStartNotEnd}}) {
    uint64_t swaps = 0, violating = 0;
    EXPECT_NE(FindVerdictChange(mutant, &swaps, &violating), "") << name;
  }
}

// Which pairs of kinds the table orders for a reason these histories show: exchanging two such
// stamps changes some verdict (the pairs listed must; the others are rarer combinations).
TEST(StampCommutationTest, TheCommonOrderedPairsEachDecideSomeVerdict) {
  std::vector<std::vector<bool>> decided(kStampKindCount, std::vector<bool>(kStampKindCount));
  for (uint64_t seed = 1; seed <= kHistories; ++seed) {
    RandomHistory r = MakeRandomHistory(seed);
    const Verdict before = Judge(r);
    for (size_t i : CrossThreadNeighbours(r.order)) {
      const auto a = static_cast<size_t>(r.order[i].kind);
      const auto b = static_cast<size_t>(r.order[i + 1].kind);
      if (!StampsOrdered(r.order[i].kind, r.order[i + 1].kind) || decided[a][b]) continue;
      std::swap(r.order[i], r.order[i + 1]);
      Stamp(r.history, r.order);
      if (!(Judge(r) == before)) decided[a][b] = decided[b][a] = true;
      std::swap(r.order[i], r.order[i + 1]);
      Stamp(r.history, r.order);
    }
  }
  std::string undecided;
  for (size_t a = 0; a < kStampKindCount; ++a) {
    for (size_t b = a; b < kStampKindCount; ++b) {
      if (StampsOrdered(static_cast<StampKind>(a), static_cast<StampKind>(b)) && !decided[a][b]) {
        absl::StrAppend(&undecided, kStampKinds[a].name, " / ", kStampKinds[b].name, "; ");
      }
    }
  }
  std::cout << "ordered pairs no exchange decided: " << undecided << "\n";
  using K = StampKind;
  for (const auto& [x, y] : {std::pair{K::kInvoke, K::kResponse},
                             {K::kInvoke, K::kVisit},
                             {K::kResponse, K::kWindowInvoke},
                             {K::kInvoke, K::kSizeResponse},
                             {K::kInvoke, K::kIterationResponse}}) {
    EXPECT_TRUE(decided[static_cast<size_t>(x)][static_cast<size_t>(y)])
        << kStampKinds[static_cast<size_t>(x)].name << " / "
        << kStampKinds[static_cast<size_t>(y)].name;
  }
}

}  // namespace
}  // namespace mapfault
