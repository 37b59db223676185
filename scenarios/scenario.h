// Scenarios: what the threads of a trial do. A scenario generates, from its parameters and a seed, a
// Program with three parts (after Lincheck): init (sequential, before the threads start), parallel
// (one operation list per logical thread) and post (sequential, after they join).
#ifndef MAPFAULT_SCENARIOS_SCENARIO_H_
#define MAPFAULT_SCENARIOS_SCENARIO_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/base/rng.h"
#include "harness/base/types.h"

namespace mapfault {

// A write a for_each's visitor makes through the map (a visitor write, DESIGN.md section 12): when
// the `at_visit`-th entry (1-based) is shown, before the visitor answers. Only insert, assign and
// erase; run only on backends whose contract allows visitor writes.
struct VisitWrite {
  uint32_t at_visit = 1;
  OpKind kind = OpKind::kInsert;
  Key key = 0;
  Value value = 0;
  friend bool operator==(const VisitWrite&, const VisitWrite&) = default;
};

// How a for_each's visitor decides, per entry shown: deterministic in the key and value, so the
// visitor's choices are part of the program, not of the schedule.
struct VisitPlan {
  enum class Mode : uint8_t {
    kContinue = 0,         // look at everything
    kEraseKeyMod = 1,      // erase-this when key % param == param2
    kEraseValueBelow = 2,  // erase-this when value < param ("expired")
  };
  Mode mode = Mode::kContinue;
  int64_t param = 0;
  int64_t param2 = 0;
  uint32_t stop_after = 0;  // stop after this many entries (0: never)
  std::vector<VisitWrite> writes;  // in ascending at_visit

  VisitAction Decide(Key k, Value v, uint32_t shown_so_far) const;
  std::string ToString() const;
};

struct OpSpec {
  OpKind kind = OpKind::kFind;
  Key key = 0;
  Value value = 0;
  VisitPlan visit;  // for kForEach
  std::string ToString() const;  // "insert(3, 107)", "for_each(erase if key%2==1)"
};

struct Program {
  std::vector<std::pair<Key, Value>> init;  // distinct keys, inserted in order
  std::vector<std::vector<OpSpec>> threads;
  std::vector<OpSpec> post;
  size_t OpCount() const;
  bool HasVisitorWrites() const;
};

// The value a program's write (insert or assign) number `index` of parallel thread `thread`
// stores: unique per (thread, index) below 100 operations per thread, so every value an iteration
// shows names the write that produced it. Every generator uses it.
inline Value WriteValue(int thread, int index) { return 10000 + 100 * (thread + 1) + index; }

// Init entries hold 1000 + key ("fresh" values, below every WriteValue).
inline constexpr Value kInitValueBase = 1000;

// `count` distinct keys from [0, keys), in random order.
std::vector<Key> DistinctKeys(int keys, int count, Rng& rng);
// `initial` distinct random keys from [0, keys) with value 1000 + key: the init part of the
// built-ins and of file scenarios that give `initial`.
std::vector<std::pair<Key, Value>> RandomInitEntries(int keys, int initial, Rng& rng);
// The same draw (the same keys, the same use of `rng`) into `out`, replacing its contents.
void RandomInitEntriesInto(int keys, int initial, Rng& rng,
                           std::vector<std::pair<Key, Value>>& out);
// The standard post part: size(), then a full for_each.
std::vector<OpSpec> DefaultPostOps();
// Replaces `post` with DefaultPostOps() (keeping its capacity).
void SetDefaultPostOps(std::vector<OpSpec>& post);

// Programs recycled on one thread, so that a loop of trials generates its programs without
// allocating: SpareProgram returns a program with no init entries, no post part and `threads`
// empty threads, like a fresh one, whose vectors keep the capacity of the last program given to
// RecycleProgram on this thread. Generators start from it (the built-ins and file scenarios do; a
// generator that builds a fresh Program works the same, only allocating).
Program SpareProgram(int threads);
void RecycleProgram(Program&& program);

struct ScenarioParams {
  int threads = 2;   // logical threads in the parallel part
  int keys = 8;      // key space [0, keys)
  int initial = 6;   // entries inserted by init
  int ops = 4;       // operations per thread (not counting the iterating thread's for_each)
  friend bool operator==(const ScenarioParams&, const ScenarioParams&) = default;
};

struct Scenario {
  std::string id;
  std::string description;
  ScenarioParams defaults;
  // Defaults for perturbed (real-thread) cells when they differ: real threads start with ~10 us of
  // jitter, so a race window must be longer than a fiber interleaving needs.
  std::optional<ScenarioParams> perturbed_defaults;
  const ScenarioParams& DefaultsFor(bool perturbed) const {
    return perturbed && perturbed_defaults ? *perturbed_defaults : defaults;
  }
  int min_threads = 1;
  // Whether its programs have visitor writes: run only on backends whose contract allows them.
  bool visitor_writes = false;
  std::function<Program(const ScenarioParams&, Rng&)> generate;
};

class ScenarioRegistry {
 public:
  static const ScenarioRegistry& Builtin();
  const Scenario* Find(const std::string& id) const;
  const std::vector<Scenario>& All() const { return scenarios_; }
  std::string ValidIds() const;
  void Add(Scenario s) { scenarios_.push_back(std::move(s)); }

 private:
  std::vector<Scenario> scenarios_;
};

// Adds the built-in scenarios (scenarios/builtin_scenarios.cc).
void AddBuiltinScenarios(ScenarioRegistry& registry);

}  // namespace mapfault

#endif  // MAPFAULT_SCENARIOS_SCENARIO_H_
