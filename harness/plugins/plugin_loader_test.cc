// Tests of plugin loading: every way a plugin can be refused gets its one-line message, and loaded
// plugins run through the real machinery (supervisor, worker processes, controlled scheduler,
// checkers): a correct plugin holds every claim, a racy one is caught, and crashes, deadlocks and
// detected misuse inside plugin code are attributed like those of built-in backends.
#include "harness/plugins/plugin_loader.h"
#include "harness/run/replay.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "harness/run/worker.h"

namespace mapfault {
namespace {

namespace fs = std::filesystem;

BackendRegistry WithBuiltins() {
  BackendRegistry registry;
  RegisterBuiltinBackends(registry);
  return registry;
}

// The message LoadPlugin gives for `path` on a registry holding the built-ins.
std::string LoadError(const std::string& path) {
  BackendRegistry registry = WithBuiltins();
  const absl::Status status = LoadPlugin(path, registry);
  EXPECT_FALSE(status.ok()) << path;
  EXPECT_EQ(status.message().rfind("plugin " + path + ": ", 0), 0u) << status.message();
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  return std::string(status.message());
}

RunResults RunPlugin(const BackendInfo* backend, uint64_t trials, uint64_t seed,
                     const std::string& scenario = "mixed-ops") {
  CellSpec cell;
  cell.backend = backend;
  cell.scenario = ScenarioRegistry::Builtin().Find(scenario);
  cell.params = cell.scenario->defaults;
  cell.trials = trials;
  SupervisorOptions options;
  options.seed = seed;
  options.jobs = 2;
  return RunCells({cell}, options);
}

const InvariantResult& Inv(const RunResults& r, Invariant inv) {
  return r.cells.at(0).invariants[static_cast<int>(inv)];
}

TEST(PluginLoaderTest, LoadsTheGoodPluginAndItsMapWorks) {
  BackendRegistry registry = WithBuiltins();
  std::vector<std::string> ids;
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry, &ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"plugin.locked_unordered_map"});
  const BackendInfo* b = registry.Find("plugin.locked_unordered_map");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->description, "TEST PLUGIN: std::unordered_map behind a mutex");
  EXPECT_EQ(b->plugin_path, fs::canonical(MAPFAULT_TEST_PLUGIN_GOOD).string());
  InvariantSet claims = InvariantSet::All();
  claims.Remove(Invariant::kMisuseDetected);
  claims.Remove(Invariant::kNoDataRace);  // the plugin lists the 11 ids every build judges
  EXPECT_EQ(b->claims, claims);
  EXPECT_FALSE(b->duplicate_allows_reinsert);
  ASSERT_TRUE(b->make_controlled);
  ASSERT_TRUE(b->make_real);
  EXPECT_NE(registry.ValidIds().find("plugin.locked_unordered_map"), std::string::npos);

  // Outside a trial the host's primitives are plain ones.
  std::unique_ptr<AnyMap> map = b->make_controlled();
  EXPECT_TRUE(map->Insert(1, 10));
  EXPECT_FALSE(map->Insert(1, 11));
  map->Assign(2, 20);
  map->Assign(3, 30);
  EXPECT_EQ(map->Find(1), 10);
  EXPECT_EQ(map->Find(4), std::nullopt);
  EXPECT_EQ(map->Size(), 3u);
  int shown = 0;
  map->ForEach(
      [&](Key k, Value) {
        ++shown;
        return k == 2 ? VisitAction::kEraseThis : VisitAction::kContinue;
      },
      IterKind::kMayErase);
  EXPECT_EQ(shown, 3);
  EXPECT_EQ(map->Find(2), std::nullopt);
  EXPECT_TRUE(map->Erase(3));
  EXPECT_FALSE(map->Erase(3));
  map->Clear();
  EXPECT_EQ(map->Size(), 0u);
}

TEST(PluginLoaderTest, LoadingTheSameFileTwiceReportsItsIdsAgain) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry, &ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"plugin.locked_unordered_map"});
}

TEST(PluginLoaderTest, MissingFile) {
  BackendRegistry registry = WithBuiltins();
  const absl::Status s = LoadPlugin("/nonexistent/libnope.so", registry);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(
      LoadError("/nonexistent/libnope.so"),
      "plugin /nonexistent/libnope.so: no such file; pass the path of a built plugin library, "
      "e.g. ./build/libmy_map.so");
}

TEST(PluginLoaderTest, NotASharedLibrary) {
  const std::string m = LoadError(MAPFAULT_TEST_PLUGIN_NOT_A_LIBRARY);
  EXPECT_NE(m.find(": cannot load it as a shared library ("), std::string::npos) << m;
  EXPECT_NE(m.find("build it as a MODULE library against find_package(mapfault)"),
            std::string::npos)
      << m;
}

TEST(PluginLoaderTest, NoEntryPoint) {
  EXPECT_NE(
      LoadError(MAPFAULT_TEST_PLUGIN_BAD_NO_ENTRY)
          .find(": does not export mapfault_plugin_entry; define it with MAPFAULT_PLUGIN(...)"),
      std::string::npos);
}

