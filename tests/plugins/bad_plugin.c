/* Deliberately broken test plugins, in plain C (which also proves <mapfault/plugin_abi.h> is C).
 * Each build defines one BAD_* macro; the loader must refuse the result with a clear message
 * (BAD_V2_*: bad ABI v2 fields). The
 * CRASH_* ones die while loading (the probe must survive them): CRASH_ABORT and CRASH_SEGV in
 * mapfault_plugin_entry, CRASH_EXIT0 in a constructor, CRASH_HANG in mapfault_plugin_entry. */
#include <mapfault/plugin_abi.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(CRASH_EXIT0)
__attribute__((constructor)) static void ExitWhileLoading(void) { exit(0); }
#endif

/* Dies (or hangs) as its CRASH_* macro says; nothing without one. */
__attribute__((unused)) static void Misbehave(void) {
#if defined(CRASH_ABORT)
  abort();
#elif defined(CRASH_SEGV)
  raise(SIGSEGV);
#elif defined(CRASH_HANG)
  for (;;) pause();
#endif
}

/* Stub operations: a refused plugin's operations are never called. */
static void* Create(void) { return calloc(1, 1); }
static void Destroy(void* map) { free(map); }
static int Insert(void* map, int64_t key, int64_t value) {
  (void)map, (void)key, (void)value;
  return 0;
}
static void Assign(void* map, int64_t key, int64_t value) { (void)map, (void)key, (void)value; }
static int Erase(void* map, int64_t key) {
  (void)map, (void)key;
  return 0;
}
static int Find(void* map, int64_t key, int64_t* out) {
  (void)map, (void)key, (void)out;
  return 0;
}
static uint64_t Size(void* map) {
  (void)map;
  return 0;
}
static void Clear(void* map) { (void)map; }
static void ForEach(void* map, int kind, mapfault_visit_fn visit, void* ctx) {
  (void)map, (void)kind, (void)visit, (void)ctx;
}

#if defined(BAD_UNKNOWN_INVARIANT)
static const char* const kClaims[] = {"no-crash", "linearisable", NULL};
#else
static const char* const kClaims[] = {"no-crash", "no-hang", NULL};
#endif

#define BACKEND(id, erase) \
  { id, "TEST PLUGIN: broken", MAPFAULT_MODE_CONTROLLED, 0, kClaims, Create, Destroy, Insert, \
    Assign, erase, Find, Size, Clear, ForEach, NULL, NULL, 0, NULL }
/* The ABI v2 fields: flags, unsafe_concurrent_ops and claims_if_unsafe. */
#define BACKEND_V2(flags, unsafe, if_unsafe) \
  { "bad.v2", "TEST PLUGIN: broken", MAPFAULT_MODE_CONTROLLED, flags, kClaims, Create, Destroy, \
    Insert, Assign, Erase, Find, Size, Clear, ForEach, NULL, NULL, unsafe, if_unsafe }

#if defined(BAD_V2_UNKNOWN_IF_UNSAFE)
static const char* const kUnknownIfUnsafe[] = {"no-crash", "no-hangs", NULL};
#elif defined(BAD_V2_IF_UNSAFE_UNCLAIMED)
static const char* const kUnclaimedIfUnsafe[] = {"no-crash", "linearizable", NULL};
#endif

static const struct mapfault_backend kBackends[] = {
#if defined(BAD_V2_UNSAFE_BITS)
    BACKEND_V2(0, MAPFAULT_UNSAFE_CLEAR | (1u << 9), kClaims),
#elif defined(BAD_V2_NULL_IF_UNSAFE)
    BACKEND_V2(0, MAPFAULT_UNSAFE_CLEAR, NULL),
#elif defined(BAD_V2_UNKNOWN_IF_UNSAFE)
    BACKEND_V2(0, MAPFAULT_UNSAFE_CLEAR, kUnknownIfUnsafe),
#elif defined(BAD_V2_IF_UNSAFE_UNCLAIMED)
    BACKEND_V2(0, MAPFAULT_UNSAFE_CLEAR, kUnclaimedIfUnsafe),
#elif defined(BAD_V2_FLAGS)
    BACKEND_V2(MAPFAULT_BACKEND_VISITOR_WRITES | 64u, 0, NULL),
#elif defined(BAD_DUPLICATE_ID)
    BACKEND("bad.first", Erase),
    BACKEND("mutex", Erase), /* a built-in id */
#elif defined(BAD_NULL_OP)
    BACKEND("bad.null_op", NULL),
    BACKEND("bad.second", Erase),
#elif defined(BAD_NULL_ID)
    BACKEND("bad.first", Erase),
    BACKEND(NULL, Erase),
#else
    BACKEND("bad.backend", Erase),
#endif
};

#if defined(BAD_ABI_V0)
#define ABI_VERSION 0u
#elif defined(BAD_ABI_V99)
#define ABI_VERSION 99u
#else
#define ABI_VERSION MAPFAULT_PLUGIN_ABI_VERSION
#endif

#if defined(BAD_NO_BACKENDS)
#define BACKEND_COUNT 0u
#else
#define BACKEND_COUNT (sizeof kBackends / sizeof kBackends[0])
#endif

static const struct mapfault_plugin kPlugin = {ABI_VERSION, "test_bad", BACKEND_COUNT, kBackends};

#if defined(BAD_NO_ENTRY)
/* A plausible mistake: the entry point under another name. */
MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin* mapfault_plugin_main(
    const struct mapfault_host* host) {
  (void)host;
  return &kPlugin;
}
#else
const struct mapfault_plugin* mapfault_plugin_entry(const struct mapfault_host* host) {
  Misbehave();
#if defined(BAD_ENTRY_NULL)
  return host == NULL ? &kPlugin : NULL; /* refuses every host */
#else
  return host != NULL ? &kPlugin : NULL;
#endif
}
#endif
