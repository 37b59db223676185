// The built-in scenario catalogue (DESIGN.md section 5). Each generator is a pure function of its
// parameters and the random generator, so a trial's seed reproduces its program.
#include <algorithm>
#include <numeric>
#include <optional>

#include "scenarios/scenario.h"

namespace mapfault {
namespace {

constexpr Value kExpiredBelow = 100;     // conditional-erase: values below this are "expired"

// A program (recycled: SpareProgram) with its initial entries and `threads` empty threads, each
// with room for `params.ops` operations (most generators give each thread that many).
Program NewProgram(const ScenarioParams& params, Rng& rng, int threads) {
  Program p = SpareProgram(threads);
  RandomInitEntriesInto(params.keys, params.initial, rng, p.init);
  for (auto& ops : p.threads) ops.reserve(static_cast<size_t>(std::max(params.ops, 0)));
  return p;
}
Program NewProgram(const ScenarioParams& params, Rng& rng) {
  return NewProgram(params, rng, params.threads);
}

OpSpec Op(OpKind kind, Key key = 0, Value value = 0) {
  OpSpec op;
  op.kind = kind;
  op.key = key;
  op.value = value;
  return op;
}

OpSpec ForEach(VisitPlan plan = {}) {
  OpSpec op = Op(OpKind::kForEach);
  op.visit = plan;
  return op;
}

void AddPostCheck(Program& p) { SetDefaultPostOps(p.post); }

Program RangeEraseSameThread(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng, 1);
  VisitPlan erase_some;
  erase_some.mode = VisitPlan::Mode::kEraseKeyMod;
  erase_some.param = 2;
  erase_some.param2 = static_cast<int64_t>(rng.Below(2));
  p.threads[0].push_back(ForEach(erase_some));
  p.threads[0].push_back(ForEach());
  for (int i = 0; i < params.ops; ++i) {
    p.threads[0].push_back(Op(OpKind::kFind, static_cast<Key>(rng.Below(params.keys))));
  }
  AddPostCheck(p);
  return p;
}

Program IterateWhileErase(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  p.threads[0].push_back(ForEach());
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      p.threads[t].push_back(Op(OpKind::kErase, static_cast<Key>(rng.Below(params.keys))));
    }
  }
  AddPostCheck(p);
  return p;
}

Program IterateWhileGrow(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  p.threads[0].push_back(ForEach());
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      // Fresh keys beyond the key space: every insert grows the table.
      const Key k = params.keys + (t - 1) * params.ops + i;
      p.threads[t].push_back(Op(OpKind::kInsert, k, WriteValue(t, i)));
    }
  }
  AddPostCheck(p);
  return p;
}

Program ConcurrentEraseAll(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  VisitPlan erase_all;
  erase_all.mode = VisitPlan::Mode::kEraseKeyMod;
  erase_all.param = 1;
  erase_all.param2 = 0;
  p.threads[0].push_back(ForEach(erase_all));
  for (int t = 1; t < params.threads; ++t) {
    std::vector<Key> order;
    for (const auto& [k, v] : p.init) order.push_back(k);
    for (int i = static_cast<int>(order.size()) - 1; i > 0; --i) {
      std::swap(order[i], order[rng.Below(i + 1)]);
    }
    for (Key k : order) p.threads[t].push_back(Op(OpKind::kErase, k));
  }
  AddPostCheck(p);
  return p;
}

Program ConditionalErase(const ScenarioParams& params, Rng& rng) {
  Program p = SpareProgram(params.threads);
  for (Key k : DistinctKeys(params.keys, params.initial, rng)) {
    // Half the entries are "expired" (value below the threshold), half are fresh.
    p.init.emplace_back(k, rng.Chance(50) ? 10 + k : kInitValueBase + k);
  }
  VisitPlan expire;
  expire.mode = VisitPlan::Mode::kEraseValueBelow;
  expire.param = kExpiredBelow;
  p.threads[0].push_back(ForEach(expire));
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      // Refresh an entry: a fresh value that the expiry predicate must not delete.
      p.threads[t].push_back(
          Op(OpKind::kAssign, static_cast<Key>(rng.Below(params.keys)), WriteValue(t, i)));
    }
  }
  AddPostCheck(p);
  return p;
}

Program IterateWhileFind(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  p.threads[0].push_back(ForEach());
  p.threads[0].push_back(ForEach());
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      p.threads[t].push_back(Op(OpKind::kFind, static_cast<Key>(rng.Below(params.keys))));
    }
  }
  AddPostCheck(p);
  return p;
}

