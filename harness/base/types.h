// Vocabulary types shared by every layer of mapfault: keys, values, operations, visitor actions and
// the stable invariant ids used in reports and replay tokens.
#ifndef MAPFAULT_HARNESS_BASE_TYPES_H_
#define MAPFAULT_HARNESS_BASE_TYPES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string_view>

namespace mapfault {

using Key = int64_t;
using Value = int64_t;

// What a for_each visitor asks the map to do with the entry it was just shown.
enum class VisitAction : uint8_t { kContinue, kEraseThis, kStop };

// Whether a for_each may erase through its visitor. Lock-based backends use it to pick a shared or an
// exclusive lock, as C++ picks a const or a mutable iterator.
enum class IterKind : uint8_t { kReadOnly, kMayErase };

// What became of a visitor's erase-this (DESIGN.md section 12). A backend reports kErased or
// kDeclined (a lock-free `erase_at(it)` declines when the entry changed or went since it was read);
// one that says nothing is taken at its contract's word (kErased when its erase-this never declines,
// else kUnknown: "may have removed", every checker considers both).
enum class EraseOutcome : uint8_t { kNone, kErased, kDeclined, kUnknown };
std::string_view EraseOutcomeName(EraseOutcome outcome);  // "erased", "declined", "unknown"

enum class OpKind : uint8_t { kInsert, kAssign, kErase, kFind, kSize, kClear, kForEach };
std::string_view OpName(OpKind kind);

// Invariant ids (DESIGN.md section 3), generated from harness/base/invariants.def: one row per
// invariant. The numeric value is part of the replay token format: append new ids with the next
// free value, never renumber.
enum class Invariant : uint8_t {
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  e = value,
#include "harness/base/invariants.def"
};

// What judges an invariant (invariants.def's JudgedFrom column).
enum class InvariantSource : uint8_t {
  kHistory,  // a checker, from a completed trial's history (harness/checkers/)
  kRun,      // how the trial ran: crash, hang, the backend's misuse report, ThreadSanitizer
};
// The builds that judge an invariant (invariants.def's Builds column).
enum class InvariantBuilds : uint8_t { kAllBuilds, kTsanBuilds };

#if defined(MAPFAULT_TSAN)
inline constexpr bool kTsanBuild = true;
#else
inline constexpr bool kTsanBuild = false;
#endif

namespace invariant_table {

struct Row {
  Invariant invariant;
  InvariantSource source;
  InvariantBuilds builds;
  constexpr bool JudgedInThisBuild() const {
    return builds == InvariantBuilds::kAllBuilds || kTsanBuild;
  }
};

// Every row of invariants.def, in report order.
inline constexpr Row kRows[] = {
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  {Invariant::e, InvariantSource::judged_from, InvariantBuilds::builds},
#include "harness/base/invariants.def"
};

constexpr int MaxValue() {
  int max = 0;
  for (const Row& r : kRows) {
    if (static_cast<int>(r.invariant) > max) max = static_cast<int>(r.invariant);
  }
  return max;
}

constexpr size_t CountJudged() {
  size_t n = 0;
  for (const Row& r : kRows) n += r.JudgedInThisBuild();
  return n;
}

constexpr std::array<Invariant, CountJudged()> Judged() {
  std::array<Invariant, CountJudged()> out{};
  size_t i = 0;
  for (const Row& r : kRows) {
    if (r.JudgedInThisBuild()) out[i++] = r.invariant;
  }
  return out;
}

}  // namespace invariant_table

inline constexpr int kInvariantCount = invariant_table::MaxValue() + 1;  // storage indexed by id
static_assert(kInvariantCount == static_cast<int>(std::size(invariant_table::kRows)),
              "invariants.def: the values must be 0..N-1 (a repeat fails types.cc's switches)");
static_assert(kInvariantCount <= 32, "InvariantSet and replay tokens hold at most 32 invariants");

// The invariants this build judges, in report order (the numeric order is the token format's, not
// the reading order). no-data-race exists only in ThreadSanitizer builds: elsewhere nothing can
// judge it, so it is not reported at all.
inline constexpr std::array<Invariant, invariant_table::CountJudged()> kAllInvariants =
    invariant_table::Judged();

std::string_view InvariantId(Invariant inv);
std::string_view InvariantShortName(Invariant inv);  // console column header: "lin", "dup", ...
std::string_view InvariantDescription(Invariant inv);
std::optional<Invariant> ParseInvariant(std::string_view id);

// A set of invariants, e.g. the ones a backend's contract claims or the ones a trial violated.
class InvariantSet {
 public:
  constexpr InvariantSet() = default;
  constexpr InvariantSet(std::initializer_list<Invariant> list) {
    for (Invariant inv : list) Add(inv);
  }
  static constexpr InvariantSet All() {
    InvariantSet s;
    for (Invariant inv : kAllInvariants) s.Add(inv);
    return s;
  }
  static constexpr InvariantSet FromBits(uint32_t bits) {
    InvariantSet s;
    s.bits_ = bits;
    return s;
  }
  constexpr void Add(Invariant inv) { bits_ |= 1u << static_cast<int>(inv); }
  constexpr void Remove(Invariant inv) { bits_ &= ~(1u << static_cast<int>(inv)); }
  constexpr bool Contains(Invariant inv) const { return (bits_ >> static_cast<int>(inv)) & 1u; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint32_t bits() const { return bits_; }
  friend constexpr bool operator==(InvariantSet a, InvariantSet b) { return a.bits_ == b.bits_; }

 private:
  uint32_t bits_ = 0;
};

// The invariants this build judges from a completed trial's history (JudgedFrom kHistory): what a
// crashed or hung trial leaves unevaluated.
constexpr InvariantSet HistoryInvariants() {
  InvariantSet s;
  for (const invariant_table::Row& r : invariant_table::kRows) {
    if (r.source == InvariantSource::kHistory && r.JudgedInThisBuild()) s.Add(r.invariant);
  }
  return s;
}

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_TYPES_H_
