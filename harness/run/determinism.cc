// Trial fingerprints and the comparison of replays (see determinism.h).
#include "harness/run/determinism.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace mapfault {
namespace {

using json = nlohmann::json;

std::string_view KindName(TraceKind kind) {
  switch (kind) {
    case TraceKind::kYield: return "yield";
    case TraceKind::kLock: return "lock";
    case TraceKind::kLockShared: return "lock_shared";
    case TraceKind::kUnlock: return "unlock";
    case TraceKind::kAtomic: return "atomic";
    case TraceKind::kBlocked: return "blocked";
    case TraceKind::kOpInvoke: return "invoke";
    case TraceKind::kOpResponse: return "return";
    case TraceKind::kIterYield: return "visit";
    case TraceKind::kFinished: return "finished";
    case TraceKind::kSwitch: return "switch";
    case TraceKind::kRace: return "race";
    case TraceKind::kStaleRead: return "stale read";
  }
  return "?";
}

bool SameEvent(const TraceEvent& x, const TraceEvent& y) {
  const bool same_label =
      x.label == y.label ||
      (x.label != nullptr && y.label != nullptr && std::strcmp(x.label, y.label) == 0);
  return x.step == y.step && x.thread == y.thread && x.kind == y.kind && x.op == y.op &&
         x.a == y.a && x.b == y.b && same_label;
}

// The step at which thread `t`'s operation `index` returned in `trace` (`fallback` when the trace
// does not show it, e.g. a post-part operation: those run after the last scheduling step).
uint64_t ResponseStep(const std::vector<TraceEvent>& trace, size_t t, size_t index,
                      uint64_t fallback) {
  bool invoked = false;
  for (const TraceEvent& e : trace) {
    if (e.thread != t) continue;
    if (e.kind == TraceKind::kOpInvoke) invoked = e.a == static_cast<int64_t>(index);
    if (invoked && e.kind == TraceKind::kOpResponse) return e.step;
  }
  return fallback;
}

// The last scheduling step a (maybe dead) replay's trace shows.
uint64_t LastStep(const IsolatedOutcome& o) {
  return o.trace.empty() ? o.steps : std::max<uint64_t>(o.steps, o.trace.back().step);
}

// "replay diverged at step 12 (choice 3): expected T1 ..." -> "(choice 3): expected T1 ...".
std::string WithoutStepPrefix(const std::string& detail) {
  constexpr std::string_view kPrefix = "replay diverged at step ";
  if (detail.rfind(kPrefix, 0) != 0) return detail;
  size_t i = kPrefix.size();
  while (i < detail.size() && (std::isdigit(static_cast<unsigned char>(detail[i])) != 0)) ++i;
  while (i < detail.size() && (detail[i] == ':' || detail[i] == ' ')) ++i;
  return detail.substr(i);
}

// The first operation whose result differs between the original and the replay, by the step at
// which it returned in the replay.
std::optional<Divergence> CompareResults(const TrialFingerprint& original,
                                         const IsolatedOutcome& replay) {
  std::optional<Divergence> first;
  const size_t lists = std::min(original.results.size(), replay.results.size());
  for (size_t t = 0; t < lists; ++t) {
    const auto& want = original.results[t];
    const auto& got = replay.results[t];
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
      if (want[i] == got[i]) continue;
      const bool post = t + 1 == original.results.size();
      const uint64_t step = post ? replay.steps : ResponseStep(replay.trace, t, i, replay.steps);
      if (!first || step < first->step) {
        const std::string who = post ? std::string("post") : absl::StrCat("T", t);
        first = Divergence{step, absl::StrCat(who, " operation ", i + 1, " returned ", want[i],
                                              " in the original trial, ", got[i],
                                              " in the replay")};
      }
      break;
    }
  }
  return first;
}

// The replay against the original trial.
std::optional<Divergence> CompareWithOriginal(const TrialFingerprint& original,
                                              const std::vector<uint8_t>* choices,
                                              const IsolatedOutcome& replay) {
  if (replay.diverged) {
    return Divergence{replay.steps, absl::StrCat("the replay could not follow the original "
                                                 "schedule ", WithoutStepPrefix(replay.detail))};
  }
  if (!original.known) return std::nullopt;
  if (replay.kind != IsolatedOutcome::Kind::kCompleted) {
    return Divergence{LastStep(replay), absl::StrCat("the original trial completed, the replay's "
                                                     "worker did not: ", replay.detail)};
  }
  if (std::optional<Divergence> d = CompareResults(original, replay)) return d;
  if (original.steps != replay.steps) {
    return Divergence{std::min(original.steps, replay.steps) + 1,
                      absl::StrCat("the original trial took ", original.steps,
                                   " scheduling steps, the replay ", replay.steps)};
  }
  if (choices != nullptr && replay.choices != *choices) {
    return Divergence{replay.steps, absl::StrCat("the replay made ", replay.choices.size(),
                                                 " of the original's ", choices->size(),
                                                 " scheduling choices")};
  }
  return std::nullopt;
}

