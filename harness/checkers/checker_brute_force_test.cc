// Checkers proven against brute force (issue #13 item 8): random small concurrent histories, shaped
// as the harness records them (<= 3 threads, <= 8 operations, one for_each with read windows and
// erase-this outcomes, some operations never returning), are judged by each checker and by the
// brute-force reference of its documented definition (brute_force_reference.h); a verdict that
// differs fails with the shrunk history. Results are simulated from a sequential run and then
// corrupted at random, so both verdicts are common (RC_TAG shows the split). Run alone:
//   build/tests/mapfault_tests --gtest_filter='CheckerBruteForce*'
// (10,000 cases per invariant; RC_PARAMS="max_success=N" for N, or rapidcheck's reproduce string).
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/checkers/brute_force_reference.h"
#include "harness/checkers/checkers.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

constexpr Key kKeys = 2;       // few keys: most operations contend
constexpr int kMaxValue = 2;   // values 1..kMaxValue
constexpr int kMaxOps = 8;     // the for_each included

// One scheduling point of a thread: an operation's invoke or response, or a for_each's read
// point, visit or erase report for one yield.
struct Point {
  enum Kind : uint8_t {
    kInvoke, kReadTo, kVisit, kWriteInvoke, kWriteResponse, kEraseAt, kResponse
  } kind;
  int op;
  int yield = -1;
  int write = -1;  // kWrite*: index into the for_each's visit_writes
};

Value GenValue() { return *rc::gen::inRange<Value>(1, kMaxValue + 1); }

// Picks a result at random one time in `odds` (a wrong or lucky one); else keeps `sim`.
bool Corrupt(int odds) { return *rc::gen::inRange(0, odds) == 0; }

// A for_each of 0..3 yields with random actions, outcomes, reported erase instants and read points;
// appends its points.
void GenForEach(OpRecord& f, int op, std::vector<Point>& points) {
  const int n = *rc::gen::weightedElement<int>({{1, 0}, {3, 1}, {3, 2}, {2, 3}});
  for (int i = 0; i < n; ++i) {
    YieldRecord y;
    y.key = *rc::gen::inRange<Key>(0, kKeys);
    const bool read_point = *rc::gen::arbitrary<bool>();
    if (*rc::gen::arbitrary<bool>()) {
      y.action = VisitAction::kEraseThis;
      y.erase = *rc::gen::element(EraseOutcome::kNone, EraseOutcome::kErased,
                                  EraseOutcome::kDeclined, EraseOutcome::kUnknown);
    }
    if (read_point) points.push_back({Point::kReadTo, op, i});
    points.push_back({Point::kVisit, op, i});
    if (*rc::gen::inRange(0, 4) == 0) {  // a visitor write, made by the visit
      OpRecord w;
      w.kind = *rc::gen::element(OpKind::kInsert, OpKind::kAssign, OpKind::kErase);
      w.key = *rc::gen::inRange<Key>(0, kKeys);
      if (w.kind != OpKind::kErase) w.value = GenValue();
      w.thread = f.thread;
      w.index = f.index;
      w.visit = i;
      const int wi = static_cast<int>(f.visit_writes.size());
      f.visit_writes.push_back(w);
      points.push_back({Point::kWriteInvoke, op, i, wi});
      points.push_back({Point::kWriteResponse, op, i, wi});
    }
    if (y.action == VisitAction::kEraseThis && *rc::gen::arbitrary<bool>()) {
      y.erase_at = 1;  // a placeholder: it gets its stamp in Schedule
      points.push_back({Point::kEraseAt, op, i});
    }
    y.read_to = read_point ? 1 : 0;
    f.yields.push_back(y);
  }
}

