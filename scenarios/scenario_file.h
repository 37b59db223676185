// TOML scenario and suite files (DESIGN.md section 5): user-defined scenarios and suites, and the
// suites mapfault ships (scenarios/suites/*.toml, embedded in the binary at build time).
//
// File format. A file holds any number of [[scenario]] and [[suite]] tables (at least one table in
// all) and nothing else. Ids are [a-z0-9][a-z0-9.-]* and unique: a scenario id must not repeat a
// built-in scenario or another scenario of the file, a suite id another suite of the file.
//
//   [[scenario]]                  # 1. A fixed program: the same operations in every trial.
//   id = "iterate-erase-fixed"    #    required
//   description = "T0 iterates, T1 erases two keys"   # optional (every style)
//   init = [[1, 1001], [2, 1002], [3, 1003]]   # [key, value] pairs with distinct keys, inserted
//                                              # in order; OR initial = N (and keys = K, default
//                                              # 8): N distinct random keys from [0, K) with value
//                                              # 1000 + key, drawn from the trial seed; or neither
//   threads = [                   #    required: one non-empty array of op strings per thread
//     ["for_each(visit all)"],    #    (1 to 64 threads); ops use OpSpec::ToString()'s syntax,
//     ["erase(1)", "erase(3)", "find(2)"],   # see ParseOp in scenarios/op_parse.h
//   ]
//   post = ["size()"]             #    optional; default ["size()", "for_each(visit all)"]
//   # Command-line parameters do not apply: defaults.threads is the thread count (IsFixedProgram).
//
//   [[scenario]]                  # 2. A generated mix: a fresh random program per trial seed.
//   id = "my-mix"
//   generator = "mixed"           #    the only generator so far
//   threads = 3                   #    1..64      (defaults: threads 2, keys 8, initial 6, ops 4)
//   keys = 16                     #    1..100000, the key space [0, keys)
//   initial = 8                   #    0..keys, random distinct init keys, value 1000 + key
//                                 #    (an initial left out shrinks to fit a smaller keys)
//   ops = 10                      #    0..99 operations per thread
//   weights = { insert = 30, assign = 10, erase = 30, find = 20, size = 5, for_each = 5 }
//                                 #    relative, >= 0, not all 0 (names: insert assign erase find
//                                 #    size clear for_each; an absent name weighs 0); default
//                                 #    insert 25, assign 15, erase 25, find 18, size 5, for_each 12
//   growth = 0.5                  #    0..1: the fraction of inserts that use a fresh key beyond
//                                 #    the key space (keys + thread * ops + index); default 0
//   visit = "erase if key%3==0"   #    the plan of generated for_each ops; default "visit all"
//   perturbed = { ops = 24 }      #    optional: threads/keys/initial/ops for real-thread cells
//   # Written values are 10000 + 100 * (thread + 1) + index, as the built-ins write them.
//
//   [[scenario]]                  # 3. A built-in generator with other parameters.
//   id = "bigger-grow"
//   based_on = "iterate-while-grow"   # a built-in scenario id
//   threads = 3                   #    threads (>= the built-in's minimum), keys, initial, ops:
//   ops = 12                      #    optional, default the built-in's; ranges as above except
//                                 #    ops 0..10000. They apply in both modes; perturbed = {...}
//                                 #    overrides them for real-thread cells (starting from the
//                                 #    built-in's perturbed defaults, if it has any).
//
//   [[suite]]
//   id = "folklore"               #    required
//   description = "..."           #    optional
//   scenarios = ["range-erase-same-thread", "iterate-erase-fixed"]   # required, non-empty:
//                                 #    built-in ids or ids of this file's scenarios
//   backends = ["naive", "mutex"] #    optional, default ["all"]: ids, "all", or a prefix ending
//                                 #    in '*' ("mutant.*"); NOT validated by the parser (plugins
//                                 #    may add backends): ResolveSuiteBackends (run/plan.h) checks them later
//   invariants = ["no-crash", "iter.no-duplicate"]   # optional, default all; the rest NOT_RUN
//   trials = 2000                 #    optional, 1..1000000000 (default: the command line's)
//   strategy = "pct:d=2"          #    optional, as --strategy (validated)
//   mode = "controlled"           #    optional: auto, controlled or perturbed
//   plugin = "PATH/libx.so (...)" #    optional: the suite's backends need a plugin; what to pass
//                                 #    to --plugin and how to build it. A run whose backends are
//                                 #    not loaded fails with "pass --plugin <this>"
//
// Every error is one line "FILE:LINE:COLUMN: what is wrong; what was expected" (no newline), the
// position being that of the offending key or value (or of the table, for a missing key).
#ifndef MAPFAULT_SCENARIOS_SCENARIO_FILE_H_
#define MAPFAULT_SCENARIOS_SCENARIO_FILE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/base/types.h"
#include "scenarios/op_parse.h"
#include "scenarios/scenario.h"

