// Header-only C++ helper for writing a mapfault plugin: register a map class as a backend in one
// line, and write the map against mapfault::PluginSync so that, under mapfault's controlled
// scheduler, every lock, atomic and Yield of the map is a scheduling point.
//
//   #include <mapfault/plugin.h>
//
//   template <class Sync>
//   class MyMap {  // Insert, Assign, Erase, Find, Size, Clear, ForEach: see PluginMap below
//     ...
//     typename Sync::Mutex mu_;
//   };
//
//   MAPFAULT_PLUGIN("my_plugin",
//                   mapfault::PluginBackend<MyMap<mapfault::PluginSync>>(
//                       "my_map", "one mutex around a std::unordered_map",
//                       {"no-crash", "no-hang", "linearizable"}))
//
// - Exceptions never cross into mapfault: one escaping an operation aborts the worker with
//   "mapfault: plugin error: <plugin>: insert() threw: <what>" (a no-crash failure of that trial).
// - PluginSync works in both modes: the host maps its primitives to scheduling points (controlled)
//   or to real locks (perturbed). std::lock_guard, std::unique_lock and std::shared_lock work with
//   its mutexes; call lock(label) / unlock(label) directly to name the step in traces.
// - Everything here has hidden visibility: the only symbol a plugin exports is the entry point.
// - ABI v2 (plugin_abi.h): a map may define ThreadAttach() / ThreadDetach() (called on every trial
//   thread before its first operation and after its last); its ForEach may call visit.ReadPoint()
//   right after reading the entry it shows next and visit.EraseResult(key, erased) after each
//   erase-this it decided; the spec's flags say MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE and
//   MAPFAULT_BACKEND_VISITOR_WRITES, and .ClaimsIfUnsafe(MAPFAULT_UNSAFE_* bits, {ids}) states a
//   conditional contract:
//
//     mapfault::PluginBackend<MyCasMap<mapfault::PluginSync>>(
//         "my_cas_map", "...", {"no-crash", "no-hang", "linearizable"},
//         MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED,
//         MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE | MAPFAULT_BACKEND_VISITOR_WRITES)
//         .ClaimsIfUnsafe(MAPFAULT_UNSAFE_CLEAR, {"no-crash", "no-hang"})
#ifndef MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_H_
#define MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_H_

#if __cplusplus < 202002L
#error "<mapfault/plugin.h> needs C++20 (the ABI header <mapfault/plugin_abi.h> is plain C)"
#endif

#include <atomic>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mapfault/plugin_abi.h"

#pragma GCC visibility push(hidden)

namespace mapfault {

// What a visitor asks the map to do with the entry it was just shown.
enum class PluginVisit : int {
  kContinue = MAPFAULT_VISIT_CONTINUE,
  kEraseThis = MAPFAULT_VISIT_ERASE_THIS,
  kStop = MAPFAULT_VISIT_STOP,
};

// Whether a ForEach may be asked to erase (lock-based maps pick a shared or exclusive lock by it).
enum class PluginIter : int {
  kReadOnly = MAPFAULT_ITER_READ_ONLY,
  kMayErase = MAPFAULT_ITER_MAY_ERASE,
};

// The visitor a map's ForEach receives: call it with each entry and obey its answer. ReadPoint and
// EraseResult report to mapfault (ABI v2); outside mapfault (the conformance suite) they do
// nothing.
class PluginVisitor {
 public:
  PluginVisitor(mapfault_visit_fn fn, void* ctx, const mapfault_host* host = nullptr)
      : fn_(fn), ctx_(ctx), host_(host) {}
  PluginVisit operator()(int64_t key, int64_t value) const {
    return static_cast<PluginVisit>(fn_(ctx_, key, value));
  }
  // The map has just read the entry it will show next (call it right after the read).
  void ReadPoint() const {
    if (host_ != nullptr) host_->visit_read_point(ctx_);
  }
  // What became of the erase-this the visitor asked for on `key`: removed, or declined because the
  // entry changed or went since it was read.
  void EraseResult(int64_t key, bool erased) const {
    if (host_ != nullptr) host_->visit_erase_result(ctx_, key, erased ? 1 : 0);
  }

