// Shared pieces of the file reports (JUnit XML, Markdown, HTML): the replayed detail of one finding
// that the CLI hands to the HTML report, small helpers the reporters share (findings in report
// order, verdict counts, failure rates, markup escaping), and the reading of a replayed trace (each
// event as text, the events a violation's evidence names, the event a dead worker stopped after).
#ifndef MAPFAULT_REPORTS_REPORT_DETAIL_H_
#define MAPFAULT_REPORTS_REPORT_DETAIL_H_

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "harness/run/token.h"
#include "reports/replay_argument.h"
#include "harness/run/verdict.h"
#include "harness/run/worker.h"
#include "scenarios/scenario.h"

namespace mapfault {

// One finding replayed alone in a fresh worker with its full trace. The CLI builds it per finding:
// `decoded` = ReplayToken::Decode(token), `program` = GenerateProgram(scenario, decoded.params,
// decoded.seed), `outcome` = RunTrialIsolated(spec built from `decoded`, watchdog), exactly as
// `mapfault replay` does.
struct BreakDetail {
  std::string token;  // InvariantResult::token of the finding this details
  ReplayToken decoded;
  Program program;
  IsolatedOutcome outcome;
};

namespace report_internal {

// A finding: an invariant result with a replay token, numbered 1.. in report order (cells in run
// order, invariants in kAllInvariants order).
struct FindingRef {
  int number = 0;
  const CellResult* cell = nullptr;
  Invariant invariant = Invariant::kNoCrash;
  const InvariantResult* result = nullptr;
};

inline std::vector<FindingRef> CollectFindings(const RunResults& results) {
  std::vector<FindingRef> out;
  for (const CellResult& c : results.cells) {
    for (Invariant inv : kAllInvariants) {
      const InvariantResult& r = c.invariants[static_cast<int>(inv)];
      if (r.token.empty()) continue;
      out.push_back({static_cast<int>(out.size()) + 1, &c, inv, &r});
    }
  }
  return out;
}

// Whether two cells of `results` share a backend and a scenario (a run with several --strategy):
// the reports then name each cell's strategy next to its backend and scenario.
inline bool CellsDifferByStrategy(const RunResults& results) {
  for (size_t i = 0; i < results.cells.size(); ++i) {
    for (size_t j = i + 1; j < results.cells.size(); ++j) {
      if (results.cells[i].backend == results.cells[j].backend &&
          results.cells[i].scenario == results.cells[j].scenario) {
        return true;
      }
    }
  }
  return false;
}

inline constexpr Verdict kVerdictOrder[] = {Verdict::kBroken, Verdict::kDetected,
                                            Verdict::kOutOfContract, Verdict::kHolds,
                                            Verdict::kNotRun};

using VerdictCounts = std::array<uint64_t, 5>;  // indexed by static_cast<int>(Verdict)

inline VerdictCounts CountVerdicts(const RunResults& results) {
  VerdictCounts counts{};
  for (const CellResult& c : results.cells) {
    for (Invariant inv : kAllInvariants) {
      ++counts[static_cast<int>(c.invariants[static_cast<int>(inv)].verdict)];
    }
  }
  return counts;
}

// "1 BROKEN, 1 DETECTED, 1 OUT_OF_CONTRACT, 20 HOLDS, 1 NOT_RUN", as the console prints it.
inline std::string CountsText(const VerdictCounts& counts) {
  std::string out;
  for (Verdict v : kVerdictOrder) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", counts[static_cast<int>(v)],
                       VerdictName(v));
  }
  return out;
}

// The matrix cell of a verdict: ok / BROKEN / ooc / DETECTED / -.
inline std::string_view VerdictCellText(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "ok";
    case Verdict::kBroken: return "BROKEN";
    case Verdict::kOutOfContract: return "ooc";
    case Verdict::kDetected: return "DETECTED";
    case Verdict::kNotRun: return "-";
  }
  return "?";
}

inline double FailurePercent(const InvariantResult& r) {
  return r.evaluated > 0 ? 100.0 * static_cast<double>(r.failures) / r.evaluated : 0.0;
}

// "31 of 834 trials (3.7%)".
inline std::string FailureRateText(const InvariantResult& r) {
  return fmt::format("{} of {} trials ({:.1f}%)", r.failures, r.evaluated, FailurePercent(r));
}

