#include "bilevel/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bilevel {
namespace {

thread_local bool t_inside_loop = false;

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() { stop(); }

  int size() const { return int(workers_.size()) + 1; }

  void resize(int threads) {
    std::lock_guard<std::mutex> call(call_mutex_);
    stop();
    start(threads);
  }

  void run(int count, const std::function<void(int)>& body) {
    if (count <= 0) return;
    if (count == 1 || workers_.empty() || t_inside_loop) {
      for (int i = 0; i < count; ++i)
        body(i);
      return;
    }
    std::lock_guard<std::mutex> call(call_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      count_ = count;
      next_.store(0);
      busy_ = int(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    work_cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return busy_ == 0; });
    body_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // A new worker starts out having seen the current generation: a loop that finished before it was
  // born is not its to join, and counting itself off for it would end the next loop early.
  void start(int threads) {
    stopping_ = false;
    const unsigned long current = generation_;
    for (int t = 1; t < threads; ++t)
      workers_.emplace_back([this, current] { loop(current); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_)
      w.join();
    workers_.clear();
  }

  void work() {
    t_inside_loop = true;
    try {
      for (int i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1))
        (*body_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(count_);
    }
    t_inside_loop = false;
  }

  void loop(unsigned long seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --busy_;
      }
      done_cv_.notify_one();
    }
  }

  std::mutex call_mutex_;  // one loop at a time
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* body_ = nullptr;
  int count_ = 0;
  std::atomic<int> next_{0};
  int busy_ = 0;
  unsigned long generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

int DefaultThreads() {
  if (const char* env = std::getenv("BILEVEL_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

Pool& GlobalPool() {
  static Pool pool(DefaultThreads());
  return pool;
}

}  // namespace

void ParallelFor(int count, const std::function<void(int)>& body) {
  GlobalPool().run(count, body);
}

int ThreadCount() {
  return GlobalPool().size();
}

void SetThreadCount(int n) {
  GlobalPool().resize(std::max(1, n));
}

}  // namespace bilevel
