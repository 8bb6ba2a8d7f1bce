// acme/acme_manager: the per-domain scheduler on the control thread. One order per domain at
// a time (in this process: order_running; across processes: a flock per domain, and a fresh
// stored certificate found under the lock is loaded instead of ordered again).
#include "proxy/acme/acme_manager.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <random>

#include "proxy/acme/acme_client.hpp"
#include "proxy/acme/domain_state.hpp"
#include "proxy/acme/storage.hpp"
#include "proxy/config/snapshot.hpp"
#include "proxy/observe/log.hpp"
#include "proxy/observe/prometheus_writer.hpp"

namespace portico::acme {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using observe::LogLevel;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr auto tick_interval = 1s;
constexpr std::size_t max_running_orders = 8;

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::time_point from_unix(std::int64_t seconds) { return Clock::time_point(std::chrono::seconds(seconds)); }

}  // namespace

struct AcmeManager::Impl : std::enable_shared_from_this<Impl> {
  struct Domain {
    DomainState state;
    bool operator_certificate = false;  // covered by a cert_dir/default certificate: never ordered
    std::vector<std::function<void()>> waiters;
  };

  asio::io_context& control;
  config::AcmeSection settings;
  RenewalPolicy policy;
  Storage storage;
  ChallengeTokens challenges;
  tls::IssuedCertificates issued;
  AcmeClient client;
  OrderRateLimit rate_limit;
  AcmeCounters counters;
  std::map<std::string, Domain> domains;
  std::map<std::string, Clock::time_point> removed;  // unmapped domain -> delete its files after
  bool first_sync = true;
  bool stopping = false;
  std::size_t running = 0;
  asio::steady_timer tick{control};
  std::mt19937_64 random{std::random_device{}()};