 private:
  mapfault_visit_fn fn_;
  void* ctx_;
  const mapfault_host* host_;
};

// The operations a map class needs (the same as mapfault's built-in backends).
template <class M>
concept PluginMap = std::default_initializable<M> &&
                    requires(M m, int64_t k, int64_t v, PluginVisitor visit, PluginIter kind) {
                      { m.Insert(k, v) } -> std::convertible_to<bool>;
                      { m.Assign(k, v) };
                      { m.Erase(k) } -> std::convertible_to<bool>;
                      { m.Find(k) } -> std::convertible_to<std::optional<int64_t>>;
                      { m.Size() } -> std::convertible_to<uint64_t>;
                      { m.Clear() };
                      { m.ForEach(visit, kind) };
                    };

namespace plugin_internal {

struct State {
  const mapfault_host* host = nullptr;  // set by the entry point when the ABI versions match
  const char* plugin_name = "?";
};
inline State& GlobalState() {
  static State state;
  return state;
}

[[noreturn]] inline void Fatal(const std::string& message) {
  const State& s = GlobalState();
  const std::string line = std::string(s.plugin_name) + ": " + message;
  if (s.host != nullptr) s.host->fatal_error(line.c_str());
  std::fprintf(stderr, "mapfault: plugin error: %s\n", line.c_str());
  std::abort();
}

inline const mapfault_host& Host() {
  const mapfault_host* host = GlobalState().host;
  if (host == nullptr) Fatal("PluginSync used outside mapfault (no host callbacks)");
  return *host;
}

// Runs one operation; an escaping exception becomes a fatal error naming the operation.
template <class F>
auto Guard(const char* op, F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    Fatal(std::string(op) + "() threw: " + e.what());
  } catch (...) {
    Fatal(std::string(op) + "() threw a non-standard exception");
  }
}

// The C operations for map type M.
template <class M>
struct Ops {
  static M& Self(void* map) { return *static_cast<M*>(map); }
  static void* Create() { return Guard("create", [] { return static_cast<void*>(new M()); }); }
  static void Destroy(void* map) {
    Guard("destroy", [&] { delete static_cast<M*>(map); });
  }
  static int Insert(void* map, int64_t k, int64_t v) {
    return Guard("insert", [&] { return Self(map).Insert(k, v) ? 1 : 0; });
  }
  static void Assign(void* map, int64_t k, int64_t v) {
    Guard("assign", [&] { Self(map).Assign(k, v); });
  }
  static int Erase(void* map, int64_t k) {
    return Guard("erase", [&] { return Self(map).Erase(k) ? 1 : 0; });
  }
  static int Find(void* map, int64_t k, int64_t* out) {
    return Guard("find", [&] {
      const std::optional<int64_t> v = Self(map).Find(k);
      if (v) *out = *v;
      return v ? 1 : 0;
    });
  }
  static uint64_t Size(void* map) {
    return Guard("size", [&] { return static_cast<uint64_t>(Self(map).Size()); });
  }
  static void Clear(void* map) {
    Guard("clear", [&] { Self(map).Clear(); });
  }
  static void ForEach(void* map, int kind, mapfault_visit_fn fn, void* ctx) {
    Guard("for_each", [&] {
      Self(map).ForEach(PluginVisitor(fn, ctx, GlobalState().host), static_cast<PluginIter>(kind));
    });
  }
  static void ThreadAttach(void* map) {
    if constexpr (requires(M m) { m.ThreadAttach(); }) {
      Guard("thread_attach", [&] { Self(map).ThreadAttach(); });
    }
  }
  static void ThreadDetach(void* map) {
    if constexpr (requires(M m) { m.ThreadDetach(); }) {
      Guard("thread_detach", [&] { Self(map).ThreadDetach(); });
    }
  }
  static constexpr bool kHasThreadHooks =
      requires(M m) { m.ThreadAttach(); } || requires(M m) { m.ThreadDetach(); };
};

}  // namespace plugin_internal

// The sync policy of a plugin map: the same shape as mapfault's ControlledSync / RealSync, backed
// by the host's callbacks. Atomic<T> is a std::atomic<T> with a scheduling point before each
// operation.
struct PluginSync {
  static void Yield(const char* label) { plugin_internal::Host().yield(label); }

