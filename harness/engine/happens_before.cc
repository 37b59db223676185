// Happens-before (see happens_before.h).
#include "harness/engine/happens_before.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

// Generations are unique in the process, so shadow state left by any earlier trial is stale.
std::atomic<uint32_t> next_clock_generation{1};

bool Acquires(std::memory_order o, MemoryModel model) {
  return model == MemoryModel::kSc || o == std::memory_order_acquire ||
         o == std::memory_order_consume || o == std::memory_order_acq_rel ||
         o == std::memory_order_seq_cst;
}

bool Releases(std::memory_order o, MemoryModel model) {
  return model == MemoryModel::kSc || o == std::memory_order_release ||
         o == std::memory_order_acq_rel || o == std::memory_order_seq_cst;
}

std::string Site(const VarAccess& a) {
  return absl::StrCat(SourcePath(a.where.file), ":", a.where.line);
}

std::string Describe(const VarAccess& a) {
  return absl::StrCat("T", a.thread, "'s ", a.write ? "write" : "read", " at step ", a.step, " (",
                      a.label != nullptr ? a.label : "start", ", ", Site(a), ")");
}

}  // namespace

std::string SourcePath(const char* file) {
  std::string_view path = file;
  for (std::string_view top : {"maps/", "harness/", "examples/", "tests/"}) {
    const size_t at = path.rfind(top);
    if (at != std::string_view::npos && (at == 0 || path[at - 1] == '/')) {
      path.remove_prefix(at);
      break;
    }
  }
  return std::string(path);
}

std::string DescribeRace(const DataRace& race) {
  const std::string t = absl::StrCat("T", race.earlier.thread);
  const std::string seen =
      race.seen == 0
          ? absl::StrCat("had never synchronised with ", t)
          : absl::StrCat("had synchronised with ", t, " only up to its epoch ", race.seen);
  return absl::StrCat(
      "data race: ", Describe(race.later), " and ", Describe(race.earlier),
      " are not ordered by happens-before: T", race.later.thread, " ", seen, ", the ",
      race.earlier.write ? "write" : "read", " is at ", t, "'s epoch ", race.epoch,
      " (missing: a release by ", t, " after it, acquired by T", race.later.thread,
      " before this access: a lock hand-off, or a release store read by an acquire load)");
}

void HappensBefore::Begin(int threads, MemoryModel model) {
  n_ = threads;
  model_ = model;
  gen_ = next_clock_generation.fetch_add(1, std::memory_order_relaxed);
  const size_t cells = static_cast<size_t>(threads) * threads;
  clocks_.assign(3 * cells + 2 * static_cast<size_t>(threads), 0);
  thread_clocks_ = clocks_.data();
  release_fence_ = thread_clocks_ + cells;
  acquire_fence_ = release_fence_ + cells;
  sc_fence_step_ = acquire_fence_ + cells;
  returned_step_ = sc_fence_step_ + threads;
  for (int t = 0; t < threads; ++t) thread_clocks_[Index(t, t)] = 1;
  pool_.assign(static_cast<size_t>(threads), 0);  // slot 0
  read_sets_.clear();
}

const uint32_t* HappensBefore::Find(const SyncClock& c) const {
  if (c.gen != gen_ || c.slot == 0) return nullptr;
  return &pool_[static_cast<size_t>(c.slot) * n_];
}

uint32_t HappensBefore::NewSlot() {
  const auto slot = static_cast<uint32_t>(pool_.size() / std::max(n_, 1));
  pool_.resize(pool_.size() + n_, 0);
  return slot;
}

uint32_t* HappensBefore::Slot(SyncClock& c) {
  if (c.gen != gen_ || c.slot == 0) {
    c.gen = gen_;
    c.slot = NewSlot();
  }
  return SlotAt(c.slot);
}

void HappensBefore::Join(uint32_t* into, const uint32_t* from) const {
  for (int i = 0; i < n_; ++i) into[i] = std::max(into[i], from[i]);
}

void HappensBefore::Acquire(const SyncClock& c, int t) {
  if (const uint32_t* from = Find(c)) Join(Clock(t), from);
}

void HappensBefore::Release(SyncClock& c, int t) {
  std::copy_n(Clock(t), n_, Slot(c));
  Tick(t);
}

