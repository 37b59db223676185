// Markdown and JSON reports of `mapfault bench-bugs`.
#include "reports/bug_bench_report.h"

#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "fmt/format.h"
#include "reports/coverage_text.h"
#include "reports/json_report.h"

namespace mapfault {
namespace {

std::string TrialsText(const BugBenchRow& r, uint64_t cap) {
  const std::optional<double> m = r.MedianTrials();
  return m ? fmt::format("{:g}", *m) : fmt::format("> {}", cap);
}

std::string SecondsText(const BugBenchRow& r) {
  const std::optional<double> s = r.MedianSeconds();
  if (!s) return "-";
  if (*s < 0.01) return fmt::format("{:.1f} ms", *s * 1000);
  return *s < 1 ? fmt::format("{:.0f} ms", *s * 1000) : fmt::format("{:.2f} s", *s);
}

// Ranks rows of one bug: more repetitions found first, then fewer median trials.
// The "reproduces" column: a perturbed row's measured rate; "exact" for a controlled row only when
// the determinism check of its first failure passed, "diverged" when its replays differed.
std::string ReproducesText(const BugBenchRow& r) {
  if (r.replays > 0) return fmt::format("{}/{}", r.reproduced, r.replays);
  if (r.mode != "controlled" || r.found == 0) return "-";
  switch (r.first_replay_check) {
    case ReplayCheck::kExact: return "exact";
    case ReplayCheck::kDiverged: return "diverged";
    case ReplayCheck::kNotChecked: return "not checked";
  }
  return "-";
}

bool Better(const BugBenchRow& a, const BugBenchRow& b) {
  if (a.found != b.found) return a.FoundFraction() > b.FoundFraction();
  const std::optional<double> ma = a.MedianTrials(), mb = b.MedianTrials();
  if (ma.has_value() != mb.has_value()) return ma.has_value();
  return ma && *ma < *mb;
}

// How many times fewer median trials `best` needs than `base`: "-" without both, "(itself)".
std::string Ratio(const BugBenchRow& best, const BugBenchRow* base, uint64_t cap) {
  if (base == nullptr || !best.MedianTrials()) return "-";
  if (base == &best) return "(itself)";
  const std::optional<double> b = base->MedianTrials();
  const double mine = *best.MedianTrials();
  if (!b) return fmt::format("> {:.0f}x fewer", static_cast<double>(cap) / mine);
  return fmt::format("{:.3g}x fewer", *b / mine);
}

// One line per bug: its best strategy, and how it compares with the stronger of the two plain
// real-thread baselines (perturbed `stress` and the hand-written `reference-loop`) and with noise.
bool IsExhaustive(const BugBenchRow& r) { return r.strategy.rfind("exhaustive", 0) == 0; }

// The bounded-exhaustive rows: their trials are programs, each a whole search, so they are not
// ranked with the sampling strategies; what they show is the schedules to the first failure and
// that failure's preemptions (the fewest any failing schedule of its program has).
void AppendExhaustive(const BugBenchResults& results, std::string& out) {
  std::string rows;
  for (const BugBenchRow& r : results.rows) {
    if (!IsExhaustive(r)) continue;
    const std::optional<double> schedules = r.MedianSchedules();
    fmt::format_to(std::back_inserter(rows), "| `{}` | `{}` | {} | {}/{} | {} | {} | {} | {} |\n",
                   r.backend, r.scenario, r.strategy, r.found, r.repetitions,
                   TrialsText(r, results.exhaustive_cap),
                   schedules ? fmt::format("{:g}", *schedules) : "-", SecondsText(r),
                   r.first_preemptions ? fmt::format("{}", *r.first_preemptions) : "-");
  }
  if (rows.empty()) return;
  out += "\n| backend | scenario | strategy | found | median programs to first failure | "
         "median schedules | median time | preemptions of the first failure |\n"
         "|---|---|---|---:|---:|---:|---:|---:|\n" + rows;
}

void AppendSummary(const BugBenchResults& results, std::string& out) {
  std::map<std::pair<std::string, std::string>, std::vector<const BugBenchRow*>> bugs;
  std::vector<std::pair<std::string, std::string>> order;
  for (const BugBenchRow& r : results.rows) {
    if (IsExhaustive(r)) continue;
    auto key = std::make_pair(r.backend, r.scenario);
    if (!bugs.count(key)) order.push_back(key);
    bugs[key].push_back(&r);
  }
  out += "\n| bug | best strategy | found | median trials | vs stronger baseline | vs noise |\n"
         "|---|---|---:|---:|---:|---:|\n";
  for (const auto& key : order) {
    const std::vector<const BugBenchRow*>& rows = bugs[key];
    const BugBenchRow* best = rows.front();
    const BugBenchRow* baseline = nullptr;
    const BugBenchRow* noise = nullptr;
    for (const BugBenchRow* r : rows) {
      if (Better(*r, *best)) best = r;
      const bool plain = r->strategy == "stress" || r->strategy == "reference-loop";
      if (r->mode == "perturbed" && plain && (!baseline || Better(*r, *baseline))) baseline = r;
      if (r->mode == "perturbed" && r->strategy == "noise") noise = r;
    }
    std::string vs_baseline = Ratio(*best, baseline, results.cap);
    if (baseline != nullptr && vs_baseline != "-" && baseline != best) {
      vs_baseline += fmt::format(" ({})", baseline->strategy);
    }
    fmt::format_to(std::back_inserter(out), "| `{}` / `{}` | {} {} | {}/{} | {} | {} | {} |\n",
                   key.first, key.second, best->mode, best->strategy, best->found,
                   best->repetitions, TrialsText(*best, results.cap), vs_baseline,
                   Ratio(*best, noise, results.cap));
  }
}

}  // namespace

std::string FormatBugBenchMarkdown(const BugBenchResults& results) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# mapfault bug-finding benchmark\n\nSeed `{}`, {} repetitions per row, each "
                 "censored at {} trials{}.\n\n",
                 results.seed, results.repetitions, results.cap,
                 results.partial ? " (PARTIAL: interrupted)" : "");
  out +=
      "| backend | scenario | strategy | found | median trials to first failure | median time "
      "| reproduces | PCT bound per trial |\n|---|---|---|---:|---:|---:|---:|---:|\n";
  for (const BugBenchRow& r : results.rows) {
    if (IsExhaustive(r)) continue;
    fmt::format_to(it, "| `{}` | `{}` | {} {} | {}/{} | {} | {} | {} | {} |\n", r.backend,
                   r.scenario, r.mode, r.strategy, r.found, r.repetitions,
                   TrialsText(r, results.cap), SecondsText(r),
                   ReproducesText(r),
                   r.pct_trial_bound > 0 ? fmt::format("{:.2g}", r.pct_trial_bound) : "-");
  }
  AppendSummary(results, out);
  AppendExhaustive(results, out);
  return out;
}

