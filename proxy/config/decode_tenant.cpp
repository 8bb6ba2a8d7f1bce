// config/decode_tenant: [[tenant]] tables -> TenantConfig, with the positions compile needs.
// Checks each tenant alone; names, domains and collisions are the tenants module's job.
#include <algorithm>
#include <string>

#include "proxy/config/decode.hpp"

namespace portico::config::decode {

// org_id goes into headers, metrics labels and spool file names, so it stays a plain token.
bool valid_org_id(std::string_view org_id) {
  constexpr std::size_t max_org_id_length = 64;
  return !org_id.empty() && org_id.size() <= max_org_id_length &&
         std::all_of(org_id.begin(), org_id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
         });
}

namespace {

// Reads org_id and name; false when the tenant cannot be identified and must be left out.
bool decode_identity(TableReader& reader, TenantConfig& tenant) {
  Decoder& decoder = reader.decoder();
  bool ok = true;
  if (reader.string("org_id", tenant.org_id, &tenant.org_id_pos)) {
    if (!valid_org_id(tenant.org_id)) {
      decoder.error(tenant.org_id_pos,
                    "[[tenant]] org_id: '" + tenant.org_id +
                        "' must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
      ok = false;
    }
  } else {
    if (reader.table().get("org_id") == nullptr) {
      decoder.error(tenant.where, "[[tenant]]: missing required key 'org_id'");
    }
    ok = false;
  }
  SourcePos name_pos;
  if (reader.string("name", tenant.name, &name_pos)) {
    if (tenant.name.empty()) {
      decoder.error(name_pos, "[[tenant]] name: must not be empty");
      ok = false;
    }
  } else {
    if (reader.table().get("name") == nullptr) {
      decoder.error(tenant.where, "[[tenant]]: missing required key 'name'");
    }
    ok = false;
  }
  return ok;
}

void decode_hosts(TableReader& reader, TenantConfig& tenant) {
  std::string portal_name;
  if (reader.string("portal_name", portal_name, &tenant.portal_name_pos))
    tenant.portal_name = std::move(portal_name);
  reader.strings("previous_portal_names", tenant.previous_portal_names,
                 &tenant.previous_portal_name_pos);
  const bool domains_ok =
      reader.strings("custom_domains", tenant.custom_domains, &tenant.custom_domain_pos) ||
      reader.table().get("custom_domains") == nullptr;
  std::string canonical;
  if (reader.one_of("canonical_host", canonical, {"subdomain", "custom"},
                    &tenant.canonical_host_pos)) {
    tenant.canonical_host =
        canonical == "custom" ? CanonicalHost::custom : CanonicalHost::subdomain;
    // A bad custom_domains value was reported already; do not pile a second error on it.
    if (tenant.canonical_host == CanonicalHost::custom && domains_ok &&
        tenant.custom_domains.empty()) {
      reader.decoder().error(
          tenant.canonical_host_pos,
          "[[tenant]] canonical_host: \"custom\" needs at least one entry in custom_domains");
      tenant.canonical_host = CanonicalHost::subdomain;
    }
  }
}

void decode_preferences(TableReader& reader, TenantConfig& tenant) {
  reader.string("banner", tenant.banner);
  reader.boolean("notify_org_on_activity", tenant.notify_org_on_activity);
  reader.boolean("notify_customer_on_comment", tenant.notify_customer_on_comment);
  reader.boolean("allow_edit_profile", tenant.allow_edit_profile);
  reader.boolean("allow_forward_documents", tenant.allow_forward_documents);
  reader.boolean("enable_reviews", tenant.enable_reviews);
  reader.boolean("show_sales_orders", tenant.show_sales_orders);
  reader.boolean("show_projects", tenant.show_projects);
}

}  // namespace

void decode_tenants(Decoder& decoder, const toml::array& tenants, std::vector<TenantConfig>& out) {
  for (const auto& element : tenants) {
    const auto* table = element.as_table();
    if (table == nullptr) continue;  // the caller accepted only arrays of tables
    TableReader reader(decoder, *table, "[[tenant]]");
    TenantConfig tenant;
    tenant.where = decoder.pos(*table);
    const bool identified = decode_identity(reader, tenant);
    decode_hosts(reader, tenant);
    decode_preferences(reader, tenant);
    reader.reject_unknown();
    // Without a valid org_id and name the tenant cannot be routed or named in messages;
    // leaving it out keeps compile from reporting follow-on errors about an empty org_id.
    if (identified) out.push_back(std::move(tenant));
  }
}

}  // namespace portico::config::decode
