// The supervisor: batches of trials in worker processes, crash attribution, watchdog, early stop,
// confirmation replays, verdicts. RunCells composes the pieces: the work queue (batch_queue.h), the
// worker pool (worker_pool.h), the per-cell tally (cell_tally.h), the confirmation and reproduction
// steps (confirmation.h, reproduction.h), the worker's side of a batch (batch_worker.h); this file
// holds the supervisor's side of the report protocol (the failing-trial and coverage lines, a dead
// worker's finding) and the run loop.
#include "harness/run/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>

#include "absl/strings/str_cat.h"
#include "harness/base/rng.h"
#include "harness/run/batch_queue.h"
#include "harness/run/batch_worker.h"
#include "harness/run/cell_tally.h"
#include "harness/run/confirmation.h"
#include "harness/run/determinism.h"
#include "harness/run/reproduction.h"
#include "harness/run/symbolize.h"
#include "harness/run/token.h"
#include "harness/run/worker_pool.h"
#include "nlohmann/json.hpp"

namespace mapfault {

ReplayToken MakeToken(const TrialSpec& spec, Invariant inv,
                      std::optional<std::vector<uint8_t>> choices) {
  ReplayToken t;
  t.identity() = NameOf(spec);
  t.seed = spec.seed;
  t.invariant = inv;
  t.choices = std::move(choices);
  t.lenient = spec.lenient_replay && t.choices.has_value();
  t.plugin = std::filesystem::path(spec.backend->plugin_path).filename().string();
  // A program the built-in scenario and seed cannot regenerate travels in the token.
  if (spec.program) {
    t.program = *spec.program;
  } else if (ScenarioRegistry::Builtin().Find(spec.scenario->id) != spec.scenario) {
    t.program = GenerateProgram(*spec.scenario, spec.params, spec.seed);
  }
  return t;
}

TrialSpec SpecFor(const CellSpec& cell, uint64_t run_seed, uint64_t trial) {
  TrialSpec spec;
  spec.identity() = cell.identity();
  spec.seed = TrialSeed(run_seed, CellKey(cell.backend->id, cell.scenario->id), trial);
  return spec;
}

uint64_t CellKey(const std::string& backend, const std::string& scenario) {
  uint64_t h = 1469598103934665603ull;
  for (char c : absl::StrCat(backend, "/", scenario)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

using json = nlohmann::json;
using namespace worker_internal;

// The invariants judged from a completed trial's history (not from how the trial ended).
constexpr InvariantSet kHistoryInvariants = HistoryInvariants();

// The invariants a worker's death leaves unjudged beyond the history ones: how the trial would
// otherwise have ended.
InvariantSet DeathHidesInvariants(IsolatedOutcome::Kind kind) {
  switch (kind) {
    case IsolatedOutcome::Kind::kMisuse:
      return InvariantSet{Invariant::kNoCrash, Invariant::kNoHang};
    case IsolatedOutcome::Kind::kHang:
      return InvariantSet{Invariant::kNoCrash, Invariant::kMisuseDetected};
    case IsolatedOutcome::Kind::kDataRace:  // halted at the race: how it would have ended is unknown
      return InvariantSet{Invariant::kNoCrash, Invariant::kNoHang, Invariant::kMisuseDetected};
    default: return InvariantSet{};
  }
}

// Tallies one trial that broke `violated` (of them `claimed` by its contract) and left `undecided`
// undecided, as a worker's line or a re-run reports it; the full failures are added by the caller.
void TallyTrial(CellTally& cell, InvariantSet violated, InvariantSet claimed,
                InvariantSet undecided) {
  for (Invariant inv : kAllInvariants) {
    if (violated.Contains(inv)) ++cell.failures[static_cast<int>(inv)];
    if (claimed.Contains(inv)) ++cell.claimed_failures[static_cast<int>(inv)];
    if (undecided.Contains(inv)) ++cell.undecided[static_cast<int>(inv)];
  }
  if (violated.Contains(Invariant::kNoHang) || violated.Contains(Invariant::kNoCrash)) {
    cell.NotEvaluated(kHistoryInvariants);
  }
  // A controlled trial halts at its first data race (before the racy value is used): how it would
  // have ended is not evaluated, as when ThreadSanitizer halts a worker.
  if (violated.Contains(Invariant::kNoDataRace)) {
    cell.NotEvaluated(kHistoryInvariants);
    cell.NotEvaluated(DeathHidesInvariants(IsolatedOutcome::Kind::kDataRace));
  }
  cell.NotEvaluated(undecided);
  // An undecided no-hang is a trial the step bound (a harness limit) ended: nothing else was
  // judged either.
  if (undecided.Contains(Invariant::kNoHang)) {
    cell.NotEvaluated(kHistoryInvariants);
    cell.NotEvaluated(InvariantSet{Invariant::kNoCrash});
  }
}

// Consumes one failing-trial line from a worker; returns whether the trial broke an invariant (a
// line may also only report undecided invariants).
bool HandleLine(const std::string& line, CellTally& cell) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("t")) return false;
  const uint64_t trial = j["t"].get<uint64_t>();
  const InvariantSet bits = InvariantSet::FromBits(j["b"].get<uint32_t>());
  TallyTrial(cell, bits, InvariantSet::FromBits(j.value("c", 0u)),
             InvariantSet::FromBits(j.value("u", 0u)));
  const TrialFingerprint original = FingerprintFromJson(j.value("o", json(nullptr)));
  for (const json& f : j["f"]) {
    cell.Fail(static_cast<Invariant>(f["i"].get<int>()), trial, f["k"].get<std::string>(),
              f["e"].get<std::string>(), f["x"].get<std::vector<std::string>>(), original,
              j.value("p", -1));
  }
  return !bits.empty();
}

// The dispatch loop of one run: hands the queue's batches to the worker pool and the workers'
// reports to the cells' tallies, until every batch ran or the run stops (interrupt, time budget).
class Dispatcher {
 public:
  Dispatcher(const std::vector<CellSpec>& cells, const SupervisorOptions& options, int64_t start)
      : cells_(cells),
        options_(options),
        start_(start),
        queue_(TrialCounts(cells),
               {options.shard_index, options.shard_count, options.batch, options.jobs},
               TreeSplit(cells)),
        tallies_(cells.size()) {}

