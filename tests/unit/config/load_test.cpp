// Tests for config/load: every kind of mistake at its exact position, a full config, defaults.
// Includes and files on disk: load_includes_test.cpp.
#include "proxy/config/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace portico::config {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string virtual_file = "/etc/portico/portico.toml";

std::string all_problems(const LoadResult& result) {
  std::string out;
  for (const auto& problem : result.problems) out += format_problem(problem) + '\n';
  return out;
}

struct MistakeCase {
  const char* what;
  const char* toml;
  std::uint32_t line;
  std::uint32_t column;
  const char* message;  // substring of the one expected problem
};

TEST(LoadConfig, EachMistakeIsReportedOnceAtItsPosition) {
  const MistakeCase cases[] = {
      {"unknown top-level key", "servr = 1\n", 1, 1, "unknown top-level key 'servr'"},
      {"unknown top-level table", "[servr]\nworkers = 1\n", 1, 2,
       "unknown top-level key 'servr'; did you mean 'server'?"},
      {"unknown key in a section", "[server]\nworkrs = 4\n", 2, 1,
       "unknown key 'workrs' in [server]; did you mean 'workers'?"},
      {"unknown key in a tenant", "[[tenant]]\norg_id = '1'\nname = 'A'\ncolour = 'red'\n", 4, 1,
       "unknown key 'colour' in [[tenant]]"},
      {"unknown key in a gate", "[features.reviews]\npaths = []\nmethod = ['GET']\n", 3, 1,
       "unknown key 'method' in [features.reviews]; did you mean 'methods'?"},
      {"unknown key in an activity rule",
       "[[activity.rule]]\nevent = 'e'\npath = '^/x$'\nonce = true\n", 4, 1,
       "unknown key 'once' in [[activity.rule]]"},
      {"unknown gate", "[features.invoices]\npaths = []\n", 1, 11,
       "unknown feature gate 'invoices' in [features]; gates are edit_profile"},
      {"include after a table", "[server]\ninclude = ['t.toml']\n", 2, 1,
       "top-level keys must come before"},
      {"wrong type", "[server]\nworkers = \"4\"\n", 2, 11,
       "[server] workers: expected an integer, got a string"},
      {"wrong element type", "[server]\nhttp_listen = [\"127.0.0.1:80\", 8080]\n", 2, 32,
       "[server] http_listen[1]: expected a string, got an integer"},
      {"section not a table", "server = 1\n", 1, 10, "server: expected a table, got an integer"},
      {"tenant not an array of tables", "[tenant]\norg_id = '1'\n", 1, 1,
       "tenant: expected an array of tables"},
      {"rule not an array of tables", "[activity.rule]\nevent = 'e'\n", 1, 1,
       "[activity] rule: expected an array of tables ([[activity.rule]]), got a table"},
      {"bool as string", "[server]\nredirect_http = 'yes'\n", 2, 17, "expected a boolean"},
      {"bad duration", "[server]\ndrain_timeout = \"10\"\n", 2, 17,
       "[server] drain_timeout: bad duration '10'"},
      {"duration as integer", "[upstream]\nconnect_timeout = 2\n", 2, 19,
       "expected a duration string"},
      {"zero duration", "[limits]\nidle_timeout = \"0s\"\n", 2, 16,
       "[limits] idle_timeout: must be greater than 0"},
      {"bad size", "[limits]\nmax_body_bytes = \"25M\"\n", 2, 18,
       "[limits] max_body_bytes: bad size '25M'"},
      {"negative size", "[limits]\nmax_body_bytes = -1\n", 2, 18, "must not be negative"},
      {"size below bound", "[limits]\nmax_header_bytes = 512\n", 2, 20,
       "512B is out of range (1KiB-1MiB)"},
      {"size above bound", "[banner]\nmax_scan_bytes = \"17MiB\"\n", 2, 18,
       "17MiB is out of range (1B-16MiB)"},
      {"integer above bound", "[server]\nworkers = 300\n", 2, 11,
       "[server] workers: 300 is out of range (0-256)"},
      {"empty activity batch", "[activity]\nbatch_max_events = 0\n", 2, 20,
       "[activity] batch_max_events: 0 is out of range (1-10000)"},
      {"tiny activity spool", "[activity]\nmax_spool_bytes = '64KiB'\n", 2, 19,
       "[activity] max_spool_bytes: 64KiB is out of range (1MiB-"},
      {"status outside 4xx/5xx", "[features]\nblocked_status = 200\n", 2, 18,
       "200 is out of range (400-599)"},
      {"idle pool too large", "[upstream]\nmax_idle_per_worker = 100001\n", 2, 23,
       "out of range (0-100000)"},
      {"address without port", "[upstream]\nservers = [\"127.0.0.1\"]\n", 2, 12,
       "[upstream] servers[0]: bad address '127.0.0.1': missing port"},
      {"port out of range", "[admin]\nlisten = \"127.0.0.1:70000\"\n", 2, 10,
       "port 70000 is out of range (0-65535)"},
      {"IPv6 without brackets", "[server]\nhttps_listen = [\"::1:8443\"]\n", 2, 17,
       "IPv6 addresses need brackets"},
      {"empty upstream list", "[upstream]\nservers = []\n", 2, 11,
       "at least one server is required"},
      {"bad enum", "[tls]\nmin_version = \"1.1\"\n", 2, 15,
       "[tls] min_version: '1.1' is not allowed; expected one of \"1.2\", \"1.3\""},
      {"bad log level", "[log]\nlevel = \"verbose\"\n", 2, 9,
       "expected one of \"debug\", \"info\", \"warn\", \"error\""},
      {"bad unknown_sni", "[tls]\nunknown_sni = 'drop'\n", 2, 15,
       "expected one of \"default\", \"reject\""},
      {"empty access log", "[log]\naccess = ''\n", 2, 10,
       "expected \"stdout\", \"off\" or a file path"},
      {"lowercase method", "[features.edit_profile]\npaths = ['^/p']\nmethods = ['POST', 'put']\n",
       3, 20, "methods[1]: 'put' is not an uppercase HTTP method"},
      {"gate without paths", "[features.reviews]\nmethods = ['GET']\n", 1, 1,
       "[features.reviews]: missing required key 'paths'"},
      {"health path without slash", "[upstream]\nhealth_path = 'healthz'\n", 2, 15,
       "must be empty or start with '/'"},
      {"https webhook", "[activity]\nspool_dir = 'spool'\nwebhook = 'https://h/x'\n", 3, 11,
       "only http:// webhooks are supported"},
      {"webhook without scheme", "[activity]\nspool_dir = 'spool'\nwebhook = 'h:80/x'\n", 3, 11,
       "expected http://host[:port]/path"},
      {"webhook without spool", "[activity]\nwebhook = 'http://h/x'\n", 2, 11,
       "spool_dir is empty"},
      {"rule without path", "[[activity.rule]]\nevent = 'e'\n", 1, 1,
       "[[activity.rule]]: missing required key 'path'"},
      {"parse error", "[server\nworkers = 1\n", 1, 8, ""},
      {"duplicate key", "[server]\nworkers = 1\nworkers = 2\n", 3, 11,
       "cannot redefine existing integer 'workers'"},
      {"tenant without org_id", "[[tenant]]\nname = 'Acme'\n", 1, 1,
       "[[tenant]]: missing required key 'org_id'"},
      {"tenant without name", "[[tenant]]\norg_id = '1'\n", 1, 1,
       "[[tenant]]: missing required key 'name'"},
      {"tenant with a bad org_id", "[[tenant]]\norg_id = 'acme corp'\nname = 'A'\n", 2, 10,
       "org_id: 'acme corp' must be 1-64 characters"},
      {"tenant org_id as integer", "[[tenant]]\norg_id = 60001234\nname = 'A'\n", 2, 10,
       "[[tenant]] org_id: expected a string, got an integer"},
      {"canonical custom without domains",
       "[[tenant]]\norg_id = '1'\nname = 'A'\ncanonical_host = 'custom'\n", 4, 18,
       "canonical_host: \"custom\" needs at least one entry in custom_domains"},
      {"bad canonical_host", "[[tenant]]\norg_id = '1'\nname = 'A'\ncanonical_host = 'www'\n", 4,
       18, "expected one of \"subdomain\", \"custom\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const LoadResult result = load_config_string(c.toml, virtual_file);
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.problems.size(), 1u) << all_problems(result);
    const Problem& problem = result.problems[0];
    EXPECT_EQ(problem.where.file, virtual_file);
    EXPECT_EQ(problem.where.line, c.line) << problem.message;
    EXPECT_EQ(problem.where.column, c.column) << problem.message;
    EXPECT_NE(problem.message.find(c.message), std::string::npos) << problem.message;
    EXPECT_FALSE(problem.warning);
  }
}

