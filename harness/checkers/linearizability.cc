// Per-key linearizability search.
#include "harness/checkers/linearizability.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "harness/base/rng.h"

namespace mapfault {

int LinOpAlternatives(const LinOp& op) { return op.kind == LinOp::Kind::kMaybeRemove ? 2 : 1; }

bool ApplyLinOp(const LinOp& op, std::optional<Value>& state, int alternative) {
  switch (op.kind) {
    case LinOp::Kind::kInsert:
      if (op.check_result && op.ok != !state.has_value()) return false;
      if (!state) state = op.value;
      return true;
    case LinOp::Kind::kAssign: state = op.value; return true;
    case LinOp::Kind::kErase:
      if (op.check_result && op.ok != state.has_value()) return false;
      state.reset();
      return true;
    case LinOp::Kind::kFind: return !op.check_result || op.found == state;
    case LinOp::Kind::kRemove: state.reset(); return true;
    case LinOp::Kind::kMaybeRemove:
      if (alternative == 0) state.reset();
      return true;
    case LinOp::Kind::kObserve: return op.found == state;
  }
  return false;
}

namespace {

// The search's memo: every (linearized set, state) pair the search has entered, kept as the nodes
// of the search tree (a node's set is its op plus its parent's set, the root's is empty). Each node
// carries the Zobrist hash of its set (the XOR of one random word per op), computed from its
// parent's in O(1), so entering a node costs O(1) instead of copying and hashing a bitset of all
// the key's ops. Two nodes are compared in full (state and set size, then the ops on both paths up
// to their common ancestor, as sets) only when their hashes agree, so a hash collision can never
// merge two different pairs: the memo behaves exactly like one keyed by the sets themselves.
class Memo {
 public:
  Memo() : set_(0, NodeHash{&nodes_}, NodeEq{this}) {}
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;

  // Empties the memo for the next search, keeping its buffers (but not a huge node array).
  void Reset() {
    if (nodes_.capacity() > kKeptNodes) {
      std::vector<Node>().swap(nodes_);
    } else {
      nodes_.clear();
    }
    set_.clear();
  }

  static uint64_t OpWord(int op) {
    return Mix64(static_cast<uint64_t>(op) ^ 0x6c696e6561726973ull);
  }
  // Enters the child of `parent` (-1: the root) that linearizes `op` and reaches `state`, whose set
  // hashes to `hash`; returns its node, or -1 when an equal pair was entered before.
  int Enter(int parent, int op, uint64_t hash, const std::optional<Value>& state) {
    const int depth = parent < 0 ? 1 : nodes_[parent].depth + 1;
    nodes_.push_back({hash, state.value_or(0), parent, op, depth, state.has_value()});
    const int node = static_cast<int>(nodes_.size()) - 1;
    if (set_.insert(node).second) return node;
    nodes_.pop_back();
    return -1;
  }

 private:
  struct Node {
    uint64_t hash;  // Zobrist hash of the linearized set
    Value value;    // the state after the set: value (when present)
    int32_t parent;
    int32_t op;
    int32_t depth;  // the set's size
    bool present;
  };
  struct NodeHash {
    const std::vector<Node>* nodes;
    size_t operator()(int n) const {
      const Node& x = (*nodes)[n];
      return Mix64(x.hash ^ Mix64(static_cast<uint64_t>(x.value) * 2 + x.present));
    }
  };
  struct NodeEq {
    const Memo* memo;
    bool operator()(int a, int b) const { return memo->Equal(a, b); }
  };

  bool Equal(int a, int b) const {
    const Node& x = nodes_[a];
    const Node& y = nodes_[b];
    if (x.hash != y.hash || x.present != y.present || x.value != y.value || x.depth != y.depth) {
      return false;
    }
    // Same size: walk both paths up to their common ancestor; the ops below it must be the same.
    path_a_.clear();
    path_b_.clear();
    for (; a != b; a = nodes_[a].parent, b = nodes_[b].parent) {
      path_a_.push_back(nodes_[a].op);
      path_b_.push_back(nodes_[b].op);
    }
    std::sort(path_a_.begin(), path_a_.end());
    std::sort(path_b_.begin(), path_b_.end());
    return path_a_ == path_b_;
  }