  void Run();

  std::vector<CellTally>& tallies() { return tallies_; }
  const BatchQueue& queue() const { return queue_; }
  bool stopped_early() const { return stopped_early_; }

 private:
  static std::vector<uint64_t> TrialCounts(const std::vector<CellSpec>& cells) {
    std::vector<uint64_t> trials;
    for (const CellSpec& c : cells) trials.push_back(c.trials);
    return trials;
  }
  // The cells whose trials every shard runs (each searching its part of every program's tree).
  static std::vector<bool> TreeSplit(const std::vector<CellSpec>& cells) {
    std::vector<bool> split;
    for (const CellSpec& c : cells) split.push_back(c.strategy.tree_shards > 1);
    return split;
  }
  bool StopRequested() const { return options_.stop != nullptr && *options_.stop != 0; }
  bool OutOfTime() const {
    return options_.time_budget_seconds > 0 &&
           (NowNs() - start_) / 1e9 > options_.time_budget_seconds;
  }
  void OnLine(const TrialBatch& batch, const std::string& line);
  void OnExit(const WorkerExit& exit);
  std::optional<TrialBatch> NextForWorker(const TrialBatch& done);
  double TrialLimit(size_t cell, double full_seconds) const;
  void RecordCut(const WorkerExit& exit, uint64_t trial);
  void RecordDeath(const WorkerExit& exit, uint64_t trial);
  static bool KilledFromOutside(const WorkerExit& exit, const IsolatedOutcome& death);
  void RecordReRun(size_t cell, uint64_t trial, const TrialSpec& spec, const IsolatedOutcome& o);
  void FoundFailure(size_t cell);
  void ReportProgress(int64_t now, const WorkerPool& pool);