TEST(LoadConfig, SeveralMistakesAreAllReportedInFileOrder) {
  const LoadResult result = load_config_string(R"(servr = 1
[server]
workers = "two"
drain_timeout = "10 s"
[tls]
min_version = "1.0"
[[tenant]]
name = "No Id"
[[tenant]]
org_id = "2"
name = "Two"
canonical_host = "custom"
)",
                                               virtual_file);
  const std::pair<std::uint32_t, std::string> expected[] = {
      {1, "unknown top-level key 'servr'"}, {3, "workers: expected an integer"},
      {4, "bad duration '10 s'"},           {6, "min_version"},
      {7, "missing required key 'org_id'"}, {12, "needs at least one entry in custom_domains"},
  };
  ASSERT_EQ(result.problems.size(), std::size(expected)) << all_problems(result);
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(result.problems[i].where.line, expected[i].first) << result.problems[i].message;
    EXPECT_NE(result.problems[i].message.find(expected[i].second), std::string::npos)
        << result.problems[i].message;
  }
  // Best effort: the tenant with a valid identity is kept, the one without org_id is not.
  ASSERT_EQ(result.config.tenants.size(), 1u);
  EXPECT_EQ(result.config.tenants[0].org_id, "2");
  EXPECT_EQ(result.config.server.drain_timeout, 10s);  // the bad value left the default
}