void HappensBefore::ReleaseJoin(SyncClock& c, int t) {
  Join(Slot(c), Clock(t));
  Tick(t);
}

void HappensBefore::AtomicLoad(const SyncClock& c, int t, std::memory_order order) {
  const uint32_t* from = Find(c);
  if (from == nullptr) return;
  Join(Acquires(order, model_) ? Clock(t) : &acquire_fence_[Index(t, 0)], from);
}

// A store heads a new release sequence: a releasing one carries the thread's clock, a relaxed one
// the clock of the thread's last release fence (nothing if it had none).
void HappensBefore::AtomicStore(SyncClock& c, int t, std::memory_order order) {
  if (Releases(order, model_)) {
    Release(c, t);
  } else {
    std::copy_n(&release_fence_[Index(t, 0)], n_, Slot(c));
  }
}

// A read-modify-write continues the release sequence it reads from (C++20 [intro.races]).
void HappensBefore::AtomicRmw(SyncClock& c, int t, std::memory_order order) {
  AtomicLoad(c, t, order);
  if (Releases(order, model_)) {
    ReleaseJoin(c, t);
  } else {
    Join(Slot(c), &release_fence_[Index(t, 0)]);
  }
}

void HappensBefore::Fence(int t, std::memory_order order, uint32_t step) {
  if (order == std::memory_order_relaxed) return;
  if (order == std::memory_order_seq_cst) sc_fence_step_[t] = step;
  if (Acquires(order, model_)) Join(Clock(t), &acquire_fence_[Index(t, 0)]);
  if (Releases(order, model_)) {
    std::copy_n(Clock(t), n_, &release_fence_[Index(t, 0)]);
    Tick(t);
  }
}

bool HappensBefore::Fresh(StoreHistory& h) const {
  if (h.gen == gen_) return false;
  h.gen = gen_;
  h.count = 1;
  h.records[0] = StoreRecord{};  // epoch 0: happens-before every load of the trial
  return true;
}

// Coherence (C++20 [intro.races]): a load may not read older than a store that happens-before it
// (write-read) or than a store another read read, when that read happens-before it (read-read; a
// thread's own earlier reads included). [atomics.order]'s seq_cst fence rules are approximated
// from above: after its seq_cst fence a thread sees every store made before the fence. That is
// stronger than C++ asks, so it hides some weak behaviours but never shows one C++ forbids. So is
// the last rule: a store of a scenario operation that has returned is seen by every later load
// (mapfault's checkers judge histories in real time; C++ has no real time, only [atomics.order]
// p11's "should be visible within a reasonable amount of time").
bool HappensBefore::MustSee(const StoreRecord& r, int t) const {
  return r.step < returned_step_[r.thread] || MustSeeOrdered(r, t);
}

bool HappensBefore::MustSeeOrdered(const StoreRecord& r, int t) const {
  const uint32_t* now = &thread_clocks_[Index(t, 0)];
  if (r.epoch <= now[r.thread] || r.step < sc_fence_step_[t]) return true;
  if (r.seen == 0) return false;
  const uint32_t* seen = SlotAt(r.seen);
  for (int u = 0; u < n_; ++u) {
    if (seen[u] != 0 && seen[u] <= now[u]) return true;
  }
  return false;
}

int HappensBefore::Readable(const StoreHistory& h, int t) const {
  const uint32_t oldest = h.count > kStoreHistory ? h.count - kStoreHistory : 0;
  int readable = 0;
  for (uint32_t i = h.count; i-- > oldest;) {
    ++readable;
    if (MustSee(h.Of(i), t)) break;
  }
  return readable;
}

void HappensBefore::ReadFrom(StoreHistory& h, uint32_t index, int t, std::memory_order order) {
  StoreRecord& r = h.Of(index);
  if (r.release != 0) {
    Join(Acquires(order, model_) ? Clock(t) : &acquire_fence_[Index(t, 0)], SlotAt(r.release));
  }
  if (r.seen == 0) r.seen = NewSlot();
  uint32_t& first = SlotAt(r.seen)[t];
  if (first == 0) first = Now(t);
}

