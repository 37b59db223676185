// Tests of plugin loading: every way a plugin can be refused gets its one-line message, and loaded
// plugins run through the real machinery (supervisor, worker processes, controlled scheduler,
// checkers): a correct plugin holds every claim, a racy one is caught, and crashes, deadlocks and
// detected misuse inside plugin code are attributed like those of built-in backends.
#include "harness/plugins/plugin_loader.h"
#include "harness/run/replay.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/trial.h"
#include "scenarios/scenario_file.h"
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

// A built-in scenario, or one of the iteration-model suite's file scenarios.
const Scenario* FindScenario(const std::string& id) {
  if (const Scenario* s = ScenarioRegistry::Builtin().Find(id)) return s;
  const ScenarioFile* file = nullptr;
  if (FindBuiltinSuite("iteration-model", &file) == nullptr) return nullptr;
  return file->FindScenario(id);
}

RunResults RunPlugin(const BackendInfo* backend, uint64_t trials, uint64_t seed,
                     const std::string& scenario = "mixed-ops",
                     ExecMode mode = ExecMode::kControlled) {
  CellSpec cell;
  cell.mode = mode;
  cell.backend = backend;
  cell.scenario = FindScenario(scenario);
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
      m.find(": built for plugin ABI version 0, older than the oldest this mapfault loads, "
             "version 1; rebuild the plugin against this mapfault's installed headers"),
      std::string::npos)
      << m;
}

TEST(PluginLoaderTest, AbiVersionNewerThanTheHost) {
  const std::string m = LoadError(MAPFAULT_TEST_PLUGIN_BAD_ABI_V99);
  EXPECT_NE(m.find(": built for plugin ABI version 99, newer than this mapfault's version 2; "
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

// --- ABI v1 compatibility and ABI v2 --------------------------------------------------------

TEST(PluginLoaderTest, AbiV1PluginBuiltWithTheV1HeadersLoadsAndHoldsItsClaims) {
  BackendRegistry registry = WithBuiltins();
  std::vector<std::string> ids;
  const absl::Status s = LoadPlugin(MAPFAULT_TEST_PLUGIN_V1, registry, &ids);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ids, std::vector<std::string>{"plugin.v1_locked"});
  const BackendInfo* b = registry.Find("plugin.v1_locked");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->erase_this_may_decline);  // v1 cannot report erase-this outcomes: unknown
  EXPECT_FALSE(b->visitor_writes);
  EXPECT_EQ(b->unsafe_concurrent_ops, 0u);
  // Its helper only uses a host of its own version: it got the table labelled 1 (without it,
  // PluginSync would abort "used outside mapfault").
  std::unique_ptr<AnyMap> map = b->make_controlled();
  map->ThreadAttach();  // no hooks in v1: a no-op
  EXPECT_TRUE(map->Insert(1, 10));
  EXPECT_EQ(map->Find(1), 10);
  map->ThreadDetach();
  for (const char* scenario : {"mixed-ops", "iterate-while-erase", "stale-visit"}) {
    const RunResults r = RunPlugin(b, 500, 7, scenario);
    for (Invariant inv : kAllInvariants) {
      if (!b->claims.Contains(inv)) continue;
      EXPECT_NE(Inv(r, inv).verdict, Verdict::kBroken)
          << scenario << " " << InvariantId(inv) << ": " << Inv(r, inv).explanation;
    }
    EXPECT_EQ(r.ExitCode(), 0) << scenario;
  }
}

TEST(PluginLoaderTest, AbiV2FieldsReachTheBackendInfo) {
  BackendRegistry registry = WithBuiltins();
  std::vector<std::string> ids;
  const absl::Status s = LoadPlugin(MAPFAULT_TEST_PLUGIN_V2, registry, &ids);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ids, (std::vector<std::string>{"plugin.v2_cas", "plugin.v2_single_writer"}));
  const BackendInfo* cas = registry.Find("plugin.v2_cas");
  EXPECT_TRUE(cas->erase_this_may_decline);
  EXPECT_TRUE(cas->visitor_writes);
  EXPECT_EQ(cas->unsafe_concurrent_ops, 1u << static_cast<int>(OpKind::kClear));
  InvariantSet if_unsafe;
  for (Invariant inv : {Invariant::kNoCrash, Invariant::kNoHang, Invariant::kIterNoDuplicate}) {
    if_unsafe.Add(inv);
  }
  EXPECT_EQ(cas->claims_if_unsafe, if_unsafe);
  ASSERT_TRUE(cas->make_real);
  const BackendInfo* single = registry.Find("plugin.v2_single_writer");
  EXPECT_FALSE(single->erase_this_may_decline);
  EXPECT_FALSE(single->visitor_writes);
  EXPECT_FALSE(single->make_real);
  EXPECT_NE(single->unsafe_concurrent_ops & BackendInfo::kEraseThisBit, 0u);
}