// Two cycles per writer: insert a batch of `ops` fresh keys (crossing the growth threshold), then
// erase the batch; the second cycle re-inserts the same keys, so an iteration can meet a key that was
// erased and re-inserted while it ran.
Program GrowShrinkCycle(const ScenarioParams& params, Rng& rng) {
  constexpr int kCycles = 2;
  Program p = NewProgram(params, rng);
  p.threads[0].push_back(ForEach());
  p.threads[0].push_back(ForEach());
  for (int t = 1; t < params.threads; ++t) {
    std::vector<Key> batch;
    for (int i = 0; i < params.ops; ++i) batch.push_back(params.keys + (t - 1) * params.ops + i);
    for (int cycle = 0; cycle < kCycles; ++cycle) {
      for (size_t i = 0; i < batch.size(); ++i) {
        const int index = cycle * params.ops + static_cast<int>(i);
        p.threads[t].push_back(Op(OpKind::kInsert, batch[i], WriteValue(t, index)));
      }
      for (int i = static_cast<int>(batch.size()) - 1; i > 0; --i) {
        std::swap(batch[i], batch[rng.Below(i + 1)]);
      }
      for (Key k : batch) p.threads[t].push_back(Op(OpKind::kErase, k));
    }
  }
  AddPostCheck(p);
  return p;
}

// T0 reads the whole map as a report would (size, every entry, size again) while the writers update
// values in place and churn keys (erase and re-insert): the values and counts it reads must be ones
// the map really held during its window.
Program SnapshotRead(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  p.threads[0].push_back(Op(OpKind::kSize));
  p.threads[0].push_back(ForEach());
  p.threads[0].push_back(Op(OpKind::kSize));
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      const Key k = static_cast<Key>(rng.Below(params.keys));
      if (i % 2 == 0) {
        p.threads[t].push_back(Op(OpKind::kAssign, k, WriteValue(t, i)));
      } else {
        p.threads[t].push_back(Op(OpKind::kErase, k));
        p.threads[t].push_back(Op(OpKind::kInsert, k, WriteValue(t, i)));
      }
    }
  }
  AddPostCheck(p);
  return p;
}

Program MixedOps(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  for (int t = 0; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      const Key k = static_cast<Key>(rng.Below(params.keys));
      const uint64_t roll = rng.Below(100);
      if (roll < 25) {
        p.threads[t].push_back(Op(OpKind::kInsert, k, WriteValue(t, i)));
      } else if (roll < 40) {
        p.threads[t].push_back(Op(OpKind::kAssign, k, WriteValue(t, i)));
      } else if (roll < 65) {
        p.threads[t].push_back(Op(OpKind::kErase, k));
      } else if (roll < 83) {
        p.threads[t].push_back(Op(OpKind::kFind, k));
      } else if (roll < 88) {
        p.threads[t].push_back(Op(OpKind::kSize));
      } else {
        VisitPlan plan;
        if (rng.Chance(50)) {
          plan.mode = VisitPlan::Mode::kEraseKeyMod;
          plan.param = 3;
          plan.param2 = static_cast<int64_t>(rng.Below(3));
        }
        p.threads[t].push_back(ForEach(plan));
      }
    }
  }
  AddPostCheck(p);
  return p;
}

// Go's insert in range, one goroutine: the visitor inserts a fresh key at each of the first `ops`
// visits (and erases a not-yet-reached init key at the first), then the thread iterates again. The
// oracle is Go's rule: a key inserted during the iteration is produced at most once, or skipped;
// the pre-existing keys follow the usual invariants.
Program RangeInsertSameThread(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng, 1);
  VisitPlan plan;
  for (int i = 0; i < params.ops; ++i) {
    plan.writes.push_back({static_cast<uint32_t>(i + 1), OpKind::kInsert,
                           static_cast<Key>(params.keys + i), WriteValue(0, i)});
  }
  if (!p.init.empty()) {
    const Key victim = p.init[rng.Below(p.init.size())].first;
    plan.writes.insert(plan.writes.begin() + (plan.writes.empty() ? 0 : 1),
                       {1, OpKind::kErase, victim, 0});
  }
  p.threads[0].push_back(ForEach(plan));
  p.threads[0].push_back(ForEach());
  AddPostCheck(p);
  return p;
}

