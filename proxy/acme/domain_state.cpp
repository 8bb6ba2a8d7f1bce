// acme/domain_state: state transitions, backoff, renewal time, rate limit. No I/O.
#include "proxy/acme/domain_state.hpp"

#include <algorithm>

namespace portico::acme {

std::string_view to_string(CertState state) {
  switch (state) {
    case CertState::none: return "none";
    case CertState::pending: return "pending";
    case CertState::valid: return "valid";
    case CertState::failed: return "failed";
  }
  return "none";
}

Duration retry_delay(unsigned failures, const RenewalPolicy& policy) {
  Duration delay = policy.retry_min;
  for (unsigned i = 1; i < failures && delay < policy.retry_max; ++i) delay *= 2;
  return std::min(delay, policy.retry_max);
}

Clock::time_point renewal_time(Clock::time_point not_after, Clock::time_point obtained,
                               const RenewalPolicy& policy, double jitter) {
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto spread = std::chrono::duration_cast<Duration>(policy.renew_before * (jitter / 10));
  const Clock::time_point earliest = obtained + policy.renew_min_interval;
  return std::max(not_after - policy.renew_before - spread, earliest);
}

void DomainState::order_started() {
  order_running = true;
  if (!has_certificate) state = CertState::pending;
}

void DomainState::certificate_installed(Clock::time_point not_after, Clock::time_point obtained,
                                        const RenewalPolicy& policy, double jitter) {
  order_running = false;
  has_certificate = true;
  state = CertState::valid;
  not_after_unix = std::chrono::duration_cast<std::chrono::seconds>(not_after.time_since_epoch()).count();
  failures = 0;
  last_error.clear();
  next_attempt = renewal_time(not_after, obtained, policy, jitter);
}

void DomainState::order_failed(std::string error, Clock::time_point now, const RenewalPolicy& policy) {
  order_running = false;
  ++failures;
  last_error = std::move(error);
  next_attempt = now + retry_delay(failures, policy);
  if (!has_certificate) state = CertState::failed;
}

void DomainState::postponed(std::string reason, Clock::time_point when) {
  order_running = false;
  last_error = std::move(reason);
  next_attempt = when;
  if (!has_certificate) state = CertState::failed;
}

void OrderRateLimit::forget_before(Clock::time_point now) {
  while (!starts_.empty() && starts_.front() <= now - std::chrono::hours(1)) starts_.pop_front();
}

bool OrderRateLimit::try_start(Clock::time_point now) {
  forget_before(now);
  if (starts_.size() >= per_hour_) return false;
  starts_.push_back(now);
  return true;
}

Clock::time_point OrderRateLimit::next_slot(Clock::time_point now) {
  forget_before(now);
  if (starts_.size() < per_hour_) return now;
  return starts_[starts_.size() - per_hour_] + std::chrono::hours(1);
}

}  // namespace portico::acme