nlohmann::json BugBenchToJson(const BugBenchResults& results) {
  using json = nlohmann::json;
  json rows = json::array();
  for (const BugBenchRow& r : results.rows) {
    json trials = json::array();
    for (const auto& t : r.trials_to_failure) trials.push_back(t ? json(*t) : json(nullptr));
    json schedules = json::array();
    for (const auto& s : r.schedules_to_failure) schedules.push_back(s ? json(*s) : json(nullptr));
    const std::optional<double> median_schedules = r.MedianSchedules();
    const std::optional<double> median = r.MedianTrials();
    const std::optional<double> seconds = r.MedianSeconds();
    rows.push_back({{"backend", r.backend},
                    {"scenario", r.scenario},
                    {"mode", r.mode},
                    {"strategy", r.strategy},
                    {"params", ParamsToJson(r.params)},
                    {"repetitions", r.repetitions},
                    {"found", r.found},
                    {"trials_to_first_failure", trials},
                    {"seconds_to_first_failure", r.seconds_to_failure},
                    {"median_trials", median ? json(*median) : json(nullptr)},
                    {"median_seconds", seconds ? json(*seconds) : json(nullptr)},
                    {"first_token", r.first_token.empty() ? json(nullptr) : json(r.first_token)},
                    {"first_invariant",
                     r.first_invariant.empty() ? json(nullptr) : json(r.first_invariant)},
                    {"reproduction", r.replays == 0 ? json(nullptr)
                                                    : json{{"reproduced", r.reproduced},
                                                           {"replays", r.replays}}},
                    {"replay_check", r.first_token.empty()
                                         ? json(nullptr)
                                         : json(ReplayCheckName(r.first_replay_check))},
                    {"pct_trial_bound", r.pct_trial_bound > 0 ? json(r.pct_trial_bound)
                                                              : json(nullptr)}});
    if (IsExhaustive(r)) {
      rows.back()["schedules_to_first_failure"] = schedules;
      rows.back()["median_schedules"] = median_schedules ? json(*median_schedules) : json(nullptr);
      rows.back()["first_preemptions"] =
          r.first_preemptions ? json(*r.first_preemptions) : json(nullptr);
    }
  }
  return {{"schema_version", 1},
          {"seed", results.seed},
          {"cap", results.cap},
          {"repetitions", results.repetitions},
          {"partial", results.partial},
          {"rows", rows}};
}

