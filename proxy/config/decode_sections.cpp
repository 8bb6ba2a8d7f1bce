// config/decode_sections: one decoder per top-level section (everything but [[tenant]]).
// Per-value bounds only; what spans sections (hosts vs certificates, regex compilation) is
// compile's.
#include <algorithm>
#include <string>

#include "proxy/config/decode.hpp"

namespace portico::config::decode {
namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;

}  // namespace

void decode_server(TableReader& reader, ServerSection& out) {
  reader.endpoints("http_listen", out.http_listen);
  reader.endpoints("https_listen", out.https_listen);
  reader.boolean("redirect_http", out.redirect_http);
  if (const auto workers = reader.integer("workers", 0, 256))
    out.workers = static_cast<unsigned>(*workers);
  reader.duration("drain_timeout", out.drain_timeout);
  reader.reject_unknown();
}

void decode_limits(TableReader& reader, LimitsSection& out) {
  reader.size("max_header_bytes", out.max_header_bytes, kib, mib);
  if (const auto count = reader.integer("max_header_count", 1, 10000)) {
    out.max_header_count = static_cast<std::uint64_t>(*count);
  }
  if (const auto connections = reader.integer("max_connections", 1, 10000000)) {
    out.max_connections = static_cast<std::uint64_t>(*connections);
  }
  reader.size("max_body_bytes", out.max_body_bytes, 0, UINT64_MAX);
  reader.duration("header_timeout", out.header_timeout);
  reader.duration("idle_timeout", out.idle_timeout);
  reader.duration("body_timeout", out.body_timeout);
  reader.reject_unknown();
}

void decode_portal(TableReader& reader, PortalSection& out) {
  reader.string("base_domain", out.base_domain, &out.base_domain_pos);
  reader.strings("reserved_names", out.reserved_names);
  reader.reject_unknown();
}

void decode_tls(TableReader& reader, TlsSection& out) {
  reader.path("certificate", out.certificate, &out.certificate_pos);
  reader.path("cert_dir", out.cert_dir, &out.cert_dir_pos);
  reader.one_of("min_version", out.min_version, {"1.2", "1.3"});
  reader.one_of("unknown_sni", out.unknown_sni, {"default", "reject"});
  reader.string("hsts", out.hsts);
  reader.reject_unknown();
}

void decode_upstream(TableReader& reader, UpstreamSection& out) {
  if (const toml::node* servers = reader.table().get("servers");
      servers != nullptr && servers->is_array() && servers->as_array()->empty()) {
    // Nothing could be forwarded: refuse rather than start a proxy that answers 502 forever.
    reader.find("servers");
    reader.decoder().error(reader.decoder().pos(*servers),
                           "[upstream] servers: at least one server is required");
  } else {
    reader.endpoints("servers", out.servers);
  }
  reader.duration("connect_timeout", out.connect_timeout);
  reader.duration("response_timeout", out.response_timeout);
  if (const auto idle = reader.integer("max_idle_per_worker", 0, 100000)) {
    out.max_idle_per_worker = static_cast<std::uint64_t>(*idle);
  }
  SourcePos health_pos;
  std::string health_path;
  if (reader.string("health_path", health_path, &health_pos)) {
    if (!health_path.empty() && health_path.front() != '/') {
      reader.decoder().error(health_pos, "[upstream] health_path: must be empty or start with '/'");
    } else {
      out.health_path = std::move(health_path);
    }
  }
  reader.duration("health_interval", out.health_interval);
  reader.reject_unknown();
}

void decode_context(TableReader& reader, ContextSection& out) {
  reader.path("secret_file", out.secret_file, &out.secret_file_pos);
  reader.reject_unknown();
}

