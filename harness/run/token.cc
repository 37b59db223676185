// Replay token encoding and decoding.
#include "harness/run/token.h"

#include <bit>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/base/limits.h"

namespace mapfault {
namespace {

constexpr std::string_view kPrefix = "mf";
constexpr uint64_t kPreemptBit = 16;  // in the strategy-kind field: `+preempt`
constexpr uint64_t kScBit = 32;       // ... and `+sc` (MemoryModel::kSc)
constexpr uint64_t kNoRaceBit = 64;   // ... and race detection off
constexpr uint64_t kStaleBit = 128;   // ... and an exhaustive search's stale-read bound follows
// In the exhaustive search's parameter field (its preemption bound): the search without
// partial-order reduction ("por=off"; a dead worker's token replays the same search).
constexpr uint64_t kNoReductionParam = 16;
// ... and above it, the tree shard a sharded run's search explored (strategies/tree_shard.h), as
// (shard << 16 | shards) * kTreeShardParam, 0 for the whole tree: a dead worker's token replays
// that shard's search, which reached the schedule that killed it.
constexpr uint64_t kTreeShardParam = 32;
constexpr uint64_t kTreeShardsBits = 16;

uint64_t ExhaustiveParam(const StrategySpec& s) {
  const uint64_t tree = s.tree_shards > 1 ? (static_cast<uint64_t>(s.tree_shard)
                                                 << kTreeShardsBits) |
                                                static_cast<uint64_t>(s.tree_shards)
                                          : 0;
  return static_cast<uint64_t>(s.preemption_bound) + (s.reduction ? 0 : kNoReductionParam) +
         tree * kTreeShardParam;
}

uint32_t Fnv1a(std::string_view data) {
  uint32_t h = 2166136261u;
  for (unsigned char c : data) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void String(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Fixed32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool String(std::string& s) {
    uint64_t n;
    if (!Varint(n) || n > in_.size() - pos_) return false;
    s = std::string(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Bytes(size_t n, std::string_view& out) {
    if (n > in_.size() - pos_) return false;
    out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Choices are packed with the fewest bits that hold the largest thread index.
int BitsFor(const std::vector<uint8_t>& choices) {
  uint8_t max = 0;
  for (uint8_t c : choices) max = std::max(max, c);
  if (max < 2) return 1;
  if (max < 4) return 2;
  if (max < 16) return 4;
  return 8;
}

// Debian's Abseil has its own string_view type: convert explicitly.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "malformed replay token: ", A(what),
      "; copy the whole token exactly as printed after `mapfault replay`"));
}

}  // namespace

std::string ReplayToken::Encode() const {
  Writer w;
  w.Varint(static_cast<uint64_t>(mode));
  w.String(scenario);
  w.Varint(params.threads);
  w.Varint(params.keys);
  w.Varint(params.initial);
  w.Varint(params.ops);
  w.String(backend);
  const bool exhaustive = strategy.kind == StrategyKind::kExhaustive;
  const bool stale = exhaustive && strategy.stale_bound != 0;  // the field older tokens lack
  w.Varint(static_cast<uint64_t>(strategy.kind) | (strategy.preempt ? kPreemptBit : 0) |
           (strategy.memory_model == MemoryModel::kSc ? kScBit : 0) |
           (strategy.race_detection ? 0 : kNoRaceBit) | (stale ? kStaleBit : 0));
  // The strategy's parameter: PCT's depth, the exhaustive search's preemption bound.
  w.Varint(exhaustive ? ExhaustiveParam(strategy) : static_cast<uint64_t>(strategy.depth));
  if (stale) w.Varint(static_cast<uint64_t>(strategy.stale_bound));
  w.Varint(seed);
  w.Varint(max_steps);
  w.Varint(static_cast<uint64_t>(invariant));
  w.Varint(choices ? (lenient ? 2 : 1) : 0);
  if (choices) {
    const int bits = BitsFor(*choices);
    w.Varint(bits);
    w.Varint(choices->size());
    uint32_t acc = 0;
    int filled = 0;
    for (uint8_t c : *choices) {
      acc |= static_cast<uint32_t>(c) << filled;
      filled += bits;
      if (filled >= 8) {
        w.out().push_back(static_cast<char>(acc & 0xff));
        acc >>= 8;
        filled -= 8;
      }
    }
    if (filled > 0) w.out().push_back(static_cast<char>(acc & 0xff));
  }
  // Optional trailing fields, in order: the plugin, then an explicit program.
  if (!plugin.empty() || program) w.String(plugin);
  if (program) {
    auto ops = [&w](const std::vector<OpSpec>& list) {
      w.Varint(list.size());
      for (const OpSpec& op : list) {
        w.Varint(static_cast<uint64_t>(op.kind));
        w.Varint(ZigZag(op.key));
        w.Varint(ZigZag(op.value));
        w.Varint(static_cast<uint64_t>(op.visit.mode));
        w.Varint(ZigZag(op.visit.param));
        w.Varint(ZigZag(op.visit.param2));
        w.Varint(op.visit.stop_after);
      }
    };
    w.Varint(program->init.size());
    for (const auto& [k, v] : program->init) {
      w.Varint(ZigZag(k));
      w.Varint(ZigZag(v));
    }
    w.Varint(program->threads.size());
    for (const auto& t : program->threads) ops(t);
    ops(program->post);
  }
  return TokenFromPayload(w.out());
}

std::string TokenFromPayload(std::string_view payload) {
  Writer w;
  w.out().assign(payload);
  w.Fixed32(Fnv1a(payload));
  return absl::StrCat(A(kPrefix), kTokenVersion, "_", absl::WebSafeBase64Escape(w.out()));
}

namespace {

// The payload of a token's text: prefix and version checked, base64url decoded, checksum verified.
absl::StatusOr<std::string> DecodePayload(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return Bad("it does not start with 'mf1_'");
  }
  const size_t underscore = text.find('_');
  uint32_t version = 0;
  if (underscore == std::string_view::npos ||
      !absl::SimpleAtoi(A(text.substr(kPrefix.size(), underscore - kPrefix.size())), &version)) {
    return Bad("it does not start with 'mf1_'");
  }
  if (version > kTokenVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay token version ", version, " is newer than this mapfault (which reads version ",
        kTokenVersion, "); replay it with the mapfault that printed it, or upgrade"));
  }
  if (version < 1) return Bad("unknown version 0");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(A(text.substr(underscore + 1)), &raw)) {
    return Bad("it contains characters that are not base64url");
  }
  if (raw.size() < 5) return Bad("it is truncated");
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) {
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(raw[raw.size() - 4 + i])) << (8 * i);
  }
  raw.resize(raw.size() - 4);
  if (Fnv1a(raw) != stored) return Bad("its checksum does not match (truncated or altered)");
  return raw;
}