  static constexpr size_t kKeptNodes = size_t{1} << 16;  // 2 MB: a trial's searches fit
  std::vector<Node> nodes_;
  absl::flat_hash_set<int, NodeHash, NodeEq> set_;
  mutable std::vector<int> path_a_, path_b_;  // scratch for Equal
};

// Doubly linked list of call/return entries (dancing links: a lifted pair is restored in LIFO
// order).
struct Entry {
  int op;
  bool is_call;
  int prev, next;  // indices; -1 = none; entry 0 is the head sentinel
  int match;       // the call's return entry
};

class EntryList {
 public:
  // The 2n call and return entries of `ops` by time; at equal times calls come first (overlap is
  // the conservative view). Replaces the previous list, keeping the buffers.
  void Reset(const std::vector<LinOp>& ops);
  const Entry& operator[](int e) const { return list_[e]; }
  int First() const { return list_[0].next; }
  void Unlink(int e) {
    list_[list_[e].prev].next = list_[e].next;
    if (list_[e].next >= 0) list_[list_[e].next].prev = list_[e].prev;
  }
  void Relink(int e) {
    list_[list_[e].prev].next = e;
    if (list_[e].next >= 0) list_[list_[e].next].prev = e;
  }

 private:
  struct Ev {
    uint64_t t;
    bool is_return;
    int op;
  };
  std::vector<Entry> list_;
  std::vector<Ev> evs_;  // Reset's scratch
  std::vector<int> call_of_, return_of_;
};

void EntryList::Reset(const std::vector<LinOp>& ops) {
  const int n = static_cast<int>(ops.size());
  std::vector<Ev>& evs = evs_;
  evs.clear();
  evs.reserve(2 * n);
  for (int i = 0; i < n; ++i) {
    evs.push_back({ops[i].invoke, false, i});
    evs.push_back({ops[i].response, true, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    return a.t != b.t ? a.t < b.t : (a.is_return < b.is_return);
  });
  list_.resize(2 * n + 1);
  std::vector<int>& call_of = call_of_;
  std::vector<int>& return_of = return_of_;
  call_of.resize(n);
  return_of.resize(n);
  list_[0] = {-1, false, -1, 1, -1};
  for (int i = 0; i < 2 * n; ++i) {
    const int idx = i + 1;
    list_[idx] = {evs[i].op, !evs[i].is_return, idx - 1, idx + 1 <= 2 * n ? idx + 1 : -1, -1};
    (evs[i].is_return ? return_of : call_of)[evs[i].op] = idx;
  }
  for (int i = 0; i < n; ++i) list_[call_of[i]].match = return_of[i];
}

// The common case of a small trial: no two of the key's operations overlap, in the order given, and
// each has one effect, so the only linearization is that order. Applies it: true when it explains
// every result (the search would take the same n steps to the same verdict; `out` gets them). A
// false says only "search": a failure is left to the search, so its failing op and step count are
// the search's own.
bool SequentialLinearizable(std::optional<Value> state, const std::vector<LinOp>& ops,
                            uint64_t budget, LinOutcome& out) {
  if (ops.size() > budget) return false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const LinOp& op = ops[i];
    if (LinOpAlternatives(op) != 1 || op.response < op.invoke) return false;
    if (i + 1 < ops.size() && !(op.response < ops[i + 1].invoke)) return false;
    if (!ApplyLinOp(op, state)) return false;
  }
  out.steps = ops.size();
  return true;
}

}  // namespace

LinOutcome CheckKeyLinearizable(std::optional<Value> initial, const std::vector<LinOp>& ops,
                                uint64_t budget) {
  LinOutcome out;
  if (ops.empty() || SequentialLinearizable(initial, ops, budget, out)) return out;
  // The search's buffers are kept per thread for the next key (a trial searches every key it
  // touched twice, for linearizable and quiescent-state: a dozen allocations a search).
  thread_local EntryList list;
  thread_local Memo memo;
  list.Reset(ops);
  memo.Reset();
  struct Frame {
    int entry;
    int node;       // the search-tree node before this step (-1: the root)
    uint64_t hash;  // and its set's hash
    std::optional<Value> state;
    int alternative;  // the effect of the op this step took (LinOpAlternatives)
  };
  thread_local std::vector<Frame> stack;
  stack.clear();
  std::optional<Value> state = initial;
  int node = -1;
  uint64_t hash = 0;
  // The operation the search was stuck on at its deepest point: the most telling one to report.
  int deepest = -1;
  int blocking_op = -1;
  int cur = list.First();
  int alternative = 0;  // the first effect of `cur` still to try
  while (list.First() >= 0) {
    if (++out.steps > budget) {
      out.verdict = LinVerdict::kUndecided;
      return out;
    }
    const Entry& e = list[cur];
    if (e.is_call) {
      bool entered = false;
      for (; alternative < LinOpAlternatives(ops[e.op]) && !entered; ++alternative) {
        std::optional<Value> next_state = state;
        if (!ApplyLinOp(ops[e.op], next_state, alternative)) continue;
        const uint64_t next_hash = hash ^ Memo::OpWord(e.op);
        const int child = memo.Enter(node, e.op, next_hash, next_state);
        if (child < 0) continue;
        stack.push_back({cur, node, hash, state, alternative});
        state = next_state;
        node = child;
        hash = next_hash;
        list.Unlink(cur);
        list.Unlink(e.match);
        entered = true;
      }
      alternative = 0;
      cur = entered ? list.First() : e.next;
    } else {
      // An operation returned before any ordering could place it: backtrack.
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
      state = f.state;
      node = f.node;
      hash = f.hash;
      list.Relink(list[f.entry].match);
      list.Relink(f.entry);
      if (f.alternative + 1 < LinOpAlternatives(ops[list[f.entry].op])) {
        cur = f.entry;  // the same op with its next effect
        alternative = f.alternative + 1;
      } else {
        cur = list[f.entry].next;
      }
    }
  }
  return out;
}

std::optional<Value> InitialValue(const HistoryIndex& index, Key k) {
  const KeyEvents* events = index.Events(k);
  if (events == nullptr) return std::nullopt;
  for (const KeyEvent& e : *events) {  // the initial events come first, in the history's order
    if (e.kind == KeyEvent::Kind::kInitial) return e.value;
  }
  return std::nullopt;
}

std::vector<LinOp> KeyOps(const HistoryIndex& index, Key k, bool include_post) {
  std::vector<LinOp> ops;
  KeyOpsInto(index, k, include_post, ops);
  return ops;
}

void KeyOpsInto(const HistoryIndex& index, Key k, bool include_post, std::vector<LinOp>& ops) {
  ops.clear();
  const KeyEvents* events = index.Events(k);
  if (events == nullptr) return;
  ops.reserve(events->size() + 1);  // and the quiescent-state check's observation
  for (const KeyEvent& e : *events) {
    if (e.kind == KeyEvent::Kind::kInitial || e.end == 0) continue;
    if (!include_post && e.op->thread < 0) continue;
    // The fields first, then the element written in place: a LinOp assembled on the stack and
    // copied in was reloaded with 16-byte loads over its narrower stores (a store-forwarding stall
    // per load; this loop was 4% of a small trial's cycles for 1% of its instructions).
    LinOp::Kind kind;
    Value value = 0;
    bool ok = false;
    std::optional<Value> found;
    if (e.yield != nullptr || e.op->kind == OpKind::kClear) {
      kind =
          e.kind == KeyEvent::Kind::kMaybeRemove ? LinOp::Kind::kMaybeRemove : LinOp::Kind::kRemove;
    } else {
      switch (e.op->kind) {
        case OpKind::kInsert:
          kind = LinOp::Kind::kInsert;
          value = e.op->value;
          ok = e.op->ok;
          break;
        case OpKind::kAssign:
          kind = LinOp::Kind::kAssign;
          value = e.op->value;
          break;
        case OpKind::kErase:
          kind = LinOp::Kind::kErase;
          ok = e.op->ok;
          break;
        case OpKind::kFind:
          kind = LinOp::Kind::kFind;
          found = e.op->found;
          break;
        default: continue;
      }
    }
    LinOp& op = ops.emplace_back();
    op.kind = kind;
    op.invoke = e.begin;
    op.response = e.end;
    op.value = value;
    op.ok = ok;
    op.found = found;
    op.source = &e;
  }
}

}  // namespace mapfault
