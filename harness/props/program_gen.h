// Property-based programs: rapidcheck generators for scenario programs (init, per-thread parallel
// programs, post) over the operation set, and shrink candidates for a concrete failing program.
// Generated programs are ordinary Programs, so every trial machinery (controlled fibers, tokens
// carrying the program, reports) applies to them unchanged.
#ifndef MAPFAULT_HARNESS_PROPS_PROGRAM_GEN_H_
#define MAPFAULT_HARNESS_PROPS_PROGRAM_GEN_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "rapidcheck.h"
#include "scenarios/scenario.h"

namespace mapfault {

// Relative weights of the operations in generated programs (0 = never).
struct OpWeights {
  int insert = 25;
  int assign = 15;
  int erase = 25;
  int find = 18;
  int size = 5;
  int for_each = 12;
  // "insert=30,erase=30,for_each=10" (unnamed operations get weight 0). Errors name the valid keys.
  static absl::StatusOr<OpWeights> Parse(const std::string& text);
  std::string ToString() const;
};

struct ProgramGenSettings {
  int threads = 2;     // parallel threads
  int keys = 6;        // key space [0, keys)
  int initial = 4;     // at most this many init entries
  int ops = 6;         // at most this many operations per thread
  OpWeights weights;
  // Growth pressure: the fraction (0..1) of inserts that use a fresh key beyond the key space, so
  // that every one of them grows the map.
  double growth = 0;
};

// Programs with `threads` threads of up to `ops` operations each, init entries with distinct keys,
// and the standard post part (size, then a full iteration). Values are unique per write (they name
// the thread and the operation), so every value an iteration shows is attributable. Shrinks remove
// operations and init entries and move keys toward 0.
rc::Gen<Program> GenProgram(const ProgramGenSettings& settings);

// Smaller variants of a concrete program, most aggressive first: whole threads' tails, chunks of
// each thread's operations, init entries, and visit plans simplified. (The parallel part keeps its
// thread count; post stays as is.)
rc::Seq<Program> ShrinkProgram(const Program& program);

// How rapidcheck prints a program in its failure messages.
void showValue(const Program& program, std::ostream& os);

// Operations in the parallel part (what "size" means when a shrink is reported).
size_t ParallelOps(const Program& program);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_PROPS_PROGRAM_GEN_H_
