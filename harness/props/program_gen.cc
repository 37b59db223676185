// rapidcheck generators and shrink candidates for programs.
#include "harness/props/program_gen.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mapfault {
namespace {

constexpr Key kFreshKey = -1;  // placeholder: an insert of a fresh key, numbered after generation

OpSpec MakeOp(OpKind kind, Key key = 0) {
  OpSpec op;
  op.kind = kind;
  op.key = key;
  return op;
}

rc::Gen<OpSpec> GenOp(const ProgramGenSettings& s) {
  const rc::Gen<Key> key = rc::gen::inRange<Key>(0, std::max(s.keys, 1));
  const OpWeights& w = s.weights;
  std::vector<std::pair<std::size_t, rc::Gen<OpSpec>>> choices;
  auto add = [&](int weight, rc::Gen<OpSpec> gen) {
    if (weight > 0) choices.emplace_back(static_cast<std::size_t>(weight), std::move(gen));
  };
  const int fresh_percent = static_cast<int>(std::clamp(s.growth, 0.0, 1.0) * 100 + 0.5);
  add(w.insert * (100 - fresh_percent),
      rc::gen::map(key, [](Key k) { return MakeOp(OpKind::kInsert, k); }));
  add(w.insert * fresh_percent, rc::gen::just(MakeOp(OpKind::kInsert, kFreshKey)));
  add(w.assign * 100, rc::gen::map(key, [](Key k) { return MakeOp(OpKind::kAssign, k); }));
  add(w.erase * 100, rc::gen::map(key, [](Key k) { return MakeOp(OpKind::kErase, k); }));
  add(w.find * 100, rc::gen::map(key, [](Key k) { return MakeOp(OpKind::kFind, k); }));
  add(w.size * 100, rc::gen::just(MakeOp(OpKind::kSize)));
  // An iteration that looks at everything, or erases through its visitor every key with a given
  // remainder (shrinks toward "visit all").
  add(w.for_each * 100,
      rc::gen::map(rc::gen::inRange(0, 4), [](int r) {
        OpSpec op = MakeOp(OpKind::kForEach);
        if (r > 0) op.visit = {VisitPlan::Mode::kEraseKeyMod, 3, r - 1, 0, {}};
        return op;
      }));
  if (choices.empty()) return rc::gen::just(MakeOp(OpKind::kFind));
  // A weighted choice (weightedOneOf takes only initializer lists): a point in [0, total) picks
  // the operation whose weight range holds it.
  std::size_t total = 0;
  for (const auto& c : choices) total += c.first;
  // rapidcheck scales inRange by the generation size; the containers' resize() bounds their
  // lengths, so the elements are generated at full size (every operation and key reachable).
  return rc::gen::resize(
      100, rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, total), [choices](std::size_t point) {
        for (const auto& [weight, gen] : choices) {
          if (point < weight) return gen;
          point -= weight;
        }
        return choices.back().second;
      }));
}

// Unique values per write, fresh keys numbered, post part appended: applied after generation (and
// after every shrink), so shrinking never has to preserve these properties itself.
Program Finish(std::vector<Key> init_keys, std::vector<std::vector<OpSpec>> threads, int keys) {
  Program p;
  std::set<Key> seen;
  for (Key k : init_keys) {
    if (seen.insert(k).second) p.init.emplace_back(k, kInitValueBase + k);
  }
  Key fresh = std::max(keys, 1);
  for (size_t t = 0; t < threads.size(); ++t) {
    for (size_t i = 0; i < threads[t].size(); ++i) {
      OpSpec& op = threads[t][i];
      if (op.kind == OpKind::kInsert || op.kind == OpKind::kAssign) {
        op.value = WriteValue(static_cast<int>(t), static_cast<int>(i));
      }
      if (op.key == kFreshKey) op.key = fresh++;
    }
  }
  p.threads = std::move(threads);
  p.post = DefaultPostOps();
  return p;
}

}  // namespace

