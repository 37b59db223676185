// Tests of the certification benchmark (`bench-bugs --certify N`): it searches every built-in
// scenario a correct backend accepts, with and without partial-order reduction, certifies them
// with the same verdicts and never more schedules reduced; its stale-read bound (c11) reaches the
// searches; and its Markdown format is locked by a golden file.
#include "harness/run/certify_bench.h"

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"
#include "reports/bug_bench_report.h"
#include "tests/golden_util.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

CertifyBenchOptions Options(const std::string& backend, int stale) {
  testing::RegisterTestBackends();
  CertifyBenchOptions o;
  o.backends = {GlobalBackends().Find(backend)};
  o.programs = 1;
  o.preemption_bound = 1;
  o.stale_bound = stale;
  o.seed = 3;
  return o;
}

TEST(CertifyBenchTest, CertifiesACorrectBackendWithAndWithoutReduction) {
  const CertifyBenchResults r = RunCertifyBench(Options("mutex", 0));
  EXPECT_FALSE(r.partial);
  size_t accepted = 0;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) accepted += !s.visitor_writes;
  ASSERT_EQ(r.rows.size(), accepted);
  for (const CertifyBenchRow& row : r.rows) {
    EXPECT_TRUE(row.reduced.complete && row.unreduced.complete) << row.scenario;
    EXPECT_FALSE(row.reduced.broken || row.unreduced.broken) << row.scenario;
    EXPECT_GT(row.reduced.schedules, 0u) << row.scenario;
    EXPECT_LE(row.reduced.schedules, row.unreduced.schedules) << row.scenario;
  }
  EXPECT_EQ(CertifiableBackends(GlobalBackends()).empty(), false);
}

// A map whose size() reads one relaxed counter without the lock (correct): its load may read a
// store of an operation that has not returned, so enumerating one stale read per schedule
// searches more schedules (unreduced: this test backend's search is), and certifies it.
TEST(CertifyBenchTest, TheStaleBoundReachesTheSearches) {
  const CertifyBenchOptions latest = Options("test.counted_size", 0),
                            stale = Options("test.counted_size", 1);
  const CertifyBenchResults a = RunCertifyBench(latest), b = RunCertifyBench(stale);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  uint64_t more = 0;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_FALSE(b.rows[i].reduced.broken || b.rows[i].unreduced.broken) << b.rows[i].scenario;
    EXPECT_GE(b.rows[i].unreduced.schedules, a.rows[i].unreduced.schedules);
    more += b.rows[i].unreduced.schedules - a.rows[i].unreduced.schedules;
  }
  EXPECT_GT(more, 0u);
  EXPECT_EQ(CertifyToJson(b)["stale_read_bound"], 1);
  EXPECT_NE(FormatCertifyMarkdown(b).find("<= 1 preemptions and <= 1 stale read,"),
            std::string::npos);
}

CertifyBenchResults SampleCertify() {
  CertifyBenchResults r;
  r.seed = 1;
  r.programs = 20;
  r.preemption_bound = 2;
  r.stale_bound = 1;
  CertifyBenchRow row;
  row.backend = "mutex";
  row.scenario = "iterate-while-erase";
  row.reduced = {3085, 0.09, true, false, false};
  row.unreduced = {10062, 0.05, true, false, false};
  r.rows.push_back(row);
  row.backend = "collect_then_delete";
  row.scenario = "conditional-erase";
  row.reduced = {503, 0.02, false, true, false};
  row.unreduced = {1387, 0.02, false, true, false};
  r.rows.push_back(row);
  row.scenario = "range-insert-same-thread";
  row.reduced = {20, 0.01, false, false, true};
  row.unreduced = {20, 0.01, false, false, true};
  r.rows.push_back(row);
  return r;
}

TEST(CertifyBenchReportTest, MarkdownGolden) {
  ExpectGolden("certify.md", FormatCertifyMarkdown(SampleCertify()));
}

}  // namespace
}  // namespace mapfault
