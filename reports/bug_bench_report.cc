// Markdown and JSON reports of `mapfault bench-bugs`.
#include "reports/bug_bench_report.h"

#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "fmt/format.h"
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
void AppendSummary(const BugBenchResults& results, std::string& out) {
  std::map<std::pair<std::string, std::string>, std::vector<const BugBenchRow*>> bugs;
  std::vector<std::pair<std::string, std::string>> order;
  for (const BugBenchRow& r : results.rows) {
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
    fmt::format_to(it, "| `{}` | `{}` | {} {} | {}/{} | {} | {} | {} | {} |\n", r.backend,
                   r.scenario, r.mode, r.strategy, r.found, r.repetitions,
                   TrialsText(r, results.cap), SecondsText(r),
                   ReproducesText(r),
                   r.pct_trial_bound > 0 ? fmt::format("{:.2g}", r.pct_trial_bound) : "-");
  }
  AppendSummary(results, out);
  return out;
}

nlohmann::json BugBenchToJson(const BugBenchResults& results) {
  using json = nlohmann::json;
  json rows = json::array();
  for (const BugBenchRow& r : results.rows) {
    json trials = json::array();
    for (const auto& t : r.trials_to_failure) trials.push_back(t ? json(*t) : json(nullptr));
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
  }
  return {{"schema_version", 1},
          {"seed", results.seed},
          {"cap", results.cap},
          {"repetitions", results.repetitions},
          {"partial", results.partial},
          {"rows", rows}};
}

}  // namespace mapfault
