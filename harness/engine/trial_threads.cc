// Reusable trial threads.
#include "harness/engine/trial_threads.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace mapfault {
namespace {

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      quit_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  std::string Run(const std::vector<std::function<void()>>& bodies) {
    while (threads_.size() < bodies.size()) {
      const size_t index = threads_.size();
      threads_.emplace_back([this, index] { Loop(index); });
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      bodies_ = &bodies;
      error_.clear();
      ready_.store(0);
      go_.store(false);
      remaining_ = bodies.size();
      ++generation_;
    }
    cv_.notify_all();
    // Release everyone at once when all are ready (a start barrier; waits block on a futex).
    for (size_t r = ready_.load(std::memory_order_acquire); r < bodies.size();
         r = ready_.load(std::memory_order_acquire)) {
      ready_.wait(r, std::memory_order_acquire);
    }
    go_.store(true, std::memory_order_release);
    go_.notify_all();
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return remaining_ == 0; });
    bodies_ = nullptr;
    return error_;
  }

 private:
  void Loop(size_t index) {
    uint64_t seen = 0;
    while (true) {
      const std::vector<std::function<void()>>* bodies;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (quit_) return;
        bodies = bodies_;
      }
      if (bodies == nullptr || index >= bodies->size()) continue;
      ready_.fetch_add(1, std::memory_order_acq_rel);
      ready_.notify_one();
      // Spin briefly (the release is usually imminent), then block.
      for (int i = 0; i < 2000 && !go_.load(std::memory_order_acquire); ++i) {
      }
      go_.wait(false, std::memory_order_acquire);
      std::string error;
      try {
        (*bodies)[index]();
      } catch (const std::exception& e) {
        error = "T" + std::to_string(index) + " let an exception escape: " + e.what();
      } catch (...) {
        error = "T" + std::to_string(index) + " let a non-standard exception escape";
      }
      std::lock_guard<std::mutex> g(mu_);
      if (!error.empty() && error_.empty()) error_ = error;
      if (--remaining_ == 0) done_cv_.notify_all();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  uint64_t generation_ = 0;
  bool quit_ = false;
  const std::vector<std::function<void()>>* bodies_ = nullptr;
  size_t remaining_ = 0;
  std::string error_;
  std::atomic<size_t> ready_{0};
  std::atomic<bool> go_{false};
};

}  // namespace

std::string RunOnTrialThreads(const std::vector<std::function<void()>>& bodies) {
  // One pool per process: a process forked from one that had a pool starts a fresh one (the old
  // pool's threads do not exist in the child; its object is abandoned, not destroyed).
  static pid_t owner = 0;
  static Pool* pool = nullptr;
  if (pool == nullptr || owner != getpid()) {
    pool = new Pool();
    owner = getpid();
  }
  return pool->Run(bodies);
}

}  // namespace mapfault
