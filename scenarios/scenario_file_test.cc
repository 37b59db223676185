// Tests of TOML scenario and suite files: the op parser round-trips every op, a good file parses to
// the programs it describes, every malformed file fails with one positioned line, and every shipped
// suite parses and runs.
#include "scenarios/scenario_file.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "harness/engine/backend.h"
#include "harness/run/plan.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "tests/program_dump.h"

namespace mapfault {
namespace {

const std::string kDir = MAPFAULT_SCENARIO_FILES_DIR;

ScenarioFile MustParse(const std::string& text, const std::string& path = "inline.toml") {
  absl::StatusOr<ScenarioFile> f = ParseScenarioFile(text, path, ScenarioRegistry::Builtin());
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? *std::move(f) : ScenarioFile{};
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<ScenarioFile> f =
      ParseScenarioFile(text, "inline.toml", ScenarioRegistry::Builtin());
  return f.ok() ? "(parsed)" : std::string(f.status().message());
}

// ---- ParseOp ------------------------------------------------------------------------------------

TEST(ParseOpTest, ParsesEveryKindInToStringSyntax) {
  for (const char* text :
       {"insert(3, 107)", "assign(3, 5)", "erase(3)", "find(3)", "size()", "clear()",
        "for_each(visit all)", "for_each(erase if key%2==1)", "for_each(erase if value<100)",
        "for_each(visit all, stop after 3)", "for_each(erase if key%3==0, stop after 1)",
        "insert(-9223372036854775808, 9223372036854775807)", "for_each(erase if value<-5)"}) {
    absl::StatusOr<OpSpec> op = ParseOp(text);
    ASSERT_TRUE(op.ok()) << text << ": " << op.status().message();
    EXPECT_EQ(op->ToString(), text);
  }
  const OpSpec op = *ParseOp("for_each(erase if key%2==1, stop after 4)");
  EXPECT_EQ(op.kind, OpKind::kForEach);
  EXPECT_EQ(op.visit.mode, VisitPlan::Mode::kEraseKeyMod);
  EXPECT_EQ(op.visit.param, 2);
  EXPECT_EQ(op.visit.param2, 1);
  EXPECT_EQ(op.visit.stop_after, 4u);
}

TEST(ParseOpTest, AcceptsSpacesEmptyForEachAndStopAfterAlone) {
  EXPECT_EQ(ParseOp("  insert( 3 ,107 ) ")->ToString(), "insert(3, 107)");
  EXPECT_EQ(ParseOp("for_each()")->ToString(), "for_each(visit all)");
  EXPECT_EQ(ParseOp("for_each( )")->ToString(), "for_each(visit all)");
  EXPECT_EQ(ParseOp("for_each(stop after 2)")->ToString(), "for_each(visit all, stop after 2)");
  EXPECT_EQ(ParseOp("for_each(erase if key % 4 == 3)")->ToString(), "for_each(erase if key%4==3)");
}

TEST(ParseOpTest, VisitorWritesRoundTrip) {
  for (const char* text :
       {"for_each(visit all, at 1 insert(9, 10100), at 2 erase(3))",
        "for_each(erase if key%2==1, stop after 4, at 1 assign(5, 10101), at 1 erase(-2))"}) {
    const absl::StatusOr<OpSpec> op = ParseOp(text);
    ASSERT_TRUE(op.ok()) << text << ": " << op.status();
    EXPECT_EQ(op->ToString(), text);
  }
  const OpSpec op = *ParseOp("for_each(visit all, at 2 insert(9, 7))");
  ASSERT_EQ(op.visit.writes.size(), 1u);
  EXPECT_EQ(op.visit.writes[0], (VisitWrite{2, OpKind::kInsert, 9, 7}));
  Program p;
  p.threads = {{op}};
  EXPECT_TRUE(p.HasVisitorWrites());
}

// A file scenario with visitor writes is marked so (it then runs only where the contract allows).
TEST(ParseOpTest, FileScenariosWithVisitorWritesAreMarked) {
  const ScenarioFile f = MustParse(R"toml(
[[scenario]]
id = "writes"
init = [[1, 1001]]
threads = [["for_each(visit all, at 1 insert(2, 10100))"]]
[[scenario]]
id = "plain"
init = [[1, 1001]]
threads = [["for_each(visit all)"]]
[[scenario]]
id = "mixed-writes"
generator = "mixed"
visit = "visit all, at 1 erase(3)"
[[scenario]]
id = "based"
based_on = "range-insert-same-thread"
)toml");
  ASSERT_EQ(f.scenarios.size(), 4u);
  EXPECT_TRUE(f.FindScenario("writes")->visitor_writes);
  EXPECT_FALSE(f.FindScenario("plain")->visitor_writes);
  EXPECT_TRUE(f.FindScenario("mixed-writes")->visitor_writes);
  EXPECT_TRUE(f.FindScenario("based")->visitor_writes);
}

TEST(ParseOpTest, RejectsMalformedVisitorWrites) {
  for (const char* text : {"for_each(visit all, at 0 insert(1, 2))",
                           "for_each(visit all, at 1 find(1))",
                           "for_each(visit all, at 1 insert(1))",
                           "for_each(visit all, at 2 erase(1), at 1 erase(2))",
                           "for_each(visit all, at 1 erase(1), stop after 2)"}) {
    const absl::StatusOr<OpSpec> op = ParseOp(text);
    ASSERT_FALSE(op.ok()) << text;
    EXPECT_NE(op.status().message().find("bad for_each plan"), std::string::npos) << op.status();
  }
}

TEST(ParseOpTest, RejectsMalformedOpsSayingWhatWasExpected) {
  const std::pair<const char*, const char*> cases[] = {
      {"remove(3)", "unknown operation 'remove(3)'; expected insert(KEY, VALUE)"},
      {"insert(3)", "expected insert(KEY, VALUE) with integers KEY and VALUE"},
      {"erase(x)", "expected erase(KEY) with an integer KEY"},
      {"find(1, 2)", "expected find(KEY)"},
      {"size(1)", "expected size()"},
      {"find 3", "expected find(KEY) with its parentheses"},
      {"erase(3) erase(4)", "expected erase(KEY)"},
      {"insert(99999999999999999999, 1)", "with integers KEY and VALUE"},
      {"for_each(visit some)", "bad for_each plan 'visit some'; expected 'visit all'"},
      {"for_each(erase if key%2)", "bad for_each plan"},
      {"for_each(visit all, stop after 0)", "N must be between 1 and 4294967295"},
      {"for_each(visit all", "expected for_each(PLAN) ending in ')'"},
      {"", "unknown operation ''"},
  };
  for (const auto& [text, fragment] : cases) {
    absl::StatusOr<OpSpec> op = ParseOp(text);
    ASSERT_FALSE(op.ok()) << text;
    EXPECT_NE(std::string(op.status().message()).find(fragment), std::string::npos)
        << text << " -> " << op.status().message();
  }
}

TEST(ParseOpTest, ValidateOpRejectsKeyModPlansThatCanNeverErase) {
  EXPECT_TRUE(ValidateOp(*ParseOp("for_each(erase if key%3==2)")).ok());
  EXPECT_TRUE(ValidateOp(*ParseOp("erase(-4)")).ok());
  for (const char* text : {"for_each(erase if key%0==0)", "for_each(erase if key%3==3)",
                           "for_each(erase if key%3==-1)", "for_each(erase if key%-2==0)"}) {
    EXPECT_FALSE(ValidateOp(*ParseOp(text)).ok()) << text;
  }
}

// Any op with the fields its kind prints (the rest zero, as every generator makes them).
rc::Gen<OpSpec> ArbitraryOp() {
  return rc::gen::exec([] {
    OpSpec op;
    op.kind = static_cast<OpKind>(*rc::gen::inRange(0, 7));
    switch (op.kind) {
      case OpKind::kInsert:
      case OpKind::kAssign:
        op.value = *rc::gen::arbitrary<int64_t>();
        [[fallthrough]];
      case OpKind::kErase:
      case OpKind::kFind:
        op.key = *rc::gen::arbitrary<int64_t>();
        break;
      case OpKind::kSize:
      case OpKind::kClear:
        break;
      case OpKind::kForEach:
        op.visit.mode = static_cast<VisitPlan::Mode>(*rc::gen::inRange(0, 3));
        if (op.visit.mode != VisitPlan::Mode::kContinue)
          op.visit.param = *rc::gen::arbitrary<int64_t>();
        if (op.visit.mode == VisitPlan::Mode::kEraseKeyMod) {
          op.visit.param2 = *rc::gen::arbitrary<int64_t>();
        }
        if (*rc::gen::arbitrary<bool>()) op.visit.stop_after = *rc::gen::arbitrary<uint32_t>();
        break;
    }
    return op;
  });
}

RC_GTEST_PROP(ParseOpTest, RoundTripsEveryOp, ()) {
  const OpSpec op = *ArbitraryOp();
  const absl::StatusOr<OpSpec> parsed = ParseOp(op.ToString());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(OpFields(*parsed) == OpFields(op));
}

// ---- A good file --------------------------------------------------------------------------------

class GoodFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ScenarioFile> f = LoadScenarioFile(path_, ScenarioRegistry::Builtin());
    ASSERT_TRUE(f.ok()) << f.status().message();
    file_ = *std::move(f);
  }
  const Scenario& Get(const std::string& id) {
    const Scenario* s = file_.FindScenario(id);
    EXPECT_NE(s, nullptr) << id;
    return *s;
  }
  const std::string path_ = kDir + "/good.toml";
  ScenarioFile file_;
};