// The shape of DESIGN §9, every key set to a value different from its default where possible.
constexpr const char* full_config = R"(include = []

[server]
http_listen   = ["127.0.0.1:8080", "[::1]:8081"]
https_listen  = ["localhost:0"]
redirect_http = false
workers       = 4
drain_timeout = "15s"

[limits]
max_header_bytes  = "32KiB"
max_body_bytes    = 1048576
header_timeout    = "5s"
idle_timeout      = "2m"
body_timeout      = "250ms"

[portal]
base_domain    = "portal.example.com"
reserved_names = ["www", "api"]

[tls]
certificate    = "../certs/out/portal.localhost.pem"
cert_dir       = "../certs/out/domains"
min_version    = "1.3"
unknown_sni    = "reject"
hsts           = ""

[upstream]
servers         = ["127.0.0.1:9000", "10.0.0.2:9000"]
connect_timeout = "1s"
response_timeout = "1h"
max_idle_per_worker = 8
health_path     = "/healthz"
health_interval = "3s"

[context]
secret_file = "secret.key"

[features]
blocked_status = 403
[features.sales_orders]
paths = ['^/salesorders(/|$)', '^/so/']
methods = ['GET']

[banner]
paths          = ['^/$']
template       = '<p>{text}</p>'
max_scan_bytes = "1MB"

[activity]
spool_dir = "../var/activity"
webhook   = "http://127.0.0.1:9100/portal-events"
[[activity.rule]]
event = "quote.accepted"
methods = ["POST"]
path = '^/quotes/(?P<id>[^/]+)/accept$'
[[activity.rule]]
event = "invoice.viewed"
methods = ["GET"]
path = '^/invoices/(?P<id>[^/]+)$'
first_only = true

[admin]
listen     = "127.0.0.1:9902"
token_file = "/run/secrets/admin-token"

[log]
access = "logs/access.log"
level  = "debug"

[[tenant]]
org_id = "60001234"
name = "Acme Corporation"
portal_name = "acme"
previous_portal_names = ["acme-corp", "Acme-Old"]
custom_domains = ["billing.acme.test"]
canonical_host = "custom"
banner = "Our office is closed on 24-26 December."
notify_org_on_activity = true
notify_customer_on_comment = true
allow_edit_profile = true
allow_forward_documents = true
enable_reviews = true
show_sales_orders = true
show_projects = true

