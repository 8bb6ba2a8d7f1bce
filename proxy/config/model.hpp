// config/model: the configuration as plain structs with their defaults (DESIGN §9).
// Pure data: no parsing, no validation beyond what a default implies.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <iosfwd>
#include <string>
#include <vector>

namespace portico::config {

using Duration = std::chrono::milliseconds;

// The file a position points into, shared rather than copied: a tenant file of 100,000
// tenants gives each five positions, and a copy of the path in each was half a million
// allocations per load and per reload. Converts to the path (empty: no file).
class SourceFile {
 public:
  SourceFile() = default;
  SourceFile(std::string path);  // NOLINT(google-explicit-constructor): SourcePos{path, ...}
  SourceFile(const char* path) : SourceFile(std::string(path)) {}  // NOLINT(google-explicit-constructor)

  const std::string& str() const noexcept { return path_ ? *path_ : empty_path(); }
  operator const std::string&() const noexcept { return str(); }  // NOLINT(google-explicit-constructor)
  bool empty() const noexcept { return str().empty(); }
  friend bool operator==(const SourceFile& a, const SourceFile& b) noexcept {
    return a.path_ == b.path_ || a.str() == b.str();
  }
  friend std::ostream& operator<<(std::ostream& out, const SourceFile& file);

 private:
  static const std::string& empty_path() noexcept;
  std::shared_ptr<const std::string> path_;
};

// Where a value came from, for `file:line:col` messages. line/column are 1-based; 0 = unknown.
struct SourcePos {
  SourceFile file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// A problem found while loading or compiling. Warnings do not fail --check.
struct Problem {
  SourcePos where;
  std::string message;
  bool warning = false;
};

// "FILE:LINE:COL: message" ("warning: " prefixed to the message for warnings).
std::string format_problem(const Problem& problem);

// "127.0.0.1:8080", "[::1]:8443", "localhost:9000". Port 0 = ephemeral (tests).
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  SourcePos where;
  std::string to_string() const;  // host:port, IPv6 in brackets
};

struct ServerSection {
  std::vector<Endpoint> http_listen{{"127.0.0.1", 8080, {}}};
  std::vector<Endpoint> https_listen{};
  bool redirect_http = true;
  unsigned workers = 0;  // 0 = one per core
  Duration drain_timeout = std::chrono::seconds(10);
};

struct LimitsSection {
  std::uint64_t max_header_bytes = 16 * 1024;
  std::uint64_t max_header_count = 100;     // field lines in a request head; over it 431
  std::uint64_t max_connections = 10000;    // open client connections, whole process
  std::uint64_t max_body_bytes = 25ull * 1024 * 1024;
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration body_timeout = std::chrono::seconds(30);
};

struct PortalSection {
  std::string base_domain = "portal.localhost";
  std::vector<std::string> reserved_names{"www",    "api",    "admin", "app",     "mail",  "static",
                                          "assets", "status", "help",  "support", "portal"};
  SourcePos base_domain_pos;
};

// Paths are stored as written and resolved against the directory of the file they
// appear in (absolute after load).
struct TlsSection {
  std::string certificate;
  std::string cert_dir;
  std::string min_version = "1.2";  // "1.2" | "1.3"
  std::string unknown_sni = "default";  // "default" | "reject"
  std::string hsts = "max-age=31536000";
  SourcePos certificate_pos;
  SourcePos cert_dir_pos;
};

struct UpstreamSection {
  std::vector<Endpoint> servers{{"127.0.0.1", 9000, {}}};
  Duration connect_timeout = std::chrono::seconds(2);
  Duration response_timeout = std::chrono::seconds(30);
  std::uint64_t max_idle_per_worker = 64;
  std::string health_path;  // empty = no active checks
  Duration health_interval = std::chrono::seconds(5);
};

struct ContextSection {
  std::string secret_file;  // empty = no X-Portal-Signature
  SourcePos secret_file_pos;
};

// The gate names are fixed: each belongs to one tenant preference (DESIGN §1, §4).
// A [features.NAME] table replaces that gate's default paths/methods.
struct FeatureGate {
  std::string name;                  // edit_profile | forward_documents | reviews | sales_orders | projects
  std::vector<std::string> paths;    // RE2 patterns over the normalized path
  std::vector<SourcePos> path_pos;   // parallel to paths
  std::vector<std::string> methods;  // empty = every method
  SourcePos where;
};

struct FeaturesSection {
  unsigned blocked_status = 404;
  std::vector<FeatureGate> gates = default_gates();
  static std::vector<FeatureGate> default_gates();
};

struct BannerSection {
  std::vector<std::string> paths{"^/$", "^/home/?$"};
  std::vector<SourcePos> path_pos;
  std::string template_html = R"(<div class="portal-banner" role="status">{text}</div>)";
  std::uint64_t max_scan_bytes = 64 * 1024;
};

struct ActivityRule {
  std::string event;
  std::vector<std::string> methods;
  std::string path;  // RE2, optional capture group named `id`
  bool first_only = false;
  SourcePos where;
  SourcePos path_pos;
};

struct ActivitySection {
  std::string spool_dir;  // resolved absolute; empty = activity disabled
  std::string webhook;    // http://host:port/path; empty = events only spooled
  std::vector<ActivityRule> rules;
  std::uint64_t max_spool_bytes = 256ull * 1024 * 1024;  // beyond it new events are dropped
  unsigned batch_max_events = 100;                        // events per webhook POST
  Duration retry_max_backoff = std::chrono::minutes(5);   // cap of the retry delay
  Duration fsync_interval = std::chrono::seconds(1);      // spool data at risk of a power cut
};

// ACME (RFC 8555) certificates for custom domains. Absent section (enabled = false): off.
// Everything but the tenant table needs a restart to change.
struct AcmeSection {
  bool enabled = false;          // an [acme] table is present
  std::string directory;         // https URL of the ACME directory; required
  std::string email;             // account contact ("" = none)
  std::string storage_dir;       // resolved absolute; required
  std::string ca_bundle;         // PEM file trusted for the ACME server; "" = system roots
  Duration renew_before = std::chrono::hours(24 * 30);  // renew this long before not_after
  Duration renew_min_interval = std::chrono::hours(1);  // never two orders for a domain closer
  unsigned max_orders_per_hour = 300;                   // across every domain of this instance
  Duration handshake_wait = std::chrono::seconds(10);   // on-demand: how long a handshake waits
  Duration retry_min = std::chrono::seconds(5);         // first retry after a failure
  Duration retry_max = std::chrono::hours(1);           // cap of the exponential backoff
  Duration cleanup_grace = std::chrono::hours(24);      // files of an unmapped domain kept this long
  SourcePos where;
};

struct AdminSection {
  Endpoint listen{"127.0.0.1", 9901, {}};
  std::string token_file;
};

struct LogSection {
  std::string access = "stdout";  // "stdout" | "off" | a file path (resolved absolute)
  std::string level = "info";     // "debug" | "info" | "warn" | "error"
};

enum class CanonicalHost { subdomain, custom };

struct TenantConfig {
  std::string org_id;
  std::string name;
  std::optional<std::string> portal_name;  // absent = generated from name
  std::vector<std::string> previous_portal_names;
  std::vector<std::string> custom_domains;
  CanonicalHost canonical_host = CanonicalHost::subdomain;
  std::string banner;
  bool notify_org_on_activity = false;
  bool notify_customer_on_comment = false;
  bool allow_edit_profile = false;
  bool allow_forward_documents = false;
  bool enable_reviews = false;
  bool show_sales_orders = false;
  bool show_projects = false;

  SourcePos where;  // the [[tenant]] table
  SourcePos org_id_pos;
  SourcePos portal_name_pos;
  std::vector<SourcePos> previous_portal_name_pos;  // parallel to previous_portal_names
  std::vector<SourcePos> custom_domain_pos;         // parallel to custom_domains
  SourcePos canonical_host_pos;
};

struct Config {
  std::string path;  // the main file, absolute
  ServerSection server;
  LimitsSection limits;
  PortalSection portal;
  TlsSection tls;
  UpstreamSection upstream;
  ContextSection context;
  FeaturesSection features;
  BannerSection banner;
  ActivitySection activity;
  AcmeSection acme;
  AdminSection admin;
  LogSection log;
  std::vector<TenantConfig> tenants;
};

}  // namespace portico::config