TEST_F(GoodFileTest, ParsesEveryStyleInOrder) {
  EXPECT_EQ(file_.path, path_);
  ASSERT_EQ(file_.scenarios.size(), 4u);
  EXPECT_EQ(file_.scenarios[0].id, "fixed-two");
  EXPECT_EQ(file_.scenarios[0].description, "T0 iterates, T1 erases two keys");
  EXPECT_EQ(file_.scenarios[1].id, "fixed-random-init");
  EXPECT_EQ(file_.scenarios[2].id, "my-mix");
  EXPECT_EQ(file_.scenarios[3].id, "bigger-grow");
  EXPECT_TRUE(IsFixedProgram(Get("fixed-two")));
  EXPECT_TRUE(IsFixedProgram(Get("fixed-random-init")));
  EXPECT_FALSE(IsFixedProgram(Get("my-mix")));
  EXPECT_FALSE(IsFixedProgram(Get("bigger-grow")));
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) EXPECT_FALSE(IsFixedProgram(s));
}

TEST_F(GoodFileTest, FixedProgramIsTheFileVerbatimForAnySeedAndParams) {
  const Scenario& s = Get("fixed-two");
  EXPECT_EQ(s.defaults, (ScenarioParams{.threads = 2, .keys = 8, .initial = 3, .ops = 3}));
  EXPECT_EQ(s.min_threads, 2);
  EXPECT_FALSE(s.perturbed_defaults.has_value());
  const std::string expected =
      "init: 1=1001 2=1002 3=1003\n"
      "T0: for_each(visit all) [6 0 0 0 0 0 0]\n"
      "T1: erase(1) [2 1 0 0 0 0 0] erase(3) [2 3 0 0 0 0 0] find(2) [3 2 0 0 0 0 0]\n"
      "post: size()";
  EXPECT_EQ(DumpProgram(GenerateProgram(s, s.defaults, 1)), expected);
  EXPECT_EQ(DumpProgram(GenerateProgram(s, {.threads = 5, .keys = 3, .initial = 1, .ops = 9}, 99)),
            expected);
}

