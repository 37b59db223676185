/* A test plugin with mapfault_plugin_options (include/mapfault/plugin_abi.h), in plain C. Its map
 * (keys 0..1023 in an array behind a pthread mutex, perturbed mode only) is correct except that an
 * erase is a "library assertion": it prints "testlib: assertion failed: erase during a trial" on
 * stderr and exits with status 3, like a runtime that ends the process itself (Go's fatal error).
 * OPTIONS_GOOD declares that line as a misuse pattern and MAPFAULT_PLUGIN_LOAD_IN_WORKERS;
 * OPTIONS_BAD_FLAGS and OPTIONS_EMPTY_PATTERN are refused. */
#include <mapfault/plugin_abi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SLOTS 1024

struct Map {
  pthread_mutex_t mu;
  int present[SLOTS];
  int64_t value[SLOTS];
};

static int InRange(int64_t k) { return k >= 0 && k < SLOTS; }

static void* Create(void) {
  struct Map* m = calloc(1, sizeof(struct Map));
  pthread_mutex_init(&m->mu, NULL);
  return m;
}
static void Destroy(void* map) {
  pthread_mutex_destroy(&((struct Map*)map)->mu);
  free(map);
}
static int Insert(void* map, int64_t k, int64_t v) {
  struct Map* m = map;
  int inserted = 0;
  pthread_mutex_lock(&m->mu);
  if (InRange(k) && !m->present[k]) {
    m->present[k] = 1;
    m->value[k] = v;
    inserted = 1;
  }
  pthread_mutex_unlock(&m->mu);
  return inserted;
}
static void Assign(void* map, int64_t k, int64_t v) {
  struct Map* m = map;
  pthread_mutex_lock(&m->mu);
  if (InRange(k)) {
    m->present[k] = 1;
    m->value[k] = v;
  }
  pthread_mutex_unlock(&m->mu);
}
static int Erase(void* map, int64_t k) {
  (void)map, (void)k;
  static const char kMessage[] = "testlib: assertion failed: erase during a trial\n";
  if (write(STDERR_FILENO, kMessage, sizeof kMessage - 1) < 0) _exit(4);
  _exit(3);
}
static int Find(void* map, int64_t k, int64_t* out) {
  struct Map* m = map;
  int found = 0;
  pthread_mutex_lock(&m->mu);
  if (InRange(k) && m->present[k]) {
    *out = m->value[k];
    found = 1;
  }
  pthread_mutex_unlock(&m->mu);
  return found;
}
static uint64_t Size(void* map) {
  struct Map* m = map;
  uint64_t n = 0;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < SLOTS; ++i) n += (uint64_t)m->present[i];
  pthread_mutex_unlock(&m->mu);
  return n;
}
static void Clear(void* map) {
  struct Map* m = map;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < SLOTS; ++i) m->present[i] = 0;
  pthread_mutex_unlock(&m->mu);
}
static void ForEach(void* map, int kind, mapfault_visit_fn visit, void* ctx) {
  struct Map* m = map;
  pthread_mutex_lock(&m->mu);
  for (int i = 0; i < SLOTS; ++i) {
    if (!m->present[i]) continue;
    const int action = visit(ctx, i, m->value[i]);
    if (action == MAPFAULT_VISIT_ERASE_THIS && kind == MAPFAULT_ITER_MAY_ERASE) Erase(map, i);
    if (action == MAPFAULT_VISIT_STOP) break;
  }
  pthread_mutex_unlock(&m->mu);
}

static const char* const kClaims[] = {"no-crash", "no-hang", NULL};
static const struct mapfault_backend kBackends[] = {
    {"test.options", "TEST PLUGIN: an erase is a library assertion that exits", MAPFAULT_MODE_PERTURBED,
     0, kClaims, Create, Destroy, Insert, Assign, Erase, Find, Size, Clear, ForEach, NULL, NULL, 0,
     NULL}};
static const struct mapfault_plugin kPlugin = {MAPFAULT_PLUGIN_ABI_VERSION, "test_options", 1,
                                               kBackends};

const struct mapfault_plugin* mapfault_plugin_entry(const struct mapfault_host* host) {
  (void)host;
  return &kPlugin;
}

#if defined(OPTIONS_EMPTY_PATTERN)
static const char* const kPatterns[] = {"testlib: assertion failed", "", NULL};
#else
static const char* const kPatterns[] = {"testlib: assertion failed", NULL};
#endif
#if defined(OPTIONS_BAD_FLAGS)
#define OPTION_FLAGS (MAPFAULT_PLUGIN_LOAD_IN_WORKERS | 8u)
#else
#define OPTION_FLAGS MAPFAULT_PLUGIN_LOAD_IN_WORKERS
#endif
MAPFAULT_PLUGIN_EXPORT const struct mapfault_plugin_options mapfault_plugin_options = {
    sizeof(struct mapfault_plugin_options), OPTION_FLAGS, kPatterns};