[[tenant]]
org_id = "60005678"
name = "Zylker Traders Ltd."
)";

TEST(LoadConfig, FullConfigDecodesEveryKey) {
  const LoadResult result = load_config_string(full_config, "/srv/portico/config/portico.toml");
  ASSERT_TRUE(result.ok()) << all_problems(result);
  EXPECT_TRUE(result.problems.empty()) << all_problems(result);
  const Config& c = result.config;
  EXPECT_EQ(c.path, "/srv/portico/config/portico.toml");

  ASSERT_EQ(c.server.http_listen.size(), 2u);
  EXPECT_EQ(c.server.http_listen[0].host, "127.0.0.1");
  EXPECT_EQ(c.server.http_listen[0].port, 8080);
  EXPECT_EQ(c.server.http_listen[0].where.line, 4u);
  EXPECT_EQ(c.server.http_listen[0].where.column, 18u);
  EXPECT_EQ(c.server.http_listen[1].host, "::1");
  EXPECT_EQ(c.server.http_listen[1].port, 8081);
  ASSERT_EQ(c.server.https_listen.size(), 1u);
  EXPECT_EQ(c.server.https_listen[0].to_string(), "localhost:0");
  EXPECT_FALSE(c.server.redirect_http);
  EXPECT_EQ(c.server.workers, 4u);
  EXPECT_EQ(c.server.drain_timeout, 15s);

  EXPECT_EQ(c.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 1048576u);
  EXPECT_EQ(c.limits.header_timeout, 5s);
  EXPECT_EQ(c.limits.idle_timeout, 2min);
  EXPECT_EQ(c.limits.body_timeout, 250ms);

  EXPECT_EQ(c.portal.base_domain, "portal.example.com");
  EXPECT_EQ(c.portal.base_domain_pos.line, 18u);
  EXPECT_EQ(c.portal.reserved_names, (std::vector<std::string>{"www", "api"}));

  EXPECT_EQ(c.tls.certificate, "/srv/portico/certs/out/portal.localhost.pem");
  EXPECT_EQ(c.tls.cert_dir, "/srv/portico/certs/out/domains");
  EXPECT_EQ(c.tls.certificate_pos.line, 22u);
  EXPECT_EQ(c.tls.cert_dir_pos.line, 23u);
  EXPECT_EQ(c.tls.min_version, "1.3");
  EXPECT_EQ(c.tls.unknown_sni, "reject");
  EXPECT_EQ(c.tls.hsts, "");

  ASSERT_EQ(c.upstream.servers.size(), 2u);
  EXPECT_EQ(c.upstream.servers[1].to_string(), "10.0.0.2:9000");
  EXPECT_EQ(c.upstream.connect_timeout, 1s);
  EXPECT_EQ(c.upstream.response_timeout, 1h);
  EXPECT_EQ(c.upstream.max_idle_per_worker, 8u);
  EXPECT_EQ(c.upstream.health_path, "/healthz");
  EXPECT_EQ(c.upstream.health_interval, 3s);

  EXPECT_EQ(c.context.secret_file, "/srv/portico/config/secret.key");
  EXPECT_EQ(c.context.secret_file_pos.line, 37u);

  EXPECT_EQ(c.features.blocked_status, 403u);
  ASSERT_EQ(c.features.gates.size(), 5u);
  const FeatureGate& sales = c.features.gates[4];
  EXPECT_EQ(sales.name, "sales_orders");
  EXPECT_EQ(sales.paths, (std::vector<std::string>{"^/salesorders(/|$)", "^/so/"}));
  ASSERT_EQ(sales.path_pos.size(), 2u);
  EXPECT_EQ(sales.path_pos[1].line, 42u);
  EXPECT_EQ(sales.path_pos[1].column, 32u);
  EXPECT_EQ(sales.methods, (std::vector<std::string>{"GET"}));
  EXPECT_EQ(sales.where.line, 41u);

  EXPECT_EQ(c.banner.paths, (std::vector<std::string>{"^/$"}));
  EXPECT_EQ(c.banner.path_pos.size(), 1u);
  EXPECT_EQ(c.banner.template_html, "<p>{text}</p>");
  EXPECT_EQ(c.banner.max_scan_bytes, 1'000'000u);

  EXPECT_EQ(c.activity.spool_dir, "/srv/portico/var/activity");
  EXPECT_EQ(c.activity.webhook, "http://127.0.0.1:9100/portal-events");
  ASSERT_EQ(c.activity.rules.size(), 2u);
  EXPECT_EQ(c.activity.rules[0].event, "quote.accepted");
  EXPECT_EQ(c.activity.rules[0].methods, (std::vector<std::string>{"POST"}));
  EXPECT_EQ(c.activity.rules[0].path, "^/quotes/(?P<id>[^/]+)/accept$");
  EXPECT_FALSE(c.activity.rules[0].first_only);
  EXPECT_EQ(c.activity.rules[0].where.line, 53u);
  EXPECT_EQ(c.activity.rules[0].path_pos.line, 56u);
  EXPECT_TRUE(c.activity.rules[1].first_only);

  EXPECT_EQ(c.admin.listen.to_string(), "127.0.0.1:9902");
  EXPECT_EQ(c.admin.token_file, "/run/secrets/admin-token");
  EXPECT_EQ(c.log.access, "/srv/portico/config/logs/access.log");
  EXPECT_EQ(c.log.level, "debug");

  ASSERT_EQ(c.tenants.size(), 2u);
  const TenantConfig& acme = c.tenants[0];
  EXPECT_EQ(acme.org_id, "60001234");
  EXPECT_EQ(acme.name, "Acme Corporation");
  EXPECT_EQ(acme.portal_name, "acme");
  EXPECT_EQ(acme.previous_portal_names,
            (std::vector<std::string>{"acme-corp", "Acme-Old"}));  // stored as written
  EXPECT_EQ(acme.custom_domains, (std::vector<std::string>{"billing.acme.test"}));
  EXPECT_EQ(acme.canonical_host, CanonicalHost::custom);
  EXPECT_EQ(acme.banner, "Our office is closed on 24-26 December.");
  EXPECT_TRUE(acme.notify_org_on_activity && acme.notify_customer_on_comment &&
              acme.allow_edit_profile && acme.allow_forward_documents && acme.enable_reviews &&
              acme.show_sales_orders && acme.show_projects);
  EXPECT_EQ(acme.where.line, 71u);
  EXPECT_EQ(acme.where.column, 1u);
  EXPECT_EQ(acme.org_id_pos.line, 72u);
  EXPECT_EQ(acme.org_id_pos.column, 10u);
  EXPECT_EQ(acme.portal_name_pos.line, 74u);
  ASSERT_EQ(acme.previous_portal_name_pos.size(), 2u);
  EXPECT_EQ(acme.previous_portal_name_pos[1].line, 75u);
  EXPECT_EQ(acme.previous_portal_name_pos[1].column, 39u);
  ASSERT_EQ(acme.custom_domain_pos.size(), 1u);
  EXPECT_EQ(acme.custom_domain_pos[0].line, 76u);
  EXPECT_EQ(acme.canonical_host_pos.line, 77u);

  const TenantConfig& zylker = c.tenants[1];
  EXPECT_EQ(zylker.org_id, "60005678");
  EXPECT_FALSE(zylker.portal_name.has_value());
  EXPECT_EQ(zylker.canonical_host, CanonicalHost::subdomain);
  EXPECT_FALSE(zylker.notify_org_on_activity || zylker.allow_edit_profile || zylker.show_projects);
}