  Impl(asio::io_context& io, config::AcmeSection s)
      : control(io),
        settings(std::move(s)),
        policy{settings.renew_before, settings.renew_min_interval, settings.retry_min, settings.retry_max},
        storage(settings.storage_dir),
        challenges(storage.challenges_dir()),
        client(io.get_executor(), settings, storage, challenges),
        rate_limit(settings.max_orders_per_hour) {}

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }

  void wake(Domain& domain) {
    auto waiters = std::move(domain.waiters);
    domain.waiters.clear();
    for (auto& ready : waiters) ready();
  }

  void publish_without(const std::string& name) {
    auto map = std::make_shared<tls::IssuedCertificates::Map>(*issued.current());
    if (map->erase(name) != 0) issued.publish(std::move(map));
  }

  void install(const std::string& name, Domain& domain, tls::Certificate certificate, Clock::time_point obtained) {
    const auto not_after = from_unix(certificate.not_after_unix);
    auto map = std::make_shared<tls::IssuedCertificates::Map>(*issued.current());
    (*map)[name] = std::make_shared<const tls::Certificate>(std::move(certificate));
    issued.publish(std::move(map));
    domain.state.certificate_installed(not_after, obtained, policy, jitter());
    wake(domain);
  }

  // The stored certificate of `name` if it loads and has not expired.
  std::optional<tls::Certificate> load_stored(const std::string& name, Clock::time_point& obtained) {
    const std::string path = storage.certificate_path(name);
    const auto modified = Storage::modified(path);
    if (!modified) return std::nullopt;
    tls::Certificate certificate;
    std::string error;
    if (!tls::load_certificate(path, certificate, error) || !tls::covers(certificate, name)) {
      observe::log(LogLevel::warn, "acme: stored certificate unusable", {{"domain", name}, {"error", error}});
      return std::nullopt;
    }
    if (from_unix(certificate.not_after_unix) <= Clock::now()) return std::nullopt;
    obtained = *modified;
    return certificate;
  }

  // Fresh = not yet due for renewal (another instance may just have stored it).
  bool fresh(const tls::Certificate& certificate, Clock::time_point obtained) const {
    return Clock::now() < renewal_time(from_unix(certificate.not_after_unix), obtained, policy, 0.0);
  }

  void sync(const config::Snapshot& snapshot) {
    std::map<std::string, std::string> mapped;  // domain -> org_id
    for (const auto& tenant : snapshot.hosts.tenants()) {
      for (const auto& name : tenant.custom_domains) mapped.emplace(name, tenant.org_id);
    }
    const auto now = Clock::now();
    for (auto it = domains.begin(); it != domains.end();) {
      if (mapped.contains(it->first)) {
        ++it;
        continue;
      }
      publish_without(it->first);  // stops being served at once
      removed[it->first] = now + settings.cleanup_grace;
      wake(it->second);
      observe::log(LogLevel::info, "acme: domain unmapped", {{"domain", it->first}});
      it = domains.erase(it);
    }
    if (first_sync) {
      for (const auto& name : storage.stored_domains()) {
        if (!mapped.contains(name)) removed.emplace(name, now + settings.cleanup_grace);
      }
      first_sync = false;
    }
    for (const auto& [name, org_id] : mapped) {
      removed.erase(name);
      auto [it, inserted] = domains.try_emplace(name);
      Domain& domain = it->second;
      domain.state.org_id = org_id;
      const tls::Certificate* covering = snapshot.certificates ? snapshot.certificates->covering(name) : nullptr;
      // The handshake serves operator certificates first (cert_dir, or SANs of the default).
      const bool by_operator = covering != nullptr;
      domain.operator_certificate = by_operator;
      if (by_operator) {
        domain.state.state = CertState::valid;
        domain.state.not_after_unix = covering->not_after_unix;
        continue;
      }
      if (!inserted) continue;
      Clock::time_point obtained;
      if (auto stored = load_stored(name, obtained)) {
        install(name, domain, std::move(*stored), obtained);
      }
    }
    kick();
  }

  void kick() { tick.cancel(); }

  void demand(const std::string& name, std::function<void()> ready) {
    auto found = domains.find(name);
    if (stopping || found == domains.end() || found->second.operator_certificate) return ready();
    Domain& domain = found->second;
    if (domain.state.has_certificate) return ready();
    if (domain.state.order_running) return domain.waiters.push_back(std::move(ready));
    if (!domain.state.due(Clock::now())) return ready();  // backing off: the default serves
    domain.waiters.push_back(std::move(ready));
    start_order(name, domain);
  }

  void start_order(const std::string& name, Domain& domain) {
    domain.state.order_started();
    ++running;
    asio::co_spawn(control, run_order(shared_from_this(), name), asio::detached);
  }

  asio::awaitable<void> pause(std::chrono::milliseconds delay) {
    asio::steady_timer timer(control);
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(nothrow_awaitable);
    (void)ec;
  }

  void order_ended(const std::string& name, std::string error, bool counted_failure) {
    auto found = domains.find(name);
    if (found == domains.end()) return;
    if (counted_failure) ++counters.orders_failed;
    observe::log(LogLevel::warn, "acme: no certificate", {{"domain", name}, {"error", error}});
    found->second.state.order_failed(std::move(error), Clock::now(), policy);
    wake(found->second);
  }

  // `self` keeps the manager's state alive while the coroutine runs; `name` is re-looked up
  // after every suspension (a reload may have removed the domain).
  static asio::awaitable<void> run_order(std::shared_ptr<Impl> self, std::string name) {
    co_await self->order(name);
    --self->running;
  }

  asio::awaitable<void> order(const std::string& name) {
    std::optional<FileLock> lock;
    while (!stopping && domains.contains(name)) {
      lock = FileLock::try_acquire(storage.lock_path(name));
      if (lock) break;
      co_await pause(100ms);  // another instance is ordering it: its result is loaded below
    }
    if (!lock) {
      order_ended(name, stopping ? "stopping" : "cannot lock " + storage.lock_path(name), false);
      co_return;
    }
    Clock::time_point obtained;
    // A stored certificate other than the one served here, still fresh: another instance
    // sharing the storage just obtained it.
    auto stored = load_stored(name, obtained);
    const std::shared_ptr<const tls::Certificate> served = issued.find(name);
    const bool other = stored && (!served || X509_cmp(served->leaf.get(), stored->leaf.get()) != 0);
    if (other && fresh(*stored, obtained)) {
      if (auto found = domains.find(name); found != domains.end()) {
        observe::log(LogLevel::info, "acme: loaded a stored certificate", {{"domain", name}});
        install(name, found->second, std::move(*stored), obtained);
      }
      co_return;
    }
    const auto now = Clock::now();
    if (!rate_limit.try_start(now)) {
      if (auto found = domains.find(name); found != domains.end()) {
        found->second.state.postponed("rate limited: max_orders_per_hour reached", rate_limit.next_slot(now));
        wake(found->second);
      }
      co_return;
    }
    ++counters.orders_started;
    observe::log(LogLevel::info, "acme: ordering a certificate", {{"domain", name}});
    IssueResult result = co_await client.issue(name, stopping);
    if (!result.ok) {
      order_ended(name, std::move(result.error), true);
      co_return;
    }
    std::string error;
    const std::string path = storage.certificate_path(name);
    if (!Storage::write_private(path, result.chain_pem + result.key_pem, error)) {
      order_ended(name, std::move(error), true);
      co_return;
    }
    tls::Certificate certificate;
    if (!tls::load_certificate(path, certificate, error)) {
      order_ended(name, "the issued certificate does not load: " + error, true);
      co_return;
    }
    ++counters.orders_succeeded;
    observe::log(LogLevel::info, "acme: certificate issued",
                 {{"domain", name}, {"not_after", std::to_string(certificate.not_after_unix)}});
    if (auto found = domains.find(name); found != domains.end()) {
      install(name, found->second, std::move(certificate), Clock::now());
    }
  }

  void schedule() {
    const auto now = Clock::now();
    for (auto& [name, domain] : domains) {
      if (running >= max_running_orders) break;
      if (!domain.operator_certificate && domain.state.due(now)) start_order(name, domain);
    }
    for (auto it = removed.begin(); it != removed.end();) {
      if (it->second > now || domains.contains(it->first)) {
        ++it;
        continue;
      }
      if (auto lock = FileLock::try_acquire(storage.lock_path(it->first))) {
        storage.remove_certificate(it->first);
        observe::log(LogLevel::info, "acme: removed the files of an unmapped domain", {{"domain", it->first}});
        it = removed.erase(it);
      } else {
        ++it;
      }
    }
  }

  static asio::awaitable<void> scheduler(std::shared_ptr<Impl> self) {
    while (!self->stopping) {
      self->schedule();
      self->tick.expires_after(tick_interval);
      auto [ec] = co_await self->tick.async_wait(nothrow_awaitable);
      (void)ec;  // cancelled = kicked: schedule now
    }
  }

  DomainReport report_of(const std::string& name, const Domain& domain) const {
    DomainReport report;
    report.domain = name;
    report.org_id = domain.state.org_id;
    report.state = std::string(to_string(domain.state.state));
    report.source = domain.operator_certificate ? "operator" : "acme";
    report.not_after_unix = domain.state.not_after_unix;
    report.last_error = domain.state.last_error;
    if (!domain.operator_certificate && domain.state.next_attempt != Clock::time_point::min() &&
        domain.state.next_attempt != Clock::time_point::max()) {
      report.next_attempt_unix = unix_seconds(domain.state.next_attempt);
    }
    report.order_running = domain.state.order_running;
    report.failures = domain.state.failures;
    return report;
  }
};

