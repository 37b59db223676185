// check-then-act: a conditional erase ("erase if expired": a for_each whose visitor erases entries
// whose value is below a threshold) never removes an entry whose value was refreshed after the check.
// Evidence of a violation, for an erase-this of key k decided on an expired value read by time y
// (the end of the yield's read window, history.h) that was not declined:
//  - a write W of k with a fresh value (not below the threshold), by another operation, invoked
//    after y (so the check could not have seen it) and returned, before the erase-this's effect
//    could have ended (the backend's report of its outcome, or the for_each's return);
//  - afterwards the entry is observed gone: a find -> absent or erase -> false invoked after W
//    returned, or the quiescent contents (after the threads joined) lack k;
//  - and no other removal of k (than this erase-this; possible ones included) could lie between W
//    and that observation.
// Then the only thing that can have removed the fresh entry is the conditional erase itself (so
// this holds for an erase-this of unknown outcome too: something removed the entry).
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {
namespace {

struct Observation {
  uint64_t begin, end;
  std::string what;
};

// Observations that key k was absent, invoked after time t.
std::vector<Observation> AbsentAfter(const HistoryIndex& index, Key k, uint64_t t) {
  std::vector<Observation> out;
  for (const KeyEvent& e : *index.Events(k)) {
    if (e.kind == KeyEvent::Kind::kAbsent && e.begin > t && e.end != 0) {
      out.push_back({e.begin, e.end, e.Describe()});
    }
  }
  const History& h = index.history();
  if (h.final_state && h.parallel_end > t) {
    bool present = false;
    for (const auto& [key, v] : *h.final_state) present |= key == k;
    if (!present) {
      out.push_back({h.parallel_end, h.parallel_end,
                     absl::StrCat("the contents after the threads joined (t=", h.parallel_end,
                                  ") lack key ", k)});
    }
  }
  return out;
}

}  // namespace

Finding CheckThenAct(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    if (!f->erase_if_value_below) continue;
    const Value threshold = *f->erase_if_value_below;
    for (const YieldRecord& y : f->yields) {
      if (y.action != VisitAction::kEraseThis || y.erase == EraseOutcome::kDeclined) continue;
      const KeyEvents& events = *index.Events(y.key);
      const uint64_t checked = ReadTo(y);
      const uint64_t effect_by = y.erase_at != 0 ? y.erase_at : f->response;
      for (const KeyEvent& w : events) {
        if (w.kind != KeyEvent::Kind::kWrite || w.op == f || w.value < threshold) continue;
        // The write came after the check, and the erase-this could still take effect after it.
        if (w.begin <= checked || w.end == 0 || effect_by < w.begin) continue;
        for (const Observation& gone : AbsentAfter(index, y.key, w.end)) {
          bool other_removal = false;
          for (const KeyEvent& r : events) {
            if (!r.MayRemove()) continue;
            if (r.op == f && r.yield == &y) continue;
            if (r.begin < gone.end && (r.end == 0 || r.end > w.begin)) other_removal = true;
          }
          if (other_removal) continue;
          return {Violation{
              Invariant::kCheckThenAct,
              absl::StrCat(Who(*f), " saw key ", y.key, " with expired value ", y.value, " at t=",
                           y.at, y.erase == EraseOutcome::kUnknown ? " and asked to erase it" : " and erased it", ", but ", w.Describe(),
                           " refreshed it after the check and the entry was gone afterwards (",
                           gone.what, "): the erase removed a fresh entry"),
              {DescribeYield(*f, y), w.Describe(), gone.what}}};
        }
      }
    }
  }
  return {};
}

}  // namespace mapfault::checkers
