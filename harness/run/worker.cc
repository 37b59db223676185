// Worker processes (see worker.h).
#include "harness/run/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/base/rng.h"
#include "harness/engine/misuse.h"
#include "harness/run/stall_clock.h"
#include "harness/run/symbolize.h"
#include "harness/run/tsan_report.h"
#include "harness/run/worker_limits.h"
#include "nlohmann/json.hpp"

#if defined(MAPFAULT_TSAN)
// The TSan oracle: a worker stops at its first data race (exit status 66) and the supervisor turns
// the report's summary into a no-data-race finding. Read by the TSan runtime at startup.
extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:exitcode=66:report_signal_unsafe=0:history_size=4";
}
#endif

namespace mapfault {
namespace {

using json = nlohmann::json;

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

}  // namespace

namespace worker_internal {


void WorkerSlot::AddPhases(const TrialPhases& p) {
  auto add = [](std::atomic<int64_t>& sum, int64_t ns) {
    sum.store(sum.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
  };
  add(setup_ns, p.setup_ns);
  add(thread_start_ns, p.thread_start_ns);
  add(trial_ns, p.trial_ns);
  add(checking_ns, p.checking_ns);
}

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



Pipe MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("mapfault: pipe");
    std::abort();
  }
  return {fds[0], fds[1]};
}

// Defined only when GCC's profiling runtime is linked in (-fprofile-generate). A weak reference,
// not a macro: the code is the same in the instrumented and the optimised build, as the profile
// requires.
extern "C" [[gnu::weak]] void __gcov_dump();

void ExitWorker(int status) {
  if (__gcov_dump != nullptr) __gcov_dump();
  _exit(status);
}

void EnterWorker(const Pipe& out, const Pipe& err, WorkerSlot* slot) {
  close(out.read_fd);
  close(err.read_fd);
  dup2(err.write_fd, STDERR_FILENO);
  const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
  setpgid(0, 0);            // its own process group: the supervisor kills what it leaves behind
  ApplyWorkerLimits();
  signal(SIGINT, SIG_IGN);  // the supervisor decides when to stop
  SetMisuseSink(slot->misuse, sizeof slot->misuse);
  InstallCrashCapture(&slot->crash);
}

namespace {
WorkerSlot* watchdog_slot = nullptr;
int64_t search_deadline_ns = 0;
bool RestartWatchdog() {
  const int64_t now = NowNs();
  watchdog_slot->started_ns.store(now);
  return search_deadline_ns == 0 || now < search_deadline_ns;
}
void ScaleWatchdog(const Program& program) {
  watchdog_slot->watchdog_scale.store(WatchdogScale(program));
}
}  // namespace

void RestartWatchdogAtEachSchedule(WorkerSlot* slot, int64_t deadline_ns) {
  watchdog_slot = slot;
  search_deadline_ns = deadline_ns;
  SetScheduleStartHook(&RestartWatchdog);
  SetProgramReadyHook(&ScaleWatchdog);
}

std::string MisuseLine(const std::string& err, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return "";
  std::string_view rest = err;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    for (const std::string& p : patterns) {
      if (p.empty() || line.find(p) == std::string_view::npos) continue;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      constexpr std::string_view kFatal = "fatal error: ";
      if (line.starts_with(kFatal)) line.remove_prefix(kFatal.size());
      return std::string(line);
    }
  }
  return "";
}

