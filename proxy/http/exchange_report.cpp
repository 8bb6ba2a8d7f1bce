// http/exchange_report: what an exchange leaves behind once it is answered: counters and
// histograms (lock-free, per worker), activity events (DESIGN §6) and the access log line.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "proxy/activity/activity_service.hpp"
#include "proxy/http/exchange_impl.hpp"
#include "proxy/observe/access_log.hpp"

namespace portico::http {
namespace beast = boost::beast;
using core::ProxyError;
using observe::Outcome;

Outcome outcome_of(const LocalAnswer& answer) noexcept {
  if (!answer.error) return answer.location.empty() ? Outcome::local : Outcome::redirected;
  switch (*answer.error) {
    case ProxyError::unknown_host: return Outcome::unknown_host;
    case ProxyError::misdirected: return Outcome::misdirected;
    case ProxyError::feature_disabled: return Outcome::blocked;
    case ProxyError::upstream_connect_failed:
    case ProxyError::upstream_timeout:
    case ProxyError::upstream_bad_response:
    case ProxyError::upstream_unavailable: return Outcome::upstream_error;
    case ProxyError::bad_request:
    case ProxyError::bad_host:
    case ProxyError::bad_target:
    case ProxyError::uri_too_long:
    case ProxyError::header_too_large:
    case ProxyError::body_too_large:
    case ProxyError::request_timeout: return Outcome::bad_request;
    case ProxyError::draining: return Outcome::local;
  }
  return Outcome::local;
}

template <class Stream>
void Exchange<Stream>::finish() {
  auto total = std::chrono::steady_clock::now() - started_;
  auto& metrics = worker_.metrics;
  metrics.count_request(status_, outcome_);
  metrics.request_duration.observe(total);
  if (upstream_time_) metrics.upstream_duration.observe(*upstream_time_);
  if (entry_ != nullptr) metrics.count_tenant_request(snapshot_, *entry_->tenant);
  if (worker_.access_log.enabled()) write_access_line(total);
}

// Called with the upstream's response head, before the client sees it: a client that got
// the answer can count on its event being in the spool. Rules first, then the upstream's
// own declaration; each becomes one spooled event. The spool append is one write(2): the
// request never waits for delivery.
template <class Stream>
void Exchange<Stream>::emit_activity() {
  if (worker_.activity == nullptr || !entry_->tenant->notify_org_on_activity) return;
  if (status_ < 200 || status_ > 299) return;
  const auto& request = request_.get();
  std::vector<activity::RuleMatch> matches;
  snapshot_.activity_rules.match(request.method_string(), target_.path, status_, matches);
  if (declared_activity_) matches.push_back(std::move(*declared_activity_));
  const tenants::Tenant& tenant = *entry_->tenant;
  for (auto& match : matches) {
    activity::Event event;
    event.event = std::move(match.event);
    event.object_id = std::move(match.object_id);
    event.first_only = match.first_only;
    event.org_id = tenant.org_id;
    event.portal_name = tenant.portal_name;
    event.host = host_;
    event.method = request.method_string();
    event.path = target_.path;
    event.status = status_;
    event.request_id = request_id_;
    worker_.activity->submit(event);
  }
}

template <class Stream>
void Exchange<Stream>::write_access_line(std::chrono::nanoseconds total) {
  const auto& request = request_.get();
  observe::AccessRecord record;
  record.time = std::chrono::system_clock::now() -
                std::chrono::duration_cast<std::chrono::system_clock::duration>(total);
  record.request_id = request_id_;
  record.client = client_.address;
  record.host = host_;
  record.org_id = entry_ != nullptr ? std::string_view(entry_->tenant->org_id) : std::string_view();
  record.method = request.method_string();
  record.path = request.target();
  record.status = status_;
  record.bytes_in = bytes_in_;
  record.bytes_out = bytes_out_;
  record.upstream = upstream_time_;
  record.total = total;
  record.outcome = observe::to_string(outcome_);
  worker_.access_log.write(record);
}

template class Exchange<beast::tcp_stream>;
template class Exchange<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace portico::http