// The fixed fields: the identity, seed, invariant and whether a schedule follows (0 none, 1
// exact, 2 lenient).
absl::Status ReadHeader(Reader& r, ReplayToken& t, uint64_t& has_choices) {
  uint64_t mode, threads, keys, initial, ops, kind, depth, inv, stale = 0;
  if (!r.Varint(mode) || !r.String(t.scenario) || !r.Varint(threads) || !r.Varint(keys) ||
      !r.Varint(initial) || !r.Varint(ops) || !r.String(t.backend) || !r.Varint(kind) ||
      !r.Varint(depth) || ((kind & kStaleBit) != 0 && !r.Varint(stale)) || !r.Varint(t.seed) ||
      !r.Varint(t.max_steps) || !r.Varint(inv) || !r.Varint(has_choices)) {
    return Bad("it is truncated");
  }
  if (has_choices > 2) return Bad("a field is out of range");
  t.lenient = has_choices == 2;
  const bool preempt = (kind & kPreemptBit) != 0;
  const bool sc = (kind & kScBit) != 0;
  const bool no_race = (kind & kNoRaceBit) != 0;
  const bool has_stale = (kind & kStaleBit) != 0;
  kind &= ~(kPreemptBit | kScBit | kNoRaceBit | kStaleBit);
  const bool exhaustive = kind == static_cast<uint64_t>(StrategyKind::kExhaustive);
  const uint64_t tree = exhaustive ? depth / kTreeShardParam : 0;
  if (exhaustive) depth %= kTreeShardParam;
  const uint64_t shards = tree & ((uint64_t{1} << kTreeShardsBits) - 1);
  const uint64_t shard = tree >> kTreeShardsBits;
  const bool no_reduction = exhaustive && depth >= kNoReductionParam;
  if (no_reduction) depth -= kNoReductionParam;
  if (mode > 1 || !IsKnownStrategyCode(kind) || inv >= kInvariantCount ||
      depth > kMaxStrategyDepth || (exhaustive && depth > kMaxPreemptionBound) ||
      (has_stale && (!exhaustive || stale < 1 || stale > kMaxStaleBound)) ||
      (tree != 0 && (shards < 2 || shard >= shards))) {
    return Bad("a field is out of range");
  }
  // The same bounds as the command line and scenario files (harness/base/limits.h).
  if (threads < 1 || threads > kMaxThreads || keys < 1 || keys > kMaxKeys || initial > kMaxKeys ||
      ops > kMaxOps || t.max_steps > kMaxMaxSteps) {
    return Bad("a scenario parameter or the step bound is out of range");
  }
  t.mode = static_cast<ExecMode>(mode);
  t.params = {static_cast<int>(threads), static_cast<int>(keys), static_cast<int>(initial),
              static_cast<int>(ops)};
  t.strategy.kind = static_cast<StrategySpec::Kind>(kind);
  if (sc) t.strategy.memory_model = MemoryModel::kSc;
  t.strategy.race_detection = !no_race;
  if (t.strategy.kind == StrategyKind::kExhaustive) {
    t.strategy.preemption_bound = static_cast<int>(depth);
    t.strategy.reduction = !no_reduction;
    t.strategy.stale_bound = static_cast<int>(stale);
    t.strategy.tree_shard = tree != 0 ? static_cast<int>(shard) : 0;
    t.strategy.tree_shards = tree != 0 ? static_cast<int>(shards) : 1;
  } else {
    t.strategy.depth = static_cast<int>(depth);
  }
  t.strategy.preempt = preempt;
  t.invariant = static_cast<Invariant>(inv);
  return absl::OkStatus();
}

