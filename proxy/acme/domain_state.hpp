// acme/domain_state: what Portico knows about one custom domain's certificate and when it
// acts next: the state machine (none -> pending -> valid | failed), the retry backoff, the
// renewal time with jitter and the order rate limit. Pure: no I/O, time passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace portico::acme {

using Clock = std::chrono::system_clock;
using Duration = std::chrono::milliseconds;

enum class CertState { none, pending, valid, failed };
std::string_view to_string(CertState state);

struct RenewalPolicy {
  Duration renew_before = std::chrono::hours(24 * 30);
  Duration renew_min_interval = std::chrono::hours(1);
  Duration retry_min = std::chrono::seconds(5);
  Duration retry_max = std::chrono::hours(1);
};

// The wait after `failures` consecutive failed orders (1 = the first): retry_min doubled
// each time, capped at retry_max.
Duration retry_delay(unsigned failures, const RenewalPolicy& policy);

// When a certificate valid until `not_after`, obtained at `obtained`, is renewed:
// not_after - renew_before, moved earlier by up to a tenth of renew_before (`jitter` in
// [0, 1)) so a fleet's certificates do not all renew at once, and never sooner than
// `obtained` + renew_min_interval (a renewal window wider than the lifetime must not turn
// into an order per tick).
Clock::time_point renewal_time(Clock::time_point not_after, Clock::time_point obtained,
                               const RenewalPolicy& policy, double jitter);

// One custom domain. `next_attempt` is when the next order may start (max() = never).
struct DomainState {
  std::string org_id;
  CertState state = CertState::none;
  bool has_certificate = false;  // a certificate is being served (valid, maybe renewing)
  std::int64_t not_after_unix = 0;
  bool order_running = false;
  unsigned failures = 0;  // consecutive failed orders
  std::string last_error;
  Clock::time_point next_attempt = Clock::time_point::min();  // min(): as soon as possible

  bool due(Clock::time_point now) const { return !order_running && now >= next_attempt; }
  void order_started();
  // A certificate valid until `not_after` is served from now on.
  void certificate_installed(Clock::time_point not_after, Clock::time_point obtained,
                             const RenewalPolicy& policy, double jitter);
  // The order failed; the certificate still served (if any) stays.
  void order_failed(std::string error, Clock::time_point now, const RenewalPolicy& policy);
  // The order could not start (rate limit): try again at `when`, not counted as a failure.
  void postponed(std::string reason, Clock::time_point when);
};

// At most `per_hour` orders started in any sliding hour.
class OrderRateLimit {
 public:
  explicit OrderRateLimit(unsigned per_hour) : per_hour_(per_hour) {}
  // Records a start at `now` and returns true, or returns false when the hour is full.
  bool try_start(Clock::time_point now);
  // The first time a start will be allowed (now when allowed now).
  Clock::time_point next_slot(Clock::time_point now);

 private:
  void forget_before(Clock::time_point now);
  unsigned per_hour_;
  std::deque<Clock::time_point> starts_;
};

}  // namespace portico::acme