  class Mutex {
   public:
    Mutex() : m_(plugin_internal::Host().mutex_create()) {}
    ~Mutex() { plugin_internal::Host().mutex_destroy(m_); }
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;
    void lock(const char* label = "mutex.lock") { plugin_internal::Host().mutex_lock(m_, label); }
    bool try_lock(const char* label = "mutex.try_lock") {
      return plugin_internal::Host().mutex_try_lock(m_, label) != 0;
    }
    void unlock(const char* label = "mutex.unlock") {
      plugin_internal::Host().mutex_unlock(m_, label);
    }

   private:
    mapfault_mutex* m_;
  };

  class SharedMutex {
   public:
    SharedMutex() : m_(plugin_internal::Host().shared_mutex_create()) {}
    ~SharedMutex() { plugin_internal::Host().shared_mutex_destroy(m_); }
    SharedMutex(const SharedMutex&) = delete;
    SharedMutex& operator=(const SharedMutex&) = delete;
    void lock(const char* label = "rwlock.lock") {
      plugin_internal::Host().shared_mutex_lock(m_, label);
    }
    void unlock(const char* label = "rwlock.unlock") {
      plugin_internal::Host().shared_mutex_unlock(m_, label);
    }
    void lock_shared(const char* label = "rwlock.lock_shared") {
      plugin_internal::Host().shared_mutex_lock_shared(m_, label);
    }
    void unlock_shared(const char* label = "rwlock.unlock_shared") {
      plugin_internal::Host().shared_mutex_unlock_shared(m_, label);
    }

   private:
    mapfault_shared_mutex* m_;
  };

  template <class T>
  class Atomic {
   public:
    Atomic() = default;
    explicit Atomic(T v) : v_(v) {}
    T load(std::memory_order o = std::memory_order_seq_cst) const {
      Point("atomic.load");
      return v_.load(o);
    }
    void store(T v, std::memory_order o = std::memory_order_seq_cst) {
      Point("atomic.store");
      v_.store(v, o);
    }
    T exchange(T v, std::memory_order o = std::memory_order_seq_cst) {
      Point("atomic.exchange");
      return v_.exchange(v, o);
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order o = std::memory_order_seq_cst) {
      Point("atomic.cas");
      return v_.compare_exchange_strong(expected, desired, o);
    }
    T fetch_add(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_add");
      return v_.fetch_add(d, o);
    }
    T fetch_sub(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_sub");
      return v_.fetch_sub(d, o);
    }

   private:
    static void Point(const char* label) { plugin_internal::Host().atomic_point(label); }
    std::atomic<T> v_{};
  };
};

// An internal error of the plugin (e.g. a broken precondition of its library): aborts the trial's
// worker with "mapfault: plugin error: <plugin>: <message>" (a no-crash failure); does not return.
[[noreturn]] inline void PluginFatalError(const std::string& message) {
  plugin_internal::Fatal(message);
}

// Reports misuse the map detected itself (like Go's "concurrent map writes"); does not return.
[[noreturn]] inline void PluginReportMisuse(const char* message) {
  plugin_internal::Host().report_misuse(message);
  std::abort();  // not reached
}

// One backend of a plugin: its contract and the C operations of a map class. Build with
// PluginBackend<M>(...).
struct PluginBackendSpec {
  std::string id;
  std::string description;
  std::vector<std::string> claims;
  uint32_t modes = MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED;
  uint32_t flags = 0;
  // Conditional contract (ABI v2): MAPFAULT_UNSAFE_* bits and the ids that hold when one of those
  // operations runs concurrently. Set with ClaimsIfUnsafe.
  uint32_t unsafe_concurrent_ops = 0;
  std::vector<std::string> claims_if_unsafe;
  mapfault_backend ops{};  // strings are filled in when the plugin's table is built

  // In a trial where one of the `unsafe_ops` (MAPFAULT_UNSAFE_* bits) runs while other threads
  // run, only `claims` hold (each also among the backend's claims).
  PluginBackendSpec ClaimsIfUnsafe(uint32_t unsafe_ops,
                                   std::initializer_list<const char*> claims) && {
    unsafe_concurrent_ops = unsafe_ops;
    claims_if_unsafe.assign(claims.begin(), claims.end());
    return std::move(*this);
  }
};

