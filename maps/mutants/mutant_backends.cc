// The mutant suite's registration: each mutant over ControlledSync (controlled mode) and RealSync
// (real threads), claiming what the safe backends claim (the bug is that it does not deliver it), with
// the built-in scenario that exposes its bug fastest as its witness.
#include "maps/mutants/mutant_backends.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "harness/engine/sync.h"
#include "maps/mutants/aba_iter_recycled.h"
#include "maps/mutants/assign_split.h"
#include "maps/mutants/cow_publish_early.h"
#include "maps/mutants/cta_upgrade_gap.h"
#include "maps/mutants/iter_stale_successor.h"
#include "maps/mutants/lockfree_mutants.h"
#include "maps/mutants/rehash_unlocked.h"
#include "maps/mutants/size_counter_racy.h"
#include "maps/mutants/tombstone_sweep_race.h"

namespace mapfault {
namespace {

// Everything but misuse-detected: a mutant pretends to be safe.
constexpr InvariantSet kMutantClaims = [] {
  InvariantSet s = InvariantSet::All();
  s.Remove(Invariant::kMisuseDetected);
  return s;
}();

template <template <class> class M>
BackendInfo Mutant(std::string name, std::string description, std::string witness) {
  BackendInfo info;
  info.id = "mutant." + std::move(name);
  info.description = "MUTANT: " + std::move(description);
  info.claims = kMutantClaims;
  info.make_controlled = Factory<M<ControlledSync>>();
  info.make_real = Factory<M<RealSync>>();
  info.witness_scenario = std::move(witness);
  info.race_checked = true;  // the maps they vary keep every shared plain field in a Sync::Var
  return info;
}

// The lock-free map's policies (maps/mutants/lockfree_mutants.h). The erase-this contract is the
// original's: it may decline.
void RegisterLockFreeMutants(BackendRegistry& registry) {
  const auto lockfree = [](BackendInfo info) {
    info.erase_this_may_decline = true;
    info.visitor_writes = true;
    return info;
  };
  registry.MustRegister(lockfree(Mutant<LockFreeRelaxedPublishMap>(
      "lockfree_relaxed_publish",
      "lock-free map that links a fresh node with a relaxed CAS (no "
      "release)",
      "iterate-while-grow")));
  registry.MustRegister(lockfree(Mutant<LockFreeMissingAcquireMap>(
      "lockfree_missing_acquire",
      "lock-free map whose traversal loads of next links are relaxed (no "
      "acquire)",
      "iterate-while-grow")));
  registry.MustRegister(lockfree(Mutant<LockFreeEarlyReclaimMap>(
      "lockfree_early_reclaim",
      "lock-free map whose unlinking thread frees a node when its own "
      "operation ends, without a grace period",
      "concurrent-erase-all")));
  registry.MustRegister(lockfree(
      Mutant<LockFreeAbaMap>("lockfree_aba",
                             "lock-free map that recycles an unlinked node at once: a CAS on a raw "
                             "pointer succeeds on the recycled node (ABA)",
                             "range-insert-while-erase")));
}

}  // namespace

void RegisterMutantBackends(BackendRegistry& registry) {
  registry.MustRegister(Mutant<RehashUnlockedMap>(
      "rehash_unlocked", "mutex map whose insert rehashes after unlocking", "iterate-while-grow"));
  registry.MustRegister(
      Mutant<AssignSplitMap>("assign_split",
                             "mutex map whose assign is find, then erase + insert, each locked "
                             "separately",
                             "snapshot-read"));
  registry.MustRegister(Mutant<CtaUpgradeGapMap>(
      "cta_upgrade_gap",
      "rwlock map whose conditional erase chooses under the shared lock and "
      "erases after re-locking exclusively, without a re-check",
      "conditional-erase"));
  registry.MustRegister(Mutant<SizeCounterRacyMap>(
      "size_counter_racy", "lock-free size() counter adjusted with a load and a store",
      "concurrent-erase-all"));
  registry.MustRegister(Mutant<TombstoneSweepRaceMap>(
      "tombstone_sweep_race", "tombstone map whose erase sweeps while an iteration is walking",
      "concurrent-erase-all"));
  registry.MustRegister(Mutant<CowPublishEarlyMap>(
      "cow_publish_early", "copy-on-write map that publishes a new snapshot before filling it",
      "snapshot-read"));
  // A weakly consistent iterator may show a key erased and re-inserted during the iteration twice
  // (as Go's spec allows): that is its contract, not the bug.
  BackendInfo aba = Mutant<AbaIterRecycledMap>(
      "aba_iter_recycled",
      "weakly consistent iterator resumes from a node the free list recycled: ABA",
      "conditional-erase");
  aba.duplicate_allows_reinsert = true;
  registry.MustRegister(std::move(aba));
  registry.MustRegister(Mutant<IterStaleSuccessorMap>(
      "iter_stale_successor",
      "step-by-step iteration resumes from a successor read before unlocking",
      "concurrent-erase-all"));
  RegisterLockFreeMutants(registry);
}

}  // namespace mapfault
