// The supervisor: worker processes, crash attribution, watchdog, confirmation replays.
#include "harness/supervisor.h"

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
#include <optional>

#include "absl/strings/str_cat.h"
#include "harness/misuse.h"
#include "harness/rng.h"
#include "harness/token.h"
#include "nlohmann/json.hpp"

namespace mapfault {
namespace {

using json = nlohmann::json;

constexpr uint64_t kNoTrial = ~uint64_t{0};

// Shared between a worker and the supervisor (MAP_SHARED), one per concurrently running worker.
struct WorkerSlot {
  std::atomic<uint64_t> current_trial;
  std::atomic<uint64_t> done;
  std::atomic<int64_t> started_ns;
  char misuse[512];
};

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void* MapShared(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mapfault: mmap");
    std::abort();
  }
  return p;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads what is available from a non-blocking fd; returns false at EOF.
bool Drain(int fd, std::string& into) {
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN
  }
}

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
};

Pipe MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("mapfault: pipe");
    std::abort();
  }
  return {fds[0], fds[1]};
}

// Child-side set-up shared by every worker: quiet stdout, stderr into `err`, misuse sink.
void EnterWorker(const Pipe& out, const Pipe& err, WorkerSlot* slot) {
  close(out.read_fd);
  close(err.read_fd);
  dup2(err.write_fd, STDERR_FILENO);
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
  signal(SIGINT, SIG_IGN);  // the supervisor decides when to stop
  SetMisuseSink(slot->misuse, sizeof slot->misuse);
}

// The one-line summary a sanitizer prints before it kills the process ("" when there is none).
std::string SanitizerSummary(const std::string& text) {
  const size_t pos = text.rfind("SUMMARY: ");
  if (pos == std::string::npos) return "";
  return text.substr(pos, text.find('\n', pos) - pos);
}

std::string LastLine(const std::string& text) {
  std::string_view s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  const size_t nl = s.rfind('\n');
  return std::string(nl == std::string_view::npos ? s : s.substr(nl + 1));
}

ReplayToken MakeToken(const TrialSpec& spec, Invariant inv,
                      std::optional<std::vector<uint8_t>> choices) {
  ReplayToken t;
  t.mode = ExecMode::kControlled;
  t.scenario = spec.scenario->id;
  t.params = spec.params;
  t.backend = spec.backend->id;
  t.strategy = spec.strategy;
  t.seed = spec.seed;
  t.max_steps = spec.max_steps;
  t.invariant = inv;
  t.choices = std::move(choices);
  return t;
}

TrialSpec SpecFor(const CellSpec& cell, uint64_t run_seed, uint64_t trial) {
  TrialSpec spec;
  spec.backend = cell.backend;
  spec.scenario = cell.scenario;
  spec.params = cell.params;
  spec.strategy = cell.strategy;
  spec.max_steps = cell.max_steps;
  spec.seed = TrialSeed(run_seed, CellKey(cell.backend->id, cell.scenario->id), trial);
  return spec;
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
    const TrialResult r = RunControlledTrial(spec);
    if (!r.violations.empty()) {
      json line = {{"t", t}, {"b", r.violated().bits()}, {"f", json::array()}};
      for (const Violation& v : r.violations) {
        const uint32_t bit = 1u << static_cast<int>(v.invariant);
        if (detailed & bit) continue;
        detailed |= bit;
        line["f"].push_back({{"i", static_cast<int>(v.invariant)},
                             {"k", MakeToken(spec, v.invariant, r.run.choices).Encode()},
                             {"e", v.explanation}});
      }
      WriteAll(out_fd, line.dump() + "\n");
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
  bool watchdog_killed = false;
};

// Per-cell accumulation.
struct CellState {
  uint64_t trials = 0;
  uint64_t failures[kInvariantCount] = {};
  uint64_t not_evaluated[kInvariantCount] = {};
  uint64_t deaths = 0;
  struct First {
    uint64_t trial = kNoTrial;
    std::string token, explanation;
    bool needs_confirm = false;
    IsolatedOutcome::Kind kind = IsolatedOutcome::Kind::kCompleted;
    int signal = 0;
  } first[kInvariantCount];

  void Fail(Invariant inv, uint64_t trial, std::string token, std::string explanation) {
    First& f = first[static_cast<int>(inv)];
    if (trial < f.trial) {
      f.trial = trial;
      f.token = std::move(token);
      f.explanation = std::move(explanation);
      f.needs_confirm = false;
    }
  }
  void NotEvaluated(InvariantSet set) {
    for (Invariant inv : kAllInvariants) {
      if (set.Contains(inv)) ++not_evaluated[static_cast<int>(inv)];
    }
  }
};

constexpr InvariantSet kIterationInvariants = {
    Invariant::kIterNoDuplicate, Invariant::kIterNoMissedStable, Invariant::kIterNoPhantom};

void HandleLine(const std::string& line, CellState& cell) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("t")) return;
  const uint64_t trial = j["t"].get<uint64_t>();
  const InvariantSet bits = InvariantSet::FromBits(j["b"].get<uint32_t>());
  for (Invariant inv : kAllInvariants) {
    if (bits.Contains(inv)) ++cell.failures[static_cast<int>(inv)];
  }
  if (bits.Contains(Invariant::kNoHang) || bits.Contains(Invariant::kNoCrash)) {
    cell.NotEvaluated(kIterationInvariants);
  }
  for (const json& f : j["f"]) {
    cell.Fail(static_cast<Invariant>(f["i"].get<int>()), trial, f["k"].get<std::string>(),
              f["e"].get<std::string>());
  }
}

