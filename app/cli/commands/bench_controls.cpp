// bilevel-cli bench --controls PRESET: how long pause, resume and stop take to act on a running
// training of a preset (from the call to the controller's state change), as medians and maxima.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "bilevel/prepared_run.h"
#include "bilevel/presets.h"
#include "bilevel/run_controller.h"
#include "cli_common.h"
#include "commands.h"

namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds until pred() holds (polled every 0.2 ms), or -1 after 10 s.
template <typename Pred>
double Until(Pred pred) {
  const auto start = Clock::now();
  for (;;) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (pred()) return ms;
    if (ms > 10000) return -1;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-7s median %7.1f ms, max %7.1f ms over %zu trials\n", what, ms[ms.size() / 2],
              ms.back(), ms.size());
}

}  // namespace

int RunControlsBench(const std::string& preset, int trials) {
  bilevel::TrainingConfig config;
  if (bilevel::Status s = bilevel::LoadPreset(preset, &config); !s.ok())
    return cli::Fail("bench", s.message(), 2);
  config.trainer.budget = bilevel::Budget{};
  config.trainer.budget.iterations = 1000000;
  bilevel::PreparedRun prepared;
  if (bilevel::Status s = bilevel::PrepareRun(config, {}, &prepared); !s.ok())
    return cli::Fail("bench", s.message());
  std::printf("controls on preset %s (%s, %d training images of %s), %s\n", preset.c_str(),
              bilevel::ToString(config.trainer.method), prepared.oracle->dataset().train.n(),
              prepared.oracle->dataset().train.shape().toString().c_str(),
              prepared.backend.c_str());
  std::vector<double> pause_ms, resume_ms, stop_ms;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> wait_ms(200, 1200);
  for (int t = 0; t < trials; ++t) {
    bilevel::RunController run(config, *prepared.trainer, nullptr);
    if (bilevel::Status s = run.start(); !s.ok()) return cli::Fail("bench", s.message());
    for (int k = 0; k < 3; ++k) {  // pause and resume at random moments of the training
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
      run.pause();
      pause_ms.push_back(Until([&] { return run.state() == bilevel::RunState::kPaused; }));
      run.resume();
      resume_ms.push_back(Until([&] { return run.state() == bilevel::RunState::kRunning; }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
    run.stop();
    stop_ms.push_back(Until([&] { return run.state() == bilevel::RunState::kFinished; }));
    run.wait();
    if (run.end() != bilevel::RunEnd::kStopped)
      return cli::Fail("bench", "the run ended early: " + run.endMessage());
  }
  for (const auto& v : {pause_ms, resume_ms, stop_ms})
    if (std::find(v.begin(), v.end(), -1.0) != v.end())
      return cli::Fail("bench", "a command took more than 10 s");
  Report("pause", pause_ms);
  Report("resume", resume_ms);
  Report("stop", stop_ms);
  return 0;
}