// Two replays' traces against each other, event by event.
std::optional<Divergence> CompareTraces(const IsolatedOutcome& replay,
                                        const IsolatedOutcome& shifted) {
  const std::vector<TraceEvent>& a = replay.trace;
  const std::vector<TraceEvent>& b = shifted.trace;
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && SameEvent(a[i], b[i])) ++i;
  constexpr const char* kOther = "the replay with a shifted heap";
  if (i < n) {
    return Divergence{a[i].step, absl::StrCat("expected ", DescribeTraceEvent(a[i]), ", ", kOther,
                                              " did ", DescribeTraceEvent(b[i]))};
  }
  if (a.size() != b.size()) {
    const TraceEvent& more = a.size() > b.size() ? a[i] : b[i];
    return Divergence{more.step, a.size() > b.size()
                                     ? absl::StrCat("expected ", DescribeTraceEvent(more), ", ",
                                                    kOther, " had ended")
                                     : absl::StrCat("the trial had ended, ", kOther, " did ",
                                                    DescribeTraceEvent(more))};
  }
  if (replay.kind != shifted.kind || replay.signal != shifted.signal ||
      replay.results != shifted.results) {
    return Divergence{replay.steps, absl::StrCat("the replays ended differently: \"",
                                                 replay.detail, "\" and, ", kOther, ", \"",
                                                 shifted.detail, "\"")};
  }
  return std::nullopt;
}

}  // namespace

TrialFingerprint FingerprintOf(const TrialResult& result) {
  TrialFingerprint f;
  f.known = true;
  f.steps = result.run.steps;
  for (const auto& ops : result.history.threads) {
    std::vector<std::string>& out = f.results.emplace_back();
    for (const OpRecord& op : ops) out.push_back(op.ResultString());
  }
  std::vector<std::string>& post = f.results.emplace_back();
  for (const OpRecord& op : result.history.post) post.push_back(op.ResultString());
  return f;
}

TrialFingerprint FingerprintOf(const IsolatedOutcome& outcome) {
  TrialFingerprint f;
  f.known = outcome.kind == IsolatedOutcome::Kind::kCompleted && !outcome.diverged;
  if (!f.known) return f;
  f.steps = outcome.steps;
  f.results = outcome.results;
  return f;
}

json FingerprintToJson(const TrialFingerprint& fingerprint) {
  return {{"s", fingerprint.steps}, {"r", fingerprint.results}};
}

TrialFingerprint FingerprintFromJson(const json& j) {
  TrialFingerprint f;
  if (!j.is_object() || !j.contains("s") || !j.contains("r")) return f;
  const json& s = j["s"];
  const json& r = j["r"];
  if (!s.is_number_unsigned() || !r.is_array()) return f;
  for (const json& list : r) {
    if (!list.is_array()) return TrialFingerprint{};
    std::vector<std::string>& out = f.results.emplace_back();
    for (const json& x : list) {
      if (!x.is_string()) return TrialFingerprint{};
      out.push_back(x.get<std::string>());
    }
  }
  f.steps = s.get<uint64_t>();
  f.known = true;
  return f;
}

std::optional<Divergence> FindDivergence(const TrialFingerprint& original,
                                         const std::vector<uint8_t>* choices,
                                         const IsolatedOutcome& replay,
                                         const IsolatedOutcome& shifted) {
  if (std::optional<Divergence> d = CompareWithOriginal(original, choices, replay)) return d;
  if (shifted.diverged) {
    return Divergence{shifted.steps, absl::StrCat("the replay with a shifted heap could not follow "
                                                  "the original schedule ",
                                                  WithoutStepPrefix(shifted.detail))};
  }
  return CompareTraces(replay, shifted);
}

std::optional<Divergence> CompareDeath(IsolatedOutcome::Kind kind, int signal,
                                       const std::string& how, const IsolatedOutcome& replay) {
  if (replay.kind == kind && replay.signal == signal) return std::nullopt;
  return Divergence{LastStep(replay),
                    absl::StrCat("in the original trial ", how, "; the replay ",
                                 replay.kind == IsolatedOutcome::Kind::kCompleted
                                     ? std::string("completed")
                                     : absl::StrCat("ended otherwise: ", replay.detail))};
}

std::string DescribeTraceEvent(const TraceEvent& e) {
  const std::string who = absl::StrCat("T", e.thread);
  const std::string label =
      e.label != nullptr ? std::string(e.label) : std::string(KindName(e.kind));
  switch (e.kind) {
    case TraceKind::kOpInvoke:
      return absl::StrCat(who, " ", label, " (operation ", e.a + 1, ")");
    case TraceKind::kOpResponse:
      return absl::StrCat(who, " ", label, " returned ", e.b, " (key ", e.a, ")");
    case TraceKind::kIterYield:
      return absl::StrCat(who, " ", label, " (key ", e.a, ", value ", e.b, ")");
    case TraceKind::kSwitch: return absl::StrCat("a switch to ", who);
    case TraceKind::kFinished: return absl::StrCat(who, " finishing");
    case TraceKind::kRace:
      return absl::StrCat(who, " racing ", e.b ? "write" : "read", " at ", label, ":", e.a);
    case TraceKind::kStaleRead:
      return absl::StrCat(who, " reading store #", e.a, " (", e.b, " newer)");
    default: return absl::StrCat(who, " ", std::string(KindName(e.kind)), " \"", label, "\"");
  }
}

}  // namespace mapfault