TEST(PluginLoaderTest, EntryPointReturnsNull) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_ENTRY_NULL)
                .find(": mapfault_plugin_entry() returned NULL"),
            std::string::npos);
}

TEST(PluginLoaderTest, AbiVersionOlderThanTheHost) {
  BackendRegistry registry = WithBuiltins();
  EXPECT_EQ(LoadPlugin(MAPFAULT_TEST_PLUGIN_BAD_ABI_V0, registry).code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string m = LoadError(MAPFAULT_TEST_PLUGIN_BAD_ABI_V0);
  EXPECT_NE(
      m.find(": built for plugin ABI version 0, older than this mapfault's version 1; rebuild "
             "the plugin against this mapfault's installed headers"),
      std::string::npos)
      << m;
}

TEST(PluginLoaderTest, AbiVersionNewerThanTheHost) {
  const std::string m = LoadError(MAPFAULT_TEST_PLUGIN_BAD_ABI_V99);
  EXPECT_NE(m.find(": built for plugin ABI version 99, newer than this mapfault's version 1; "
                   "upgrade mapfault"),
            std::string::npos)
      << m;
}

TEST(PluginLoaderTest, DuplicateOfABuiltinIdRegistersNothing) {
  BackendRegistry registry = WithBuiltins();
  const absl::Status s = LoadPlugin(MAPFAULT_TEST_PLUGIN_BAD_DUPLICATE_ID, registry);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find(": backend id 'mutex' is already taken by a built-in backend; rename "
                             "the plugin's backend"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(registry.Find("bad.first"), nullptr);  // the plugin's valid backend was not registered
}

TEST(PluginLoaderTest, DuplicateOfAnotherPluginsId) {
  const std::string copy = ::testing::TempDir() + "/libcopy_of_good.so";
  fs::copy_file(MAPFAULT_TEST_PLUGIN_GOOD, copy, fs::copy_options::overwrite_existing);
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry).ok());
  const absl::Status s = LoadPlugin(copy, registry);
  EXPECT_NE(
      s.message().find("backend id 'plugin.locked_unordered_map' is already taken by plugin " +
                       fs::canonical(MAPFAULT_TEST_PLUGIN_GOOD).string()),
      std::string::npos)
      << s.message();
}

TEST(PluginLoaderTest, NullOperation) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_NULL_OP)
                .find(": backend 'bad.null_op' has a NULL 'erase' operation; set every field"),
            std::string::npos);
}

TEST(PluginLoaderTest, NullId) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_NULL_ID)
                .find(": backend #2 of 2 has a NULL id; give every backend a unique id"),
            std::string::npos);
}

TEST(PluginLoaderTest, UnknownInvariantId) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_UNKNOWN_INVARIANT)
                .find(": backend 'bad.backend' claims unknown invariant 'linearisable'; valid ids: "
                      "no-crash, no-hang, "),
            std::string::npos);
}

TEST(PluginLoaderTest, NoBackends) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_NO_BACKENDS).find(": declares no backends"),
            std::string::npos);
}

TEST(PluginLoaderTest, PluginPathLoadsEveryLibraryOfEveryDirectory) {
  BackendRegistry registry = WithBuiltins();
  std::vector<std::string> ids;
  const std::string path = std::string(":" MAPFAULT_TEST_PLUGIN_DIR_OK "::");
  ASSERT_TRUE(LoadPluginsFromPath(path.c_str(), registry, &ids).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"plugin.locked_unordered_map", "plugin.racy_map",
                                           "plugin.throws", "plugin.deadlock", "plugin.go_like"}));
  EXPECT_TRUE(LoadPluginsFromPath(nullptr, registry).ok());
  EXPECT_TRUE(LoadPluginsFromPath("", registry).ok());
}

TEST(PluginLoaderTest, PluginPathErrors) {
  BackendRegistry registry = WithBuiltins();
  EXPECT_EQ(LoadPluginsFromPath("/nonexistent/dir", registry).message(),
            "MAPFAULT_PLUGIN_PATH entry '/nonexistent/dir' is not a directory; create it or remove "
            "it from MAPFAULT_PLUGIN_PATH");
  // The first library of bad/ in name order is refused, with its own message.
  const absl::Status s = LoadPluginsFromPath(MAPFAULT_TEST_PLUGIN_DIR_BAD, registry);
  EXPECT_NE(s.message().find("plugin " MAPFAULT_TEST_PLUGIN_DIR_BAD "/libnot_a_library.so: cannot "
                             "load it"),
            std::string::npos)
      << s.message();
}

