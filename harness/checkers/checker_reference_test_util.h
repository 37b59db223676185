// Test-only reference implementation of the linearizability search's fast path, kept as it was
// before the scaling work (issue #16): the per-key search with a memo keyed by a copied bitset of
// the linearized ops (the sequential specification, ApplyLinOp, is the product's: only the search
// is under test). The differential tests (checker_differential_test.cc) hold the fast version to
// exactly its answers. (HistoryIndex's presence judgements keep both algorithms in the product,
// scan and KeyJudge, and the tests hold them to each other.)
#ifndef MAPFAULT_HARNESS_CHECKERS_CHECKER_REFERENCE_TEST_UTIL_H_
#define MAPFAULT_HARNESS_CHECKERS_CHECKER_REFERENCE_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::reference {

struct CacheKey {
  std::vector<uint64_t> linearized;
  bool present;
  Value value;
  friend bool operator==(const CacheKey&, const CacheKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const CacheKey& k) {
    return H::combine(std::move(h), k.linearized, k.present, k.value);
  }
};

struct Entry {
  int op;
  bool is_call;
  int prev, next;  // indices; -1 = none; entry 0 is the head sentinel
  int match;       // the call's return entry
};

// The call/return entries of `ops` by time (calls first at equal times), as a linked list.
inline std::vector<Entry> EntryList(const std::vector<LinOp>& ops) {
  const int n = static_cast<int>(ops.size());
  struct Ev {
    uint64_t t;
    bool is_return;
    int op;
  };
  std::vector<Ev> evs;
  for (int i = 0; i < n; ++i) {
    evs.push_back({ops[i].invoke, false, i});
    evs.push_back({ops[i].response, true, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    return a.t != b.t ? a.t < b.t : (a.is_return < b.is_return);
  });
  std::vector<Entry> list(2 * n + 1);
  std::vector<int> call_of(n), return_of(n);
  list[0] = {-1, false, -1, 1, -1};
  for (int i = 0; i < 2 * n; ++i) {
    const int idx = i + 1;
    list[idx] = {evs[i].op, !evs[i].is_return, idx - 1, idx + 1 <= 2 * n ? idx + 1 : -1, -1};
    (evs[i].is_return ? return_of : call_of)[evs[i].op] = idx;
  }
  for (int i = 0; i < n; ++i) list[call_of[i]].match = return_of[i];
  return list;
}

// The search as it was: Wing & Gong with Lowe's just-in-time linearization, memo of copied bitsets.
inline LinOutcome CheckKeyLinearizable(std::optional<Value> initial, const std::vector<LinOp>& ops,
                                       uint64_t budget) {
  LinOutcome out;
  const int n = static_cast<int>(ops.size());
  if (n == 0) return out;
  std::vector<Entry> list = EntryList(ops);
  auto unlink = [&](int e) {
    list[list[e].prev].next = list[e].next;
    if (list[e].next >= 0) list[list[e].next].prev = list[e].prev;
  };
  auto relink = [&](int e) {
    list[list[e].prev].next = e;
    if (list[e].next >= 0) list[list[e].next].prev = e;
  };
  absl::flat_hash_set<CacheKey> cache;
  std::vector<uint64_t> linearized((n + 63) / 64, 0);
  struct Frame {
    int entry;
    std::optional<Value> state;
  };
  std::vector<Frame> stack;
  std::optional<Value> state = initial;
  int deepest = -1, blocking_op = -1;
  int cur = list[0].next;
  while (list[0].next >= 0) {
    if (++out.steps > budget) {
      out.verdict = LinVerdict::kUndecided;
      return out;
    }
    const Entry& e = list[cur];
    if (e.is_call) {
      std::optional<Value> next_state = state;
      if (ApplyLinOp(ops[e.op], next_state)) {
        linearized[e.op / 64] |= uint64_t{1} << (e.op % 64);
        if (cache.insert({linearized, next_state.has_value(), next_state.value_or(0)}).second) {
          stack.push_back({cur, state});
          state = next_state;
          unlink(cur);
          unlink(e.match);
          cur = list[0].next;
          continue;
        }
        linearized[e.op / 64] &= ~(uint64_t{1} << (e.op % 64));
      }
      cur = e.next;
      continue;
    }
    if (static_cast<int>(stack.size()) > deepest) {
      deepest = static_cast<int>(stack.size());
      blocking_op = e.op;
    }
    if (stack.empty()) {
      out.verdict = LinVerdict::kNotLinearizable;
      out.failing_op = blocking_op;
      return out;
    }
    const Frame f = stack.back();
    stack.pop_back();
    const int op = list[f.entry].op;
    linearized[op / 64] &= ~(uint64_t{1} << (op % 64));
    state = f.state;
    relink(list[f.entry].match);
    relink(f.entry);
    cur = list[f.entry].next;
  }
  return out;
}

}  // namespace mapfault::reference

#endif  // MAPFAULT_HARNESS_CHECKERS_CHECKER_REFERENCE_TEST_UTIL_H_
