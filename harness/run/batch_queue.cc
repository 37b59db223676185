// The run's work queue: shard slices, batch cursors, round robin and retries.
#include "harness/run/batch_queue.h"

#include <algorithm>

namespace mapfault {

ShardSlice SliceForShard(uint64_t trials, int shard_index, int shard_count) {
  const uint64_t n = static_cast<uint64_t>(std::max(shard_count, 1));
  const uint64_t i = static_cast<uint64_t>(std::clamp(shard_index, 0, static_cast<int>(n) - 1));
  return {trials * i / n, trials * (i + 1) / n};
}

BatchQueue::BatchQueue(const std::vector<uint64_t>& trials, const Options& options,
                       const std::vector<bool>& unsliced)
    : jobs_(static_cast<uint64_t>(std::max(1, options.jobs))), automatic_(options.batch == 0) {
  const uint64_t jobs = jobs_;
  for (size_t c = 0; c < trials.size(); ++c) {
    const uint64_t total = trials[c];
    const bool whole = c < unsliced.size() && unsliced[c];
    const ShardSlice slice = whole ? ShardSlice{0, total}
                                   : SliceForShard(total, options.shard_index, options.shard_count);
    const uint64_t n = slice.end - slice.begin;
    planned_ += n;
    uint64_t batch = options.batch;
    if (batch == 0) batch = std::clamp<uint64_t>(n / (jobs * 4), 64, 2000);
    cursors_.push_back({slice.begin, slice.end, batch});
    slice_begin_.push_back(slice.begin);
  }
}

bool BatchQueue::Pending() const {
  if (!retry_.empty()) return true;
  return std::any_of(cursors_.begin(), cursors_.end(),
                     [](const Cursor& k) { return k.next < k.end; });
}

TrialBatch BatchQueue::Peek() const {
  if (!retry_.empty()) return retry_.front();
  for (size_t k = 0; k < cursors_.size(); ++k) {
    const size_t c = (round_robin_ + k) % cursors_.size();
    const Cursor& cur = cursors_[c];
    if (cur.next < cur.end) return {c, cur.next, std::min(cur.end, cur.next + cur.batch)};
  }
  return TrialBatch{};  // unreachable: callers check Pending()
}

TrialBatch BatchQueue::Next() {
  const TrialBatch b = Peek();
  if (!retry_.empty()) {
    retry_.pop_front();
  } else {
    cursors_[b.cell].next = b.end;
    round_robin_ = b.cell + 1;
  }
  return b;
}

void BatchQueue::GrowBatch(size_t cell, uint64_t trials) {
  Cursor& cur = cursors_[cell];
  if (!automatic_ || cur.next >= cur.end) return;
  const uint64_t share = (cur.end - cur.next + jobs_ - 1) / jobs_;
  cur.batch = std::max(cur.batch, std::min(trials, share));
}

void BatchQueue::DropCell(size_t cell) {
  cursors_[cell].next = cursors_[cell].end;
  std::erase_if(retry_, [cell](const TrialBatch& b) { return b.cell == cell; });
}

void BatchQueue::DropAll() {
  for (size_t c = 0; c < cursors_.size(); ++c) DropCell(c);
}

}  // namespace mapfault