// The v2 test plugin's counters of thread_attach / thread_detach calls (process-wide).
std::pair<uint64_t, uint64_t> HookCounts() {
  void* handle = dlopen(MAPFAULT_TEST_PLUGIN_V2, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(handle, nullptr);
  using CountsFn = void (*)(uint64_t*, uint64_t*);
  const auto counts = reinterpret_cast<CountsFn>(dlsym(handle, "mapfault_test_v2_hook_counts"));
  EXPECT_NE(counts, nullptr);
  uint64_t attaches = 0, detaches = 0;
  counts(&attaches, &detaches);
  dlclose(handle);
  return {attaches, detaches};
}

TEST(PluginLoaderTest, ThreadHooksRunOncePerThreadPerTrialInBothModes) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_V2, registry).ok());
  TrialSpec spec;
  spec.backend = registry.Find("plugin.v2_cas");
  spec.scenario = FindScenario("mixed-ops");
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse("random");
  for (ExecMode mode : {ExecMode::kControlled, ExecMode::kPerturbed}) {
    spec.mode = mode;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      spec.seed = seed;
      const auto [attaches_before, detaches_before] = HookCounts();
      // The plugin aborts this process if an operation runs on a thread that did not attach.
      const TrialResult r =
          mode == ExecMode::kControlled ? RunControlledTrial(spec) : RunPerturbedTrial(spec);
      const auto [attaches, detaches] = HookCounts();
      // Every trial thread, plus the harness's thread around the init part and the post part.
      const uint64_t expected = r.program.threads.size() + 2;
      EXPECT_EQ(attaches - attaches_before, expected) << "seed " << seed;
      EXPECT_EQ(detaches - detaches_before, expected) << "seed " << seed;
      EXPECT_TRUE(r.violations.empty()) << r.violations.front().explanation;
    }
  }
}

TEST(PluginLoaderTest, DeclinedEraseThisReachesTheHistoryAndHoldsOnTheIterationModel) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_V2, registry).ok());
  const BackendInfo* b = registry.Find("plugin.v2_cas");
  TrialSpec spec;
  spec.backend = b;
  spec.scenario = FindScenario("stale-visit");
  ASSERT_NE(spec.scenario, nullptr);
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse("random");
  int declined = 0, read_points = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    spec.seed = seed;
    const TrialResult r = RunControlledTrial(spec);
    EXPECT_TRUE(r.violations.empty()) << seed << ": " << r.violations.front().explanation;
    for (const OpRecord& op : r.history.threads[0]) {
      for (const YieldRecord& y : op.yields) {
        declined += y.erase == EraseOutcome::kDeclined;
        read_points += y.read_to != 0;
      }
    }
  }
  EXPECT_GT(declined, 0) << "no erase-this declined: the outcome did not reach the history";
  EXPECT_GT(read_points, 0) << "no read point reached the history";
  // The whole iteration-model suite, visitor writes included, with real processes: no BROKEN.
  for (const char* scenario : {"stale-visit", "stale-visit-reinsert", "conditional-erase",
                               "range-insert-same-thread", "range-insert-while-erase"}) {
    const RunResults r = RunPlugin(b, 300, 5, scenario);
    EXPECT_EQ(r.ExitCode(), 0) << scenario;
    EXPECT_EQ(Inv(r, Invariant::kNoCrash).verdict, Verdict::kHolds)
        << scenario << ": " << Inv(r, Invariant::kNoCrash).explanation;
  }
  const RunResults perturbed = RunPlugin(b, 300, 5, "mixed-ops", ExecMode::kPerturbed);
  EXPECT_EQ(perturbed.ExitCode(), 0);
}

TEST(PluginLoaderTest, ConditionalContractMakesConcurrentWriteBreaksOutOfContract) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_V2, registry).ok());
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_RACY, registry).ok());
  // The same kind of unsynchronised map: claimed unconditionally (v1 racy_map) it is BROKEN ...
  const RunResults racy = RunPlugin(registry.Find("plugin.racy_map"), 2000, 11);
  EXPECT_EQ(Inv(racy, Invariant::kLinearizable).verdict, Verdict::kBroken);
  // ... claimed only without concurrent writes (v2 conditional contract), OUT_OF_CONTRACT.
  const RunResults single = RunPlugin(registry.Find("plugin.v2_single_writer"), 2000, 11);
  EXPECT_EQ(Inv(single, Invariant::kLinearizable).verdict, Verdict::kOutOfContract)
      << Inv(single, Invariant::kLinearizable).explanation;
  EXPECT_EQ(single.ExitCode(), 0);
}