TEST_F(GoodFileTest, FixedProgramWithInitialDrawsItsInitFromTheSeed) {
  const Scenario& s = Get("fixed-random-init");
  EXPECT_EQ(s.defaults, (ScenarioParams{.threads = 1, .keys = 10, .initial = 4, .ops = 3}));
  std::set<std::string> inits;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Program p = GenerateProgram(s, s.defaults, seed);
    EXPECT_EQ(DumpProgram(p),
              DumpProgram(GenerateProgram(s, {}, seed)));  // params ignored, seed decides
    ASSERT_EQ(p.init.size(), 4u);
    std::set<Key> keys;
    for (const auto& [k, v] : p.init) {
      EXPECT_TRUE(keys.insert(k).second);
      EXPECT_GE(k, 0);
      EXPECT_LT(k, 10);
      EXPECT_EQ(v, 1000 + k);
    }
    ASSERT_EQ(p.threads.size(), 1u);
    EXPECT_EQ(p.threads[0][0].ToString(), "for_each(erase if value<1005, stop after 2)");
    EXPECT_EQ(p.threads[0][2].ToString(), "insert(-3, 7)");
    ASSERT_EQ(p.post.size(), 2u);  // the default post part
    EXPECT_EQ(p.post[0].ToString(), "size()");
    EXPECT_EQ(p.post[1].ToString(), "for_each(visit all)");
    inits.insert(DumpProgram(p));
  }
  EXPECT_GT(inits.size(), 1u);
}

TEST_F(GoodFileTest, MixedIsDeterministicPerSeedAndFollowsItsTable) {
  const Scenario& s = Get("my-mix");
  EXPECT_EQ(s.defaults, (ScenarioParams{.threads = 3, .keys = 16, .initial = 8, .ops = 10}));
  ASSERT_TRUE(s.perturbed_defaults.has_value());
  EXPECT_EQ(*s.perturbed_defaults,
            (ScenarioParams{.threads = 3, .keys = 16, .initial = 8, .ops = 30}));
  EXPECT_EQ(s.min_threads, 1);
  std::set<std::string> programs;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    const Program p = GenerateProgram(s, s.defaults, seed);
    EXPECT_EQ(DumpProgram(p), DumpProgram(GenerateProgram(s, s.defaults, seed)));
    programs.insert(DumpProgram(p));
    ASSERT_EQ(p.threads.size(), 3u);
    EXPECT_EQ(p.init.size(), 8u);
    for (const auto& ops : p.threads) {
      ASSERT_EQ(ops.size(), 10u);
      for (const OpSpec& op : ops) {
        EXPECT_NE(op.kind, OpKind::kClear);  // weight 0
        if (op.kind == OpKind::kForEach) {
          EXPECT_EQ(op.ToString(), "for_each(erase if key%3==0)");
        }
      }
    }
  }
  EXPECT_EQ(programs.size(), 30u);
}