absl::StatusOr<OpWeights> OpWeights::Parse(const std::string& text) {
  OpWeights w{0, 0, 0, 0, 0, 0};
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    int value = -1;
    if (!absl::SimpleAtoi(kv.second, &value) || value < 0 || value > 1000) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad weight '", item, "': use op=N with N from 0 to 1000, e.g. insert=30,erase=30"));
    }
    int* slot = kv.first == "insert"     ? &w.insert
                : kv.first == "assign"   ? &w.assign
                : kv.first == "erase"    ? &w.erase
                : kv.first == "find"     ? &w.find
                : kv.first == "size"     ? &w.size
                : kv.first == "for_each" ? &w.for_each
                                         : nullptr;
    if (slot == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown operation '", kv.first,
          "' in weights: valid operations are insert, assign, erase, find, size, for_each"));
    }
    *slot = value;
  }
  if (w.insert + w.assign + w.erase + w.find + w.size + w.for_each == 0) {
    return absl::InvalidArgumentError("every weight is 0: give at least one operation a weight");
  }
  return w;
}

std::string OpWeights::ToString() const {
  return absl::StrCat("insert=", insert, ",assign=", assign, ",erase=", erase, ",find=", find,
                      ",size=", size, ",for_each=", for_each);
}

rc::Gen<Program> GenProgram(const ProgramGenSettings& s) {
  const int threads = std::max(s.threads, 1);
  const rc::Gen<std::vector<OpSpec>> thread_ops =
      rc::gen::resize(std::max(s.ops, 0), rc::gen::container<std::vector<OpSpec>>(GenOp(s)));
  const rc::Gen<std::vector<Key>> init = rc::gen::resize(
      std::max(s.initial, 0),
      rc::gen::container<std::vector<Key>>(
          rc::gen::resize(100, rc::gen::inRange<Key>(0, std::max(s.keys, 1)))));
  const int keys = s.keys;
  const int max_ops = s.ops;
  const int max_init = s.initial;
  return rc::gen::map(
      rc::gen::pair(init, rc::gen::container<std::vector<std::vector<OpSpec>>>(
                              static_cast<std::size_t>(threads), thread_ops)),
      [keys, max_ops, max_init](std::pair<std::vector<Key>, std::vector<std::vector<OpSpec>>> p) {
        // resize() bounds the *expected* size; cap the actual lengths too.
        if (static_cast<int>(p.first.size()) > max_init) p.first.resize(max_init);
        for (auto& t : p.second) {
          if (static_cast<int>(t.size()) > max_ops) t.resize(max_ops);
        }
        return Finish(std::move(p.first), std::move(p.second), keys);
      });
}

rc::Seq<Program> ShrinkProgram(const Program& program) {
  std::vector<Program> candidates;
  // Each thread's operations, in chunks (rapidcheck's list shrinking).
  for (size_t t = 0; t < program.threads.size(); ++t) {
    rc::Seq<std::vector<OpSpec>> smaller = rc::shrink::removeChunks(program.threads[t]);
    while (rc::Maybe<std::vector<OpSpec>> ops = smaller.next()) {
      Program p = program;
      p.threads[t] = std::move(*ops);
      candidates.push_back(std::move(p));
    }
  }
  // Init entries.
  rc::Seq<std::vector<std::pair<Key, Value>>> init = rc::shrink::removeChunks(program.init);
  while (auto entries = init.next()) {
    Program p = program;
    p.init = std::move(*entries);
    candidates.push_back(std::move(p));
  }
  // Iterations that erase through their visitor become plain iterations.
  for (size_t t = 0; t < program.threads.size(); ++t) {
    for (size_t i = 0; i < program.threads[t].size(); ++i) {
      const OpSpec& op = program.threads[t][i];
      if (op.kind == OpKind::kForEach && op.visit.mode != VisitPlan::Mode::kContinue) {
        Program p = program;
        p.threads[t][i].visit = VisitPlan{};
        candidates.push_back(std::move(p));
      }
    }
  }
  return rc::seq::fromContainer(std::move(candidates));
}

void showValue(const Program& program, std::ostream& os) {
  os << "init {";
  for (size_t i = 0; i < program.init.size(); ++i) {
    os << (i ? ", " : "") << program.init[i].first << ":" << program.init[i].second;
  }
  os << "}";
  for (size_t t = 0; t < program.threads.size(); ++t) {
    os << "\n  T" << t << ":";
    for (const OpSpec& op : program.threads[t]) os << " " << op.ToString() << ";";
  }
}

size_t ParallelOps(const Program& program) {
  size_t n = 0;
  for (const auto& t : program.threads) n += t.size();
  return n;
}

}  // namespace mapfault
