// The work queue of a run: this shard's slice of every cell's trials, cut into batches as they are
// needed (a cursor per cell, so a huge trial count costs nothing up front). Batches are handed out
// round robin over the cells, so a time budget or an interruption leaves every cell a fair share;
// the rest of a batch whose worker died goes first. Single-threaded (the supervisor's).
#ifndef MAPFAULT_HARNESS_RUN_BATCH_QUEUE_H_
#define MAPFAULT_HARNESS_RUN_BATCH_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace mapfault {

// Trials [begin, end) of cell `cell`, run by one worker.
struct TrialBatch {
  size_t cell = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const TrialBatch&, const TrialBatch&) = default;
};

// Shard I of N runs trials [begin, end) of every cell: contiguous slices whose union is the whole
// range. A trial's seed depends only on the run seed, the cell and its index, so the union of the
// shards' results equals an unsharded run (but for the early stop after too many worker deaths,
// which each shard applies on its own).
struct ShardSlice {
  uint64_t begin;
  uint64_t end;
};
ShardSlice SliceForShard(uint64_t trials, int shard_index, int shard_count);

// The wall time a batch should take once its cell's trial time is known: long enough that a
// worker's fork, warm-up and exit (a few ms) are a small share of it, short enough that a stop
// request or the time budget waits at most about this long for running batches.
inline constexpr double kBatchTargetSeconds = 0.5;

class BatchQueue {
 public:
  struct Options {
    int shard_index = 0;
    int shard_count = 1;
    uint64_t batch = 0;  // trials per batch; 0 = automatic (from the slice and the jobs)
    int jobs = 1;
  };
  // `trials[c]`: the trials of cell c in the whole run. `unsliced[c]`: cell c is not sliced, every
  // shard runs all its trials (an exhaustive cell, whose shards split each program's schedule tree
  // instead: strategies/tree_shard.h); absent: sliced.
  BatchQueue(const std::vector<uint64_t>& trials, const Options& options,
             const std::vector<bool>& unsliced = {});

  bool Pending() const;
  // The next batch: a retried rest first, else the next cell in round robin with trials left.
  // Requires Pending().
  TrialBatch Next();
  // The batch Next() would return, left in the queue. Requires Pending().
  TrialBatch Peek() const;
  // Puts the rest of a batch in front of the queue.
  void RetryFirst(const TrialBatch& rest) { retry_.push_front(rest); }
  // Grows the cell's further automatic batches to `trials` each (the supervisor asks for what a
  // worker runs in about kBatchTargetSeconds, once it measured the cell's trial time), but to no
  // more than a jobs-th of the cell's trials left, so its last batches still spread over the
  // workers. Never shrinks a batch; nothing when Options::batch gave the size.
  void GrowBatch(size_t cell, uint64_t trials);
  // No further batch of `cell` (its pending retries included).
  void DropCell(size_t cell);
  void DropAll();

  uint64_t planned() const { return planned_; }                       // over every cell
  uint64_t Planned(size_t cell) const { return cursors_[cell].end - slice_begin_[cell]; }

 private:
  struct Cursor {
    uint64_t next, end, batch;
  };
  std::vector<Cursor> cursors_;
  std::vector<uint64_t> slice_begin_;
  std::deque<TrialBatch> retry_;
  uint64_t jobs_ = 1;
  bool automatic_ = true;
  size_t round_robin_ = 0;
  uint64_t planned_ = 0;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_BATCH_QUEUE_H_