// File generators start from the thread's spare program (SpareProgram): each file scenario
// generates the same program after programs of other shapes were recycled as on a fresh thread.
TEST_F(GoodFileTest, RecycledProgramsGenerateWhatFreshOnesDo) {
  for (const Scenario& s : file_.scenarios) {
    for (uint64_t seed = 0; seed < 4; ++seed) {
      std::string fresh;
      std::thread([&] { fresh = DumpProgram(GenerateProgram(s, s.defaults, seed)); }).join();
      RecycleProgram(GenerateProgram(*ScenarioRegistry::Builtin().Find("range-insert-while-erase"),
                                     {.threads = 5, .keys = 30, .initial = 25, .ops = 12}, seed));
      EXPECT_EQ(DumpProgram(GenerateProgram(s, s.defaults, seed)), fresh)
          << s.id << " seed " << seed;
      RecycleProgram(GenerateProgram(s, s.defaults, seed + 1));
      EXPECT_EQ(DumpProgram(GenerateProgram(s, s.defaults, seed)), fresh)
          << s.id << " seed " << seed;
    }
  }
}

TEST_F(GoodFileTest, BasedOnIsTheBuiltinGeneratorWithTheFilesParams) {
  const Scenario& s = Get("bigger-grow");
  const Scenario& base = *ScenarioRegistry::Builtin().Find("iterate-while-grow");
  EXPECT_EQ(s.defaults, (ScenarioParams{.threads = 3, .keys = 8, .initial = 4, .ops = 12}));
  // The built-in's perturbed defaults, with the file's threads and ops applied over them.
  ASSERT_TRUE(s.perturbed_defaults.has_value());
  EXPECT_EQ(*s.perturbed_defaults,
            (ScenarioParams{.threads = 3, .keys = 8, .initial = 8, .ops = 12}));
  EXPECT_EQ(s.min_threads, base.min_threads);
  EXPECT_NE(s.description.find(base.description), std::string::npos);
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const Program p = GenerateProgram(s, s.defaults, seed);
    EXPECT_EQ(DumpProgram(p), DumpProgram(GenerateProgram(base, s.defaults, seed)));
    EXPECT_EQ(p.threads.size(), 3u);
    EXPECT_EQ(p.threads[1].size(), 12u);
  }
}

TEST_F(GoodFileTest, SuitesCarryEveryFieldAndTheirDefaults) {
  ASSERT_EQ(file_.suites.size(), 2u);
  const SuiteSpec& a = file_.suites[0];
  EXPECT_EQ(a.id, "everything");
  EXPECT_EQ(a.description, "all of the above");
  EXPECT_EQ(a.path, path_);
  EXPECT_EQ(a.backends, (std::vector<std::string>{"naive", "mutex"}));
  EXPECT_EQ(a.backend_sources, (std::vector<std::string>{path_ + ":40:13", path_ + ":40:22"}));
  EXPECT_EQ(a.scenarios,
            (std::vector<std::string>{"fixed-two", "my-mix", "bigger-grow", "mixed-ops"}));
  EXPECT_EQ(a.invariants, (InvariantSet{Invariant::kNoCrash, Invariant::kIterNoDuplicate}));
  EXPECT_EQ(a.trials, 2000u);
  EXPECT_EQ(a.strategy, "pct:d=2");
  EXPECT_EQ(a.mode, "controlled");
  const SuiteSpec& b = *file_.FindSuite("defaults");
  EXPECT_EQ(b.description, "");
  EXPECT_EQ(b.backends, (std::vector<std::string>{"all"}));
  EXPECT_EQ(b.backend_sources, (std::vector<std::string>{path_ + ":47:1"}));
  EXPECT_EQ(b.invariants, InvariantSet::All());
  EXPECT_EQ(b.trials, 0u);
  EXPECT_EQ(b.strategy, "");
  EXPECT_EQ(b.mode, "");
  EXPECT_EQ(FindSuiteScenario("fixed-two", file_, ScenarioRegistry::Builtin()), &Get("fixed-two"));
  EXPECT_EQ(FindSuiteScenario("mixed-ops", file_, ScenarioRegistry::Builtin()),
            ScenarioRegistry::Builtin().Find("mixed-ops"));
  EXPECT_EQ(FindSuiteScenario("nope", file_, ScenarioRegistry::Builtin()), nullptr);
}

// ---- The mixed generator's knobs ----------------------------------------------------------------

