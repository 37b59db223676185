// Tests of replay tokens: round trips and every kind of bad token.
#include "harness/run/token.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "harness/base/limits.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

ReplayToken Sample() {
  ReplayToken t;
  t.scenario = "iterate-while-erase";
  t.params = {2, 8, 6, 4};
  t.backend = "naive";
  t.strategy = *StrategySpec::Parse("pct:d=2");
  t.seed = 0x123456789abcdef0ull;
  t.max_steps = 20000;
  t.invariant = Invariant::kIterNoMissedStable;
  t.choices = std::vector<uint8_t>{0, 1, 1, 0, 1, 0, 0, 0, 1};
  return t;
}

void ExpectSame(const ReplayToken& a, const ReplayToken& b) {
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.scenario, b.scenario);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.strategy.ToString(), b.strategy.ToString());
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.max_steps, b.max_steps);
  EXPECT_EQ(a.invariant, b.invariant);
  EXPECT_EQ(a.choices, b.choices);
}

TEST(TokenTest, RoundTrips) {
  const ReplayToken t = Sample();
  const std::string text = t.Encode();
  EXPECT_EQ(text.rfind("mf1_", 0), 0u);
  const auto back = ReplayToken::Decode(text);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(t, *back);
}

TEST(TokenTest, RoundTripsWithoutChoices) {
  ReplayToken t = Sample();
  t.choices.reset();
  const auto back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->choices.has_value());
}

TEST(TokenTest, RoundTripsAPreemptedPerturbedStrategy) {
  ReplayToken t = Sample();
  t.mode = ExecMode::kPerturbed;
  t.choices.reset();
  t.strategy = *StrategySpec::Parse("pct:d=3+preempt");
  const auto back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(t, *back);
  EXPECT_TRUE(back->strategy.preempt);
  EXPECT_EQ(back->strategy.depth, 3);
}

// The memory model and race detection decide where a controlled trial stops: a replay needs both.
TEST(TokenTest, RoundTripsTheMemoryModelAndRaceDetection) {
  ReplayToken t = Sample();
  t.strategy = *StrategySpec::Parse("pct:d=2+sc");
  t.strategy.race_detection = false;
  const auto back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->strategy.memory_model, MemoryModel::kSc);
  EXPECT_FALSE(back->strategy.race_detection);
  EXPECT_EQ(back->strategy.depth, 2);
  const auto plain = ReplayToken::Decode(Sample().Encode());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->strategy.memory_model, MemoryModel::kC11);
  EXPECT_TRUE(plain->strategy.race_detection);
}

TEST(TokenTest, RoundTripsAnExplicitProgram) {
  ReplayToken t = Sample();
  Program p;
  p.init = {{1, 1001}, {-7, -3}};
  OpSpec each;
  each.kind = OpKind::kForEach;
  each.visit = {VisitPlan::Mode::kEraseKeyMod, 3, -1, 2, {}};
  OpSpec ins;
  ins.kind = OpKind::kInsert;
  ins.key = 1LL << 40;
  ins.value = -12345;
  OpSpec size;
  size.kind = OpKind::kSize;
  p.threads = {{each}, {ins, size}, {}};
  p.post = {size, each};
  t.program = p;
  for (const std::string plugin : {"", "libx.so"}) {
    t.plugin = plugin;
    const auto back = ReplayToken::Decode(t.Encode());
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSame(t, *back);
    EXPECT_EQ(back->plugin, plugin);
    ASSERT_TRUE(back->program.has_value());
    EXPECT_EQ(back->program->init, p.init);
    ASSERT_EQ(back->program->threads.size(), 3u);
    EXPECT_EQ(back->program->threads[0][0].ToString(), each.ToString());
    EXPECT_EQ(back->program->threads[0][0].visit.stop_after, 2u);
    EXPECT_EQ(back->program->threads[1][0].key, ins.key);
    EXPECT_EQ(back->program->threads[1][0].value, ins.value);
    EXPECT_TRUE(back->program->threads[2].empty());
    EXPECT_EQ(back->program->post.size(), 2u);
  }
  EXPECT_FALSE(ReplayToken::Decode(Sample().Encode())->program.has_value());
}

RC_GTEST_PROP(TokenProperty, AnyChoiceListRoundTrips, (std::vector<uint8_t> raw, uint64_t seed)) {
  ReplayToken t = Sample();
  std::vector<uint8_t> choices;
  for (uint8_t c : raw) choices.push_back(c % 64);
  t.choices = choices;
  t.seed = seed;
  const auto back = ReplayToken::Decode(t.Encode());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back->choices == choices);
  RC_ASSERT(back->seed == seed);
}