namespace {

// A [features.NAME] table replaces the default gate entirely, so a table that forgot
// `paths` would silently gate nothing: `paths` is required (an explicit [] is allowed).
void decode_gate(Decoder& decoder, const toml::table& table, FeatureGate& gate) {
  TableReader reader(decoder, table, "[features." + gate.name + "]");
  FeatureGate replaced;
  replaced.name = gate.name;
  replaced.where = decoder.pos(table);
  bool paths_ok = reader.strings("paths", replaced.paths, &replaced.path_pos);
  if (!paths_ok && table.get("paths") == nullptr) {
    decoder.error(replaced.where, reader.label() + ": missing required key 'paths'");
  }
  const bool methods_ok =
      reader.methods("methods", replaced.methods) || table.get("methods") == nullptr;
  reader.reject_unknown();
  if (paths_ok && methods_ok) gate = std::move(replaced);
}

}  // namespace

void decode_features(TableReader& reader, FeaturesSection& out) {
  if (const auto status = reader.integer("blocked_status", 400, 599)) {
    out.blocked_status = static_cast<unsigned>(*status);
  }
  std::string gate_names;
  for (auto& gate : out.gates) {
    gate_names += (gate_names.empty() ? "" : ", ") + gate.name;
    if (const toml::table* table = reader.subtable(gate.name))
      decode_gate(reader.decoder(), *table, gate);
  }
  for (const auto& [key, value] : reader.table()) {
    // Named, not captured: lambdas may capture structured bindings only since clang 16.
    const std::string_view name = key.str();
    if (value.is_table() &&
        std::none_of(out.gates.begin(), out.gates.end(),
                     [&](const FeatureGate& g) { return g.name == name; })) {
      reader.find(key.str());  // reported here with the list of gates, not as a plain unknown key
      reader.decoder().error(reader.decoder().pos(key),
                             "unknown feature gate '" + std::string(key.str()) +
                                 "' in [features]; gates are " + gate_names);
    }
  }
  std::sort(out.gates.begin(), out.gates.end(),
            [](const FeatureGate& a, const FeatureGate& b) { return a.name < b.name; });
  reader.reject_unknown();
}

void decode_banner(TableReader& reader, BannerSection& out) {
  reader.strings("paths", out.paths, &out.path_pos);
  SourcePos template_pos;
  if (reader.string("template", out.template_html, &template_pos) &&
      out.template_html.find("{text}") == std::string::npos) {
    reader.decoder().warning(
        template_pos,
        "[banner] template has no {text} placeholder: tenants' banners will not appear");
  }
  reader.size("max_scan_bytes", out.max_scan_bytes, 1, 16 * mib);
  reader.reject_unknown();
}

namespace {

// A rule missing its event or path could never fire; it is reported and left out.
void decode_rule(Decoder& decoder, const toml::table& table, std::vector<ActivityRule>& out) {
  TableReader reader(decoder, table, "[[activity.rule]]");
  ActivityRule rule;
  rule.where = decoder.pos(table);
  auto required = [&](bool read, const char* key) {
    if (!read && table.get(key) == nullptr) {
      decoder.error(rule.where,
                    "[[activity.rule]]: missing required key '" + std::string(key) + "'");
    }
    return read;
  };
  auto optional = [&](bool read, const char* key) { return read || table.get(key) == nullptr; };
  SourcePos event_pos;
  bool ok = required(reader.string("event", rule.event, &event_pos), "event");
  if (ok && rule.event.empty()) {
    decoder.error(event_pos, "[[activity.rule]] event: must not be empty");
    ok = false;
  }
  ok = required(reader.string("path", rule.path, &rule.path_pos), "path") && ok;
  ok = optional(reader.methods("methods", rule.methods), "methods") && ok;
  ok = optional(reader.boolean("first_only", rule.first_only), "first_only") && ok;
  reader.reject_unknown();
  if (ok) out.push_back(std::move(rule));
}

}  // namespace

