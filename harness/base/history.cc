// History printing helpers.
#include "harness/base/history.h"

#include "absl/strings/str_cat.h"

namespace mapfault {

std::string OpRecord::CallString() const {
  switch (kind) {
    case OpKind::kInsert: return absl::StrCat("insert(", key, ", ", value, ")");
    case OpKind::kAssign: return absl::StrCat("assign(", key, ", ", value, ")");
    case OpKind::kErase: return absl::StrCat("erase(", key, ")");
    case OpKind::kFind: return absl::StrCat("find(", key, ")");
    case OpKind::kSize: return "size()";
    case OpKind::kClear: return "clear()";
    case OpKind::kForEach: return "for_each()";
  }
  return "?";
}

std::string OpRecord::ResultString() const {
  if (!completed()) return "(did not return)";
  switch (kind) {
    case OpKind::kInsert:
    case OpKind::kErase: return ok ? "true" : "false";
    case OpKind::kAssign:
    case OpKind::kClear: return "done";
    case OpKind::kFind: return found ? absl::StrCat(*found) : "absent";
    case OpKind::kSize: return absl::StrCat(size);
    case OpKind::kForEach: {
      std::string out = "[";
      for (const YieldRecord& y : yields) {
        absl::StrAppend(&out, out.size() > 1 ? " " : "", y.key);
        if (y.action == VisitAction::kEraseThis) {
          absl::StrAppend(&out, y.erase == EraseOutcome::kDeclined  ? "(erase declined)"
                                : y.erase == EraseOutcome::kUnknown ? "(erase?)"
                                                                    : "(erased)");
        }
      }
      absl::StrAppend(&out, "]", stopped ? " stopped" : "");
      return out;
    }
  }
  return "?";
}

std::string OpRecord::Describe() const {
  return absl::StrCat(thread < 0 ? std::string("post") : absl::StrCat("T", thread), " ",
                      CallString(), " -> ", ResultString());
}

namespace {

void AppendOps(const std::vector<OpRecord>& ops, std::vector<const OpRecord*>& out) {
  for (const OpRecord& op : ops) {
    out.push_back(&op);
    for (const OpRecord& w : op.visit_writes) out.push_back(&w);
  }
}

}  // namespace

std::vector<const OpRecord*> History::AllOps() const {
  std::vector<const OpRecord*> out;
  AllOpsInto(out);
  return out;
}

void History::AllOpsInto(std::vector<const OpRecord*>& out) const {
  size_t n = post.size();
  for (const auto& t : threads) n += t.size();
  out.clear();
  out.reserve(n);  // visitor writes (rare) may grow it once
  for (const auto& t : threads) AppendOps(t, out);
  AppendOps(post, out);
}

}  // namespace mapfault