void ExpectRejected(const std::string& text, const std::string& fragment) {
  const auto r = ReplayToken::Decode(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

TEST(TokenTest, RejectsTextThatIsNotAToken) {
  ExpectRejected("hello", "does not start with 'mf1_'");
  ExpectRejected("", "does not start with 'mf1_'");
  ExpectRejected("mfx_AAAA", "does not start with 'mf1_'");
}

TEST(TokenTest, RejectsTruncatedTokens) {
  const std::string text = Sample().Encode();
  for (size_t cut : {text.size() - 1, text.size() - 5, text.size() / 2, size_t{6}}) {
    const auto r = ReplayToken::Decode(text.substr(0, cut));
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.status().message().find("malformed replay token"), std::string::npos);
  }
}

TEST(TokenTest, RejectsAlteredTokens) {
  std::string text = Sample().Encode();
  text[10] = text[10] == 'A' ? 'B' : 'A';
  ExpectRejected(text, "checksum");
  ExpectRejected(Sample().Encode() + "!", "base64url");
}

TEST(TokenTest, RejectsTokensFromANewerVersion) {
  std::string text = Sample().Encode();
  text.replace(0, 3, "mf2");
  ExpectRejected(text, "version 2 is newer than this mapfault");
}

// Checksum-valid crafted tokens (found by a hostile user): threads = 0 crashed the scenario's
// generator, keys near INT_MAX exhausted memory. Every field is bounded like the command line's.
TEST(TokenTest, RejectsCraftedTokensWithOutOfRangeParameters) {
  ExpectRejected("mf1_ABNpdGVyYXRlLXdoaWxlLWVyYXNlAAgGBAVuYWl2ZQADxbat_rOFytRfoJwBAACwp_-Q",
                 "out of range");
  ExpectRejected("mf1_ABNpdGVyYXRlLXdoaWxlLWVyYXNlAv____8HBgQFbmFpdmUAA8W2rf6zhcrUX6CcAQAALyRmGA",
                 "out of range");
  for (ScenarioParams bad : {ScenarioParams{0, 8, 6, 4}, ScenarioParams{65, 8, 6, 4},
                             ScenarioParams{2, 0, 0, 4}, ScenarioParams{2, 100001, 6, 4},
                             ScenarioParams{2, 8, 100001, 4}, ScenarioParams{2, 8, 6, 10001},
                             ScenarioParams{2, 8, -1, 4}}) {
    ReplayToken t = Sample();
    t.params = bad;
    ExpectRejected(t.Encode(), "out of range");
  }
  ReplayToken t = Sample();
  t.max_steps = kMaxMaxSteps + 1;
  ExpectRejected(t.Encode(), "out of range");
}

// A sharded exhaustive run's token names its tree shard (a dead worker's replay searches that part
// again), next to the bound and the reduction; a shard out of its count is rejected.
TEST(TokenTest, RoundTripsAnExhaustiveSearchsTreeShard) {
  ReplayToken t = Sample();
  t.strategy = *StrategySpec::Parse("exhaustive:pb=3,por=off");
  t.strategy.tree_shard = 4;
  t.strategy.tree_shards = kMaxShards;
  auto back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->strategy.preemption_bound, 3);
  EXPECT_FALSE(back->strategy.reduction);
  EXPECT_EQ(back->strategy.tree_shard, 4);
  EXPECT_EQ(back->strategy.tree_shards, kMaxShards);
  t.strategy.tree_shards = 1;
  back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->strategy.tree_shard, 0);
  EXPECT_EQ(back->strategy.tree_shards, 1);
  t.strategy.tree_shards = 3;
  ExpectRejected(t.Encode(), "out of range");
}

// An exhaustive search's stale-read bound (reads-from enumeration) rides in the token, so that a
// token without choices re-runs the same search; a token written before the field existed (or
// with the bound 0) has none and reads the latest store, as such searches did. Out of range: 9.
TEST(TokenTest, RoundTripsAnExhaustiveSearchsStaleBound) {
  ReplayToken t = Sample();
  t.strategy = *StrategySpec::Parse("exhaustive:pb=2,stale=3");
  auto back = ReplayToken::Decode(t.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->strategy.stale_bound, 3);
  EXPECT_EQ(back->strategy.preemption_bound, 2);
  EXPECT_EQ(back->strategy.ToString(), "exhaustive:pb=2,stale=3");
  const std::string with = t.Encode();
  t.strategy.stale_bound = 0;
  const std::string without = t.Encode();
  EXPECT_LT(without.size(), with.size());  // no field at all: the encoding of older tokens
  back = ReplayToken::Decode(without);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->strategy.stale_bound, 0);
  t.strategy.stale_bound = kMaxStaleBound + 1;
  ExpectRejected(t.Encode(), "out of range");
}

TEST(TokenTest, TokenFromPayloadAddsAValidChecksum) {
  const std::string text = Sample().Encode();
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(text.substr(4), &raw));
  EXPECT_EQ(TokenFromPayload(raw.substr(0, raw.size() - 4)), text);
  ExpectRejected(TokenFromPayload(""), "truncated");
}

}  // namespace
}  // namespace mapfault