TEST(LoadConfig, AbsentSectionsKeepTheirDefaults) {
  const LoadResult result = load_config_string("", "relative/portico.toml");
  ASSERT_TRUE(result.ok()) << all_problems(result);
  const Config& c = result.config;
  const Config defaults;
  EXPECT_EQ(c.path, (fs::current_path() / "relative/portico.toml").string());
  ASSERT_EQ(c.server.http_listen.size(), 1u);
  EXPECT_EQ(c.server.http_listen[0].to_string(), "127.0.0.1:8080");
  EXPECT_TRUE(c.server.https_listen.empty());
  EXPECT_EQ(c.server.drain_timeout, defaults.server.drain_timeout);
  EXPECT_EQ(c.limits.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 25u * 1024 * 1024);
  EXPECT_EQ(c.portal.base_domain, "portal.localhost");
  EXPECT_EQ(c.portal.reserved_names, defaults.portal.reserved_names);
  EXPECT_EQ(c.tls.min_version, "1.2");
  EXPECT_EQ(c.upstream.servers[0].to_string(), "127.0.0.1:9000");
  EXPECT_EQ(c.features.blocked_status, 404u);
  ASSERT_EQ(c.features.gates.size(), 5u);
  EXPECT_EQ(c.features.gates[0].name, "edit_profile");
  EXPECT_EQ(c.features.gates[0].methods,
            (std::vector<std::string>{"POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(c.banner.max_scan_bytes, 64u * 1024);
  EXPECT_TRUE(c.activity.spool_dir.empty());
  EXPECT_TRUE(c.activity.rules.empty());
  EXPECT_EQ(c.admin.listen.to_string(), "127.0.0.1:9901");
  EXPECT_EQ(c.log.access, "stdout");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_TRUE(c.tenants.empty());
}

TEST(LoadConfig, GateTableReplacesOnlyThatGate) {
  const LoadResult result =
      load_config_string("[features.edit_profile]\npaths = ['^/me$']\n", virtual_file);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  const auto& gates = result.config.features.gates;
  const auto defaults = FeaturesSection::default_gates();
  ASSERT_EQ(gates.size(), defaults.size());
  EXPECT_EQ(gates[0].name, "edit_profile");
  EXPECT_EQ(gates[0].paths, (std::vector<std::string>{"^/me$"}));
  EXPECT_TRUE(gates[0].methods.empty()) << "the table replaces the default methods too";
  EXPECT_EQ(gates[0].where.line, 1u);
  for (std::size_t i = 1; i < gates.size(); ++i) {
    EXPECT_EQ(gates[i].name, defaults[i].name);
    EXPECT_EQ(gates[i].paths, defaults[i].paths);
  }
}

TEST(LoadConfig, BadValueKeepsDefaultAndWarningsDoNotFail) {
  const LoadResult result = load_config_string(
      "[banner]\ntemplate = '<p>static</p>'\n[log]\naccess = 'off'\n", virtual_file);
  EXPECT_TRUE(result.ok());
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_TRUE(result.problems[0].warning);
  EXPECT_NE(result.problems[0].message.find("no {text} placeholder"), std::string::npos);
  EXPECT_EQ(result.config.log.access, "off");
}

TEST(LoadConfig, ConnectionAndHeaderCountLimitsDecodeWithinBounds) {
  const Config defaults;
  EXPECT_EQ(defaults.limits.max_header_count, 100u);
  EXPECT_EQ(defaults.limits.max_connections, 10000u);
  const LoadResult good = load_config_string(
      "[limits]\nmax_header_count = 50\nmax_connections = 4\n", virtual_file);
  ASSERT_TRUE(good.ok()) << all_problems(good);
  EXPECT_EQ(good.config.limits.max_header_count, 50u);
  EXPECT_EQ(good.config.limits.max_connections, 4u);
  for (const char* bad : {"[limits]\nmax_header_count = 0\n", "[limits]\nmax_header_count = 10001\n",
                          "[limits]\nmax_connections = 0\n", "[limits]\nmax_connections = '4'\n"}) {
    const LoadResult result = load_config_string(bad, virtual_file);
    EXPECT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.config.limits.max_header_count, 100u) << bad;  // a bad value keeps the default
    EXPECT_EQ(result.config.limits.max_connections, 10000u) << bad;
  }
}

TEST(LoadConfig, WebhookWithoutPortIsAccepted) {
  const LoadResult result = load_config_string(
      "[activity]\nspool_dir = '/var/spool'\nwebhook = 'http://events.internal/in'\n",
      virtual_file);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  EXPECT_EQ(result.config.activity.webhook, "http://events.internal/in");
}

}  // namespace
}  // namespace portico::config
