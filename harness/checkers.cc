// History checkers (see checkers.h for the exact definitions).
#include "harness/checkers.h"

#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

std::string Who(const OpRecord& op) {
  return op.thread < 0 ? absl::StrCat("post ", op.CallString())
                       : absl::StrCat("T", op.thread, " ", op.CallString());
}

// A span of logical time during which something happened to a key.
struct Event {
  uint64_t begin;
  uint64_t end;             // 0 = never returned (may have taken effect any time after begin)
  const OpRecord* op;       // nullptr for the initial state
  const YieldRecord* erase_this = nullptr;  // set for another iteration's erase-this
  std::string Describe() const {
    if (op == nullptr) return "the initial state";
    if (erase_this != nullptr) {
      return absl::StrCat(Who(*op), "'s erase-this of it at t=", erase_this->at);
    }
    return absl::StrCat(Who(*op), " -> ", op->ResultString(), " [t=", begin, "..", end, "]");
  }
  bool DefinitelyBefore(uint64_t t) const { return end != 0 && end < t; }
};

struct KeyEvents {
  std::vector<Event> writes;    // presence witnesses: insert/assign (and the initial state)
  std::vector<Event> absences;  // absence witnesses: erase, find->absent, clear, erase-this
};

class Index {
 public:
  explicit Index(const History& h) : ops_(h.AllOps()) {
    for (const auto& [k, v] : h.initial) keys_[k].writes.push_back({0, 0, nullptr});
    for (const auto& [k, v] : h.initial) initial_.insert(k);
    for (const OpRecord* op : ops_) {
      const Event e{op->invoke, op->response, op};
      switch (op->kind) {
        case OpKind::kInsert:
        case OpKind::kAssign: keys_[op->key].writes.push_back(e); break;
        case OpKind::kErase: keys_[op->key].absences.push_back(e); break;
        case OpKind::kFind:
          if (op->completed() && !op->found) keys_[op->key].absences.push_back(e);
          break;
        case OpKind::kClear: clears_.push_back(e); break;
        case OpKind::kForEach:
          for (const YieldRecord& y : op->yields) {
            if (y.action == VisitAction::kEraseThis) {
              keys_[y.key].absences.push_back({y.at, op->response, op, &y});
            }
          }
          break;
        case OpKind::kSize: break;
      }
    }
  }

  const std::vector<const OpRecord*>& ops() const { return ops_; }
  const KeyEvents* Find(Key k) const {
    auto it = keys_.find(k);
    return it == keys_.end() ? nullptr : &it->second;
  }
  const std::vector<Event>& clears() const { return clears_; }
  const std::map<Key, KeyEvents>& keys() const { return keys_; }
  bool InInitial(Key k) const { return initial_.contains(k); }

 private:
  std::vector<const OpRecord*> ops_;
  std::map<Key, KeyEvents> keys_;  // ordered: reports must not depend on the process
  absl::flat_hash_set<Key> initial_;
  std::vector<Event> clears_;
};

std::optional<Violation> CheckNoDuplicate(const Index& index) {
  for (const OpRecord* op : index.ops()) {
    if (op->kind != OpKind::kForEach) continue;
    absl::flat_hash_map<Key, const YieldRecord*> seen;
    for (const YieldRecord& y : op->yields) {
      auto [it, inserted] = seen.emplace(y.key, &y);
      if (!inserted) {
        return Violation{Invariant::kIterNoDuplicate,
                         absl::StrCat(Who(*op), " yielded key ", y.key, " twice (at t=",
                                      it->second->at, " and at t=", y.at, ")")};
      }
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckNoMissedStable(const Index& index) {
  for (const OpRecord* f : index.ops()) {
    if (f->kind != OpKind::kForEach || !f->completed() || f->stopped) continue;
    absl::flat_hash_set<Key> yielded;
    for (const YieldRecord& y : f->yields) yielded.insert(y.key);
    bool cleared = false;
    for (const Event& c : index.clears()) cleared |= c.op != f && c.begin < f->response;
    if (cleared) continue;
    for (const auto& [k, events] : index.keys()) {
      if (yielded.contains(k)) continue;
      // Present when F began?
      const Event* since = nullptr;
      for (const Event& w : events.writes) {
        if (w.op == nullptr || (w.op->completed() && w.end < f->invoke)) {
          since = &w;
          break;
        }
      }
      if (since == nullptr) continue;
      // Erased by anyone (other than F itself) before F returned?
      bool erased = false;
      for (const Event& a : events.absences) {
        if (a.op == f) continue;
        if (a.op->kind == OpKind::kFind) continue;  // a find is evidence, not an eraser
        if (a.begin < f->response) erased = true;
      }
      if (erased) continue;
      return Violation{
          Invariant::kIterNoMissedStable,
          absl::StrCat("key ", k, " was present for the whole iteration (since ",
                       since->Describe(), "; no one erased it before ", Who(*f),
                       " returned at t=", f->response, ") but was never visited")};
    }
  }
  return std::nullopt;
}

std::optional<Violation> CheckNoPhantom(const Index& index) {
  for (const OpRecord* f : index.ops()) {
    if (f->kind != OpKind::kForEach) continue;
    for (const YieldRecord& y : f->yields) {
      const KeyEvents* events = index.Find(y.key);
      std::string why;
      bool legit = false;
      if (events == nullptr || events->writes.empty()) {
        why = absl::StrCat("no operation ever inserted key ", y.key);
      } else {
        for (const Event& w : events->writes) {
          if (w.op != nullptr && w.begin >= y.at) continue;  // written only after the yield
          const Event* killer = nullptr;
          for (const Event& a : events->absences) {
            if (a.op == f) continue;
            const uint64_t w_end = w.op == nullptr ? 0 : w.end;
            if (w.op != nullptr && w.end == 0) continue;  // write may land any time
            if (a.begin > w_end && a.DefinitelyBefore(f->invoke)) {
              killer = &a;
              break;
            }
          }
          if (killer == nullptr) {
            for (const Event& c : index.clears()) {
              const uint64_t w_end = w.op == nullptr ? 0 : w.end;
              if (c.op != f && c.begin > w_end && c.DefinitelyBefore(f->invoke)) killer = &c;
            }
          }
          if (killer == nullptr) {
            legit = true;
            break;
          }
          if (why.empty()) {
            why = absl::StrCat("key ", y.key, " was written by ", w.Describe(),
                               " but then removed or seen absent by ", killer->Describe(),
                               " before the iteration began at t=", f->invoke,
                               ", and nothing wrote it again before the yield");
          }
        }
        if (!legit && why.empty()) {
          why = absl::StrCat("no write of key ", y.key, " was invoked before the yield");
        }
      }
      if (!legit) {
        return Violation{Invariant::kIterNoPhantom,
                         absl::StrCat(Who(*f), " yielded key ", y.key, " (value ", y.value,
                                      ") at t=", y.at, ", but ", why)};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<Violation> CheckHistory(const History& history, InvariantSet which) {
  std::vector<Violation> out;
  const Index index(history);
  auto run = [&](Invariant inv, auto check) {
    if (!which.Contains(inv)) return;
    if (std::optional<Violation> v = check(index)) out.push_back(std::move(*v));
  };
  run(Invariant::kIterNoDuplicate, CheckNoDuplicate);
  run(Invariant::kIterNoMissedStable, CheckNoMissedStable);
  run(Invariant::kIterNoPhantom, CheckNoPhantom);
  return out;
}

}  // namespace mapfault
