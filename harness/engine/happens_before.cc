// Happens-before (see happens_before.h).
#include "harness/engine/happens_before.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

// Generations are unique in the process, so shadow state left by any earlier trial is stale.
std::atomic<uint32_t> next_generation{1};

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
  gen_ = next_generation.fetch_add(1, std::memory_order_relaxed);
  const size_t cells = static_cast<size_t>(threads) * threads;
  thread_clocks_.assign(cells, 0);
  release_fence_.assign(cells, 0);
  acquire_fence_.assign(cells, 0);
  for (int t = 0; t < threads; ++t) thread_clocks_[Index(t, t)] = 1;
  pool_.assign(static_cast<size_t>(threads), 0);  // slot 0
  read_sets_.clear();
}

const uint32_t* HappensBefore::Find(const SyncClock& c) const {
  if (c.gen != gen_ || c.slot == 0) return nullptr;
  return &pool_[static_cast<size_t>(c.slot) * n_];
}

uint32_t* HappensBefore::Slot(SyncClock& c) {
  if (c.gen != gen_ || c.slot == 0) {
    c.gen = gen_;
    c.slot = static_cast<uint32_t>(pool_.size() / std::max(n_, 1));
    pool_.resize(pool_.size() + n_, 0);
  }
  return &pool_[static_cast<size_t>(c.slot) * n_];
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

void HappensBefore::Fence(int t, std::memory_order order) {
  if (order == std::memory_order_relaxed) return;
  if (Acquires(order, model_)) Join(Clock(t), &acquire_fence_[Index(t, 0)]);
  if (Releases(order, model_)) {
    std::copy_n(Clock(t), n_, &release_fence_[Index(t, 0)]);
    Tick(t);
  }
}

void HappensBefore::Fresh(VarShadow& v) const {
  if (v.gen == gen_) return;
  v.gen = gen_;
  v.write_clock = 0;
  v.read_clock = 0;
}

VarAccess HappensBefore::WriteOf(const VarShadow& v) {
  return {v.write_step, v.write_thread, true, v.write_label, v.write_where};
}

VarAccess HappensBefore::ReadOf(const VarShadow& v) {
  return {v.read_step, v.read_thread, false, v.read_label, v.read_where};
}

bool HappensBefore::Race(const VarAccess& earlier, uint32_t epoch, const VarAccess& later,
                         DataRace& race) {
  race.earlier = earlier;
  race.later = later;
  race.epoch = epoch;
  race.seen = thread_clocks_[Index(later.thread, earlier.thread)];
  return false;
}

bool HappensBefore::Read(VarShadow& v, const VarAccess& a, DataRace& race) {
  Fresh(v);
  const uint32_t* now = Clock(a.thread);
  const uint32_t mine = now[a.thread];
  if (v.read_clock == mine && v.read_thread == a.thread) return true;  // read in this epoch
  if (v.write_clock > now[v.write_thread]) return Race(WriteOf(v), v.write_clock, a, race);
  if (v.read_clock == kReadSet) {
    read_sets_[static_cast<size_t>(v.read_set) * n_ + a.thread] = {mine, a.step, a.label, a.where};
    return true;
  }
  if (v.read_clock != 0 && v.read_clock > now[v.read_thread]) {
    // Two concurrent reads: keep both, in a read set.
    v.read_set = static_cast<uint32_t>(read_sets_.size() / n_);
    read_sets_.resize(read_sets_.size() + n_);
    ReadEntry* set = &read_sets_[static_cast<size_t>(v.read_set) * n_];
    set[v.read_thread] = {v.read_clock, v.read_step, v.read_label, v.read_where};
    set[a.thread] = {mine, a.step, a.label, a.where};
    v.read_clock = kReadSet;
    return true;
  }
  v.read_clock = mine;
  v.read_thread = static_cast<uint8_t>(a.thread);
  v.read_step = a.step;
  v.read_label = a.label;
  v.read_where = a.where;
  return true;
}

bool HappensBefore::Write(VarShadow& v, const VarAccess& a, DataRace& race) {
  Fresh(v);
  const uint32_t* now = Clock(a.thread);
  const uint32_t mine = now[a.thread];
  if (v.write_clock == mine && v.write_thread == a.thread && v.read_clock == 0) return true;
  if (v.write_clock > now[v.write_thread]) return Race(WriteOf(v), v.write_clock, a, race);
  if (v.read_clock == kReadSet) {
    const ReadEntry* set = &read_sets_[static_cast<size_t>(v.read_set) * n_];
    for (int i = 0; i < n_; ++i) {
      if (set[i].clock > now[i]) {
        return Race({set[i].step, i, false, set[i].label, set[i].where}, set[i].clock, a, race);
      }
    }
  } else if (v.read_clock != 0 && v.read_clock > now[v.read_thread]) {
    return Race(ReadOf(v), v.read_clock, a, race);
  }
  v.write_clock = mine;
  v.write_thread = static_cast<uint8_t>(a.thread);
  v.write_step = a.step;
  v.write_label = a.label;
  v.write_where = a.where;
  v.read_clock = 0;  // every earlier read is ordered before this write, or raced with it
  return true;
}

}  // namespace mapfault