// The operations of each thread (one of them a for_each), and each thread's points in order.
void GenPrograms(History& h, std::vector<std::vector<Point>>& points) {
  // Mostly several threads and many operations: concurrency is what is under test.
  const int threads = *rc::gen::weightedElement<int>({{1, 1}, {3, 2}, {4, 3}});
  const int ops = *rc::gen::weightedElement<int>(
      {{1, 1}, {1, 2}, {1, 3}, {2, 4}, {2, 5}, {3, 6}, {3, 7}, {4, kMaxOps}});
  const int iter_thread = *rc::gen::inRange(0, threads);
  h.threads.assign(threads, {});
  points.assign(threads, {});
  for (int i = 0; i < ops; ++i) {
    const int t = i == 0 ? iter_thread : *rc::gen::inRange(0, threads);
    OpRecord op;
    op.thread = t;
    op.index = static_cast<int>(h.threads[t].size());
    op.kind = i == 0 ? OpKind::kForEach
                     : *rc::gen::weightedElement<OpKind>({{3, OpKind::kInsert},
                                                          {2, OpKind::kAssign},
                                                          {3, OpKind::kErase},
                                                          {3, OpKind::kFind},
                                                          {2, OpKind::kSize},
                                                          {1, OpKind::kClear}});
    if (op.kind != OpKind::kForEach && op.kind != OpKind::kSize && op.kind != OpKind::kClear) {
      op.key = *rc::gen::inRange<Key>(0, kKeys);
    }
    if (op.kind == OpKind::kInsert || op.kind == OpKind::kAssign) op.value = GenValue();
    // A placeholder: Schedule stamps the points.
    std::vector<Point> mine{{Point::kInvoke, op.index}};
    if (op.kind == OpKind::kForEach) {
      // Half the iterations erase expired entries (value below 2): check-then-act judges them.
      if (*rc::gen::arbitrary<bool>()) op.erase_if_value_below = 2;
      GenForEach(op, op.index, mine);
    }
    mine.push_back({Point::kResponse, op.index});
    h.threads[t].push_back(op);
    points[t].insert(points[t].end(), mine.begin(), mine.end());
  }
  // Some threads' last operation never returns (a crash or hang of that thread).
  for (auto& p : points) {
    if (!p.empty() && *rc::gen::inRange(0, 6) == 0) p.pop_back();
  }
}

// Runs one point against the sequential model `state`, recording results (corrupted at random).
void RunPoint(History& h, int t, const Point& p, uint64_t stamp, std::map<Key, Value>& state) {
  OpRecord& outer = h.threads[t][p.op];
  OpRecord& op = p.write >= 0 ? outer.visit_writes[p.write] : outer;
  if (p.kind == Point::kInvoke || p.kind == Point::kWriteInvoke) {
    op.invoke = stamp;
    return;
  }
  if (p.kind != Point::kResponse && p.kind != Point::kWriteResponse) {
    YieldRecord& y = op.yields[p.yield];
    if (p.kind == Point::kReadTo) y.read_to = stamp;
    if (p.kind == Point::kEraseAt && y.action == VisitAction::kEraseThis) y.erase_at = stamp;
    if (p.kind != Point::kVisit) return;
    y.at = stamp;
    const auto it = state.find(y.key);
    y.value = it == state.end() || Corrupt(4) ? GenValue() : it->second;
    const bool removes = y.erase == EraseOutcome::kNone || y.erase == EraseOutcome::kErased ||
                         (y.erase == EraseOutcome::kUnknown && *rc::gen::arbitrary<bool>());
    // An erase-if-expired visitor erases exactly the expired values it is shown.
    if (op.erase_if_value_below) {
      y.action = y.value < *op.erase_if_value_below ? VisitAction::kEraseThis
                                                    : VisitAction::kContinue;
      if (y.action == VisitAction::kContinue) y.erase_at = 0;
    }
    if (y.action == VisitAction::kEraseThis && removes) state.erase(y.key);
    return;
  }
  op.response = stamp;
  const bool present = state.contains(op.key);
  switch (op.kind) {
    case OpKind::kInsert:
      op.ok = Corrupt(5) ? *rc::gen::arbitrary<bool>() : !present;
      if (!present) state[op.key] = op.value;
      break;
    case OpKind::kAssign: state[op.key] = op.value; break;
    case OpKind::kErase:
      op.ok = Corrupt(5) ? *rc::gen::arbitrary<bool>() : present;
      state.erase(op.key);
      break;
    case OpKind::kFind:
      op.found = present ? std::optional<Value>(state[op.key]) : std::nullopt;
      if (Corrupt(5)) op.found = *rc::gen::element<std::optional<Value>>(std::nullopt, 1, 2);
      break;
    case OpKind::kSize:
      op.size = Corrupt(4) ? *rc::gen::inRange<uint64_t>(0, kKeys + 2) : state.size();
      break;
    case OpKind::kClear: state.clear(); break;
    case OpKind::kForEach: break;
  }
}

// Interleaves the threads' points at random, giving each a unique increasing stamp, running them
// against a sequential model. Returns the last stamp.
uint64_t Schedule(History& h, std::vector<std::vector<Point>>& points,
                  std::map<Key, Value>& state) {
  std::vector<size_t> next(points.size(), 0);
  uint64_t stamp = 0;
  for (;;) {
    std::vector<int> ready;
    for (size_t t = 0; t < points.size(); ++t) {
      if (next[t] < points[t].size()) ready.push_back(static_cast<int>(t));
    }
    if (ready.empty()) return stamp;
    const int t = ready[*rc::gen::inRange<size_t>(0, ready.size())];
    RunPoint(h, t, points[t][next[t]++], ++stamp, state);
  }
}