std::vector<OpSpec> AllOps(const Scenario& s, uint64_t seed) {
  std::vector<OpSpec> ops;
  for (const auto& t : GenerateProgram(s, s.defaults, seed).threads)
    ops.insert(ops.end(), t.begin(), t.end());
  return ops;
}

TEST(MixedScenarioTest, WeightsAndGrowthDecideTheOps) {
  const ScenarioFile f = MustParse(R"(
[[scenario]]
id = "inserts-fresh"
generator = "mixed"
threads = 4
keys = 8
ops = 20
weights = { insert = 1 }
growth = 1

[[scenario]]
id = "inserts-old"
generator = "mixed"
keys = 8
ops = 20
weights = { insert = 5 }
growth = 0

[[scenario]]
id = "half"
generator = "mixed"
threads = 8
keys = 8
ops = 50
weights = { insert = 1, find = 1 }
growth = 0.5
)");
  ASSERT_EQ(f.scenarios.size(), 3u);
  for (uint64_t seed = 0; seed < 10; ++seed) {
    std::set<Key> fresh;
    for (const OpSpec& op : AllOps(f.scenarios[0], seed)) {
      ASSERT_EQ(op.kind, OpKind::kInsert);
      EXPECT_GE(op.key, 8);                      // growth = 1: every insert key is fresh
      EXPECT_TRUE(fresh.insert(op.key).second);  // and distinct
    }
    EXPECT_EQ(fresh.size(), 80u);
    for (const OpSpec& op : AllOps(f.scenarios[1], seed)) {
      ASSERT_EQ(op.kind, OpKind::kInsert);
      EXPECT_LT(op.key, 8);  // growth = 0: the key space only
    }
  }
  int inserts = 0, finds = 0, fresh = 0;
  for (const OpSpec& op : AllOps(f.scenarios[2], 3)) {
    if (op.kind == OpKind::kInsert) {
      ++inserts;
      fresh += op.key >= 8;
    } else if (op.kind == OpKind::kFind) {
      ++finds;
      EXPECT_LT(op.key, 8);
    }
  }
  EXPECT_EQ(inserts + finds, 400);
  EXPECT_GT(inserts, 150);  // about 200 each
  EXPECT_GT(finds, 150);
  EXPECT_GT(fresh, inserts / 4);  // about half of them
  EXPECT_LT(fresh, inserts * 3 / 4);
}

TEST(MixedScenarioTest, DefaultsFollowMixedOpsAndParamsOverride) {
  const ScenarioFile f = MustParse("[[scenario]]\nid = \"m\"\ngenerator = \"mixed\"\nkeys = 4\n");
  ASSERT_EQ(f.scenarios.size(), 1u);
  const Scenario& s = f.scenarios[0];
  // initial defaults to 6, shrunk to fit keys = 4; no perturbed table, no perturbed defaults.
  EXPECT_EQ(s.defaults, (ScenarioParams{.threads = 2, .keys = 4, .initial = 4, .ops = 4}));
  EXPECT_FALSE(s.perturbed_defaults.has_value());
  EXPECT_EQ(s.description,
            "every thread runs a random mix (insert 25, assign 15, erase 25, find 18, size 5, "
            "for_each 12)");
  const Program p = GenerateProgram(s, {.threads = 5, .keys = 30, .initial = 20, .ops = 7}, 4);
  EXPECT_EQ(p.threads.size(), 5u);
  EXPECT_EQ(p.init.size(), 20u);
  for (const auto& t : p.threads) EXPECT_EQ(t.size(), 7u);
}

TEST(SuiteBackendsTest, ResolvesAllPatternsAndIdsOnceEachOrReportsTheEntry) {
  const ScenarioFile f = MustParse(R"([[suite]]
id = "s"
scenarios = ["mixed-ops"]
backends = ["mutex", "mutant.*", "mutex", "rwlock"]

[[suite]]
id = "t"
scenarios = ["mixed-ops"]
backends = ["naive", "mutx"]

[[suite]]
id = "u"
scenarios = ["mixed-ops"]
backends = ["tbb_*", "nothing.*"]
)");
  ASSERT_EQ(f.suites.size(), 3u);
  const BackendRegistry& registry = GlobalBackends();
  absl::StatusOr<std::vector<std::string>> ids = ResolveSuiteBackends(f.suites[0], registry);
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  ASSERT_GE(ids->size(), 4u);
  EXPECT_EQ(ids->front(), "mutex");
  EXPECT_EQ(ids->back(), "rwlock");
  for (size_t i = 1; i + 1 < ids->size(); ++i) EXPECT_EQ((*ids)[i].rfind("mutant.", 0), 0u);
  ids = ResolveSuiteBackends(f.suites[1], registry);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(std::string(ids.status().message())
                .rfind("inline.toml:9:22: unknown backend 'mutx'; valid backends: naive, ", 0),
            0u)
      << ids.status().message();
  ids = ResolveSuiteBackends(f.suites[2], registry);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(std::string(ids.status().message())
                .rfind("inline.toml:14:22: backend pattern 'nothing.*' matches no backend", 0),
            0u)
      << ids.status().message();
  ids = ResolveSuiteBackends(
      MustParse("[[suite]]\nid = \"d\"\nscenarios = [\"mixed-ops\"]\n").suites.at(0), registry);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), registry.Listed().size());  // the default: all
}

