/* mapfault plugin ABI: the C interface between mapfault (the host) and a map backend built as a
 * shared library (a plugin). Pure C; usable from C and C++. C++ authors normally use the helper
 * <mapfault/plugin.h>, which fills these tables from a map class and a one-line macro.
 *
 * Loading. The host dlopen()s the library (RTLD_NOW | RTLD_LOCAL), looks up the one exported symbol
 * MAPFAULT_PLUGIN_ENTRY_SYMBOL and calls it once with the host's callback table. The entry point
 * returns a static table describing one or more backends. The host never unloads a plugin.
 *
 * Rules (a plugin that breaks them is refused at load time or has undefined behaviour):
 * - Versioning. Both tables start with `abi_version`; the host refuses a plugin whose version is
 *   not exactly the host's MAPFAULT_PLUGIN_ABI_VERSION (older or newer: rebuild the plugin against
 *   the installed headers). A plugin must not call the host's callbacks when host->abi_version
 *   differs from its own, but should still return its table so the host can name the mismatch.
 * - Ownership. Every string (ids, descriptions, claims, plugin name, trace labels) and every table
 *   returned by the entry point is static: it must stay valid and unchanged while the library is
 *   loaded. A map returned by create() belongs to the host until it passes it to destroy(). Mutexes
 *   made by the host's mutex_create() belong to the plugin until it passes them to *_destroy().
 * - No exceptions, longjmp or C++ types cross this interface, in either direction. A C++ plugin
 *   must catch everything inside each operation (the helper turns an escaped exception into
 *   fatal_error()). The host's callbacks never throw.
 * - Threads. In controlled mode, the logical threads of a trial are fibers on ONE OS thread, run
 *   one at a time; they interleave only inside the host's callbacks (yield, atomic_point, every
 *   mutex operation). A plugin must therefore synchronise only through the host's primitives: an OS
 *   mutex held across a host callback deadlocks the whole trial, and thread-local storage or thread
 *   ids do not tell logical threads apart. In perturbed mode (real threads) the same callbacks map
 *   to real primitives, and operations may run concurrently on several OS threads.
 * - Operations may be called on a map concurrently exactly as the backend's contract allows for
 *   users; making them safe (or demonstrably unsafe) is the backend's business, not the host's.
 * - for_each calls visit(ctx, key, value) on the calling thread, once per entry shown, and only
 *   until for_each returns. visit never calls back into the map. Its result asks the map to go on
 *   (MAPFAULT_VISIT_CONTINUE), erase the entry just shown (MAPFAULT_VISIT_ERASE_THIS; only asked
 *   when iter_kind is MAPFAULT_ITER_MAY_ERASE) or stop (MAPFAULT_VISIT_STOP).
 * - When a controlled trial ends early (deadlock, step bound), operations still suspended inside a
 *   host callback are resumed with every host callback a no-op (locks are granted at once, yields
 *   do not switch), so they can return; then the map is destroyed. Do not spin forever waiting for
 *   another thread: the watchdog ends such a worker.
 */
#ifndef MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_
#define MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#define MAPFAULT_PLUGIN_ABI_VERSION 1u
/* The one symbol a plugin exports (see mapfault_plugin_entry below). */
#define MAPFAULT_PLUGIN_ENTRY_SYMBOL "mapfault_plugin_entry"

#if defined(_WIN32)
#define MAPFAULT_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MAPFAULT_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Execution modes a backend supports (mapfault_backend.modes). */
#define MAPFAULT_MODE_CONTROLLED 1u /* fibers under mapfault's scheduler: needs the host's sync */
#define MAPFAULT_MODE_PERTURBED 2u  /* real OS threads with injected delays */

/* Backend flags (mapfault_backend.flags). */
/* Contract relaxation: an iteration may yield a key twice if it was erased and re-inserted in
 * between (Go's spec allows it); iter.no-duplicate is then judged accordingly. */
#define MAPFAULT_BACKEND_DUPLICATE_ALLOWS_REINSERT 1u

/* for_each iteration kinds: may the visitor ask to erase? */
#define MAPFAULT_ITER_READ_ONLY 0
#define MAPFAULT_ITER_MAY_ERASE 1

/* Visitor results. */
#define MAPFAULT_VISIT_CONTINUE 0
#define MAPFAULT_VISIT_ERASE_THIS 1
#define MAPFAULT_VISIT_STOP 2

/* Host-owned synchronisation objects, opaque to the plugin. */
typedef struct mapfault_mutex mapfault_mutex;
typedef struct mapfault_shared_mutex mapfault_shared_mutex;