// A store's release clock: the release sequence it continues (an RMW's), joined with the thread's
// clock when it releases, or else with the clock of the thread's last release fence.
uint32_t HappensBefore::Append(StoreHistory& h, int t, std::memory_order order, uint32_t step,
                               uint32_t continues) {
  const bool releases = Releases(order, model_);
  StoreRecord r;
  r.thread = static_cast<uint8_t>(t);
  r.step = step;
  r.epoch = Now(t);
  r.release = NewSlot();
  uint32_t* clock = SlotAt(r.release);
  if (continues != 0) std::copy_n(SlotAt(continues), n_, clock);
  Join(clock, releases ? Clock(t) : &release_fence_[Index(t, 0)]);
  if (releases) Tick(t);
  const uint32_t index = h.count++;
  h.Of(index) = r;
  return index;
}

uint32_t HappensBefore::Store(StoreHistory& h, int t, std::memory_order order, uint32_t step) {
  return Append(h, t, order, step, 0);
}

// A read-modify-write reads the latest store and continues its release sequence.
uint32_t HappensBefore::Rmw(StoreHistory& h, int t, std::memory_order order, uint32_t step) {
  const uint32_t latest = h.count - 1;
  ReadFrom(h, latest, t, order);
  return Append(h, t, order, step, h.Of(latest).release);
}

bool HappensBefore::Race(const VarAccess& earlier, uint32_t epoch, const VarAccess& later) {
  race_.earlier = earlier;
  race_.later = later;
  race_.epoch = epoch;
  race_.seen = thread_clocks_[Index(later.thread, earlier.thread)];
  return false;
}

namespace {

// A read that is not ordered after the Var's last one (HappensBefore::Read, out of line with it:
// TryRead takes the common paths). `Entry` is HappensBefore::ReadEntry. With a read set: records
// the read in it. Else two concurrent reads: keeps both, in a new read set.
template <class Entry>
void ReadShared(std::vector<Entry>& read_sets, int n, VarShadow& v, const VarAccess& a,
                uint32_t mine) {
  if (v.read.clock == HappensBefore::kReadSet) {
    read_sets[static_cast<size_t>(v.read_set) * n + a.thread] = {mine, a.step, a.label, a.where};
    return;
  }
  v.read_set = static_cast<uint32_t>(read_sets.size() / n);
  read_sets.resize(read_sets.size() + n);
  Entry* set = &read_sets[static_cast<size_t>(v.read_set) * n];
  set[v.read.thread] = {v.read.clock, v.read.step, v.read.label, {v.read.file, v.read.line}};
  set[a.thread] = {mine, a.step, a.label, a.where};
  v.read.clock = HappensBefore::kReadSet;
}

}  // namespace

bool HappensBefore::Read(VarShadow& v, const VarAccess& a) {
  Fresh(v);
  const uint32_t* now = Clock(a.thread);
  const uint32_t mine = now[a.thread];
  if (v.read.clock == mine && v.read.thread == a.thread) return true;  // read in this epoch
  if (v.write.clock > now[v.write.thread]) return Race(v.write.Access(true), v.write.clock, a);
  if (v.read.clock == kReadSet || (v.read.clock != 0 && v.read.clock > now[v.read.thread])) {
    ReadShared(read_sets_, n_, v, a, mine);
    return true;
  }
  RecordRead(v, a, mine);
  return true;
}

bool HappensBefore::Write(VarShadow& v, const VarAccess& a) {
  Fresh(v);
  const uint32_t* now = Clock(a.thread);
  const uint32_t mine = now[a.thread];
  if (v.write.clock == mine && v.write.thread == a.thread && v.read.clock == 0) return true;
  if (v.write.clock > now[v.write.thread]) return Race(v.write.Access(true), v.write.clock, a);
  if (v.read.clock == kReadSet) {
    const ReadEntry* set = &read_sets_[static_cast<size_t>(v.read_set) * n_];
    for (int i = 0; i < n_; ++i) {
      if (set[i].clock > now[i]) {
        return Race({set[i].step, i, false, set[i].label, set[i].where}, set[i].clock, a);
      }
    }
  } else if (v.read.clock != 0 && v.read.clock > now[v.read.thread]) {
    return Race(v.read.Access(false), v.read.clock, a);
  }
  RecordWrite(v, a, mine);
  return true;
}

}  // namespace mapfault