// A backend running map type M (see PluginMap). `claims` are invariant ids ("no-crash",
// "linearizable", ...; `mapfault list invariants`); `modes` and `flags` are MAPFAULT_MODE_* and
// MAPFAULT_BACKEND_* bits. A map defining ThreadAttach() / ThreadDetach() gets the thread hooks.
template <PluginMap M>
PluginBackendSpec PluginBackend(std::string id, std::string description,
                                std::initializer_list<const char*> claims,
                                uint32_t modes = MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED,
                                uint32_t flags = 0) {
  using O = plugin_internal::Ops<M>;
  PluginBackendSpec spec;
  spec.id = std::move(id);
  spec.description = std::move(description);
  spec.claims.assign(claims.begin(), claims.end());
  spec.modes = modes;
  spec.flags = flags;
  spec.ops.create = &O::Create;
  spec.ops.destroy = &O::Destroy;
  spec.ops.insert = &O::Insert;
  spec.ops.assign = &O::Assign;
  spec.ops.erase = &O::Erase;
  spec.ops.find = &O::Find;
  spec.ops.size = &O::Size;
  spec.ops.clear = &O::Clear;
  spec.ops.for_each = &O::ForEach;
  if constexpr (O::kHasThreadHooks) {
    spec.ops.thread_attach = &O::ThreadAttach;
    spec.ops.thread_detach = &O::ThreadDetach;
  }
  return spec;
}

namespace plugin_internal {

// The plugin's static table, built on the first call of the entry point.
class Table {
 public:
  Table(const char* name, std::vector<PluginBackendSpec> specs) : specs_(std::move(specs)) {
    for (PluginBackendSpec& s : specs_) {
      std::vector<const char*>& claims = Terminated(s.claims);
      std::vector<const char*>& if_unsafe = Terminated(s.claims_if_unsafe);
      mapfault_backend b = s.ops;
      b.unsafe_concurrent_ops = s.unsafe_concurrent_ops;
      b.claims_if_unsafe = s.unsafe_concurrent_ops != 0 ? if_unsafe.data() : nullptr;
      b.id = s.id.c_str();
      b.description = s.description.c_str();
      b.modes = s.modes;
      b.flags = s.flags;
      b.claims = claims.data();
      backends_.push_back(b);
    }
    plugin_.abi_version = MAPFAULT_PLUGIN_ABI_VERSION;
    plugin_.plugin_name = name;
    plugin_.backend_count = backends_.size();
    plugin_.backends = backends_.empty() ? nullptr : backends_.data();
  }
  Table(const Table&) = delete;  // the C table points into the members: never moved
  Table& operator=(const Table&) = delete;
  const mapfault_plugin* plugin() const { return &plugin_; }

 private:
  std::vector<const char*>& Terminated(const std::vector<std::string>& ids) {
    std::vector<const char*>& ptrs = claim_ptrs_.emplace_back();
    for (const std::string& id : ids) ptrs.push_back(id.c_str());
    ptrs.push_back(nullptr);
    return ptrs;
  }

  std::vector<PluginBackendSpec> specs_;
  std::deque<std::vector<const char*>> claim_ptrs_;  // deque: stable element addresses
  std::vector<mapfault_backend> backends_;
  mapfault_plugin plugin_{};
};

template <class MakeSpecs>
const mapfault_plugin* Entry(const mapfault_host* host, const char* name, MakeSpecs make_specs) {
  State& state = GlobalState();
  state.plugin_name = name;
  // A host of another ABI version gets the table anyway (and refuses it, naming both versions),
  // but its callbacks are never used.
  if (host != nullptr && host->abi_version == MAPFAULT_PLUGIN_ABI_VERSION) state.host = host;
  static const Table table =
      Guard("mapfault_plugin_entry", [&] { return Table(name, make_specs()); });
  return table.plugin();
}

}  // namespace plugin_internal
}  // namespace mapfault

#pragma GCC visibility pop

// Defines the plugin's entry point: MAPFAULT_PLUGIN("plugin_name", PluginBackend<M>(...), ...).
#define MAPFAULT_PLUGIN(plugin_name, ...)                                                        \
  extern "C" MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin* mapfault_plugin_entry(        \
      const struct mapfault_host* host) {                                                        \
    return ::mapfault::plugin_internal::Entry(host, plugin_name, [] {                            \
      return std::vector<::mapfault::PluginBackendSpec>{__VA_ARGS__};                            \
    });                                                                                          \
  }

#endif  // MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_H_