TEST(PluginLoaderTest, GoodPluginHoldsEveryClaimUnderTheControlledScheduler) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_GOOD, registry).ok());
  const BackendInfo* b = registry.Find("plugin.locked_unordered_map");
  const RunResults r = RunPlugin(b, 2000, 7);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].trials, 2000u);
  for (Invariant inv : kAllInvariants) {
    if (!b->claims.Contains(inv)) continue;
    const InvariantResult& result = Inv(r, inv);
    EXPECT_EQ(result.verdict, Verdict::kHolds) << InvariantId(inv) << ": " << result.explanation;
  }
  EXPECT_GT(Inv(r, Invariant::kLinearizable).evaluated, 1900u);
  EXPECT_EQ(r.ExitCode(), 0);
}

TEST(PluginLoaderTest, RacyPluginIsBrokenDeterministically) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_RACY, registry).ok());
  const BackendInfo* b = registry.Find("plugin.racy_map");
  const RunResults first = RunPlugin(b, 2000, 11);
  const InvariantResult& lin = Inv(first, Invariant::kLinearizable);
  EXPECT_EQ(lin.verdict, Verdict::kBroken);
  EXPECT_EQ(Inv(first, Invariant::kNoCrash).verdict, Verdict::kHolds);
  const auto token = ReplayToken::Decode(lin.token);
  ASSERT_TRUE(token.ok()) << lin.token;
  EXPECT_EQ(token->backend, "plugin.racy_map");
  // Replayed alone in a fresh worker, the token's trial breaks again, and the interleaving shows
  // the plugin's own scheduling points.
  const absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token, registry);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->backend, b);
  const IsolatedOutcome replayed = RunTrialIsolated(*spec, 10);
  bool broke_again = false;
  for (const Violation& v : replayed.AllViolations()) {
    broke_again |= v.invariant == Invariant::kLinearizable;
  }
  EXPECT_TRUE(broke_again);
  bool plugin_label = false;
  for (const TraceEvent& e : replayed.trace) {
    plugin_label |= e.label != nullptr && std::string(e.label).starts_with("racy.");
  }
  EXPECT_TRUE(plugin_label);
  // Same seed, same findings.
  const RunResults second = RunPlugin(b, 2000, 11);
  EXPECT_EQ(Inv(second, Invariant::kLinearizable).failures, lin.failures);
  EXPECT_EQ(Inv(second, Invariant::kLinearizable).first_failure_trial, lin.first_failure_trial);
  EXPECT_EQ(Inv(second, Invariant::kLinearizable).token, lin.token);
}

TEST(PluginLoaderTest, ExceptionInAPluginOperationAbortsWithAMessage) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_RACY, registry).ok());
  const RunResults r = RunPlugin(registry.Find("plugin.throws"), 20, 3);
  const InvariantResult& crash = Inv(r, Invariant::kNoCrash);
  EXPECT_EQ(crash.verdict, Verdict::kBroken);
  EXPECT_NE(crash.explanation.find("mapfault: plugin error: test_racy: erase() threw: boom: "
                                   "this erase always throws"),
            std::string::npos)
      << crash.explanation;
}

TEST(PluginLoaderTest, DeadlockInsidePluginCodeIsAHangNotACrash) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_RACY, registry).ok());
  const RunResults r = RunPlugin(registry.Find("plugin.deadlock"), 500, 5);
  const InvariantResult& hang = Inv(r, Invariant::kNoHang);
  EXPECT_EQ(hang.verdict, Verdict::kBroken);
  EXPECT_NE(hang.explanation.find("deadlock"), std::string::npos) << hang.explanation;
  // Its suspended threads were unwound through the plugin's frames without crashing a worker.
  EXPECT_EQ(Inv(r, Invariant::kNoCrash).verdict, Verdict::kHolds)
      << Inv(r, Invariant::kNoCrash).explanation;
  EXPECT_EQ(r.cells[0].trials, 500u);
}

TEST(PluginLoaderTest, MisuseReportedByAPluginIsDetected) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_RACY, registry).ok());
  const RunResults r = RunPlugin(registry.Find("plugin.go_like"), 200, 9);
  const InvariantResult& misuse = Inv(r, Invariant::kMisuseDetected);
  EXPECT_EQ(misuse.verdict, Verdict::kDetected);
  EXPECT_NE(misuse.explanation.find("fatal error: concurrent map writes"), std::string::npos)
      << misuse.explanation;
}

// .ci/plugin_example.sh builds examples/plugin against the installed package; with
// MAPFAULT_EXAMPLE_PLUGIN set to the built library, this runs it like the tests above.
TEST(PluginLoaderTest, ExamplePluginFromTheInstalledPackage) {
  const char* example = std::getenv("MAPFAULT_EXAMPLE_PLUGIN");
  if (example == nullptr) GTEST_SKIP() << "MAPFAULT_EXAMPLE_PLUGIN is not set";
  BackendRegistry registry = WithBuiltins();
  std::vector<std::string> ids;
  const absl::Status s = LoadPlugin(example, registry, &ids);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_FALSE(ids.empty());
  for (const std::string& id : ids) {
    const RunResults r = RunPlugin(registry.Find(id), 1000, 13);
    EXPECT_EQ(r.ExitCode(), 0) << id;
  }
}

}  // namespace
}  // namespace mapfault
