// TOML scenario and suite files: the parser (toml++ for the syntax, then every semantic check with
// the offending node's position) and the shipped suites. The generators of file-defined scenarios
// live in scenario_file_generators.cc, the positioned TOML getters in scenario_file_reader.cc.
#include "scenarios/scenario_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "harness/strategies/strategy_spec.h"
#include "scenarios/scenario_file_generators.h"
#include "harness/base/limits.h"
#include "scenarios/scenario_file_reader.h"

namespace mapfault {
namespace {

using file_internal::Cat;
using file_internal::Join;
using file_internal::TomlReader;
using file_internal::TypeName;

constexpr int kMaxMixedOps = 99;  // keeps 10000 + 100 * (thread + 1) + index distinct
constexpr int64_t kMaxTrials = 1000000000;
constexpr int64_t kMaxWeight = 1000000;

// The four scenario parameters a table may set, with where each was set.
struct Overrides {
  static constexpr std::array<std::string_view, 4> kNames = {"threads", "keys", "initial", "ops"};
  std::array<std::optional<int>, 4> value;
  std::array<toml::source_region, 4> where;
};

class Parser : private TomlReader {
 public:
  Parser(std::string_view path, const ScenarioRegistry& builtins)
      : TomlReader(std::string(path)), builtins_(builtins) {
    out_.path = this->path();
  }

  absl::StatusOr<ScenarioFile> Parse(std::string_view text);

 private:
  absl::StatusOr<OpSpec> GetOp(const toml::node& n);

  absl::Status ReadOverrides(const toml::table& t, int max_ops, Overrides& o);
  absl::Status Apply(const Overrides& o, int min_threads, ScenarioParams& p);
  absl::Status ReadPerturbed(const toml::table& t, int max_ops, int min_threads,
                             const Overrides& top, std::optional<ScenarioParams> base, Scenario& s);

  absl::Status ParseScenario(const toml::table& t);
  absl::Status ParseFixed(const toml::table& t, Scenario& s);
  absl::Status ParseFixedThreads(const toml::table& t, const std::string& id, Program& program);
  absl::Status ParseFixedPost(const toml::table& t, Program& program);
  absl::Status ParseFixedInit(const toml::node& init, Program& program);
  absl::Status ParseMixed(const toml::table& t, Scenario& s);
  absl::Status ParseBasedOn(const toml::table& t, Scenario& s);
  absl::Status ParseSuite(const toml::table& t);

