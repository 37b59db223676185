// Loads plugins: map backends built as shared libraries against mapfault's installed package
// (include/mapfault/plugin_abi.h, DESIGN.md section 8), registered beside the built-in backends.
//
// - A plugin is dlopen()ed with RTLD_NOW | RTLD_LOCAL and never unloaded (its functions and
//   static strings, such as trace labels, are used until the process exits). Load plugins in the
//   supervisor before any worker is forked: workers inherit them. Except a plugin whose
//   mapfault_plugin_options set MAPFAULT_PLUGIN_LOAD_IN_WORKERS: LoadPlugin registers it from its
//   probe, and each worker loads it when it makes the first of its maps.
// - mapfault_plugin_options.misuse_stderr_patterns reach BackendInfo::misuse_patterns: a worker
//   that dies after printing one of them is misuse-detected (ClassifyDeath, harness/run/worker.h).
// - Every backend of a plugin is checked before any is registered, so a refused plugin registers
//   nothing. Each error is one line naming the plugin's path, what is wrong and how to fix it.
// - A plugin's operations run behind an AnyMap adapter. The host callbacks it gives the plugin
//   are scheduling points of the controlled scheduler inside a controlled trial and real
//   (perturbed) primitives otherwise, exactly like ControlledSync and RealSync.
// - ABI versions 1 and 2 load (plugin_abi.h): a v1 plugin runs unchanged, with every erase-this
//   unknown, no visitor writes, no thread hooks and no conditional contract; a v2 plugin's thread
//   hooks, erase-this and read point reports, flags and conditional contract reach its BackendInfo
//   and AnyMap exactly like a built-in backend's.
#ifndef MAPFAULT_HARNESS_PLUGINS_PLUGIN_LOADER_H_
#define MAPFAULT_HARNESS_PLUGINS_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "harness/engine/backend.h"

namespace mapfault {

// The environment variable holding a colon-separated list of plugin directories.
inline constexpr char kPluginPathEnv[] = "MAPFAULT_PLUGIN_PATH";

// Loads the plugin at `path` (first probing it in a child process, harness/plugins/plugin_probe.h,
// so that a plugin that crashes, exits or hangs while loading is an error, not mapfault's end;
// relative paths are taken from the working directory) and registers
// its backends in `registry`, with BackendInfo::plugin_path set to the plugin's absolute path.
// Appends the registered ids to `loaded_ids` when it is not null. Loading the same file again into
// the same registry is a no-op that reports the ids it registered before.
//
// Errors (the message always starts "plugin <path>: "):
// - NotFound: no such file.
// - InvalidArgument: not a loadable shared library (dlerror's reason), no mapfault_plugin_entry
//   symbol, the entry point returned NULL, no backends, a backend with a NULL id, field or
//   operation, no or unknown mode bits, unknown flags, an unknown invariant id in its claims, an id
//   repeated within the plugin; for ABI v2: unknown MAPFAULT_UNSAFE_* bits, a NULL
//   claims_if_unsafe with unsafe_concurrent_ops set, an unknown id in claims_if_unsafe or one its
//   claims do not have.
// - FailedPrecondition: built for a plugin ABI version this mapfault does not load (it loads
//   MAPFAULT_PLUGIN_ABI_VERSION_OLDEST to MAPFAULT_PLUGIN_ABI_VERSION: 1 and 2).
// - AlreadyExists: a backend id already registered (built-in or from another plugin).
// - InvalidArgument: it crashed, called exit() or hung while loading in the probe.
absl::Status LoadPlugin(const std::string& path, BackendRegistry& registry,
                        std::vector<std::string>* loaded_ids = nullptr);

// LoadPlugin without the probe: the plugin is loaded in this process only. For a process that may
// die with the plugin (the probe's child; later, a worker).
absl::Status LoadPluginInProcess(const std::string& path, BackendRegistry& registry,
                                 std::vector<std::string>* loaded_ids = nullptr);

// Loads every lib*.so (in name order) of every directory in `env_value`, a colon-separated list as
// in MAPFAULT_PLUGIN_PATH; null or empty loads nothing. Empty list entries are skipped; an entry
// that is not a directory is an error. Stops at the first error.
absl::Status LoadPluginsFromPath(const char* env_value, BackendRegistry& registry,
                                 std::vector<std::string>* loaded_ids = nullptr);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_PLUGINS_PLUGIN_LOADER_H_
