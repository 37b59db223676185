// Plugin loading (see plugin_loader.h): the host callbacks a plugin synchronises through, the
// AnyMap adapter over a plugin's C operations, and the checks that refuse a bad plugin with one
// clear line.
//
// Exceptions and the C boundary: inside a controlled trial that ends early, the scheduler unwinds a
// suspended logical thread by throwing from its next scheduling point. That point may be inside a
// host callback called by plugin code, and no exception may cross plugin frames. So every callback
// catches it and parks it in a per-logical-thread slot; from then on that thread's callbacks are
// no-ops (no switches happen once the trial is over), the plugin operation runs to its end, and the
// adapter rethrows the parked exception as soon as the operation returns to it.
//
// ABI versions: the host loads version 1 and 2 plugins. A version 1 plugin gets a host table
// labelled version 1 (the entry point is called again with it) and its backends are read with the
// version 1 layout (MapfaultBackendV1 below), converted once to the version 2 struct with the v2
// fields empty; from then on both versions run through the same adapter.
#include "harness/plugins/plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "harness/engine/misuse.h"
#include "harness/engine/sync.h"
#include "harness/plugins/plugin_probe.h"
#include "mapfault/plugin_abi.h"

// The host's definitions of the ABI's opaque sync objects: one primitive per mode. Inside a
// controlled trial the ControlledSync one is used, elsewhere (init and post phases, real threads)
// the RealSync one; no lock is ever held across a phase boundary.
struct mapfault_mutex {
  mapfault::ControlledSync::Mutex controlled;
  mapfault::RealSync::Mutex real;
};
struct mapfault_shared_mutex {
  mapfault::ControlledSync::SharedMutex controlled;
  mapfault::RealSync::SharedMutex real;
};