TEST(PluginLoaderTest, BadAbiV2FieldsAreRefused) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_V2_UNSAFE_BITS)
                .find(": backend 'bad.v2' has unknown unsafe_concurrent_ops bits 0x200; use only "
                      "MAPFAULT_UNSAFE_* bits"),
            std::string::npos);
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_V2_NULL_IF_UNSAFE)
                .find(": backend 'bad.v2' sets unsafe_concurrent_ops but its claims_if_unsafe is "
                      "NULL"),
            std::string::npos);
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_V2_UNKNOWN_IF_UNSAFE)
                .find(": backend 'bad.v2' claims_if_unsafe has unknown invariant 'no-hangs'; "
                      "valid ids: no-crash, "),
            std::string::npos);
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_V2_IF_UNSAFE_UNCLAIMED)
                .find(": backend 'bad.v2' claims_if_unsafe has 'linearizable', which its claims "
                      "do not have"),
            std::string::npos);
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_BAD_V2_FLAGS)
                .find(": backend 'bad.v2' has unknown flags 0x40; use only the MAPFAULT_BACKEND_* "
                      "flags of plugin ABI version 2"),
            std::string::npos);
}

// mapfault_plugin_options: a plugin that must load only in workers is never dlopen()ed in this
// process, its maps work in workers, and a worker that exits after printing one of its misuse
// patterns is misuse-detected (DETECTED, with the line), not a crash.
TEST(PluginLoaderTest, PluginOptionsLoadInWorkersAndStderrMisusePatterns) {
  BackendRegistry registry = WithBuiltins();
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_OPTIONS_GOOD, registry).ok());
  const BackendInfo* b = registry.Find("test.options");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->load_in_workers);
  EXPECT_EQ(b->misuse_patterns, std::vector<std::string>{"testlib: assertion failed"});
  EXPECT_EQ(b->plugin_path, fs::canonical(MAPFAULT_TEST_PLUGIN_OPTIONS_GOOD).string());
  EXPECT_EQ(dlopen(MAPFAULT_TEST_PLUGIN_OPTIONS_GOOD, RTLD_NOW | RTLD_NOLOAD), nullptr)
      << "a MAPFAULT_PLUGIN_LOAD_IN_WORKERS plugin was loaded in the supervisor";
  // Loading it again reports the same ids and registers nothing new.
  std::vector<std::string> ids;
  ASSERT_TRUE(LoadPlugin(MAPFAULT_TEST_PLUGIN_OPTIONS_GOOD, registry, &ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"test.options"});

  const RunResults reads = RunPlugin(b, 50, 1, "iterate-while-find", ExecMode::kPerturbed);
  EXPECT_EQ(reads.ExitCode(), 0);
  EXPECT_EQ(Inv(reads, Invariant::kNoCrash).verdict, Verdict::kHolds);
  EXPECT_EQ(Inv(reads, Invariant::kMisuseDetected).verdict, Verdict::kHolds);

  const RunResults erases = RunPlugin(b, 20, 1, "iterate-while-erase", ExecMode::kPerturbed);
  const InvariantResult& misuse = Inv(erases, Invariant::kMisuseDetected);
  EXPECT_EQ(misuse.verdict, Verdict::kDetected);
  EXPECT_EQ(misuse.failures, 20u);
  EXPECT_NE(misuse.explanation.find("testlib: assertion failed: erase during a trial"),
            std::string::npos)
      << misuse.explanation;
  // Not a crash: no-crash has no failure (every trial died of the misuse, which hides it).
  EXPECT_EQ(Inv(erases, Invariant::kNoCrash).failures, 0u)
      << Inv(erases, Invariant::kNoCrash).explanation;
}

TEST(PluginLoaderTest, BadPluginOptionsAreRefused) {
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_OPTIONS_BAD_FLAGS)
                .find(": mapfault_plugin_options has unknown flags 0x8; use only the "
                      "MAPFAULT_PLUGIN_* flags"),
            std::string::npos);
  EXPECT_NE(LoadError(MAPFAULT_TEST_PLUGIN_OPTIONS_EMPTY_PATTERN)
                .find(": an empty string in misuse_stderr_patterns would match every line"),
            std::string::npos);
}

}  // namespace
}  // namespace mapfault
