// The file reporters (JUnit XML, Markdown, HTML) on a small hand-built run: each output is locked
// by a golden file (MAPFAULT_UPDATE_GOLDEN=1 rewrites them, as in golden_test.cc), plus checks of
// what a consumer relies on: counts, escaping, self-containment and the interleaving view.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reports/replay_argument.h"
#include "tests/golden_util.h"
#include "reports/console_report.h"
#include "reports/failure_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "reports/report_detail.h"
#include "tests/cli_util.h"

namespace mapfault {

// The hand-built run: naive and go_checked on iterate-while-grow; one BROKEN, one OUT_OF_CONTRACT,
// one DETECTED, one NOT_RUN, the rest HOLDS. Shared with browser_test.cc.
RunResults SampleRunResults();
// The replayed detail of the BROKEN finding: a two-thread program and its interleaving.
std::vector<BreakDetail> SampleBreakDetails();

RunResults SampleRunResults() {
  RunResults run;
  run.seed = 7;
  run.seconds = 1.5;
  CellResult naive;
  naive.backend = "naive";
  naive.scenario = "iterate-while-grow";
  naive.params = {2, 8, 4, 4};
  naive.strategy = "random";
  naive.trials_planned = 1000;
  naive.trials = 834;
  for (InvariantResult& r : naive.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = 834;
  }
  InvariantResult& dup = naive.invariants[static_cast<int>(Invariant::kIterNoDuplicate)];
  dup.verdict = Verdict::kBroken;
  dup.failures = 31;
  dup.first_failure_trial = 42;
  dup.token = "mf1_TEST-naive-dup";
  dup.explanation = "T0 for_each() yielded key 3 twice (at t=2 and at t=9)";
  dup.evidence = {"T0 for_each() yielded key 3 (value 1003) at t=2",
                  "T0 for_each() yielded key 3 (value 1003) at t=9",
                  "T1 insert(8, 10200) -> true [t=3..6]"};
  dup.replay_check = ReplayCheck::kExact;

  CellResult go;
  go.backend = "go_checked";
  go.scenario = "iterate-while-grow";
  go.params = {2, 8, 4, 4};
  go.strategy = "pct:d=3";
  go.trials_planned = 1000;
  go.trials = 206;
  for (InvariantResult& r : go.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = 4;
  }
  InvariantResult& crash = go.invariants[static_cast<int>(Invariant::kNoCrash)];
  crash.verdict = Verdict::kOutOfContract;
  crash.evaluated = 206;
  crash.failures = 12;
  crash.first_failure_trial = 9;
  crash.token = "mf1_TEST-go-crash";
  crash.explanation = "the worker died by SIGSEGV (Segmentation fault)";
  crash.replay_check = ReplayCheck::kDiverged;  // as if go_checked's hashing were address-salted
  crash.diverged_at_step = 7;
  crash.divergence =
      "expected T0 visit (key 3, value 1003), the replay with a shifted heap did T0 visit (key 5, "
      "value 1005)";
  crash.reproduced = 6;
  crash.replays = 10;
  InvariantResult& misuse = go.invariants[static_cast<int>(Invariant::kMisuseDetected)];
  misuse.verdict = Verdict::kDetected;
  misuse.evaluated = 206;
  misuse.failures = 190;
  misuse.first_failure_trial = 1;
  misuse.token = "mf1_TEST-go-misuse";
  misuse.explanation =
      "the backend detected misuse and aborted: fatal error: concurrent map iteration and map "
      "write";
  InvariantResult& final_state = go.invariants[static_cast<int>(Invariant::kQuiescentState)];
  final_state.verdict = Verdict::kNotRun;
  final_state.evaluated = 0;
  InvariantResult& lin = go.invariants[static_cast<int>(Invariant::kLinearizable)];
  lin.evaluated = 3;
  lin.undecided = 1;
  CellResult std_map;  // a perturbed cell: its break carries a measured reproduction rate
  std_map.backend = "std_unordered";
  std_map.scenario = "iterate-while-grow";
  std_map.params = {2, 8, 8, 24};
  std_map.mode = "perturbed";
  std_map.strategy = "noise";
  std_map.trials_planned = 1000;
  std_map.trials = 1000;
  for (InvariantResult& r : std_map.invariants) {
    r.verdict = Verdict::kHolds;
    r.evaluated = 1000;
  }
  InvariantResult& missed = std_map.invariants[static_cast<int>(Invariant::kIterNoMissedStable)];
  missed.verdict = Verdict::kBroken;
  missed.failures = 272;
  missed.first_failure_trial = 1;
  missed.token = "mf1_TEST-std-missed";
  missed.explanation = "key 0 was present for the whole iteration but was never visited";
  missed.reproduced = 4;
  missed.replays = 10;
  run.cells = {naive, go, std_map};
  return run;
}

namespace {

TraceEvent Ev(uint32_t step, uint8_t thread, TraceKind kind, const char* label, int64_t a = 0,
              int64_t b = 0, OpKind op = OpKind::kFind, bool preempted = false) {
  return {step,  thread, kind, static_cast<uint8_t>(op), static_cast<uint8_t>(preempted),
          label, a,      b};
}

OpSpec Op(OpKind kind, Key key = 0, Value value = 0) {
  OpSpec op;
  op.kind = kind;
  op.key = key;
  op.value = value;
  return op;
}

}  // namespace

std::vector<BreakDetail> SampleBreakDetails() {
  BreakDetail d;
  d.token = "mf1_TEST-naive-dup";
  d.decoded.scenario = "iterate-while-grow";
  d.decoded.params = {2, 8, 4, 4};
  d.decoded.backend = "naive";
  d.decoded.seed = 733033446097220913u;
  d.decoded.max_steps = 20000;
  d.decoded.invariant = Invariant::kIterNoDuplicate;
  d.decoded.choices = std::vector<uint8_t>{0, 1, 0};
  d.program.init = {{3, 1003}, {5, 1005}};
  d.program.threads = {{Op(OpKind::kForEach)},
                       {Op(OpKind::kInsert, 8, 10200), Op(OpKind::kInsert, 9, 10201)}};
  d.program.post = {Op(OpKind::kSize), Op(OpKind::kForEach)};
  IsolatedOutcome& o = d.outcome;
  o.violations = {{Invariant::kIterNoDuplicate,
                   "T0 for_each() yielded key 3 twice (at t=2 and at t=9)",
                   {"T0 for_each() yielded key 3 (value 1003) at t=2",
                    "T0 for_each() yielded key 3 (value 1003) at t=9"}}};
  o.steps = 11;
  o.preemptions = 2;
  o.results = {{"[3 5 8 3]"}, {"true", "true"}, {"4", "[3 5 8 9]"}};
  using K = TraceKind;
  o.trace = {
      Ev(1, 0, K::kSwitch, ""),
      Ev(1, 0, K::kYield, "op: for_each"),
      Ev(1, 0, K::kOpInvoke, "for_each", 0, 0, OpKind::kForEach),
      Ev(2, 0, K::kYield, "table.iter: next bucket"),
      Ev(2, 0, K::kIterYield, "visit", 3, 1003, OpKind::kInsert),
      Ev(3, 0, K::kYield, "table.iter: advance", 0, 0, OpKind::kFind, true),
      Ev(3, 1, K::kSwitch, ""),
      Ev(4, 1, K::kYield, "op: insert"),
      Ev(4, 1, K::kOpInvoke, "insert", 0, 0, OpKind::kInsert),
      Ev(5, 1, K::kYield, "table.insert: link new node"),
      Ev(6, 1, K::kYield, "table.rehash: publish new buckets"),
      Ev(6, 1, K::kOpResponse, "insert", 8, 1, OpKind::kInsert),
      Ev(7, 1, K::kYield, "op: insert", 0, 0, OpKind::kFind, true),
      Ev(7, 0, K::kSwitch, ""),
      Ev(8, 0, K::kYield, "table.iter: advance"),
      Ev(8, 0, K::kIterYield, "visit", 5, 1005),
      Ev(8, 0, K::kIterYield, "visit", 8, 10200),
      Ev(9, 0, K::kYield, "table.iter: next bucket"),
      Ev(9, 0, K::kIterYield, "visit", 3, 1003),
      Ev(9, 0, K::kOpResponse, "for_each", 0, 4, OpKind::kForEach),
      Ev(9, 0, K::kFinished, ""),
      Ev(10, 1, K::kSwitch, ""),
      Ev(10, 1, K::kOpInvoke, "insert", 1, 0, OpKind::kInsert),
      Ev(11, 1, K::kBlocked, "mutex.lock: insert"),
      Ev(11, 1, K::kOpResponse, "insert", 9, 1, OpKind::kInsert),
      Ev(11, 1, K::kFinished, ""),
  };
  return {d};
}

namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(ReportersTest, JUnitGolden) {
  ExpectGolden("report.junit.xml", FormatJUnitReport(SampleRunResults()));
}

TEST(ReportersTest, MarkdownGolden) {
  ExpectGolden("report.md", FormatMarkdownReport(SampleRunResults()));
}

TEST(ReportersTest, HtmlGolden) {
  ExpectGolden("report.html", FormatHtmlReport(SampleRunResults(), SampleBreakDetails()));
}

TEST(ReportersTest, JUnitCountsAndOutcomes) {
  const std::string xml = FormatJUnitReport(SampleRunResults());
  EXPECT_NE(xml.find("<testsuites name=\"mapfault\" tests=\"39\" failures=\"2\" errors=\"0\" "
                     "skipped=\"1\" time=\"1.500\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"naive\" tests=\"13\" failures=\"1\" errors=\"0\" "
                     "skipped=\"0\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"go_checked\" tests=\"13\" failures=\"0\" errors=\"0\" "
                     "skipped=\"1\""),
            std::string::npos);
  EXPECT_EQ(Count(xml, "<testsuite "), 3u);
  EXPECT_EQ(Count(xml, "<testcase "), 39u);
  EXPECT_EQ(Count(xml, "<failure "), 2u);
  EXPECT_NE(xml.find("reproduced 4/10 in replays\n"), std::string::npos);
  EXPECT_EQ(Count(xml, "<skipped message=\"not run\"/>"), 1u);
  EXPECT_NE(xml.find("classname=\"mapfault.naive.iterate-while-grow\" name=\"iter.no-duplicate\""),
            std::string::npos);
  EXPECT_NE(xml.find("type=\"BROKEN\""), std::string::npos);
  EXPECT_NE(xml.find("mapfault replay mf1_TEST-naive-dup\n</failure>"), std::string::npos);
  EXPECT_NE(xml.find("first failing trial: 42"), std::string::npos);
  EXPECT_NE(xml.find("failure rate: 3.7% (31 of 834 trials)"), std::string::npos);
  // OUT_OF_CONTRACT and DETECTED pass, with the finding and its replay command in system-out.
  EXPECT_NE(xml.find("mapfault replay mf1_TEST-go-crash"), std::string::npos);
  EXPECT_NE(xml.find("mapfault replay mf1_TEST-go-misuse"), std::string::npos);
  // Every passing testcase says what it rests on (its coverage); the failures say it in <failure>.
  EXPECT_EQ(Count(xml, "<system-out>"), 36u);
  EXPECT_EQ(Count(xml, "HOLDS: 834 sampled trials\n"), 12u);
  EXPECT_NE(xml.find("coverage: 834 sampled trials\n"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"seed\" value=\"7\"/>"), std::string::npos);
  EXPECT_EQ(xml.find("name=\"partial\""), std::string::npos);
}

TEST(ReportersTest, JsonKeepsThePerturbedReproductionRate) {
  const nlohmann::json j = ResultsToJson(SampleRunResults());
  int with_rate = 0;
  for (const nlohmann::json& row : j.at("results")) {
    if (row.at("reproduction").is_null() || row.at("mode") != "perturbed") continue;
    ++with_rate;
    EXPECT_EQ(row.at("invariant"), "iter.no-missed-stable");
    EXPECT_EQ(row.at("reproduction"), (nlohmann::json{{"reproduced", 4}, {"replays", 10}}));
    EXPECT_EQ(row.at("replay_check"), "not_checked");
  }
  EXPECT_EQ(with_rate, 1);
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  const InvariantResult& r =
      back->cells[2].invariants[static_cast<int>(Invariant::kIterNoMissedStable)];
  EXPECT_EQ(r.reproduced, 4u);
  EXPECT_EQ(r.replays, 10u);
  EXPECT_EQ(back->cells[0].invariants[static_cast<int>(Invariant::kIterNoDuplicate)].replays, 0u);
}

TEST(ReportersTest, JsonKeepsTheDeterminismCheck) {
  const nlohmann::json j = ResultsToJson(SampleRunResults());
  std::map<std::string, nlohmann::json> check_of;  // invariant -> replay_check, of the findings
  for (const nlohmann::json& row : j.at("results")) {
    if (row.at("token").is_null()) {
      EXPECT_TRUE(row.at("replay_check").is_null());
      EXPECT_TRUE(row.at("divergence").is_null());
      continue;
    }
    check_of[row.at("backend").get<std::string>() + "/" + row.at("invariant").get<std::string>()] =
        row.at("replay_check");
    if (row.at("replay_check") == "diverged") {
      EXPECT_EQ(row.at("divergence").at("step"), 7);
      EXPECT_EQ(row.at("reproduction"), (nlohmann::json{{"reproduced", 6}, {"replays", 10}}));
    }
  }
  EXPECT_EQ(check_of["naive/iter.no-duplicate"], "exact");
  EXPECT_EQ(check_of["go_checked/no-crash"], "diverged");
  EXPECT_EQ(check_of["go_checked/misuse-detected"], "not_checked");
  const absl::StatusOr<RunResults> back = ResultsFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  const InvariantResult& crash = back->cells[1].invariants[static_cast<int>(Invariant::kNoCrash)];
  EXPECT_EQ(crash.replay_check, ReplayCheck::kDiverged);
  EXPECT_EQ(crash.diverged_at_step, 7u);
  const RunResults sample = SampleRunResults();
  EXPECT_EQ(crash.divergence,
            sample.cells[1].invariants[static_cast<int>(Invariant::kNoCrash)].divergence);
  EXPECT_EQ(back->cells[0].invariants[static_cast<int>(Invariant::kIterNoDuplicate)].replay_check,
            ReplayCheck::kExact);
  // A results.json written before the check (no replay_check) reads as not checked.
  nlohmann::json old = j;
  for (nlohmann::json& row : old.at("results")) {
    row.erase("replay_check");
    row.erase("divergence");
  }
  const absl::StatusOr<RunResults> older = ResultsFromJson(old);
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(older->cells[1].invariants[static_cast<int>(Invariant::kNoCrash)].replay_check,
            ReplayCheck::kNotChecked);
}

// Issue #13's acceptance: "replays exactly" only for the controlled finding whose determinism check
// passed, in every report; the perturbed one states its rate, the diverged one its step and rate.
TEST(ReportersTest, NoReportSaysReplaysExactlyForAPerturbedOrDivergedFinding) {
  const RunResults run = SampleRunResults();
  const std::vector<std::pair<std::string, std::string>> reports = {
      {"console", FormatConsoleReport(run)},
      {"markdown", FormatMarkdownReport(run)},
      {"junit", FormatJUnitReport(run)},
      {"html", FormatHtmlReport(run, SampleBreakDetails())}};
  for (const auto& [name, text] : reports) {
    EXPECT_EQ(Count(text, "replays exactly"), 1u) << name;  // naive's iter.no-duplicate only
    EXPECT_EQ(Count(text, "exactly"), 1u) << name;
    EXPECT_NE(text.find("reproduced 4/10"), std::string::npos) << name;
    EXPECT_NE(text.find("nondeterministic backend: replay diverged at step 7"), std::string::npos)
        << name;
    EXPECT_NE(text.find("reproduced 6/10"), std::string::npos) << name;
  }
}

TEST(ReportersTest, JUnitMarksPartialRuns) {
  RunResults run = SampleRunResults();
  run.partial = true;
  const std::string xml = FormatJUnitReport(run);
  EXPECT_EQ(Count(xml, "<property name=\"partial\" value=\"true\"/>"), 3u);  // one per suite
}

TEST(ReportersTest, JUnitEscapesMarkupAndControlCharacters) {
  RunResults run = SampleRunResults();
  InvariantResult& dup = run.cells[0].invariants[static_cast<int>(Invariant::kIterNoDuplicate)];
  dup.explanation = "a <&>\" b 'c'\x01 d\xff";
  dup.evidence = {"line <1>"};
  const std::string xml = FormatJUnitReport(run);
  EXPECT_NE(xml.find("message=\"a &lt;&amp;&gt;&quot; b &#39;c&#39;\\x01 d\xEF\xBF\xBD\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("  line &lt;1&gt;\n"), std::string::npos);
  EXPECT_EQ(xml.find("<&>"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
}

TEST(ReportersTest, EscapeMarkupKeepsValidUtf8) {
  using report_internal::EscapeMarkup;
  EXPECT_EQ(EscapeMarkup("caf\xC3\xA9 \xE2\x86\x92 ok"), "caf\xC3\xA9 \xE2\x86\x92 ok");
  EXPECT_EQ(EscapeMarkup("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(EscapeMarkup("a\nb\tc"), "a\nb\tc");
  EXPECT_EQ(EscapeMarkup("a\nb\tc", true), "a&#10;b&#9;c");
}

TEST(ReportersTest, MarkdownMatrixAndFindings) {
  const std::string md = FormatMarkdownReport(SampleRunResults());
  EXPECT_NE(md.find("| backend | scenario | mode | trials | crash | hang | race | lin | dup |"),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find("| `naive` | `iterate-while-grow` | controlled | 834 | ok | ok | ok | ok | "
              "**BROKEN** |"),
      std::string::npos);
  EXPECT_NE(md.find("| `go_checked` | `iterate-while-grow` | controlled | 206 | ooc |"),
            std::string::npos);
  EXPECT_NE(md.find("| - | DETECTED |\n"), std::string::npos);
  EXPECT_NE(md.find("## Findings"), std::string::npos);
  EXPECT_EQ(Count(md, "\n- **"), 4u);
  EXPECT_NE(md.find("Perturbed: reproduced 4/10 in replays."), std::string::npos);
  EXPECT_NE(md.find("Replay: `mapfault replay mf1_TEST-naive-dup`"), std::string::npos);
  EXPECT_NE(md.find("T0 for\\_each() yielded key 3 twice"), std::string::npos);
}

TEST(ReportersTest, HtmlIsSelfContainedWithMatrixAndFindings) {
  const std::string html = FormatHtmlReport(SampleRunResults(), SampleBreakDetails());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"matrix\">"), std::string::npos);
  EXPECT_EQ(Count(html, "data-verdict="), 39u);
  EXPECT_EQ(Count(html, "data-verdict=\"BROKEN\""), 2u);
  EXPECT_NE(html.find("<p>Perturbed (real threads): reproduced 4/10 in replays.</p>"),
            std::string::npos);
  EXPECT_EQ(Count(html, "data-verdict=\"NOT_RUN\""), 1u);
  EXPECT_NE(html.find("<svg id=\"ttff-chart\""), std::string::npos);
  EXPECT_EQ(Count(html, "<details class=\"finding\""), 4u);  // 2 BROKEN, OUT_OF_CONTRACT, DETECTED
  EXPECT_EQ(Count(html, "<details class=\"finding\" id=\"finding-1\" data-severity=\"v-broken\""),
            1u);
  EXPECT_NE(html.find("<code id=\"replay-1\">mapfault replay mf1_TEST-naive-dup</code>"),
            std::string::npos);
  // The interleaving of the detailed finding: both yields of key 3 and the insert the evidence
  // names.
  EXPECT_EQ(Count(html, "<table class=\"trace mono\">"), 1u);
  EXPECT_EQ(Count(html, "<tr class=\"violating\">"), 4u);
  EXPECT_NE(html.find("<td class=\"ev ev-invoke\">&gt; insert(8, 10200)</td>"), std::string::npos);
  EXPECT_EQ(Count(html, "class=\"preempted"), 2u);
}

TEST(ReportersTest, HtmlHighlightsTheEventTheWorkerDiedAfter) {
  std::vector<BreakDetail> details = SampleBreakDetails();
  BreakDetail crash = details[0];
  crash.token = "mf1_TEST-go-crash";
  crash.outcome.kind = IsolatedOutcome::Kind::kSignal;
  crash.outcome.detail = "the worker died by SIGSEGV (Segmentation fault)";
  crash.outcome.results.clear();
  crash.outcome.trace.resize(17);  // T0 ran last: its "visit 8=10200" is the final event
  details.push_back(crash);
  const std::string html = FormatHtmlReport(SampleRunResults(), details);
  EXPECT_EQ(Count(html, "<table class=\"trace mono\">"), 2u);
  EXPECT_EQ(Count(html, "<tr class=\"fatal\">"), 1u);
  EXPECT_NE(html.find("<tr class=\"fatal\"><td class=\"step\"></td><td class=\"ev ev-visit\">"
                      "visit 8=10200</td>"),
            std::string::npos);
  EXPECT_NE(html.find("The worker stopped after the last event of T0"), std::string::npos);
}

TEST(ReportersTest, HtmlCapsLongTraces) {
  std::vector<BreakDetail> details = SampleBreakDetails();
  std::vector<TraceEvent>& trace = details[0].outcome.trace;
  size_t sample_rows = 0;
  for (const TraceEvent& e : trace) sample_rows += e.kind != TraceKind::kSwitch;
  for (uint32_t i = 0; i < 5000; ++i) trace.push_back(Ev(12 + i, i % 2, TraceKind::kYield, "spin"));
  const std::string html = FormatHtmlReport(SampleRunResults(), details);
  EXPECT_EQ(Count(html, ">spin</td>"), 2000u - sample_rows);  // 500 head rows, 1500 tail rows
  EXPECT_EQ(Count(html, "<tr class=\"omitted\">"), 1u);
  EXPECT_NE(html.find("events omitted"), std::string::npos);
}

// A trial of a big program once made a 47 MB page: the program table, the init list, the evidence
// and the replay command of a finding are capped.
TEST(ReportersTest, HtmlCapsBigProgramsEvidenceAndTokens) {
  RunResults run = SampleRunResults();
  std::vector<BreakDetail> details = SampleBreakDetails();
  Program& program = details[0].program;
  for (auto& ops : program.threads) ops.resize(20000, ops.empty() ? OpSpec{} : ops[0]);
  for (int k = 0; k < 5000; ++k) program.init.emplace_back(k, k);
  InvariantResult* finding = nullptr;
  for (InvariantResult& r : run.cells[0].invariants) {
    if (r.token == details[0].token) finding = &r;
  }
  ASSERT_NE(finding, nullptr);
  finding->evidence.assign(10000, "an event");
  const std::string html = FormatHtmlReport(run, details);
  EXPECT_LT(html.size(), 2u << 20);
  EXPECT_NE(html.find("more rows omitted"), std::string::npos);
  EXPECT_LE(Count(html, "<li>an event</li>"), 200u);

  const std::string long_token = "mf1_" + std::string(8000, 'A') + "tail0123456789ab";
  const std::string command = ReplayCommand(long_token);
  EXPECT_EQ(command.find(long_token), std::string::npos);
  EXPECT_NE(command.find("mapfault replay DIR/results.json#tail0123456789ab"), std::string::npos);
  EXPECT_EQ(ReplayCommand("mf1_short"), "mapfault replay mf1_short");
}

TEST(ReportersTest, ConsoleEscapesControlBytesOfIdsFromAResultsFile) {
  RunResults run = SampleRunResults();
  run.cells[0].backend = "evil\x1b[2J\nnext";
  const std::string text = FormatConsoleReport(run);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b[2J\\nnext"), std::string::npos);
  EXPECT_EQ(ReplayCommand("mf1_a\nb"), "mapfault replay mf1_a\\nb");
}

TEST(ReportersTest, HtmlEscapesText) {
  RunResults run = SampleRunResults();
  run.cells[0].backend = "<script>alert(1)</script>";
  const std::string html = FormatHtmlReport(run, {});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(ReportersTest, EmptyRunHasNoFindings) {
  RunResults run;
  EXPECT_NE(FormatHtmlReport(run, {}).find("No findings"), std::string::npos);
  EXPECT_NE(FormatMarkdownReport(run).find("No findings"), std::string::npos);
  EXPECT_NE(FormatJUnitReport(run).find("tests=\"0\""), std::string::npos);
}

// A step longer than its interleaving column continues on the next lines instead of being cut:
// two blocked steps whose labels differ only after 34 characters used to print identically.
TEST(ReportersTest, FailureReportWrapsLongStepsInsteadOfCuttingThem) {
  BreakDetail d = SampleBreakDetails()[0];
  d.outcome.trace.push_back(
      Ev(12, 1, TraceKind::kBlocked, "tombstone.pin: wait for another iteration's visit"));
  d.outcome.trace.push_back(
      Ev(13, 1, TraceKind::kBlocked, "tombstone.pin: wait for the visit of this entry"));
  d.outcome.trace.push_back(
      Ev(14, 1, TraceKind::kYield, "averyveryverylongscheduling.point_label_without_spaces_at_all"));
  const std::string report = FormatFailureReport(d.decoded, d.program, d.outcome);
  const std::string interleaving = report.substr(report.find("The following interleaving"));
  std::vector<std::string> lines;
  for (size_t at = 0, end; at < interleaving.size(); at = end + 1) {
    end = interleaving.find('\n', at);
    lines.push_back(interleaving.substr(at, end - at));
  }
  const size_t width = lines[1].size();  // the "step | T0 | T1 |" header
  std::string text;  // the column text of every row, joined
  for (size_t i = 1; i < lines.size() && lines[i].rfind("Legend", 0) != 0; ++i) {
    EXPECT_EQ(lines[i].size(), width) << lines[i];
    EXPECT_EQ(lines[i].find("..."), std::string::npos) << lines[i];
    text += lines[i] + "\n";
  }
  // Broken at a space (or, in a word longer than the column, at the column's width).
  EXPECT_NE(text.find("|   blocked: tombstone.pin: wait for   |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("|     another iteration's visit        |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("|     the visit of this entry          |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("|   averyveryverylongscheduling.point_ |\n"), std::string::npos) << text;
  EXPECT_NE(text.find("|     label_without_spaces_at_all      |\n"), std::string::npos) << text;
}

}  // namespace
// A data race's two accesses (kRace events, the earlier one recorded last) are marked on the rows
// of their threads' points, and the step count is the last step, not the earlier access's.
TEST(ReportersTest, FailureReportMarksBothAccessesOfADataRace) {
  BreakDetail d = SampleBreakDetails()[0];
  d.outcome.trace.push_back(Ev(20, 0, TraceKind::kYield, "table.erase: unlink node"));
  d.outcome.trace.push_back(Ev(21, 1, TraceKind::kYield, "table.iter: advance"));
  TraceEvent later = Ev(21, 1, TraceKind::kRace, "/src/maps/chained_table.h", 278, 0);
  TraceEvent earlier = Ev(20, 0, TraceKind::kRace, "/src/maps/chained_table.h", 265, 1);
  later.op = 0;
  earlier.op = 1;
  d.outcome.trace.push_back(later);
  d.outcome.trace.push_back(earlier);
  const std::string report = FormatFailureReport(d.decoded, d.program, d.outcome);
  EXPECT_NE(report.find("(21 scheduling steps,"), std::string::npos) << report;
  EXPECT_NE(report.find("table.erase: unlink node ! racing"), std::string::npos) << report;
  EXPECT_NE(report.find("write (maps/chained_table.h:265)"), std::string::npos) << report;
  EXPECT_NE(report.find("table.iter: advance ! racing read"), std::string::npos) << report;
  EXPECT_NE(report.find("'!' marks the two accesses of the data race"), std::string::npos);
}

TEST(ReportersTest, FailureReportNamesTheStoreAStaleLoadRead) {
  BreakDetail d = SampleBreakDetails()[0];
  d.outcome.trace.push_back(Ev(20, 0, TraceKind::kAtomic, "atomic.store"));
  d.outcome.trace.push_back(Ev(21, 1, TraceKind::kAtomic, "atomic.load"));
  d.outcome.trace.push_back(Ev(21, 1, TraceKind::kStaleRead, "stale read", 3, 1));
  const std::string report = FormatFailureReport(d.decoded, d.program, d.outcome);
  // The load's row names the store (wrapped at the column's width).
  EXPECT_NE(report.find("atomic.load -> read store #3"), std::string::npos) << report;
  EXPECT_NE(report.find("(stale: 1 newer)"), std::string::npos) << report;
  EXPECT_NE(report.find("'->' names the store an atomic load read"), std::string::npos) << report;
  EXPECT_EQ(report.find("'!' marks"), std::string::npos) << report;
}

}  // namespace mapfault
