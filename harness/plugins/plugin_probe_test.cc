// Probe-loading: a plugin that aborts, crashes, calls exit() or hangs while loading is one error
// naming it, and this process (the test, standing in for mapfault) survives with nothing
// registered.
#include "harness/plugins/plugin_probe.h"

#include "gtest/gtest.h"
#include "harness/plugins/plugin_loader.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

BackendRegistry WithBuiltins() {
  BackendRegistry registry;
  RegisterBuiltinBackends(registry);
  return registry;
}

// LoadPlugin's error for `path`, after checking it registered nothing.
std::string LoadError(const std::string& path) {
  BackendRegistry registry = WithBuiltins();
  const size_t before = registry.Listed().size();
  const absl::Status s = LoadPlugin(path, registry);
  EXPECT_EQ(registry.Listed().size(), before) << path;
  return std::string(s.message());
}

TEST(PluginProbeTest, APluginThatAbortsOrCrashesWhileLoadingIsAnError) {
  EXPECT_EQ(LoadError(MAPFAULT_TEST_PLUGIN_CRASH_ABORT).find(
                "plugin " MAPFAULT_TEST_PLUGIN_CRASH_ABORT ": crashed while loading (signal 6, "),
            0u);
  const std::string segv = LoadError(MAPFAULT_TEST_PLUGIN_CRASH_SEGV);
  EXPECT_NE(segv.find("crashed while loading (signal 11, "), std::string::npos) << segv;
  EXPECT_NE(segv.find("; mapfault did not load it"), std::string::npos) << segv;
}

TEST(PluginProbeTest, APluginThatExitsWhileLoadingIsAnError) {
  EXPECT_EQ(LoadError(MAPFAULT_TEST_PLUGIN_CRASH_EXIT0),
            "plugin " MAPFAULT_TEST_PLUGIN_CRASH_EXIT0 ": ended the process while loading (exit "
            "status 0); a plugin must not call exit() while it loads; mapfault did not load it; "
            "fix its constructors and mapfault_plugin_entry");
}

TEST(PluginProbeTest, APluginThatHangsWhileLoadingTimesOut) {
  BackendRegistry registry = WithBuiltins();
  const absl::StatusOr<PluginProbe> probe =
      ProbePlugin(MAPFAULT_TEST_PLUGIN_CRASH_HANG, registry, /*timeout_seconds=*/0.2);
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.status().message(),
            "plugin " MAPFAULT_TEST_PLUGIN_CRASH_HANG ": did not finish loading within 0.2 s (a "
            "constructor or mapfault_plugin_entry hangs); mapfault did not load it");
}

TEST(PluginProbeTest, AGoodPluginReportsItsIdsAndTheLoadersErrorsPassThrough) {
  BackendRegistry registry = WithBuiltins();
  const absl::StatusOr<PluginProbe> probe = ProbePlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry);
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_EQ(probe->ids, std::vector<std::string>{"plugin.locked_unordered_map"});
  EXPECT_EQ(registry.Find("plugin.locked_unordered_map"), nullptr);  // the probe registers nothing
  const absl::StatusOr<PluginProbe> bad = ProbePlugin(MAPFAULT_TEST_PLUGIN_BAD_ABI_V99, registry);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(bad.status(), LoadPluginInProcess(MAPFAULT_TEST_PLUGIN_BAD_ABI_V99, registry));
}

}  // namespace
}  // namespace mapfault
