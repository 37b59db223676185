// Names and descriptions of the vocabulary types in types.h (invariants: from invariants.def).
#include "harness/base/types.h"

namespace mapfault {

std::string_view OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kInsert: return "insert";
    case OpKind::kAssign: return "assign";
    case OpKind::kErase: return "erase";
    case OpKind::kFind: return "find";
    case OpKind::kSize: return "size";
    case OpKind::kClear: return "clear";
    case OpKind::kForEach: return "for_each";
  }
  return "?";
}

std::string_view EraseOutcomeName(EraseOutcome outcome) {
  switch (outcome) {
    case EraseOutcome::kNone: return "none";
    case EraseOutcome::kErased: return "erased";
    case EraseOutcome::kDeclined: return "declined";
    case EraseOutcome::kUnknown: return "unknown";
  }
  return "?";
}

std::string_view InvariantId(Invariant inv) {
  switch (inv) {
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  case Invariant::e: return id;
#include "harness/base/invariants.def"
  }
  return "?";
}

std::string_view InvariantShortName(Invariant inv) {
  switch (inv) {
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  case Invariant::e: return short_name;
#include "harness/base/invariants.def"
  }
  return "?";
}

std::string_view InvariantDescription(Invariant inv) {
  switch (inv) {
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  case Invariant::e: return description;
#include "harness/base/invariants.def"
  }
  return "?";
}

std::optional<Invariant> ParseInvariant(std::string_view id) {
  for (int i = 0; i < kInvariantCount; ++i) {  // every id, also those this build does not judge
    if (InvariantId(static_cast<Invariant>(i)) == id) return static_cast<Invariant>(i);
  }
  return std::nullopt;
}

}  // namespace mapfault
