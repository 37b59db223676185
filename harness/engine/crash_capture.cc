// Crash capture in a worker's fault-signal handler (see crash_capture.h).
#include "harness/engine/crash_capture.h"

#include <link.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cstring>

#include "boost/stacktrace/safe_dump_to.hpp"

namespace mapfault {
namespace {

[[maybe_unused]] constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP,
                                             SIGSYS};
// Enough for the handler, the unwinder and dl_iterate_phdr (SIGSTKSZ is too small for the
// unwinder's DWARF interpretation).
constexpr size_t kAltStackBytes = 64 * 1024;

CrashRecord* g_record = nullptr;

// dl_iterate_phdr callback: records the object if one of the record's frames lies in one of its
// loadable segments, and points those frames at it.
int RecordModule(dl_phdr_info* info, size_t, void* data) {
  auto* r = static_cast<CrashRecord*>(data);
  int index = -1;
  for (int p = 0; p < info->dlpi_phnum; ++p) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[p];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    const uintptr_t end = begin + ph.p_memsz;
    for (uint32_t f = 0; f < r->frame_count; ++f) {
      if (r->frames[f] < begin || r->frames[f] >= end) continue;
      if (index < 0) {
        if (r->module_count == CrashRecord::kMaxModules) return 1;  // full: stop iterating
        index = static_cast<int>(r->module_count++);
        CrashRecord::Module& m = r->modules[index];
        m.bias = info->dlpi_addr;
        const char* name = info->dlpi_name != nullptr ? info->dlpi_name : "";
        const size_t n = strnlen(name, CrashRecord::kPathBytes - 1);
        std::memcpy(m.path, name, n);
        m.path[n] = '\0';
      }
      r->module_of[f] = static_cast<uint8_t>(index);
    }
  }
  return 0;
}

[[maybe_unused]] void OnCrashSignal(int sig, siginfo_t*, void* context) {
  CrashRecord* r = g_record;
  uint32_t empty = CrashRecord::kEmpty;
  if (r != nullptr && r->state.compare_exchange_strong(empty, CrashRecord::kWriting)) {
    r->signal = sig;
    r->fault_pc = static_cast<uintptr_t>(
        static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]);
    const size_t n = boost::stacktrace::safe_dump_to(0, r->frames, sizeof r->frames);
    r->frame_count = n == 0 ? 0 : static_cast<uint32_t>(n - 1);  // n counts a terminating 0
    std::memset(r->module_of, CrashRecord::kNoModule, sizeof r->module_of);
    r->module_count = 0;
    dl_iterate_phdr(&RecordModule, r);
    r->state.store(CrashRecord::kComplete, std::memory_order_release);
  } else if (r != nullptr) {
    // Another thread crashed first: let it finish its record before the process dies.
    for (int i = 0; i < 100000 && r->state.load() != CrashRecord::kComplete; ++i) sched_yield();
  }
  // The default action: raised again, the signal is pending until this handler returns (it is
  // blocked while the handler runs), then ends the process as if no handler had been installed.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

}  // namespace

bool InstallCrashCapture(CrashRecord* record) {
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
  (void)record;
  return false;  // the sanitizer's own handlers report crashes, with their stacks
#else
  // Warm the unwinder up outside a signal handler (its first use may initialise state).
  void* warm[4];
  (void)boost::stacktrace::safe_dump_to(0, warm, sizeof warm);
  g_record = record;
  bool installed = false;
  for (int sig : kSignals) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0) continue;
    const bool is_default = (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_DFL;
    if (!is_default) continue;  // someone else's handler (a runtime's): leave it alone
    struct sigaction sa {};
    sa.sa_sigaction = &OnCrashSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    installed = sigaction(sig, &sa, nullptr) == 0 || installed;
  }
  if (installed) {
    static AltSignalStack* main_thread_stack = new AltSignalStack();  // for the process's life
    (void)main_thread_stack;
  }
  return installed;
#endif
}

AltSignalStack::AltSignalStack() {
  if (g_record == nullptr) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) != 0 || (current.ss_flags & SS_DISABLE) == 0) return;
  void* p = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) return;
  stack_t ss{};
  ss.ss_sp = p;
  ss.ss_size = kAltStackBytes;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(p, kAltStackBytes);
    return;
  }
  memory_ = p;
  size_ = kAltStackBytes;
}

AltSignalStack::~AltSignalStack() {
  if (memory_ == nullptr) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  munmap(memory_, size_);
}

}  // namespace mapfault