namespace mapfault {


struct SuiteSpec {
  std::string id;
  std::string description;
  std::string path;  // the file that defines the suite
  // As written: ids, "all", "PREFIX*"; ResolveSuiteBackends (run/plan.h) turns them into ids.
  std::vector<std::string> backends;
  // "FILE:LINE:COLUMN" of each backends entry (parallel to backends), so an "unknown backend" error
  // can point into the file like the parser's own errors.
  std::vector<std::string> backend_sources;
  std::vector<std::string> scenarios;             // ids: built-in or defined in the same file
  InvariantSet invariants = InvariantSet::All();  // check these; report the rest NOT_RUN
  uint64_t trials = 0;                            // 0: the command line's default
  std::string strategy;                           // "": the command line's default
  std::string mode;                               // "": the command line's default
  // "": built-in backends only. Else the suite runs a plugin's backends, and this says what to pass
  // to --plugin and how to build it ("PATH/libmapfault_go.so, the Go plugin (...)").
  std::string plugin;
};

struct ScenarioFile {
  std::string path;
  std::vector<Scenario> scenarios;  // user-defined scenarios, usable like built-ins
  std::vector<SuiteSpec> suites;

  const Scenario* FindScenario(std::string_view id) const;
  const SuiteSpec* FindSuite(std::string_view id) const;
};

absl::StatusOr<ScenarioFile> ParseScenarioFile(std::string_view toml_text, std::string_view path,
                                               const ScenarioRegistry& builtins);
absl::StatusOr<ScenarioFile> LoadScenarioFile(const std::string& path,
                                              const ScenarioRegistry& builtins);

// True for a fixed-program scenario of a file: its generate() ignores the params (its thread count
// is its defaults.threads; only an `initial` init draws from the rng), so command-line parameter
// overrides do not apply to it.
bool IsFixedProgram(const Scenario& scenario);

// The scenario a suite of `file` means by `id`: the file's own scenarios first, then the built-ins.
const Scenario* FindSuiteScenario(std::string_view id, const ScenarioFile& file,
                                  const ScenarioRegistry& builtins);

// The shipped suite files, as embedded at build time (a CMake-generated source in the build tree).
struct EmbeddedFile {
  std::string_view path;  // "scenarios/suites/default.toml"
  std::string_view text;
};
std::span<const EmbeddedFile> EmbeddedSuiteFiles();

// The shipped files parsed against ScenarioRegistry::Builtin(), once (a file that fails to parse
// is reported on stderr and skipped; scenario_file_test makes sure none does).
const std::vector<ScenarioFile>& BuiltinSuiteFiles();
// Every suite of BuiltinSuiteFiles(), in file order ("default" first). SuiteSpec::path names the
// file whose scenarios its ids may refer to.
const std::vector<SuiteSpec>& BuiltinSuites();
// The shipped suite `id` and its file, or nullptr.
const SuiteSpec* FindBuiltinSuite(std::string_view id, const ScenarioFile** file = nullptr);

}  // namespace mapfault

#endif  // MAPFAULT_SCENARIOS_SCENARIO_FILE_H_
