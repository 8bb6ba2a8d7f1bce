// app/resolve_report: host -> tenant, match kind and certificate, as JSON.
#include "proxy/app/resolve_report.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "proxy/tenants/host_name.hpp"

namespace portico::app {

namespace {

boost::json::object domain_json(const acme::DomainReport& report) {
  boost::json::object out;
  out["domain"] = report.domain;
  out["org_id"] = report.org_id;
  out["state"] = report.state;
  out["source"] = report.source;
  if (report.not_after_unix != 0) out["not_after"] = report.not_after_unix;
  if (!report.last_error.empty()) out["last_error"] = report.last_error;
  if (report.next_attempt_unix != 0) out["next_attempt"] = report.next_attempt_unix;
  out["order_running"] = report.order_running;
  out["failures"] = report.failures;
  return out;
}

// Without ACME: what the snapshot's certificates say about `domain`.
acme::DomainReport static_report(const config::Snapshot& snapshot, const std::string& domain,
                                 const std::string& org_id) {
  acme::DomainReport report;
  report.domain = domain;
  report.org_id = org_id;
  report.state = "none";
  report.source = "operator";
  const tls::Certificate* covering = snapshot.certificates ? snapshot.certificates->covering(domain) : nullptr;
  if (covering != nullptr) {
    report.state = "valid";
    report.not_after_unix = covering->not_after_unix;
  }
  return report;
}

}  // namespace

std::string domains_report(const config::Snapshot& snapshot, const acme::AcmeManager* acme) {
  boost::json::array domains;
  if (acme != nullptr) {
    for (const auto& report : acme->report()) domains.push_back(domain_json(report));
  } else {
    for (const auto& tenant : snapshot.hosts.tenants()) {
      for (const auto& domain : tenant.custom_domains) {
        domains.push_back(domain_json(static_report(snapshot, domain, tenant.org_id)));
      }
    }
  }
  boost::json::object out;
  out["acme"] = acme != nullptr;
  out["domains"] = std::move(domains);
  return boost::json::serialize(out) + "\n";
}

std::optional<std::string> resolve_report(const config::Snapshot& snapshot, std::string_view raw_host,
                                          const acme::AcmeManager* acme) {
  std::string host;
  tenants::HostError error{};
  if (!tenants::normalize_host(raw_host, host, error)) return std::nullopt;
  const tenants::HostEntry* entry = snapshot.hosts.find(host);
  if (entry == nullptr) return std::nullopt;
  const tenants::Tenant& tenant = *entry->tenant;
  boost::json::object report;
  report["host"] = host;
  report["org_id"] = tenant.org_id;
  report["name"] = tenant.name;
  report["portal_name"] = tenant.portal_name;
  report["match"] = tenants::to_string(entry->match);
  report["canonical_host"] = tenant.canonical_custom ? "custom" : "subdomain";
  boost::json::array domains;
  for (const auto& domain : tenant.custom_domains) domains.emplace_back(domain);
  report["custom_domains"] = std::move(domains);
  report["features"] = tenant.features_header;
  report["notify_org_on_activity"] = tenant.notify_org_on_activity;
  report["banner"] = !tenant.banner.empty();
  report["certificate"] = snapshot.certificates ? snapshot.certificates->describe_selection(host) : "";
  if (entry->match == tenants::HostMatch::custom_domain) {
    std::optional<acme::DomainReport> state = acme != nullptr ? acme->report(host) : std::nullopt;
    report["certificate_state"] = domain_json(state ? *state : static_report(snapshot, host, tenant.org_id));
    if (state && state->state == "valid" && state->source == "acme") report["certificate"] = "acme:" + host;
  }
  return boost::json::serialize(report) + "\n";
}

}  // namespace portico::app
