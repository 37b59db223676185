// results.json reading: what ResultsToJson writes reads back (run identity included), a file from
// before the run identity still reads, and every impossible value is refused with one line naming
// the result index and the field.
#include "reports/json_report.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "reports/console_report.h"

namespace mapfault {
namespace {

using json = nlohmann::json;

RunResults ShardOfARun() {
  RunResults run;
  run.seed = 42;
  run.run = {"0.1.0", "00000000000000aa", 1, 2, {}};
  CellResult cell;
  cell.backend = "naive";
  cell.scenario = "iterate-while-erase";
  cell.params = {2, 8, 4, 4};
  cell.strategy = "random";
  cell.trials_planned = cell.trials = 200;
  for (InvariantResult& r : cell.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = 200;
  }
  InvariantResult& crash = cell.invariants[static_cast<int>(Invariant::kNoCrash)];
  crash.verdict = Verdict::kOutOfContract;
  crash.failures = 3;
  crash.first_failure_trial = 250;  // numbered in the whole cell: shard 1/2 holds 201..400
  crash.token = "mf1_TEST";
  crash.explanation = "SIGSEGV";
  run.cells.push_back(cell);
  return run;
}

// The error ResultsFromJson gives for the results of ShardOfARun with `edit` applied.
std::string ErrorAfter(const std::function<void(json&)>& edit) {
  json j = ResultsToJson(ShardOfARun());
  edit(j);
  const absl::StatusOr<RunResults> r = ResultsFromJson(j);
  return r.ok() ? "accepted" : std::string(r.status().message());
}

TEST(JsonReportTest, RunIdentityRoundTrips) {
  const absl::StatusOr<RunResults> back = ResultsFromJson(ResultsToJson(ShardOfARun()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->run.version, "0.1.0");
  EXPECT_EQ(back->run.plan, "00000000000000aa");
  EXPECT_EQ(back->run.shard_index, 1);
  EXPECT_EQ(back->run.shard_count, 2);
  EXPECT_EQ(back->cells[0].invariants[static_cast<int>(Invariant::kNoCrash)].failures, 3u);
}

TEST(JsonReportTest, FilesFromBeforeTheRunIdentityStillRead) {
  json j = ResultsToJson(ShardOfARun());
  for (const char* field : {"mapfault_version", "plan", "shard", "missing_shards"}) j.erase(field);
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->run.version, "");  // unknown identity: merge takes it only as partial
}

TEST(JsonReportTest, PhaseSecondsRoundTripAndOlderFilesReadWithout) {
  RunResults run = ShardOfARun();
  run.cells[0].phase_seconds[Phase::kFork] = 0.25;
  run.cells[0].phase_seconds[Phase::kTrial] = 1.5;
  run.cells[0].phase_seconds[Phase::kReplays] = 0.125;
  json j = ResultsToJson(run);
  EXPECT_EQ(j["results"][0]["phase_seconds"]["thread_start"], 0.0);
  EXPECT_EQ(j["results"][0]["phase_seconds"]["trial"], 1.5);
  absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  for (Phase p : kAllPhases) {
    EXPECT_EQ(back->cells[0].phase_seconds[p], run.cells[0].phase_seconds[p]) << PhaseName(p);
  }
  for (json& row : j["results"]) row.erase("phase_seconds");  // a file from before the field
  back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->cells[0].phase_seconds.Empty());
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["phase_seconds"]["waiting"] = -1; })
                .find("result 0: field 'waiting' is -1; it must be a number of seconds >= 0"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["phase_seconds"].erase("fork"); })
                .find("result 0: field 'fork' is missing"),
            std::string::npos);
}

// The watchdog's harness limits (adaptive cuts, overruns a replay took back) read back, and the
// console report states each one; a file from before them reads as none.
TEST(JsonReportTest, WatchdogCutsAndOverrunsRoundTripAndAreReported) {
  RunResults run = ShardOfARun();
  CellResult& cell = run.cells[0];
  InvariantResult& hang = cell.invariants[static_cast<int>(Invariant::kNoHang)];
  hang.undecided = 3;
  hang.evaluated = 197;
  cell.watchdog_cuts = 2;
  cell.adaptive_watchdog_seconds = 0.25;
  cell.watchdog_overruns = 1;
  cell.overrun_replay_seconds = 1.5;
  json j = ResultsToJson(run);
  absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cells[0].watchdog_cuts, 2u);
  EXPECT_EQ(back->cells[0].adaptive_watchdog_seconds, 0.25);
  EXPECT_EQ(back->cells[0].watchdog_overruns, 1u);
  EXPECT_EQ(back->cells[0].overrun_replay_seconds, 1.5);
  const std::string text = FormatConsoleReport(*back);
  EXPECT_NE(text.find("ADAPTIVE WATCHDOG naive / iterate-while-erase: after a trial overran the "
                      "full watchdog, 2 trials ran longer"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("WATCHDOG OVERRUN naive / iterate-while-erase: 1 trials ran past the "
                      "watchdog, but each one's replay alone completed (the longest in 1.50 s)"),
            std::string::npos)
      << text;
  // Neither is a --max-steps limit: the three undecided trials are all the watchdog's.
  EXPECT_EQ(text.find("reached --max-steps"), std::string::npos) << text;
  for (json& row : j["results"]) {
    for (const char* f : {"watchdog_cuts", "adaptive_watchdog_seconds", "watchdog_overruns",
                          "overrun_replay_seconds"}) {
      row.erase(f);
    }
  }
  back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cells[0].watchdog_overruns, 0u);
  EXPECT_EQ(back->cells[0].watchdog_cuts, 0u);
}