// A suite that declares a plugin names what to pass to --plugin when its backends are not loaded,
// whether an id or a pattern finds nothing; built-in backends still resolve.
TEST(SuiteBackendsTest, ASuiteThatNeedsAPluginSaysWhatToPass) {
  const ScenarioFile f = MustParse(R"toml([[suite]]
id = "p"
plugin = "PATH/libx.so (build it with make)"
scenarios = ["mixed-ops"]
backends = ["mutex", "x.map"]

[[suite]]
id = "q"
plugin = "PATH/libx.so (build it with make)"
scenarios = ["mixed-ops"]
backends = ["x.*"]
)toml");
  ASSERT_EQ(f.suites.size(), 2u);
  EXPECT_EQ(f.suites[0].plugin, "PATH/libx.so (build it with make)");
  absl::StatusOr<std::vector<std::string>> ids =
      ResolveSuiteBackends(f.suites[0], GlobalBackends());
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().message(), "suite 'p' runs a plugin's backends ('x.map' is not loaded): "
                                    "pass --plugin PATH/libx.so (build it with make)");
  ids = ResolveSuiteBackends(f.suites[1], GlobalBackends());
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().message(), "suite 'q' runs a plugin's backends ('x.*' is not loaded): "
                                    "pass --plugin PATH/libx.so (build it with make)");
  SuiteSpec builtins_only = f.suites[0];
  builtins_only.backends = {"mutex"};
  ids = ResolveSuiteBackends(builtins_only, GlobalBackends());
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  EXPECT_EQ(*ids, std::vector<std::string>{"mutex"});
}

// ---- Malformed files ----------------------------------------------------------------------------

struct Malformed {
  const char* file;
  const char* line_col;  // where the error must point
  const char* fragment;  // what the message must say
};

