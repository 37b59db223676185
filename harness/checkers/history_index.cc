// The per-key history index.
#include "harness/checkers/history_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

bool IsPresenceSource(KeyEvent::Kind kind) {
  return kind == KeyEvent::Kind::kInitial || kind == KeyEvent::Kind::kWrite ||
         kind == KeyEvent::Kind::kInsertNoop || kind == KeyEvent::Kind::kFound;
}

}  // namespace

std::string Who(const OpRecord& op) {
  return op.thread < 0 ? absl::StrCat("post ", op.CallString())
                       : absl::StrCat("T", op.thread, " ", op.CallString());
}

std::string KeyEvent::Describe() const {
  if (kind == Kind::kInitial) return "the initial state";
  if (yield != nullptr) return absl::StrCat(Who(*op), "'s erase-this at t=", yield->at);
  if (op->kind == OpKind::kClear) {
    return absl::StrCat(Who(*op), " [t=", begin, "..", end, "]");
  }
  return absl::StrCat(Who(*op), " -> ", op->ResultString(), " [t=", begin, "..", end, "]");
}

HistoryIndex::HistoryIndex(const History& history) : history_(history) {
  ops_ = history.AllOps();
  for (const auto& [k, v] : history.initial) {
    keys_[k].push_back({KeyEvent::Kind::kInitial, 0, 0, v});
  }
  std::vector<const OpRecord*> clears;
  for (const OpRecord* op : ops_) {
    const uint64_t b = op->invoke, e = op->response;
    auto add = [&](KeyEvent::Kind kind, Value v) { keys_[op->key].push_back({kind, b, e, v, op}); };
    switch (op->kind) {
      case OpKind::kInsert:
        // An insert that never returned may have written.
        add(op->ok || !op->completed() ? KeyEvent::Kind::kWrite : KeyEvent::Kind::kInsertNoop,
            op->value);
        break;
      case OpKind::kAssign: add(KeyEvent::Kind::kWrite, op->value); break;
      case OpKind::kErase:
        add(op->ok || !op->completed() ? KeyEvent::Kind::kRemove : KeyEvent::Kind::kAbsent, 0);
        break;
      case OpKind::kFind:
        if (op->completed()) {
          add(op->found ? KeyEvent::Kind::kFound : KeyEvent::Kind::kAbsent, op->found.value_or(0));
        }
        break;
      case OpKind::kClear: clears.push_back(op); break;
      case OpKind::kSize: sizes_.push_back(op); break;
      case OpKind::kForEach:
        iterations_.push_back(op);
        for (const YieldRecord& y : op->yields) {
          if (y.action == VisitAction::kEraseThis) {
            keys_[y.key].push_back({KeyEvent::Kind::kRemove, y.at, op->response, 0, op, &y});
          }
        }
        break;
    }
  }
  for (const OpRecord* c : clears) {
    for (auto& [k, events] : keys_) {
      events.push_back({KeyEvent::Kind::kRemove, c->invoke, c->response, 0, c});
    }
  }
  for (auto& [k, events] : keys_) {
    std::stable_sort(events.begin(), events.end(),
                     [](const KeyEvent& a, const KeyEvent& b) { return a.begin < b.begin; });
  }
}

const std::vector<KeyEvent>* HistoryIndex::Events(Key k) const {
  auto it = keys_.find(k);
  return it == keys_.end() ? nullptr : &it->second;
}

bool HistoryIndex::PossiblyPresent(Key k, uint64_t from, uint64_t to, const OpRecord* ignore,
                                   std::string* why) const {
  const std::vector<KeyEvent>* events = Events(k);
  const KeyEvent* last_source = nullptr;
  const KeyEvent* last_killer = nullptr;
  if (events != nullptr) {
    for (const KeyEvent& p : *events) {
      if (!IsPresenceSource(p.kind) || (p.op != nullptr && p.op == ignore)) continue;
      if (p.kind != KeyEvent::Kind::kInitial && p.begin >= to) continue;
      if (p.kind != KeyEvent::Kind::kInitial && p.end == 0) return true;  // may land any time
      const uint64_t p_end = p.kind == KeyEvent::Kind::kInitial ? 0 : p.end;
      const KeyEvent* killer = nullptr;
      for (const KeyEvent& r : *events) {
        if (r.kind != KeyEvent::Kind::kRemove || r.op == ignore) continue;
        if (r.begin > p_end && r.DefinitelyBefore(from)) {
          killer = &r;
          break;
        }
      }
      if (killer == nullptr) return true;
      last_source = &p;
      last_killer = killer;
    }
  }
  if (why != nullptr) {
    if (last_source == nullptr) {
      *why = absl::StrCat("no operation wrote key ", k, " before t=", to);
    } else {
      *why = absl::StrCat("key ", k, " was last made present by ", last_source->Describe(),
                          " but then removed by ", last_killer->Describe(),
                          " before t=", from, ", and nothing wrote it again in time");
    }
  }
  return false;
}

bool HistoryIndex::DefinitelyPresentThroughout(Key k, uint64_t from, uint64_t to,
                                               const OpRecord* ignore,
                                               const KeyEvent** since) const {
  const std::vector<KeyEvent>* events = Events(k);
  if (events == nullptr) return false;
  for (const KeyEvent& p : *events) {
    if (!IsPresenceSource(p.kind) || (p.op != nullptr && p.op == ignore)) continue;
    if (!p.DefinitelyBefore(from)) continue;
    bool removable = false;
    for (const KeyEvent& r : *events) {
      if (r.kind != KeyEvent::Kind::kRemove || r.op == ignore) continue;
      const bool before_source = r.end != 0 && r.end < p.begin && p.kind != KeyEvent::Kind::kInitial;
      if (!before_source && r.begin < to) {
        removable = true;
        break;
      }
    }
    if (!removable) {
      if (since != nullptr) *since = &p;
      return true;
    }
  }
  return false;
}

}  // namespace mapfault
