// Strategy specs: parsing, printing and construction.
#include "harness/strategies/strategy_spec.h"

#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/strategies/pct_strategy.h"
#include "harness/strategies/random_strategy.h"
#include "harness/strategies/replay_strategy.h"

namespace mapfault {

std::string StrategySpec::ToString() const {
  const char* suffix = preempt ? "+preempt" : "";
  switch (kind) {
    case Kind::kRandom: return absl::StrCat("random", suffix);
    case Kind::kPct: return absl::StrCat("pct:d=", depth, suffix);
    case Kind::kStress: return absl::StrCat("stress", suffix);
    case Kind::kNoise: return absl::StrCat("noise", suffix);
    case Kind::kPortfolio: return absl::StrCat("portfolio", suffix);
  }
  return "?";
}

absl::StatusOr<StrategySpec> StrategySpec::Parse(const std::string& full_text) {
  constexpr std::string_view kPreempt = "+preempt";
  std::string text = full_text;
  bool preempt = false;
  if (text.size() > kPreempt.size() &&
      std::string_view(text).substr(text.size() - kPreempt.size()) == kPreempt) {
    preempt = true;
    text.resize(text.size() - kPreempt.size());
  }
  absl::StatusOr<StrategySpec> spec = ParseKind(text);
  if (spec.ok()) spec->preempt = preempt;
  return spec;
}

absl::StatusOr<StrategySpec> StrategySpec::ParseKind(const std::string& text) {
  StrategySpec spec;
  if (text == "random") return spec;
  if (text == "stress" || text == "noise") {
    spec.kind = text == "stress" ? Kind::kStress : Kind::kNoise;
    return spec;
  }
  if (text == "pct") {
    spec.kind = Kind::kPct;
    return spec;
  }
  if (text == "portfolio") {
    spec.kind = Kind::kPortfolio;
    return spec;
  }
  if (text.rfind("pct:d=", 0) == 0) {
    int d = 0;
    if (!absl::SimpleAtoi(text.substr(6), &d) || d < 1 || d > 10) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad PCT depth in '", text, "': use pct:d=N with N from 1 to 10"));
    }
    spec.kind = Kind::kPct;
    spec.depth = d;
    return spec;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown strategy '", text,
      "': valid strategies are random, pct, pct:d=N (N in 1..10), stress, noise, portfolio "
      "(perturbed ones may end in +preempt)"));
}

std::unique_ptr<Strategy> MakeStrategy(const StrategySpec& spec, uint64_t seed) {
  if (spec.kind == StrategySpec::Kind::kPortfolio) {
    switch (seed % 3) {
      case 0: return std::make_unique<RandomStrategy>(seed);
      case 1: return std::make_unique<PctStrategy>(seed, 2);
      default: return std::make_unique<PctStrategy>(seed, 3);
    }
  }
  if (spec.kind == StrategySpec::Kind::kPct) return std::make_unique<PctStrategy>(seed, spec.depth);
  return std::make_unique<RandomStrategy>(seed);
}

std::unique_ptr<Strategy> MakeReplayStrategy(std::vector<uint8_t> choices, bool lenient) {
  return std::make_unique<ReplayStrategy>(std::move(choices), lenient);
}

}  // namespace mapfault
