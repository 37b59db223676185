// Probe-loading: a plugin is first loaded in a forked child process, which reports back through a
// pipe what the plugin registers. A plugin that aborts, crashes, calls exit() or hangs while loading
// (in a constructor or in mapfault_plugin_entry) takes down only the child, and mapfault reports it
// as one usage error instead of dying with it.
//
// The probe's result (the plugin's backend ids) is what the supervisor needs to list and plan
// without the plugin in its own address space: a plugin that must load only in workers after the
// fork (e.g. one with a runtime of its own) can be planned from its probe and loaded by each worker.
// LoadPlugin loads a cleanly probed plugin in the calling process too, unless it declares
// MAPFAULT_PLUGIN_LOAD_IN_WORKERS: then it registers the probe's backends with factories that load
// the plugin in the worker that first makes one of its maps.
#ifndef MAPFAULT_HARNESS_PLUGINS_PLUGIN_PROBE_H_
#define MAPFAULT_HARNESS_PLUGINS_PLUGIN_PROBE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/engine/backend.h"

namespace mapfault {

// How long a plugin may take to load before the probe calls it hung.
inline constexpr double kPluginProbeTimeoutSeconds = 10;

// What a plugin registered when loaded in the probe's child.
struct PluginProbe {
  std::string path;
  std::vector<std::string> ids;
  // The plugin declared MAPFAULT_PLUGIN_LOAD_IN_WORKERS (mapfault_plugin_options).
  bool load_in_workers = false;
  // Its backends as the child registered them: every field but the factories, which are non-empty
  // placeholders (they abort) marking the modes the backend supports.
  std::vector<BackendInfo> backends;
};

// Forks a child that loads `path` into its copy of `registry` (LoadPluginInProcess; the caller's
// registry is not changed) and reports the registered ids. Errors start "plugin <path>: ": the
// loader's own error (same code and message), or InvalidArgument when the child died by a signal,
// exited without answering, or did not answer within `timeout_seconds` (it is then killed).
absl::StatusOr<PluginProbe> ProbePlugin(const std::string& path, BackendRegistry& registry,
                                        double timeout_seconds = kPluginProbeTimeoutSeconds);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_PLUGINS_PLUGIN_PROBE_H_