// T0's visitor inserts fresh keys while it iterates, and erases odd keys through erase-this; the
// other threads erase random keys and assign init keys meanwhile.
Program RangeInsertWhileErase(const ScenarioParams& params, Rng& rng) {
  Program p = NewProgram(params, rng);
  VisitPlan plan;
  plan.mode = VisitPlan::Mode::kEraseKeyMod;
  plan.param = 2;
  plan.param2 = 1;
  for (int i = 0; i < params.ops; ++i) {
    plan.writes.push_back({static_cast<uint32_t>(i + 1), OpKind::kInsert,
                           static_cast<Key>(params.keys + i), WriteValue(0, i)});
  }
  p.threads[0].push_back(ForEach(plan));
  for (int t = 1; t < params.threads; ++t) {
    for (int i = 0; i < params.ops; ++i) {
      const Key k = static_cast<Key>(rng.Below(params.keys));
      p.threads[t].push_back(i % 2 == 0 ? Op(OpKind::kErase, k)
                                        : Op(OpKind::kAssign, k, WriteValue(t, i)));
    }
  }
  AddPostCheck(p);
  return p;
}

Scenario Make(std::string id, std::string description, ScenarioParams defaults, int min_threads,
              Program (*generate)(const ScenarioParams&, Rng&),
              std::optional<ScenarioParams> perturbed_defaults = std::nullopt) {
  Scenario s;
  s.perturbed_defaults = perturbed_defaults;
  s.id = std::move(id);
  s.description = std::move(description);
  s.defaults = defaults;
  s.min_threads = min_threads;
  s.generate = generate;
  return s;
}

}  // namespace

void AddBuiltinScenarios(ScenarioRegistry& registry) {
  registry.Add(Make("range-erase-same-thread",
                    "one thread iterates and erases entries through the visitor (Go's delete in "
                    "range), then iterates again; threads is fixed at 1",
                    {.threads = 1, .keys = 8, .initial = 6, .ops = 2}, 1, RangeEraseSameThread));
  registry.Add(Make("iterate-while-erase",
                    "T0 iterates over the map while the other threads erase random keys",
                    {.threads = 2, .keys = 8, .initial = 6, .ops = 4}, 2, IterateWhileErase));
  registry.Add(Make("iterate-while-grow",
                    "T0 iterates while the other threads insert fresh keys, forcing rehashes",
                    {.threads = 2, .keys = 8, .initial = 4, .ops = 4}, 2, IterateWhileGrow,
                    // std::unordered_map starts with 13 buckets: real threads need a bigger
                    // program to reach a rehash at all, and a longer race window to hit it.
                    ScenarioParams{.threads = 2, .keys = 8, .initial = 8, .ops = 24}));
  registry.Add(Make("iterate-while-find",
                    "T0 iterates twice while the other threads only call find (reads only: every "
                    "backend should hold)",
                    {.threads = 2, .keys = 8, .initial = 6, .ops = 6}, 2, IterateWhileFind));
  registry.Add(Make("concurrent-erase-all",
                    "T0 erases every entry through its visitor while the others erase every key",
                    {.threads = 2, .keys = 6, .initial = 6, .ops = 0}, 2, ConcurrentEraseAll));
  registry.Add(Make("conditional-erase",
                    "T0 erases expired entries (value < 100) while the others refresh entries",
                    {.threads = 2, .keys = 6, .initial = 6, .ops = 4}, 2, ConditionalErase));
  registry.Add(Make("grow-shrink-cycle",
                    "T0 iterates twice while the others insert a batch of fresh keys across the "
                    "growth threshold, erase it, and do it again (ops = batch size)",
                    {.threads = 2, .keys = 8, .initial = 4, .ops = 3}, 2, GrowShrinkCycle,
                    ScenarioParams{.threads = 2, .keys = 8, .initial = 8, .ops = 12}));
  registry.Add(Make("snapshot-read",
                    "T0 reads size, every entry, and size again while the others assign values in "
                    "place and erase-then-reinsert keys",
                    {.threads = 2, .keys = 6, .initial = 5, .ops = 4}, 2, SnapshotRead));
  registry.Add(Make("mixed-ops", "every thread runs a random mix of all operations",
                    {.threads = 2, .keys = 6, .initial = 4, .ops = 6}, 1, MixedOps));
  // Visitor writes: run only on backends whose contract allows them (BackendInfo::visitor_writes).
  Scenario insert_same = Make(
      "range-insert-same-thread",
      "one thread's visitor inserts fresh keys (and erases one not yet reached) while it "
      "iterates (Go's insert in range), then it iterates again; threads is fixed at 1",
      {.threads = 1, .keys = 8, .initial = 6, .ops = 3}, 1, RangeInsertSameThread);
  insert_same.visitor_writes = true;
  registry.Add(std::move(insert_same));
  Scenario insert_erase = Make(
      "range-insert-while-erase",
      "T0's visitor inserts fresh keys and erases odd keys (erase-this) while the others erase "
      "and assign random keys",
      {.threads = 2, .keys = 8, .initial = 6, .ops = 3}, 2, RangeInsertWhileErase);
  insert_erase.visitor_writes = true;
  registry.Add(std::move(insert_erase));
}

}  // namespace mapfault
