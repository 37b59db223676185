// The supervisor: batches of trials in worker processes, crash attribution, watchdog, early stop,
// confirmation replays, verdicts.
#include "harness/run/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/base/rng.h"
#include "harness/run/token.h"
#include "nlohmann/json.hpp"

namespace mapfault {

ReplayToken MakeToken(const TrialSpec& spec, Invariant inv,
                      std::optional<std::vector<uint8_t>> choices) {
  ReplayToken t;
  t.mode = spec.mode;
  t.scenario = spec.scenario->id;
  t.params = spec.params;
  t.backend = spec.backend->id;
  t.strategy = spec.strategy;
  t.seed = spec.seed;
  t.max_steps = spec.max_steps;
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
  spec.mode = cell.mode;
  spec.backend = cell.backend;
  spec.scenario = cell.scenario;
  spec.params = cell.params;
  spec.strategy = cell.strategy;
  spec.max_steps = cell.max_steps;
  spec.seed = TrialSeed(run_seed, CellKey(cell.backend->id, cell.scenario->id), trial);
  return spec;
}

namespace {

using json = nlohmann::json;
using namespace worker_internal;

// The schedule to put in a token: controlled trials have one, perturbed trials only their seed.
std::optional<std::vector<uint8_t>> Choices(const TrialSpec& spec, const TrialResult& r) {
  if (spec.mode == ExecMode::kPerturbed) return std::nullopt;
  return r.run.choices;
}

struct Unit {
  size_t cell;
  uint64_t begin;
  uint64_t end;
};

[[noreturn]] void WorkerMain(const CellSpec& cell, const Unit& unit, uint64_t run_seed,
                             WorkerSlot* slot, int out_fd) {
  uint32_t detailed = 0;  // invariants whose first failure in this batch was sent in full
  for (uint64_t t = unit.begin; t < unit.end; ++t) {
    slot->started_ns.store(NowNs());
    slot->current_trial.store(t);
    const TrialSpec spec = SpecFor(cell, run_seed, t);
    const TrialResult r = RunTrial(spec);
    if (!r.violations.empty() || !r.undecided.empty()) {
      const InvariantSet claimed = ClaimsFor(*spec.backend, r.program);
      json line = {{"t", t},
                   {"b", r.violated().bits()},
                   {"c", r.violated().bits() & claimed.bits()},
                   {"f", json::array()}};
      if (!r.undecided.empty()) line["u"] = r.undecided.bits();
      for (const Violation& v : r.violations) {
        const uint32_t bit = 1u << static_cast<int>(v.invariant);
        if (detailed & bit) continue;
        detailed |= bit;
        line["f"].push_back({{"i", static_cast<int>(v.invariant)},
                             {"k", MakeToken(spec, v.invariant, Choices(spec, r)).Encode()},
                             {"e", v.explanation},
                             {"x", v.evidence}});
      }
      WriteAll(out_fd, line.dump() + "\n");
      if (cell.stop_at_first_failure && !r.violations.empty()) {
        slot->done.store(t - unit.begin + 1);
        WriteAll(out_fd, absl::StrCat("{\"done\":", t - unit.begin + 1, "}\n"));
        _exit(0);
      }
    }
    slot->done.store(t - unit.begin + 1);
  }
  WriteAll(out_fd, absl::StrCat("{\"done\":", unit.end - unit.begin, "}\n"));
  _exit(0);
}

struct Worker {
  pid_t pid = -1;
  Pipe out, err;
  WorkerSlot* slot = nullptr;
  Unit unit{};
  std::string out_buf;
  std::string err_buf;
  bool out_open = true;
  bool err_open = true;
  bool finished_cleanly = false;
  uint64_t done_count = 0;  // trials the worker reported done in its last line
  bool watchdog_killed = false;
  bool abandoned = false;  // killed on a second interrupt: not a finding
  int64_t started_ns = 0;  // when the worker was forked (for the cell's throughput)
};

// Per-cell accumulation.
struct CellState {
  uint64_t trials = 0;
  uint64_t failures[kInvariantCount] = {};
  uint64_t not_evaluated[kInvariantCount] = {};
  uint64_t undecided[kInvariantCount] = {};
  uint64_t claimed_failures[kInvariantCount] = {};
  uint64_t deaths = 0;
  uint64_t hangs = 0;
  int64_t first_failure_ns = 0;  // when the supervisor learned of the first failure (0: none)
  double worker_seconds = 0;  // wall time of this cell's workers, fork to exit
  struct First {
    uint64_t trial = kNoTrial;
    std::string token, explanation;
    std::vector<std::string> evidence;
    bool needs_confirm = false;
    IsolatedOutcome::Kind kind = IsolatedOutcome::Kind::kCompleted;
    int signal = 0;
    uint32_t reproduced = 0;
    uint32_t replays = 0;
  } first[kInvariantCount];

