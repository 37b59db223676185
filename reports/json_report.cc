// results.json writer.
#include "reports/json_report.h"

namespace mapfault {

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
          {"params",
           {{"threads", c.params.threads},
            {"keys", c.params.keys},
            {"initial", c.params.initial},
            {"ops", c.params.ops}}},
          {"trials", r.evaluated},
          {"trials_run", c.trials},
          {"failures", r.failures},
          {"undecided", r.undecided},
          {"first_failure_trial",
           r.first_failure_trial ? json(r.first_failure_trial) : json(nullptr)},
          {"token", r.token.empty() ? json(nullptr) : json(r.token)},
          {"explanation", r.explanation.empty() ? json(nullptr) : json(r.explanation)},
          {"evidence", r.token.empty() ? json(nullptr) : json(r.evidence)},
          {"confirmed", r.token.empty() ? json(nullptr) : json(r.confirmed)},
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

}  // namespace mapfault