namespace mapfault {
namespace {

namespace fs = std::filesystem;

// --- Exceptions parked at the C boundary -------------------------------------------------------

std::exception_ptr& ParkedException() {
  thread_local std::vector<std::exception_ptr> slots;  // index 0: outside the scheduler
  const Scheduler* s = Scheduler::Current();
  const size_t i = s == nullptr ? 0 : static_cast<size_t>(s->current_thread()) + 1;
  if (slots.size() <= i) slots.resize(i + 1);
  return slots[i];
}

// Runs a controlled-mode primitive, parking what it throws. Returns false (without running it) when
// this logical thread already has a parked exception.
template <class F>
bool Shielded(F&& f) noexcept {
  std::exception_ptr& parked = ParkedException();
  if (parked) return false;
  try {
    f();
  } catch (...) {
    parked = std::current_exception();
  }
  return true;
}

void RethrowParked() {
  std::exception_ptr& parked = ParkedException();
  if (parked) std::rethrow_exception(std::exchange(parked, nullptr));
}

// --- Host callbacks -----------------------------------------------------------------------------

void HostYield(const char* label) {
  if (Scheduler::Current() == nullptr) return RealSync::Yield(label);
  Shielded([&] { ControlledSync::Yield(label); });
}

void HostAtomicPoint(const char* label) {
  if (Scheduler* s = Scheduler::Current()) Shielded([&] { s->Point(TraceKind::kAtomic, label); });
}

mapfault_mutex* HostMutexCreate() { return new mapfault_mutex(); }
void HostMutexDestroy(mapfault_mutex* m) { delete m; }

void HostMutexLock(mapfault_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.lock(label);
  Shielded([&] { m->controlled.lock(label); });
}

int HostMutexTryLock(mapfault_mutex* m, const char* /*label: the policies use their own*/) {
  if (Scheduler::Current() == nullptr) return m->real.try_lock() ? 1 : 0;
  bool acquired = true;  // a thread whose trial is over gets every lock (see the banner)
  Shielded([&] { acquired = m->controlled.try_lock(); });
  return acquired ? 1 : 0;
}

void HostMutexUnlock(mapfault_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.unlock(label);
  Shielded([&] { m->controlled.unlock(label); });
}

mapfault_shared_mutex* HostSharedCreate() { return new mapfault_shared_mutex(); }
void HostSharedDestroy(mapfault_shared_mutex* m) { delete m; }

void HostSharedLock(mapfault_shared_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.lock(label);
  Shielded([&] { m->controlled.lock(label); });
}

void HostSharedUnlock(mapfault_shared_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.unlock(label);
  Shielded([&] { m->controlled.unlock(label); });
}

void HostSharedLockShared(mapfault_shared_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.lock_shared(label);
  Shielded([&] { m->controlled.lock_shared(label); });
}

void HostSharedUnlockShared(mapfault_shared_mutex* m, const char* label) {
  if (Scheduler::Current() == nullptr) return m->real.unlock_shared(label);
  Shielded([&] { m->controlled.unlock_shared(label); });
}

void HostReportMisuse(const char* message) { FatalMisuse(message); }

void HostFatalError(const char* message) {
  std::fprintf(stderr, "mapfault: plugin error: %s\n", message);
  std::abort();
}

// The for_each reports of ABI v2: `ctx` is the Visitor the adapter passed to for_each.
void HostVisitReadPoint(void* ctx) {
  const Visitor& visit = *static_cast<const Visitor*>(ctx);
  Shielded([&] { visit.ReadPoint(); });
}

void HostVisitEraseResult(void* ctx, int64_t key, int erased) {
  const Visitor& visit = *static_cast<const Visitor*>(ctx);
  Shielded([&] { visit.EraseResult(key, erased != 0); });
}

// The host table for ABI v2 plugins; kHostV1 (below) is the same table labelled version 1.
constexpr mapfault_host kHost = {
    .abi_version = MAPFAULT_PLUGIN_ABI_VERSION,
    .yield = &HostYield,
    .atomic_point = &HostAtomicPoint,
    .mutex_create = &HostMutexCreate,
    .mutex_destroy = &HostMutexDestroy,
    .mutex_lock = &HostMutexLock,
    .mutex_try_lock = &HostMutexTryLock,
    .mutex_unlock = &HostMutexUnlock,
    .shared_mutex_create = &HostSharedCreate,
    .shared_mutex_destroy = &HostSharedDestroy,
    .shared_mutex_lock = &HostSharedLock,
    .shared_mutex_unlock = &HostSharedUnlock,
    .shared_mutex_lock_shared = &HostSharedLockShared,
    .shared_mutex_unlock_shared = &HostSharedUnlockShared,
    .report_misuse = &HostReportMisuse,
    .fatal_error = &HostFatalError,
    .visit_read_point = &HostVisitReadPoint,
    .visit_erase_result = &HostVisitEraseResult,
};

constexpr mapfault_host MakeHostV1() {
  mapfault_host host = kHost;
  host.abi_version = 1;
  return host;
}
constexpr mapfault_host kHostV1 = MakeHostV1();

// struct mapfault_backend as ABI version 1 laid it out: version 2 appended fields after for_each.
struct MapfaultBackendV1 {
  const char* id;
  const char* description;
  uint32_t modes;
  uint32_t flags;
  const char* const* claims;
  void* (*create)(void);
  void (*destroy)(void* map);
  int (*insert)(void* map, int64_t key, int64_t value);
  void (*assign)(void* map, int64_t key, int64_t value);
  int (*erase)(void* map, int64_t key);
  int (*find)(void* map, int64_t key, int64_t* value_out);
  uint64_t (*size)(void* map);
  void (*clear)(void* map);
  void (*for_each)(void* map, int iter_kind, mapfault_visit_fn visit, void* ctx);
};
static_assert(offsetof(MapfaultBackendV1, for_each) == offsetof(mapfault_backend, for_each));
static_assert(sizeof(MapfaultBackendV1) == offsetof(mapfault_backend, thread_attach));
// MAPFAULT_UNSAFE_* are BackendInfo::unsafe_concurrent_ops bits as they are.
constexpr uint32_t OpBit(OpKind kind) { return 1u << static_cast<int>(kind); }
static_assert(MAPFAULT_UNSAFE_INSERT == OpBit(OpKind::kInsert));
static_assert(MAPFAULT_UNSAFE_ASSIGN == OpBit(OpKind::kAssign));
static_assert(MAPFAULT_UNSAFE_ERASE == OpBit(OpKind::kErase));
static_assert(MAPFAULT_UNSAFE_FIND == OpBit(OpKind::kFind));
static_assert(MAPFAULT_UNSAFE_SIZE == OpBit(OpKind::kSize));
static_assert(MAPFAULT_UNSAFE_CLEAR == OpBit(OpKind::kClear));
static_assert(MAPFAULT_UNSAFE_FOR_EACH == OpBit(OpKind::kForEach));
static_assert(MAPFAULT_UNSAFE_ERASE_THIS == BackendInfo::kEraseThisBit);
static_assert(MAPFAULT_UNSAFE_VISITOR_WRITES == BackendInfo::kVisitorWritesBit);

// A version 1 plugin's backends in the version 2 layout (v2 fields empty). Kept for the life of the
// process, like the plugin's own table.
const mapfault_backend* UpgradeV1Backends(const mapfault_plugin& plugin) {
  static std::deque<std::vector<mapfault_backend>> upgraded;
  const auto* v1 = reinterpret_cast<const MapfaultBackendV1*>(plugin.backends);
  std::vector<mapfault_backend>& out = upgraded.emplace_back(plugin.backend_count);
  for (size_t i = 0; i < plugin.backend_count; ++i) {
    std::memcpy(static_cast<void*>(&out[i]), &v1[i], sizeof(MapfaultBackendV1));
  }
  return out.data();
}

// --- The AnyMap adapter -------------------------------------------------------------------------

int ToAbi(VisitAction action) {
  switch (action) {
    case VisitAction::kContinue: return MAPFAULT_VISIT_CONTINUE;
    case VisitAction::kEraseThis: return MAPFAULT_VISIT_ERASE_THIS;
    case VisitAction::kStop: return MAPFAULT_VISIT_STOP;
  }
  return MAPFAULT_VISIT_STOP;
}

int VisitTrampoline(void* ctx, int64_t key, int64_t value) {
  const Visitor& visit = *static_cast<const Visitor*>(ctx);
  int result = MAPFAULT_VISIT_STOP;
  Shielded([&] { result = ToAbi(visit(key, value)); });
  return result;
}

class PluginMap final : public AnyMap {
 public:
  PluginMap(const mapfault_backend* ops, const std::string* path) : ops_(ops), map_(ops->create()) {
    if (map_ == nullptr) {
      HostFatalError(
          absl::StrCat(*path, ": backend '", ops->id, "': create() returned NULL").c_str());
    }
  }
  ~PluginMap() override {
    ops_->destroy(map_);
    ParkedException() = nullptr;  // nothing to unwind any more
  }
  PluginMap(const PluginMap&) = delete;
  PluginMap& operator=(const PluginMap&) = delete;

