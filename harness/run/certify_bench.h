// The certification benchmark (`mapfault bench-bugs --certify N`): what it costs to certify
// correct backends with the bounded-exhaustive search, with and without partial-order reduction.
// For every target (a correct white-box backend x a built-in scenario at its default sizes) it
// searches N programs at `exhaustive:pb=K` twice, with sleep sets and with `por=off`, and reports
// the schedules, the wall time, whether each search completed and held, and the reduction factor
// (unreduced schedules / reduced schedules). Both searches of a target run the same programs (the
// trial seeds depend on the run seed and the cell, not on the strategy).
#ifndef MAPFAULT_HARNESS_RUN_CERTIFY_BENCH_H_
#define MAPFAULT_HARNESS_RUN_CERTIFY_BENCH_H_

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/engine/backend.h"
#include "scenarios/scenario.h"

namespace mapfault {

struct CertifyBenchOptions {
  std::vector<const BackendInfo*> backends;  // default (empty): CertifiableBackends()
  int programs = 20;
  int preemption_bound = 2;
  int stale_bound = 0;  // exhaustive:pb=K,stale=S (reads-from enumeration under c11)
  uint64_t seed = 1;
  double watchdog_seconds = 5;
  const volatile std::sig_atomic_t* stop = nullptr;
  std::function<void(const std::string&)> on_progress;  // one line per finished row
};

// One search of a target's programs (reduced or not).
struct CertifySearch {
  uint64_t schedules = 0;
  double seconds = 0;
  bool complete = false;  // every program fully explored
  bool broken = false;    // a claimed invariant failed (BROKEN)
  // An unclaimed invariant failed (OUT_OF_CONTRACT: a program outside the backend's contract,
  // e.g. a visitor write on a backend that only claims the rest then; not a finding).
  bool out_of_contract = false;
};

struct CertifyBenchRow {
  std::string backend;
  std::string scenario;
  ScenarioParams params;
  CertifySearch reduced;
  CertifySearch unreduced;
  // unreduced.schedules / reduced.schedules (0 when the reduced search ran none).
  double Factor() const;
};

struct CertifyBenchResults {
  uint64_t seed = 0;
  int programs = 0;
  int preemption_bound = 0;
  int stale_bound = 0;
  bool partial = false;
  std::vector<CertifyBenchRow> rows;
};

// The correct white-box backends: listed, controlled, every shared plain field a Var (so the
// reduction applies), and neither a mutant (`mutant.*`) nor `naive` (unsynchronised by design).
std::vector<const BackendInfo*> CertifiableBackends(const BackendRegistry& registry);

// Runs the benchmark: every backend x every built-in scenario it accepts (a backend whose contract
// forbids visitor writes is not given such scenarios), one worker, in-process supervision.
CertifyBenchResults RunCertifyBench(const CertifyBenchOptions& options);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_CERTIFY_BENCH_H_
