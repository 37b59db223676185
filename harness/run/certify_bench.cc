// The certification benchmark (see certify_bench.h).
#include "harness/run/certify_bench.h"

#include "absl/strings/str_cat.h"
#include "harness/run/exhaustive_search.h"
#include "harness/run/plan.h"
#include "harness/run/supervisor.h"

namespace mapfault {
namespace {

bool Stopped(const CertifyBenchOptions& options) {
  return options.stop != nullptr && *options.stop != 0;
}

// One supervised run of `programs` searches of the target.
CertifySearch Certify(const BackendInfo& backend, const Scenario& scenario,
                      const StrategySpec& strategy, const CertifyBenchOptions& options) {
  const CellSpec cell =
      MakeCell(ExecMode::kControlled, backend, scenario, scenario.DefaultsFor(false), strategy,
               static_cast<uint64_t>(options.programs));
  SupervisorOptions so;
  so.seed = options.seed;
  so.jobs = 1;
  so.watchdog_seconds = options.watchdog_seconds;
  so.reproduction_replays = 0;
  so.stop = options.stop;
  const RunResults run = RunCells({cell}, so);
  const CellResult& c = run.cells.at(0);
  CertifySearch s;
  s.schedules = c.coverage.schedules;
  s.seconds = run.seconds;
  s.complete = c.coverage.complete;
  for (const InvariantResult& r : c.invariants) {
    s.broken |= r.verdict == Verdict::kBroken;
    s.out_of_contract |= r.verdict == Verdict::kOutOfContract;
  }
  return s;
}

}  // namespace

double CertifyBenchRow::Factor() const {
  return reduced.schedules == 0
             ? 0
             : static_cast<double>(unreduced.schedules) / static_cast<double>(reduced.schedules);
}

std::vector<const BackendInfo*> CertifiableBackends(const BackendRegistry& registry) {
  std::vector<const BackendInfo*> out;
  for (const BackendInfo* b : registry.Listed()) {
    if (!b->make_controlled || !b->race_checked || b->id == "naive" ||
        b->id.rfind("mutant.", 0) == 0) {
      continue;
    }
    out.push_back(b);
  }
  return out;
}

CertifyBenchResults RunCertifyBench(const CertifyBenchOptions& options) {
  CertifyBenchResults results;
  results.seed = options.seed;
  results.programs = options.programs;
  results.preemption_bound = options.preemption_bound;
  results.stale_bound = options.stale_bound;
  StrategySpec reduced;
  reduced.kind = StrategyKind::kExhaustive;
  reduced.preemption_bound = options.preemption_bound;
  reduced.stale_bound = options.stale_bound;
  StrategySpec unreduced = reduced;
  unreduced.reduction = false;
  for (const BackendInfo* b : options.backends) {
    for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
      if (s.visitor_writes && !b->visitor_writes) continue;
      if (Stopped(options)) {
        results.partial = true;
        return results;
      }
      CertifyBenchRow row;
      row.backend = b->id;
      row.scenario = s.id;
      row.params = s.DefaultsFor(false);
      row.reduced = Certify(*b, s, reduced, options);
      row.unreduced = Certify(*b, s, unreduced, options);
      if (options.on_progress) {
        options.on_progress(absl::StrCat(b->id, " / ", s.id, ": ", row.reduced.schedules,
                                         " schedules with sleep sets, ", row.unreduced.schedules,
                                         " without"));
      }
      results.rows.push_back(std::move(row));
    }
  }
  results.partial |= Stopped(options);
  return results;
}

}  // namespace mapfault