  void Fail(Invariant inv, uint64_t trial, std::string token, std::string explanation,
            std::vector<std::string> evidence) {
    First& f = first[static_cast<int>(inv)];
    if (trial < f.trial) {
      f.trial = trial;
      f.token = std::move(token);
      f.explanation = std::move(explanation);
      f.evidence = std::move(evidence);
      f.needs_confirm = false;
    }
  }
  void NotEvaluated(InvariantSet set) {
    for (Invariant inv : kAllInvariants) {
      if (set.Contains(inv)) ++not_evaluated[static_cast<int>(inv)];
    }
  }
};

// The invariants judged from a completed trial's history (not from how the trial ended).
constexpr InvariantSet kHistoryInvariants = [] {
  InvariantSet s = InvariantSet::All();
  s.Remove(Invariant::kNoCrash);
  s.Remove(Invariant::kNoHang);
  s.Remove(Invariant::kMisuseDetected);
  s.Remove(Invariant::kNoDataRace);
  return s;
}();

// Whether a cell's trials are judged for data races: only a ThreadSanitizer build sees them, only
// real threads race, and only code TSan instruments counts.
bool RaceJudged(const CellSpec& cell) {
#if defined(MAPFAULT_TSAN)
  return cell.mode == ExecMode::kPerturbed && cell.backend->tsan_visible;
#else
  (void)cell;
  return false;
#endif
}

// Consumes one failing-trial line from a worker; returns whether the trial broke an invariant (a
// line may also only report undecided invariants).
bool HandleLine(const std::string& line, CellState& cell) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("t")) return false;
  const uint64_t trial = j["t"].get<uint64_t>();
  const InvariantSet bits = InvariantSet::FromBits(j["b"].get<uint32_t>());
  const InvariantSet claimed = InvariantSet::FromBits(j.value("c", 0u));
  for (Invariant inv : kAllInvariants) {
    if (bits.Contains(inv)) ++cell.failures[static_cast<int>(inv)];
    if (claimed.Contains(inv)) ++cell.claimed_failures[static_cast<int>(inv)];
  }
  if (bits.Contains(Invariant::kNoHang) || bits.Contains(Invariant::kNoCrash)) {
    cell.NotEvaluated(kHistoryInvariants);
  }
  if (j.contains("u")) {
    const InvariantSet undecided = InvariantSet::FromBits(j["u"].get<uint32_t>());
    cell.NotEvaluated(undecided);
    for (Invariant inv : kAllInvariants) {
      if (undecided.Contains(inv)) ++cell.undecided[static_cast<int>(inv)];
    }
  }
  for (const json& f : j["f"]) {
    cell.Fail(static_cast<Invariant>(f["i"].get<int>()), trial, f["k"].get<std::string>(),
              f["e"].get<std::string>(), f["x"].get<std::vector<std::string>>());
  }
  return !bits.empty();
}

}  // namespace

ShardSlice SliceForShard(uint64_t trials, int shard_index, int shard_count) {
  const uint64_t n = static_cast<uint64_t>(std::max(shard_count, 1));
  const uint64_t i = static_cast<uint64_t>(std::clamp(shard_index, 0, static_cast<int>(n) - 1));
  return {trials * i / n, trials * (i + 1) / n};
}