// The packed schedule.
absl::StatusOr<std::vector<uint8_t>> ReadChoices(Reader& r) {
  uint64_t bits, count;
  if (!r.Varint(bits) || !r.Varint(count)) return Bad("it is truncated");
  if ((bits != 1 && bits != 2 && bits != 4 && bits != 8) || count > kMaxChoices) {
    return Bad("its schedule is corrupted");
  }
  std::string_view packed;
  if (!r.Bytes((count * bits + 7) / 8, packed)) return Bad("it is truncated");
  std::vector<uint8_t> choices;
  choices.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t bit = i * bits;
    const uint8_t byte = static_cast<uint8_t>(packed[bit / 8]);
    choices.push_back(static_cast<uint8_t>((byte >> (bit % 8)) & ((1u << bits) - 1)));
  }
  return choices;
}

// One list of operations, counting them into `total`; false when corrupted or when the program
// would exceed kMaxProgramOps.
bool ReadOps(Reader& r, std::vector<OpSpec>& list, uint64_t& total) {
  uint64_t n;
  if (!r.Varint(n) || n > kMaxProgramOps - total) return false;
  total += n;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t kind, key, value, mode, param, param2, stop;
    if (!r.Varint(kind) || !r.Varint(key) || !r.Varint(value) || !r.Varint(mode) ||
        !r.Varint(param) || !r.Varint(param2) || !r.Varint(stop) ||
        kind > static_cast<uint64_t>(OpKind::kForEach) ||
        mode > static_cast<uint64_t>(VisitPlan::Mode::kEraseValueBelow) || stop > UINT32_MAX) {
      return false;
    }
    OpSpec op;
    op.kind = static_cast<OpKind>(kind);
    op.key = UnZigZag(key);
    op.value = UnZigZag(value);
    op.visit.mode = static_cast<VisitPlan::Mode>(mode);
    op.visit.param = UnZigZag(param);
    op.visit.param2 = UnZigZag(param2);
    op.visit.stop_after = static_cast<uint32_t>(stop);
    list.push_back(op);
  }
  return true;
}

// The explicit program, the last field.
absl::StatusOr<Program> ReadProgram(Reader& r) {
  Program p;
  uint64_t init, threads_count;
  if (!r.Varint(init) || init > kMaxProgramOps) return Bad("its program is corrupted");
  uint64_t total = init;
  for (uint64_t i = 0; i < init; ++i) {
    uint64_t k, v;
    if (!r.Varint(k) || !r.Varint(v)) return Bad("its program is corrupted");
    p.init.emplace_back(UnZigZag(k), UnZigZag(v));
  }
  if (!r.Varint(threads_count) || threads_count > kMaxThreads) {
    return Bad("its program is corrupted");
  }
  p.threads.resize(threads_count);
  for (auto& th : p.threads) {
    if (!ReadOps(r, th, total)) return Bad("its program is corrupted");
  }
  if (!ReadOps(r, p.post, total) || !r.done()) return Bad("its program is corrupted");
  return p;
}

}  // namespace

absl::StatusOr<ReplayToken> ReplayToken::Decode(std::string_view text) {
  absl::StatusOr<std::string> payload = DecodePayload(text);
  if (!payload.ok()) return payload.status();
  Reader r(*payload);
  ReplayToken t;
  uint64_t has_choices = 0;
  if (absl::Status s = ReadHeader(r, t, has_choices); !s.ok()) return s;
  if (has_choices) {
    absl::StatusOr<std::vector<uint8_t>> choices = ReadChoices(r);
    if (!choices.ok()) return choices.status();
    t.choices = *std::move(choices);
  }
  if (!r.done() && !r.String(t.plugin)) return Bad("it is truncated");
  if (!r.done()) {
    absl::StatusOr<Program> program = ReadProgram(r);
    if (!program.ok()) return program.status();
    t.program = *std::move(program);
  }
  if (!r.done()) return Bad("it has trailing data");
  return t;
}

}  // namespace mapfault