  bool Insert(Key k, Value v) override { return Checked(ops_->insert(map_, k, v)) != 0; }
  void Assign(Key k, Value v) override {
    ops_->assign(map_, k, v);
    RethrowParked();
  }
  bool Erase(Key k) override { return Checked(ops_->erase(map_, k)) != 0; }
  std::optional<Value> Find(Key k) override {
    int64_t value = 0;
    if (Checked(ops_->find(map_, k, &value)) == 0) return std::nullopt;
    return value;
  }
  size_t Size() override { return static_cast<size_t>(Checked(ops_->size(map_))); }
  void Clear() override {
    ops_->clear(map_);
    RethrowParked();
  }
  void ThreadAttach() override {
    if (ops_->thread_attach == nullptr) return;
    ops_->thread_attach(map_);
    RethrowParked();
  }
  void ThreadDetach() override {
    if (ops_->thread_detach == nullptr) return;
    ops_->thread_detach(map_);
    RethrowParked();
  }
  void ForEach(Visitor visit, IterKind kind) override {
    const int abi_kind =
        kind == IterKind::kReadOnly ? MAPFAULT_ITER_READ_ONLY : MAPFAULT_ITER_MAY_ERASE;
    ops_->for_each(map_, abi_kind, &VisitTrampoline, &visit);
    RethrowParked();
  }