  const std::vector<CellSpec>& cells_;
  const SupervisorOptions& options_;
  const int64_t start_;
  BatchQueue queue_;
  std::vector<CellTally> tallies_;
  std::vector<double> median_trial_seconds_ = std::vector<double>(cells_.size(), 0.0);
  uint64_t done_trials_ = 0;
  uint64_t failing_trials_ = 0;
  int64_t last_progress_ = 0;
  bool stopped_early_ = false;
};

void Dispatcher::Run() {
  WorkerPool pool(
      options_.jobs, options_.watchdog_seconds,
      [this](const TrialBatch& b, WorkerSlot* slot, int out_fd) {
        const int64_t deadline =
            options_.time_budget_seconds > 0
                ? SaturatingAdd(start_, SecondsToNs(options_.time_budget_seconds))
                : 0;
        return RunWorkerBatch(cells_[b.cell], b, options_.seed, deadline, slot, out_fd);
      },
      [this](size_t cell, double full) { return TrialLimit(cell, full); });
  const WorkerPool::Events events{
      [this](const TrialBatch& b, const std::string& line) { OnLine(b, line); },
      [this](const WorkerExit& e) { OnExit(e); },
      [this](const TrialBatch& done) { return NextForWorker(done); },
      [this](const TrialBatch& b, std::span<const uint64_t> hashes) {
        tallies_[b.cell].schedule_hashes.insert(hashes.begin(), hashes.end());
      }};
  while (queue_.Pending() || !pool.Empty()) {
    if (StopRequested() || OutOfTime()) {
      if (queue_.Pending()) stopped_early_ = true;
      queue_.DropAll();
    }
    if (options_.stop != nullptr && *options_.stop >= options_.abandon_at_stop &&
        pool.AbandonAll()) {
      stopped_early_ = true;
    }
    while (pool.HasRoom() && queue_.Pending()) pool.Spawn(queue_.Next());
    if (pool.Empty()) break;
    ReportProgress(pool.Poll(events), pool);
  }
}

// The batch a worker that ended `done` cleanly runs next instead of exiting: the queue's next batch
// when it is of the same cell (the order of batches, and so every cell's share under a time budget,
// stays the queue's; a worker never runs two cells' backends).
std::optional<TrialBatch> Dispatcher::NextForWorker(const TrialBatch& done) {
  if (StopRequested() || OutOfTime() || !queue_.Pending() || queue_.Peek().cell != done.cell) {
    return std::nullopt;
  }
  return queue_.Next();
}

// Consumes one coverage line from a worker (CoverageLine).
void HandleCoverageLine(const json& j, CellTally& cell) {
  const json& cov = j["cov"];
  cell.schedules += cov.value("s", uint64_t{0});
  cell.most_steps = std::max(cell.most_steps, cov.value("k", uint64_t{0}));
  cell.stale_reads += cov.value("w", uint64_t{0});
  if (cov.contains("p")) {
    cell.programs += cov["p"].get<uint64_t>();
    cell.programs_complete += cov.value("pc", uint64_t{0});
    cell.bound_complete = std::min(cell.bound_complete, cov.value("bc", -1));
  }
}

void Dispatcher::OnLine(const TrialBatch& batch, const std::string& line) {
  if (line.rfind("{\"cov\"", 0) == 0) {
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) HandleCoverageLine(j, tallies_[batch.cell]);
    return;
  }
  if (HandleLine(line, tallies_[batch.cell])) {
    ++failing_trials_;
    FoundFailure(batch.cell);
  }
}

void Dispatcher::FoundFailure(size_t cell) {
  if (tallies_[cell].first_failure_ns == 0) tallies_[cell].first_failure_ns = NowNs() - start_;
  if (cells_[cell].stop_at_first_failure) queue_.DropCell(cell);
}

