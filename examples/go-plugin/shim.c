/* The C half of the Go plugin: cgo cannot export function pointers or static tables, so this file
 * defines the mapfault_backend table (include/mapfault/plugin_abi.h), the entry point and the
 * plugin options, and forwards every operation to a function exported by mapfault_go.go.
 * Every backend is black box (MAPFAULT_MODE_PERTURBED): Go's own scheduler and map iteration order
 * are out of mapfault's reach. The contracts are explained in mapfault_go.go and README.md. */
#include <stdint.h>
#include <stddef.h>

#include "mapfault/plugin_abi.h"
#include "_cgo_export.h"

/* Called from Go: Go cannot call a C function pointer itself. */
int mfgo_call_visit(mapfault_visit_fn visit, void* ctx, int64_t key, int64_t value) {
  return visit(ctx, key, value);
}

static const struct mapfault_host* host;

void mfgo_erase_result(void* ctx, int64_t key, int erased) {
  if (host != NULL && host->abi_version >= 2 && host->visit_erase_result != NULL) {
    host->visit_erase_result(ctx, key, erased);
  }
}

/* One set of C trampolines per backend kind: `kind` selects the Go implementation. */
#define MFGO_OPS(name, kind)                                                                    \
  static void* name##_create(void) { return (void*)(uintptr_t)mfgoCreate(kind); }              \
  static void name##_destroy(void* m) { mfgoDestroy((uintptr_t)m); }                           \
  static int name##_insert(void* m, int64_t k, int64_t v) { return mfgoInsert((uintptr_t)m, k, v); } \
  static void name##_assign(void* m, int64_t k, int64_t v) { mfgoAssign((uintptr_t)m, k, v); } \
  static int name##_erase(void* m, int64_t k) { return mfgoErase((uintptr_t)m, k); }           \
  static int name##_find(void* m, int64_t k, int64_t* out) {                                   \
    return mfgoFind((uintptr_t)m, k, out);                                                     \
  }                                                                                            \
  static uint64_t name##_size(void* m) { return mfgoSize((uintptr_t)m); }                      \
  static void name##_clear(void* m) { mfgoClear((uintptr_t)m); }                               \
  static void name##_for_each(void* m, int kind_, mapfault_visit_fn visit, void* ctx) {        \
    mfgoForEach((uintptr_t)m, kind_, visit, ctx);                                              \
  }

/* Kinds: keep in step with the constants in mapfault_go.go. */
MFGO_OPS(plain, 0)
MFGO_OPS(rwmutex, 1)
MFGO_OPS(mutex_dir, 2)
MFGO_OPS(sync_map, 3)

#define MFGO_TABLE(name)                                                                       \
  name##_create, name##_destroy, name##_insert, name##_assign, name##_erase, name##_find,      \
      name##_size, name##_clear, name##_for_each, NULL, NULL

static const char* const kAllSafe[] = {
    "no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
    "iter.no-phantom", "iter.value-valid", "iter.erase-honoured", "check-then-act",
    "size-bounds", "quiescent-state", NULL};
static const char* const kNothing[] = {NULL};
/* go.map_rwmutex: the collected keys are deleted after the loop, whatever they hold by then. */
static const char* const kRwMutexClaims[] = {
    "no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
    "iter.no-phantom", "iter.value-valid", "iter.erase-honoured", "size-bounds",
    "quiescent-state", NULL};
/* go.sync_map: Range is no snapshot; size and clear are Range loops, not atomic. */
static const char* const kSyncMapClaims[] = {
    "no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
    "iter.no-phantom", "iter.value-valid", "iter.erase-honoured", "quiescent-state", NULL};
static const char* const kSyncMapIfUnsafe[] = {
    "no-crash", "no-hang", "iter.no-duplicate", "iter.no-missed-stable", "iter.no-phantom",
    "iter.value-valid", "iter.erase-honoured", "quiescent-state", NULL};

static const struct mapfault_backend kBackends[] = {
    {"go.map",
     "Go map[int64]int64, no synchronisation (Go runtime's concurrent-misuse check is the detector)",
     MAPFAULT_MODE_PERTURBED,
     MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT | MAPFAULT_BACKEND_VISITOR_WRITES, kAllSafe,
     MFGO_TABLE(plain),
     /* Go spec / FAQ: a map is not safe for concurrent use when any goroutine writes. */
     MAPFAULT_UNSAFE_INSERT | MAPFAULT_UNSAFE_ASSIGN | MAPFAULT_UNSAFE_ERASE | MAPFAULT_UNSAFE_CLEAR |
         MAPFAULT_UNSAFE_ERASE_THIS,
     kNothing},
    {"go.map_rwmutex",
     "Go map + sync.RWMutex: range under RLock, erase-this collected and deleted under Lock after "
     "the loop",
     MAPFAULT_MODE_PERTURBED, MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE, kRwMutexClaims,
     MFGO_TABLE(rwmutex), 0, NULL},
    {"go.map_mutex_delete_in_range",
     "Go map + sync.Mutex held across a range that deletes (legal in Go)",
     MAPFAULT_MODE_PERTURBED, MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT, kAllSafe,
     MFGO_TABLE(mutex_dir), 0, NULL},
    {"go.sync_map",
     "Go sync.Map: Range, Delete, LoadOrStore, Store, LoadAndDelete (size and clear via Range)",
     MAPFAULT_MODE_PERTURBED,
     MAPFAULT_BACKEND_VISITOR_WRITES | MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE, kSyncMapClaims, MFGO_TABLE(sync_map),
     MAPFAULT_UNSAFE_SIZE | MAPFAULT_UNSAFE_CLEAR, kSyncMapIfUnsafe},
};

static const struct mapfault_plugin kPlugin = {
    MAPFAULT_PLUGIN_ABI_VERSION, "mapfault_go", sizeof kBackends / sizeof kBackends[0], kBackends};

MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin* mapfault_plugin_entry(
    const struct mapfault_host* h) {
  host = h;
  return &kPlugin;
}

/* The Go runtime's fatal errors for concurrent map misuse (runtime/map*.go: throw(...)): the
 * runtime prints "fatal error: <message>" and exits with status 2. */
static const char* const kMisusePatterns[] = {
    "fatal error: concurrent map iteration and map write",
    "fatal error: concurrent map writes",
    "fatal error: concurrent map read and map write",
    NULL};

/* The Go runtime starts its threads when the library is loaded: load it only in workers. */
MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin_options mapfault_plugin_options = {
    sizeof(struct mapfault_plugin_options), MAPFAULT_PLUGIN_LOAD_IN_WORKERS, kMisusePatterns};