 private:
  template <class T>
  static T Checked(T result) {
    RethrowParked();
    return result;
  }

  const mapfault_backend* ops_;
  void* map_;
};

// --- Loading ------------------------------------------------------------------------------------

std::string ValidInvariantIds() {
  std::vector<std::string> ids;
  for (Invariant inv : kAllInvariants) ids.emplace_back(InvariantId(inv));
  return absl::StrJoin(ids, ", ");
}

bool ValidIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Parses a NULL-terminated array of invariant ids into `out`; false (and `error` set) on an unknown
// id. `what` names the field in the message.
bool ParseClaims(const char* const* ids, const std::string& id, const char* what, InvariantSet& out,
                 std::string* error) {
  for (const char* const* c = ids; *c != nullptr; ++c) {
    const std::optional<Invariant> inv = ParseInvariant(*c);
    if (!inv) {
      *error = absl::StrCat("backend '", id, "' ", what, " unknown invariant '", *c,
                            "'; valid ids: ", ValidInvariantIds());
      return false;
    }
    out.Add(*inv);
  }
  return true;
}

// The ABI v2 fields of backend `id`: flags, thread hooks and the conditional contract.
bool AdaptV2(const mapfault_backend& b, const std::string& id, BackendInfo& info,
             std::string* error) {
  info.erase_this_may_decline = (b.flags & MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE) != 0;
  info.visitor_writes = (b.flags & MAPFAULT_BACKEND_VISITOR_WRITES) != 0;
  constexpr uint32_t kUnsafeBits = MAPFAULT_UNSAFE_INSERT | MAPFAULT_UNSAFE_ASSIGN |
                                   MAPFAULT_UNSAFE_ERASE | MAPFAULT_UNSAFE_FIND |
                                   MAPFAULT_UNSAFE_SIZE | MAPFAULT_UNSAFE_CLEAR |
                                   MAPFAULT_UNSAFE_FOR_EACH | MAPFAULT_UNSAFE_ERASE_THIS |
                                   MAPFAULT_UNSAFE_VISITOR_WRITES;
  if ((b.unsafe_concurrent_ops & ~kUnsafeBits) != 0) {
    *error = absl::StrCat("backend '", id, "' has unknown unsafe_concurrent_ops bits 0x",
                          absl::Hex(b.unsafe_concurrent_ops & ~kUnsafeBits),
                          "; use only MAPFAULT_UNSAFE_* bits");
    return false;
  }
  if (b.unsafe_concurrent_ops == 0) return true;
  if (b.claims_if_unsafe == nullptr) {
    *error = absl::StrCat("backend '", id,
                          "' sets unsafe_concurrent_ops but its claims_if_unsafe is NULL; list "
                          "the invariants that still hold (a NULL-terminated array, possibly "
                          "empty)");
    return false;
  }
  info.unsafe_concurrent_ops = b.unsafe_concurrent_ops;
  if (!ParseClaims(b.claims_if_unsafe, id, "claims_if_unsafe has", info.claims_if_unsafe, error)) {
    return false;
  }
  for (Invariant inv : kAllInvariants) {
    if (info.claims_if_unsafe.Contains(inv) && !info.claims.Contains(inv)) {
      *error = absl::StrCat("backend '", id, "' claims_if_unsafe has '",
                            std::string(InvariantId(inv)), "', which its claims do not have; claims_if_unsafe narrows the claims");
      return false;
    }
  }
  return true;
}

// Checks backend `index` of a plugin of ABI version `abi` and turns it into a BackendInfo; `error`
// gets the reason (without the "plugin <path>: " prefix) when it is refused.
std::optional<BackendInfo> Adapt(const mapfault_backend& b, uint32_t abi, size_t index,
                                 size_t count,
                                 const std::shared_ptr<const std::string>& path,
                                 std::string* error) {
  if (b.id == nullptr || b.id[0] == '\0') {
    *error =
        absl::StrCat("backend #", index + 1, " of ", count, " has a ",
                     b.id == nullptr ? "NULL" : "empty", " id; give every backend a unique id");
    return std::nullopt;
  }
  const std::string id = b.id;
  if (!std::all_of(id.begin(), id.end(), ValidIdChar)) {
    *error = absl::StrCat("backend id '", id,
                          "' has a character other than letters, digits, '_', "
                          "'.' and '-'; rename the backend");
    return std::nullopt;
  }
  struct Field {
    const char* name;
    const char* kind;
    bool set;
  };
  const Field fields[] = {{"description", "field", b.description != nullptr},
                          {"claims", "field", b.claims != nullptr},
                          {"create", "operation", b.create != nullptr},
                          {"destroy", "operation", b.destroy != nullptr},
                          {"insert", "operation", b.insert != nullptr},
                          {"assign", "operation", b.assign != nullptr},
                          {"erase", "operation", b.erase != nullptr},
                          {"find", "operation", b.find != nullptr},
                          {"size", "operation", b.size != nullptr},
                          {"clear", "operation", b.clear != nullptr},
                          {"for_each", "operation", b.for_each != nullptr}};
  for (const Field& f : fields) {
    if (!f.set) {
      *error =
          absl::StrCat("backend '", id, "' has a NULL '", f.name, "' ", f.kind,
                       "; set every field of struct mapfault_backend (claims: a NULL-terminated "
                       "array, possibly empty)");
      return std::nullopt;
    }
  }
  constexpr uint32_t kModes = MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED;
  if ((b.modes & kModes) == 0 || (b.modes & ~kModes) != 0) {
    *error = absl::StrCat("backend '", id, "' has modes 0x", absl::Hex(b.modes),
                          "; use MAPFAULT_MODE_CONTROLLED and/or MAPFAULT_MODE_PERTURBED");
    return std::nullopt;
  }
  const uint32_t known_flags =
      abi == 1 ? MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT
               : MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT |
                     MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE | MAPFAULT_BACKEND_VISITOR_WRITES;
  if ((b.flags & ~known_flags) != 0) {
    *error = absl::StrCat("backend '", id, "' has unknown flags 0x",
                          absl::Hex(b.flags & ~known_flags),
                          "; use only the MAPFAULT_BACKEND_* flags of plugin ABI version ", abi);
    return std::nullopt;
  }
  BackendInfo info;
  info.id = id;
  info.description = b.description;
  if (!ParseClaims(b.claims, id, "claims", info.claims, error)) return std::nullopt;
  info.duplicate_allows_reinsert = (b.flags & MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT) != 0;
  if (abi == 1) {
    // ABI v1 cannot report what became of an erase-this: it "may have removed" (DESIGN.md section
    // 12); it has no visitor writes, thread hooks or conditional contract.
    info.erase_this_may_decline = true;
  } else if (!AdaptV2(b, id, info, error)) {
    return std::nullopt;
  }
  const mapfault_backend* ops = &b;
  auto factory = [ops, path]() -> std::unique_ptr<AnyMap> {
    return std::make_unique<PluginMap>(ops, path.get());
  };
  if (b.modes & MAPFAULT_MODE_CONTROLLED) info.make_controlled = factory;
  if (b.modes & MAPFAULT_MODE_PERTURBED) info.make_real = factory;
  info.plugin_path = *path;
  return info;
}

// Who registered `info`, for a duplicate-id message.
std::string Owner(const BackendInfo& info) {
  return info.plugin_path.empty() ? "a built-in backend"
                                  : absl::StrCat("plugin ", info.plugin_path);
}

// Opens the plugin library and checks its entry point and ABI version; on success `handle` stays
// open (for the life of the process once its backends register).
// The plugin's optional options (MAPFAULT_PLUGIN_OPTIONS_SYMBOL), read up to their declared size.
struct PluginOptions {
  bool load_in_workers = false;
  std::vector<std::string> misuse_patterns;
};

absl::StatusOr<PluginOptions> ReadOptions(const std::string& prefix, void* handle) {
  PluginOptions options;
  dlerror();
  const auto* o = static_cast<const mapfault_plugin_options*>(
      dlsym(handle, MAPFAULT_PLUGIN_OPTIONS_SYMBOL));
  if (o == nullptr) return options;
  if (o->size < offsetof(mapfault_plugin_options, flags) + sizeof o->flags) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, MAPFAULT_PLUGIN_OPTIONS_SYMBOL " has size ", o->size,
        "; set it to sizeof(struct mapfault_plugin_options)"));
  }
  if ((o->flags & ~MAPFAULT_PLUGIN_LOAD_IN_WORKERS) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, MAPFAULT_PLUGIN_OPTIONS_SYMBOL " has unknown flags 0x",
        absl::Hex(o->flags & ~MAPFAULT_PLUGIN_LOAD_IN_WORKERS),
        "; use only the MAPFAULT_PLUGIN_* flags"));
  }
  options.load_in_workers = (o->flags & MAPFAULT_PLUGIN_LOAD_IN_WORKERS) != 0;
  if (o->size >= offsetof(mapfault_plugin_options, misuse_stderr_patterns) +
                     sizeof o->misuse_stderr_patterns &&
      o->misuse_stderr_patterns != nullptr) {
    for (const char* const* p = o->misuse_stderr_patterns; *p != nullptr; ++p) {
      if ((*p)[0] == '\0') {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "an empty string in misuse_stderr_patterns would match every line; remove it"));
      }
      options.misuse_patterns.emplace_back(*p);
    }
  }
  return options;
}

