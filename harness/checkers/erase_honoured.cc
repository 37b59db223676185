// iter.erase-honoured (the Go rule): an entry the iterating thread removed itself is not yielded
// again by the same iteration unless someone re-inserted it in between. The iterating thread removes
// an entry by an erase-this that certainly erased (a declined one removed nothing, and one of
// unknown outcome may not have: a second yield after it is no-duplicate's business), or by a visitor
// write erase(k) -> true. A later yield of that key is explained only by a write of the key that
// could lie between the removal and the later yield's read (invoked before the read window ends, not
// completed before the removal began); writes by the visitor itself count.
#include <cstdint>
#include <vector>

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
  // The iteration's own removals by key ordinal (every key an iteration removes has events: its
  // erase-this or its visitor write): slot i holds one when removed_in[i] is the iteration's
  // number. Kept for the next history (a hash map per iteration was most of this checker's cost).
  thread_local std::vector<OwnRemoval> removed;
  thread_local std::vector<uint32_t> removed_in;
  removed.resize(index.keys().size());
  removed_in.assign(index.keys().size(), 0);
  uint32_t number = 0;
  const auto slot = [&index](Key k) { return static_cast<size_t>(index.KeyOrdinal(k)); };
  for (const OpRecord* f : index.iterations()) {
    ++number;
    size_t next_write = 0;
    for (size_t i = 0; i < f->yields.size(); ++i) {
      const YieldRecord& y = f->yields[i];
      const int ordinal = index.KeyOrdinal(y.key);
      if (ordinal >= 0 && removed_in[static_cast<size_t>(ordinal)] == number) {
        const OwnRemoval& e = removed[static_cast<size_t>(ordinal)];
        if (!Reinserted(index, *f, y.key, e.at, ReadTo(y))) {
          return {Violation{
              Invariant::kIterEraseHonoured,
              absl::StrCat(Who(*f), " erased key ", y.key, " itself at t=", e.at,
                           e.by_erase_this != nullptr ? " (erase-this)" : " (a visitor write)",
                           " but yielded it again at t=", y.at, " although no one re-inserted it"),
              {DescribeRemoval(*f, e), DescribeYield(*f, y)}}};
        }
        removed_in[static_cast<size_t>(ordinal)] = 0;
      }
      const bool erased = y.erase == EraseOutcome::kErased || y.erase == EraseOutcome::kNone;
      if (y.action == VisitAction::kEraseThis && erased) {
        removed[slot(y.key)] = {y.at, &y, nullptr};
        removed_in[slot(y.key)] = number;
      }
      for (; next_write < f->visit_writes.size() &&
             f->visit_writes[next_write].visit == static_cast<int>(i);
           ++next_write) {
        const OpRecord& w = f->visit_writes[next_write];
        if (w.kind == OpKind::kErase && w.ok) {
          removed[slot(w.key)] = {w.invoke, nullptr, &w};
          removed_in[slot(w.key)] = number;
        }
        // The visitor's own insert or assign re-inserts it (a key without events was not removed).
        const int o = index.KeyOrdinal(w.key);
        if (w.kind != OpKind::kErase && o >= 0) removed_in[static_cast<size_t>(o)] = 0;
      }
    }
  }
  return {};
}

}  // namespace mapfault::checkers
