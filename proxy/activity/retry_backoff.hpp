// activity/retry_backoff: delays between webhook attempts: exponential with full jitter.
// Pure: the random generator is the caller's.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace portico::activity {

class RetryBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  RetryBackoff(Duration initial, Duration cap)
      : initial_(std::max(initial, Duration(1))),
        cap_(std::max(cap, initial_)),
        ceiling_(initial_) {}

  // Uniform in [0, ceiling] ("full jitter": a fleet that failed together does not retry
  // together); the ceiling starts at `initial` and doubles after each call, up to `cap`.
  template <class Random>
  Duration next(Random& random) {
    std::uniform_int_distribution<Duration::rep> pick(0, ceiling_.count());
    const Duration delay(pick(random));
    ceiling_ = std::min(ceiling_ * 2, cap_);
    return delay;
  }

  Duration ceiling() const noexcept { return ceiling_; }
  void reset() noexcept { ceiling_ = initial_; }

 private:
  Duration initial_;
  Duration cap_;
  Duration ceiling_;
};

}  // namespace portico::activity