  const ScenarioRegistry& builtins_;
  ScenarioFile out_;
  std::map<std::string, std::string, std::less<>> scenario_where_, suite_where_;
};

absl::StatusOr<OpSpec> Parser::GetOp(const toml::node& n) {
  if (!n.is_string()) {
    return Error(n.source(),
                 Cat("an operation must be a string such as \"find(3)\", not ", TypeName(n)));
  }
  absl::StatusOr<OpSpec> op = ParseOp(n.as_string()->get());
  if (op.ok()) {
    if (absl::Status valid = ValidateOp(*op); !valid.ok()) {
      return Error(n.source(), Cat(valid.message()));
    }
    return op;
  }
  return Error(n.source(), Cat(op.status().message()));
}

absl::Status Parser::ReadOverrides(const toml::table& t, int max_ops, Overrides& o) {
  const std::array<std::pair<int64_t, int64_t>, 4> ranges = {
      {{1, kMaxThreads}, {1, kMaxKeys}, {0, kMaxKeys}, {0, max_ops}}};
  for (size_t i = 0; i < 4; ++i) {
    const toml::node* n = t.get(Overrides::kNames[i]);
    if (n == nullptr) continue;
    if (i == 0 && n->is_array()) {
      return Error(n->source(),
                   "'threads' is an array of programs, which only a fixed-program scenario (no "
                   "generator or based_on) takes; expected a thread count, an integer");
    }
    std::optional<int64_t> v;
    MF_RETURN_IF_ERROR(GetInt(t, Overrides::kNames[i], ranges[i].first, ranges[i].second, v));
    o.value[i] = static_cast<int>(*v);
    o.where[i] = n->source();
  }
  return absl::OkStatus();
}

// Applies `o` to `p`. An initial the table does not set shrinks to fit its keys.
absl::Status Parser::Apply(const Overrides& o, int min_threads, ScenarioParams& p) {
  int* fields[4] = {&p.threads, &p.keys, &p.initial, &p.ops};
  for (size_t i = 0; i < 4; ++i) {
    if (o.value[i]) *fields[i] = *o.value[i];
  }
  if (p.threads < min_threads) {
    return Error(o.where[0],
                 Cat("'threads' is ", p.threads, "; this scenario needs at least ", min_threads));
  }
  if (p.initial > p.keys) {
    if (o.value[2]) {
      return Error(o.where[2], Cat("'initial' is ", p.initial, "; expected at most keys (", p.keys,
                                   "): init keys are distinct keys from [0, keys)"));
    }
    p.initial = p.keys;
  }
  return absl::OkStatus();
}

absl::Status Parser::ReadPerturbed(const toml::table& t, int max_ops, int min_threads,
                                   const Overrides& top, std::optional<ScenarioParams> base,
                                   Scenario& s) {
  if (base) MF_RETURN_IF_ERROR(Apply(top, min_threads, *base));
  if (const toml::node* n = t.get("perturbed")) {
    const toml::table* pt = n->as_table();
    if (pt == nullptr) {
      return Error(n->source(),
                   Cat("'perturbed' must be a table such as { ops = 24 }, not ", TypeName(*n)));
    }
    MF_RETURN_IF_ERROR(CheckKeys(*pt, "'perturbed'", {"threads", "keys", "initial", "ops"}));
    Overrides o;
    MF_RETURN_IF_ERROR(ReadOverrides(*pt, max_ops, o));
    if (!base) base = s.defaults;
    MF_RETURN_IF_ERROR(Apply(o, min_threads, *base));
  }
  s.perturbed_defaults = base;
  return absl::OkStatus();
}

// A fixed program's `threads`: one non-empty array of op strings per thread.
absl::Status Parser::ParseFixedThreads(const toml::table& t, const std::string& id,
                                       Program& program) {
  const toml::node* threads = t.get("threads");
  if (threads == nullptr) {
    return Error(t.source(), Cat("scenario '", id, "' has no threads; expected threads = ",
                                 "[[\"op\", ...], ...] (one array of ops per thread), or ",
                                 "generator = \"mixed\" or based_on = ID"));
  }
  const toml::array* list = threads->as_array();
  if (list == nullptr) {
    return Error(threads->source(),
                 Cat("'threads' is ", TypeName(*threads),
                     "; a fixed-program scenario lists one array of op strings per thread (a ",
                     "thread count needs generator = \"mixed\" or based_on = ID)"));
  }
  if (list->empty() || list->size() > kMaxThreads) {
    return Error(threads->source(),
                 Cat("'threads' lists ", list->size(), " threads; expected 1 to ", kMaxThreads,
                     " arrays of op strings"));
  }
  for (const toml::node& thread : *list) {
    const toml::array* ops = thread.as_array();
    if (ops == nullptr || ops->empty()) {
      return Error(thread.source(),
                   Cat("thread T", program.threads.size(), " is ",
                       ops == nullptr ? TypeName(thread) : "an empty array",
                       "; expected a non-empty array of op strings such as [\"find(1)\"]"));
    }
    auto& out = program.threads.emplace_back();
    for (const toml::node& op : *ops) {
      absl::StatusOr<OpSpec> parsed = GetOp(op);
      if (!parsed.ok()) return parsed.status();
      out.push_back(*parsed);
    }
  }
  return absl::OkStatus();
}

// A fixed program's `post` (default: DefaultPostOps()).
absl::Status Parser::ParseFixedPost(const toml::table& t, Program& program) {
  program.post = DefaultPostOps();
  const toml::node* post = t.get("post");
  if (post == nullptr) return absl::OkStatus();
  if (!post->is_array()) {
    return Error(post->source(), Cat("'post' must be an array of op strings, not ", TypeName(*post)));
  }
  program.post.clear();
  for (const toml::node& op : *post->as_array()) {
    absl::StatusOr<OpSpec> parsed = GetOp(op);
    if (!parsed.ok()) return parsed.status();
    program.post.push_back(*parsed);
  }
  return absl::OkStatus();
}

// A fixed program's `init`: [key, value] pairs with distinct keys.
absl::Status Parser::ParseFixedInit(const toml::node& init, Program& program) {
  const toml::array* entries = init.as_array();
  if (entries == nullptr) {
    return Error(init.source(),
                 Cat("'init' must be an array of [key, value] pairs, not ", TypeName(init)));
  }
  std::map<Key, const toml::node*> seen;
  for (const toml::node& e : *entries) {
    const toml::array* pair = e.as_array();
    if (pair == nullptr || pair->size() != 2 || !pair->get(0)->is_integer() ||
        !pair->get(1)->is_integer()) {
      return Error(e.source(), "an init entry must be [key, value] with two integers");
    }
    const Key k = pair->get(0)->as_integer()->get();
    if (auto [it, fresh] = seen.emplace(k, pair->get(0)); !fresh) {
      return Error(pair->get(0)->source(),
                   Cat("init key ", k, " is already in init at ", Where(it->second->source()),
                       "; init keys must be distinct"));
    }
    program.init.emplace_back(k, pair->get(1)->as_integer()->get());
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseFixed(const toml::table& t, Scenario& s) {
  MF_RETURN_IF_ERROR(CheckKeys(t, "a fixed-program [[scenario]]",
                               {"id", "description", "init", "initial", "keys", "threads", "post"},
                               " (generator = \"mixed\" and based_on = ID scenarios take others)"));
  FixedProgramGenerator gen;
  MF_RETURN_IF_ERROR(ParseFixedThreads(t, s.id, gen.program));
  size_t longest = 0;
  for (const auto& ops : gen.program.threads) longest = std::max(longest, ops.size());
  MF_RETURN_IF_ERROR(ParseFixedPost(t, gen.program));
  std::optional<int64_t> keys, initial;
  MF_RETURN_IF_ERROR(GetInt(t, "keys", 1, kMaxKeys, keys));
  MF_RETURN_IF_ERROR(GetInt(t, "initial", 0, kMaxKeys, initial));
  const toml::node* init = t.get("init");
  if (init != nullptr && initial) {
    const bool init_first = init->source().begin < t.get("initial")->source().begin;
    return Error(KeySource(t, init_first ? "initial" : "init"),
                 "a scenario takes init (fixed entries) or initial (random entries), not both");
  }
  s.defaults.threads = static_cast<int>(gen.program.threads.size());
  s.defaults.keys = static_cast<int>(keys.value_or(ScenarioParams{}.keys));
  s.defaults.ops = static_cast<int>(longest);
  s.min_threads = s.defaults.threads;
  if (initial) {
    if (*initial > s.defaults.keys) {
      return Error(t.get("initial")->source(),
                   Cat("'initial' is ", *initial, "; expected at most keys (", s.defaults.keys,
                       "): init keys are distinct keys from [0, keys)"));
    }
    gen.random_keys = s.defaults.keys;
    gen.random_initial = static_cast<int>(*initial);
  } else if (init != nullptr) {
    MF_RETURN_IF_ERROR(ParseFixedInit(*init, gen.program));
  }
  s.defaults.initial =
      initial ? static_cast<int>(*initial) : static_cast<int>(gen.program.init.size());
  if (s.description.empty()) {
    s.description = Cat("fixed program of ", s.defaults.threads, " thread(s) from ", path());
  }
  s.visitor_writes = gen.program.HasVisitorWrites();
  s.generate = std::move(gen);
  return absl::OkStatus();
}

absl::Status Parser::ParseMixed(const toml::table& t, Scenario& s) {
  MF_RETURN_IF_ERROR(CheckKeys(t, "a generator = \"mixed\" [[scenario]]",
                               {"id", "description", "generator", "threads", "keys", "initial",
                                "ops", "weights", "growth", "visit", "perturbed"}));
  std::string generator;
  MF_RETURN_IF_ERROR(GetString(t, "generator", generator));
  if (generator != "mixed") {
    return Error(t.get("generator")->source(),
                 Cat("unknown generator '", generator, "'; valid generators: mixed"));
  }
  MixedGenerator gen;
  if (const toml::node* n = t.get("weights")) {
    const toml::table* w = n->as_table();
    if (w == nullptr) {
      return Error(n->source(), Cat("'weights' must be a table such as { insert = 30, find = 70 },"
                                    " not ",
                                    TypeName(*n)));
    }
    MF_RETURN_IF_ERROR(CheckKeys(
        *w, "'weights'", {"insert", "assign", "erase", "find", "size", "clear", "for_each"}));
    for (size_t k = 0; k < kMixKinds.size(); ++k) {
      std::optional<int64_t> v;
      MF_RETURN_IF_ERROR(GetInt(*w, OpName(kMixKinds[k]), 0, kMaxWeight, v));
      gen.weights[k] = static_cast<uint32_t>(v.value_or(0));
    }
    if (std::all_of(gen.weights.begin(), gen.weights.end(), [](uint32_t x) { return x == 0; })) {
      return Error(n->source(), "every weight is 0; expected at least one positive weight");
    }
  }
  if (const toml::node* n = t.get("growth")) {
    if (!n->is_number()) {
      return Error(n->source(), Cat("'growth' must be a number from 0 to 1, not ", TypeName(*n)));
    }
    const double g = n->is_integer() ? static_cast<double>(n->as_integer()->get())
                                     : n->as_floating_point()->get();
    if (!(g >= 0 && g <= 1)) {
      return Error(n->source(), Cat("'growth' is ", g, "; expected a number from 0 to 1 (the ",
                                    "fraction of inserts that use fresh keys)"));
    }
    gen.growth_ppm = static_cast<uint64_t>(g * kGrowthScale + 0.5);
  }
  if (const toml::node* n = t.get("visit")) {
    if (!n->is_string()) {
      return Error(n->source(), Cat("'visit' must be a string such as \"erase if key%2==0\", ",
                                    "not ", TypeName(*n)));
    }
    absl::StatusOr<VisitPlan> plan = ParseVisitPlan(n->as_string()->get());
    if (!plan.ok()) return Error(n->source(), Cat(plan.status().message()));
    OpSpec op;
    op.kind = OpKind::kForEach;
    op.visit = *plan;
    if (absl::Status valid = ValidateOp(op); !valid.ok()) {
      return Error(n->source(), Cat(valid.message()));
    }
    gen.visit = *plan;
    s.visitor_writes = !plan->writes.empty();
  }
  Overrides o;
  MF_RETURN_IF_ERROR(ReadOverrides(t, kMaxMixedOps, o));
  s.min_threads = 1;
  MF_RETURN_IF_ERROR(Apply(o, s.min_threads, s.defaults));
  MF_RETURN_IF_ERROR(ReadPerturbed(t, kMaxMixedOps, s.min_threads, o, std::nullopt, s));
  if (s.description.empty()) {
    std::vector<std::string> mix;
    for (size_t k = 0; k < kMixKinds.size(); ++k) {
      if (gen.weights[k] > 0) mix.push_back(Cat(OpName(kMixKinds[k]), " ", gen.weights[k]));
    }
    s.description = Cat("every thread runs a random mix (", Join(mix, ", "), ")");
  }
  s.generate = std::move(gen);
  return absl::OkStatus();
}

absl::Status Parser::ParseBasedOn(const toml::table& t, Scenario& s) {
  MF_RETURN_IF_ERROR(CheckKeys(
      t, "a based_on [[scenario]]",
      {"id", "description", "based_on", "threads", "keys", "initial", "ops", "perturbed"}));
  std::string base_id;
  MF_RETURN_IF_ERROR(GetString(t, "based_on", base_id));
  const Scenario* base = builtins_.Find(base_id);
  if (base == nullptr) {
    return Error(t.get("based_on")->source(), Cat("unknown built-in scenario '", base_id,
                                                  "' in based_on; valid: ", builtins_.ValidIds()));
  }
  s.defaults = base->defaults;
  s.min_threads = base->min_threads;
  s.visitor_writes = base->visitor_writes;
  s.generate = base->generate;
  Overrides o;
  MF_RETURN_IF_ERROR(ReadOverrides(t, kMaxOps, o));
  MF_RETURN_IF_ERROR(Apply(o, s.min_threads, s.defaults));
  MF_RETURN_IF_ERROR(ReadPerturbed(t, kMaxOps, s.min_threads, o, base->perturbed_defaults, s));
  if (s.description.empty()) {
    s.description = Cat(base->description, " (parameters from ", path(), ")");
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseScenario(const toml::table& t) {
  Scenario s;
  const toml::node* generator = t.get("generator");
  const toml::node* based_on = t.get("based_on");
  if (generator != nullptr && based_on != nullptr) {
    const bool gen_first = KeySource(t, "generator").begin < KeySource(t, "based_on").begin;
    return Error(KeySource(t, gen_first ? "based_on" : "generator"),
                 "a scenario takes generator (a generated mix) or based_on (a built-in with other "
                 "parameters), not both");
  }
  MF_RETURN_IF_ERROR(GetId(t, "[[scenario]]", s.id));
  const toml::source_region& id_where = t.get("id")->source();
  if (builtins_.Find(s.id) != nullptr) {
    return Error(id_where, Cat("scenario id '", s.id, "' is a built-in scenario's; choose another ",
                               "id (based_on = \"", s.id, "\" changes its parameters)"));
  }
  if (auto it = scenario_where_.find(s.id); it != scenario_where_.end()) {
    return Error(id_where, Cat("duplicate scenario id '", s.id, "' (first defined at ", it->second,
                               "); expected unique ids"));
  }
  scenario_where_.emplace(s.id, Where(id_where));
  MF_RETURN_IF_ERROR(GetString(t, "description", s.description));
  if (generator != nullptr) {
    MF_RETURN_IF_ERROR(ParseMixed(t, s));
  } else if (based_on != nullptr) {
    MF_RETURN_IF_ERROR(ParseBasedOn(t, s));
  } else {
    MF_RETURN_IF_ERROR(ParseFixed(t, s));
  }
  out_.scenarios.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status Parser::ParseSuite(const toml::table& t) {
  MF_RETURN_IF_ERROR(CheckKeys(
      t, "[[suite]]",
      {"id", "description", "backends", "scenarios", "invariants", "trials", "strategy", "mode",
       "plugin"}));
  SuiteSpec suite;
  suite.path = path();
  MF_RETURN_IF_ERROR(GetId(t, "[[suite]]", suite.id));
  const toml::source_region& id_where = t.get("id")->source();
  if (auto it = suite_where_.find(suite.id); it != suite_where_.end()) {
    return Error(id_where, Cat("duplicate suite id '", suite.id, "' (first defined at ", it->second,
                               "); expected unique ids"));
  }
  suite_where_.emplace(suite.id, Where(id_where));
  MF_RETURN_IF_ERROR(GetString(t, "description", suite.description));
  MF_RETURN_IF_ERROR(GetString(t, "plugin", suite.plugin));

  std::vector<const toml::value<std::string>*> list;
  MF_RETURN_IF_ERROR(GetStringList(t, "backends", list));
  for (const auto* b : list) {
    if (b->get().empty()) {
      return Error(b->source(), "a backend id is empty; expected an id or \"all\"");
    }
    suite.backends.push_back(b->get());
    suite.backend_sources.push_back(Where(b->source()));
  }
  if (list.empty()) {
    suite.backends = {"all"};
    suite.backend_sources = {Where(t.source())};
  }

  if (t.get("scenarios") == nullptr) {
    return Error(t.source(), Cat("suite '", suite.id, "' has no scenarios; expected ",
                                 "scenarios = [\"ID\", ...] (built-in or this file's ids)"));
  }
  list.clear();
  MF_RETURN_IF_ERROR(GetStringList(t, "scenarios", list));
  for (const auto* v : list) {
    const std::string& id = v->get();
    if (FindSuiteScenario(id, out_, builtins_) == nullptr) {
      std::vector<std::string> valid;
      for (const Scenario& s : out_.scenarios) valid.push_back(s.id);
      return Error(v->source(),
                   Cat("unknown scenario '", id, "'; valid scenarios: ", builtins_.ValidIds(),
                       valid.empty() ? "" : ", ", Join(valid, ", ")));
    }
    if (std::find(suite.scenarios.begin(), suite.scenarios.end(), id) != suite.scenarios.end()) {
      return Error(v->source(), Cat("scenario '", id, "' is listed twice; expected each once"));
    }
    suite.scenarios.push_back(id);
  }

  list.clear();
  MF_RETURN_IF_ERROR(GetStringList(t, "invariants", list));
  if (!list.empty()) suite.invariants = InvariantSet();
  for (const auto* v : list) {
    const std::optional<Invariant> inv = ParseInvariant(v->get());
    if (!inv) {
      std::vector<std::string_view> valid;
      for (int i = 0; i < kInvariantCount; ++i) {
        valid.push_back(InvariantId(static_cast<Invariant>(i)));
      }
      return Error(v->source(), Cat("unknown invariant '", v->get(),
                                    "'; valid invariants: ", Join(valid, ", ")));
    }
    suite.invariants.Add(*inv);
  }

  std::optional<int64_t> trials;
  MF_RETURN_IF_ERROR(GetInt(t, "trials", 1, kMaxTrials, trials));
  suite.trials = static_cast<uint64_t>(trials.value_or(0));
  MF_RETURN_IF_ERROR(GetString(t, "strategy", suite.strategy));
  if (t.get("strategy") != nullptr) {
    absl::StatusOr<StrategySpec> spec = StrategySpec::Parse(suite.strategy);
    if (!spec.ok()) return Error(t.get("strategy")->source(), Cat(spec.status().message()));
  }
  MF_RETURN_IF_ERROR(GetString(t, "mode", suite.mode));
  if (t.get("mode") != nullptr && suite.mode != "auto" && suite.mode != "controlled" &&
      suite.mode != "perturbed") {
    return Error(t.get("mode")->source(),
                 Cat("unknown mode '", suite.mode, "'; valid modes: auto, controlled, perturbed"));
  }
  out_.suites.push_back(std::move(suite));
  return absl::OkStatus();
}

absl::StatusOr<ScenarioFile> Parser::Parse(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, path());
  } catch (const toml::parse_error& e) {
    return Error(e.source(), Cat("invalid TOML: ", e.description()));
  }
  MF_RETURN_IF_ERROR(CheckKeys(root, "the top level", {"scenario", "suite"},
                               " (written as [[scenario]] and [[suite]] tables)"));
  if (root.empty()) {
    toml::source_region start;
    start.begin = {1, 1};
    return Error(start, "the file defines nothing; expected [[scenario]] or [[suite]] tables");
  }
  // Scenarios first: a suite may name a scenario defined further down.
  for (std::string_view section : {"scenario", "suite"}) {
    const toml::node* n = root.get(section);
    if (n == nullptr) continue;
    const toml::array* tables = n->as_array();
    if (tables == nullptr || !tables->is_array_of_tables()) {
      return Error(n->is_table() ? n->source() : KeySource(root, section),
                   Cat("'", section, "' must be an array of tables; expected [[", section,
                       "]] headers (not [", section, "] or ", section, " = ...)"));
    }
    for (const toml::node& t : *tables) {
      MF_RETURN_IF_ERROR(section == "scenario" ? ParseScenario(*t.as_table())
                                               : ParseSuite(*t.as_table()));
    }
  }
  return std::move(out_);
}

}  // namespace

const Scenario* ScenarioFile::FindScenario(std::string_view id) const {
  for (const Scenario& s : scenarios) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const SuiteSpec* ScenarioFile::FindSuite(std::string_view id) const {
  for (const SuiteSpec& s : suites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

absl::StatusOr<ScenarioFile> ParseScenarioFile(std::string_view toml_text, std::string_view path,
                                               const ScenarioRegistry& builtins) {
  return Parser(path, builtins).Parse(toml_text);
}

absl::StatusOr<ScenarioFile> LoadScenarioFile(const std::string& path,
                                              const ScenarioRegistry& builtins) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        Cat(path, ": cannot read the scenario file; expected a readable TOML file"));
  }
  // Read at most one byte past the bound: /dev/zero or a huge file is refused, not read.
  std::string text(kMaxScenarioFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxScenarioFileBytes) {
    return absl::InvalidArgumentError(
        Cat(path, ": the scenario file is larger than ", kMaxScenarioFileBytes >> 20,
            " MiB; expected a TOML scenario or suite file (split a larger one into several --file)"));
  }
  return ParseScenarioFile(text, path, builtins);
}

bool IsFixedProgram(const Scenario& scenario) {
  return scenario.generate.target<FixedProgramGenerator>() != nullptr;
}

const Scenario* FindSuiteScenario(std::string_view id, const ScenarioFile& file,
                                  const ScenarioRegistry& builtins) {
  if (const Scenario* s = file.FindScenario(id)) return s;
  return builtins.Find(std::string(id));
}

const std::vector<ScenarioFile>& BuiltinSuiteFiles() {
  static const std::vector<ScenarioFile>* files = [] {
    auto* out = new std::vector<ScenarioFile>();
    for (const EmbeddedFile& f : EmbeddedSuiteFiles()) {
      absl::StatusOr<ScenarioFile> parsed =
          ParseScenarioFile(f.text, f.path, ScenarioRegistry::Builtin());
      if (parsed.ok()) {
        out->push_back(*std::move(parsed));
      } else {
        std::fprintf(stderr, "mapfault: skipping a broken shipped suite file: %s\n",
                     std::string(parsed.status().message()).c_str());
      }
    }
    return out;
  }();
  return *files;
}

const std::vector<SuiteSpec>& BuiltinSuites() {
  static const std::vector<SuiteSpec>* suites = [] {
    auto* out = new std::vector<SuiteSpec>();
    for (const ScenarioFile& f : BuiltinSuiteFiles()) {
      out->insert(out->end(), f.suites.begin(), f.suites.end());
    }
    return out;
  }();
  return *suites;
}

const SuiteSpec* FindBuiltinSuite(std::string_view id, const ScenarioFile** file) {
  for (const ScenarioFile& f : BuiltinSuiteFiles()) {
    if (const SuiteSpec* s = f.FindSuite(id)) {
      if (file != nullptr) *file = &f;
      return s;
    }
  }
  return nullptr;
}

}  // namespace mapfault
