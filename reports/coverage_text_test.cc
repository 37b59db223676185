// Coverage in every report: the words for exhaustive and sampled coverage (with an incomplete
// search saying how far it got), the same words in the console, Markdown, HTML and JUnit reports,
// and the `coverage` object of results.json, which reads back.
#include "reports/coverage_text.h"

#include "gtest/gtest.h"
#include "reports/console_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"

namespace mapfault {
namespace {

CellResult HoldingCell(std::string strategy, uint64_t trials) {
  CellResult c;
  c.backend = "mutex";
  c.scenario = "iterate-while-erase";
  c.params = {2, 8, 6, 4};
  c.strategy = std::move(strategy);
  c.trials = c.trials_planned = trials;
  for (InvariantResult& r : c.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = trials;
  }
  return c;
}

CellResult ExhaustiveCell() {
  CellResult c = HoldingCell("exhaustive:pb=2", 50);
  c.coverage.kind = Coverage::Kind::kExhaustive;
  c.coverage.preemption_bound = 2;
  c.coverage.programs = c.coverage.programs_complete = 50;
  c.coverage.schedules = 41312;
  c.coverage.bound_complete = 2;
  c.coverage.complete = true;
  return c;
}

CellResult SampledCell() {
  CellResult c = HoldingCell("random", 10000);
  c.coverage.distinct_schedules = 9412;
  c.coverage.stale_reads = 2345;  // weak atomic loads that read an older store (c11)
  return c;
}

RunResults TwoCellRun() {
  RunResults run;
  run.seed = 3;
  run.cells = {ExhaustiveCell(), SampledCell()};
  return run;
}

constexpr std::string_view kExhaustiveWords =
    "HOLDS: every schedule with <= 2 preemptions of 50 programs, 41,312 schedules";
constexpr std::string_view kSampledWords =
    "HOLDS: 10,000 sampled trials, 9,412 distinct schedules, 2,345 stale atomic reads (c11)";

TEST(CoverageTextTest, SaysWhatAnExhaustiveOrSampledVerdictCovers) {
  EXPECT_EQ(CellCoverageLine(ExhaustiveCell()), kExhaustiveWords);
  EXPECT_EQ(CellCoverageLine(SampledCell()), kSampledWords);
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
}

TEST(CoverageTextTest, AnIncompleteSearchSaysHowFarItGot) {
  CellResult c = ExhaustiveCell();
  c.coverage.complete = false;
  c.coverage.programs_complete = 47;
  c.coverage.bound_complete = 1;
  EXPECT_EQ(CoverageText(c),
            "schedules with <= 2 preemptions of 50 programs searched, 41,312 schedules "
            "(INCOMPLETE: 47 programs fully explored, every program up to 1 preemption)");
}

// A cell whose loads never read an older store (a lock-based map, or sc) says nothing of them in
// words; results.json keeps the 0 (c11) or null (sc, perturbed).
TEST(CoverageTextTest, StaleReadsAreNamedOnlyWhenThereWereSome) {
  CellResult c = SampledCell();
  c.coverage.stale_reads = 0;
  EXPECT_EQ(CoverageText(c), "10,000 sampled trials, 9,412 distinct schedules");
  RunResults run;
  run.cells = {c};
  EXPECT_EQ(ResultsToJson(run)["results"][0]["coverage"]["stale_reads"], 0);
  c.coverage.stale_reads.reset();
  run.cells = {c};
  EXPECT_TRUE(ResultsToJson(run)["results"][0]["coverage"]["stale_reads"].is_null());
}

TEST(CoverageTextTest, PctStatesItsSurvivalBound) {
  CellResult c = HoldingCell("pct:d=3", 1000);
  c.coverage.distinct_schedules = 1000;
  c.coverage.pct_bound = 0.001;
  EXPECT_NE(CoverageText(c).find("survives them with probability <= 0.368"), std::string::npos)
      << CoverageText(c);  // (1 - 0.001)^1000
}

TEST(CoverageTextTest, EveryReportSaysIt) {
  const RunResults run = TwoCellRun();
  const std::string console = FormatConsoleReport(run);
  EXPECT_NE(console.find(kExhaustiveWords), std::string::npos) << console;
  EXPECT_NE(console.find(kSampledWords), std::string::npos) << console;
  // The XML reports escape '<'.
  for (const std::string& report : {FormatJUnitReport(run), FormatHtmlReport(run, {})}) {
    EXPECT_NE(report.find("HOLDS: every schedule with &lt;= 2 preemptions of 50 programs, 41,312 "
                          "schedules"),
              std::string::npos)
        << report;
    EXPECT_NE(report.find(kSampledWords), std::string::npos) << report;
  }
  // Markdown escapes '<' (and the HTML report would too if the words had markup).
  const std::string md = FormatMarkdownReport(run);
  EXPECT_NE(md.find("every schedule with \\<= 2 preemptions of 50 programs, 41,312 schedules"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find(kSampledWords), std::string::npos) << md;
}

TEST(CoverageTextTest, ResultsJsonCarriesCoverageAndReadsItBack) {
  const nlohmann::json j = ResultsToJson(TwoCellRun());
  EXPECT_EQ(j["results"][0]["coverage"],
            nlohmann::json::parse(R"({"kind": "exhaustive", "preemption_bound": 2,
                "programs": 50, "schedules": 41312, "complete": true, "programs_complete": 50,
                "bound_complete": 2, "reduction": "none", "stale_read_bound": null})"));
  const nlohmann::json& sampled = j["results"][kAllInvariants.size()]["coverage"];
  EXPECT_EQ(sampled, nlohmann::json::parse(R"({"kind": "sampled", "trials": 10000,
                "distinct_schedules": 9412, "stale_reads": 2345, "pct_bound": null})"));
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(CellCoverageLine(back->cells[0]), kExhaustiveWords);
  EXPECT_EQ(CellCoverageLine(back->cells[1]), kSampledWords);
  nlohmann::json bad = j;
  bad["results"][0]["coverage"]["kind"] = "guessed";
  EXPECT_FALSE(ResultsFromJson(bad).ok());
}

// Under c11 an exhaustive verdict says which stores its weak loads read: at most S stale reads
// per schedule (the reads-from enumeration), or only the latest store; under sc nothing (every
// load reads the latest there). results.json's stale_read_bound reads back, and merge keeps it.
TEST(CoverageTextTest, AnExhaustiveVerdictSaysWhichStoresItsLoadsRead) {
  CellResult c = ExhaustiveCell();
  c.coverage.stale_read_bound = 1;
  EXPECT_EQ(CoverageText(c),
            "every schedule with <= 2 preemptions and <= 1 stale read of 50 programs, 41,312 "
            "schedules");
  c.coverage.stale_read_bound = 3;
  EXPECT_NE(CoverageText(c).find("<= 2 preemptions and <= 3 stale reads of"), std::string::npos);
  RunResults run;
  run.cells = {c};
  const nlohmann::json j = ResultsToJson(run);
  EXPECT_EQ(j["results"][0]["coverage"]["stale_read_bound"], 3);
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cells[0].coverage.stale_read_bound, 3);
  nlohmann::json bad = j;
  bad["results"][0]["coverage"]["stale_read_bound"] = 99;
  EXPECT_FALSE(ResultsFromJson(bad).ok());
  c.coverage.stale_read_bound = 0;
  EXPECT_EQ(CoverageText(c),
            "every schedule with <= 2 preemptions (weak loads reading the latest store) of 50 "
            "programs, 41,312 schedules");
  Coverage merged = c.coverage;
  MergeCoverage(merged, c.coverage);
  EXPECT_EQ(merged.stale_read_bound, 0);
  Coverage sc = ExhaustiveCell().coverage;
  MergeCoverage(merged, sc);
  EXPECT_FALSE(merged.stale_read_bound.has_value());
}

// A search with partial-order reduction says so, in results.json and in words; a file written
// before the field existed reads as unreduced.
TEST(CoverageTextTest, AReducedSearchSaysSo) {
  RunResults run = TwoCellRun();
  run.cells[0].coverage.reduced = true;
  const std::string words =
      "HOLDS: every schedule with <= 2 preemptions of 50 programs, 41,312 schedules "
      "(reduced by sleep sets)";
  EXPECT_EQ(CellCoverageLine(run.cells[0]), words);
  nlohmann::json j = ResultsToJson(run);
  EXPECT_EQ(j["results"][0]["coverage"]["reduction"], "sleep-sets");
  absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(CellCoverageLine(back->cells[0]), words);
  for (size_t i = 0; i < kAllInvariants.size(); ++i) j["results"][i]["coverage"].erase("reduction");
  back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->cells[0].coverage.reduced);
  Coverage other = run.cells[0].coverage;
  other.reduced = false;
  MergeCoverage(run.cells[0].coverage, other);  // a merge is reduced only if every shard was
  EXPECT_FALSE(run.cells[0].coverage.reduced);
}

// Under --shard I/N an exhaustive cell's words say which part of each program's tree a shard
// searched, and a merge how many shards searched each; results.json records the split.
TEST(CoverageTextTest, TreeShardsSayWhichPartOfTheTreeTheySearched) {
  RunResults run = TwoCellRun();
  Coverage& c = run.cells[0].coverage;
  c.tree_shards = 4;
  c.tree_shard = 1;
  EXPECT_EQ(CellCoverageLine(run.cells[0]),
            "HOLDS: every schedule with <= 2 preemptions of 50 programs, 41,312 schedules, in "
            "shard 1/4 of each program's schedule tree");
  nlohmann::json j = ResultsToJson(run);
  EXPECT_EQ(j["results"][0]["coverage"]["tree_shards"], 4);
  EXPECT_EQ(j["results"][0]["coverage"]["tree_shard"], 1);
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cells[0].coverage.tree_shards, 4);
  EXPECT_EQ(back->cells[0].coverage.tree_shard, 1);
  EXPECT_FALSE(j["results"][kAllInvariants.size()]["coverage"].contains("tree_shards"));
  c.tree_shard = -1;
  c.complete = false;
  c.programs_complete = 47;
  EXPECT_EQ(CoverageText(run.cells[0]),
            "schedules with <= 2 preemptions of 50 programs searched, 41,312 schedules, each "
            "program's schedule tree searched in 4 shards (INCOMPLETE: at least 47 programs fully "
            "explored)");
  j = ResultsToJson(run);
  EXPECT_TRUE(j["results"][0]["coverage"]["tree_shard"].is_null());
  j["results"][0]["coverage"]["tree_shards"] = 1;  // a split needs 2 shards or more
  EXPECT_FALSE(ResultsFromJson(j).ok());
}

}  // namespace
}  // namespace mapfault