AcmeManager::AcmeManager(asio::io_context& control, config::AcmeSection settings)
    : impl_(std::make_shared<Impl>(control, std::move(settings))) {}

AcmeManager::~AcmeManager() { impl_->stopping = true; }

bool AcmeManager::start(std::string& error) {
  if (!impl_->storage.prepare(error)) return false;
  asio::co_spawn(impl_->control, Impl::scheduler(impl_), asio::detached);
  return true;
}

void AcmeManager::stop() {
  impl_->stopping = true;
  impl_->kick();
  for (auto& [name, domain] : impl_->domains) impl_->wake(domain);
}

void AcmeManager::sync(const config::Snapshot& snapshot) { impl_->sync(snapshot); }

const tls::IssuedCertificates& AcmeManager::issued() const noexcept { return impl_->issued; }

ChallengeTokens& AcmeManager::challenges() noexcept { return impl_->challenges; }

void AcmeManager::demand(std::string domain, std::function<void()> ready) {
  asio::post(impl_->control, [impl = impl_, domain = std::move(domain), ready = std::move(ready)]() mutable {
    impl->demand(domain, std::move(ready));
  });
}

const AcmeCounters& AcmeManager::counters() const noexcept { return impl_->counters; }
AcmeCounters& AcmeManager::counters() noexcept { return impl_->counters; }

std::chrono::milliseconds AcmeManager::handshake_wait() const noexcept { return impl_->settings.handshake_wait; }

std::vector<DomainReport> AcmeManager::report() const {
  std::vector<DomainReport> out;
  for (const auto& [name, domain] : impl_->domains) out.push_back(impl_->report_of(name, domain));
  return out;
}

std::optional<DomainReport> AcmeManager::report(const std::string& domain) const {
  auto found = impl_->domains.find(domain);
  if (found == impl_->domains.end()) return std::nullopt;
  return impl_->report_of(found->first, found->second);
}

void AcmeManager::write_metrics(observe::PrometheusWriter& writer) const {
  const AcmeCounters& counters = impl_->counters;
  writer.family("portico_acme_orders_started_total", "counter", "ACME orders sent (newOrder).");
  writer.sample("portico_acme_orders_started_total", {}, counters.orders_started.load());
  writer.family("portico_acme_orders_completed_total", "counter", "ACME orders that ended, by result.");
  writer.sample("portico_acme_orders_completed_total", {{"result", "succeeded"}}, counters.orders_succeeded.load());
  writer.sample("portico_acme_orders_completed_total", {{"result", "failed"}}, counters.orders_failed.load());
  writer.family("portico_acme_handshakes_held_total", "counter",
                "TLS handshakes that waited for a custom domain's first certificate.");
  writer.sample("portico_acme_handshakes_held_total", {}, counters.handshakes_held.load());
  std::uint64_t by_state[4] = {0, 0, 0, 0};
  for (const auto& [name, domain] : impl_->domains) ++by_state[static_cast<int>(domain.state.state)];
  writer.family("portico_acme_domains", "gauge", "Custom domains by certificate state.");
  for (CertState state : {CertState::none, CertState::pending, CertState::valid, CertState::failed}) {
    writer.sample("portico_acme_domains", {{"state", to_string(state)}}, by_state[static_cast<int>(state)]);
  }
}

}  // namespace portico::acme
