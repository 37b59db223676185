// Test-only backends.
#include "tests/test_backends.h"

#include <csignal>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"
#include "maps/mutex_map.h"

namespace mapfault::testing {
namespace {

template <class Sync>
class SegfaultOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Insert(Key k, Value v) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) raise(SIGSEGV);
    return MutexMap<Sync>::Insert(k, v);
  }
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) raise(SIGSEGV);
    return MutexMap<Sync>::Erase(k);
  }
};

volatile bool spin_forever = true;

template <class Sync>
class SpinOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) {
      while (spin_forever) {
      }
    }
    return MutexMap<Sync>::Erase(k);
  }
};

constexpr InvariantSet kClaims = {Invariant::kNoCrash, Invariant::kNoHang,
                                  Invariant::kIterNoDuplicate, Invariant::kIterNoMissedStable,
                                  Invariant::kIterNoPhantom};

template <class M>
void RegisterHidden(const char* id, const char* description) {
  BackendInfo info;
  info.id = id;
  info.description = description;
  info.claims = kClaims;
  info.make_controlled = Factory<M>();
  info.listed = false;
  (void)GlobalBackends().Register(std::move(info));  // a repeat call finds it registered
}

}  // namespace

void RegisterTestBackends() {
  RegisterHidden<SegfaultOnChosenTrial<ControlledSync>>(
      "test.segfault", "TEST: raises SIGSEGV in the trial with the chosen seed");
  RegisterHidden<SpinOnChosenTrial<ControlledSync>>(
      "test.spin", "TEST: spins forever (no scheduling point) in the trial with the chosen seed");
}

}  // namespace mapfault::testing
