// Probe-loading plugins in a child process.
#include "harness/plugins/plugin_probe.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/plugins/plugin_loader.h"
#include "nlohmann/json.hpp"

namespace mapfault {
namespace {

// The child: loads the plugin and writes "OK\n<id>\n..." or "ERR <code>\n<message>" to `fd`.
// A plugin that faults while loading must end the child by that signal, whatever handlers the
// process installed (a sanitizer's SEGV handler would report it and exit 1, which reads as a
// plugin calling exit()): the fault signals get their default action first.
[[noreturn]] void ProbeChild(int fd, const std::string& path, BackendRegistry& registry) {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, SIG_DFL);
  std::vector<std::string> ids;
  const absl::Status status = LoadPluginInProcess(path, registry, &ids);
  std::string answer;
  if (status.ok()) {
    nlohmann::json backends = nlohmann::json::array();
    for (const std::string& id : ids) {
      const BackendInfo* b = registry.Find(id);
      if (b == nullptr) continue;
      backends.push_back({{"id", b->id},
                          {"description", b->description},
                          {"claims", b->claims.bits()},
                          {"dup_reinsert", b->duplicate_allows_reinsert},
                          {"unsafe_ops", b->unsafe_concurrent_ops},
                          {"claims_if_unsafe", b->claims_if_unsafe.bits()},
                          {"may_decline", b->erase_this_may_decline},
                          {"visitor_writes", b->visitor_writes},
                          {"controlled", static_cast<bool>(b->make_controlled)},
                          {"real", static_cast<bool>(b->make_real)},
                          {"tsan_visible", b->tsan_visible},
                          {"plugin_path", b->plugin_path},
                          {"misuse_patterns", b->misuse_patterns},
                          {"load_in_workers", b->load_in_workers}});
    }
    answer = "OK\n" + backends.dump();
  } else {
    answer = absl::StrCat("ERR ", static_cast<int>(status.code()), "\n", status.message());
  }
  for (size_t done = 0; done < answer.size();) {
    const ssize_t n = write(fd, answer.data() + done, answer.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  _exit(0);
}

// Reads `fd` until EOF or the deadline; false on timeout.
bool ReadAnswer(int fd, double timeout_seconds, std::string& answer) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(timeout_seconds);
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready == 0 ? false : true;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // EOF: the child is done (or dead)
    answer.append(buffer, static_cast<size_t>(n));
  }
}

// The probe's verdict on a child that ended with `status` after writing `answer`.
absl::StatusOr<PluginProbe> Interpret(const std::string& path, int status,
                                      const std::string& answer) {
  const std::string prefix = absl::StrCat("plugin ", path, ": ");
  const std::string fix =
      "mapfault did not load it; fix its constructors and mapfault_plugin_entry";
  if (WIFSIGNALED(status)) {
    return absl::InvalidArgumentError(absl::StrCat(prefix, "crashed while loading (signal ",
                                                   WTERMSIG(status), ", ",
                                                   strsignal(WTERMSIG(status)), "); ", fix));
  }
  if (answer.rfind("OK\n", 0) == 0) {
    const nlohmann::json j = nlohmann::json::parse(answer.substr(3), nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      return absl::InternalError(absl::StrCat(prefix, "the probe's answer is not readable"));
    }
    PluginProbe probe;
    probe.path = path;
    const auto placeholder = []() -> std::unique_ptr<AnyMap> { std::abort(); };
    for (const nlohmann::json& b : j) {
      BackendInfo info;
      info.id = b["id"].get<std::string>();
      info.description = b["description"].get<std::string>();
      info.claims = InvariantSet::FromBits(b["claims"].get<uint32_t>());
      info.duplicate_allows_reinsert = b["dup_reinsert"].get<bool>();
      info.unsafe_concurrent_ops = b["unsafe_ops"].get<uint32_t>();
      info.claims_if_unsafe = InvariantSet::FromBits(b["claims_if_unsafe"].get<uint32_t>());
      info.erase_this_may_decline = b["may_decline"].get<bool>();
      info.visitor_writes = b["visitor_writes"].get<bool>();
      if (b["controlled"].get<bool>()) info.make_controlled = placeholder;
      if (b["real"].get<bool>()) info.make_real = placeholder;
      info.tsan_visible = b["tsan_visible"].get<bool>();
      info.plugin_path = b["plugin_path"].get<std::string>();
      info.misuse_patterns = b["misuse_patterns"].get<std::vector<std::string>>();
      info.load_in_workers = b["load_in_workers"].get<bool>();
      probe.load_in_workers = probe.load_in_workers || info.load_in_workers;
      probe.ids.push_back(info.id);
      probe.backends.push_back(std::move(info));
    }
    return probe;
  }
  int code = 0;
  const size_t newline = answer.find('\n');
  if (answer.rfind("ERR ", 0) == 0 && newline != std::string::npos &&
      absl::SimpleAtoi(answer.substr(4, newline - 4), &code) && code > 0 && code <= 16) {
    return absl::Status(static_cast<absl::StatusCode>(code), answer.substr(newline + 1));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      prefix, "ended the process while loading (exit status ",
      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
      "); a plugin must not call exit() while it loads; ", fix));
}

}  // namespace

absl::StatusOr<PluginProbe> ProbePlugin(const std::string& path, BackendRegistry& registry,
                                        double timeout_seconds) {
  int fds[2];
  if (pipe(fds) != 0) {
    return absl::UnavailableError(absl::StrCat("plugin ", path, ": cannot probe it (pipe: ",
                                               strerror(errno), ")"));
  }
  std::fflush(nullptr);  // a plugin calling exit() in the child must not flush our buffers again
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::UnavailableError(absl::StrCat("plugin ", path, ": cannot probe it (fork: ",
                                               strerror(errno), ")"));
  }
  if (child == 0) {
    close(fds[0]);
    ProbeChild(fds[1], path, registry);
  }
  close(fds[1]);
  std::string answer;
  const bool answered = ReadAnswer(fds[0], timeout_seconds, answer);
  close(fds[0]);
  if (!answered) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!answered) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plugin ", path, ": did not finish loading within ", timeout_seconds,
        " s (a constructor or mapfault_plugin_entry hangs); mapfault did not load it"));
  }
  return Interpret(path, status, answer);
}

}  // namespace mapfault