// Read windows: a reported read point reads from the iterating thread's previous event.
void SetReadFroms(History& h) {
  for (auto& ops : h.threads) {
    for (OpRecord& f : ops) {
      uint64_t previous = f.invoke;
      for (YieldRecord& y : f.yields) {
        if (y.read_to != 0) y.read_from = previous;
        previous = y.erase_at != 0 ? y.erase_at : y.at;
      }
    }
  }
}

// Drops what a thread that stopped mid-operation never recorded (yields it never reached).
void TrimUnreached(History& h) {
  for (auto& ops : h.threads) {
    for (OpRecord& f : ops) {
      while (!f.yields.empty() && f.yields.back().at == 0) f.yields.pop_back();
      while (!f.visit_writes.empty() && f.visit_writes.back().invoke == 0) {
        f.visit_writes.pop_back();
      }
      for (YieldRecord& y : f.yields) {
        if (y.erase_at == 1 && y.at != 0 && f.response == 0) y.erase_at = 0;
      }
    }
  }
}

// The post part: a few sequential operations after the threads joined.
void GenPost(History& h, std::map<Key, Value>& state, uint64_t stamp) {
  const int n = *rc::gen::inRange(0, 3);
  for (int i = 0; i < n; ++i) {
    OpRecord op;
    op.thread = -1;
    op.index = i;
    op.kind = *rc::gen::element(OpKind::kFind, OpKind::kSize, OpKind::kInsert, OpKind::kErase);
    if (op.kind != OpKind::kSize) op.key = *rc::gen::inRange<Key>(0, kKeys);
    if (op.kind == OpKind::kInsert) op.value = GenValue();
    h.post.push_back(op);
    h.threads.emplace_back();  // RunPoint addresses ops by thread; moved to post below
    h.threads.back().push_back(op);
    const int t = static_cast<int>(h.threads.size()) - 1;
    RunPoint(h, t, {Point::kInvoke, 0}, ++stamp, state);
    RunPoint(h, t, {Point::kResponse, 0}, ++stamp, state);
    h.post.back() = h.threads.back().back();
    h.threads.pop_back();
  }
}

History GenHistory() {
  History h;
  std::map<Key, Value> state;
  for (Key k = 0; k < kKeys; ++k) {
    if (*rc::gen::arbitrary<bool>()) state[k] = GenValue();
  }
  h.initial.assign(state.begin(), state.end());
  std::vector<std::vector<Point>> points;
  GenPrograms(h, points);
  const uint64_t last = Schedule(h, points, state);
  TrimUnreached(h);
  SetReadFroms(h);
  bool pending = false;
  for (const OpRecord* op : h.AllOps()) pending |= !op->completed();
  if (!pending) {  // the harness reads the contents only when every thread returned
    h.parallel_end = last + 1;
    if (Corrupt(4)) {
      state.clear();
      for (Key k = 0; k < kKeys; ++k) {
        if (*rc::gen::arbitrary<bool>()) state[k] = GenValue();
      }
    }
    h.final_state = std::vector<std::pair<Key, Value>>(state.begin(), state.end());
    GenPost(h, state, last + 1);
  }
  return h;
}

std::string Dump(const History& h) {
  std::string out = "initial:";
  for (const auto& [k, v] : h.initial) absl::StrAppend(&out, " ", k, "=", v);
  for (const OpRecord* op : h.AllOps()) {
    absl::StrAppend(&out, "\n  ", op->Describe(), " [t=", op->invoke, "..", op->response, "]");
    for (const YieldRecord& y : op->yields) {
      absl::StrAppend(&out, "\n    yield ", y.key, "=", y.value, " at ", y.at, " read [",
                      ReadFrom(*op, y), "..", ReadTo(y), "]");
      if (y.action == VisitAction::kEraseThis) {
        absl::StrAppend(&out, " erase-this ", std::string(EraseOutcomeName(y.erase)), " erase_at ",
                        y.erase_at);
      }
    }
  }
  if (h.final_state) {
    absl::StrAppend(&out, "\nfinal (t=", h.parallel_end, "):");
    for (const auto& [k, v] : *h.final_state) absl::StrAppend(&out, " ", k, "=", v);
  }
  return out;
}

