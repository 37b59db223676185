// Registers the built-in white-box backends, each instantiated over ControlledSync (controlled mode)
// and RealSync (real threads).
#include "maps/builtin_backends.h"

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "maps/blackbox/absl_mutex.h"
#include "maps/blackbox/std_unordered.h"
#include "maps/blackbox/tbb_maps.h"
#include "maps/collect_then_delete.h"
#include "maps/cow_snapshot.h"
#include "maps/go_checked.h"
#include "maps/insertion_ordered.h"
#include "maps/lockfree.h"
#include "maps/mutants/mutant_backends.h"
#include "maps/mutants/mutex_iter_unlocked.h"
#include "maps/mutants/rwlock_erase_shared.h"
#include "maps/mutex_map.h"
#include "maps/naive.h"
#include "maps/rwlock_map.h"
#include "maps/tombstone.h"
#include "maps/versioned_cas.h"

namespace mapfault {
namespace {

// Everything but misuse-detected (which is about the backend reporting, not a guarantee).
constexpr InvariantSet kSafeMapClaims = [] {
  InvariantSet s = InvariantSet::All();
  s.Remove(Invariant::kMisuseDetected);
  return s;
}();

constexpr InvariantSet WithoutEraseHonoured(InvariantSet s) {
  s.Remove(Invariant::kIterEraseHonoured);
  return s;
}

template <template <class...> class M>  // a pack: also binds maps with defaulted policies (clang)
BackendInfo WhiteBox(std::string id, std::string description, InvariantSet claims) {
  BackendInfo info;
  info.id = std::move(id);
  info.description = std::move(description);
  info.claims = claims;
  info.make_controlled = Factory<M<ControlledSync>>();
  info.make_real = Factory<M<RealSync>>();
  info.race_checked = true;  // every shared non-atomic field is a Sync::Var
  return info;
}

// A black-box backend: real threads only (perturbed mode). `tsan_visible`: false when its
// synchronisation is inside a prebuilt library ThreadSanitizer cannot see.
template <class M>
BackendInfo BlackBox(std::string id, std::string description, InvariantSet claims,
                     bool tsan_visible = true) {
  BackendInfo info;
  info.tsan_visible = tsan_visible;
  info.id = std::move(id);
  info.description = std::move(description);
  info.claims = claims;
  info.make_real = Factory<M>();
  return info;
}

}  // namespace

void RegisterBuiltinBackends(BackendRegistry& registry) {
  registry.MustRegister(
      WhiteBox<NaiveMap>("naive", "own chained hash table, no synchronisation", kSafeMapClaims));
  // Racy by design, as Go's runtime map is (its check is a plain flag): it is not run under the
  // race detector, so that its own check, not the detector, meets the misuse (as `go run` without
  // -race does).
  BackendInfo go_checked = WhiteBox<GoCheckedMap>(
      "go_checked", "naive plus Go's runtime hashWriting misuse check",
      InvariantSet{Invariant::kNoHang});
  go_checked.race_checked = false;
  registry.MustRegister(std::move(go_checked));
  registry.MustRegister(WhiteBox<MutexMap>("mutex",
                                           "one mutex around every operation and the "
                                           "whole iteration",
                                           kSafeMapClaims));
  registry.MustRegister(WhiteBox<RwLockMap>("rwlock",
                                            "reader-writer lock; readers and read-only "
                                            "iteration share it",
                                            kSafeMapClaims));
  // Its visitor runs on a copy with no lock held: it may write through the map.
  BackendInfo collect = WhiteBox<CollectThenDeleteMap>(
      "collect_then_delete", "iteration copies entries under the lock, deletes chosen ones after",
      kSafeMapClaims);
  collect.visitor_writes = true;
  // It visits a copy: an entry its own visitor erased before reaching it is still shown.
  collect.unsafe_concurrent_ops = BackendInfo::kVisitorWritesBit;
  collect.claims_if_unsafe = WithoutEraseHonoured(kSafeMapClaims);
  registry.MustRegister(std::move(collect));
  // Both erase an entry through the visitor only if it is unchanged since it was shown; their
  // visitor runs with no map lock held and may write through the map (not the key an erasing
  // iteration is showing: it would wait for its own pin; the built-in scenarios never do).
  BackendInfo tombstone = WhiteBox<TombstoneMap>(
      "tombstone",
      "mark-and-sweep: erase marks a tombstone, iteration runs unlocked and skips them, a sweeper "
      "reclaims them in batches between iterations",
      kSafeMapClaims);
  tombstone.erase_this_may_decline = true;
  tombstone.visitor_writes = true;
  registry.MustRegister(std::move(tombstone));
  BackendInfo cow = WhiteBox<CowSnapshotMap>(
      "cow_snapshot",
      "copy-on-write: readers take a reference-counted snapshot, writers copy under a lock and "
      "publish",
      kSafeMapClaims);
  cow.erase_this_may_decline = true;
  cow.visitor_writes = true;
  // A read-only iteration shows its snapshot: an entry its own visitor erased is still shown.
  cow.unsafe_concurrent_ops = BackendInfo::kVisitorWritesBit;
  cow.claims_if_unsafe = WithoutEraseHonoured(kSafeMapClaims);
  registry.MustRegister(std::move(cow));
  BackendInfo vcas = WhiteBox<VersionedCasMap>(
      "versioned_cas",
      "lock-free reads and iteration over immutable value cells, writers under one mutex; "
      "erase-this declines when the entry changed since it was read",
      kSafeMapClaims);
  vcas.erase_this_may_decline = true;
  vcas.visitor_writes = true;
  registry.MustRegister(std::move(vcas));
  BackendInfo lockfree = WhiteBox<LockFreeMap>(
      "lockfree",
      "lock-free split-ordered lists over a Harris/Michael list, epoch-based reclamation; weakly "
      "consistent iteration, erase-this declines when the entry changed since it was read",
      kSafeMapClaims);
  lockfree.erase_this_may_decline = true;
  lockfree.visitor_writes = true;
  registry.MustRegister(std::move(lockfree));
  // A weakly consistent iterator may show a key erased and re-inserted during the iteration twice
  // (as Go's spec allows): that is its contract.
  BackendInfo ordered = WhiteBox<InsertionOrderedMap>(
      "insertion_ordered",
      "insertion-ordered list + hash index under one mutex; weakly consistent step-wise iteration, "
      "erased nodes reused only when no iteration runs",
      kSafeMapClaims);
  ordered.duplicate_allows_reinsert = true;
  registry.MustRegister(std::move(ordered));
  BackendInfo erase_shared = WhiteBox<RwLockEraseSharedMap>(
      "mutant.rwlock_erase_shared", "MUTANT: rwlock whose erase takes the shared lock",
      kSafeMapClaims);
  erase_shared.witness_scenario = "iterate-while-erase";
  registry.MustRegister(std::move(erase_shared));
  BackendInfo iter_unlocked = WhiteBox<MutexIterUnlockedMap>(
      "mutant.mutex_iter_unlocked",
      "MUTANT: mutex map whose iteration drops the lock between buckets", kSafeMapClaims);
  iter_unlocked.witness_scenario = "iterate-while-grow";
  registry.MustRegister(std::move(iter_unlocked));
  registry.MustRegister(BlackBox<StdUnorderedMap>(
      "std_unordered", "std::unordered_map, no lock (real threads)", kSafeMapClaims));
  registry.MustRegister(BlackBox<AbslMutexMap>("absl_mutex",
                                               "absl::flat_hash_map + absl::Mutex (reader lock for "
                                               "find and read-only iteration)",
                                               kSafeMapClaims, /*tsan_visible=*/false));
  BackendInfo tbb_hash = BlackBox<TbbHashMap>(
      "tbb_hash",
      "tbb::concurrent_hash_map via accessors; iteration concurrent with anything is undefined "
      "per its docs",
      kSafeMapClaims, /*tsan_visible=*/false);
  tbb_hash.unsafe_concurrent_ops =
      1u << static_cast<int>(OpKind::kForEach) | BackendInfo::kEraseThisBit;
  tbb_hash.claims_if_unsafe = InvariantSet{};  // undefined behaviour: nothing is claimed
  registry.MustRegister(std::move(tbb_hash));
  BackendInfo tbb_unordered = BlackBox<TbbUnorderedMap>(
      "tbb_unordered",
      "tbb::concurrent_unordered_map; insert, find and traversal are concurrency-safe, "
      "unsafe_erase is not",
      kSafeMapClaims, /*tsan_visible=*/false);
  tbb_unordered.unsafe_concurrent_ops = 1u << static_cast<int>(OpKind::kErase) |
                                        1u << static_cast<int>(OpKind::kClear) |
                                        BackendInfo::kEraseThisBit;
  tbb_unordered.claims_if_unsafe = InvariantSet{};  // undefined behaviour: nothing is claimed
  registry.MustRegister(std::move(tbb_unordered));
  RegisterMutantBackends(registry);  // maps/mutants/mutant_backends.cc
}

BackendRegistry& GlobalBackends() {
  static BackendRegistry* registry = [] {
    auto* r = new BackendRegistry();
    RegisterBuiltinBackends(*r);
    return r;
  }();
  return *registry;
}

}  // namespace mapfault
