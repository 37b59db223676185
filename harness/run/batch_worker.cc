// The worker's side of a batch (batch_worker.h): the trials, their failure lines and their
// coverage lines.
#include "harness/run/batch_worker.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/base/rng.h"
#include "harness/run/determinism.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "nlohmann/json.hpp"

namespace mapfault {

namespace {

using json = nlohmann::json;
using namespace worker_internal;

// The schedule to put in a token: controlled trials have one, perturbed trials only their seed.
std::optional<std::vector<uint8_t>> Choices(const TrialSpec& spec, const TrialResult& r) {
  if (spec.mode == ExecMode::kPerturbed) return std::nullopt;
  return r.run.choices;
}

// The report line of a failing trial: its index, the invariants it broke ("b") and of those the
// ones its contract claimed ("c"), the undecided ones ("u"), and in full ("f": invariant, token,
// explanation, evidence) each invariant not yet sent in full in this batch (bits in `detailed`),
// and an exhaustive search's failing schedule's preemptions ("p").
json FailureLine(const TrialSpec& spec, uint64_t t, const TrialResult& r, uint32_t& detailed) {
  const InvariantSet claimed = ClaimsFor(*spec.backend, r.program);
  json line = {{"t", t},
               {"b", r.violated().bits()},
               {"c", r.violated().bits() & claimed.bits()},
               {"f", json::array()}};
  if (!r.undecided.empty()) line["u"] = r.undecided.bits();
  if (r.search && !r.violations.empty()) line["p"] = r.run.preemptions;
  for (const Violation& v : r.violations) {
    const uint32_t bit = 1u << static_cast<int>(v.invariant);
    if (detailed & bit) continue;
    detailed |= bit;
    line["f"].push_back({{"i", static_cast<int>(v.invariant)},
                         {"k", MakeToken(spec, v.invariant, Choices(spec, r)).Encode()},
                         {"e", v.explanation},
                         {"x", v.evidence}});
  }
  // How the trial ran, for the determinism check of its confirmation replays (controlled only).
  if (!line["f"].empty() && spec.mode == ExecMode::kControlled) {
    line["o"] = FingerprintToJson(FingerprintOf(r));
  }
  return line;
}

// What a worker's trials covered since its last coverage line ("cov"): programs searched
// exhaustively (schedules, fully explored, least bound fully explored; sent after each search) and
// sampled trials (kept in the slot's PendingCoverage until 256 schedule hashes piled up, so that a
// worker's death loses none of them: the supervisor counts what is pending). The hashes follow the
// JSON line on a kHashesLine line.
class CoverageLine {
 public:
  explicit CoverageLine(WorkerSlot* slot) : pending_(slot->pending) {}

  void Add(const TrialSpec& spec, const TrialResult& r) {
    if (r.search) {
      schedules_ += r.search->schedules;
      most_steps_ = std::max(most_steps_, r.run.steps);
      ++programs_;
      programs_complete_ += r.search->complete && r.violations.empty();
      bound_complete_ = std::min(bound_complete_, r.search->bound_complete);
      return;
    }
    ++pending_.schedules;
    pending_.most_steps = std::max(pending_.most_steps, r.run.steps);
    pending_.stale_reads += r.run.stale_reads;
    if (spec.mode == ExecMode::kControlled) {
      pending_.hashes[pending_.hash_count++] = ScheduleHash(r.run.choices);
    }
  }
  // Sends the line when a search ended or the pending hashes are full (or `now`).
  void Flush(int out_fd, bool now) {
    const bool full = pending_.hash_count == PendingCoverage::kHashes;
    if (programs_ == 0 && pending_.schedules == 0) return;
    if (!now && programs_ == 0 && !full) return;
    json line = {{"cov",
                  {{"s", schedules_ + pending_.schedules},
                   {"k", std::max(most_steps_, pending_.most_steps)},
                   {"w", pending_.stale_reads}}}};
    if (programs_ > 0) {
      line["cov"]["p"] = programs_;
      line["cov"]["pc"] = programs_complete_;
      line["cov"]["bc"] = bound_complete_;
    }
    std::string text = line.dump() + "\n";
    // The schedule hashes in a frame of their own, outside JSON (worker.h, kHashesLine).
    if (pending_.hash_count > 0) AppendHashesFrame(text, pending_.hashes, pending_.hash_count);
    pending_.schedules = pending_.most_steps = pending_.stale_reads = 0;
    pending_.hash_count = 0;
    schedules_ = most_steps_ = programs_ = programs_complete_ = 0;
    bound_complete_ = std::numeric_limits<int>::max();
    WriteAll(out_fd, text);
  }

 private:
  static uint64_t ScheduleHash(const std::vector<uint8_t>& choices) {
    uint64_t h = Mix64(choices.size());
    for (uint8_t c : choices) h = Mix64(h ^ c);
    return h;
  }
  PendingCoverage& pending_;
  uint64_t schedules_ = 0, most_steps_ = 0, programs_ = 0, programs_complete_ = 0;
  int bound_complete_ = std::numeric_limits<int>::max();
};

}  // namespace

uint64_t RunWorkerBatch(const CellSpec& cell, const TrialBatch& batch, uint64_t run_seed,
                        int64_t deadline_ns, WorkerSlot* slot, int out_fd) {
  RestartWatchdogAtEachSchedule(slot, deadline_ns);
  uint32_t detailed = 0;  // invariants whose first failure in this batch was sent in full
  CoverageLine coverage(slot);
  for (uint64_t t = batch.begin; t < batch.end; ++t) {
    const TrialSpec spec = SpecFor(cell, run_seed, t);
    // The trial sets the scale as soon as its program is generated (SetProgramReadyHook); until
    // then, microseconds, the smallest. Only this process writes the slot, the supervisor reads
    // it: release stores (plain moves on x86; a sequentially consistent store is a locked
    // exchange), the trial's number last so that its start time is never older than the trial.
    slot->watchdog_scale.store(1, std::memory_order_relaxed);
    slot->started_ns.store(NowNs(), std::memory_order_relaxed);
    slot->current_trial.store(t, std::memory_order_release);
    TrialResult r = RunTrial(spec);
    // The trial's wall time from its own phase clocks (one clock read less a trial).
    slot->completed_ns.store(slot->completed_ns.load(std::memory_order_relaxed) +
                                 r.phases.setup_ns + r.phases.thread_start_ns + r.phases.trial_ns +
                                 r.phases.checking_ns,
                             std::memory_order_relaxed);
    slot->AddPhases(r.phases);
    coverage.Add(spec, r);
    if (!r.violations.empty() || !r.undecided.empty()) {
      WriteAll(out_fd, FailureLine(spec, t, r, detailed).dump() + "\n");
      if (cell.stop_at_first_failure && !r.violations.empty()) {
        coverage.Flush(out_fd, true);
        slot->done.store(t - batch.begin + 1, std::memory_order_release);
        return t - batch.begin + 1;
      }
    }
    coverage.Flush(out_fd, false);
    RecycleTrialResult(std::move(r));  // the next trial fills its buffers
    slot->done.store(t - batch.begin + 1, std::memory_order_release);
  }
  coverage.Flush(out_fd, true);
  return batch.end - batch.begin;
}

}  // namespace mapfault