TEST(MalformedFileTest, EachFailsWithOneLineAtTheOffendingNode) {
  const Malformed cases[] = {
      {"syntax_error.toml", "2:13", "invalid TOML: "},
      {"unknown_top_key.toml", "2:1",
       "unknown key 'title' in the top level; valid keys: scenario, suite"},
      {"unknown_scenario_key.toml", "4:1",
       "unknown key 'thread' in a fixed-program [[scenario]]; valid keys: id, description, init, "
       "initial, keys, threads, post"},
      {"wrong_type.toml", "4:8", "'keys' must be an integer from 1 to 100000, not a string"},
      {"bad_op.toml", "5:16",
       "unknown operation 'remove(2)'; expected insert(KEY, VALUE), assign(KEY, VALUE)"},
      {"unknown_based_on.toml", "3:12",
       "unknown built-in scenario 'iterate-while-growing' in based_on; valid: "
       "range-erase-same-thread, iterate-while-erase"},
      {"duplicate_id.toml", "6:6", "duplicate scenario id 'twice' (first defined at "},
      {"missing_id.toml", "5:1", "[[scenario]] has no id; expected id = \"...\""},
      {"empty_threads.toml", "4:11",
       "'threads' lists 0 threads; expected 1 to 64 arrays of op strings"},
      {"empty_thread.toml", "3:25",
       "thread T1 is an empty array; expected a non-empty array of op strings"},
      {"duplicate_init_key.toml", "3:32", "init key 1 is already in init at "},
      {"unknown_invariant.toml", "4:27",
       "unknown invariant 'iter.no-duplicates'; valid invariants: no-crash, no-hang"},
      {"negative_ops.toml", "4:7", "'ops' is -1; expected an integer from 0 to 10000"},
      {"unknown_suite_scenario.toml", "7:43",
       "unknown scenario 'iterate-erase-fixed'; valid scenarios: range-erase-same-thread"},
      {"generator_and_based_on.toml", "4:1",
       "a scenario takes generator (a generated mix) or based_on (a built-in with other "
       "parameters), not both"},
      {"builtin_id.toml", "2:6",
       "scenario id 'mixed-ops' is a built-in scenario's; choose another id"},
      {"bad_strategy.toml", "4:12", "bad PCT depth in 'pct:d=0': use pct:d=N with N from 1 to 10"},
      {"init_and_initial.toml", "4:1",
       "a scenario takes init (fixed entries) or initial (random entries), not both"},
      {"bad_visit.toml", "4:9",
       "'for_each(erase if key%0==0)' can never erase anything; 'erase if key%M==R' needs M >= 1"},
      {"scenario_not_array.toml", "1:1",
       "'scenario' must be an array of tables; expected [[scenario]] headers"},
      {"growth_out_of_range.toml", "4:10", "'growth' is 1.5; expected a number from 0 to 1"},
      {"unknown_weight.toml", "4:26",
       "unknown key 'delete' in 'weights'; valid keys: insert, assign, erase, find, size, clear, "
       "for_each"},
      {"threads_count_in_fixed.toml", "3:11",
       "'threads' is an integer; a fixed-program scenario lists one array of op strings per "
       "thread"},
      {"initial_exceeds_keys.toml", "5:11", "'initial' is 6; expected at most keys (4)"},
  };
  for (const Malformed& c : cases) {
    const std::string path = kDir + "/" + c.file;
    absl::StatusOr<ScenarioFile> f = LoadScenarioFile(path, ScenarioRegistry::Builtin());
    ASSERT_FALSE(f.ok()) << c.file << " parsed";
    const std::string message(f.status().message());
    const std::string prefix = path + ":" + c.line_col + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "expected " << prefix << "\n     got " << message;
    EXPECT_NE(message.find(c.fragment), std::string::npos) << c.file << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(MalformedFileTest, MoreErrorsWithoutAFile) {
  EXPECT_EQ(ErrorOf(""),
            "inline.toml:1:1: the file defines nothing; expected [[scenario]] or [[suite]] tables");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"s\"\n"),
            "inline.toml:1:1: suite 's' has no scenarios; expected scenarios = [\"ID\", ...] "
            "(built-in or this file's ids)");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"Bad_Id\"\nscenarios = [\"mixed-ops\"]\n"),
            "inline.toml:2:6: bad [[suite]] id 'Bad_Id'; expected lower-case letters, digits, '-' "
            "and '.', starting with a letter or digit");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\nthreads = [[\"insert(1,\\n 2)\", 3]]\n"),
            "inline.toml:3:31: an operation must be a string such as \"find(3)\", not an integer");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\nthreads = [[\"erase(\\n)\"]]\n"),
            "inline.toml:3:13: bad operation 'erase( )'; expected erase(KEY) with an integer KEY");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\ngenerator = \"random\"\n"),
            "inline.toml:3:13: unknown generator 'random'; valid generators: mixed");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\ngenerator = \"mixed\"\nweights = { find = 0 }\n"),
            "inline.toml:4:11: every weight is 0; expected at least one positive weight");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\nbased_on = \"iterate-while-erase\"\nthreads = 1\n"),
            "inline.toml:4:11: 'threads' is 1; this scenario needs at least 2");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\ngenerator = \"mixed\"\nops = 100\n"),
            "inline.toml:4:7: 'ops' is 100; expected an integer from 0 to 99");
  EXPECT_EQ(
      ErrorOf("[[scenario]]\nid = \"x\"\nbased_on = \"mixed-ops\"\nperturbed = { op = 3 }\n"),
      "inline.toml:4:15: unknown key 'op' in 'perturbed'; valid keys: threads, keys, initial, "
      "ops");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"s\"\nscenarios = [\"mixed-ops\"]\nmode = \"fast\"\n"),
            "inline.toml:4:8: unknown mode 'fast'; valid modes: auto, controlled, perturbed");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"s\"\nscenarios = [\"mixed-ops\"]\ntrials = 0\n"),
            "inline.toml:4:10: 'trials' is 0; expected an integer from 1 to 1000000000");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"s\"\nscenarios = []\n"),
            "inline.toml:3:13: 'scenarios' is empty; expected at least one string");
  EXPECT_EQ(ErrorOf("[[suite]]\nid = \"s\"\nscenarios = [\"mixed-ops\", \"mixed-ops\"]\n"),
            "inline.toml:3:27: scenario 'mixed-ops' is listed twice; expected each once");
  EXPECT_EQ(ErrorOf("[[scenario]]\nid = \"x\"\ninit = [[1, 2, 3]]\nthreads = [[\"size()\"]]\n"),
            "inline.toml:3:9: an init entry must be [key, value] with two integers");
}

TEST(MalformedFileTest, AnUnreadableFileIsOneLineToo) {
  absl::StatusOr<ScenarioFile> f =
      LoadScenarioFile(kDir + "/no_such_file.toml", ScenarioRegistry::Builtin());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(
      f.status().message(),
      kDir + "/no_such_file.toml: cannot read the scenario file; expected a readable TOML file");
}

// ---- The shipped suites -------------------------------------------------------------------------

