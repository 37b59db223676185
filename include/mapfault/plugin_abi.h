/* mapfault plugin ABI: the C interface between mapfault (the host) and a map backend built as a
 * shared library (a plugin). Pure C; usable from C and C++. C++ authors normally use the helper
 * <mapfault/plugin.h>, which fills these tables from a map class and a one-line macro.
 *
 * Loading. The host dlopen()s the library (RTLD_NOW | RTLD_LOCAL), looks up the one exported symbol
 * MAPFAULT_PLUGIN_ENTRY_SYMBOL and calls it once with the host's callback table. The entry point
 * returns a static table describing one or more backends. The host never unloads a plugin.
 *
 * Rules (a plugin that breaks them is refused at load time or has undefined behaviour):
 * - Versioning. Both tables start with `abi_version`. This header is ABI version 2; the host loads
 *   plugins of version 1 and 2 and refuses any other (older or newer: rebuild the plugin against
 *   the installed headers). A plugin must not call the host's callbacks when host->abi_version
 *   differs from its own, but should still return its table so the host can name the mismatch.
 *   How version 1 keeps working (byte for byte): the host first calls the entry point with its
 *   version 2 table; when the plugin answers with a version 1 table, the host calls the entry point
 *   once more with a table labelled version 1 (the same layout: version 2 only appends callbacks),
 *   so a v1 plugin that checks host->abi_version keeps its callbacks. A v1 plugin's backends are
 *   read with the version 1 layout of struct mapfault_backend (the fields up to for_each); the
 *   version 2 fields below are read only from version 2 plugins.
 * - Version 2 adds (see "ABI v2" below): per-thread attach/detach hooks, the erase-this outcome
 *   and read point reports of a for_each, visitor writes, and conditional contracts.
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
 *   until for_each returns. Its result asks the map to go on (MAPFAULT_VISIT_CONTINUE), erase the
 *   entry just shown (MAPFAULT_VISIT_ERASE_THIS; only asked when iter_kind is
 *   MAPFAULT_ITER_MAY_ERASE) or stop (MAPFAULT_VISIT_STOP). visit calls back into the map (insert,
 *   assign or erase of other keys, on the same thread, before it returns) only for a version 2
 *   backend with MAPFAULT_BACKEND_VISITOR_WRITES; otherwise never. The map must then not hold a
 *   lock the visitor's operation would take while it calls visit.
 * - ABI v2 reports of a for_each (optional, each on the thread running for_each, with the `ctx`
 *   for_each received): host->visit_read_point(ctx) right after reading the entry it will show
 *   next, and host->visit_erase_result(ctx, key, erased) once per erase-this, after deciding it
 *   (1 removed, 0 declined because the entry changed or went since it was read; before for_each
 *   returns). A backend that may decline sets MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE: an
 *   erase-this it does not report is then "unknown" (may have removed); without the flag an
 *   unreported erase-this counts as removed. Every erase-this of a version 1 plugin is unknown.
 * - ABI v2 thread hooks: thread_attach(map) runs on every trial thread (every logical thread in
 *   controlled mode, every OS thread in perturbed mode, and the harness's own thread around the
 *   initial inserts and the final checks) before its first operation on that map,
 *   thread_detach(map) after its last; once each per thread per trial. In controlled mode the logical threads share
 *   one OS thread: thread-local storage does not tell them apart, so a backend whose library needs
 *   real per-thread state declares only MAPFAULT_MODE_PERTURBED (a black-box backend).
 * - When a controlled trial ends early (deadlock, step bound), operations still suspended inside a
 *   host callback are resumed with every host callback a no-op (locks are granted at once, yields
 *   do not switch), so they can return; then the map is destroyed. Do not spin forever waiting for
 *   another thread: the watchdog ends such a worker.
 */
#ifndef MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_
#define MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#define MAPFAULT_PLUGIN_ABI_VERSION 2u
/* The oldest plugin ABI version the host still loads (its plugins run unchanged). */
#define MAPFAULT_PLUGIN_ABI_VERSION_OLDEST 1u
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
/* (v2) An erase-this may decline (the entry changed or went since it was read); report each outcome
 * with host->visit_erase_result. */
#define MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE 2u
/* (v2) The visitor may insert, assign or erase other keys through the map during for_each (visitor
 * writes); scenarios with visitor writes are not run on a backend without this flag. */
#define MAPFAULT_BACKEND_VISITOR_WRITES 4u

/* (v2) Conditional contracts (mapfault_backend.unsafe_concurrent_ops): in a trial where some thread
 * runs one of these operations while other threads run (a parallel part of two or more threads),
 * only claims_if_unsafe hold. The same data as the built-in backends' contracts. */