void decode_activity(TableReader& reader, ActivitySection& out) {
  SourcePos spool_pos;
  reader.path("spool_dir", out.spool_dir, &spool_pos);
  SourcePos webhook_pos;
  std::string webhook;
  if (reader.string("webhook", webhook, &webhook_pos)) {
    std::string why;
    if (!webhook.empty() && !valid_webhook(webhook, why)) {
      reader.decoder().error(webhook_pos, "[activity] webhook: " + why);
    } else {
      out.webhook = std::move(webhook);
    }
  }
  if (!out.webhook.empty() && out.spool_dir.empty()) {
    // Events are spooled before they are delivered (DESIGN §6): without a spool there is
    // nothing to deliver, and the webhook would silently never be called.
    reader.decoder().error(
        webhook_pos,
        "[activity] webhook is set but spool_dir is empty; events are spooled before delivery");
  }
  reader.size("max_spool_bytes", out.max_spool_bytes, mib, UINT64_MAX);
  if (const auto batch = reader.integer("batch_max_events", 1, 10000))
    out.batch_max_events = static_cast<unsigned>(*batch);
  reader.duration("retry_max_backoff", out.retry_max_backoff);
  reader.duration("fsync_interval", out.fsync_interval);
  if (const toml::array* rules = reader.array_of_tables("rule")) {
    for (const auto& element : *rules)
      decode_rule(reader.decoder(), *element.as_table(), out.rules);
  }
  reader.reject_unknown();
}

// [acme]: the directory and the storage are required (a section without them could never
// issue anything); the directory must be https (RFC 8555 6.1).
void decode_acme(TableReader& reader, AcmeSection& out) {
  out.enabled = true;
  out.where = reader.decoder().pos(reader.table());
  auto required = [&](bool read, const char* key) {
    if (!read && reader.table().get(key) == nullptr) {
      reader.decoder().error(out.where, "[acme]: missing required key '" + std::string(key) + "'");
    }
  };
  SourcePos directory_pos;
  std::string directory;
  const bool directory_read = reader.string("directory", directory, &directory_pos);
  if (directory_read && !directory.starts_with("https://")) {
    reader.decoder().error(directory_pos, "[acme] directory: must be an https:// URL");
  } else if (directory_read) {
    out.directory = std::move(directory);
  }
  required(directory_read, "directory");
  reader.string("email", out.email);
  SourcePos storage_pos;
  const bool storage_read = reader.path("storage_dir", out.storage_dir, &storage_pos);
  if (storage_read && out.storage_dir.empty()) {
    reader.decoder().error(storage_pos, "[acme] storage_dir: must not be empty");
  }
  required(storage_read, "storage_dir");
  reader.path("ca_bundle", out.ca_bundle);
  reader.duration("renew_before", out.renew_before);
  reader.duration("renew_min_interval", out.renew_min_interval);
  if (const auto orders = reader.integer("max_orders_per_hour", 1, 100000))
    out.max_orders_per_hour = static_cast<unsigned>(*orders);
  reader.duration("handshake_wait", out.handshake_wait);
  reader.duration("retry_min", out.retry_min);
  reader.duration("retry_max", out.retry_max);
  reader.duration("cleanup_grace", out.cleanup_grace);
  if (out.retry_max < out.retry_min) {
    reader.decoder().error(out.where, "[acme] retry_max must not be shorter than retry_min");
  }
  reader.reject_unknown();
}

void decode_admin(TableReader& reader, AdminSection& out) {
  reader.endpoint("listen", out.listen);
  reader.path("token_file", out.token_file);
  reader.reject_unknown();
}

void decode_log(TableReader& reader, LogSection& out) {
  SourcePos access_pos;
  std::string access;
  if (reader.string("access", access, &access_pos)) {
    if (access.empty()) {
      reader.decoder().error(access_pos,
                             "[log] access: expected \"stdout\", \"off\" or a file path");
    } else {
      out.access =
          access == "stdout" || access == "off" ? access : reader.decoder().resolve_path(access);
    }
  }
  reader.one_of("level", out.level, {"debug", "info", "warn", "error"});
  reader.reject_unknown();
}

}  // namespace portico::config::decode
