// The operation parser: a tiny hand-written scanner over the syntax OpSpec::ToString() prints.
#include "scenarios/op_parse.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>

#include "absl/strings/string_view.h"
#include "scenarios/cat.h"

namespace mapfault {
namespace {

using file_internal::Cat;

constexpr std::string_view kOpSyntax =
    "insert(KEY, VALUE), assign(KEY, VALUE), erase(KEY), find(KEY), size(), clear() or "
    "for_each(PLAN)";
constexpr std::string_view kPlanSyntax =
    "'visit all', 'erase if key%M==R' or 'erase if value<V', optionally followed by "
    "', stop after N' and by visitor writes ', at N insert(K, V)' / 'assign(K, V)' / 'erase(K)'";

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  void SkipSpaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpaces();
    return pos_ == text_.size();
  }
  // Punctuation such as "(", ",", "%", "==".
  bool Symbol(std::string_view s) {
    SkipSpaces();
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }
  // A whole word: not followed by another identifier character.
  bool Word(std::string_view w) {
    SkipSpaces();
    if (text_.substr(pos_, w.size()) != w) return false;
    const size_t end = pos_ + w.size();
    if (end < text_.size() && IsIdent(text_[end])) return false;
    pos_ = end;
    return true;
  }
  std::string_view Identifier() {
    SkipSpaces();
    const size_t start = pos_;
    while (pos_ < text_.size() && IsIdent(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  bool Int(int64_t& out) {
    SkipSpaces();
    size_t end = pos_;
    if (end < text_.size() && text_[end] == '-') ++end;
    const size_t digits = end;
    while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
    if (end == digits) return false;
    const auto [ptr, err] = std::from_chars(text_.data() + pos_, text_.data() + end, out);
    if (err != std::errc() || ptr != text_.data() + end) return false;  // out of int64's range
    pos_ = end;
    return true;
  }

 private:
  static bool IsIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  std::string_view text_;
  size_t pos_ = 0;
};

absl::Status BadPlan(std::string_view text, std::string_view why = "") {
  return absl::InvalidArgumentError(
      Cat("bad for_each plan '", text, "'", why, "; expected ", kPlanSyntax));
}

// The plan proper (without the stop-after suffix); false when it is not one.
bool ParsePlanHead(Cursor& c, VisitPlan& plan) {
  if (c.Word("visit")) return c.Word("all");
  if (!c.Word("erase") || !c.Word("if")) return false;
  if (c.Word("key")) {
    plan.mode = VisitPlan::Mode::kEraseKeyMod;
    return c.Symbol("%") && c.Int(plan.param) && c.Symbol("==") && c.Int(plan.param2);
  }
  if (c.Word("value")) {
    plan.mode = VisitPlan::Mode::kEraseValueBelow;
    return c.Symbol("<") && c.Int(plan.param);
  }
  return false;
}

bool ParseStopAfter(Cursor& c, VisitPlan& plan, bool& out_of_range) {
  int64_t n = 0;
  if (!c.Word("stop") || !c.Word("after") || !c.Int(n)) return false;
  if (n < 1 || n > std::numeric_limits<uint32_t>::max()) {
    out_of_range = true;
    return false;
  }
  plan.stop_after = static_cast<uint32_t>(n);
  return true;
}

// A visitor write: "at N insert(K, V)", "at N assign(K, V)" or "at N erase(K)", N >= 1.
bool ParseVisitWrite(Cursor& c, VisitWrite& w, bool& out_of_range) {
  int64_t n = 0;
  if (!c.Word("at") || !c.Int(n)) return false;
  if (n < 1 || n > std::numeric_limits<uint32_t>::max()) {
    out_of_range = true;
    return false;
  }
  w.at_visit = static_cast<uint32_t>(n);
  const std::string_view name = c.Identifier();
  if (name == "insert" || name == "assign") {
    w.kind = name == "insert" ? OpKind::kInsert : OpKind::kAssign;
    return c.Symbol("(") && c.Int(w.key) && c.Symbol(",") && c.Int(w.value) && c.Symbol(")");
  }
  if (name != "erase") return false;
  w.kind = OpKind::kErase;
  return c.Symbol("(") && c.Int(w.key) && c.Symbol(")");
}

// The suffixes after the plan's head: ", stop after N" (first, at most once), then visitor writes.
absl::Status ParsePlanSuffixes(std::string_view text, Cursor& c, VisitPlan& plan) {
  bool out_of_range = false;
  while (c.Symbol(",")) {
    VisitWrite w;
    Cursor stop = c;
    if (plan.stop_after == 0 && plan.writes.empty() && ParseStopAfter(stop, plan, out_of_range)) {
      c = stop;
      continue;
    }
    if (out_of_range) return BadPlan(text, ": N must be between 1 and 4294967295");
    if (!ParseVisitWrite(c, w, out_of_range)) {
      return BadPlan(text, out_of_range ? ": N must be between 1 and 4294967295" : "");
    }
    if (!plan.writes.empty() && w.at_visit < plan.writes.back().at_visit) {
      return BadPlan(text, ": visitor writes must be in ascending 'at N' order");
    }
    plan.writes.push_back(w);
  }
  if (!c.AtEnd()) return BadPlan(text);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VisitPlan> ParseVisitPlan(std::string_view text) {
  VisitPlan plan;
  Cursor c(text);
  if (c.AtEnd()) return plan;  // for_each(): visit all
  bool out_of_range = false;
  {
    Cursor stop_only = c;  // "stop after N" alone: visit all, stopping early
    if (ParseStopAfter(stop_only, plan, out_of_range) && stop_only.AtEnd()) return plan;
    if (out_of_range) return BadPlan(text, ": N must be between 1 and 4294967295");
  }
  if (!ParsePlanHead(c, plan)) return BadPlan(text);
  if (absl::Status s = ParsePlanSuffixes(text, c, plan); !s.ok()) return s;
  return plan;
}

absl::StatusOr<OpSpec> ParseOp(std::string_view text) {
  Cursor c(text);
  const std::string_view name = c.Identifier();
  OpSpec op;
  int args = -1;  // how many integer arguments the op takes (-1: for_each's plan)
  if (name == "insert") {
    op.kind = OpKind::kInsert, args = 2;
  } else if (name == "assign") {
    op.kind = OpKind::kAssign, args = 2;
  } else if (name == "erase") {
    op.kind = OpKind::kErase, args = 1;
  } else if (name == "find") {
    op.kind = OpKind::kFind, args = 1;
  } else if (name == "size") {
    op.kind = OpKind::kSize, args = 0;
  } else if (name == "clear") {
    op.kind = OpKind::kClear, args = 0;
  } else if (name == "for_each") {
    op.kind = OpKind::kForEach;
  } else {
    return absl::InvalidArgumentError(Cat("unknown operation '", text, "'; expected ", kOpSyntax));
  }
  const std::string usage = args == 2   ? Cat(name, "(KEY, VALUE)")
                            : args == 1 ? Cat(name, "(KEY)")
                                        : Cat(name, "()");
  if (!c.Symbol("(")) {
    return absl::InvalidArgumentError(Cat("bad operation '", text, "'; expected ",
                                          op.kind == OpKind::kForEach ? "for_each(PLAN)" : usage,
                                          " with its parentheses"));
  }
  if (op.kind == OpKind::kForEach) {
    const std::string_view rest = text.substr(text.find('(') + 1);
    const size_t close = rest.rfind(')');
    if (close == std::string_view::npos || !Cursor(rest.substr(close + 1)).AtEnd()) {
      return absl::InvalidArgumentError(
          Cat("bad operation '", text, "'; expected for_each(PLAN) ending in ')'"));
    }
    absl::StatusOr<VisitPlan> plan = ParseVisitPlan(rest.substr(0, close));
    if (!plan.ok()) return plan.status();
    op.visit = *plan;
    return op;
  }
  bool ok = true;
  if (args >= 1) ok = c.Int(op.key);
  if (ok && args == 2) ok = c.Symbol(",") && c.Int(op.value);
  ok = ok && c.Symbol(")") && c.AtEnd();
  if (!ok) {
    return absl::InvalidArgumentError(Cat("bad operation '", text, "'; expected ", usage,
                                          args == 0   ? ""
                                          : args == 1 ? " with an integer KEY"
                                                      : " with integers KEY and VALUE"));
  }
  return op;
}

absl::Status ValidateOp(const OpSpec& op) {
  if (op.kind != OpKind::kForEach || op.visit.mode != VisitPlan::Mode::kEraseKeyMod) {
    return absl::OkStatus();
  }
  if (op.visit.param < 1 || op.visit.param2 < 0 || op.visit.param2 >= op.visit.param) {
    return absl::InvalidArgumentError(
        Cat("'", op.ToString(), "' can never erase anything; 'erase if key%M==R' needs M >= 1 and ",
            "0 <= R < M"));
  }
  return absl::OkStatus();
}

}  // namespace mapfault
