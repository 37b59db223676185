// Vocabulary types shared by every layer of mapfault: keys, values, operations, visitor actions and
// the stable invariant ids used in reports and replay tokens.
#ifndef MAPFAULT_HARNESS_BASE_TYPES_H_
#define MAPFAULT_HARNESS_BASE_TYPES_H_

#include <cstdint>
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

enum class OpKind : uint8_t { kInsert, kAssign, kErase, kFind, kSize, kClear, kForEach };
std::string_view OpName(OpKind kind);

// Invariant ids (DESIGN.md section 3). The numeric value is part of the replay token format: append
// new ids at the end, never renumber.
enum class Invariant : uint8_t {
  kNoCrash = 0,
  kNoHang = 1,
  kIterNoDuplicate = 2,
  kIterNoMissedStable = 3,
  kIterNoPhantom = 4,
  kMisuseDetected = 5,
  kLinearizable = 6,
  kIterValueValid = 7,
  kIterEraseHonoured = 8,
  kCheckThenAct = 9,
  kSizeBounds = 10,
  kQuiescentState = 11,
  kNoDataRace = 12,
};
inline constexpr int kInvariantCount = 13;  // ids; storage indexed by id has this size
// The invariants this build judges, in report order (the numeric order is the token format's, not
// the reading order). no-data-race exists only in ThreadSanitizer builds: elsewhere nothing can
// judge it, so it is not reported at all.
inline constexpr Invariant kAllInvariants[] = {
    Invariant::kNoCrash,          Invariant::kNoHang,
#if defined(MAPFAULT_TSAN)
    Invariant::kNoDataRace,
#endif
    Invariant::kLinearizable,
    Invariant::kIterNoDuplicate,  Invariant::kIterNoMissedStable, Invariant::kIterNoPhantom,
    Invariant::kIterValueValid,   Invariant::kIterEraseHonoured, Invariant::kCheckThenAct,
    Invariant::kSizeBounds,       Invariant::kQuiescentState,  Invariant::kMisuseDetected};

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

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_TYPES_H_
