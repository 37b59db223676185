// HTML report. Every byte of the page is produced here: no stylesheet, script, font or image is
// fetched, so the file can be archived as a CI artifact and opened offline.
#include "reports/html_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <optional>
#include <string_view>

#include "fmt/format.h"
#include "reports/coverage_text.h"

namespace mapfault {
namespace {

using report_internal::CollectFindings;
using report_internal::FindingRef;

constexpr size_t kMaxTraceRows = 2000;  // per finding; longer traces keep their head and tail
constexpr size_t kTraceHeadRows = 500;
// The program table and the evidence list of a finding are capped too: a trial of 64 threads x
// 10000 ops once made a 47 MB page. What is cut is said, and the replay command shows it all.
constexpr size_t kMaxProgramRows = 500;
constexpr size_t kMaxInitShown = 200;
constexpr size_t kMaxEvidenceShown = 200;
constexpr int kChartWidth = 960;
constexpr int kChartLabelWidth = 400;
constexpr int kChartPlotWidth = 440;
constexpr int kChartRowHeight = 22;
constexpr size_t kChartLabelChars = 60;

constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 color:#1f2328;background:#f3f5f7}
header{background:#24292f;color:#fff;padding:14px 16px}
header h1{margin:0 0 6px;font-size:21px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center}
.partial{background:#ffca28;color:#3e2a00;padding:1px 8px;border-radius:4px;font-weight:700}
main{padding:12px 16px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 12px 12px;
 margin-bottom:14px}
h2{font-size:16px;margin:2px 0 10px}
h3{font-size:14px;margin:12px 0 6px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.v-holds{background:#cfeccf;color:#14521b}.v-broken{background:#d32f2f;color:#fff}
.v-ooc{background:#ffc107;color:#3e2a00}.v-detected{background:#1e6fd9;color:#fff}
.v-notrun{background:#e3e5e8;color:#5b6168}
#matrix{font-size:13px}
#matrix th,#matrix td{border:1px solid #d0d7de;padding:2px 5px;white-space:nowrap;text-align:center}
#matrix thead th{background:#f6f8fa;font-weight:600;position:sticky;top:0}
#matrix th.row{text-align:left;font-weight:normal;font-size:11.5px}
#matrix td.tp{text-align:right;color:#57606a}
#matrix td.v{min-width:44px;font-size:11px}
#matrix td.v-broken{font-weight:700}
#matrix td a{color:inherit}
.legend{margin-top:8px;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12px;color:#57606a}
.controls{margin:0 0 8px;font-size:13px}
button{font:inherit;font-size:12px;padding:2px 10px;border:1px solid #d0d7de;border-radius:5px;
 background:#f6f8fa;cursor:pointer}
#ttff-chart{max-width:100%;height:auto}
#ttff-chart text{font-size:12px;fill:#1f2328}
#ttff-chart .grid{stroke:#d8dee4}
#ttff-chart .group{font-weight:700}
#ttff-chart rect.v-holds{fill:#4caf50}#ttff-chart rect.v-broken{fill:#d32f2f}
#ttff-chart rect.v-ooc{fill:#ffb300}#ttff-chart rect.v-detected{fill:#1e6fd9}
details.finding{border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:6px;
 margin:8px 0;padding:0 12px}
details.finding[data-severity=v-broken]{border-left-color:#d32f2f}
details.finding[data-severity=v-ooc]{border-left-color:#ffb300}
details.finding[data-severity=v-detected]{border-left-color:#1e6fd9}
details.finding>summary{cursor:pointer;padding:7px 0;font-weight:600}
.explanation{margin:4px 0 8px}
pre.stack{background:#f6f8fa;border:1px solid #d0d7de;border-radius:5px;padding:6px 9px;
 overflow-x:auto}
.cmd{display:flex;gap:8px;align-items:flex-start;margin:4px 0 10px}
.cmd pre{margin:0;flex:1;background:#f6f8fa;border:1px solid #d0d7de;border-radius:5px;
 padding:6px 9px;white-space:pre-wrap;word-break:break-all}
.warn{color:#9a6700;font-weight:600}
table.ops td,table.ops th,table.trace td,table.trace th{border:1px solid #d8dee4;padding:1px 8px;
 text-align:left;vertical-align:top}
table.trace{margin-bottom:10px}
table.trace th,table.ops th{background:#f6f8fa}
table.trace td.step{text-align:right;color:#57606a}
table.trace td.ev-invoke{font-weight:700}
table.trace td.ev-sched{color:#57606a}
table.trace tr.preempted td{border-bottom:2px dashed #cf222e}
table.trace tr.preempted td.step{color:#cf222e;font-weight:700}
table.trace tr.violating td{background:#ffe4e4}
table.trace tr.violating td.ev{box-shadow:inset 3px 0 0 #d32f2f}
table.trace tr.fatal td{background:#d32f2f;color:#fff}
table.trace tr.omitted td{text-align:center;font-style:italic;color:#57606a}
)css";

constexpr std::string_view kScript = R"js(
(function () {
  'use strict';
  function openTarget() {
    var el = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (el && el.tagName === 'DETAILS') el.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  document.querySelectorAll('button.copy').forEach(function (b) {
    b.addEventListener('click', function () {
      var code = document.getElementById(b.getAttribute('data-target'));
      var done = function () {
        b.textContent = 'Copied';
        setTimeout(function () { b.textContent = 'Copy'; }, 1500);
      };
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        if (document.execCommand('copy')) done();
      };
      if (navigator.clipboard) navigator.clipboard.writeText(code.textContent).then(done, select);
      else select();
    });
  });
  var only = document.getElementById('only-findings');
  if (only) only.addEventListener('change', function () {
    document.querySelectorAll('#matrix tbody tr').forEach(function (tr) {
      tr.hidden = only.checked && !tr.querySelector('td.has-finding');
    });
  });
  document.querySelectorAll('button.expand').forEach(function (b) {
    b.addEventListener('click', function () {
      var open = b.getAttribute('data-open') === '1';
      document.querySelectorAll('details.finding').forEach(function (d) { d.open = open; });
    });
  });
  document.documentElement.setAttribute('data-js', 'ready');
})();
)js";

std::string Esc(std::string_view s) { return report_internal::EscapeMarkup(s); }
std::string Attr(std::string_view s) { return report_internal::EscapeMarkup(s, true); }

std::string_view VerdictClass(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "v-holds";
    case Verdict::kBroken: return "v-broken";
    case Verdict::kOutOfContract: return "v-ooc";
    case Verdict::kDetected: return "v-detected";
    case Verdict::kNotRun: return "v-notrun";
  }
  return "v-notrun";
}

std::string Badge(Verdict v, std::string_view text) {
  return fmt::format("<span class=\"badge {}\">{}</span>", VerdictClass(v), Esc(text));
}

std::string_view LegendText(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "HOLDS in every trial";
    case Verdict::kBroken: return "a claimed guarantee failed";
    case Verdict::kOutOfContract: return "OUT_OF_CONTRACT: failed, not claimed";
    case Verdict::kDetected: return "the backend reported the misuse itself";
    case Verdict::kNotRun: return "NOT_RUN: no trial judged it";
  }
  return "";
}

// The matrix's throughput column: trials per second per worker where the cell's worker time was
// measured (results of older mapfaults lack it), and the trials the cell ran.
std::string ThroughputText(uint64_t trials, std::optional<double> trials_per_second) {
  if (trials_per_second) {
    return fmt::format("{:.0f} trials/s ({} trials)", *trials_per_second, trials);
  }
  return fmt::format("{} trials", trials);
}

std::string_view EventClass(TraceKind kind) {
  switch (kind) {
    case TraceKind::kOpInvoke: return "ev-invoke";
    case TraceKind::kOpResponse: return "ev-response";
    case TraceKind::kIterYield: return "ev-visit";
    default: return "ev-sched";
  }
}

std::string OutcomeText(const IsolatedOutcome& o) {
  switch (o.kind) {
    case IsolatedOutcome::Kind::kCompleted: return "the trial completed";
    case IsolatedOutcome::Kind::kMisuse:
      return "the backend detected misuse and aborted: " + o.detail;
    case IsolatedOutcome::Kind::kHang: return "the trial hung: " + o.detail;
    default: return o.detail.empty() ? "the worker died" : o.detail;
  }
}

void AppendProgram(const BreakDetail& d, std::string& out) {
  auto it = std::back_inserter(out);
  std::string init;
  for (size_t i = 0; i < d.program.init.size() && i < kMaxInitShown; ++i) {
    const auto& [k, v] = d.program.init[i];
    init += fmt::format("{}insert({}, {})", init.empty() ? "" : ", ", k, v);
  }
  if (d.program.init.size() > kMaxInitShown) {
    init += fmt::format(", ... {} more", d.program.init.size() - kMaxInitShown);
  }
  fmt::format_to(it, "<h3>Program</h3>\n<p>Init part: <code>{}</code></p>\n",
                 Esc(init.empty() ? "(empty)" : init));
  const size_t threads = d.program.threads.size();
  size_t rows = 0;
  for (const auto& ops : d.program.threads) rows = std::max(rows, ops.size());
  out += "<div class=\"scroll\"><table class=\"ops mono\"><thead><tr>";
  for (size_t t = 0; t < threads; ++t) fmt::format_to(it, "<th>T{}</th>", t);
  out += "</tr></thead><tbody>\n";
  const size_t shown = std::min(rows, kMaxProgramRows);
  for (size_t i = 0; i < shown; ++i) {
    out += "<tr>";
    for (size_t t = 0; t < threads; ++t) {
      std::string cell;
      if (i < d.program.threads[t].size()) {
        cell = d.program.threads[t][i].ToString();
        const auto& results = d.outcome.results;
        if (t < results.size() && i < results[t].size()) cell += " -> " + results[t][i];
      }
      fmt::format_to(it, "<td>{}</td>", Esc(cell));
    }
    out += "</tr>\n";
  }
  if (shown < rows) {
    fmt::format_to(it,
                   "<tr class=\"omitted\"><td colspan=\"{}\">... {} more rows omitted (the "
                   "replay command prints them all) ...</td></tr>\n",
                   threads, rows - shown);
  }
  out += "</tbody></table></div>\n";
}

void AppendInterleaving(const BreakDetail& d, const std::vector<std::string>& evidence,
                        std::string& out) {
  const std::vector<TraceEvent>& trace = d.outcome.trace;
  const size_t threads = d.program.threads.size();
  const std::vector<bool> marked = report_internal::EvidenceEvents(d, evidence);
  const std::optional<size_t> fatal = report_internal::FatalEvent(d.outcome);
  std::vector<size_t> rows;
  for (size_t i = 0; i < trace.size(); ++i) {
    if (trace[i].thread < threads && trace[i].kind != TraceKind::kSwitch) rows.push_back(i);
  }
  auto it = std::back_inserter(out);
  int preemptions = 0;
  for (const TraceEvent& e : trace) preemptions += e.preempted;
  const bool controlled = d.decoded.mode == ExecMode::kControlled;
  if (controlled) {
    fmt::format_to(it,
                   "<h3>Interleaving</h3>\n<p>{} scheduling steps, {} preemptions (marked *, a "
                   "dashed line below: the thread was switched out although it could have "
                   "continued); events the evidence names are highlighted.</p>\n",
                   trace.empty() ? 0 : trace.back().step, preemptions);
  } else {
    out +=
        "<h3>Operations in time order</h3>\n<p>Perturbed mode (real threads): the operation "
        "events by the history clock, not a schedule; events the evidence names are "
        "highlighted.</p>\n";
  }
  fmt::format_to(it, "<div class=\"scroll\"><table class=\"trace mono\"><thead><tr><th>{}</th>",
                 controlled ? "step" : "t");
  for (size_t t = 0; t < threads; ++t) fmt::format_to(it, "<th>T{}</th>", t);
  out += "</tr></thead><tbody>\n";
  const size_t omit_from = rows.size() > kMaxTraceRows ? kTraceHeadRows : rows.size();
  const size_t omit_to =
      rows.size() > kMaxTraceRows ? rows.size() - (kMaxTraceRows - kTraceHeadRows) : rows.size();
  uint32_t last_step = ~0u;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == omit_from && omit_from < omit_to) {
      fmt::format_to(it,
                     "<tr class=\"omitted\"><td colspan=\"{}\">... {} events omitted ...</td>"
                     "</tr>\n",
                     threads + 1, omit_to - omit_from);
      r = omit_to - 1;
      last_step = ~0u;
      continue;
    }
    const size_t i = rows[r];
    const TraceEvent& e = trace[i];
    std::string classes;
    if (e.preempted) classes += " preempted";
    if (marked[i]) classes += " violating";
    if (fatal == i) classes += " fatal";
    const std::string step = e.step != last_step
                                 ? fmt::format("{}{}", e.step, e.preempted ? "*" : "")
                                 : (e.preempted ? "*" : "");
    last_step = e.step;
    const std::string text = report_internal::EventText(e, d.program);
    fmt::format_to(it, "<tr{}><td class=\"step\">{}</td>",
                   classes.empty() ? "" : fmt::format(" class=\"{}\"", classes.substr(1)), step);
    for (size_t t = 0; t < threads; ++t) {
      if (t == e.thread) {
        fmt::format_to(it, "<td class=\"ev {}\">{}</td>", EventClass(e.kind), Esc(text));
      } else {
        out += "<td></td>";
      }
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  if (fatal) {
    fmt::format_to(it,
                   "<p class=\"warn\">The worker stopped after the last event of T{} (the dark "
                   "red row): {}.</p>\n",
                   trace[*fatal].thread, Esc(OutcomeText(d.outcome)));
  }
}

void AppendDetail(const BreakDetail& d, Invariant inv, const std::vector<std::string>& evidence,
                  std::string& out) {
  auto it = std::back_inserter(out);
  const ReplayToken& t = d.decoded;
  fmt::format_to(it,
                 "<h3>Replay in a fresh worker</h3>\n<p>{}; strategy <code>{}</code>, trial seed "
                 "<code>{}</code>, threads={} keys={} initial={} ops={}, step bound {}.</p>\n",
                 Esc(OutcomeText(d.outcome)), Esc(t.strategy.ToString()), t.seed, t.params.threads,
                 t.params.keys, t.params.initial, t.params.ops, t.max_steps);
  if (d.outcome.diverged) {
    fmt::format_to(it, "<p class=\"warn\">The replay diverged from the recorded schedule: {}</p>\n",
                   Esc(d.outcome.detail));
  }
  std::vector<std::string> highlight = evidence;
  const std::vector<Violation> violations = d.outcome.AllViolations();
  out += "<ul class=\"replay-violations\">\n";
  for (const Violation& v : violations) {
    fmt::format_to(it, "<li><code>{}</code> violated: {}</li>\n", Esc(InvariantId(v.invariant)),
                   Esc(v.explanation));
    if (v.invariant == inv) highlight.insert(highlight.end(), v.evidence.begin(), v.evidence.end());
  }
  if (violations.empty()) out += "<li>every invariant held in this replay</li>\n";
  out += "</ul>\n";
  AppendProgram(d, out);
  AppendInterleaving(d, highlight, out);
}

// A finding's stacks in full (the crashing thread's, or ThreadSanitizer's racing accesses).
void AppendStacks(const std::vector<Stack>& stacks, std::string& out) {
  for (const Stack& stack : stacks) {
    const std::vector<std::string> lines = StackLines(stack);
    fmt::format_to(std::back_inserter(out), "<h3>{}</h3>\n<pre class=\"stack mono\">",
                   Esc(lines.front()));
    for (size_t i = 1; i < lines.size(); ++i) out += Esc(lines[i].substr(2)) + "\n";
    out += "</pre>\n";
  }
}

void AppendFinding(const FindingRef& f, const BreakDetail* detail, std::string& out) {
  const InvariantResult& r = *f.result;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<details class=\"finding\" id=\"finding-{}\" "
                 "data-severity=\"{}\"{}>\n<summary>{} {} / {} / {}: "
                 "{}, first at trial {}</summary>\n",
                 f.number, VerdictClass(r.verdict), f.number == 1 ? " open" : "",
                 Badge(r.verdict, VerdictName(r.verdict)), Esc(f.cell->backend),
                 Esc(f.cell->scenario), Esc(InvariantId(f.invariant)),
                 Esc(report_internal::FailureRateText(r)), r.first_failure_trial);
  fmt::format_to(it, "<p class=\"explanation\">{}</p>\n", Esc(r.explanation));
  if (!r.confirmed) out += "<p class=\"warn\">Not confirmed by a replay in a fresh worker.</p>\n";
  if (report_internal::PerturbedRate(r)) {
    fmt::format_to(it, "<p>Perturbed (real threads): {}.</p>\n",
                   Esc(report_internal::ReproductionText(r)));
  }
  if (const std::string exact = report_internal::ExactReplayText(r); !exact.empty()) {
    fmt::format_to(it, "<p>{}.</p>\n", Esc(exact));
  }
  if (const std::string diverged = report_internal::DivergenceText(r); !diverged.empty()) {
    fmt::format_to(it, "<p class=\"warn\">{}.</p>\n", Esc(diverged));
  }
  if (r.undecided > 0) {
    fmt::format_to(it, "<p>{} trials were undecided (the checker's budget ran out).</p>\n",
                   r.undecided);
  }
  if (!r.evidence.empty()) {
    out += "<h3>Evidence</h3>\n<ul class=\"evidence mono\">\n";
    for (size_t i = 0; i < r.evidence.size() && i < kMaxEvidenceShown; ++i) {
      fmt::format_to(it, "<li>{}</li>\n", Esc(r.evidence[i]));
    }
    if (r.evidence.size() > kMaxEvidenceShown) {
      fmt::format_to(it, "<li>... {} more</li>\n", r.evidence.size() - kMaxEvidenceShown);
    }
    out += "</ul>\n";
  }
  AppendStacks(r.stacks, out);
  fmt::format_to(it,
                 "<div class=\"cmd\"><pre><code id=\"replay-{0}\">{1}</code></pre><button "
                 "class=\"copy\" type=\"button\" data-target=\"replay-{0}\">Copy</button></div>\n",
                 f.number, Esc(report_internal::ReplayCommand(r.token)));
  if (detail != nullptr) AppendDetail(*detail, f.invariant, r.evidence, out);
  out += "</details>\n";
}

void AppendMatrix(const RunResults& results, const std::vector<FindingRef>& findings,
                  std::string& out) {
  auto it = std::back_inserter(out);
  out +=
      "<section><h2>Matrix</h2>\n<p class=\"controls\"><label><input type=\"checkbox\" "
      "id=\"only-findings\"> only rows with findings</label></p>\n<div class=\"scroll\">"
      "<table id=\"matrix\"><thead><tr><th>backend</th><th>scenario</th><th>mode / strategy</th>"
      "<th>throughput</th>";
  for (Invariant inv : kAllInvariants) {
    fmt::format_to(it, "<th title=\"{}\">{}</th>",
                   Attr(fmt::format("{}: {}", InvariantId(inv), InvariantDescription(inv))),
                   Esc(InvariantShortName(inv)));
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const CellResult& c : results.cells) {
    fmt::format_to(it,
                   "<tr><th class=\"row mono\">{}</th><th class=\"row mono\">{}</th><td "
                   "class=\"mono\">{} {}</td><td class=\"tp\">{}</td>",
                   Esc(c.backend), Esc(c.scenario), Esc(c.mode), Esc(c.strategy),
                   ThroughputText(c.trials, c.worker_seconds > 0
                                                 ? std::optional<double>(c.trials / c.worker_seconds)
                                                 : std::nullopt));
    for (Invariant inv : kAllInvariants) {
      const InvariantResult& r = c.invariants[static_cast<int>(inv)];
      std::string title = fmt::format("{} / {} / {}\n{}: ", c.backend, c.scenario, InvariantId(inv),
                                      VerdictName(r.verdict));
      if (r.verdict == Verdict::kNotRun) {
        title += "no trial judged it";
      } else {
        title += fmt::format("failure rate {:.1f}% ({} of {} trials)",
                             report_internal::FailurePercent(r), r.failures, r.evaluated);
      }
      if (r.first_failure_trial > 0)
        title += fmt::format(", first at trial {}", r.first_failure_trial);
      if (r.undecided > 0) title += fmt::format("; {} trials undecided", r.undecided);
      if (r.verdict != Verdict::kNotRun) title += fmt::format("\ncoverage: {}", CoverageText(c));
      std::string text = Esc(report_internal::VerdictCellText(r.verdict));
      int number = 0;
      for (const FindingRef& f : findings) number = f.result == &r ? f.number : number;
      if (number > 0) text = fmt::format("<a href=\"#finding-{}\">{}</a>", number, text);
      fmt::format_to(it,
                     "<td class=\"v {}{}\" data-verdict=\"{}\" data-backend=\"{}\" "
                     "data-scenario=\"{}\" data-invariant=\"{}\" title=\"{}\">{}</td>",
                     VerdictClass(r.verdict), number > 0 ? " has-finding" : "",
                     VerdictName(r.verdict), Attr(c.backend), Attr(c.scenario),
                     Attr(InvariantId(inv)), Attr(title), text);
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n<div class=\"legend\">";
  for (Verdict v : report_internal::kVerdictOrder) {
    fmt::format_to(it, "<span>{} {}</span>", Badge(v, report_internal::VerdictCellText(v)),
                   Esc(LegendText(v)));
  }
  out +=
      "<span>(hover a cell for its failure rate; click a finding to open it)</span></div>"
      "</section>\n";
}

// What each cell's verdicts rest on, one line per cell.
void AppendCoverage(const RunResults& results, std::string& out) {
  out += "<section><h2>Coverage</h2>\n<ul class=\"coverage\">\n";
  for (const CellResult& c : results.cells) {
    fmt::format_to(std::back_inserter(out),
                   "<li><span class=\"mono\">{} / {} / {}</span>: {}</li>\n", Esc(c.backend),
                   Esc(c.scenario), Esc(c.strategy), Esc(CellCoverageLine(c)));
  }
  out += "</ul></section>\n";
}

// Horizontal bars on a log10 axis: one per finding, grouped under its cell's strategy.
void AppendChart(const std::vector<FindingRef>& findings, std::string& out) {
  out += "<section><h2>Trials to first failure, per strategy</h2>\n";
  std::vector<std::string_view> strategies;
  uint64_t max_trial = 1;
  for (const FindingRef& f : findings) {
    if (f.result->first_failure_trial == 0) continue;
    max_trial = std::max(max_trial, f.result->first_failure_trial);
    if (std::find(strategies.begin(), strategies.end(), f.cell->strategy) == strategies.end()) {
      strategies.push_back(f.cell->strategy);
    }
  }
  if (strategies.empty()) {
    out += "<p id=\"ttff-chart\">No findings: nothing failed.</p></section>\n";
    return;
  }
  const int decades = std::max(1, static_cast<int>(std::ceil(std::log10(max_trial) - 1e-9)));
  auto x_of = [&](double trial) {
    return kChartLabelWidth + kChartPlotWidth * std::log10(std::max(1.0, trial)) / decades;
  };
  std::string body;
  auto it = std::back_inserter(body);
  int y = 30;
  for (std::string_view strategy : strategies) {
    fmt::format_to(it, "<text class=\"group\" x=\"4\" y=\"{}\">strategy {}</text>\n", y + 14,
                   Esc(strategy.empty() ? "(unknown)" : strategy));
    y += kChartRowHeight;
    for (const FindingRef& f : findings) {
      const InvariantResult& r = *f.result;
      if (r.first_failure_trial == 0 || f.cell->strategy != strategy) continue;
      std::string label = fmt::format("{} / {} / {}", f.cell->backend, f.cell->scenario,
                                      InvariantShortName(f.invariant));
      if (label.size() > kChartLabelChars) label = label.substr(0, kChartLabelChars - 3) + "...";
      const double end = x_of(static_cast<double>(r.first_failure_trial));
      fmt::format_to(
          it,
          "<a href=\"#finding-{}\"><title>{}</title><text x=\"{}\" y=\"{}\" "
          "text-anchor=\"end\">{}</text><rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" "
          "height=\"14\"/><text x=\"{:.1f}\" y=\"{}\">{}</text></a>\n",
          f.number,
          Esc(fmt::format("{} {} / {} / {}: first failure at trial {} ({} failed)",
                          VerdictName(r.verdict), f.cell->backend, f.cell->scenario,
                          InvariantId(f.invariant), r.first_failure_trial,
                          report_internal::FailureRateText(r))),
          kChartLabelWidth - 8, y + 12, Esc(label), VerdictClass(r.verdict), kChartLabelWidth,
          y + 1, std::max(2.0, end - kChartLabelWidth), std::max(end, kChartLabelWidth + 2.0) + 6,
          y + 12, r.first_failure_trial);
      y += kChartRowHeight;
    }
  }
  const int height = y + 8;
  std::string axis;
  for (int d = 0; d <= decades; ++d) {
    const double x = x_of(std::pow(10.0, d));
    fmt::format_to(std::back_inserter(axis),
                   "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"22\" x2=\"{0:.1f}\" y2=\"{1}\"/>"
                   "<text x=\"{0:.1f}\" y=\"16\" text-anchor=\"middle\">{2}</text>\n",
                   x, height - 4, static_cast<uint64_t>(std::llround(std::pow(10.0, d))));
  }
  fmt::format_to(std::back_inserter(out),
                 "<svg id=\"ttff-chart\" role=\"img\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 "
                 "{0} {1}\" aria-label=\"trials to first failure per finding, log scale\">\n"
                 "<text x=\"4\" y=\"16\">trial (log scale)</text>\n{2}{3}</svg>\n</section>\n",
                 kChartWidth, height, axis, body);
}

}  // namespace

std::string FormatHtmlReport(const RunResults& results, const std::vector<BreakDetail>& details) {
  const std::vector<FindingRef> findings = CollectFindings(results);
  const report_internal::VerdictCounts counts = report_internal::CountVerdicts(results);
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta "
                 "name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
                 "mapfault report (seed {})</title>\n<style>{}</style>\n</head>\n<body>\n<header>"
                 "\n<h1>mapfault report</h1>\n<div class=\"meta\"><span>seed <code>{}</code></span>"
                 "<span>{} cells</span><span>{:.1f} s</span>{}<span>",
                 results.seed, kStyle, results.seed, results.cells.size(), results.seconds,
                 results.partial ? "<span class=\"partial\">PARTIAL: stopped before every planned "
                                   "trial ran</span>"
                                 : "<span>complete run</span>");
  for (Verdict v : report_internal::kVerdictOrder) {
    out += Badge(v, fmt::format("{} {}", counts[static_cast<int>(v)], VerdictName(v))) + " ";
  }
  out += "</span></div>\n</header>\n<main>\n";
  AppendMatrix(results, findings, out);
  AppendCoverage(results, out);
  AppendChart(findings, out);
  fmt::format_to(it,
                 "<section id=\"findings\"><h2>Findings ({})</h2>\n<p class=\"controls\"><button "
                 "class=\"expand\" type=\"button\" data-open=\"1\">Expand all</button> <button "
                 "class=\"expand\" type=\"button\" data-open=\"0\">Collapse all</button></p>\n",
                 findings.size());
  if (findings.empty()) out += "<p>No findings: every invariant held in every trial.</p>\n";
  for (const FindingRef& f : findings) {
    const BreakDetail* detail = nullptr;
    for (const BreakDetail& d : details) detail = d.token == f.result->token ? &d : detail;
    AppendFinding(f, detail, out);
  }
  fmt::format_to(it, "</section>\n</main>\n<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace mapfault