absl::StatusOr<const mapfault_plugin*> OpenPlugin(const std::string& prefix,
                                                  const std::string& canonical, void*& handle) {
  handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "cannot load it as a shared library (",
        reason != nullptr ? reason : "unknown error",
        "); build it as a MODULE library against find_package(mapfault) on this platform"));
  }
  auto refuse = [&](absl::Status status) {
    dlclose(handle);
    handle = nullptr;
    return status;
  };
  dlerror();
  void* symbol = dlsym(handle, MAPFAULT_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return refuse(absl::InvalidArgumentError(absl::StrCat(
        prefix, "does not export " MAPFAULT_PLUGIN_ENTRY_SYMBOL
                "; define it with MAPFAULT_PLUGIN(...) from <mapfault/plugin.h>, or as an extern "
                "\"C\" function with default visibility (<mapfault/plugin_abi.h>)")));
  }
  const auto entry = reinterpret_cast<mapfault_plugin_entry_fn>(symbol);
  const mapfault_plugin* plugin = entry(&kHost);
  // A version 1 plugin only uses a host of its own version: it gets the same table labelled 1.
  if (plugin != nullptr && plugin->abi_version == 1) plugin = entry(&kHostV1);
  if (plugin == nullptr) {
    return refuse(
        absl::InvalidArgumentError(absl::StrCat(
            prefix,
            MAPFAULT_PLUGIN_ENTRY_SYMBOL "() returned NULL (the plugin refused this mapfault, "
                                         "plugin ABI version ",
            MAPFAULT_PLUGIN_ABI_VERSION, "); rebuild it against this mapfault's headers")));
  }
  if (plugin->abi_version < MAPFAULT_PLUGIN_ABI_VERSION_OLDEST ||
      plugin->abi_version > MAPFAULT_PLUGIN_ABI_VERSION) {
    const bool older = plugin->abi_version < MAPFAULT_PLUGIN_ABI_VERSION_OLDEST;
    return refuse(absl::FailedPreconditionError(absl::StrCat(
        prefix, "built for plugin ABI version ", plugin->abi_version, ", ",
        older ? "older than the oldest this mapfault loads, " : "newer than this mapfault's ",
        "version ", older ? MAPFAULT_PLUGIN_ABI_VERSION_OLDEST : MAPFAULT_PLUGIN_ABI_VERSION,
        older ? "; rebuild the plugin against this mapfault's installed headers "
                "(find_package(mapfault))"
              : "; upgrade mapfault, or rebuild the plugin against this mapfault's installed "
                "headers")));
  }
  if (plugin->backend_count == 0 || plugin->backends == nullptr) {
    return refuse(absl::InvalidArgumentError(absl::StrCat(
        prefix, "declares no backends; list at least one in its struct mapfault_plugin")));
  }

  return plugin;
}

