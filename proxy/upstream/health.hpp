// upstream/health: which [upstream] servers may take requests now. One table per config
// snapshot, shared by every worker: workers read it and report connect failures (relaxed
// atomics, no locks), the health checker on the control thread writes check results.
// Socket-free; the checker that probes servers lives in upstream/health_checker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::upstream {

using HealthClock = std::chrono::steady_clock;

class UpstreamHealth {
 public:
  // Every server starts healthy: a fresh Portico (or a reload adding a server) sends traffic
  // at once, and the first failed connect or check takes the server out.
  explicit UpstreamHealth(const config::UpstreamSection& upstream);
  UpstreamHealth(const UpstreamHealth&) = delete;
  UpstreamHealth& operator=(const UpstreamHealth&) = delete;

  std::size_t size() const noexcept { return servers_.size(); }
  const config::Endpoint& endpoint(std::size_t index) const noexcept { return servers_[index]->endpoint; }
  const std::string& name(std::size_t index) const noexcept { return servers_[index]->name; }  // "host:port"

  // Healthy by its last active check and not ejected by a recent connect failure.
  bool available(std::size_t index, HealthClock::time_point now = HealthClock::now()) const noexcept;
  std::size_t available_count(HealthClock::time_point now = HealthClock::now()) const noexcept;

  // The next available server in round-robin order from `cursor` (advanced), skipping those
  // whose bit is set in `tried` (servers past the 64th are never skipped). nullopt when none.
  std::optional<std::size_t> pick(std::size_t& cursor, std::uint64_t tried,
                                  HealthClock::time_point now = HealthClock::now()) const noexcept;

  // Passive ejection: a connect to the server failed (refused, unreachable, timed out). It
  // takes no new requests for one health_interval, or, with active checks, until a check
  // passes. Returns true when this report took the server out.
  bool report_connect_failure(std::size_t index, HealthClock::time_point now = HealthClock::now()) noexcept;

  // Active checks (control thread). Returns true when the server's state changed.
  bool record_check(std::size_t index, bool passed) noexcept;

  bool active_checks() const noexcept { return active_checks_; }
  std::chrono::milliseconds interval() const noexcept { return interval_; }

  // A reload: servers with the same name keep the state they had in `previous`.
  void inherit(const UpstreamHealth& previous) noexcept;

 private:
  struct Server {
    config::Endpoint endpoint;
    std::string name;
    std::atomic<bool> check_passed{true};
    std::atomic<std::int64_t> ejected_until_ns{0};  // HealthClock, 0 = not ejected
  };
  std::vector<std::unique_ptr<Server>> servers_;
  std::chrono::milliseconds interval_;
  bool active_checks_ = false;
};

}  // namespace portico::upstream
