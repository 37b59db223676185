// Parsing one operation from text, in exactly the syntax OpSpec::ToString() prints, so a program
// can be written by hand (TOML scenario files) and printed programs can be pasted back.
#ifndef MAPFAULT_SCENARIOS_OP_PARSE_H_
#define MAPFAULT_SCENARIOS_OP_PARSE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "scenarios/scenario.h"

namespace mapfault {

// Accepts: insert(K, V)  assign(K, V)  erase(K)  find(K)  size()  clear()  for_each(PLAN)
// with PLAN one of "visit all", "erase if key%M==R", "erase if value<V", optionally followed by
// ", stop after N" (N >= 1) and then by visitor writes ", at N insert(K, V)", ", at N assign(K, V)"
// or ", at N erase(K)" (made when the N-th entry is shown, N >= 1, in ascending N); "for_each()" and "for_each(stop after N)" visit all. K, V, M, R are
// 64-bit decimal integers (a leading '-' allowed); spaces between tokens are optional. Fields the
// text does not mention stay zero, so ParseOp(op.ToString()) reproduces every op whose unprinted
// fields are zero (every op a generator makes). Purely syntactic: "key%0==5" parses (and never
// erases, as VisitPlan::Decide defines); ValidateOp says whether an op makes sense.
// Errors are InvalidArgument with one line quoting the text and saying what was expected.
absl::StatusOr<OpSpec> ParseOp(std::string_view text);

// Parses a for_each plan alone: the text between the parentheses of for_each(...).
absl::StatusOr<VisitPlan> ParseVisitPlan(std::string_view text);

// OK, or why the op is meaningless: an "erase if key%M==R" needs M >= 1 and 0 <= R < M.
absl::Status ValidateOp(const OpSpec& op);

}  // namespace mapfault

#endif  // MAPFAULT_SCENARIOS_OP_PARSE_H_
