// Test-only backends.
#include "tests/test_backends.h"

#include <csignal>

#include "harness/backend.h"
#include "harness/sync.h"
#include "harness/trial.h"
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

}  // namespace

void RegisterTestBackends() {
  BackendRegistry& r = BackendRegistry::Global();
  if (r.Find("test.segfault") != nullptr) return;
  BackendInfo segv;
  segv.id = "test.segfault";
  segv.description = "TEST: raises SIGSEGV in the trial with the chosen seed";
  segv.claims = kClaims;
  segv.make_controlled = Factory<SegfaultOnChosenTrial<ControlledSync>>();
  segv.listed = false;
  (void)r.Register(std::move(segv));
  BackendInfo spin;
  spin.id = "test.spin";
  spin.description = "TEST: spins forever (no scheduling point) in the trial with the chosen seed";
  spin.claims = kClaims;
  spin.make_controlled = Factory<SpinOnChosenTrial<ControlledSync>>();
  spin.listed = false;
  (void)r.Register(std::move(spin));
}

}  // namespace mapfault::testing