void Dispatcher::OnExit(const WorkerExit& exit) {
  const TrialBatch& b = exit.batch;
  CellTally& cell = tallies_[b.cell];
  // What a worker that died had not sent yet (nothing after a clean exit).
  const PendingCoverage& pending = exit.slot->pending;
  cell.schedules += pending.schedules;
  cell.most_steps = std::max(cell.most_steps, pending.most_steps);
  cell.stale_reads += pending.stale_reads;
  const uint32_t hashes = std::min(pending.hash_count, PendingCoverage::kHashes);
  cell.schedule_hashes.insert(pending.hashes, pending.hashes + hashes);
  cell.worker_seconds += exit.seconds;
  cell.phases += exit.phases;
  uint64_t ran;
  if (const uint64_t completed = exit.slot->done.load(); completed > 0) {
    // The cell's measured trial time (without the fork): the median over its batches of the mean
    // time of their completed trials.
    std::vector<double>& samples = cell.batch_trial_seconds;
    samples.push_back(static_cast<double>(exit.slot->completed_ns.load()) / 1e9 /
                      static_cast<double>(completed));
    std::vector<double> sorted = samples;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2),
                     sorted.end());
    median_trial_seconds_[b.cell] = sorted[sorted.size() / 2];
    // Fewer, longer batches once the trial time is known: each worker costs a fork and a warm-up.
    if (!cells_[b.cell].stop_at_first_failure && median_trial_seconds_[b.cell] > 0) {
      queue_.GrowBatch(b.cell, static_cast<uint64_t>(std::min(
                                   1e9, kBatchTargetSeconds / median_trial_seconds_[b.cell])));
    }
  }
  if (exit.Clean()) {
    ran = std::min(exit.done_count, b.end - b.begin);
  } else if (exit.abandoned) {
    ran = exit.slot->done.load();  // trials that finished before the kill
  } else {
    uint64_t trial = exit.slot->current_trial.load();
    if (trial == kNoTrial || trial < b.begin || trial >= b.end) trial = b.begin;
    ran = trial - b.begin + 1;
    RecordDeath(exit, trial);
  }
  cell.trials += ran;
  done_trials_ += ran;
}

// The seconds a trial of `cell` may run: its full watchdog until a trial of the cell overran it,
// then the adaptive limit (SupervisorOptions::adaptive_watchdog).
double Dispatcher::TrialLimit(size_t cell, double full_seconds) const {
  if (!options_.adaptive_watchdog || tallies_[cell].hangs == 0) return full_seconds;
  const double scale = full_seconds / options_.watchdog_seconds;  // the program's watchdog scale
  return std::min(full_seconds,
                  std::max(options_.adaptive_floor_seconds * scale,
                           options_.adaptive_factor * median_trial_seconds_[cell]));
}

// The adaptive watchdog cut 0-based `trial`: not shown to hang (it only ran longer than the
// adaptive limit), so its no-hang and what its death hides are undecided; the rest of the batch
// runs in a fresh worker unless the cell was cut too often.
void Dispatcher::RecordCut(const WorkerExit& exit, uint64_t trial) {
  const TrialBatch& b = exit.batch;
  CellTally& cell = tallies_[b.cell];
  ++cell.undecided[static_cast<int>(Invariant::kNoHang)];
  cell.NotEvaluated(InvariantSet{Invariant::kNoHang});
  cell.NotEvaluated(DeathHidesInvariants(IsolatedOutcome::Kind::kHang));
  cell.NotEvaluated(kHistoryInvariants);
  ++cell.watchdog_cuts;
  cell.adaptive_watchdog_seconds = std::max(cell.adaptive_watchdog_seconds, exit.limit_seconds);
  if (cell.watchdog_cuts >= options_.max_watchdog_cuts_per_cell) {
    queue_.DropCell(b.cell);
  } else if (trial + 1 < b.end) {
    queue_.RetryFirst({b.cell, trial + 1, b.end});
  }
}