IsolatedOutcome ClassifyDeath(int status, bool watchdog_killed, const WorkerSlot* slot,
                              const std::string& err, double watchdog_seconds,
                              const std::vector<std::string>& misuse_patterns) {
  IsolatedOutcome o;
  const std::string sanitizer = SanitizerSummary(err);
  const std::string misuse_line = watchdog_killed ? "" : MisuseLine(err, misuse_patterns);
  // A runtime that prints its own "fatal error: ..." before a traceback (Go's) is named by that
  // line, not by the traceback's last line.
  std::string last = MisuseLine(err, {"fatal error: "});
  last = last.empty() ? LastLine(err) : absl::StrCat("fatal error: ", last);
  if (watchdog_killed) {
    o.kind = IsolatedOutcome::Kind::kHang;
    o.detail = absl::StrCat("the trial ran longer than the ", watchdog_seconds,
                            " s watchdog and was killed");
  } else if (slot->misuse[0] != '\0') {
    o.kind = IsolatedOutcome::Kind::kMisuse;
    o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    o.detail = slot->misuse;
  } else if (!misuse_line.empty()) {
    o.kind = IsolatedOutcome::Kind::kMisuse;
    o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    o.detail = misuse_line;
  } else if (sanitizer.find("ThreadSanitizer: data race") != std::string::npos) {
    o.kind = IsolatedOutcome::Kind::kDataRace;
    o.stacks = ParseTsanRaceStacks(err);  // both accesses' stacks, and the allocation's
    std::string race = RaceSummary(o.stacks);
    if (race.empty()) {  // no access block survived in the stderr kept: TSan's one-line summary
      race = sanitizer.substr(std::string_view("SUMMARY: ThreadSanitizer: data race ").size());
    }
    o.detail = absl::StrCat("ThreadSanitizer reported a data race: ", race);
  } else if (!sanitizer.empty()) {
    o.kind = IsolatedOutcome::Kind::kSanitizer;
    o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    o.detail = absl::StrCat("a sanitizer stopped the worker: ", sanitizer);
  } else if (WIFSIGNALED(status)) {
    o.kind = IsolatedOutcome::Kind::kSignal;
    o.signal = WTERMSIG(status);
    o.detail = absl::StrCat("the worker died by ", SignalName(o.signal),
                            last.empty() ? "" : absl::StrCat(" after printing \"", last, "\""),
                            WorkerLimitHint(o.signal, err));
  } else {
    o.kind = IsolatedOutcome::Kind::kExit;
    o.detail = absl::StrCat("the worker exited with status ", WEXITSTATUS(status),
                            last.empty() ? "" : absl::StrCat(" after printing \"", last, "\""));
  }
  return o;
}

void AppendHashesFrame(std::string& out, const uint64_t* hashes, size_t count) {
  out.append(kHashesLine);
  absl::StrAppend(&out, count, "\n");
  out.append(reinterpret_cast<const char*>(hashes), count * sizeof(uint64_t));
}

HashesFrame ReadHashesFrame(std::string_view rest, std::vector<uint64_t>& out) {
  using Status = HashesFrame::Status;
  const size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    // A header is short: a long unterminated one is no header.
    return rest.size() > kHashesLine.size() + 20 ? HashesFrame{Status::kMalformed, rest.size()}
                                                 : HashesFrame{Status::kIncomplete, 0};
  }
  const std::string_view digits = rest.substr(kHashesLine.size(), nl - kHashesLine.size());
  uint64_t count = 0;
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (count = std::stoull(std::string(digits))) > kMaxFrameHashes) {
    return {Status::kMalformed, nl + 1};
  }
  const size_t size = nl + 1 + count * sizeof(uint64_t);
  if (rest.size() < size) return {Status::kIncomplete, 0};
  const size_t first = out.size();
  out.resize(first + count);
  std::memcpy(out.data() + first, rest.data() + nl + 1, count * sizeof(uint64_t));
  return {Status::kComplete, size};
}

}  // namespace worker_internal

using namespace worker_internal;

std::string WatchdogProblem(double seconds) {
  if (std::isfinite(seconds) && seconds > 0 && seconds <= kMaxWatchdogSeconds) return "";
  return absl::StrCat("bad --watchdog ", seconds, ": give the seconds a single trial may run, a ",
                      "finite number > 0 and <= ", kMaxWatchdogSeconds, " (e.g. --watchdog 5)");
}