// Cases per property in a normal run (ctest): 10,000 each, about 0.25 s per invariant
// (RelWithDebInfo). With RC_PARAMS set, rapidcheck's own configuration applies instead (its
// max_success, seed and reproduce).
constexpr int kCases = 10000;

template <typename Prop>
void CheckMany(Prop prop) {
  if (std::getenv("RC_PARAMS") != nullptr) {
    rc::detail::checkGTest(prop);
    return;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = absl::StrCat(info->test_suite_name(), "/", info->name());
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = kCases;
  const auto result = rc::detail::checkTestable(prop, metadata, params);
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  if (result.template is<rc::detail::SuccessResult>()) {
    std::cout << message.str() << std::endl;
  } else {
    FAIL() << message.str() << " (seed " << params.seed << ": rerun with RC_PARAMS=\"seed="
           << params.seed << "\" for rapidcheck's reproduce string)";
  }
}

// The property for one invariant: the checker reports a violation exactly when the reference does.
void Differential(Invariant inv, bool (*reference)(const History&), bool allow_reinsert = false) {
  const History h = GenHistory();
  CheckOptions options;
  options.which = InvariantSet{inv};
  options.duplicate_allows_reinsert = allow_reinsert;
  const CheckResult r = CheckHistory(h, options);
  RC_ASSERT(r.undecided.empty());
  const bool checker = !r.violations.empty();
  const bool ref = reference(h);
  RC_TAG(checker ? "violated" : "holds");
  RC_LOG() << Dump(h) << "\nchecker: " << (checker ? r.violations[0].explanation : "holds")
           << "\nreference: " << (ref ? "violated" : "holds") << "\n";
  RC_ASSERT(checker == ref);
}

TEST(CheckerBruteForce, Linearizable) {
  CheckMany([] { Differential(Invariant::kLinearizable, brute::LinearizableViolated); });
}
TEST(CheckerBruteForce, QuiescentState) {
  CheckMany([] { Differential(Invariant::kQuiescentState, brute::QuiescentViolated); });
}
// Run together, linearizable searches each key with its contents after the join and spares
// quiescent-state the keys it showed (HistoryIndex::ReachesFinalContents): each verdict must
// still be its reference's.
TEST(CheckerBruteForce, LinearizableAndQuiescentStateTogether) {
  CheckMany([] {
    const History h = GenHistory();
    CheckOptions options;
    options.which = InvariantSet{Invariant::kLinearizable, Invariant::kQuiescentState};
    const CheckResult r = CheckHistory(h, options);
    RC_ASSERT(r.undecided.empty());
    bool lin = false, quiescent = false;
    for (const Violation& v : r.violations) {
      lin |= v.invariant == Invariant::kLinearizable;
      quiescent |= v.invariant == Invariant::kQuiescentState;
    }
    RC_LOG() << Dump(h) << "\n";
    RC_ASSERT(lin == brute::LinearizableViolated(h));
    RC_ASSERT(quiescent == brute::QuiescentViolated(h));
  });
}
TEST(CheckerBruteForce, NoPhantom) {
  CheckMany([] { Differential(Invariant::kIterNoPhantom, brute::NoPhantomViolated); });
}
TEST(CheckerBruteForce, SizeBounds) {
  CheckMany([] { Differential(Invariant::kSizeBounds, brute::SizeBoundsViolated); });
}
TEST(CheckerBruteForce, ValueValid) {
  CheckMany([] { Differential(Invariant::kIterValueValid, brute::ValueValidViolated); });
}
bool DuplicateStrict(const History& h) { return brute::NoDuplicateViolated(h, false); }
bool DuplicateRelaxed(const History& h) { return brute::NoDuplicateViolated(h, true); }
TEST(CheckerBruteForce, NoDuplicate) {
  CheckMany([] { Differential(Invariant::kIterNoDuplicate, DuplicateStrict); });
}
TEST(CheckerBruteForce, NoDuplicateAllowingReinsert) {
  CheckMany([] {
    Differential(Invariant::kIterNoDuplicate, DuplicateRelaxed, /*allow_reinsert=*/true);
  });
}
TEST(CheckerBruteForce, EraseHonoured) {
  CheckMany([] { Differential(Invariant::kIterEraseHonoured, brute::EraseHonouredViolated); });
}
TEST(CheckerBruteForce, CheckThenAct) {
  CheckMany([] { Differential(Invariant::kCheckThenAct, brute::CheckThenActViolated); });
}
TEST(CheckerBruteForce, NoMissedStable) {
  CheckMany([] { Differential(Invariant::kIterNoMissedStable, brute::NoMissedStableViolated); });
}

}  // namespace
}  // namespace mapfault
