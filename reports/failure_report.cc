// Failure report formatting.
#include "reports/failure_report.h"

#include <algorithm>

#include <map>
#include <utility>

#include "fmt/format.h"
#include "harness/engine/happens_before.h"
#include "reports/report_detail.h"

namespace mapfault {
namespace {

constexpr size_t kColumn = 36;

std::string Fit(std::string s, size_t width) {
  if (s.size() > width) {
    s.resize(width - 3);
    s += "...";
  }
  return s;
}

// `text` in lines of at most `width` characters, so that no part of a step is lost: broken at the
// last space that fits (a word longer than a line at the width), each continuation indented two
// more than the text's own indent. Empty text is one empty line.
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  const size_t indent = std::min(text.find_first_not_of(' '), text.size()) + 2;
  const std::string continuation(std::min(indent, width / 2), ' ');
  std::vector<std::string> lines;
  std::string rest = text;
  while (rest.size() > width) {
    size_t cut = rest.rfind(' ', width);
    const size_t lead = lines.empty() ? indent - 2 : continuation.size();
    if (cut == std::string::npos || cut <= lead) cut = width;  // no space to break at
    lines.push_back(rest.substr(0, cut));
    rest = continuation + rest.substr(cut == width ? cut : cut + 1);
  }
  lines.push_back(rest);
  return lines;
}

// What a scheduling point's access did, by (thread, step): the two accesses of a data race
// (TraceKind::kRace) and the stores weak loads read when not the latest (kStaleRead). Each is
// shown on the row of its thread's scheduling point at that step, the one it was executing.
using PointMarks = std::map<std::pair<int, uint32_t>, std::string>;

bool IsPointMark(TraceKind kind) {
  return kind == TraceKind::kRace || kind == TraceKind::kStaleRead;
}

PointMarks PointMarksOf(const std::vector<TraceEvent>& trace) {
  PointMarks marks;
  for (const TraceEvent& e : trace) {
    if (e.kind == TraceKind::kRace) {
      marks[{e.thread, e.step}] = fmt::format("! racing {} ({}:{})", e.b ? "write" : "read",
                                              SourcePath(e.label), e.a);
    } else if (e.kind == TraceKind::kStaleRead) {
      marks[{e.thread, e.step}] = report_internal::StaleReadText(e);
    }
  }
  return marks;
}

bool HasKind(const std::vector<TraceEvent>& trace, TraceKind kind) {
  return std::any_of(trace.begin(), trace.end(), [kind](const TraceEvent& e) {
    return e.kind == kind;
  });
}

bool IsSchedulingPoint(TraceKind kind) {
  return kind == TraceKind::kYield || kind == TraceKind::kLock || kind == TraceKind::kLockShared ||
         kind == TraceKind::kUnlock || kind == TraceKind::kAtomic;
}

// One step of the interleaving: `step` in the first column, `text` in thread `thread`'s column
// (wrapped; continuation lines leave the step column empty).
std::string InterleavingRow(const std::string& step, int thread, int threads,
                            const std::string& text) {
  std::string out;
  const std::vector<std::string> lines = Wrap(text, kColumn);
  for (size_t line = 0; line < lines.size(); ++line) {
    out += fmt::format("{:>6} |", line == 0 ? step : "");
    for (int t = 0; t < threads; ++t) {
      out += fmt::format(" {:<{}} |", t == thread ? lines[line] : "", kColumn);
    }
    out += "\n";
  }
  return out;
}

using report_internal::ResultText;

// Per-thread operation results reconstructed from the trace (used when the worker died).
std::vector<std::vector<std::string>> ResultsFromTrace(const Program& program,
                                                       const std::vector<TraceEvent>& trace) {
  std::vector<std::vector<std::string>> results(program.threads.size());
  std::vector<std::string> yielded(program.threads.size());
  for (const TraceEvent& e : trace) {
    if (e.thread >= program.threads.size()) continue;
    auto& r = results[e.thread];
    if (e.kind == TraceKind::kOpInvoke) {
      yielded[e.thread].clear();
    } else if (e.kind == TraceKind::kIterYield) {
      yielded[e.thread] += fmt::format("{}{}{}", yielded[e.thread].empty() ? "" : " ", e.a,
                                       e.op == static_cast<uint8_t>(VisitAction::kEraseThis)
                                           ? "(erased)"
                                           : "");
    } else if (e.kind == TraceKind::kOpResponse) {
      const OpKind kind = static_cast<OpKind>(e.op);
      r.push_back(kind == OpKind::kForEach ? "[" + yielded[e.thread] + "]" : ResultText(kind, e.b));
    }
  }
  for (size_t t = 0; t < results.size(); ++t) {
    if (results[t].size() < program.threads[t].size()) {
      std::string partial = "(did not return)";
      if (!yielded[t].empty()) partial = "(did not return; had yielded [" + yielded[t] + "])";
      results[t].push_back(partial);
    }
  }
  return results;
}

std::string EventText(const TraceEvent& e, const Program& program) {
  switch (e.kind) {
    case TraceKind::kOpInvoke: {
      const auto& ops = program.threads[e.thread];  // the event carries the op's index in `a`
      if (e.a >= 0 && static_cast<size_t>(e.a) < ops.size()) return "> " + ops[e.a].ToString();
      return fmt::format("> {}", e.label);
    }
    case TraceKind::kOpResponse:
      return fmt::format("< {}", ResultText(static_cast<OpKind>(e.op), e.b));
    case TraceKind::kSwitch: return "-- runs --";
    case TraceKind::kIterYield:
      return fmt::format("  visit {}={}{}", e.a, e.b,
                         e.op == static_cast<uint8_t>(VisitAction::kEraseThis) ? " -> erase" : "");
    case TraceKind::kBlocked: return fmt::format("  blocked: {}", e.label);
    case TraceKind::kFinished: return "  (thread finished)";
    default: return fmt::format("  {}", e.label);
  }
}

// The header, the parameters and the init part.
std::string ProgramHeader(const ReplayToken& token, const Program& program) {
  std::string out;
  out += fmt::format("= {} / {} ({} mode, strategy {}, seed {}) =\n", token.backend, token.scenario,
                     token.mode == ExecMode::kControlled ? "controlled" : "perturbed",
                     token.strategy.ToString(), token.seed);
  out += fmt::format("parameters: threads={} keys={} initial={} ops={}\n\n", token.params.threads,
                     token.params.keys, token.params.initial, token.params.ops);
  std::string init;
  for (const auto& [k, v] : program.init) {
    init += fmt::format("{}insert({}, {})", init.empty() ? "" : ", ", k, v);
  }
  out += fmt::format("Init part:\n  {}\n\n", init.empty() ? "(empty)" : init);
  return out;
}

// The parallel part as a table of operations and their results, then the post part.
std::string ProgramResults(const Program& program, const IsolatedOutcome& outcome) {
  const int threads = static_cast<int>(program.threads.size());
  std::vector<std::vector<std::string>> results = outcome.results;
  if (results.empty()) results = ResultsFromTrace(program, outcome.trace);
  std::string out = "Parallel part (operation -> result in this replay):\n";
  size_t rows = 0;
  for (const auto& ops : program.threads) rows = std::max(rows, ops.size());
  out += "|";
  for (int t = 0; t < threads; ++t) out += fmt::format(" {:<{}} |", fmt::format("T{}", t), kColumn);
  out += "\n|";
  for (int t = 0; t < threads; ++t) out += std::string(kColumn + 2, '-') + "|";
  out += "\n";
  for (size_t i = 0; i < rows; ++i) {
    out += "|";
    for (int t = 0; t < threads; ++t) {
      std::string cell;
      if (i < program.threads[t].size()) {
        cell = program.threads[t][i].ToString() + " -> " +
               (i < results[t].size() ? results[t][i] : "(not reached)");
      }
      out += fmt::format(" {:<{}} |", Fit(cell, kColumn), kColumn);
    }
    out += "\n";
  }
  out += "\nPost part:\n";
  const bool have_post = static_cast<int>(results.size()) > threads;
  for (size_t i = 0; i < program.post.size(); ++i) {
    out += fmt::format("  {} -> {}\n", program.post[i].ToString(),
                       have_post && i < results[threads].size() ? results[threads][i]
                                                                : "(not reached)");
  }
  return out;
}

// The interleaving: one row per event, in the thread's column, and where a dead worker stopped.
std::string Interleaving(const ReplayToken& token, const Program& program,
                         const IsolatedOutcome& outcome) {
  const int threads = static_cast<int>(program.threads.size());
  std::string out;
  int preemptions = 0;
  uint32_t steps = 0;  // the last step (a race's earlier access is recorded after it)
  for (const TraceEvent& e : outcome.trace) {
    preemptions += e.preempted;
    steps = std::max(steps, e.step);
  }
  const bool perturbed = token.mode == ExecMode::kPerturbed;
  std::vector<TraceEvent> trace = outcome.trace;
  if (perturbed) {
    // Real threads append concurrently: order by the history clock, which follows real time.
    std::stable_sort(trace.begin(), trace.end(),
                     [](const TraceEvent& a, const TraceEvent& b) { return a.step < b.step; });
    out += "\nThe operations of this replay on real threads, in history-clock order (a perturbed "
           "replay is one sample: see `--times N` for the reproduction rate):\n";
  } else {
    out += fmt::format(
        "\nThe following interleaving leads to the error ({} scheduling steps, {} preemptions):\n",
        steps, preemptions);
  }
  out += fmt::format("{:>6} |", perturbed ? "t" : "step");
  for (int t = 0; t < threads; ++t) out += fmt::format(" {:<{}} |", fmt::format("T{}", t), kColumn);
  out += "\n";
  uint32_t last_step = ~0u;
  int running = -1;
  PointMarks marks = PointMarksOf(trace);
  for (const TraceEvent& e : trace) {
    if (e.thread >= threads) continue;
    if (e.kind == TraceKind::kSwitch) {
      running = e.thread;
      continue;  // shown as the thread column changing
    }
    std::string text = EventText(e, program);
    if (IsPointMark(e.kind)) {
      const auto mark = marks.find({e.thread, e.step});
      if (mark == marks.end()) continue;  // already shown on its point's row
      text = mark->second;  // an access before the thread's first point
      marks.erase(mark);
    } else if (IsSchedulingPoint(e.kind)) {
      const auto mark = marks.find({e.thread, e.step});
      if (mark != marks.end()) {
        text += " " + mark->second;
        marks.erase(mark);
      }
    }
    std::string step = e.step != last_step ? fmt::format("{}{}", e.step, e.preempted ? "*" : " ")
                                           : (e.preempted ? "*" : "");
    last_step = e.step;
    out += InterleavingRow(step, static_cast<int>(e.thread), threads, text);
  }
  out += "Legend: a scheduling point is named after what the thread does next; '>' an operation\n"
         "starts, '<' it returns, 'visit k=v' the iterator shows an entry; '*' a preemption: the\n"
         "thread was switched out at that point although it could have continued. A step too long\n"
         "for its column goes on, indented, in the rows below it.\n";
  if (HasKind(trace, TraceKind::kRace)) {
    out += "'!' marks the two accesses of the data race, each on the row of the step that made "
           "it.\n";
  }
  if (HasKind(trace, TraceKind::kStaleRead)) {
    out += "'->' names the store an atomic load read when it was not the latest it could read:\n"
           "#k is its place in the location's modification order in this trial (#0: the value\n"
           "before the trial), 'n newer' the stores after it the load did not see "
           "(docs/memory-model.md).\n";
  }
  if (outcome.kind != IsolatedOutcome::Kind::kCompleted && running >= 0) {
    std::string where;
    for (const TraceEvent& e : outcome.trace) {
      if (e.thread == running && e.kind != TraceKind::kSwitch) where = e.label;
    }
    out += fmt::format("The worker died while T{} was running (after its last event: {}).\n",
                       running, where);
  }
  return out;
}

// What the replay broke, with the evidence.
std::string Verdicts(const IsolatedOutcome& outcome) {
  std::string out = "\nResult:\n";
  const std::vector<Violation> violations = outcome.AllViolations();
  if (outcome.diverged) out += fmt::format("  REPLAY DIVERGED: {}\n", outcome.detail);
  if (violations.empty()) out += "  every invariant held in this replay\n";
  for (const Violation& v : violations) {
    out += fmt::format("  {} violated: {}\n", InvariantId(v.invariant), v.explanation);
    if (!v.evidence.empty()) out += "    evidence:\n";
    for (const std::string& e : v.evidence) out += fmt::format("      {}\n", e);
  }
  for (const Stack& stack : outcome.stacks) {  // in full
    for (const std::string& line : StackLines(stack)) out += fmt::format("  {}\n", line);
  }
  return out;
}

}  // namespace

std::string FormatFailureReport(const ReplayToken& token, const Program& program,
                                const IsolatedOutcome& outcome) {
  return ProgramHeader(token, program) + ProgramResults(program, outcome) +
         Interleaving(token, program, outcome) + Verdicts(outcome);
}

}  // namespace mapfault