// A worker died running 0-based `trial` of its batch: the death is that trial's finding; the rest
// of the batch runs in a fresh worker unless the cell died or hung too often.
void Dispatcher::RecordDeath(const WorkerExit& exit, uint64_t trial) {
  if (exit.adaptive_cut) {
    RecordCut(exit, trial);
    return;
  }
  const TrialBatch& b = exit.batch;
  const CellSpec& spec_of_cell = cells_[b.cell];
  CellTally& cell = tallies_[b.cell];
  const TrialSpec spec = SpecFor(spec_of_cell, options_.seed, trial);
  const double watchdog =
      options_.watchdog_seconds * static_cast<double>(std::max<uint64_t>(1, exit.slot->watchdog_scale.load()));
  IsolatedOutcome o = ClassifyDeath(exit.status, exit.watchdog_killed, exit.slot, exit.err, watchdog,
                                    spec.backend->misuse_patterns);
  if (KilledFromOutside(exit, o)) {
    // Not the watchdog, not a fault of its own: the trial is the backend's only if a re-run in a
    // fresh worker dies too; a re-run that completes decides the trial.
    o = RunTrialIsolated(spec, options_.watchdog_seconds);
    if (o.kind == IsolatedOutcome::Kind::kCompleted) {
      RecordReRun(b.cell, trial, spec, o);
      if (trial + 1 < b.end) queue_.RetryFirst({b.cell, trial + 1, b.end});
      return;
    }
  }
  ++failing_trials_;
  ++cell.deaths;
  FoundFailure(b.cell);
  const Invariant inv = o.AllViolations().front().invariant;
  ++cell.failures[static_cast<int>(inv)];
  if (ClaimsFor(*spec.backend, ProgramFor(spec)).Contains(inv)) {
    ++cell.claimed_failures[static_cast<int>(inv)];
  }
  cell.NotEvaluated(DeathHidesInvariants(o.kind));
  cell.NotEvaluated(kHistoryInvariants);
  if (cell.first[static_cast<int>(inv)].Precedes(trial)) {
    // Only a finding's death is symbolized (a re-run's outcome has its stack already).
    if (!exit.watchdog_killed && o.stacks.empty()) AddCrashStack(exit.slot->crash, o);
    cell.Died(inv, trial, MakeToken(spec, inv, std::nullopt).Encode(), o);
  }
  const bool too_many =
      cell.deaths >= options_.max_crashes_per_cell || cell.hangs >= options_.max_hangs_per_cell;
  if (trial + 1 < b.end && !spec_of_cell.stop_at_first_failure && !too_many) {
    queue_.RetryFirst({b.cell, trial + 1, b.end});
  }
  if (o.kind == IsolatedOutcome::Kind::kHang) {
    ++cell.hangs;
    cell.hang_trials.push_back(trial);
  }
  if (cell.deaths >= options_.max_crashes_per_cell || cell.hangs >= options_.max_hangs_per_cell) {
    queue_.DropCell(b.cell);
  }
}

// A worker died of SIGKILL or SIGTERM that neither the watchdog nor an abandon sent (an operator,
// the OOM killer, a CI runner): maybe not the backend's doing.
bool Dispatcher::KilledFromOutside(const WorkerExit& exit, const IsolatedOutcome& death) {
  return !exit.watchdog_killed && !exit.abandoned && death.kind == IsolatedOutcome::Kind::kSignal &&
         (death.signal == SIGKILL || death.signal == SIGTERM);
}

