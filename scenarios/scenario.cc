// Scenario programs: visitor plans, printing, and the scenario registry.
#include "scenarios/scenario.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace mapfault {

VisitAction VisitPlan::Decide(Key k, Value v, uint32_t shown_so_far) const {
  if (stop_after != 0 && shown_so_far >= stop_after) return VisitAction::kStop;
  switch (mode) {
    case Mode::kContinue:
      return VisitAction::kContinue;
    case Mode::kEraseKeyMod: {
      if (param <= 0) return VisitAction::kContinue;
      int64_t r = k % param;  // in (-param, param): adding param to a negative one cannot overflow
      if (r < 0) r += param;
      return r == param2 ? VisitAction::kEraseThis : VisitAction::kContinue;
    }
    case Mode::kEraseValueBelow:
      return v < param ? VisitAction::kEraseThis : VisitAction::kContinue;
  }
  return VisitAction::kContinue;
}

std::string VisitPlan::ToString() const {
  std::string out;
  switch (mode) {
    case Mode::kContinue: out = "visit all"; break;
    case Mode::kEraseKeyMod: out = absl::StrCat("erase if key%", param, "==", param2); break;
    case Mode::kEraseValueBelow: out = absl::StrCat("erase if value<", param); break;
  }
  if (stop_after != 0) absl::StrAppend(&out, ", stop after ", stop_after);
  for (const VisitWrite& w : writes) {
    OpSpec op;
    op.kind = w.kind;
    op.key = w.key;
    op.value = w.value;
    absl::StrAppend(&out, ", at ", w.at_visit, " ", op.ToString());
  }
  return out;
}

std::string OpSpec::ToString() const {
  switch (kind) {
    case OpKind::kInsert: return absl::StrCat("insert(", key, ", ", value, ")");
    case OpKind::kAssign: return absl::StrCat("assign(", key, ", ", value, ")");
    case OpKind::kErase: return absl::StrCat("erase(", key, ")");
    case OpKind::kFind: return absl::StrCat("find(", key, ")");
    case OpKind::kSize: return "size()";
    case OpKind::kClear: return "clear()";
    case OpKind::kForEach: return absl::StrCat("for_each(", visit.ToString(), ")");
  }
  return "?";
}

namespace {

// The draw of DistinctKeys into `out`: a shuffle of every key, cut to `count`.
void DistinctKeysInto(int keys, int count, Rng& rng, std::vector<Key>& out) {
  out.resize(std::max(keys, 0));
  std::iota(out.begin(), out.end(), Key{0});
  for (int i = static_cast<int>(out.size()) - 1; i > 0; --i) {
    std::swap(out[i], out[rng.Below(i + 1)]);
  }
  out.resize(std::min<size_t>(out.size(), std::max(count, 0)));
}

thread_local Program spare_program;

}  // namespace

std::vector<Key> DistinctKeys(int keys, int count, Rng& rng) {
  std::vector<Key> all;
  DistinctKeysInto(keys, count, rng, all);
  return all;
}

std::vector<std::pair<Key, Value>> RandomInitEntries(int keys, int initial, Rng& rng) {
  std::vector<std::pair<Key, Value>> init;
  RandomInitEntriesInto(keys, initial, rng, init);
  return init;
}

void RandomInitEntriesInto(int keys, int initial, Rng& rng,
                           std::vector<std::pair<Key, Value>>& out) {
  thread_local std::vector<Key> chosen;
  DistinctKeysInto(keys, initial, rng, chosen);
  out.clear();
  out.reserve(chosen.size());
  for (Key k : chosen) out.emplace_back(k, kInitValueBase + k);
}

std::vector<OpSpec> DefaultPostOps() {
  std::vector<OpSpec> post;
  SetDefaultPostOps(post);
  return post;
}

void SetDefaultPostOps(std::vector<OpSpec>& post) {
  post.clear();
  post.resize(2);
  post[0].kind = OpKind::kSize;
  post[1].kind = OpKind::kForEach;
}

Program SpareProgram(int threads) {
  Program p = std::move(spare_program);  // leaves the spare's vectors empty
  p.init.clear();
  p.post.clear();
  p.threads.resize(static_cast<size_t>(std::max(threads, 0)));
  for (std::vector<OpSpec>& ops : p.threads) ops.clear();
  return p;
}

void RecycleProgram(Program&& program) { spare_program = std::move(program); }

size_t Program::OpCount() const {
  size_t n = init.size() + post.size();
  for (const auto& t : threads) n += t.size();
  return n;
}

bool Program::HasVisitorWrites() const {
  const auto writes = [](const std::vector<OpSpec>& ops) {
    return std::any_of(ops.begin(), ops.end(), [](const OpSpec& op) {
      return op.kind == OpKind::kForEach && !op.visit.writes.empty();
    });
  };
  return writes(post) || std::any_of(threads.begin(), threads.end(), writes);
}

const ScenarioRegistry& ScenarioRegistry::Builtin() {
  static const ScenarioRegistry* registry = [] {
    auto* r = new ScenarioRegistry();
    AddBuiltinScenarios(*r);
    return r;
  }();
  return *registry;
}

const Scenario* ScenarioRegistry::Find(const std::string& id) const {
  for (const Scenario& s : scenarios_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string ScenarioRegistry::ValidIds() const {
  std::string out;
  for (const Scenario& s : scenarios_) absl::StrAppend(&out, out.empty() ? "" : ", ", s.id);
  return out;
}

}  // namespace mapfault