int64_t SecondsToNs(double seconds) {
  if (std::isnan(seconds)) return std::numeric_limits<int64_t>::max();  // no bound, never "hung"
  if (seconds <= 0) return 0;
  constexpr double kMax = static_cast<double>(std::numeric_limits<int64_t>::max());
  const double ns = seconds * 1e9;
  return ns >= kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(ns);
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* desc = sigdescr_np(sig);
  return absl::StrCat("SIG", abbrev ? abbrev : "?", " (", desc ? desc : "unknown signal", ")");
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
    case Kind::kDataRace: return {{Invariant::kNoDataRace, detail}};
    case Kind::kInterrupted: return {};
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

namespace {

// Takes one block of every small allocation size class and one block above the allocator's mmap
// threshold, held for the process's life, so that each later allocation gets another address than
// it would have had (TrialSpec::shift_heap).
void ShiftHeap() {
  static std::vector<std::unique_ptr<char[]>>* held = new std::vector<std::unique_ptr<char[]>>();
  for (size_t size = 8; size <= 4096; size += 8) held->emplace_back(new char[size]);
  held->emplace_back(new char[size_t{1} << 20]);
}

// The isolated child's body: runs the trial and writes its outcome to `out_fd` as JSON.
[[noreturn]] void IsolatedChild(const TrialSpec& spec_in, TraceBuffer* trace, WorkerSlot* slot,
                                int out_fd) {
  TrialSpec spec = spec_in;
  spec.trace = trace;
  if (spec.shift_heap) ShiftHeap();
  slot->started_ns.store(NowNs());
  RestartWatchdogAtEachSchedule(slot);
  const TrialResult r = RunTrial(spec);
  json j = {{"diverged", r.run.kind == RunResult::Kind::kDivergence},
            {"detail", r.run.detail},
            {"steps", r.run.steps},
            {"preemptions", r.run.preemptions},
            {"choices", r.run.choices},
            {"undecided", r.undecided.bits()},
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
    j["violations"].push_back(
        {{"i", static_cast<int>(v.invariant)}, {"e", v.explanation}, {"x", v.evidence}});
  }
  j["stale_reads"] = r.run.stale_reads;
  if (r.search) {
    const SearchOutcome& s = *r.search;
    j["search"] = {{"schedules", s.schedules}, {"executions", s.executions},
                   {"pruned", s.pruned},       {"foreign", s.foreign},
                   {"bound_complete", s.bound_complete},
                   {"complete", s.complete},   {"stopped", s.stopped}};
  }
  WriteAll(out_fd, j.dump());
  ExitWorker(0);
}

// A completed child's report, read back.
IsolatedOutcome ParseIsolatedReport(const json& j) {
  IsolatedOutcome o;
  o.kind = IsolatedOutcome::Kind::kCompleted;
  o.diverged = j["diverged"].get<bool>();
  o.detail = j["detail"].get<std::string>();
  o.steps = j["steps"].get<uint64_t>();
  o.preemptions = j["preemptions"].get<int>();
  o.choices = j["choices"].get<std::vector<uint8_t>>();
  o.results = j["results"].get<std::vector<std::vector<std::string>>>();
  o.undecided = InvariantSet::FromBits(j["undecided"].get<uint32_t>());
  for (const json& v : j["violations"]) {
    o.violations.push_back({static_cast<Invariant>(v["i"].get<int>()), v["e"].get<std::string>(),
                            v["x"].get<std::vector<std::string>>()});
  }
  o.stale_reads = j["stale_reads"].get<uint32_t>();
  if (j.contains("search")) {
    const json& s = j["search"];
    o.search = SearchOutcome{.schedules = s["schedules"].get<uint64_t>(),
                             .executions = s["executions"].get<uint64_t>(),
                             .pruned = s["pruned"].get<uint64_t>(),
                             .foreign = s["foreign"].get<uint64_t>(),
                             .bound_complete = s["bound_complete"].get<int>(),
                             .complete = s["complete"].get<bool>(),
                             .stopped = s["stopped"].get<std::string>()};
  }
  return o;
}

// How the parent's wait for an isolated child ended.
struct IsolatedWait {
  std::string out, err;
  int status = 0;
  bool killed = false;       // by the watchdog
  bool interrupted = false;  // by *stop
};

// Waits for the child `pid` to exit (not for its pipes to close: a child it forked may hold them
// open), killing it `allowed_ns` after the start of its latest schedule (slot->started_ns) or when
// *stop is set; then kills what it left in its group.
IsolatedWait AwaitIsolated(pid_t pid, const Pipe& out, const Pipe& err, const WorkerSlot* slot,
                           int64_t allowed_ns, const volatile std::sig_atomic_t* stop) {
  IsolatedWait w;
  bool out_open = true, err_open = true, exited = false;
  while (!exited && (out_open || err_open)) {
    pollfd fds[2] = {{out_open ? out.read_fd : -1, POLLIN, 0}, {err_open ? err.read_fd : -1, POLLIN, 0}};
    poll(fds, 2, 50);
    exited = waitpid(pid, &w.status, WNOHANG) == pid;
    if (out_open) out_open = Drain(out.read_fd, w.out);
    if (err_open) err_open = Drain(err.read_fd, w.err);
    if (exited || w.killed || w.interrupted) continue;
    if (stop != nullptr && *stop != 0) {
      kill(pid, SIGKILL);
      w.interrupted = true;
    } else if (TrialOverran(NowNs(), slot->started_ns.load(), allowed_ns)) {
      kill(pid, SIGKILL);
      w.killed = true;
    }
  }
  while (!exited && waitpid(pid, &w.status, 0) < 0 && errno == EINTR) {
  }
  kill(-pid, SIGKILL);  // what the worker left behind in its process group
  return w;
}

}  // namespace

IsolatedOutcome RunTrialIsolated(const TrialSpec& spec, double watchdog_seconds,
                                 const volatile std::sig_atomic_t* stop) {
  if (stop != nullptr && *stop != 0) {
    IsolatedOutcome o;
    o.kind = IsolatedOutcome::Kind::kInterrupted;
    o.detail = "interrupted before the trial started";
    return o;
  }
  constexpr size_t kCapacity = 1 << 18;
  const size_t bytes = sizeof(WorkerSlot) + sizeof(size_t) + kCapacity * sizeof(TraceEvent);
  char* shared = static_cast<char*>(MapShared(bytes));
  auto* slot = new (shared) WorkerSlot();
  slot->started_ns.store(NowNs());  // the child restarts it at each schedule
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
    IsolatedChild(spec, &trace, slot, out.write_fd);
  }
  close(out.write_fd);
  close(err.write_fd);
  fcntl(out.read_fd, F_SETFL, O_NONBLOCK);
  fcntl(err.read_fd, F_SETFL, O_NONBLOCK);
  setpgid(pid, pid);
  const double allowed = watchdog_seconds * static_cast<double>(WatchdogScale(ProgramFor(spec)));
  const IsolatedWait w = AwaitIsolated(pid, out, err, slot, SecondsToNs(allowed), stop);
  close(out.read_fd);
  close(err.read_fd);

  IsolatedOutcome o;
  const json j = json::parse(w.out, nullptr, false);
  const bool clean = !w.killed && !w.interrupted && WIFEXITED(w.status) &&
                     WEXITSTATUS(w.status) == 0 && !j.is_discarded();
  if (clean) {
    o = ParseIsolatedReport(j);
  } else if (w.interrupted) {
    o.kind = IsolatedOutcome::Kind::kInterrupted;
    o.detail = "interrupted before the trial ended";
  } else {
    o = ClassifyDeath(w.status, w.killed, slot, w.err, watchdog_seconds,
                      spec.backend != nullptr ? spec.backend->misuse_patterns
                                              : std::vector<std::string>{});
    if (!w.killed) AddCrashStack(slot->crash, o);
  }
  o.trace.assign(events, events + std::min(*count, kCapacity));
  if (!clean) {  // the worker died before reporting: count the preemptions its trace shows
    for (const TraceEvent& e : o.trace) o.preemptions += e.preempted != 0;
  }
  munmap(shared, bytes);
  return o;
}

}  // namespace mapfault
