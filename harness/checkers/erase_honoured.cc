// iter.erase-honoured (the Go rule): an entry the iterating thread removed itself is not yielded
// again by the same iteration unless someone re-inserted it in between. The iterating thread removes
// an entry by an erase-this that certainly erased (a declined one removed nothing, and one of
// unknown outcome may not have: a second yield after it is no-duplicate's business), or by a visitor
// write erase(k) -> true. A later yield of that key is explained only by a write of the key that
// could lie between the removal and the later yield's read (invoked before the read window ends, not
// completed before the removal began); writes by the visitor itself count.
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {
namespace {

// A removal by the iteration itself: when it began, and how to describe it.
struct OwnRemoval {
  uint64_t at;
  const YieldRecord* by_erase_this;  // or nullptr: a visitor write
  const OpRecord* by_write;
};

bool Reinserted(const HistoryIndex& index, const OpRecord& f, Key k, uint64_t removed_at,
                uint64_t read_to) {
  for (const KeyEvent& w : *index.Events(k)) {
    if (w.kind == KeyEvent::Kind::kWrite && w.op != &f && w.begin < read_to &&
        (w.end == 0 || w.end > removed_at)) {
      return true;
    }
  }
  return false;
}

std::string DescribeRemoval(const OpRecord& f, const OwnRemoval& r) {
  if (r.by_erase_this != nullptr) return DescribeYield(f, *r.by_erase_this);
  return absl::StrCat(Who(*r.by_write), " -> true, a visitor write of ", Who(f));
}

}  // namespace

Finding EraseHonoured(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    absl::flat_hash_map<Key, OwnRemoval> removed;
    size_t next_write = 0;
    for (size_t i = 0; i < f->yields.size(); ++i) {
      const YieldRecord& y = f->yields[i];
      auto it = removed.find(y.key);
      if (it != removed.end()) {
        const OwnRemoval& e = it->second;
        if (!Reinserted(index, *f, y.key, e.at, ReadTo(y))) {
          return {Violation{
              Invariant::kIterEraseHonoured,
              absl::StrCat(Who(*f), " erased key ", y.key, " itself at t=", e.at,
                           e.by_erase_this != nullptr ? " (erase-this)" : " (a visitor write)",
                           " but yielded it again at t=", y.at, " although no one re-inserted it"),
              {DescribeRemoval(*f, e), DescribeYield(*f, y)}}};
        }
        removed.erase(it);
      }
      const bool erased = y.erase == EraseOutcome::kErased || y.erase == EraseOutcome::kNone;
      if (y.action == VisitAction::kEraseThis && erased) removed[y.key] = {y.at, &y, nullptr};
      for (; next_write < f->visit_writes.size() &&
             f->visit_writes[next_write].visit == static_cast<int>(i);
           ++next_write) {
        const OpRecord& w = f->visit_writes[next_write];
        if (w.kind == OpKind::kErase && w.ok) removed[w.key] = {w.invoke, nullptr, &w};
        // The visitor's own insert or assign re-inserts it.
        if (w.kind != OpKind::kErase) removed.erase(w.key);
      }
    }
  }
  return {};
}

}  // namespace mapfault::checkers
