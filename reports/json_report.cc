// results.json writer and reader.
#include "reports/json_report.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "harness/base/limits.h"

namespace mapfault {

nlohmann::json ParamsToJson(const ScenarioParams& params) {
  return {{"threads", params.threads},
          {"keys", params.keys},
          {"initial", params.initial},
          {"ops", params.ops}};
}

nlohmann::json PhaseSecondsToJson(const PhaseSeconds& phases) {
  nlohmann::json j = nlohmann::json::object();
  for (Phase p : kAllPhases) j[std::string(PhaseName(p))] = phases[p];
  return j;
}

nlohmann::json CoverageToJson(const CellResult& c) {
  using json = nlohmann::json;
  const Coverage& v = c.coverage;
  if (v.kind == Coverage::Kind::kExhaustive) {
    json out = {
        {"kind", "exhaustive"},
        {"preemption_bound", v.preemption_bound},
        {"programs", v.programs},
        {"schedules", v.schedules},
        {"complete", v.complete},
        {"programs_complete", v.programs_complete},
        {"bound_complete", v.bound_complete < 0 ? json(nullptr) : json(v.bound_complete)},
        {"reduction", v.reduced ? "sleep-sets" : "none"},
        {"stale_read_bound", v.stale_read_bound ? json(*v.stale_read_bound) : json(nullptr)}};
    if (v.tree_shards > 1) {  // --shard I/N split each program's schedule tree
      out["tree_shards"] = v.tree_shards;
      out["tree_shard"] = v.tree_shard < 0 ? json(nullptr) : json(v.tree_shard);
    }
    return out;
  }
  return {{"kind", "sampled"},
          {"trials", c.trials},
          {"distinct_schedules",
           v.distinct_schedules ? json(*v.distinct_schedules) : json(nullptr)},
          {"stale_reads", v.stale_reads ? json(*v.stale_reads) : json(nullptr)},
          {"pct_bound", v.pct_bound ? json(*v.pct_bound) : json(nullptr)}};
}

namespace {

// A finding's stacks: [{title, stack: [{function, file, line[, module]} or {collapsed, what
// [, function]}]}].
nlohmann::json StacksToJson(const std::vector<Stack>& stacks) {
  using json = nlohmann::json;
  json out = json::array();
  for (const Stack& s : stacks) {
    json frames = json::array();
    for (const StackFrame& f : s.frames) {
      json frame;
      if (f.collapsed > 0) {
        frame = {{"collapsed", f.collapsed}, {"what", f.what}};
        if (!f.function.empty()) frame["function"] = f.function;
      } else {
        frame = {{"function", f.function}, {"file", f.file}, {"line", f.line}};
        if (!f.module.empty()) frame["module"] = f.module;
      }
      frames.push_back(std::move(frame));
    }
    out.push_back({{"title", s.title}, {"stack", std::move(frames)}});
  }
  return out;
}

}  // namespace

nlohmann::json ResultsToJson(const RunResults& results) {
  using json = nlohmann::json;
  json rows = json::array();
  for (const CellResult& c : results.cells) {
    for (Invariant inv : kAllInvariants) {
      const InvariantResult& r = c.invariants[static_cast<int>(inv)];
      rows.push_back({
          {"backend", c.backend},
          {"scenario", c.scenario},
          {"invariant", InvariantId(inv)},
          {"verdict", VerdictName(r.verdict)},
          {"mode", c.mode},
          {"strategy", c.strategy},
          {"params", ParamsToJson(c.params)},
          {"trials", r.evaluated},
          {"trials_run", c.trials},
          {"trials_planned", c.trials_planned},
          {"worker_seconds", c.worker_seconds},
          {"phase_seconds", PhaseSecondsToJson(c.phase_seconds)},
          {"failures", r.failures},
          {"undecided", r.undecided},
          {"first_failure_trial",
           r.first_failure_trial ? json(r.first_failure_trial) : json(nullptr)},
          {"token", r.token.empty() ? json(nullptr) : json(r.token)},
          {"explanation", r.explanation.empty() ? json(nullptr) : json(r.explanation)},
          {"evidence", r.token.empty() ? json(nullptr) : json(r.evidence)},
          {"confirmed", r.token.empty() ? json(nullptr) : json(r.confirmed)},
          {"reproduction", r.replays == 0 ? json(nullptr)
                                          : json{{"reproduced", r.reproduced},
                                                 {"replays", r.replays}}},
          {"replay_check", r.token.empty() ? json(nullptr) : json(ReplayCheckName(r.replay_check))},
          {"divergence", r.replay_check != ReplayCheck::kDiverged
                             ? json(nullptr)
                             : json{{"step", r.diverged_at_step}, {"detail", r.divergence}}},
          {"coverage", CoverageToJson(c)},
      });
      if (!r.stacks.empty()) rows.back()["stacks"] = StacksToJson(r.stacks);
      if (r.preemptions >= 0) rows.back()["first_failure_preemptions"] = r.preemptions;
      if (c.watchdog_cuts > 0) {  // only in a cell the adaptive watchdog cut trials of
        rows.back()["watchdog_cuts"] = c.watchdog_cuts;
        rows.back()["adaptive_watchdog_seconds"] = c.adaptive_watchdog_seconds;
      }
      if (c.watchdog_overruns > 0) {  // only in a cell with a retracted hang
        rows.back()["watchdog_overruns"] = c.watchdog_overruns;
        rows.back()["overrun_replay_seconds"] = c.overrun_replay_seconds;
      }
    }
  }
  return {{"schema_version", kResultsSchemaVersion},
          {"seed", results.seed},
          {"mapfault_version", results.run.version},
          {"plan", results.run.plan},
          {"shard", {{"index", results.run.shard_index}, {"count", results.run.shard_count}}},
          {"missing_shards", results.run.missing_shards},
          {"partial", results.partial},
          {"seconds", results.seconds},
          {"exit_code", results.ExitCode()},
          {"results", std::move(rows)}};
}

namespace {

using json = nlohmann::json;

std::optional<Verdict> ParseVerdict(const std::string& name) {
  for (Verdict v : {Verdict::kHolds, Verdict::kBroken, Verdict::kOutOfContract, Verdict::kDetected,
                    Verdict::kNotRun}) {
    if (VerdictName(v) == name) return v;
  }
  return std::nullopt;
}

// A value as an error message quotes it: JSON, ASCII-escaped, on one line, at most 40 characters.
std::string Quote(const json& value) {
  std::string text = value.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// Reads fields of one JSON object after another, validating each; keeps the first error (naming
// where, e.g. "result 3", and the field) and returns a neutral value after one, so that a caller
// checks status() once per object instead of after every field.
class FieldReader {
 public:
  void At(std::string where) { where_ = std::move(where); }
  const absl::Status& status() const { return status_; }

  void Fail(std::string_view field, std::string_view problem) {
    if (!status_.ok()) return;
    status_ = absl::InvalidArgumentError(
        absl::StrCat(where_, where_.empty() ? "" : ": ", "field '", std::string(field), "' ",
                     std::string(problem),
                     "; regenerate the file with `mapfault run --out DIR` (or `mapfault merge`)"));
  }
  const json* Find(const json& obj, std::string_view field) {
    if (!obj.is_object()) return Fail(field, "is in something that is not a JSON object"), nullptr;
    auto it = obj.find(field);
    if (it == obj.end()) return Fail(field, "is missing"), nullptr;
    return &*it;
  }
  // A whole number in [min, max].
  uint64_t Count(const json& obj, std::string_view field, uint64_t min = 0,
                 uint64_t max = UINT64_MAX) {
    const json* v = Find(obj, field);
    if (v == nullptr) return min;
    const bool negative = v->is_number_integer() && !v->is_number_unsigned() &&
                          v->get<int64_t>() < 0;
    const uint64_t n = v->is_number_integer() && !negative ? v->get<uint64_t>() : 0;
    if (!v->is_number_integer() || negative || n < min || n > max) {
      Fail(field, absl::StrCat("is ", Quote(*v), "; it must be a whole number from ", min,
                               max == UINT64_MAX ? " up" : absl::StrCat(" to ", max)));
      return min;
    }
    return n;
  }
  int Int(const json& obj, std::string_view field) {
    return static_cast<int>(Count(obj, field, 0, INT32_MAX));
  }
  double Seconds(const json& obj, std::string_view field) {
    const json* v = Find(obj, field);
    if (v == nullptr) return 0;
    if (!v->is_number() || !(v->get<double>() >= 0) || !std::isfinite(v->get<double>())) {
      return Fail(field, absl::StrCat("is ", Quote(*v), "; it must be a number of seconds >= 0")),
             0;
    }
    return v->get<double>();
  }
  bool Bool(const json& obj, std::string_view field) {
    const json* v = Find(obj, field);
    if (v != nullptr && !v->is_boolean())
      Fail(field, absl::StrCat("is ", Quote(*v), "; not true or false"));
    return v != nullptr && v->is_boolean() && v->get<bool>();
  }
  std::string String(const json& obj, std::string_view field) {
    const json* v = Find(obj, field);
    if (v != nullptr && !v->is_string())
      Fail(field, absl::StrCat("is ", Quote(*v), "; not a string"));
    return v != nullptr && v->is_string() ? v->get<std::string>() : "";
  }
  std::vector<std::string> Strings(const json& obj, std::string_view field) {
    const json* v = Find(obj, field);
    std::vector<std::string> out;
    if (v == nullptr) return out;
    for (size_t i = 0; v->is_array() && i < v->size(); ++i) {
      if (!(*v)[i].is_string()) break;
      out.push_back((*v)[i].get<std::string>());
    }
    if (!v->is_array() || out.size() != v->size()) Fail(field, "is not an array of strings");
    return out;
  }

 private:
  std::string where_;
  absl::Status status_;
};

// The run identity (absent from files written before it: version stays "").
void ReadIdentity(const json& j, FieldReader& in, RunIdentity& id) {
  if (!j.contains("mapfault_version")) return;
  id.version = in.String(j, "mapfault_version");
  id.plan = in.String(j, "plan");
  if (const json* shard = in.Find(j, "shard")) {
    id.shard_count = static_cast<int>(in.Count(*shard, "count", 1, INT32_MAX));
    id.shard_index = static_cast<int>(in.Count(*shard, "index", 0, id.shard_count - 1));
  }
  id.missing_shards = in.Strings(j, "missing_shards");
}

// The cell's coverage (absent from files written before it: then sampled, nothing known).
void ReadCoverage(const json& row, FieldReader& in, CellResult& c) {
  if (!row.contains("coverage")) return;
  const json* v = in.Find(row, "coverage");
  const std::string kind = in.String(*v, "kind");
  Coverage& cov = c.coverage;
  if (kind == "exhaustive") {
    cov.kind = Coverage::Kind::kExhaustive;
    cov.preemption_bound =
        static_cast<int>(in.Count(*v, "preemption_bound", 0, kMaxPreemptionBound));
    cov.programs = in.Count(*v, "programs");
    cov.schedules = in.Count(*v, "schedules");
    cov.complete = in.Bool(*v, "complete");
    cov.reduced = v->value("reduction", std::string("none")) == "sleep-sets";  // absent: older
    if (const json s = v->value("stale_read_bound", json(nullptr)); !s.is_null()) {
      cov.stale_read_bound = static_cast<int>(in.Count(*v, "stale_read_bound", 0, kMaxStaleBound));
    }
    cov.programs_complete = in.Count(*v, "programs_complete", 0, cov.programs);
    const json bound = v->value("bound_complete", json(nullptr));
    cov.bound_complete = bound.is_null() ? -1
                         : static_cast<int>(in.Count(*v, "bound_complete", 0,
                                                     static_cast<uint64_t>(cov.preemption_bound)));
    if (v->contains("tree_shards")) {  // --shard I/N split each program's schedule tree
      cov.tree_shards = static_cast<int>(in.Count(*v, "tree_shards", 2, INT32_MAX));
      const json shard = v->value("tree_shard", json(nullptr));
      cov.tree_shard = shard.is_null() ? -1
                       : static_cast<int>(in.Count(*v, "tree_shard", 0,
                                                   static_cast<uint64_t>(cov.tree_shards - 1)));
    }
  } else if (kind == "sampled") {
    in.Count(*v, "trials");
    if (const json d = v->value("distinct_schedules", json(nullptr)); !d.is_null()) {
      cov.distinct_schedules = in.Count(*v, "distinct_schedules", 0, c.trials);
    }
    if (const json w = v->value("stale_reads", json(nullptr)); !w.is_null()) {
      cov.stale_reads = in.Count(*v, "stale_reads");
    }
    if (const json p = v->value("pct_bound", json(nullptr)); !p.is_null()) {
      if (!p.is_number() || !(p.get<double>() >= 0 && p.get<double>() <= 1)) {
        return in.Fail("pct_bound", absl::StrCat("is ", Quote(p), "; not a probability"));
      }
      cov.pct_bound = p.get<double>();
    }
  } else if (in.status().ok()) {
    in.Fail("coverage", absl::StrCat("has kind ", Quote(kind), "; not exhaustive or sampled"));
  }
}

// The fields of the cell a row belongs to.
CellResult ReadCell(const json& row, FieldReader& in) {
  CellResult c;
  c.backend = in.String(row, "backend");
  c.scenario = in.String(row, "scenario");
  c.mode = in.String(row, "mode");
  if (in.status().ok() && c.mode != "controlled" && c.mode != "perturbed") {
    in.Fail("mode", absl::StrCat("is ", Quote(c.mode), "; not controlled or perturbed"));
  }
  c.strategy = in.String(row, "strategy");
  if (const json* p = in.Find(row, "params")) {
    c.params = {in.Int(*p, "threads"), in.Int(*p, "keys"), in.Int(*p, "initial"),
                in.Int(*p, "ops")};
  }
  c.trials_planned = in.Count(row, "trials_planned");
  c.trials = in.Count(row, "trials_run", 0, c.trials_planned);
  c.worker_seconds = row.contains("worker_seconds") ? in.Seconds(row, "worker_seconds") : 0;
  if (row.contains("phase_seconds")) {  // files written before it have none
    if (const json* phases = in.Find(row, "phase_seconds")) {
      for (Phase p : kAllPhases) c.phase_seconds[p] = in.Seconds(*phases, PhaseName(p));
    }
  }
  if (row.contains("watchdog_cuts")) {
    c.watchdog_cuts = in.Count(row, "watchdog_cuts", 0, c.trials);
    c.adaptive_watchdog_seconds = in.Seconds(row, "adaptive_watchdog_seconds");
  }
  if (row.contains("watchdog_overruns")) {
    c.watchdog_overruns = in.Count(row, "watchdog_overruns", 0, c.trials);
    c.overrun_replay_seconds = in.Seconds(row, "overrun_replay_seconds");
  }
  ReadCoverage(row, in, c);
  return c;
}

// The determinism check of a finding (fields added after schema_version 1 began: optional, so
// older files read as not checked).
void ReadReplayCheck(const json& row, FieldReader& in, InvariantResult& ir) {
  const json check = row.value("replay_check", json(nullptr));
  if (check.is_null()) return;
  const std::optional<ReplayCheck> parsed =
      check.is_string() ? ParseReplayCheck(check.get<std::string>()) : std::nullopt;
  if (!parsed) return in.Fail("replay_check", absl::StrCat("is ", Quote(check), "; unknown"));
  ir.replay_check = *parsed;
  if (ir.replay_check != ReplayCheck::kDiverged) return;
  const json divergence = row.value("divergence", json(nullptr));
  if (divergence.is_null()) return in.Fail("divergence", "is null for a diverged replay");
  ir.diverged_at_step = in.Count(divergence, "step", 0);
  ir.divergence = in.String(divergence, "detail");
}

// A finding's stacks (optional: written only for a finding that has any; StacksToJson).
void ReadStacks(const json& row, FieldReader& in, std::vector<Stack>& stacks) {
  if (!row.contains("stacks")) return;
  const json* list = in.Find(row, "stacks");
  if (list == nullptr || !list->is_array()) return in.Fail("stacks", "is not an array");
  for (const json& s : *list) {
    Stack stack;
    stack.title = in.String(s, "title");
    const json* frames = in.Find(s, "stack");
    if (frames == nullptr || !frames->is_array()) return in.Fail("stack", "is not an array");
    for (const json& f : *frames) {
      StackFrame frame;
      if (f.is_object() && f.contains("collapsed")) {
        frame.collapsed = static_cast<int>(in.Count(f, "collapsed", 1, INT32_MAX));
        frame.what = in.String(f, "what");
        if (f.contains("function")) frame.function = in.String(f, "function");
      } else {
        frame.function = in.String(f, "function");
        frame.file = in.String(f, "file");
        frame.line = in.Int(f, "line");
        if (f.is_object() && f.contains("module")) frame.module = in.String(f, "module");
      }
      stack.frames.push_back(std::move(frame));
    }
    stacks.push_back(std::move(stack));
  }
}

// One invariant's row: counts bounded by the cell's trials, a verdict its counts allow.
void ReadInvariant(const json& row, const CellResult& cell, Invariant inv, FieldReader& in,
                   InvariantResult& ir) {
  const std::optional<Verdict> verdict = ParseVerdict(in.String(row, "verdict"));
  ir.evaluated = in.Count(row, "trials", 0, cell.trials);
  ir.failures = in.Count(row, "failures", 0, cell.trials);
  ir.undecided = in.Count(row, "undecided", 0, cell.trials);
  if (!in.status().ok()) return;
  if (!verdict) return in.Fail("verdict", absl::StrCat("is ", Quote(row["verdict"]), "; unknown"));
  ir.verdict = *verdict;
  const bool failing_verdict = inv == Invariant::kMisuseDetected
                                   ? ir.verdict == Verdict::kDetected
                                   : ir.verdict == Verdict::kBroken ||
                                         ir.verdict == Verdict::kOutOfContract;
  const Verdict passing = ir.evaluated > 0 ? Verdict::kHolds : Verdict::kNotRun;
  if (ir.failures > 0 ? !failing_verdict : ir.verdict != passing) {
    return in.Fail("verdict", absl::StrCat("is ", std::string(VerdictName(ir.verdict)), " with ",
                                           ir.failures, " failures in ", ir.evaluated, " trials"));
  }
  const json* first = in.Find(row, "first_failure_trial");
  if (first != nullptr && !first->is_null())
    ir.first_failure_trial = in.Count(row, "first_failure_trial", 1);
  const json* token = in.Find(row, "token");
  if (token == nullptr || token->is_null()) return;
  ir.token = in.String(row, "token");
  ir.explanation = in.String(row, "explanation");
  ir.evidence = in.Strings(row, "evidence");
  ir.confirmed = in.Bool(row, "confirmed");
  const json rate = row.value("reproduction", json(nullptr));
  if (!rate.is_null()) {
    ir.replays = static_cast<uint32_t>(in.Count(rate, "replays", 0, UINT32_MAX));
    ir.reproduced = static_cast<uint32_t>(in.Count(rate, "reproduced", 0, ir.replays));
  }
  ReadReplayCheck(row, in, ir);
  ReadStacks(row, in, ir.stacks);
  if (row.contains("first_failure_preemptions")) {  // an exhaustive search's failure
    ir.preemptions = static_cast<int>(in.Count(row, "first_failure_preemptions", 0, 64));
  }
}

// The results array: rows grouped into cells by (backend, scenario, mode, strategy): a run with
// several strategies has a cell per strategy of one backend and scenario.
absl::Status ReadRows(const json& rows, FieldReader& in, RunResults& r) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> cell_of;
  for (size_t i = 0; i < rows.size(); ++i) {
    in.At(absl::StrCat("result ", i));
    const json& row = rows[i];
    CellResult c = ReadCell(row, in);
    const std::optional<Invariant> inv = ParseInvariant(in.String(row, "invariant"));
    if (!in.status().ok()) return in.status();
    if (!inv) in.Fail("invariant", absl::StrCat("is ", Quote(row["invariant"]), "; unknown"));
    auto [it, inserted] =
        cell_of.emplace(std::make_tuple(c.backend, c.scenario, c.mode, c.strategy), r.cells.size());
    if (inserted) r.cells.push_back(c);
    CellResult& cell = r.cells[it->second];
    if (cell.trials != c.trials || cell.trials_planned != c.trials_planned) {
      in.Fail("trials_run", "differs from the other rows of its backend, scenario and strategy");
    }
    if (!in.status().ok()) return in.status();
    InvariantResult& ir = cell.invariants[static_cast<int>(*inv)];
    if (ir.verdict != Verdict::kNotRun || ir.evaluated != 0 || ir.failures != 0) {
      in.Fail("invariant", absl::StrCat("repeats ", std::string(InvariantId(*inv)), " for ",
                                        c.backend, " x ", c.scenario));
    }
    ReadInvariant(row, cell, *inv, in, ir);
    if (!in.status().ok()) return in.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunResults> ResultsFromJson(const json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("not a mapfault results.json (not a JSON object)");
  }
  FieldReader in;
  const json* version = in.Find(j, "schema_version");
  if (version != nullptr && version->is_number_unsigned() &&
      version->get<uint64_t>() > static_cast<uint64_t>(kResultsSchemaVersion)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "results schema_version ", Quote(*version), " is newer than this mapfault (reads ",
        kResultsSchemaVersion, "); merge with the mapfault that wrote it"));
  }
  in.Count(j, "schema_version", 1, kResultsSchemaVersion);
  RunResults r;
  r.seed = in.Count(j, "seed");
  r.partial = in.Bool(j, "partial");
  r.seconds = in.Seconds(j, "seconds");
  ReadIdentity(j, in, r.run);
  const json* rows = in.Find(j, "results");
  if (rows != nullptr && !rows->is_array())
    in.Fail("results", absl::StrCat("is ", Quote(*rows), "; not an array"));
  if (!in.status().ok()) return in.status();
  if (absl::Status s = ReadRows(*rows, in, r); !s.ok()) return s;
  return r;
}

absl::StatusOr<RunResults> ReadResultsFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", path, std::filesystem::exists(path, ec) ? " (not a regular file)" : "",
        ": give directories that `mapfault run --out DIR` wrote"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.fail()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": check its permissions"));
  }
  const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not valid JSON; re-run that shard"));
  }
  absl::StatusOr<RunResults> r = ResultsFromJson(j);
  if (!r.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", r.status().message()));
  return r;
}

}  // namespace mapfault
