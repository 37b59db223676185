// The per-thread perturbation hook.
#include "harness/engine/perturbation.h"

namespace mapfault {

namespace perturbation_internal {
constinit thread_local PerturbationHook* current_hook = nullptr;
}  // namespace perturbation_internal

using perturbation_internal::current_hook;

PerturbationScope::PerturbationScope(PerturbationHook* hook) : previous_(current_hook) {
  current_hook = hook;
}

PerturbationScope::~PerturbationScope() { current_hook = previous_; }

}  // namespace mapfault