TEST(JsonReportTest, ImpossibleCountsAreRefusedNamingResultAndField) {
  EXPECT_EQ(ErrorAfter([](json& j) { j["results"][0]["trials_run"] = -1; }),
            "result 0: field 'trials_run' is -1; it must be a whole number from 0 to 200; "
            "regenerate the file with `mapfault run --out DIR` (or `mapfault merge`)");
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][2]["failures"] = 201; })
                .find("result 2: field 'failures' is 201"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][1]["trials_run"] = 500; })
                .find("result 1: field 'trials_run' is 500"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][1]["undecided"] = "x"; })
                .find("result 1: field 'undecided' is \"x\""),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["params"]["threads"] = 1.5; })
                .find("field 'threads' is 1.5"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["reproduction"] = {{"reproduced", 5},
                                                                        {"replays", 2}}; })
                .find("field 'reproduced' is 5"),
            std::string::npos);
}

TEST(JsonReportTest, VerdictsContradictingTheirCountsAreRefused) {
  // no-crash is row 0: 3 failures but HOLDS; another row: no failures but BROKEN.
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["verdict"] = "HOLDS"; })
                .find("result 0: field 'verdict' is HOLDS with 3 failures in 200 trials"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][3]["verdict"] = "BROKEN"; })
                .find("result 3: field 'verdict' is BROKEN with 0 failures"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][3]["verdict"] = "NOT_RUN"; })
                .find("field 'verdict' is NOT_RUN"),
            std::string::npos);
}

TEST(JsonReportTest, BadSchemaVersionsAndShapesAreRefused) {
  for (const json& version : {json(0), json(-1), json(1.5), json("1"), json(nullptr)}) {
    EXPECT_NE(ErrorAfter([&](json& j) { j["schema_version"] = version; })
                  .find("field 'schema_version' is"),
              std::string::npos)
        << version;
  }
  EXPECT_NE(ErrorAfter([](json& j) { j["schema_version"] = uint64_t{1} << 63; })
                .find("schema_version 9223372036854775808 is newer"),
            std::string::npos);
  EXPECT_EQ(ErrorAfter([](json& j) { j["results"] = nullptr; }),
            "field 'results' is null; not an array; regenerate the file with `mapfault run --out "
            "DIR` (or `mapfault merge`)");
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][1] = 7; }).find("result 1: field 'backend'"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j.erase("seed"); }).find("field 'seed' is missing"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["seconds"] = -3; }).find("field 'seconds' is -3"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["shard"]["index"] = 2; }).find("field 'index' is 2"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][4]["invariant"] = j["results"][3]["invariant"]; })
                .find("result 4: field 'invariant' repeats"),
            std::string::npos);
  EXPECT_NE(ErrorAfter([](json& j) { j["results"][0]["verdict"] = "MAYBE"; })
                .find("field 'verdict' is \"MAYBE\"; unknown"),
            std::string::npos);
}

TEST(JsonReportTest, ReadingADirectoryOrGarbageIsAnErrorNotACrash) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mapfault_json_report_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "results.json");
  absl::StatusOr<RunResults> r = ReadResultsFile((dir / "results.json").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "results.json") << "{\"schema_version\": 1,";
  r = ReadResultsFile((dir / "results.json").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is not valid JSON"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(JsonReportTest, AFindingsStacksRoundTripAndAreOnlyWrittenWhenThereAreAny) {
  RunResults run = ShardOfARun();
  InvariantResult& crash = run.cells[0].invariants[static_cast<int>(Invariant::kNoCrash)];
  StackFrame top{"Map::Erase(int)", "maps/map.h", 42, "", 0, ""};
  StackFrame plugin{"go_erase", "", 0, "/opt/libgo.so", 0, ""};
  StackFrame collapsed{"", "", 0, "", 5, "harness"};
  crash.stacks = {
      {"SIGSEGV (Segmentation fault) in the crashing thread", {top, plugin, collapsed}}};
  const json j = ResultsToJson(run);
  json row, other;
  for (const json& r : j["results"]) (r["invariant"] == "no-crash" ? row : other) = r;
  ASSERT_TRUE(row.contains("stacks"));
  EXPECT_EQ(row["stacks"][0]["stack"][0],
            json({{"function", "Map::Erase(int)"}, {"file", "maps/map.h"}, {"line", 42}}));
  EXPECT_EQ(row["stacks"][0]["stack"][2], json({{"collapsed", 5}, {"what", "harness"}}));
  EXPECT_FALSE(other.contains("stacks"));
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cells[0].invariants[static_cast<int>(Invariant::kNoCrash)].stacks, crash.stacks);
  // A malformed stack is refused, naming the field.
  EXPECT_NE(ErrorAfter([](json& f) { f["results"][0]["stacks"] = 3; }).find("'stacks'"),
            std::string::npos);
}

}  // namespace
}  // namespace mapfault