// The re-run of a trial whose worker was killed from outside completed: its violations count as a
// worker's report of them would.
void Dispatcher::RecordReRun(size_t cell_index, uint64_t trial, const TrialSpec& spec,
                             const IsolatedOutcome& o) {
  CellTally& cell = tallies_[cell_index];
  InvariantSet violated;
  for (const Violation& v : o.violations) violated.Add(v.invariant);
  const InvariantSet claimed = ClaimsFor(*spec.backend, ProgramFor(spec));
  TallyTrial(cell, violated, InvariantSet::FromBits(violated.bits() & claimed.bits()), o.undecided);
  if (o.violations.empty()) return;
  std::optional<std::vector<uint8_t>> choices;
  if (spec.mode != ExecMode::kPerturbed) choices = o.choices;
  for (const Violation& v : o.violations) {
    cell.Fail(v.invariant, trial, MakeToken(spec, v.invariant, choices).Encode(), v.explanation,
              v.evidence, FingerprintOf(o));
  }
  ++failing_trials_;
  FoundFailure(cell_index);
}

void Dispatcher::ReportProgress(int64_t now, const WorkerPool& pool) {
  if (!options_.on_progress || now - last_progress_ <= 100000000) return;
  last_progress_ = now;
  options_.on_progress(
      {queue_.planned(), done_trials_ + pool.InFlightDone(), failing_trials_, (now - start_) / 1e9});
}

}  // namespace

std::string PlanFingerprint(const std::vector<CellSpec>& cells) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  auto mix = [&hash](std::string_view text) {
    for (const char ch : text) hash = (hash ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // field separator
  };
  for (const CellSpec& c : cells) {
    const CellLabel label = LabelOf(c);
    mix(label.backend);
    mix(label.scenario);
    mix(absl::StrCat(c.params.threads, ",", c.params.keys, ",", c.params.initial, ",",
                     c.params.ops));
    mix(label.mode);
    mix(label.strategy);
    mix(absl::StrCat(c.trials, ",", c.max_steps, ",", c.checked.bits(), ",",
                     c.stop_at_first_failure));
  }
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

bool SplitsScheduleTrees(const CellSpec& cell) {
  return cell.mode == ExecMode::kControlled && cell.strategy.kind == StrategyKind::kExhaustive;
}

RunResults RunCells(const std::vector<CellSpec>& planned, const SupervisorOptions& options) {
  const int64_t start = NowNs();
  // Under --shard I/N an exhaustive cell runs every program, searching tree shard I of each.
  std::vector<CellSpec> cells = planned;
  for (CellSpec& cell : cells) {
    if (options.shard_count > 1 && SplitsScheduleTrees(cell)) {
      cell.strategy.tree_shard = options.shard_index;
      cell.strategy.tree_shards = options.shard_count;
    }
  }
  Dispatcher dispatcher(cells, options, start);
  dispatcher.Run();
  std::vector<CellTally>& tallies = dispatcher.tallies();
  // Each cell's follow-up replays count as its kReplays phase.
  auto timed = [&tallies](size_t c, auto step) {
    const int64_t start = NowNs();
    step();
    tallies[c].phases[Phase::kReplays] += static_cast<double>(NowNs() - start) / 1e9;
  };
  for (size_t c = 0; c < cells.size(); ++c) {
    timed(c, [&] { ConfirmDeaths(cells[c], options.seed, options.watchdog_seconds, tallies[c]); });
  }
  const ReproductionOptions reproduction{options.reproduction_replays, options.watchdog_seconds,
                                         options.stop};
  for (size_t c = 0; c < cells.size(); ++c) {
    timed(c, [&] {
      MeasureReproduction(cells[c], options.seed, reproduction, tallies[c]);
      CheckDeterminism(cells[c], options.seed, reproduction, tallies[c]);
    });
  }
  RunResults results;
  results.seed = options.seed;
  results.run.version = std::string(MapfaultVersion());
  results.run.plan = PlanFingerprint(planned);
  results.run.shard_index = options.shard_index;
  results.run.shard_count = options.shard_count;
  for (size_t c = 0; c < cells.size(); ++c) {
    results.cells.push_back(tallies[c].ToResult(cells[c], dispatcher.queue().Planned(c)));
  }
  results.partial = dispatcher.stopped_early();
  results.seconds = (NowNs() - start) / 1e9;
  return results;
}

}  // namespace mapfault