// "reproduced 7/10 in replays" for a break whose rate was measured (perturbed, or a controlled one
// whose replay diverged); "" otherwise.
inline std::string ReproductionText(const InvariantResult& r) {
  if (r.replays == 0) return "";
  return fmt::format("reproduced {}/{} in replays", r.reproduced, r.replays);
}

// A perturbed break whose reproduction rate was measured (a diverged controlled finding has a rate
// too, stated by DivergenceText).
inline bool PerturbedRate(const InvariantResult& r) {
  return r.replays > 0 && r.replay_check != ReplayCheck::kDiverged;
}

// The one finding that may be said to replay exactly: a controlled one whose determinism check
// passed. "" for every other (perturbed, diverged, not checked).
inline std::string ExactReplayText(const InvariantResult& r) {
  if (r.replay_check != ReplayCheck::kExact) return "";
  return "replays exactly: two replays in fresh workers (one with its heap shifted) agreed with "
         "the original trial and with each other step for step";
}

// "nondeterministic backend: replay diverged at step 12 (expected ..., ...); reproduced 3/10 in
// replays" for a controlled finding whose replays diverged; "" otherwise.
inline std::string DivergenceText(const InvariantResult& r) {
  if (r.replay_check != ReplayCheck::kDiverged) return "";
  std::string out = fmt::format("nondeterministic backend: replay diverged at step {} ({})",
                                r.diverged_at_step, r.divergence);
  if (r.replays > 0) out += "; " + ReproductionText(r);
  return out;
}

using ::mapfault::ReplayCommand;  // reports/replay_argument.h

// Length of the well-formed UTF-8 sequence (of a character XML allows) at s[i], or 0.
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
  } else {
    return 0;
  }
  const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;  // shortest form only
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7Fu >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
    return 0;
  }
  return n;
}

// Escapes text for XML 1.0 and HTML: the five markup characters become entities; control
// characters neither language allows become a visible "\xNN"; malformed UTF-8 becomes U+FFFD. In an
// attribute (`attribute` true) tab, newline and carriage return are kept as character references,
// which survive attribute-value normalisation.
inline std::string EscapeMarkup(std::string_view s, bool attribute = false) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += fmt::format("\\x{:02x}", u);
        } else if (const size_t n = Utf8SequenceLength(s, i); n == 0) {
          out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        } else {
          out.append(s.substr(i, n));
          i += n;
          continue;
        }
    }
    ++i;
  }
  return out;
}

// An operation's result as carried by a kOpResponse trace event.
inline std::string ResultText(OpKind kind, int64_t result) {
  switch (kind) {
    case OpKind::kInsert:
    case OpKind::kErase: return result ? "true" : "false";
    case OpKind::kFind: return result < 0 ? "absent" : fmt::format("{}", result);
    case OpKind::kSize: return fmt::format("{}", result);
    case OpKind::kForEach: return fmt::format("{} entries", result);
    case OpKind::kAssign:
    case OpKind::kClear: return "done";
  }
  return "?";
}

// The program operation a kOpInvoke event starts (its index is in `a`), or null.
inline const OpSpec* ProgramOp(const Program& program, const TraceEvent& e) {
  if (e.thread >= program.threads.size()) return nullptr;
  const auto& ops = program.threads[e.thread];
  return e.a >= 0 && static_cast<size_t>(e.a) < ops.size() ? &ops[e.a] : nullptr;
}

// A weak atomic load that read an older store (TraceKind::kStaleRead): "-> read store #3 (stale:
// 1 newer)".
inline std::string StaleReadText(const TraceEvent& e) {
  return fmt::format("-> read store #{} (stale: {} newer)", e.a, e.b);
}

// An event as one line of its thread's column, as the failure report's step table shows it:
// "> insert(3, 10)", "< true", "visit 3=10", "blocked: mutex.lock", or the scheduling point's
// label.
inline std::string EventText(const TraceEvent& e, const Program& program) {
  const char* label = e.label != nullptr ? e.label : "";
  switch (e.kind) {
    case TraceKind::kOpInvoke: {
      const OpSpec* op = ProgramOp(program, e);
      return op != nullptr ? "> " + op->ToString() : fmt::format("> {}", label);
    }
    case TraceKind::kOpResponse: return "< " + ResultText(static_cast<OpKind>(e.op), e.b);
    case TraceKind::kIterYield:
      return fmt::format("visit {}={}{}", e.a, e.b,
                         e.op == static_cast<uint8_t>(VisitAction::kEraseThis) ? " -> erase" : "");
    case TraceKind::kBlocked: return fmt::format("blocked: {}", label);
    case TraceKind::kFinished: return "(thread finished)";
    case TraceKind::kStaleRead: return StaleReadText(e);
    default: return label;
  }
}

