// Crash capture: a worker's fault-signal handler records the raw stack of the crashing thread (and
// which loaded module each frame is in) into shared memory, for the supervisor to symbolize after
// the worker died.
//
// Concurrency contract:
// - InstallCrashCapture runs once per worker process, on its main thread, before any trial thread
//   starts; AltSignalStack gives each further thread that may crash its own alternate signal stack
//   (a fiber or thread stack overflow still reaches the handler).
// - The handler is async-signal-safe: it touches no heap, takes no lock of its own, and calls only
//   the unwinder (boost::stacktrace::safe_dump_to: _Unwind_Backtrace into a fixed buffer),
//   dl_iterate_phdr (which the unwinder itself calls), sigaction and raise. The first crashing
//   thread owns the record (a CAS on `state`); a second one waits for it to finish, so the process
//   dies of the first crash with its record complete. Then the signal's default action ends the
//   process: the death is classified by its signal exactly as without capture.
// - The record is read only after the worker is reaped (waitpid), never while it is written.
// - Not installed in sanitizer builds (ASan and TSan own the fault signals and print their own
//   stacks) and never over a handler someone else installed first (Go's runtime forwards faults
//   outside Go code to the handler it found, so loading it after us keeps both working).
#ifndef MAPFAULT_HARNESS_ENGINE_CRASH_CAPTURE_H_
#define MAPFAULT_HARNESS_ENGINE_CRASH_CAPTURE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mapfault {

// What a worker's crash handler wrote (plain data in MAP_SHARED memory; all zero: nothing).
struct CrashRecord {
  static constexpr uint32_t kMaxFrames = 64;
  static constexpr uint32_t kMaxModules = 16;
  static constexpr uint32_t kPathBytes = 240;
  static constexpr uint8_t kNoModule = 0xff;
  enum State : uint32_t { kEmpty = 0, kWriting = 1, kComplete = 2 };

  // A loaded object (the executable: path ""), by its load bias: an address minus the bias is the
  // address in the file (what addr2line takes).
  struct Module {
    uintptr_t bias;
    char path[kPathBytes];
  };

  std::atomic<uint32_t> state;
  int32_t signal;
  uintptr_t fault_pc;  // the interrupted instruction (the crashing frame's exact pc)
  uint32_t frame_count;
  uint32_t module_count;
  uintptr_t frames[kMaxFrames];     // innermost first, from inside the handler
  uint8_t module_of[kMaxFrames];    // index in `modules`, or kNoModule
  Module modules[kMaxModules];
};

// Installs the crash handler for SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP and SIGSYS
// (each only where its disposition is still the default), writing into `record`, and gives the
// calling thread an alternate signal stack. Does nothing in sanitizer builds. Whether it installed.
bool InstallCrashCapture(CrashRecord* record);

// An alternate signal stack for the calling thread while this object lives (none if the thread
// has one, or no crash capture is installed). Construct one at the start of a trial thread.
class AltSignalStack {
 public:
  AltSignalStack();
  ~AltSignalStack();
  AltSignalStack(const AltSignalStack&) = delete;
  AltSignalStack& operator=(const AltSignalStack&) = delete;

 private:
  void* memory_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_CRASH_CAPTURE_H_
