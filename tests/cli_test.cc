// Command-line contract tests: the real `mapfault` binary, its exit statuses, its one-line errors for
// bad input, its reports and its replay lines.
#include "tests/cli_util.h"

#include <signal.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "gtest/gtest.h"
#include "harness/base/types.h"
#include "nlohmann/json.hpp"
#include "scenarios/scenario.h"

namespace mapfault {
namespace {

TEST(CliTest, UnknownBackendNamesTheValidOnes) {
  ExpectUsageError("run --backend nosuch", "unknown backend 'nosuch'; valid backends: naive");
}

TEST(CliTest, UnknownScenarioNamesTheValidOnes) {
  ExpectUsageError("run --scenario nosuch", "valid scenarios: range-erase-same-thread");
}

TEST(CliTest, UnknownStrategyNamesTheValidOnes) {
  ExpectUsageError("run --strategy dfs", "valid strategies are random, pct");
}

TEST(CliTest, BenchBugsShowsTheReferenceLoopColumn) {
  const std::string out = TempDir("bench-reference");
  const CommandResult r = RunMapfault(
      "bench-bugs --backend mutex --scenario iterate-while-grow --strategy stress --strategy "
      "reference-loop --reps 1 --cap 3 --replays 0 --no-progress --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string row = "| perturbed reference-loop | 0/1 | > 3 |";
  EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| perturbed stress | 0/1 | > 3 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vs stronger baseline"), std::string::npos) << r.out;
  EXPECT_NE(ReadFile(out + "/bench.md").find(row), std::string::npos);
  EXPECT_NE(ReadFile(out + "/bench.json").find("\"strategy\": \"reference-loop\""),
            std::string::npos);
  std::filesystem::remove_all(out);
}

TEST(CliTest, PreemptIsForPerturbedModeOnly) {
  ExpectUsageError("run --mode controlled --preempt", "--preempt applies to perturbed mode");
  ExpectUsageError("run --mode controlled --strategy noise+preempt",
                   "--preempt applies to perturbed mode");
}

TEST(CliTest, SuitesFromTheShippedFilesAndFromTomlFiles) {
  const CommandResult list = RunMapfault("list suites --json");
  ASSERT_EQ(list.status, 0);
  const nlohmann::json j = nlohmann::json::parse(list.out);
  ASSERT_GE(j["suites"].size(), 3u);
  EXPECT_EQ(j["suites"][0]["id"], "default");

  // A suite of a file: its own fixed-program scenarios, its backends, its invariants only.
  const std::string dir = TempDir("suite");
  {
    std::ofstream f(dir + "/mine.toml");
    f << "[[scenario]]\nid = \"two-erasers\"\ninit = [[1, 1001], [2, 1002]]\n"
         "threads = [[\"erase(1)\", \"for_each(visit all)\"], [\"erase(1)\"]]\n\n"
         "[[suite]]\nid = \"mine\"\nbackends = [\"naive\", \"mutex\"]\n"
         "scenarios = [\"two-erasers\"]\ninvariants = [\"no-crash\", \"linearizable\"]\n"
         "trials = 300\n";
  }
  const CommandResult run =
      RunMapfault("run --suite " + dir + "/mine.toml --seed 3 --no-progress --out " + dir + "/out");
  EXPECT_EQ(run.status, 1) << run.err;  // naive's double erase breaks
  const nlohmann::json results = nlohmann::json::parse(ReadFile(dir + "/out/results.json"));
  std::string token;
  for (const auto& row : results["results"]) {
    EXPECT_EQ(row["scenario"], "two-erasers");
    EXPECT_EQ(row["trials_run"], 300);
    const std::string inv = row["invariant"];
    if (inv != "no-crash" && inv != "linearizable") {
      EXPECT_EQ(row["verdict"], "NOT_RUN") << inv;
    }
    if (row["backend"] == "naive" && row["verdict"] == "BROKEN") token = row["token"];
  }
  ASSERT_FALSE(token.empty());
  // The token carries the file's program: it replays without the file.
  const CommandResult replay = RunMapfault("replay " + token);
  EXPECT_EQ(replay.status, 1) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("erase(1)"), std::string::npos);

  ExpectUsageError("run --suite nosuch", "unknown suite 'nosuch'; valid suites: default");
  ExpectUsageError(std::string("run --suite ") + MAPFAULT_SCENARIO_FILES_DIR + "/bad_op.toml",
                   "bad_op.toml:");
}

// The go suite ships in the binary, but its go.* backends come from the Go plugin: without
// --plugin a run stops before any trial with one line saying what to pass and how to build it.
TEST(CliTest, TheGoSuiteWithoutItsPluginSaysWhatToPass) {
  const std::string fragment =
      "error: suite 'go' runs a plugin's backends ('go.map' is not loaded): pass --plugin "
      "PATH/libmapfault_go.so, the Go plugin (apt-get install golang-go, re-run cmake, then ninja "
      "-C build mapfault_go_plugin";
  const std::string out = " --no-progress --out " + TempDir("go_suite");
  ExpectUsageError("run --suite go" + out, fragment, "MAPFAULT_PLUGIN_PATH= ");
  ExpectUsageError("run --suite go --backend mutex --backend go.map" + out, fragment,
                   "MAPFAULT_PLUGIN_PATH= ");
  // A typo stays a typo, not a request for the plugin.
  ExpectUsageError("run --suite go --backend go.mapp" + out, "unknown backend 'go.mapp'");
  const CommandResult list = RunMapfault("list suites");
  EXPECT_NE(list.out.find("\n  go "), std::string::npos) << list.out;
  const nlohmann::json suites = nlohmann::json::parse(RunMapfault("list suites --json").out);
  for (const auto& suite : suites["suites"]) {
    const bool go = suite["id"] == "go";
    EXPECT_EQ(suite["plugin"].get<std::string>().rfind("PATH/libmapfault_go.so, ", 0) == 0, go);
  }
}

// The scenario file of docs/scenarios.md ("Write a scenario"), as the docs run it.
TEST(CliTest, TheReadmeScenarioFileRuns) {
  const std::string dir = TempDir("readme-suite");
  const CommandResult r = RunMapfault(std::string("run --suite ") + MAPFAULT_GOLDEN_DIR +
                                      "/../../examples/scenarios/my_scenarios.toml --trials 300 "
                                      "--seed 1 --no-progress --out " + dir);
  EXPECT_EQ(r.status, 1) << r.err;  // naive breaks; the lock-based backends hold
  const nlohmann::json j = nlohmann::json::parse(ReadFile(dir + "/results.json"));
  int broken_naive = 0;
  for (const auto& row : j["results"]) {
    if (row["verdict"] == "BROKEN") {
      EXPECT_EQ(row["backend"], "naive") << row.dump();
      ++broken_naive;
    }
  }
  EXPECT_GE(broken_naive, 4);  // at least one break in each of its four scenarios
}

TEST(CliTest, BadFlagsAndValuesAreUsageErrors) {
  ExpectUsageError("run --no-such-flag", "--no-such-flag");
  ExpectUsageError("run --memory-model tso", "--memory-model");
  ExpectUsageError("run --trials zero", "--trials");
  ExpectUsageError("run --mode sideways", "--mode");
  ExpectUsageError("list colours", "valid: backends, scenarios");
  ExpectUsageError("run --initial 9 --keys 3", "cannot exceed --keys");
  ExpectUsageError("", "");
}

TEST(CliTest, BadTokensAreUsageErrors) {
  ExpectUsageError("replay hello", "does not start with 'mf1_'");
  ExpectUsageError("replay mf1_AAAA", "malformed replay token");
  ExpectUsageError("replay mf9_AAAAAAAAAAAA", "version 9 is newer than this mapfault");
}

TEST(CliTest, TruncatedTokenFromARealRunIsAUsageError) {
  const std::string out = TempDir("trunc");
  const CommandResult run = RunMapfault(
      "run --backend mutant.mutex_iter_unlocked --scenario iterate-while-grow --trials 500 "
      "--seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  ExpectUsageError("replay " + token.substr(0, token.size() - 4), "malformed replay token");
}

TEST(CliTest, SafeBackendRunExitsZeroAndWritesResultsJson) {
  const std::string out = TempDir("safe");
  const CommandResult r = RunMapfault(
      "run --backend mutex --scenario iterate-while-erase --trials 300 --seed 1 --no-progress "
      "--out " + out);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("mapfault replay"), std::string::npos);
  std::ifstream in(std::filesystem::path(out) / "results.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["results"].size(), std::size(kAllInvariants));
  for (const auto& row : j["results"]) {
    EXPECT_EQ(row["backend"], "mutex");
    EXPECT_EQ(row["verdict"], "HOLDS");
    EXPECT_EQ(row["mode"], "controlled");
    EXPECT_EQ(row["strategy"], "random");
    EXPECT_EQ(row["trials"], 300);
    EXPECT_EQ(row["failures"], 0);
    EXPECT_TRUE(row["first_failure_trial"].is_null());
    EXPECT_TRUE(row["token"].is_null());
  }
}

TEST(CliTest, BreakPrintsAReplayLineThatReproduces) {
  const std::string out = TempDir("break");
  const CommandResult run = RunMapfault(
      "run --backend naive --scenario iterate-while-grow --trials 500 --seed 1 --no-progress "
      "--out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  const CommandResult replay = RunMapfault("replay " + token);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("The following interleaving leads to the error"), std::string::npos);
  EXPECT_NE(replay.out.find(": reproduced"), std::string::npos) << replay.out;
  const CommandResult times = RunMapfault("replay " + token + " --times 5");
  EXPECT_EQ(times.status, 1);
  EXPECT_NE(times.out.find("reproduced 5/5"), std::string::npos) << times.out;
  EXPECT_NE(times.out.find("identical traces: 5/5"), std::string::npos) << times.out;
}

// A failure the exhaustive strategy finds, a failing schedule's or a crash's (whose search
// reported nothing: the confirmation replay's trace counts), says its preemptions in every report.
TEST(CliTest, ExhaustiveFindingsSayTheirPreemptionsInEveryReport) {
  const std::string out = TempDir("exhaustive_preemptions");
  const CommandResult run = RunMapfault(
      "run --backend mutant.iter_stale_successor --backend mutant.mutex_iter_unlocked "
      "--scenario concurrent-erase-all --scenario iterate-while-grow --strategy exhaustive:pb=2 "
      "--trials 3 --seed 1 --jobs 1 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  for (const char* file : {"report.txt", "results.json", "report.md", "report.html",
                           "report.junit.xml"}) {
    const std::string text = ReadFile(std::filesystem::path(out) / file);
    EXPECT_NE(text.find("(exhaustive search: the first failing schedule of 4, with 1 preemption, "
                        "the fewest any failing schedule of this program has)"),
              std::string::npos) << file;
    EXPECT_NE(text.find("(exhaustive search: the schedule it died in has 1 preemption, the "
                        "fewest any failing schedule of this program has)"),
              std::string::npos) << file;
  }
}

// `mapfault shrink` prints the original and the shrunk preemptions and what the bounded search
// proved; its token replays the minimal case.
TEST(CliTest, ShrinkSaysThePreemptionsAndWhetherTheFewestIsProven) {
  const std::string out = TempDir("shrink_search");
  const CommandResult run = RunMapfault(
      "run --backend mutant.mutex_iter_unlocked --scenario iterate-while-grow --strategy random "
      "--trials 200 --seed 3 --jobs 1 --threads 3 --ops 6 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  const CommandResult shrink = RunMapfault("shrink " + token);
  EXPECT_EQ(shrink.status, 1) << shrink.err;
  EXPECT_NE(shrink.out.find("  original: 13 operations in the parallel part, 52 preemptions\n"),
            std::string::npos) << shrink.out;
  EXPECT_NE(shrink.out.find("  shrunk:   4 operations in the parallel part, 1 preemption ("),
            std::string::npos) << shrink.out;
  EXPECT_NE(shrink.out.find("  fewest preemptions: proven: no schedule with fewer than 1 "
                            "preemption breaks iter.no-duplicate in this program"),
            std::string::npos) << shrink.out;
  const CommandResult replay = RunMapfault("replay " + FirstReplayToken(shrink.out));
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("strategy exhaustive:pb=1"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find("scheduling steps, 1 preemptions)"), std::string::npos) << replay.out;
  const CommandResult unproven = RunMapfault("shrink " + token + " --max-schedules 1");
  EXPECT_NE(unproven.out.find("  fewest preemptions: not proven: the bounded search stopped by "
                              "--max-schedules after 1 schedules"),
            std::string::npos) << unproven.out;
}

TEST(CliTest, ListPrintsJson) {
  const CommandResult r = RunMapfault("list --json");
  ASSERT_EQ(r.status, 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["backends"].size(), 7u);
  EXPECT_EQ(j["scenarios"].size(), ScenarioRegistry::Builtin().All().size());
  for (const auto& s : j["scenarios"]) {
    if (s["id"] == "iterate-while-grow") {
      EXPECT_GT(s["perturbed_defaults"]["ops"].get<int>(), s["defaults"]["ops"].get<int>());
    } else if (s["id"] == "mixed-ops") {
      EXPECT_EQ(s["perturbed_defaults"], s["defaults"]);
    }
  }
  EXPECT_EQ(j["invariants"].size(), std::size(kAllInvariants));
  for (const auto& b : j["backends"]) EXPECT_NE(b["id"].get<std::string>().rfind("test.", 0), 0u);
}

}  // namespace
}  // namespace mapfault

namespace mapfault {
namespace {

TEST(CliShardTest, ShardsMergeIntoTheWholeRun) {
  const std::string base = TempDir("shards");
  const std::string args =
      "run --seed 9 --trials 300 --backend mutex --backend mutant.mutex_iter_unlocked "
      "--scenario iterate-while-grow --no-progress --jobs 1 ";
  const CommandResult whole = RunMapfault(args + "--out " + base + "/whole");
  ASSERT_EQ(whole.status, 1) << whole.err;
  const CommandResult s0 = RunMapfault(args + "--shard 0/2 --out " + base + "/s0");
  // The environment variables GoogleTest uses select the other shard.
  const CommandResult s1 = RunMapfault("", "GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=2 ",
                                       args + "--out " + base + "/s1");
  ASSERT_NE(s1.err.find("shard 1/2"), std::string::npos) << s1.err;
  const CommandResult merged =
      RunMapfault("merge " + base + "/s0 " + base + "/s1 --out " + base + "/merged");
  EXPECT_EQ(merged.status, 1) << merged.err;
  // Distinct schedules are counted per shard: merged, a sum (a schedule both shards ran counts
  // twice), so at least the whole run's count.
  auto distinct = [](const nlohmann::json& rows) {
    return rows[0]["coverage"]["distinct_schedules"].get<uint64_t>();
  };
  auto rows = [](const std::string& file) {
    nlohmann::json j = nlohmann::json::parse(ReadFile(file));
    for (auto& row : j["results"]) {
      row.erase("confirmed");
      row.erase("worker_seconds");  // wall time differs run to run
      row.erase("phase_seconds");
    }
    return j["results"];
  };
  nlohmann::json merged_rows = rows(base + "/merged/results.json");
  nlohmann::json whole_rows = rows(base + "/whole/results.json");
  EXPECT_GE(distinct(merged_rows), distinct(whole_rows));
  for (auto* r : {&merged_rows, &whole_rows}) {
    for (auto& row : *r) row["coverage"].erase("distinct_schedules");
  }
  EXPECT_EQ(merged_rows, whole_rows);
}

TEST(CliShardTest, BadShardsAndMergeInputsAreUsageErrors) {
  ExpectUsageError("run --shard 3/3", "bad shard '3/3'");
  ExpectUsageError("run --shard x", "bad shard 'x'");
  ExpectUsageError("merge /nonexistent/dir", "cannot read /nonexistent/dir/results.json");
}

// The reproduction of the merge-integrity report: one shard given twice, or alone, was merged as a
// complete run with doubled or halved totals.
TEST(CliMergeIntegrityTest, MergeRefusesOverlappingOrMissingShards) {
  const std::string base = TempDir("merge_integrity");
  const std::string run = "run --backend naive --scenario iterate-while-erase --seed 42 "
                          "--trials 400 --no-progress --jobs 1 --out " + base;
  ASSERT_NE(RunMapfault(run + "/s0 --shard 0/2").status, 2);
  ASSERT_NE(RunMapfault(run + "/t0 --shard 0/3").status, 2);
  const std::string s0 = base + "/s0";
  ExpectUsageError("merge " + s0 + " " + s0 + " --out " + base + "/m",
                   "shard 0/2 is given twice");
  ExpectUsageError("merge " + s0 + " --out " + base + "/m", "shard 1/2 of the run missing");
  ExpectUsageError("merge " + s0 + " " + base + "/t0 --out " + base + "/m",
                   "is shard 0/3 but " + s0 + "/results.json is shard 0/2");
  EXPECT_FALSE(std::filesystem::exists(base + "/m/results.json"));
  // Told --allow-partial, the merge says what it lacks.
  const CommandResult partial =
      RunMapfault("merge " + s0 + " --allow-partial --out " + base + "/p");
  EXPECT_NE(partial.status, 2) << partial.err;
  const nlohmann::json j = nlohmann::json::parse(ReadFile(base + "/p/results.json"));
  EXPECT_EQ(j["partial"], true);
  EXPECT_EQ(j["missing_shards"], nlohmann::json::array({"1/2"}));
  EXPECT_EQ(j["results"][0]["trials_run"], 200);
}

TEST(CliMergeIntegrityTest, BadResultsFilesAreOneLineUsageErrors) {
  const std::string base = TempDir("merge_bad_files");
  std::filesystem::create_directories(base + "/d/results.json");  // a directory
  ExpectUsageError("merge " + base + "/d", "/d/results.json (not a regular file)");
  std::filesystem::create_directories(base + "/neg");
  std::ofstream(base + "/neg/results.json")
      << R"({"schema_version": 1, "seed": 1, "partial": false, "seconds": 1, "results": [)"
      << R"({"backend": "naive", "scenario": "s", "invariant": "no-crash", "verdict": "HOLDS",)"
      << R"( "mode": "controlled", "strategy": "random", "params": {"threads": 2, "keys": 8,)"
      << R"( "initial": 4, "ops": 4}, "trials": 1, "trials_run": -1, "trials_planned": 200,)"
      << R"( "failures": 0, "undecided": 0, "first_failure_trial": null, "token": null}]})";
  ExpectUsageError("merge " + base + "/neg",
                   "neg/results.json: result 0: field 'trials_run' is -1; it must be a whole "
                   "number from 0 to 200");
}

TEST(CliMergeIntegrityTest, AnUnusableOutDirectoryStopsTheRunBeforeItStarts) {
  const std::string base = TempDir("out_check");
  std::ofstream(base + "/a_file") << "not a directory";
  const CommandResult r = RunMapfault("run --backend naive --scenario iterate-while-erase "
                                      "--trials 50 --no-progress --out " + base + "/a_file/out");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.find("mapfault run:"), std::string::npos) << "it ran first: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("choose a writable directory with --out DIR"), std::string::npos) << r.err;
}

// A plugin that dies while loading used to take mapfault with it (exit(0): status 0, no output).
TEST(CliPluginProbeTest, APluginThatDiesWhileLoadingIsAUsageError) {
  ExpectUsageError("run --backend mutex --scenario mixed-ops --trials 10 --no-progress --plugin "
                   MAPFAULT_TEST_PLUGIN_CRASH_EXIT0,
                   "ended the process while loading (exit status 0)");
  ExpectUsageError("list backends --plugin " MAPFAULT_TEST_PLUGIN_CRASH_SEGV,
                   "crashed while loading (signal 11");
  ExpectUsageError("list backends --plugin " MAPFAULT_TEST_PLUGIN_CRASH_ABORT,
                   "crashed while loading (signal 6");
}

}  // namespace
}  // namespace mapfault

namespace mapfault {
namespace {

TEST(CliPluginTest, PluginBackendBreaksAndItsTokenNamesThePlugin) {
  const std::string out = TempDir("plugin");
  const std::string plugin = MAPFAULT_TEST_PLUGIN_RACY;
  const CommandResult run =
      RunMapfault("run --plugin " + plugin + " --backend plugin.racy_map --scenario mixed-ops "
                  "--trials 500 --seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  const std::string file = std::filesystem::path(plugin).filename().string();
  ExpectUsageError("replay " + token, "comes from the plugin " + file + ": add --plugin");
  const CommandResult replay = RunMapfault("replay --plugin " + plugin + " " + token);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("racy."), std::string::npos);  // the plugin's own step labels
  // Every report file was written.
  for (const char* name : {"results.json", "report.txt", "report.html", "report.md",
                           "report.junit.xml"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / name)) << name;
  }
  EXPECT_NE(ReadFile(out + "/report.html").find("<details class=\"finding\""), std::string::npos);
}

// `--strategy` is repeatable: each strategy is a set of cells (backends x scenarios x strategies),
// a strategy given twice or adapted to the same one in a cell runs once, and the reports name each
// cell's strategy. Shards of such a run merge into the unsharded result. It used to be accepted
// once only ("--strategy: At Most 1 required but received 2"). The first line says what each cell
// runs (std_unordered's perturbed cell runs noise for random: it used to say "strategy random").
TEST(CliRunTest, SeveralStrategiesEachRunTheirCells) {
  const std::string base = TempDir("strategies");
  const std::string args =
      "run --backend naive --backend std_unordered --scenario mixed-ops --strategy random "
      "--strategy pct:d=2 --strategy random --trials 40 --seed 5 --jobs 2 --no-progress ";
  const CommandResult whole = RunMapfault(args + "--out " + base + "/whole");
  ASSERT_EQ(whole.status, 1) << whole.err;
  // naive: random and pct:d=2 (controlled); std_unordered: random runs noise, pct:d=2 stays.
  EXPECT_NE(whole.err.find("x 2 strategies, 4 cells: random (1 controlled cell), pct:d=2 (1 "
                           "controlled cell), noise (1 perturbed cell), pct:d=2 (1 perturbed "
                           "cell);"),
            std::string::npos)
      << whole.err;
  const nlohmann::json j = nlohmann::json::parse(ReadFile(base + "/whole/results.json"));
  std::set<std::string> cells;
  for (const nlohmann::json& r : j["results"]) {
    cells.insert(r["backend"].get<std::string>() + "/" + r["strategy"].get<std::string>());
  }
  EXPECT_EQ(cells, (std::set<std::string>{"naive/random", "naive/pct:d=2", "std_unordered/noise",
                                          "std_unordered/pct:d=2"}));
  EXPECT_NE(whole.out.find("naive          mixed-ops  ctrl pct:d=2"), std::string::npos)
      << whole.out;
  EXPECT_NE(whole.out.find("BROKEN naive / mixed-ops / random / "), std::string::npos) << whole.out;
  EXPECT_NE(ReadFile(base + "/whole/report.junit.xml")
                .find("classname=\"mapfault.naive.mixed-ops[pct:d=2]\""),
            std::string::npos);
  // Shards of the same run merge; their plan is the whole run's.
  for (int i = 0; i < 2; ++i) {
    const CommandResult shard = RunMapfault(
        args + "--shard " + std::to_string(i) + "/2 --out " + base + "/s" + std::to_string(i));
    EXPECT_NE(shard.status, 2) << shard.err;
  }
  const CommandResult merge =
      RunMapfault("merge " + base + "/s0 " + base + "/s1 --out " + base + "/merged");
  EXPECT_EQ(merge.status, 1) << merge.err;
  const nlohmann::json m = nlohmann::json::parse(ReadFile(base + "/merged/results.json"));
  EXPECT_EQ(m["plan"], j["plan"]);
  ASSERT_EQ(m["results"].size(), j["results"].size());
  for (size_t i = 0; i < j["results"].size(); ++i) {
    EXPECT_EQ(m["results"][i]["strategy"], j["results"][i]["strategy"]);
    EXPECT_EQ(m["results"][i]["trials_run"], j["results"][i]["trials_run"]);
  }
}

// `--plugin P` takes one library per occurrence, anywhere on the line: it used to take the next
// positional argument too ("token is required", "plugin backends: no such file", "dirs is
// required").
TEST(CliPluginTest, PluginIsAcceptedAnywhereOnTheLine) {
  const std::string out = TempDir("plugin_anywhere");
  const std::string plugin = MAPFAULT_TEST_PLUGIN_RACY;
  const CommandResult run =
      RunMapfault("run --backend plugin.racy_map --plugin " + plugin + " --scenario mixed-ops "
                  "--trials 300 --seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  for (const std::string& args : {"replay --plugin " + plugin + " " + token + " --times 2",
                                  "replay --plugin=" + plugin + " " + token + " --times 2",
                                  "replay " + token + " --plugin " + plugin + " --times 2",
                                  // replay's watchdog is an option now (it was a fixed 10 s)
                                  "replay " + token + " --watchdog 2 --plugin=" + plugin +
                                      " --times 2"}) {
    const CommandResult replay = RunMapfault(args);
    EXPECT_EQ(replay.status, 1) << args << "\n" << replay.err;
    EXPECT_NE(replay.out.find("reproduced 2/2"), std::string::npos) << args << "\n" << replay.out;
  }
  for (const std::string& args : {"list --plugin " + plugin + " backends",
                                  "list --plugin=" + plugin + " backends"}) {
    const CommandResult list = RunMapfault(args);
    EXPECT_EQ(list.status, 0) << args << "\n" << list.err;
    EXPECT_NE(list.out.find("plugin.racy_map"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("scenarios:"), std::string::npos) << "not one section: " << list.out;
  }
  const std::string merged = TempDir("plugin_anywhere_merged");
  const CommandResult merge = RunMapfault("merge --plugin " + plugin + " " + out + " --out " + merged);
  EXPECT_EQ(merge.status, 1) << merge.err;
}

// The replay command printed for a plugin backend's finding runs as printed: it names the plugin
// (it used to omit `--plugin`, and failed with "comes from the plugin ...: add --plugin").
TEST(CliPluginTest, ReplayCommandOfAPluginFindingRunsAsPrinted) {
  const std::string out = TempDir("plugin_command");
  const std::string plugin = MAPFAULT_TEST_PLUGIN_RACY;
  const CommandResult run =
      RunMapfault("run --plugin " + plugin + " --backend plugin.racy_map --scenario mixed-ops "
                  "--trials 300 --seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const size_t at = run.out.find("\nmapfault replay ");
  ASSERT_NE(at, std::string::npos) << run.out;
  const size_t start = at + std::string("\nmapfault ").size();
  const std::string command = run.out.substr(start, run.out.find('\n', start) - start);
  const std::string canonical = std::filesystem::canonical(plugin).string();
  EXPECT_NE(command.find(" --plugin " + canonical), std::string::npos) << command;
  const CommandResult replay = RunMapfault(command);
  EXPECT_EQ(replay.status, 1) << command << "\n" << replay.err;
  // The other reports print the same command.
  EXPECT_NE(ReadFile(out + "/report.md").find("--plugin " + canonical), std::string::npos);
  EXPECT_NE(ReadFile(out + "/report.junit.xml").find("--plugin " + canonical), std::string::npos);
}

TEST(CliPluginTest, BadPluginIsAUsageError) {
  ExpectUsageError("list --plugin /nonexistent/libx.so", "plugin /nonexistent/libx.so");
  ExpectUsageError(std::string("run --plugin ") + MAPFAULT_TEST_PLUGIN_BAD_DUPLICATE_ID,
                   "duplicate");
}

}  // namespace
}  // namespace mapfault