TEST(BuiltinSuitesTest, EveryShippedFileParsesAndIsEmbeddedVerbatim) {
  ASSERT_GE(EmbeddedSuiteFiles().size(), 3u);
  for (const EmbeddedFile& f : EmbeddedSuiteFiles()) {
    absl::StatusOr<ScenarioFile> parsed =
        ParseScenarioFile(f.text, f.path, ScenarioRegistry::Builtin());
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    // The build embeds the source tree's file (CMake re-embeds it when it changes).
    std::ifstream in(kDir + "/../../" + std::string(f.path));
    std::stringstream on_disk;
    on_disk << in.rdbuf();
    EXPECT_EQ(on_disk.str(), f.text) << f.path;
  }
  EXPECT_EQ(BuiltinSuiteFiles().size(), EmbeddedSuiteFiles().size());
}

TEST(BuiltinSuitesTest, IdsAreUniqueAndReferenceOnlyKnownScenariosAndBackends) {
  std::set<std::string> suite_ids, scenario_ids;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) scenario_ids.insert(s.id);
  for (const ScenarioFile& f : BuiltinSuiteFiles()) {
    for (const Scenario& s : f.scenarios) EXPECT_TRUE(scenario_ids.insert(s.id).second) << s.id;
  }
  for (const SuiteSpec& suite : BuiltinSuites()) {
    EXPECT_TRUE(suite_ids.insert(suite.id).second) << suite.id;
    EXPECT_FALSE(suite.description.empty()) << suite.id;
    const ScenarioFile* file = nullptr;
    const SuiteSpec* found = FindBuiltinSuite(suite.id, &file);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->scenarios, suite.scenarios);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->path, suite.path);
    for (const std::string& id : suite.scenarios) {
      EXPECT_NE(FindSuiteScenario(id, *file, ScenarioRegistry::Builtin()), nullptr) << id;
    }
    const absl::StatusOr<std::vector<std::string>> backends =
        ResolveSuiteBackends(suite, GlobalBackends());
    // A suite of a plugin's backends (go) resolves only with its plugin, which this process lacks.
    const std::string error(backends.status().message());
    const bool needs_plugin =
        !suite.plugin.empty() && error.find(" is not loaded): pass --plugin ") != error.npos;
    EXPECT_TRUE(backends.ok() || needs_plugin) << backends.status().message();
  }
  for (const char* id : {"default", "quick", "folklore", "mutants", "go"}) {
    EXPECT_NE(FindBuiltinSuite(id), nullptr) << id;
  }
  EXPECT_EQ(FindBuiltinSuite("nope"), nullptr);
  EXPECT_EQ(BuiltinSuites().front().id, "default");
}

TEST(BuiltinSuitesTest, MutantsNamesEveryListedMutant) {
  const SuiteSpec* suite = FindBuiltinSuite("mutants");
  ASSERT_NE(suite, nullptr);
  const absl::StatusOr<std::vector<std::string>> ids =
      ResolveSuiteBackends(*suite, GlobalBackends());
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  std::vector<std::string> mutants;
  for (const BackendInfo* b : GlobalBackends().Listed()) {
    if (b->id.rfind("mutant.", 0) == 0) mutants.push_back(b->id);
  }
  EXPECT_GE(mutants.size(), 2u);
  EXPECT_EQ(*ids, mutants);
}

TEST(BuiltinSuitesTest, DefaultRunsEveryBuiltinScenarioOnEveryBackend) {
  const SuiteSpec* suite = FindBuiltinSuite("default");
  ASSERT_NE(suite, nullptr);
  EXPECT_EQ(suite->backends, (std::vector<std::string>{"all"}));
  std::vector<std::string> builtins;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) builtins.push_back(s.id);
  EXPECT_EQ(suite->scenarios, builtins);  // in catalogue order
  EXPECT_EQ(suite->invariants, InvariantSet::All());
  EXPECT_EQ(suite->trials, 0u);
  EXPECT_EQ(suite->strategy, "");
  EXPECT_EQ(suite->mode, "");
}

TEST(BuiltinSuitesTest, ShippedFileScenariosRunCleanlyOnMutex) {
  const BackendInfo* mutex = GlobalBackends().Find("mutex");
  ASSERT_NE(mutex, nullptr);
  int scenarios = 0;
  for (const ScenarioFile& f : BuiltinSuiteFiles()) {
    for (const Scenario& s : f.scenarios) {
      ++scenarios;
      for (uint64_t seed = 0; seed < 20; ++seed) {
        TrialSpec spec;
        spec.backend = mutex;
        spec.scenario = &s;
        spec.params = s.defaults;
        spec.seed = seed;
        const TrialResult r = RunControlledTrial(spec);
        EXPECT_EQ(r.run.kind, RunResult::Kind::kCompleted) << s.id;
        EXPECT_TRUE(r.violations.empty())
            << s.id << " seed " << seed << ": " << r.violations.front().explanation;
      }
    }
  }
  EXPECT_GE(scenarios, 1);
}

}  // namespace
}  // namespace mapfault
