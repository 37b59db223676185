// The worker pool: fork, poll, watchdog, reap.
#include "harness/run/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <limits>
#include <new>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "harness/run/stall_clock.h"
#include "nlohmann/json.hpp"

namespace mapfault {

using namespace worker_internal;

namespace {
// How much of a worker's stderr the pool keeps (its end): room for a ThreadSanitizer race report.
constexpr size_t kErrTailBytes = 32 * 1024;
}  // namespace

struct WorkerPool::Worker {
  pid_t pid = -1;
  Pipe out, err;
  int cmd_fd = -1;        // the pool's end of the command socket (-1: closed, the worker exits)
  bool waits = false;     // its last "done" line said it waits for another batch
  int64_t forked_ns = 0;  // when it was forked (its age bounds its hand-overs)
  WorkerSlot* slot = nullptr;
  TrialBatch batch{};
  std::string out_buf;
  std::string err_buf;
  bool out_open = true;
  bool err_open = true;
  bool finished_cleanly = false;
  uint64_t done_count = 0;  // trials the worker reported done in its last line
  bool watchdog_killed = false;
  bool adaptive_cut = false;
  double limit_seconds = 0;
  bool abandoned = false;
  bool exited = false;     // waitpid reaped it (its pipes may still be open in a grandchild)
  int status = 0;          // from waitpid, once exited
  int64_t started_ns = 0;  // when its current batch began (its fork, or its hand-over)
};

bool WorkerExit::Clean() const {
  return finished_cleanly && !watchdog_killed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

PhaseSeconds WorkerPhases(const WorkerSlot& slot, int64_t forked_ns, int64_t reaped_ns, bool died) {
  const int64_t total = std::max<int64_t>(0, reaped_ns - forked_ns);
  const int64_t entered = slot.entered_ns.load();
  int64_t left = total;
  // Takes up to `ns` (clamped to what is left) for a phase, in seconds.
  auto take = [&left](int64_t ns) {
    ns = std::clamp<int64_t>(ns, 0, left);
    left -= ns;
    return static_cast<double>(ns) / 1e9;
  };
  PhaseSeconds p;
  p[Phase::kFork] = take(entered > 0 ? entered - forked_ns : total);
  if (died && slot.current_trial.load() != kNoTrial) {
    p[Phase::kDied] = take(reaped_ns - slot.started_ns.load());
  }
  p[Phase::kSetup] = take(slot.setup_ns.load());
  p[Phase::kThreadStart] = take(slot.thread_start_ns.load());
  p[Phase::kTrial] = take(slot.trial_ns.load());
  p[Phase::kChecking] = take(slot.checking_ns.load());
  p[Phase::kWaiting] = take(left);
  return p;
}

void ReportBatchDone(int out_fd, uint64_t done, bool waits) {
  WriteAll(out_fd, absl::StrCat("{\"done\":", done, waits ? ",\"waits\":true}\n" : "}\n"));
}

namespace {

// What the pool sends a waiting worker that gets no further batch. It closes the socket too, but
// the end of a socket is not enough: a process the supervisor forks meanwhile (a trial re-run in
// isolation) holds a copy of the pool's end until it exits.
constexpr TrialBatch kNoMoreBatches{std::numeric_limits<size_t>::max(), 0, 0};

// The child's side of a hand-over: blocks for the next batch; false when there is none (the pool
// said so, closed the socket, or the supervisor is gone).
bool ReceiveBatch(int fd, TrialBatch& batch) {
  size_t got = 0;
  char* p = reinterpret_cast<char*>(&batch);
  while (got < sizeof batch) {
    const ssize_t n = recv(fd, p + got, sizeof batch - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      return false;
    }
  }
  return !(batch == kNoMoreBatches);
}

// Zeroes the counters of a slot for a batch starting at `now` (a fresh worker's or a hand-over's).
void ResetSlot(WorkerSlot* slot, int64_t entered_ns) {
  slot->current_trial.store(kNoTrial);
  slot->done.store(0);
  slot->watchdog_scale.store(1);
  slot->completed_ns.store(0);
  slot->entered_ns.store(entered_ns);
  for (std::atomic<int64_t>* phase :
       {&slot->setup_ns, &slot->thread_start_ns, &slot->trial_ns, &slot->checking_ns}) {
    phase->store(0);
  }
}

}  // namespace

WorkerPool::WorkerPool(int jobs, double watchdog_seconds, Body body, TrialLimit trial_limit)
    : jobs_(std::max(1, jobs)),
      watchdog_seconds_(watchdog_seconds),
      body_(std::move(body)),
      trial_limit_(std::move(trial_limit)),
      slots_(static_cast<WorkerSlot*>(MapShared(sizeof(WorkerSlot) * jobs_))),
      slot_busy_(jobs_, false) {}

WorkerPool::~WorkerPool() { munmap(slots_, sizeof(WorkerSlot) * jobs_); }

bool WorkerPool::HasRoom() const { return static_cast<int>(active_.size()) < jobs_; }
bool WorkerPool::Empty() const { return active_.empty(); }

void WorkerPool::Spawn(const TrialBatch& batch) {
  size_t s = 0;
  while (slot_busy_[s]) ++s;
  slot_busy_[s] = true;
  WorkerSlot* slot = new (&slots_[s]) WorkerSlot();
  ResetSlot(slot, 0);
  Worker w;
  w.slot = slot;
  w.batch = batch;
  w.out = MakePipe();
  w.err = MakePipe();
  int cmd[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cmd) != 0) {
    std::perror("mapfault: socketpair");
    std::abort();
  }
  std::fflush(nullptr);
  w.started_ns = w.forked_ns = NowNs();
  w.pid = fork();
  if (w.pid == 0) {
    // The other workers' command sockets stay with the pool: a worker waiting for a batch sees
    // the end of its socket when the pool closes it, not when every sibling exited.
    for (const Worker& other : active_) {
      if (other.cmd_fd >= 0) close(other.cmd_fd);
    }
    close(cmd[0]);
    EnterWorker(w.out, w.err, slot);
    slot->entered_ns.store(NowNs());
    TrialBatch next = batch;
    do {
      const uint64_t done = body_(next, slot, w.out.write_fd);
      slot->current_trial.store(kNoTrial);  // waiting for a batch is no trial for the watchdog
      ReportBatchDone(w.out.write_fd, done, /*waits=*/true);
    } while (ReceiveBatch(cmd[1], next));
    ExitWorker(0);
  }
  setpgid(w.pid, w.pid);  // also in the child (EnterWorker): whichever runs first
  close(w.out.write_fd);
  close(w.err.write_fd);
  close(cmd[1]);
  w.cmd_fd = cmd[0];
  fcntl(w.out.read_fd, F_SETFL, O_NONBLOCK);
  fcntl(w.err.read_fd, F_SETFL, O_NONBLOCK);
  active_.push_back(std::move(w));
}

bool WorkerPool::AbandonAll() {
  bool any = false;
  for (Worker& w : active_) {
    if (!w.abandoned && !w.finished_cleanly) {
      kill(w.pid, SIGKILL);
      w.abandoned = true;
      any = true;
    }
  }
  return any;
}

// Consumes complete lines of a worker's report.
void WorkerPool::Consume(Worker& w, const Events& events) {
  size_t start = 0;
  // The consumed items leave the buffer at once at the end (erasing each from the front moved the
  // rest of a 64 KiB read once per line).
  absl::Cleanup erase_consumed = [&] { w.out_buf.erase(0, start); };
  while (start < w.out_buf.size()) {
    const std::string_view rest = std::string_view(w.out_buf).substr(start);
    if (rest.starts_with(kHashesLine)) {
      hashes_.clear();
      const HashesFrame frame = ReadHashesFrame(rest, hashes_);
      if (frame.status == HashesFrame::Status::kIncomplete) return;
      if (frame.status == HashesFrame::Status::kComplete && events.on_hashes) {
        events.on_hashes(w.batch, hashes_);
      }
      start += frame.size;
      continue;
    }
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return;
    const std::string line(rest.substr(0, nl));
    start += nl + 1;
    if (line.rfind("{\"done\"", 0) == 0) {
      w.finished_cleanly = true;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      w.done_count = j.is_discarded() ? 0 : j.value("done", uint64_t{0});
      w.waits = !j.is_discarded() && j.value("waits", false);
    } else {
      events.on_line(w.batch, line);
    }
  }
}

WorkerExit WorkerPool::ExitOf(Worker& w, int status, int64_t now) const {
  WorkerExit e;
  e.batch = w.batch;
  e.status = status;
  e.finished_cleanly = w.finished_cleanly;
  e.done_count = w.done_count;
  e.watchdog_killed = w.watchdog_killed;
  e.adaptive_cut = w.adaptive_cut;
  e.limit_seconds = w.limit_seconds;
  e.abandoned = w.abandoned;
  e.seconds = static_cast<double>(now - w.started_ns) / 1e9;
  e.phases = WorkerPhases(*w.slot, w.started_ns, now, !e.Clean() && !e.abandoned);
  e.slot = w.slot;
  e.err = std::move(w.err_buf);
  return e;
}

void WorkerPool::Reap(Worker& w, const Events& events) {
  int status = w.status;
  if (!w.exited) {
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // What the worker left behind in its process group (a backend's forked children) goes with it.
  kill(-w.pid, SIGKILL);
  close(w.out.read_fd);
  close(w.err.read_fd);
  if (w.cmd_fd >= 0) close(w.cmd_fd);
  // A worker that ended its batch and was only waiting for another ran no trial when it died (an
  // operator's or the OOM killer's signal between batches): its batch ended cleanly.
  if (w.finished_cleanly && w.waits) status = 0;
  events.on_exit(ExitOf(w, status, NowNs()));
}

bool WorkerPool::HandOver(Worker& w, const Events& events, int64_t now) {
  if (!events.next_batch || !w.waits || w.abandoned || w.exited ||
      now - w.forked_ns > SecondsToNs(kWorkerRecycleSeconds)) {
    return false;
  }
  // Asked before the finished batch is reported (a worker that gets none exits, and its batch is
  // reported once, when it is reaped, its exit included): a batch size the report grows (the
  // cell's measured trial time) applies from the batch after the one handed here.
  const std::optional<TrialBatch> next = events.next_batch(w.batch);
  if (!next) return false;
  // The finished batch is reported as a clean exit; then the worker's state starts over. The
  // worker is blocked on its socket, so the slot is the pool's to reset until the batch is sent.
  events.on_exit(ExitOf(w, /*status=*/0, now));
  w.err_buf.clear();
  w.batch = *next;
  w.finished_cleanly = w.waits = false;
  w.done_count = 0;
  w.started_ns = now;
  ResetSlot(w.slot, now);
  // A worker gone since its "done" line (killed from outside) cannot take it: it is reaped as a
  // death before the batch's first trial, which the supervisor re-runs in a fresh worker
  // (Dispatcher::KilledFromOutside) before the rest of the batch runs elsewhere.
  (void)send(w.cmd_fd, &w.batch, sizeof w.batch, MSG_NOSIGNAL);
  return true;
}

int64_t WorkerPool::Poll(const Events& events) {
  std::vector<pollfd> fds;
  for (const Worker& w : active_) {
    fds.push_back({w.out_open ? w.out.read_fd : -1, POLLIN, 0});
    fds.push_back({w.err_open ? w.err.read_fd : -1, POLLIN, 0});
  }
  poll(fds.data(), fds.size(), 20);
  const int64_t now = NowNs();
  for (size_t i = 0; i < active_.size();) {
    Worker& w = active_[i];
    // The worker's death, not its pipes' EOF, ends it: a child it forked may hold the pipes open.
    // Once it exited, everything it wrote is in the pipes, and the drain below takes it.
    if (!w.exited) w.exited = waitpid(w.pid, &w.status, WNOHANG) == w.pid;
    if (w.out_open) w.out_open = Drain(w.out.read_fd, w.out_buf);
    if (w.err_open) {
      w.err_open = Drain(w.err.read_fd, w.err_buf);
      // The tail is kept: a sanitizer's report (TSan's racing stacks) ends the worker's stderr.
      if (w.err_buf.size() > kErrTailBytes * 2) {
        w.err_buf.erase(0, w.err_buf.size() - kErrTailBytes);
      }
    }
    Consume(w, events);
    if (w.finished_cleanly && w.cmd_fd >= 0 && !HandOver(w, events, now)) {
      (void)send(w.cmd_fd, &kNoMoreBatches, sizeof kNoMoreBatches, MSG_NOSIGNAL);
      close(w.cmd_fd);  // the worker exits
      w.cmd_fd = -1;
    }
    if (!w.exited && !w.watchdog_killed && !w.abandoned &&
        w.slot->current_trial.load() != kNoTrial) {
      const double full =
          watchdog_seconds_ *
          static_cast<double>(std::max<uint64_t>(1, w.slot->watchdog_scale.load()));
      const double limit = trial_limit_ ? std::min(full, trial_limit_(w.batch.cell, full)) : full;
      if (TrialOverran(now, w.slot->started_ns.load(), SecondsToNs(limit))) {
        kill(w.pid, SIGKILL);
        w.watchdog_killed = true;
        w.adaptive_cut = limit < full;
        w.limit_seconds = limit;
      }
    }
    if (w.exited || (!w.out_open && !w.err_open)) {
      Reap(w, events);
      slot_busy_[static_cast<size_t>(w.slot - slots_)] = false;
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  return now;
}

uint64_t WorkerPool::InFlightDone() const {
  uint64_t done = 0;
  for (const Worker& w : active_) done += w.slot->done.load();
  return done;
}

}  // namespace mapfault
