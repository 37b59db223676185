// The backend seam: the ConcurrentMap concept every map satisfies, a type-erased AnyMap the harness
// drives, and the registry of backends by id (built-ins and, later, plugins use the same registry).
#ifndef MAPFAULT_HARNESS_ENGINE_BACKEND_H_
#define MAPFAULT_HARNESS_ENGINE_BACKEND_H_

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "harness/base/types.h"

namespace mapfault {

using Visitor = absl::FunctionRef<VisitAction(Key, Value)>;

// The operations of DESIGN.md section 3. `for_each` shows each entry to the visitor, which may ask
// to continue, erase the entry just shown, or stop.
template <class M>
concept ConcurrentMap = requires(M m, Key k, Value v, Visitor visit, IterKind kind) {
  { m.Insert(k, v) } -> std::same_as<bool>;
  { m.Assign(k, v) };
  { m.Erase(k) } -> std::same_as<bool>;
  { m.Find(k) } -> std::same_as<std::optional<Value>>;
  { m.Size() } -> std::convertible_to<size_t>;
  { m.Clear() };
  { m.ForEach(visit, kind) };
};

// A map instance behind a small virtual interface (type erasure, not a hierarchy of maps).
class AnyMap {
 public:
  virtual ~AnyMap() = default;
  virtual bool Insert(Key k, Value v) = 0;
  virtual void Assign(Key k, Value v) = 0;
  virtual bool Erase(Key k) = 0;
  virtual std::optional<Value> Find(Key k) = 0;
  virtual size_t Size() = 0;
  virtual void Clear() = 0;
  virtual void ForEach(Visitor visit, IterKind kind) = 0;
};

template <ConcurrentMap M>
class MapAdapter final : public AnyMap {
 public:
  bool Insert(Key k, Value v) override { return map_.Insert(k, v); }
  void Assign(Key k, Value v) override { map_.Assign(k, v); }
  bool Erase(Key k) override { return map_.Erase(k); }
  std::optional<Value> Find(Key k) override { return map_.Find(k); }
  size_t Size() override { return map_.Size(); }
  void Clear() override { map_.Clear(); }
  void ForEach(Visitor visit, IterKind kind) override { map_.ForEach(visit, kind); }

 private:
  M map_;
};

enum class ExecMode : uint8_t { kControlled = 0, kPerturbed = 1 };

struct BackendInfo {
  std::string id;
  std::string description;
  // The invariants the backend's concurrency contract claims. A broken claimed invariant is BROKEN;
  // a broken unclaimed one is OUT_OF_CONTRACT.
  InvariantSet claims;
  // Contract relaxation: an iteration may yield a key twice if it was erased and re-inserted in
  // between (Go's spec allows it).
  bool duplicate_allows_reinsert = false;
  // Conditional contract: in a trial where some thread runs one of these operations while other
  // threads run (a parallel part of two or more threads), only `claims_if_unsafe` are claimed.
  // Bits are 1 << OpKind; kEraseThisBit stands for a for_each whose visitor erases.
  uint32_t unsafe_concurrent_ops = 0;
  InvariantSet claims_if_unsafe;
  static constexpr uint32_t kEraseThisBit = 1u << 16;
  // Factory for the controlled-mode instantiation (over ControlledSync); empty when unsupported.
  std::function<std::unique_ptr<AnyMap>()> make_controlled;
  // Factory for real threads (over RealSync or a black-box library); empty when unsupported.
  std::function<std::unique_ptr<AnyMap>()> make_real;
  // False when the backend's synchronisation lives in a prebuilt library ThreadSanitizer cannot see
  // (Debian's Abseil and oneTBB): its trial threads then run with TSan ignoring them, and
  // no-data-race is NOT_RUN for it.
  bool tsan_visible = true;
  // The scenario that exposes this backend's bug (mutants): the bug-finding benchmark's default.
  std::string witness_scenario;
  bool listed = true;  // false for test-only backends hidden from `list` and `--backend all`
  // The absolute path of the plugin library that registered the backend; empty for built-ins.
  std::string plugin_path;
};

template <class M>
std::function<std::unique_ptr<AnyMap>()> Factory() {
  return [] { return std::make_unique<MapAdapter<M>>(); };
}

class BackendRegistry {
 public:
  // Fails (AlreadyExists) on a duplicate id, (InvalidArgument) on an empty id or no factory.
  absl::Status Register(BackendInfo info);
  const BackendInfo* Find(const std::string& id) const;
  std::vector<const BackendInfo*> Listed() const;
  // "naive, go_checked, ..." for error messages.
  std::string ValidIds() const;

 private:
  std::vector<std::unique_ptr<BackendInfo>> backends_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_BACKEND_H_
