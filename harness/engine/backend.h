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
#include <type_traits>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "harness/base/types.h"

namespace mapfault {

// The harness's side of an iteration, for backends that say more than the visits themselves
// (DESIGN.md section 12). Both calls are optional; a backend that makes neither is judged with the
// widest windows its contract allows.
class VisitSink {
 public:
  // The backend has just read the entry it will show next (call it right after the read, before any
  // other synchronisation): that entry's read window ends here instead of at the visit.
  virtual void ReadPoint() = 0;
  // What became of the erase-this the visitor asked for on key k (the latest one on k without an
  // outcome): erased, or declined because the entry changed or went since it was read.
  virtual void EraseResult(Key k, bool erased) = 0;

 protected:
  ~VisitSink() = default;
};

// What a backend's for_each calls once per entry shown: visit(k, v) -> continue / erase-this /
// stop, plus the optional reports of VisitSink. Built from any callable (like absl::FunctionRef, it
// refers to it and must not outlive it); a wrapper around another Visitor keeps that one's sink.
class Visitor {
 public:
  template <class F>
    requires std::is_invocable_r_v<VisitAction, F&, Key, Value> &&
             (!std::is_same_v<std::remove_cvref_t<F>, Visitor>)
  Visitor(F&& f, VisitSink* sink = nullptr) : fn_(f), sink_(sink) {}  // NOLINT: implicit
  template <class F>
    requires std::is_invocable_r_v<VisitAction, F&, Key, Value>
  Visitor(F&& f, const Visitor& sink_of) : fn_(f), sink_(sink_of.sink_) {}

  VisitAction operator()(Key k, Value v) const { return fn_(k, v); }
  void ReadPoint() const {
    if (sink_ != nullptr) sink_->ReadPoint();
  }
  void EraseResult(Key k, bool erased) const {
    if (sink_ != nullptr) sink_->EraseResult(k, erased);
  }

 private:
  absl::FunctionRef<VisitAction(Key, Value)> fn_;
  VisitSink* sink_;
};

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
  // Per-thread setup and teardown (a library that needs every thread to attach itself): called on
  // each trial thread before its first operation and after its last, in both modes. No-ops unless
  // the map defines ThreadAttach() / ThreadDetach().
  virtual void ThreadAttach() {}
  virtual void ThreadDetach() {}
};

template <ConcurrentMap M>
class MapAdapter final : public AnyMap {
 public:
  [[gnu::flatten]] bool Insert(Key k, Value v) override { return map_.Insert(k, v); }
  [[gnu::flatten]] void Assign(Key k, Value v) override { map_.Assign(k, v); }
  [[gnu::flatten]] bool Erase(Key k) override { return map_.Erase(k); }
  [[gnu::flatten]] std::optional<Value> Find(Key k) override { return map_.Find(k); }
  size_t Size() override { return map_.Size(); }
  void Clear() override { map_.Clear(); }
  [[gnu::flatten]] void ForEach(Visitor visit, IterKind kind) override {
    map_.ForEach(visit, kind);
  }
  void ThreadAttach() override {
    if constexpr (requires { map_.ThreadAttach(); }) map_.ThreadAttach();
  }
  void ThreadDetach() override {
    if constexpr (requires { map_.ThreadDetach(); }) map_.ThreadDetach();
  }

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
  // Bits are 1 << OpKind, kEraseThisBit and kVisitorWritesBit (below).
  uint32_t unsafe_concurrent_ops = 0;
  InvariantSet claims_if_unsafe;
  // kEraseThisBit: a for_each whose visitor erases. kVisitorWritesBit: a for_each whose visitor
  // writes through the map (any trial with one, concurrent or not: a snapshot iterator shows an
  // entry its own visitor erased before reaching it, which Go's rule forbids).
  static constexpr uint32_t kEraseThisBit = 1u << 16;
  static constexpr uint32_t kVisitorWritesBit = 1u << 17;
  // Whether an erase-this may decline (the entry changed or went since it was read). A backend that
  // may decline should report each outcome (Visitor::EraseResult); one it does not report is then
  // "unknown" (may have removed). When false, an unreported erase-this counts as erased.
  bool erase_this_may_decline = false;
  // Whether a visitor may insert, assign or erase other keys through the map during for_each
  // (visitor writes). Scenarios with visitor writes are not run on a backend that forbids them.
  bool visitor_writes = false;
  // Factory for the controlled-mode instantiation (over ControlledSync); empty when unsupported.
  std::function<std::unique_ptr<AnyMap>()> make_controlled;
  // Factory for real threads (over RealSync or a black-box library); empty when unsupported.
  std::function<std::unique_ptr<AnyMap>()> make_real;
  // False when the backend's synchronisation lives in a prebuilt library ThreadSanitizer cannot see
  // (Debian's Abseil and oneTBB): its trial threads then run with TSan ignoring them, and
  // no-data-race is NOT_RUN for it.
  bool tsan_visible = true;
  // Every shared non-atomic field of its controlled instantiation is a Sync::Var, so controlled
  // trials judge no-data-race by happens-before (a white-box backend that says so).
  bool race_checked = false;
  // The scenario that exposes this backend's bug (mutants): the bug-finding benchmark's default.
  std::string witness_scenario;
  bool listed = true;  // false for test-only backends hidden from `list` and `--backend all`
  // The absolute path of the plugin library that registered the backend; empty for built-ins.
  std::string plugin_path;
  // Substrings of a line on a dead worker's stderr that mean the backend detected misuse itself
  // (misuse-detected, verdict DETECTED), e.g. Go's "fatal error: concurrent map writes"
  // (a plugin's mapfault_plugin_options.misuse_stderr_patterns).
  std::vector<std::string> misuse_patterns;
  // The plugin must be loaded only in worker processes (MAPFAULT_PLUGIN_LOAD_IN_WORKERS): the
  // factories above then load it in the calling process on first use, and refuse to run in the
  // process that registered it.
  bool load_in_workers = false;
};

template <class M>
std::function<std::unique_ptr<AnyMap>()> Factory() {
  return [] { return std::make_unique<MapAdapter<M>>(); };
}

class BackendRegistry {
 public:
  // Fails (AlreadyExists) on a duplicate id, (InvalidArgument) on an empty id or no factory.
  absl::Status Register(BackendInfo info);
  // Registers a backend whose id is unique by construction (a built-in table); aborts if not.
  void MustRegister(BackendInfo info);
  const BackendInfo* Find(const std::string& id) const;
  std::vector<const BackendInfo*> Listed() const;
  // "naive, go_checked, ..." for error messages.
  std::string ValidIds() const;

 private:
  std::vector<std::unique_ptr<BackendInfo>> backends_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_BACKEND_H_