namespace {

std::string CertifyText(const CertifySearch& s) {
  // A program outside the contract (OUT_OF_CONTRACT) stops its search like any failure.
  const char* verdict = s.broken            ? "BROKEN"
                        : s.out_of_contract ? "out of contract"
                        : !s.complete       ? "INCOMPLETE"
                                            : "yes";
  return fmt::format("{} | {:.2f} s | {}", GroupThousands(s.schedules), s.seconds, verdict);
}

}  // namespace

std::string FormatCertifyMarkdown(const CertifyBenchResults& results) {
  std::string out = fmt::format(
      "# mapfault certification benchmark\n\nSeed `{}`: {} programs per backend x scenario, every "
      "schedule with <= {} preemptions{}, with sleep sets and without (`por=off`){}.\n\n"
      "| backend | scenario | schedules (sleep sets) | time | certified | schedules (unreduced) "
      "| time | certified | reduction factor |\n|---|---|---:|---:|---|---:|---:|---|---:|\n",
      results.seed, results.programs, results.preemption_bound,
      results.stale_bound == 0 ? std::string()
                               : fmt::format(" and <= {} stale read{}", results.stale_bound,
                                             results.stale_bound == 1 ? "" : "s"),
      results.partial ? " (PARTIAL: interrupted)" : "");
  uint64_t reduced = 0, unreduced = 0;
  double reduced_s = 0, unreduced_s = 0;
  for (const CertifyBenchRow& r : results.rows) {
    fmt::format_to(std::back_inserter(out), "| `{}` | `{}` | {} | {} | {:.1f}x |\n", r.backend,
                   r.scenario, CertifyText(r.reduced), CertifyText(r.unreduced), r.Factor());
    reduced += r.reduced.schedules, unreduced += r.unreduced.schedules;
    reduced_s += r.reduced.seconds, unreduced_s += r.unreduced.seconds;
  }
  const double factor =
      reduced == 0 ? 0.0 : static_cast<double>(unreduced) / static_cast<double>(reduced);
  fmt::format_to(std::back_inserter(out),
                 "| all | | {} | {:.2f} s | | {} | {:.2f} s | | {:.1f}x |\n",
                 GroupThousands(reduced), reduced_s, GroupThousands(unreduced), unreduced_s,
                 factor);
  return out;
}

nlohmann::json CertifyToJson(const CertifyBenchResults& results) {
  using json = nlohmann::json;
  const auto search = [](const CertifySearch& s) {
    return json{{"schedules", s.schedules},
                {"seconds", s.seconds},
                {"complete", s.complete},
                {"broken", s.broken},
                {"out_of_contract", s.out_of_contract}};
  };
  json rows = json::array();
  for (const CertifyBenchRow& r : results.rows) {
    rows.push_back({{"backend", r.backend},
                    {"scenario", r.scenario},
                    {"params", ParamsToJson(r.params)},
                    {"sleep_sets", search(r.reduced)},
                    {"unreduced", search(r.unreduced)},
                    {"reduction_factor", r.Factor()}});
  }
  return {{"schema_version", 1},
          {"seed", results.seed},
          {"programs", results.programs},
          {"preemption_bound", results.preemption_bound},
          {"stale_read_bound", results.stale_bound},
          {"partial", results.partial},
          {"rows", rows}};
}

}  // namespace mapfault