// The plugin's backends as BackendInfo, each id unique in the plugin and not yet registered.
absl::StatusOr<std::vector<BackendInfo>> AdaptBackends(
    const mapfault_plugin& plugin, const std::shared_ptr<const std::string>& canonical,
    const BackendRegistry& registry, const std::string& prefix) {
  std::vector<BackendInfo> infos;
  const mapfault_backend* backends =
      plugin.abi_version == 1 ? UpgradeV1Backends(plugin) : plugin.backends;
  for (size_t i = 0; i < plugin.backend_count; ++i) {
    std::string error;
    std::optional<BackendInfo> info =
        Adapt(backends[i], plugin.abi_version, i, plugin.backend_count, canonical, &error);
    if (!info) return absl::InvalidArgumentError(absl::StrCat(prefix, error));
    for (const BackendInfo& earlier : infos) {
      if (earlier.id == info->id) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "backend id '", info->id, "' appears twice; give every backend a unique id"));
      }
    }
    if (const BackendInfo* taken = registry.Find(info->id)) {
      return absl::AlreadyExistsError(absl::StrCat(prefix, "backend id '", info->id,
                                                   "' is already taken by ", Owner(*taken),
                                                   "; rename the plugin's backend"));
    }
    infos.push_back(*std::move(info));
  }
  return infos;
}

}  // namespace

