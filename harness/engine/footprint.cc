// Step footprints (see footprint.h).
#include "harness/engine/footprint.h"

#include <algorithm>
#include <atomic>
#include <bit>

namespace mapfault {
namespace {

// Generations are process-wide, so an object that outlives an execution (or a Footprint) is never
// taken for one numbered in a later execution.
std::atomic<uint32_t> next_footprint_generation{1};

// Adds one access to `s`: a second access of the same object makes it a write if either is; past
// kMaxAccesses objects the step is recorded as touching everything.
void AddAccess(StepAccesses& s, uint32_t id, bool write) {
  if (s.all) return;
  for (Access& a : s.accesses) {
    if (a.id == id) {
      a.write |= write;
      return;
    }
  }
  if (s.accesses.size() == Footprint::kMaxAccesses) {
    s.all = true;
    return;
  }
  s.accesses.push_back({id, write});
}

}  // namespace

void Footprint::BeginExecution() {
  gen_ = next_footprint_generation.fetch_add(1, std::memory_order_relaxed);
  next_id_ = kFirstId;
  ClearStep();
}

void Footprint::Add(uint32_t id, bool write) { AddAccess(step_, id, write); }

void Merge(StepAccesses& into, const StepAccesses& b) {
  into.stamps = static_cast<uint16_t>(into.stamps | b.stamps);
  into.all |= b.all;
  for (const Access& y : b.accesses) AddAccess(into, y.id, y.write);
}

bool Dependent(const StepAccesses& a, uint32_t fresh_from, const StepAccesses& b) {
  if (a.all || b.all) return true;
  for (unsigned m = a.stamps; m != 0; m &= m - 1) {
    if ((b.stamps & kStampOrderedWith[static_cast<size_t>(std::countr_zero(m))]) != 0) return true;
  }
  // The strongest access `a` made to an object first touched after the shared prefix.
  bool a_fresh = false, a_fresh_write = false;
  for (const Access& x : a.accesses) {
    if (x.id >= fresh_from) a_fresh = true, a_fresh_write |= x.write;
  }
  for (const Access& y : b.accesses) {
    if (y.id >= fresh_from) {
      if (a_fresh && (a_fresh_write || y.write)) return true;
      continue;
    }
    const auto same = std::find_if(a.accesses.begin(), a.accesses.end(),
                                   [&y](const Access& x) { return x.id == y.id; });
    if (same != a.accesses.end() && (same->write || y.write)) return true;
  }
  return false;
}

}  // namespace mapfault