uint64_t CellKey(const std::string& backend, const std::string& scenario) {
  uint64_t h = 1469598103934665603ull;
  for (char c : absl::StrCat(backend, "/", scenario)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

RunResults RunCells(const std::vector<CellSpec>& cells, const SupervisorOptions& options) {
  const int64_t start = NowNs();
  const int jobs = std::max(1, options.jobs);
  RunResults results;
  results.seed = options.seed;
  std::vector<CellState> state(cells.size());

  // This shard's slice of every cell's trials, cut into batches as they are needed (a cursor per
  // cell, so a huge trial count costs nothing up front). Batches are dispatched round robin over the
  // cells, so a time budget or an interruption leaves every cell a fair share; the rest of a batch
  // whose worker died goes first.
  struct Cursor {
    uint64_t next, end, batch;
  };
  std::vector<Cursor> cursors(cells.size());
  std::vector<uint64_t> slice_begin(cells.size()), slice_end(cells.size());
  uint64_t planned = 0;
  for (size_t c = 0; c < cells.size(); ++c) {
    const ShardSlice slice = SliceForShard(cells[c].trials, options.shard_index, options.shard_count);
    slice_begin[c] = slice.begin;
    slice_end[c] = slice.end;
    const uint64_t n = slice.end - slice.begin;
    planned += n;
    uint64_t batch = options.batch;
    if (batch == 0) batch = std::clamp<uint64_t>(n / (static_cast<uint64_t>(jobs) * 4), 64, 2000);
    cursors[c] = {slice.begin, slice.end, batch};
  }
  std::deque<Unit> retry;
  size_t round_robin = 0;
  auto pending = [&] {
    if (!retry.empty()) return true;
    for (const Cursor& k : cursors) {
      if (k.next < k.end) return true;
    }
    return false;
  };
  auto next_unit = [&]() -> Unit {
    if (!retry.empty()) {
      const Unit u = retry.front();
      retry.pop_front();
      return u;
    }
    for (size_t k = 0; k < cursors.size(); ++k) {
      const size_t c = (round_robin + k) % cursors.size();
      Cursor& cur = cursors[c];
      if (cur.next >= cur.end) continue;
      const Unit u{c, cur.next, std::min(cur.end, cur.next + cur.batch)};
      cur.next = u.end;
      round_robin = c + 1;
      return u;
    }
    return Unit{0, 0, 0};  // unreachable: callers check pending()
  };
  auto drop_cell = [&](size_t c) {
    cursors[c].next = cursors[c].end;
    std::erase_if(retry, [&](const Unit& u) { return u.cell == c; });
  };

  auto found_failure = [&](size_t c) {
    if (state[c].first_failure_ns == 0) state[c].first_failure_ns = NowNs() - start;
    if (cells[c].stop_at_first_failure) drop_cell(c);
  };

  auto* slots = static_cast<WorkerSlot*>(MapShared(sizeof(WorkerSlot) * jobs));
  std::vector<bool> slot_busy(jobs, false);
  std::vector<Worker> active;
  uint64_t done_trials = 0;
  uint64_t failing_trials = 0;
  int64_t last_progress = 0;
  bool stopped_early = false;

  auto out_of_time = [&] {
    return options.time_budget_seconds > 0 &&
           (NowNs() - start) / 1e9 > options.time_budget_seconds;
  };
  auto stop_requested = [&] { return options.stop != nullptr && *options.stop != 0; };

  auto spawn = [&](const Unit& unit) {
    size_t s = 0;
    while (slot_busy[s]) ++s;
    slot_busy[s] = true;
    WorkerSlot* slot = new (&slots[s]) WorkerSlot();
    slot->current_trial.store(kNoTrial);
    Worker w;
    w.slot = slot;
    w.unit = unit;
    w.out = MakePipe();
    w.err = MakePipe();
    std::fflush(nullptr);
    w.started_ns = NowNs();
    w.pid = fork();
    if (w.pid == 0) {
      EnterWorker(w.out, w.err, slot);
      WorkerMain(cells[unit.cell], unit, options.seed, slot, w.out.write_fd);
    }
    close(w.out.write_fd);
    close(w.err.write_fd);
    fcntl(w.out.read_fd, F_SETFL, O_NONBLOCK);
    fcntl(w.err.read_fd, F_SETFL, O_NONBLOCK);
    active.push_back(std::move(w));
  };

  // Consumes complete lines of a worker's report.
  auto consume = [&](Worker& w) {
    size_t pos;
    while ((pos = w.out_buf.find('\n')) != std::string::npos) {
      const std::string line = w.out_buf.substr(0, pos);
      w.out_buf.erase(0, pos + 1);
      if (line.rfind("{\"done\"", 0) == 0) {
        w.finished_cleanly = true;
        const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        w.done_count = j.is_discarded() ? 0 : j.value("done", uint64_t{0});
      } else if (HandleLine(line, state[w.unit.cell])) {
        ++failing_trials;
        found_failure(w.unit.cell);
      }
    }
  };

  auto reap = [&](Worker& w) {
    int status = 0;
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(w.out.read_fd);
    close(w.err.read_fd);
    CellState& cell = state[w.unit.cell];
    cell.worker_seconds += (NowNs() - w.started_ns) / 1e9;
    const bool clean = w.finished_cleanly && !w.watchdog_killed && WIFEXITED(status) &&
                       WEXITSTATUS(status) == 0;
    if (clean) {
      const uint64_t ran = std::min(w.done_count, w.unit.end - w.unit.begin);
      cell.trials += ran;
      done_trials += ran;
      return;
    }
    if (w.abandoned) {
      const uint64_t ran = w.slot->done.load();  // trials that finished before the kill
      cell.trials += ran;
      done_trials += ran;
      return;
    }
    uint64_t trial = w.slot->current_trial.load();
    if (trial == kNoTrial || trial < w.unit.begin || trial >= w.unit.end) trial = w.unit.begin;
    const uint64_t ran = trial - w.unit.begin + 1;
    cell.trials += ran;
    done_trials += ran;
    ++failing_trials;
    ++cell.deaths;
    found_failure(w.unit.cell);
    const IsolatedOutcome o =
        ClassifyDeath(status, w.watchdog_killed, w.slot, w.err_buf, options.watchdog_seconds);
    const Violation v = o.AllViolations().front();
    ++cell.failures[static_cast<int>(v.invariant)];
    {
      const TrialSpec dead = SpecFor(cells[w.unit.cell], options.seed, trial);
      const Program program = ProgramFor(dead);
      if (ClaimsFor(*dead.backend, program).Contains(v.invariant)) {
        ++cell.claimed_failures[static_cast<int>(v.invariant)];
      }
    }
    switch (o.kind) {
      case IsolatedOutcome::Kind::kMisuse:
        cell.NotEvaluated(InvariantSet{Invariant::kNoCrash, Invariant::kNoHang});
        break;
      case IsolatedOutcome::Kind::kHang:
        cell.NotEvaluated(InvariantSet{Invariant::kNoCrash, Invariant::kMisuseDetected});
        break;
      case IsolatedOutcome::Kind::kDataRace:  // halted at the race: how it would have ended is unknown
        cell.NotEvaluated(
            InvariantSet{Invariant::kNoCrash, Invariant::kNoHang, Invariant::kMisuseDetected});
        break;
      default: break;
    }
    cell.NotEvaluated(kHistoryInvariants);
    const TrialSpec spec = SpecFor(cells[w.unit.cell], options.seed, trial);
    CellState::First& f = cell.first[static_cast<int>(v.invariant)];
    if (trial < f.trial) {
      f.trial = trial;
      f.token = MakeToken(spec, v.invariant, std::nullopt).Encode();
      f.explanation = v.explanation;
      f.needs_confirm = true;
      f.kind = o.kind;
      f.signal = o.signal;
    }
    if (trial + 1 < w.unit.end && !cells[w.unit.cell].stop_at_first_failure) {
      if (cell.deaths < options.max_crashes_per_cell && cell.hangs < options.max_hangs_per_cell) {
        retry.push_front({w.unit.cell, trial + 1, w.unit.end});
      }
    }
    if (o.kind == IsolatedOutcome::Kind::kHang) ++cell.hangs;
    if (cell.deaths >= options.max_crashes_per_cell || cell.hangs >= options.max_hangs_per_cell) {
      drop_cell(w.unit.cell);
    }
  };

  while (pending() || !active.empty()) {
    if (stop_requested() || out_of_time()) {
      if (pending()) stopped_early = true;
      for (size_t c = 0; c < cursors.size(); ++c) drop_cell(c);
    }
    if (options.stop != nullptr && *options.stop >= 2) {
      for (Worker& w : active) {
        if (!w.abandoned && !w.finished_cleanly) {
          kill(w.pid, SIGKILL);
          w.abandoned = true;
          stopped_early = true;
        }
      }
    }
    while (static_cast<int>(active.size()) < jobs && pending()) {
      const Unit u = next_unit();
      spawn(u);
    }
    if (active.empty()) break;
    std::vector<pollfd> fds;
    for (const Worker& w : active) {
      fds.push_back({w.out_open ? w.out.read_fd : -1, POLLIN, 0});
      fds.push_back({w.err_open ? w.err.read_fd : -1, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), 20);
    const int64_t now = NowNs();
    for (size_t i = 0; i < active.size();) {
      Worker& w = active[i];
      if (w.out_open) w.out_open = Drain(w.out.read_fd, w.out_buf);
      if (w.err_open) {
        w.err_open = Drain(w.err.read_fd, w.err_buf);
        if (w.err_buf.size() > 8192) w.err_buf.erase(0, w.err_buf.size() - 4096);
      }
      consume(w);
      if (!w.watchdog_killed && !w.abandoned && w.slot->current_trial.load() != kNoTrial &&
          now - w.slot->started_ns.load() > static_cast<int64_t>(options.watchdog_seconds * 1e9)) {
        kill(w.pid, SIGKILL);
        w.watchdog_killed = true;
      }
      if (!w.out_open && !w.err_open) {
        reap(w);
        slot_busy[w.slot - slots] = false;
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    if (options.on_progress && now - last_progress > 100000000) {
      last_progress = now;
      uint64_t in_flight = 0;
      for (const Worker& w : active) in_flight += w.slot->done.load();
      options.on_progress({planned, done_trials + in_flight, failing_trials, (now - start) / 1e9});
    }
  }
  munmap(slots, sizeof(WorkerSlot) * jobs);

  // Confirm each reported crash, hang or misuse by replaying it alone in a fresh worker.
  for (size_t c = 0; c < cells.size(); ++c) {
    for (CellState::First& f : state[c].first) {
      if (!f.needs_confirm) continue;
      const IsolatedOutcome o =
          RunTrialIsolated(SpecFor(cells[c], options.seed, f.trial), options.watchdog_seconds);
      f.needs_confirm = o.kind != f.kind || o.signal != f.signal;  // reuse as "unconfirmed"
    }
  }

  // Measure how often each perturbed break reproduces: replay its first failing trial (once per
  // distinct trial; one replay serves every invariant that trial broke).
  for (size_t c = 0; c < cells.size() && options.reproduction_replays > 0; ++c) {
    if (cells[c].mode != ExecMode::kPerturbed) continue;
    absl::flat_hash_map<uint64_t, std::vector<InvariantSet>> replayed;  // trial -> broken per replay
    for (CellState::First& f : state[c].first) {
      if (f.trial == kNoTrial || f.kind == IsolatedOutcome::Kind::kHang) continue;
      if (options.stop != nullptr && *options.stop != 0) break;
      auto [it, fresh] = replayed.try_emplace(f.trial);
      if (fresh) {
        const TrialSpec spec = SpecFor(cells[c], options.seed, f.trial);
        for (int i = 0; i < options.reproduction_replays; ++i) {
          InvariantSet broke;
          for (const Violation& v :
               RunTrialIsolated(spec, options.watchdog_seconds).AllViolations()) {
            broke.Add(v.invariant);
          }
          it->second.push_back(broke);
        }
      }
    }
    for (Invariant inv : kAllInvariants) {
      CellState::First& f = state[c].first[static_cast<int>(inv)];
      auto it = replayed.find(f.trial);
      if (f.trial == kNoTrial || it == replayed.end()) continue;
      f.replays = static_cast<uint32_t>(it->second.size());
      for (const InvariantSet& broke : it->second) f.reproduced += broke.Contains(inv);
    }
  }

  for (size_t c = 0; c < cells.size(); ++c) {
    const CellState& s = state[c];
    CellResult r;
    r.backend = cells[c].backend->id;
    r.scenario = cells[c].scenario->id;
    r.params = cells[c].params;
    r.strategy = cells[c].strategy.ToString();
    r.mode = cells[c].mode == ExecMode::kPerturbed ? "perturbed" : "controlled";
    r.trials_planned = slice_end[c] - slice_begin[c];
    r.trials = s.trials;
    r.worker_seconds = s.worker_seconds;
    r.first_failure_seconds = s.first_failure_ns / 1e9;
    for (Invariant inv : kAllInvariants) {
      const int i = static_cast<int>(inv);
      InvariantResult& ir = r.invariants[i];
      ir.evaluated = s.trials - std::min(s.trials, s.not_evaluated[i]);
      if (inv == Invariant::kNoDataRace && !RaceJudged(cells[c])) ir.evaluated = 0;
      if (!cells[c].checked.Contains(inv)) {  // not asked for: NOT_RUN
        ir.evaluated = 0;
        continue;
      }
      ir.failures = s.failures[i];
      ir.undecided = s.undecided[i];
      ir.verdict = Judge(inv, ir.evaluated, ir.failures, s.claimed_failures[i]);
      if (s.first[i].trial != kNoTrial) {
        ir.first_failure_trial = s.first[i].trial + 1;
        ir.token = s.first[i].token;
        ir.explanation = s.first[i].explanation;
        ir.evidence = s.first[i].evidence;
        ir.confirmed = !s.first[i].needs_confirm;
        ir.reproduced = s.first[i].reproduced;
        ir.replays = s.first[i].replays;
      }
    }
    results.cells.push_back(std::move(r));
  }
  results.partial = stopped_early;
  results.seconds = (NowNs() - start) / 1e9;
  return results;
}

}  // namespace mapfault