namespace {

// A factory for a MAPFAULT_PLUGIN_LOAD_IN_WORKERS backend: loads the plugin into a registry of the
// calling process on first use (in a worker, after the fork) and makes the map from there. The
// process that registered the backend (the supervisor, `host_pid`) must never load the plugin.
std::function<std::unique_ptr<AnyMap>()> InWorkerFactory(std::string path, std::string id,
                                                         bool controlled, pid_t host_pid) {
  return [path = std::move(path), id = std::move(id), controlled,
          host_pid]() -> std::unique_ptr<AnyMap> {
    if (getpid() == host_pid) {
      std::fprintf(stderr,
                   "mapfault: plugin %s: backend '%s' loads only in worker processes "
                   "(MAPFAULT_PLUGIN_LOAD_IN_WORKERS) and was asked for a map in mapfault's own "
                   "process; run it through a worker\n",
                   path.c_str(), id.c_str());
      std::abort();
    }
    static BackendRegistry* local = new BackendRegistry();  // this process's copy of the plugin
    const BackendInfo* b = local->Find(id);
    if (b == nullptr) {
      if (absl::Status s = LoadPluginInProcess(path, *local); !s.ok()) {
        std::fprintf(stderr, "mapfault: loading a plugin in a worker failed: %s\n",
                     std::string(s.message()).c_str());
        std::abort();
      }
      b = local->Find(id);
    }
    if (b == nullptr || !(controlled ? b->make_controlled : b->make_real)) {
      std::fprintf(stderr, "mapfault: plugin %s no longer has backend '%s' in this mode\n",
                   path.c_str(), id.c_str());
      std::abort();
    }
    return controlled ? b->make_controlled() : b->make_real();
  };
}

}  // namespace

absl::Status LoadPlugin(const std::string& path, BackendRegistry& registry,
                        std::vector<std::string>* loaded_ids) {
  absl::StatusOr<PluginProbe> probe = ProbePlugin(path, registry);
  if (!probe.ok()) return probe.status();
  if (!probe->load_in_workers) return LoadPluginInProcess(path, registry, loaded_ids);
  // Never dlopen()ed here: registered from the probe's answer, loaded by each worker.
  for (const BackendInfo& described : probe->backends) {
    if (registry.Find(described.id) != nullptr) {
      if (registry.Find(described.id)->plugin_path == described.plugin_path) continue;  // again
      return absl::AlreadyExistsError(absl::StrCat("plugin ", path, ": backend id '",
                                                   described.id, "' is already taken"));
    }
  }
  for (BackendInfo info : probe->backends) {
    const std::string id = info.id;
    if (registry.Find(id) == nullptr) {
      if (info.make_controlled) info.make_controlled = InWorkerFactory(info.plugin_path, id, true, getpid());
      if (info.make_real) info.make_real = InWorkerFactory(info.plugin_path, id, false, getpid());
      if (absl::Status s = registry.Register(std::move(info)); !s.ok()) {
        return absl::InternalError(absl::StrCat("plugin ", path, ": ", s.message()));
      }
    }
    if (loaded_ids != nullptr) loaded_ids->push_back(id);
  }
  return absl::OkStatus();
}

