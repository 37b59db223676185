// The built-in backends and the process-wide backend registry. The engine defines what a backend is
// (engine/backend.h); maps/ defines which ones exist, so the registry of built-ins lives here, one
// stage above the engine.
#ifndef MAPFAULT_MAPS_BUILTIN_BACKENDS_H_
#define MAPFAULT_MAPS_BUILTIN_BACKENDS_H_

#include "harness/engine/backend.h"

namespace mapfault {

// Registers mapfault's built-in backends (white-box, black-box and mutants) in `registry`.
void RegisterBuiltinBackends(BackendRegistry& registry);

// The process-wide registry: the built-in backends, plus the plugins loaded into it.
BackendRegistry& GlobalBackends();

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_BUILTIN_BACKENDS_H_
