// Tests of the strategy table (strategy_table.h) and of what is generated from it.
#include "harness/strategies/strategy_table.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "harness/strategies/noise.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {
namespace {

// The codes are encoded in replay tokens: never change them.
static_assert(static_cast<int>(StrategyKind::kRandom) == 0);
static_assert(static_cast<int>(StrategyKind::kPct) == 1);
static_assert(static_cast<int>(StrategyKind::kStress) == 2);
static_assert(static_cast<int>(StrategyKind::kNoise) == 3);
static_assert(static_cast<int>(StrategyKind::kPortfolio) == 4);
static_assert(static_cast<int>(StrategyKind::kReferenceLoop) == 5);
static_assert(static_cast<int>(StrategyKind::kExhaustive) == 6);

TEST(StrategyTableTest, LocksTheTokenCodes) {
  const char* const kNames[] = {"random", "pct", "stress", "noise", "portfolio",
                                "reference-loop", "exhaustive"};
  ASSERT_EQ(StrategyRows().size(), std::size(kNames));
  for (size_t code = 0; code < std::size(kNames); ++code) {
    EXPECT_EQ(StrategyRows()[code].name, kNames[code]);
    EXPECT_EQ(static_cast<size_t>(StrategyRows()[code].kind), code);
    EXPECT_TRUE(IsKnownStrategyCode(code));
  }
  EXPECT_FALSE(IsKnownStrategyCode(std::size(kNames)));
  EXPECT_FALSE(IsKnownStrategyCode(256));  // no truncation to a byte
}

TEST(StrategyTableTest, EveryRowParsesBackToItselfAndNamesAreUnique) {
  std::set<std::string> names;
  for (const StrategyRow& row : StrategyRows()) {
    EXPECT_TRUE(names.insert(std::string(row.name)).second) << row.name;
    EXPECT_FALSE(row.description.empty()) << row.name;
    for (const char* suffix : {"", "+preempt"}) {
      const std::string text = std::string(row.name) + suffix;
      absl::StatusOr<StrategySpec> spec = StrategySpec::Parse(text);
      ASSERT_TRUE(spec.ok()) << text << ": " << spec.status();
      EXPECT_EQ(spec->kind, row.kind) << text;
      EXPECT_EQ(StrategySpec::Parse(spec->ToString())->ToString(), spec->ToString());
    }
    // Every mode is driven by the row itself or by a stand-in that drives it.
    for (ExecMode mode : {ExecMode::kControlled, ExecMode::kPerturbed}) {
      StrategySpec spec;
      spec.kind = row.kind;
      EXPECT_TRUE(StrategyRowOf(StrategyForMode(spec, mode).kind).Drives(mode)) << row.name;
    }
  }
}

TEST(StrategyTableTest, ErrorMessagesNameEveryRow) {
  const absl::StatusOr<StrategySpec> bad = StrategySpec::Parse("dfs");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown strategy 'dfs': valid strategies are random, pct, pct:d=N (N in 1..10), "
            "stress, noise, portfolio, reference-loop, exhaustive, exhaustive:pb=K (K in 0..8; "
            "optionally ,max=N ,stale=S (S in 0..8, default 1) ,por=off) "
            "(perturbed ones may end in +preempt, controlled ones in +sc or +c11)");
  EXPECT_EQ(StrategySpec::Parse("pct:d=11+preempt").status().message(),
            "bad PCT depth in 'pct:d=11': use pct:d=N with N from 1 to 10");
  EXPECT_EQ(StrategySpec::Parse("pct:x=2").status().message().substr(0, 27),
            "unknown strategy 'pct:x=2':");
  EXPECT_FALSE(StrategySpec::Parse("noise:d=2").ok());  // only pct takes parameters
}

TEST(StrategyTableTest, TheMemoryModelIsASuffix) {
  const absl::StatusOr<StrategySpec> sc = StrategySpec::Parse("pct:d=2+sc");
  ASSERT_TRUE(sc.ok()) << sc.status();
  EXPECT_EQ(sc->memory_model, MemoryModel::kSc);
  EXPECT_EQ(sc->depth, 2);
  EXPECT_EQ(sc->ToString(), "pct:d=2+sc");
  const absl::StatusOr<StrategySpec> c11 = StrategySpec::Parse("random+c11");
  ASSERT_TRUE(c11.ok()) << c11.status();
  EXPECT_EQ(c11->memory_model, MemoryModel::kC11);
  EXPECT_EQ(c11->ToString(), "random");  // the default has no suffix
}

