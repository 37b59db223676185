// Strategy specs: parsing, printing and construction, all from the strategy table.
#include "harness/strategies/strategy_spec.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "harness/strategies/replay_strategy.h"

namespace mapfault {

std::string StrategySpec::ToString() const {
  const StrategyRow& row = StrategyRowOf(kind);
  std::string text(row.name);
  if (row.format_params != nullptr) text.append(":").append(row.format_params(*this));
  if (preempt) text.append("+preempt");
  if (memory_model == MemoryModel::kSc) text.append("+sc");
  return text;
}

absl::StatusOr<StrategySpec> StrategySpec::Parse(const std::string& full_text) {
  std::string text = full_text;
  const auto strip = [&text](std::string_view suffix) {
    if (text.size() <= suffix.size() ||
        std::string_view(text).substr(text.size() - suffix.size()) != suffix) {
      return false;
    }
    text.resize(text.size() - suffix.size());
    return true;
  };
  MemoryModel model = MemoryModel::kC11;
  if (strip("+sc")) {
    model = MemoryModel::kSc;
  } else {
    strip("+c11");
  }
  const bool preempt = strip("+preempt");
  absl::StatusOr<StrategySpec> spec = ParseKind(text);
  if (spec.ok()) {
    spec->preempt = preempt;
    spec->memory_model = model;
  }
  return spec;
}

absl::StatusOr<StrategySpec> StrategySpec::ParseKind(const std::string& text) {
  for (const StrategyRow& row : StrategyRows()) {
    if (text == row.name) {
      StrategySpec spec;
      spec.kind = row.kind;
      return spec;
    }
  }
  for (const StrategyRow& row : StrategyRows()) {
    if (row.parse_params == nullptr || text.size() <= row.name.size() ||
        text.compare(0, row.name.size(), row.name) != 0 || text[row.name.size()] != ':') {
      continue;
    }
    StrategySpec with_params;
    with_params.kind = row.kind;
    const absl::Status status =
        row.parse_params(text, std::string_view(text).substr(row.name.size() + 1), with_params);
    if (status.ok()) return with_params;
    if (!absl::IsNotFound(status)) return status;  // this strategy's syntax, a bad value
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown strategy '", text, "': valid strategies are ", ValidStrategySpellings(),
                   " (perturbed ones may end in +preempt, controlled ones in +sc or +c11)"));
}

std::unique_ptr<Strategy> MakeStrategy(const StrategySpec& spec, uint64_t seed) {
  const StrategyRow& row = StrategyRowOf(spec.kind);
  if (row.make_controlled != nullptr) return row.make_controlled(spec, seed);
  return StrategyRowOf(row.in_controlled).make_controlled(spec, seed);
}

std::unique_ptr<Strategy> MakeReplayStrategy(std::vector<uint8_t> choices, bool lenient) {
  return std::make_unique<ReplayStrategy>(std::move(choices), lenient);
}

}  // namespace mapfault
