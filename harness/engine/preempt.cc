// Timer-signal preemption: per-thread POSIX timers (CLOCK_MONOTONIC, delivered with
// SIGEV_THREAD_ID to one thread) whose handler yields the CPU the trial threads share.
#include "harness/engine/preempt.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace mapfault {
namespace {

// Per-thread state the handler reads; plain thread_local PODs (initial-exec TLS in the executable)
// are safe to touch from a signal handler.
thread_local uint64_t t_rng = 0;
thread_local int64_t t_min_ns = 0;
thread_local int64_t t_span_ns = 0;
thread_local timer_t t_timer{};
thread_local bool t_armed = false;
thread_local uint64_t t_preemptions = 0;

int PreemptSignal() { return SIGRTMIN + 3; }

int64_t NextIntervalNs() {
  // xorshift64*: async-signal-safe, seeded per scope.
  t_rng ^= t_rng >> 12;
  t_rng ^= t_rng << 25;
  t_rng ^= t_rng >> 27;
  const uint64_t r = t_rng * 0x2545F4914F6CDD1Dull;
  return t_min_ns + static_cast<int64_t>(r % static_cast<uint64_t>(t_span_ns + 1));
}

void Arm() {
  const int64_t ns = NextIntervalNs();
  itimerspec spec{};
  spec.it_value.tv_sec = ns / 1'000'000'000;
  spec.it_value.tv_nsec = ns % 1'000'000'000;
  timer_settime(t_timer, 0, &spec, nullptr);  // one-shot; re-armed by the handler
}

void OnPreemptSignal(int) {
  const int saved_errno = errno;
  if (t_armed) {
    ++t_preemptions;
    sched_yield();
    Arm();
  }
  errno = saved_errno;
}

void InstallHandlerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = OnPreemptSignal;
    sigemptyset(&sa.sa_mask);
    // SA_ONSTACK: the signal may land in a runtime with small stacks of its own (a Go plugin's
    // goroutine stack); Go requires every non-Go handler to run on the alternate signal stack
    // (os/signal, "Go programs that use cgo"). Without an alternate stack it changes nothing.
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(PreemptSignal(), &sa, nullptr);
  });
}

}  // namespace

PreemptScope::PreemptScope(int cpu, uint64_t seed, int64_t min_ns, int64_t max_ns) {
  InstallHandlerOnce();
  if (pthread_getaffinity_np(pthread_self(), sizeof(previous_affinity_), &previous_affinity_) ==
      0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
  }
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = PreemptSignal();
  sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0) return;
  t_rng = seed | 1;  // xorshift needs a non-zero state
  t_min_ns = min_ns;
  t_span_ns = max_ns > min_ns ? max_ns - min_ns : 0;
  t_timer = timer_;
  t_armed = true;
  active_ = true;
  Arm();
}

PreemptScope::~PreemptScope() {
  if (active_) {
    t_armed = false;  // a signal already pending finds the thread disarmed and returns
    timer_delete(timer_);
  }
  if (pinned_) {
    pthread_setaffinity_np(pthread_self(), sizeof(previous_affinity_), &previous_affinity_);
  }
}

int PreemptCpu(uint64_t seed) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return 0;
  const int count = CPU_COUNT(&allowed);
  if (count <= 0) return 0;
  int pick = static_cast<int>(seed % static_cast<uint64_t>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed) && pick-- == 0) return cpu;
  }
  return 0;
}

uint64_t PreemptionsOnThisThread() { return t_preemptions; }

}  // namespace mapfault