#define MAPFAULT_UNSAFE_INSERT (1u << 0)
#define MAPFAULT_UNSAFE_ASSIGN (1u << 1)
#define MAPFAULT_UNSAFE_ERASE (1u << 2)
#define MAPFAULT_UNSAFE_FIND (1u << 3)
#define MAPFAULT_UNSAFE_SIZE (1u << 4)
#define MAPFAULT_UNSAFE_CLEAR (1u << 5)
#define MAPFAULT_UNSAFE_FOR_EACH (1u << 6)   /* any for_each */
#define MAPFAULT_UNSAFE_ERASE_THIS (1u << 16) /* a for_each whose visitor erases */
/* Any trial with visitor writes, concurrent or not (e.g. a snapshot iteration shows an entry its
 * own visitor erased before reaching it, which Go's rule forbids). */
#define MAPFAULT_UNSAFE_VISITOR_WRITES (1u << 17)

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

  /* --- ABI v2 (present when abi_version >= 2) --- */
  /* The for_each being run (visit_ctx: the ctx for_each received) has just read the entry it will
   * show next: that entry's read window ends here instead of at the visit. */
  void (*visit_read_point)(void* visit_ctx);
  /* What became of the erase-this the visitor asked for on `key` (the latest one without an
   * outcome): 1 removed, 0 declined (the entry changed or went since it was read). */
  void (*visit_erase_result)(void* visit_ctx, int64_t key, int erased);
};

/* A for_each visitor: returns MAPFAULT_VISIT_CONTINUE, _ERASE_THIS or _STOP. */
typedef int (*mapfault_visit_fn)(void* ctx, int64_t key, int64_t value);

/* One backend: its contract and its operations. Every field up to for_each must be set (non-NULL);
 * the ABI v2 fields after it may be NULL / 0. A version 1 plugin's array has the version 1 layout
 * (it ends at for_each); the host reads the v2 fields only from a version 2 plugin. */
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

  /* --- ABI v2 --- */
  /* Per-thread hooks (see the rules above); either may be NULL. */
  void (*thread_attach)(void* map);
  void (*thread_detach)(void* map);
  /* Conditional contract: MAPFAULT_UNSAFE_* bits (0: the claims always hold), and the invariant ids
   * that still hold in a trial where an unsafe operation runs concurrently, as a NULL-terminated
   * array (required when unsafe_concurrent_ops is not 0; each id also in `claims`). */
  uint32_t unsafe_concurrent_ops;
  const char* const* claims_if_unsafe;
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
 * static table); returns NULL to refuse the host. A plugin with MAPFAULT_PLUGIN_LOAD_IN_WORKERS
 * (mapfault_plugin_options below) is loaded, and its entry point called, in the probe's child and
 * in each worker process instead, never in the supervisor. */
MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin* mapfault_plugin_entry(
    const struct mapfault_host* host);

typedef const struct mapfault_plugin* (*mapfault_plugin_entry_fn)(const struct mapfault_host* host);

/* --- Optional plugin options (ABI v2; looked up by name, so older hosts ignore them) ---
 * A plugin may export one `const struct mapfault_plugin_options mapfault_plugin_options` (default
 * visibility). The host reads it when it probes the plugin (in a child process) and, like the
 * backend table, it must be static. Fields are read only up to `size`, so later fields can be
 * appended. */
#define MAPFAULT_PLUGIN_OPTIONS_SYMBOL "mapfault_plugin_options"
/* The plugin must be loaded only in worker processes, after the fork, never in mapfault's own
 * (supervisor) process: e.g. a library that starts threads of its own when loaded (a Go c-shared
 * library starts the Go runtime). The host plans from the probe's answer and each worker loads the
 * plugin before it first creates one of its maps. */
#define MAPFAULT_PLUGIN_LOAD_IN_WORKERS 1u
struct mapfault_plugin_options {
  uint32_t size;  /* sizeof(struct mapfault_plugin_options) as the plugin was built */
  uint32_t flags; /* MAPFAULT_PLUGIN_* bits */
  /* NULL or a NULL-terminated array of substrings: a worker that dies (any signal or exit status)
   * after printing a line containing one of them on stderr detected misuse itself (the
   * misuse-detected invariant, verdict DETECTED, with that line as the message) instead of crashing.
   * E.g. Go's "fatal error: concurrent map writes", or a library's own debug assertion. Applies to
   * every backend of the plugin. */
  const char* const* misuse_stderr_patterns;
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MAPFAULT_INCLUDE_MAPFAULT_PLUGIN_ABI_H_ */
