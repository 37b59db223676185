// results.json writer and reader.
#include "reports/json_report.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace mapfault {

nlohmann::json ParamsToJson(const ScenarioParams& params) {
  return {{"threads", params.threads},
          {"keys", params.keys},
          {"initial", params.initial},
          {"ops", params.ops}};
}

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
      });
    }
  }
  return {{"schema_version", kResultsSchemaVersion},
          {"seed", results.seed},
          {"partial", results.partial},
          {"seconds", results.seconds},
          {"exit_code", results.ExitCode()},
          {"results", std::move(rows)}};
}

namespace {

std::optional<Verdict> ParseVerdict(const std::string& name) {
  for (Verdict v : {Verdict::kHolds, Verdict::kBroken, Verdict::kOutOfContract, Verdict::kDetected,
                    Verdict::kNotRun}) {
    if (VerdictName(v) == name) return v;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<RunResults> ResultsFromJson(const nlohmann::json& j) {
  using json = nlohmann::json;
  try {
    const int version = j.at("schema_version").get<int>();
    if (version > kResultsSchemaVersion) {
      return absl::InvalidArgumentError(absl::StrCat(
          "results schema_version ", version, " is newer than this mapfault (reads ",
          kResultsSchemaVersion, "); merge with the mapfault that wrote it"));
    }
    RunResults r;
    r.seed = j.at("seed").get<uint64_t>();
    r.partial = j.at("partial").get<bool>();
    r.seconds = j.at("seconds").get<double>();
    std::map<std::pair<std::string, std::string>, size_t> cell_of;
    for (const json& row : j.at("results")) {
      const auto key = std::make_pair(row.at("backend").get<std::string>(),
                                      row.at("scenario").get<std::string>());
      auto [it, inserted] = cell_of.emplace(key, r.cells.size());
      if (inserted) {
        CellResult c;
        c.backend = key.first;
        c.scenario = key.second;
        c.mode = row.at("mode").get<std::string>();
        c.strategy = row.at("strategy").get<std::string>();
        const json& p = row.at("params");
        c.params = {p.at("threads").get<int>(), p.at("keys").get<int>(),
                    p.at("initial").get<int>(), p.at("ops").get<int>()};
        c.trials = row.at("trials_run").get<uint64_t>();
        c.trials_planned = row.at("trials_planned").get<uint64_t>();
        c.worker_seconds = row.value("worker_seconds", 0.0);
        r.cells.push_back(std::move(c));
      }
      const std::optional<Invariant> inv = ParseInvariant(row.at("invariant").get<std::string>());
      const std::optional<Verdict> verdict = ParseVerdict(row.at("verdict").get<std::string>());
      if (!inv || !verdict) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown invariant or verdict in row ", row.dump(), "; was it written by mapfault?"));
      }
      InvariantResult& ir = r.cells[it->second].invariants[static_cast<int>(*inv)];
      ir.verdict = *verdict;
      ir.evaluated = row.at("trials").get<uint64_t>();
      ir.failures = row.at("failures").get<uint64_t>();
      ir.undecided = row.at("undecided").get<uint64_t>();
      const json& first = row.at("first_failure_trial");
      ir.first_failure_trial = first.is_null() ? 0 : first.get<uint64_t>();
      if (!row.at("token").is_null()) {
        ir.token = row.at("token").get<std::string>();
        ir.explanation = row.at("explanation").get<std::string>();
        ir.evidence = row.at("evidence").get<std::vector<std::string>>();
        ir.confirmed = row.at("confirmed").get<bool>();
        const json& rate = row.value("reproduction", json(nullptr));
        if (!rate.is_null()) {
          ir.reproduced = rate.at("reproduced").get<uint32_t>();
          ir.replays = rate.at("replays").get<uint32_t>();
        }
      }
    }
    return r;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a mapfault results.json (", e.what(), ")"));
  }
}

}  // namespace mapfault