/* The host's callbacks, passed to the entry point; valid for the life of the process. `label`
 * arguments are static strings shown in interleaving traces ("mytable.insert: after lookup"). In
 * controlled mode every call below except the create/destroy functions is a scheduling point. */
struct mapfault_host {
  uint32_t abi_version; /* the host's MAPFAULT_PLUGIN_ABI_VERSION */
  /* An explicit scheduling point (controlled) or perturbation point (perturbed). */
  void (*yield)(const char* label);
  /* A scheduling point that stands for an atomic operation; the plugin performs the operation
   * itself right after it returns (no other logical thread runs in between in controlled mode). */
  void (*atomic_point)(const char* label);

  mapfault_mutex* (*mutex_create)(void);
  void (*mutex_destroy)(mapfault_mutex* mutex);
  void (*mutex_lock)(mapfault_mutex* mutex, const char* label);
  int (*mutex_try_lock)(mapfault_mutex* mutex, const char* label); /* 1 acquired, 0 busy */
  void (*mutex_unlock)(mapfault_mutex* mutex, const char* label);

  mapfault_shared_mutex* (*shared_mutex_create)(void);
  void (*shared_mutex_destroy)(mapfault_shared_mutex* mutex);
  void (*shared_mutex_lock)(mapfault_shared_mutex* mutex, const char* label);
  void (*shared_mutex_unlock)(mapfault_shared_mutex* mutex, const char* label);
  void (*shared_mutex_lock_shared)(mapfault_shared_mutex* mutex, const char* label);
  void (*shared_mutex_unlock_shared)(mapfault_shared_mutex* mutex, const char* label);

  /* The backend detected misuse itself, like Go's "fatal error: concurrent map writes": records the
   * message for the misuse-detected invariant and aborts the worker. Does not return. */
  void (*report_misuse)(const char* message);
  /* An internal error of the plugin (e.g. an exception escaped an operation): prints
   * "mapfault: plugin error: <message>" and aborts the worker (a no-crash failure). Does not
   * return. */
  void (*fatal_error)(const char* message);
};

/* A for_each visitor: returns MAPFAULT_VISIT_CONTINUE, _ERASE_THIS or _STOP. */
typedef int (*mapfault_visit_fn)(void* ctx, int64_t key, int64_t value);

/* One backend: its contract and its operations. Every field must be set (non-NULL). */
struct mapfault_backend {
  const char* id;          /* unique among all backends, built-in ones included: "my_map" */
  const char* description; /* one line for `mapfault list` */
  uint32_t modes;          /* MAPFAULT_MODE_* bits; at least one */
  uint32_t flags;          /* MAPFAULT_BACKEND_* bits */
  /* The invariants the backend's concurrency contract claims, as a NULL-terminated array of ids:
   * "no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
   * "iter.no-phantom", "iter.value-valid", "iter.erase-honoured", "check-then-act", "size-bounds",
   * "quiescent-state", "misuse-detected" (`mapfault list invariants`). An unknown id is refused. */
  const char* const* claims;

  void* (*create)(void);                                /* a new empty map; never NULL */
  void (*destroy)(void* map);
  int (*insert)(void* map, int64_t key, int64_t value); /* 1 inserted, 0 key already present */
  void (*assign)(void* map, int64_t key, int64_t value); /* insert or overwrite */
  int (*erase)(void* map, int64_t key);                 /* 1 erased, 0 absent */
  int (*find)(void* map, int64_t key, int64_t* value_out); /* 1 found (*value_out set), 0 absent */
  uint64_t (*size)(void* map);
  void (*clear)(void* map);
  /* Shows entries to `visit` (see the rules above); iter_kind is MAPFAULT_ITER_*. */
  void (*for_each)(void* map, int iter_kind, mapfault_visit_fn visit, void* ctx);
};

/* What the entry point returns. */
struct mapfault_plugin {
  uint32_t abi_version;  /* MAPFAULT_PLUGIN_ABI_VERSION the plugin was built with; always first */
  const char* plugin_name;
  size_t backend_count;  /* at least 1 */
  const struct mapfault_backend* backends;
};

/* The entry point every plugin exports (C linkage, default visibility). Called from the host's main
 * thread, before any worker is forked, at least once per load (every call must return the same
 * static table); returns NULL to refuse the host. */
MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin* mapfault_plugin_entry(
    const struct mapfault_host* host);

typedef const struct mapfault_plugin* (*mapfault_plugin_entry_fn)(const struct mapfault_host* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_ */
