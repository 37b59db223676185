// Crash stack symbolization (see symbolize.h).
#include "harness/run/symbolize.h"

#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/core/demangle.hpp"
#include "boost/stacktrace/frame.hpp"
#include "harness/run/worker.h"
#include "nlohmann/json.hpp"

#if __has_include(<backtrace.h>)
// GCC's libbacktrace interface; the library is the one libboost_stacktrace_backtrace carries.
#include <backtrace.h>
#define MAPFAULT_HAVE_LIBBACKTRACE 1
#endif

extern char** environ;

namespace mapfault {
namespace {

// Whether this process has the object `path` (the executable: "") loaded with load bias `bias`.
bool LoadedHere(const std::string& path, uintptr_t bias) {
  std::pair<const std::string*, uintptr_t> want{&path, bias};
  auto match = [](dl_phdr_info* info, size_t, void* data) -> int {
    auto* w = static_cast<std::pair<const std::string*, uintptr_t>*>(data);
    const char* name = info->dlpi_name != nullptr ? info->dlpi_name : "";
    return info->dlpi_addr == w->second && *w->first == name ? 1 : 0;
  };
  return dl_iterate_phdr(match, &want) == 1;
}

// The frames at `pc` in this process, the innermost inlined function first: libbacktrace's
// inline chain where its header is available (GCC), else Boost.Stacktrace's one frame (the
// function the code was inlined into), whose qualified name also names the chain's last frame.
std::vector<StackFrame> SymbolizeHere(uintptr_t pc) {
  std::vector<StackFrame> frames;
#if defined(MAPFAULT_HAVE_LIBBACKTRACE)
  static backtrace_state* const state =
      backtrace_create_state(nullptr, 0, [](void*, const char*, int) {}, nullptr);
  auto add = [](void* data, uintptr_t, const char* file, int line, const char* function) {
    StackFrame f;
    if (function != nullptr) f.function = boost::core::demangle(function);
    if (file != nullptr) f.file = file;
    f.line = line;
    static_cast<std::vector<StackFrame>*>(data)->push_back(std::move(f));
    return 0;
  };
  if (state != nullptr) backtrace_pcinfo(state, pc, add, [](void*, const char*, int) {}, &frames);
  if (frames.size() == 1 && frames[0].function.empty()) frames.clear();  // no debug information
#endif
  const boost::stacktrace::frame f(reinterpret_cast<const void*>(pc));
  if (frames.empty()) {
    frames.push_back({f.name(), f.source_file(), static_cast<int>(f.source_line()), "", 0, ""});
  } else if (std::string name = f.name(); !name.empty()) {
    // The debug information names functions unqualified ("Erase"); the symbol table names the
    // function the code is in qualified, with its parameters. Inlined ones keep the short name.
    frames.back().function = std::move(name);
  }
  return frames;
}

// Reads one '\n'-terminated line from `fd` ("" at EOF or on an error).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (true) {
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// The frames at the pcs of `request` (a JSON array) as a JSON line, per pc its frames
// (SymbolizeHere): [[[function, file, line], ...], ...].
std::string AnswerRequest(const std::string& request) {
  const nlohmann::json pcs = nlohmann::json::parse(request, nullptr, /*allow_exceptions=*/false);
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; pcs.is_array() && i < pcs.size(); ++i) {
    nlohmann::json at_pc = nlohmann::json::array();
    for (const StackFrame& f :
         SymbolizeHere(pcs[i].is_number_unsigned() ? pcs[i].get<uintptr_t>() : 0)) {
      at_pc.push_back({f.function, f.file, f.line});
    }
    out.push_back(std::move(at_pc));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// A child of this process (same address space layout) that symbolizes frames with Boost.Stacktrace
// for the rest of the process's life: libbacktrace keeps thousands of mappings of debug
// information in the process that reads it (and takes ~0.5 s to read it), and every later fork of
// the supervisor (a worker per batch, per death) would copy them. Started at its first use; ends
// at EOF on its request pipe, when this process exits.
class SymbolizerChild {
 public:
  static SymbolizerChild& Get() {
    static SymbolizerChild* child = new SymbolizerChild();  // for the process's life
    return *child;
  }

  // Per pc its frames, innermost inlined function first (one unknown frame when it failed).
  std::vector<std::vector<StackFrame>> Symbolize(const std::vector<uintptr_t>& pcs) {
    std::vector<std::vector<StackFrame>> frames(pcs.size(), std::vector<StackFrame>(1));
    if (pcs.empty() || !Started()) return frames;
    worker_internal::WriteAll(to_child_, nlohmann::json(pcs).dump() + "\n");
    const nlohmann::json j = nlohmann::json::parse(ReadLine(from_child_), nullptr, false);
    for (size_t i = 0; j.is_array() && i < j.size() && i < frames.size(); ++i) {
      std::vector<StackFrame> at_pc;
      for (const nlohmann::json& f : j[i]) {
        if (!f.is_array() || f.size() != 3 || !f[0].is_string() || !f[1].is_string() ||
            !f[2].is_number_integer()) {
          continue;
        }
        at_pc.push_back({f[0].get<std::string>(), f[1].get<std::string>(), f[2].get<int>(), "",
                         0, ""});
      }
      if (!at_pc.empty()) frames[i] = std::move(at_pc);
    }
    if (!j.is_array()) Stop();  // it died: the next request starts another one
    return frames;
  }

 private:
  bool Started() {
    if (pid_ > 0) return true;
    int requests[2], answers[2];
    if (pipe2(requests, O_CLOEXEC) != 0) return false;
    if (pipe2(answers, O_CLOEXEC) != 0) {
      close(requests[0]);
      close(requests[1]);
      return false;
    }
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      close(requests[1]);
      close(answers[0]);
      for (std::string r = ReadLine(requests[0]); !r.empty(); r = ReadLine(requests[0])) {
        worker_internal::WriteAll(answers[1], AnswerRequest(r));
      }
      _exit(0);
    }
    close(requests[0]);
    close(answers[1]);
    to_child_ = requests[1];
    from_child_ = answers[0];
    if (pid_ < 0) Stop();
    return pid_ > 0;
  }
  void Stop() {
    close(to_child_);
    close(from_child_);
    int status;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

// Runs `argv` and returns its standard output ("" when it cannot run).
std::string RunForOutput(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close(fds[0]);
  return out;
}

// The frames at file offsets `offsets` of the module `path`, by addr2line (function and
// "file:line" per offset; "??" and "??:0" when unknown).
std::vector<StackFrame> SymbolizeInFile(const std::string& path,
                                        const std::vector<uintptr_t>& offsets) {
  std::vector<std::string> args = {"addr2line", "-C", "-f", "-e", path};
  for (uintptr_t o : offsets) args.push_back(absl::StrCat("0x", absl::Hex(o)));
  const std::vector<std::string> lines = absl::StrSplit(RunForOutput(args), '\n');
  std::vector<StackFrame> frames(offsets.size());
  for (size_t i = 0; i < offsets.size() && 2 * i + 1 < lines.size(); ++i) {
    StackFrame& f = frames[i];
    if (lines[2 * i] != "??") f.function = lines[2 * i];
    std::string location = lines[2 * i + 1].substr(0, lines[2 * i + 1].find(' '));
    const size_t colon = location.rfind(':');
    if (colon == std::string::npos || location.starts_with("??")) continue;
    f.file = location.substr(0, colon);
    if (!absl::SimpleAtoi(location.substr(colon + 1), &f.line)) f.line = 0;
  }
  return frames;
}

}  // namespace

std::vector<StackFrame> SymbolizeCrash(const CrashRecord& record) {
  if (record.state.load(std::memory_order_acquire) != CrashRecord::kComplete) return {};
  const uint32_t count = std::min(record.frame_count, CrashRecord::kMaxFrames);
  // The handler's own frames and the signal trampoline come before the interrupted instruction.
  uint32_t first = 0;
  while (first < count && record.frames[first] != record.fault_pc) ++first;
  if (first == count) first = 0;
  // Per recorded pc its frames (more than one where code was inlined) and module.
  std::vector<std::vector<StackFrame>> at(count - first, std::vector<StackFrame>(1));
  std::vector<std::string> module_at(count - first);
  // The pcs this process can symbolize (index, pc), and per module only the worker had loaded
  // its pcs (index, file offset).
  std::vector<std::pair<size_t, uintptr_t>> here;
  std::map<uint8_t, std::vector<std::pair<size_t, uintptr_t>>> elsewhere;
  for (uint32_t i = first; i < count; ++i) {
    // A return address points after its call: look the call itself up.
    const uintptr_t pc = i == first ? record.frames[i] : record.frames[i] - 1;
    const uint8_t m = record.module_of[i];
    if (m >= record.module_count) {
      here.push_back({i - first, pc});
      continue;
    }
    const CrashRecord::Module& module = record.modules[m];
    module_at[i - first] = std::string(module.path, strnlen(module.path, CrashRecord::kPathBytes));
    if (LoadedHere(module_at[i - first], module.bias)) {
      here.push_back({i - first, pc});
    } else {
      elsewhere[m].push_back({i - first, pc - module.bias});
    }
  }
  std::vector<uintptr_t> pcs;
  for (const auto& h : here) pcs.push_back(h.second);
  std::vector<std::vector<StackFrame>> found_here = SymbolizerChild::Get().Symbolize(pcs);
  for (size_t k = 0; k < here.size(); ++k) at[here[k].first] = std::move(found_here[k]);
  for (const auto& [m, wanted] : elsewhere) {
    std::vector<uintptr_t> offsets;
    for (const auto& w : wanted) offsets.push_back(w.second);
    const std::vector<StackFrame> found = SymbolizeInFile(record.modules[m].path, offsets);
    for (size_t k = 0; k < wanted.size(); ++k) at[wanted[k].first] = {found[k]};
  }
  std::vector<StackFrame> frames;
  for (size_t i = 0; i < at.size(); ++i) {
    for (StackFrame& f : at[i]) {
      f.file = SourceRelativePath(f.file);
      f.module = module_at[i];
      frames.push_back(std::move(f));
    }
  }
  return frames;
}

Stack CrashStack(const CrashRecord& record) {
  Stack stack;
  std::vector<StackFrame> frames = SymbolizeCrash(record);
  if (frames.empty()) return stack;
  stack.title = absl::StrCat(SignalName(record.signal), " in the crashing thread");
  stack.frames = CollapseHarnessFrames(frames);
  return stack;
}

void AddCrashStack(const CrashRecord& record, IsolatedOutcome& outcome) {
  if (Stack stack = CrashStack(record); !stack.frames.empty()) {
    outcome.stacks.push_back(std::move(stack));
  }
}

}  // namespace mapfault