absl::Status LoadPluginInProcess(const std::string& path, BackendRegistry& registry,
                                 std::vector<std::string>* loaded_ids) {
  const std::string prefix = absl::StrCat("plugin ", path, ": ");
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(prefix,
                                            "no such file; pass the path of a built plugin "
                                            "library, e.g. ./build/libmy_map.so"));
  }
  if (fs::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "is a directory; pass a plugin library in it, or list the directory in ",
        kPluginPathEnv));
  }
  fs::path resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) resolved = fs::absolute(path);
  const auto canonical = std::make_shared<const std::string>(resolved.string());

  // The same file again: report what it registered before.
  std::vector<std::string> already;
  for (const BackendInfo* b : registry.Listed()) {
    if (b->plugin_path == *canonical) already.push_back(b->id);
  }
  if (!already.empty()) {
    if (loaded_ids != nullptr)
      loaded_ids->insert(loaded_ids->end(), already.begin(), already.end());
    return absl::OkStatus();
  }

  void* handle = nullptr;
  absl::StatusOr<const mapfault_plugin*> plugin = OpenPlugin(prefix, *canonical, handle);
  if (!plugin.ok()) return plugin.status();
  absl::StatusOr<std::vector<BackendInfo>> infos =
      AdaptBackends(**plugin, canonical, registry, prefix);
  if (!infos.ok()) {
    dlclose(handle);
    return infos.status();
  }
  const absl::StatusOr<PluginOptions> options = ReadOptions(prefix, handle);
  if (!options.ok()) {
    dlclose(handle);
    return options.status();
  }
  for (BackendInfo& info : *infos) {
    info.misuse_patterns = options->misuse_patterns;
    info.load_in_workers = options->load_in_workers;
  }
  for (BackendInfo& info : *infos) {
    const std::string id = info.id;
    if (absl::Status s = registry.Register(std::move(info)); !s.ok()) {
      return absl::InternalError(absl::StrCat(prefix, s.message()));  // checked above
    }
    if (loaded_ids != nullptr) loaded_ids->push_back(id);
  }
  return absl::OkStatus();  // the library stays loaded for the life of the process
}

absl::Status LoadPluginsFromPath(const char* env_value, BackendRegistry& registry,
                                 std::vector<std::string>* loaded_ids) {
  if (env_value == nullptr) return absl::OkStatus();
  for (absl::string_view dir : absl::StrSplit(env_value, ':', absl::SkipEmpty())) {
    std::error_code ec;
    if (!fs::is_directory(fs::path(std::string(dir)), ec)) {
      return absl::InvalidArgumentError(absl::StrCat(kPluginPathEnv, " entry '", dir,
                                                     "' is not a directory; create it or remove it "
                                                     "from ",
                                                     kPluginPathEnv));
    }
    std::vector<std::string> libraries;
    for (const fs::directory_entry& e : fs::directory_iterator(std::string(dir), ec)) {
      const std::string name = e.path().filename().string();
      if (name.size() > 6 && name.starts_with("lib") && name.ends_with(".so") &&
          e.is_regular_file(ec)) {
        libraries.push_back(e.path().string());
      }
    }
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat(kPluginPathEnv, " entry '", dir, "' cannot be read: ", ec.message()));
    }
    std::sort(libraries.begin(), libraries.end());
    for (const std::string& library : libraries) {
      if (absl::Status s = LoadPlugin(library, registry, loaded_ids); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace mapfault