// Whether `line` mentions `needle` as a whole phrase ("T1 erase(3)" is not inside "T11 erase(3)");
// returns what follows it.
inline std::optional<std::string_view> Mention(std::string_view line, std::string_view needle) {
  for (size_t pos = line.find(needle); pos != std::string_view::npos;
       pos = line.find(needle, pos + 1)) {
    const char before = pos == 0 ? ' ' : line[pos - 1];
    if (std::isalnum(static_cast<unsigned char>(before)) == 0) {
      return line.substr(pos + needle.size());
    }
  }
  return std::nullopt;
}

// Marks the trace events the evidence names: operations ("T1 erase(3) -> true [t=4..9]": its
// invoke and response, when the result matches) and iteration yields ("T0 for_each() yielded key 3
// (value 1003) at t=2").
inline std::vector<bool> EvidenceEvents(const BreakDetail& d,
                                        const std::vector<std::string>& evidence) {
  const std::vector<TraceEvent>& trace = d.outcome.trace;
  const size_t threads = d.program.threads.size();
  std::vector<bool> marked(trace.size(), false);
  std::vector<size_t> response(trace.size(), trace.size());
  std::vector<size_t> open(threads, trace.size());
  for (size_t i = 0; i < trace.size(); ++i) {
    const TraceEvent& e = trace[i];
    if (e.thread >= threads) continue;
    if (e.kind == TraceKind::kOpInvoke) open[e.thread] = i;
    if (e.kind == TraceKind::kOpResponse && open[e.thread] < trace.size()) {
      response[open[e.thread]] = i;
      open[e.thread] = trace.size();
    }
  }
  for (size_t i = 0; i < trace.size(); ++i) {
    const TraceEvent& e = trace[i];
    if (e.thread >= threads) continue;
    if (e.kind == TraceKind::kIterYield) {
      const std::string needle =
          fmt::format("T{} for_each() yielded key {} (value {})", e.thread, e.a, e.b);
      for (const std::string& line : evidence) marked[i] = marked[i] || Mention(line, needle);
      continue;
    }
    const OpSpec* op = e.kind == TraceKind::kOpInvoke ? ProgramOp(d.program, e) : nullptr;
    if (op == nullptr) continue;
    const bool each = op->kind == OpKind::kForEach;
    const std::string needle =
        fmt::format("T{} {}", e.thread, each ? std::string("for_each()") : op->ToString());
    for (const std::string& line : evidence) {
      const std::optional<std::string_view> rest = Mention(line, needle);
      if (!rest || rest->starts_with(" yielded") || rest->starts_with("'s erase-this")) continue;
      if (!each && rest->starts_with(" -> ")) {
        const std::string_view said = rest->substr(4, rest->find(" [") - 4);
        const std::string got = response[i] < trace.size()
                                    ? ResultText(op->kind, trace[response[i]].b)
                                    : "(did not return)";
        if (said != got) continue;
      }
      marked[i] = true;
      if (response[i] < trace.size()) marked[response[i]] = true;
      break;
    }
  }
  return marked;
}

// The event the worker died after: the last one of the thread that was running.
inline std::optional<size_t> FatalEvent(const IsolatedOutcome& outcome) {
  if (outcome.kind == IsolatedOutcome::Kind::kCompleted) return std::nullopt;
  int running = -1;
  std::optional<size_t> last, last_of_running;
  for (size_t i = 0; i < outcome.trace.size(); ++i) {
    const TraceEvent& e = outcome.trace[i];
    if (e.kind == TraceKind::kSwitch) {
      running = e.thread;
      continue;
    }
    last = i;
    if (e.thread == running) last_of_running = i;
  }
  return last_of_running ? last_of_running : last;
}

}  // namespace report_internal
}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_REPORT_DETAIL_H_