// Classifies a worker that died (or was killed) while running a trial.
IsolatedOutcome ClassifyDeath(int status, bool watchdog_killed, const WorkerSlot* slot,
                              const std::string& err, double watchdog_seconds) {
  IsolatedOutcome o;
  const std::string last = LastLine(err);
  const std::string sanitizer = SanitizerSummary(err);
  if (watchdog_killed) {
    o.kind = IsolatedOutcome::Kind::kHang;
    o.detail = absl::StrCat("the trial ran longer than the ", watchdog_seconds,
                            " s watchdog and was killed");
  } else if (slot->misuse[0] != '\0') {
    o.kind = IsolatedOutcome::Kind::kMisuse;
    o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    o.detail = slot->misuse;
  } else if (!sanitizer.empty()) {
    o.kind = IsolatedOutcome::Kind::kSanitizer;
    o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    o.detail = absl::StrCat("a sanitizer stopped the worker: ", sanitizer);
  } else if (WIFSIGNALED(status)) {
    o.kind = IsolatedOutcome::Kind::kSignal;
    o.signal = WTERMSIG(status);
    o.detail = absl::StrCat("the worker died by ", SignalName(o.signal),
                            last.empty() ? "" : absl::StrCat(" after printing \"", last, "\""));
  } else {
    o.kind = IsolatedOutcome::Kind::kExit;
    o.detail = absl::StrCat("the worker exited with status ", WEXITSTATUS(status),
                            last.empty() ? "" : absl::StrCat(" after printing \"", last, "\""));
  }
  return o;
}

}  // namespace

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* desc = sigdescr_np(sig);
  return absl::StrCat("SIG", abbrev ? abbrev : "?", " (", desc ? desc : "unknown signal", ")");
}

