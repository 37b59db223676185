// Crash stack symbolization (see symbolize.h).
#include "harness/run/symbolize.h"

#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/stacktrace/frame.hpp"
#include "harness/run/worker.h"

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

// The frame at `pc` through Boost.Stacktrace, in this process.
StackFrame SymbolizeHere(uintptr_t pc) {
  const boost::stacktrace::frame f(reinterpret_cast<const void*>(pc));
  StackFrame frame;
  frame.function = f.name();
  frame.file = SourceRelativePath(f.source_file());
  frame.line = static_cast<int>(f.source_line());
  return frame;
}

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
    f.file = SourceRelativePath(location.substr(0, colon));
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
  std::vector<StackFrame> frames(count - first);
  // Frames of modules only the worker had loaded, per module: (frame index, file offset).
  std::map<uint8_t, std::vector<std::pair<size_t, uintptr_t>>> elsewhere;
  for (uint32_t i = first; i < count; ++i) {
    // A return address points after its call: look the call itself up.
    const uintptr_t pc = i == first ? record.frames[i] : record.frames[i] - 1;
    StackFrame& frame = frames[i - first];
    const uint8_t m = record.module_of[i];
    if (m >= record.module_count) {
      frame = SymbolizeHere(pc);
      continue;
    }
    const CrashRecord::Module& module = record.modules[m];
    const std::string path(module.path, strnlen(module.path, CrashRecord::kPathBytes));
    if (LoadedHere(path, module.bias)) {
      frame = SymbolizeHere(pc);
    } else {
      elsewhere[m].push_back({i - first, pc - module.bias});
    }
    frame.module = path;
  }
  for (const auto& [m, wanted] : elsewhere) {
    const std::string path(record.modules[m].path);
    std::vector<uintptr_t> offsets;
    for (const auto& w : wanted) offsets.push_back(w.second);
    const std::vector<StackFrame> found = SymbolizeInFile(path, offsets);
    for (size_t k = 0; k < wanted.size(); ++k) {
      frames[wanted[k].first] = found[k];
      frames[wanted[k].first].module = path;
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

}  // namespace mapfault
