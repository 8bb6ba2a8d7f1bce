// app/resolve_report: host -> tenant, match kind and certificate, as JSON.
#include "proxy/app/resolve_report.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "proxy/tenants/host_name.hpp"

namespace portico::app {

std::optional<std::string> resolve_report(const config::Snapshot& snapshot, std::string_view raw_host) {
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
  return boost::json::serialize(report) + "\n";
}

}  // namespace portico::app