uint64_t CellKey(const std::string& backend, const std::string& scenario) {
  uint64_t h = 1469598103934665603ull;
  for (char c : absl::StrCat(backend, "/", scenario)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<Violation> IsolatedOutcome::AllViolations() const {
  switch (kind) {
    case Kind::kCompleted: return violations;
    case Kind::kSignal:
    case Kind::kSanitizer:
    case Kind::kExit: return {{Invariant::kNoCrash, detail}};
    case Kind::kMisuse:
      return {{Invariant::kMisuseDetected,
               absl::StrCat("the backend detected misuse and aborted: fatal error: ", detail)}};
    case Kind::kHang: return {{Invariant::kNoHang, detail}};
  }
  return {};
}

uint64_t IsolatedOutcome::TraceDigest() const {
  uint64_t h = Mix64(trace.size());
  for (const TraceEvent& e : trace) {
    h = Mix64(h ^ (static_cast<uint64_t>(e.step) << 16 | e.thread << 8 | static_cast<int>(e.kind)));
    h = Mix64(h ^ static_cast<uint64_t>(e.a) ^ Mix64(static_cast<uint64_t>(e.b)));
    h = Mix64(h ^ reinterpret_cast<uintptr_t>(e.label) ^ e.preempted);
  }
  return h;
}

IsolatedOutcome RunTrialIsolated(const TrialSpec& spec_in, double watchdog_seconds) {
  constexpr size_t kCapacity = 1 << 18;
  const size_t bytes = sizeof(WorkerSlot) + sizeof(size_t) + kCapacity * sizeof(TraceEvent);
  char* shared = static_cast<char*>(MapShared(bytes));
  auto* slot = new (shared) WorkerSlot();
  auto* count = reinterpret_cast<size_t*>(shared + sizeof(WorkerSlot));
  auto* events = reinterpret_cast<TraceEvent*>(shared + sizeof(WorkerSlot) + sizeof(size_t));
  *count = 0;

  const Pipe out = MakePipe();
  const Pipe err = MakePipe();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    EnterWorker(out, err, slot);
    TraceBuffer trace{events, kCapacity, count};
    TrialSpec spec = spec_in;
    spec.trace = &trace;
    slot->started_ns.store(NowNs());
    const TrialResult r = RunControlledTrial(spec);
    json j = {{"diverged", r.run.kind == RunResult::Kind::kDivergence},
              {"detail", r.run.detail},
              {"steps", r.run.steps},
              {"preemptions", r.run.preemptions},
              {"choices", r.run.choices},
              {"violations", json::array()},
              {"results", json::array()}};
    for (const auto& ops : r.history.threads) {
      json t = json::array();
      for (const OpRecord& op : ops) t.push_back(op.ResultString());
      j["results"].push_back(std::move(t));
    }
    json post = json::array();
    for (const OpRecord& op : r.history.post) post.push_back(op.ResultString());
    j["results"].push_back(std::move(post));
    for (const Violation& v : r.violations) {
      j["violations"].push_back({{"i", static_cast<int>(v.invariant)}, {"e", v.explanation}});
    }
    WriteAll(out.write_fd, j.dump());
    _exit(0);
  }
  close(out.write_fd);
  close(err.write_fd);
  fcntl(out.read_fd, F_SETFL, O_NONBLOCK);
  fcntl(err.read_fd, F_SETFL, O_NONBLOCK);
  std::string out_buf, err_buf;
  bool out_open = true, err_open = true, killed = false;
  const int64_t deadline = NowNs() + static_cast<int64_t>(watchdog_seconds * 1e9);
  while (out_open || err_open) {
    pollfd fds[2] = {{out.read_fd, POLLIN, 0}, {err.read_fd, POLLIN, 0}};
    poll(fds, 2, 50);
    if (out_open) out_open = Drain(out.read_fd, out_buf);
    if (err_open) err_open = Drain(err.read_fd, err_buf);
    if (!killed && NowNs() > deadline) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(out.read_fd);
  close(err.read_fd);

  IsolatedOutcome o;
  const json j = json::parse(out_buf, nullptr, false);
  const bool clean = !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0 && !j.is_discarded();
  if (clean) {
    o.kind = IsolatedOutcome::Kind::kCompleted;
    o.diverged = j["diverged"].get<bool>();
    o.detail = j["detail"].get<std::string>();
    o.steps = j["steps"].get<uint64_t>();
    o.preemptions = j["preemptions"].get<int>();
    o.choices = j["choices"].get<std::vector<uint8_t>>();
    o.results = j["results"].get<std::vector<std::vector<std::string>>>();
    for (const json& v : j["violations"]) {
      o.violations.push_back({static_cast<Invariant>(v["i"].get<int>()), v["e"].get<std::string>()});
    }
  } else {
    o = ClassifyDeath(status, killed, slot, err_buf, watchdog_seconds);
  }
  o.trace.assign(events, events + std::min(*count, kCapacity));
  munmap(shared, bytes);
  return o;
}

RunResults RunCells(const std::vector<CellSpec>& cells, const SupervisorOptions& options) {
  const int64_t start = NowNs();
  const int jobs = std::max(1, options.jobs);
  RunResults results;
  results.seed = options.seed;
  std::vector<CellState> state(cells.size());

  std::deque<Unit> queue;
  uint64_t planned = 0;
  for (size_t c = 0; c < cells.size(); ++c) {
    const uint64_t n = cells[c].trials;
    planned += n;
    uint64_t batch = options.batch;
    if (batch == 0) batch = std::clamp<uint64_t>(n / (static_cast<uint64_t>(jobs) * 4), 64, 2000);
    for (uint64_t b = 0; b < n; b += batch) queue.push_back({c, b, std::min(n, b + batch)});
  }

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
      } else {
        HandleLine(line, state[w.unit.cell]);
        ++failing_trials;
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
    const bool clean = w.finished_cleanly && !w.watchdog_killed && WIFEXITED(status) &&
                       WEXITSTATUS(status) == 0;
    if (clean) {
      cell.trials += w.unit.end - w.unit.begin;
      done_trials += w.unit.end - w.unit.begin;
      return;
    }
    uint64_t trial = w.slot->current_trial.load();
    if (trial == kNoTrial || trial < w.unit.begin || trial >= w.unit.end) trial = w.unit.begin;
    const uint64_t ran = trial - w.unit.begin + 1;
    cell.trials += ran;
    done_trials += ran;
    ++failing_trials;
    ++cell.deaths;
    const IsolatedOutcome o =
        ClassifyDeath(status, w.watchdog_killed, w.slot, w.err_buf, options.watchdog_seconds);
    const Violation v = o.AllViolations().front();
    ++cell.failures[static_cast<int>(v.invariant)];
    switch (o.kind) {
      case IsolatedOutcome::Kind::kMisuse:
        cell.NotEvaluated(InvariantSet{Invariant::kNoCrash, Invariant::kNoHang});
        break;
      case IsolatedOutcome::Kind::kHang:
        cell.NotEvaluated(InvariantSet{Invariant::kNoCrash, Invariant::kMisuseDetected});
        break;
      default: break;
    }
    cell.NotEvaluated(kIterationInvariants);
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
    if (trial + 1 < w.unit.end) {
      if (cell.deaths < options.max_crashes_per_cell) {
        queue.push_front({w.unit.cell, trial + 1, w.unit.end});
      }
    }
    if (cell.deaths >= options.max_crashes_per_cell) {
      std::erase_if(queue, [&](const Unit& u) { return u.cell == w.unit.cell; });
    }
  };

  while (!queue.empty() || !active.empty()) {
    if (stop_requested() || out_of_time()) {
      if (!queue.empty()) stopped_early = true;
      queue.clear();
    }
    while (static_cast<int>(active.size()) < jobs && !queue.empty()) {
      const Unit u = queue.front();
      queue.pop_front();
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
      if (!w.watchdog_killed && w.slot->current_trial.load() != kNoTrial &&
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

  for (size_t c = 0; c < cells.size(); ++c) {
    const CellState& s = state[c];
    CellResult r;
    r.backend = cells[c].backend->id;
    r.scenario = cells[c].scenario->id;
    r.params = cells[c].params;
    r.strategy = cells[c].strategy.ToString();
    r.trials_planned = cells[c].trials;
    r.trials = s.trials;
    for (Invariant inv : kAllInvariants) {
      const int i = static_cast<int>(inv);
      InvariantResult& ir = r.invariants[i];
      ir.evaluated = s.trials - std::min(s.trials, s.not_evaluated[i]);
      ir.failures = s.failures[i];
      ir.verdict = Judge(*cells[c].backend, inv, ir.evaluated, ir.failures);
      if (s.first[i].trial != kNoTrial) {
        ir.first_failure_trial = s.first[i].trial + 1;
        ir.token = s.first[i].token;
        ir.explanation = s.first[i].explanation;
        ir.confirmed = !s.first[i].needs_confirm;
      }
    }
    results.cells.push_back(std::move(r));
  }
  results.partial = stopped_early;
  results.seconds = (NowNs() - start) / 1e9;
  return results;
}

}  // namespace mapfault