TEST(StrategyTableTest, ModesAndStandInsMatchTheDocumentedMapping) {
  auto in = [](const char* text, ExecMode mode) {
    return StrategyForMode(*StrategySpec::Parse(text), mode).ToString();
  };
  EXPECT_EQ(in("random", ExecMode::kControlled), "random");
  EXPECT_EQ(in("random", ExecMode::kPerturbed), "noise");
  EXPECT_EQ(in("stress", ExecMode::kControlled), "random");
  EXPECT_EQ(in("stress", ExecMode::kPerturbed), "stress");
  EXPECT_EQ(in("noise+preempt", ExecMode::kControlled), "random");
  EXPECT_EQ(in("noise+preempt", ExecMode::kPerturbed), "noise+preempt");
  EXPECT_EQ(in("pct:d=2", ExecMode::kPerturbed), "pct:d=2");
  EXPECT_EQ(in("portfolio", ExecMode::kControlled), "portfolio");
  EXPECT_EQ(in("reference-loop", ExecMode::kControlled), "random");
  EXPECT_EQ(in("reference-loop", ExecMode::kPerturbed), "reference-loop");
  EXPECT_EQ(in("exhaustive:pb=1", ExecMode::kControlled), "exhaustive:pb=1");
  EXPECT_EQ(in("exhaustive:pb=1", ExecMode::kPerturbed), "noise");
  auto preferred = [](const char* text) { return PreferredMode(*StrategySpec::Parse(text)); };
  EXPECT_EQ(preferred("stress"), ExecMode::kPerturbed);
  EXPECT_EQ(preferred("noise"), ExecMode::kPerturbed);
  EXPECT_EQ(preferred("random+preempt"), ExecMode::kPerturbed);
  EXPECT_EQ(preferred("random"), ExecMode::kControlled);
  EXPECT_EQ(preferred("pct:d=1"), ExecMode::kControlled);
  EXPECT_EQ(preferred("portfolio"), ExecMode::kControlled);
  EXPECT_EQ(preferred("reference-loop"), ExecMode::kPerturbed);
  EXPECT_EQ(preferred("exhaustive"), ExecMode::kControlled);
}

TEST(StrategyTableTest, ControlledFactoriesAndNoisePoliciesComeFromTheRows) {
  for (const StrategyRow& row : StrategyRows()) {
    StrategySpec spec;
    spec.kind = row.kind;
    EXPECT_NE(MakeStrategy(spec, 1), nullptr) << row.name;  // stand-ins build the others
    EXPECT_EQ(row.make_controlled != nullptr, row.Drives(ExecMode::kControlled)) << row.name;
  }
  StrategySpec pct = *StrategySpec::Parse("pct:d=4");
  const NoisePolicy p = StrategyRowOf(StrategyKind::kPct).noise(pct, 1);
  EXPECT_TRUE(p.priorities);
  EXPECT_FALSE(p.jitter);
  EXPECT_EQ(p.change_points, 3);
  EXPECT_TRUE(StrategyRowOf(StrategyKind::kNoise).noise(pct, 1).jitter);
  EXPECT_EQ(StrategyRowOf(StrategyKind::kStress).noise, nullptr);
  EXPECT_EQ(StrategyRowOf(StrategyKind::kReferenceLoop).noise, nullptr);
  // The portfolio's perturbed members alternate with the seed: noise, then PCT d=3.
  const StrategySpec portfolio = *StrategySpec::Parse("portfolio");
  EXPECT_TRUE(StrategyRowOf(StrategyKind::kPortfolio).noise(portfolio, 0).jitter);
  EXPECT_EQ(StrategyRowOf(StrategyKind::kPortfolio).noise(portfolio, 1).change_points, 2);
}

TEST(StrategyTableTest, ListAndHelpAreGeneratedFromTheRows) {
  const auto entries = StrategyListEntries();
  ASSERT_EQ(entries.size(), StrategyRows().size() + 1);
  EXPECT_EQ(entries[1].first, "pct:d=N");
  EXPECT_EQ(entries.back().first, "...+preempt");
  EXPECT_EQ(StrategyHelp(),
            "random | pct | pct:d=N | portfolio | exhaustive | exhaustive:pb=K (controlled); pct | "
            "pct:d=N | stress | noise | portfolio | reference-loop (perturbed); perturbed ones may "
            "end in +preempt");
}

}  // namespace
}  // namespace mapfault
