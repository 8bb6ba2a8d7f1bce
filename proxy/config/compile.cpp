// config/compile: model -> Snapshot. Cross-section checks live here: tenant names and
// domains (tenants::HostTable), gate patterns (policy::FeatureGates), files that must exist.
#include <fstream>
#include <iterator>
#include <sstream>

#include "proxy/config/load.hpp"
#include "proxy/inject/html_escape.hpp"
#include "proxy/config/snapshot.hpp"

namespace portico::config {
namespace {

bool read_secret(const ContextSection& context, std::string& key, std::vector<Problem>& problems) {
  if (context.secret_file.empty()) return true;
  std::ifstream in(context.secret_file, std::ios::binary);
  if (!in) {
    problems.push_back({context.secret_file_pos, "cannot read [context] secret_file '" +
                                                     context.secret_file + "'"});
    return false;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  key = contents.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 16) {
    problems.push_back({context.secret_file_pos,
                        "[context] secret_file must hold at least 16 bytes of key material"});
    return false;
  }
  return true;
}

// Ticket keys and TLS counters outlive any one snapshot: sessions resume across reloads and
// counters keep counting.
struct ProcessTlsState {
  std::shared_ptr<tls::TicketKeys> ticket_keys = std::make_shared<tls::TicketKeys>();
  std::shared_ptr<tls::TlsCounters> counters = std::make_shared<tls::TlsCounters>();
};
ProcessTlsState& process_tls_state() {
  static ProcessTlsState state;
  return state;
}

}  // namespace

CompileResult compile_snapshot(Config config, std::uint64_t generation) {
  CompileResult result;
  auto hosts = tenants::HostTable::build(config, result.problems);
  auto gates = policy::FeatureGates::compile(config.features, result.problems);
  auto banner_paths = inject::BannerPaths::compile(config.banner, result.problems);
  auto activity_rules = activity::ActivityRules::compile(config.activity, result.problems);
  auto& tls_state = process_tls_state();
  auto certificates =
      tls::CertificateStore::build(config, tls_state.ticket_keys, result.problems, tls_state.counters);
  if (certificates) tls::check_coverage(*certificates, config, result.problems);
  std::string key;
  bool key_ok = read_secret(config.context, key, result.problems);
  if (!hosts || !gates || !banner_paths || !activity_rules || !certificates || !key_ok) return result;
  std::vector<std::string> banner_html;
  banner_html.reserve(hosts->tenants().size());
  for (const auto& tenant : hosts->tenants()) {
    banner_html.push_back(tenant.banner.empty() ? std::string()
                                                : inject::render_banner(config.banner.template_html, tenant.banner));
  }
  // The decoded tenants served their purpose (host table, certificate coverage): nothing reads
  // a snapshot's config.tenants, and dropping them here keeps about 80 MB per 100,000 tenants
  // out of every live snapshot and hands that memory straight to the next reload.
  config.tenants = {};
  auto upstream_health = std::make_shared<upstream::UpstreamHealth>(config.upstream);
  result.snapshot = std::make_shared<const Snapshot>(
      Snapshot{std::move(config), std::move(*hosts), std::move(*gates), std::move(*banner_paths),
               std::move(banner_html), std::move(certificates), std::move(key), generation,
               std::move(*activity_rules), std::move(upstream_health)});
  return result;
}

const std::string& banner_for(const Snapshot& snapshot, const tenants::Tenant& tenant) {
  // Tenants live in one vector, so the record's position is its index.
  auto index = static_cast<std::size_t>(&tenant - snapshot.hosts.tenants().data());
  return snapshot.banner_html[index];
}

CompileResult build_snapshot(const std::string& config_path, std::uint64_t generation) {
  LoadResult loaded = load_config(config_path);
  bool decoded = loaded.ok();
  CompileResult compiled = compile_snapshot(std::move(loaded.config), generation);
  loaded.problems.insert(loaded.problems.end(), std::make_move_iterator(compiled.problems.begin()),
                         std::make_move_iterator(compiled.problems.end()));
  compiled.problems = std::move(loaded.problems);
  if (!decoded) compiled.snapshot.reset();
  return compiled;
}

}  // namespace portico::config
