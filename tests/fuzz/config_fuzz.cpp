// Fuzz target: config decoding, TOML text -> load (parse + decode) -> compile, the path
// `portico --check`, start-up and every reload take. In memory: the text is loaded as a file
// in a directory that does not exist, and the paths it names (certificates, secret) are
// cleared before compile, so no file is read but what an absolute include names.
// Invariants: nothing throws; a snapshot exists only when no error was reported; every
// problem has a message and a position in a loaded file; and every tenant of a snapshot is
// reachable through the host table under each of its names, and only there.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/config/load.hpp"
#include "proxy/config/snapshot.hpp"
#include "proxy/tenants/host_name.hpp"
#include "proxy/tenants/portal_name.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace portico;

constexpr std::string_view virtual_path = "/nonexistent-portico-fuzz/portico.toml";

void check_problems(const std::vector<config::Problem>& problems) {
  for (const auto& problem : problems) {
    FUZZ_CHECK(!problem.message.empty());
    FUZZ_CHECK(!problem.where.file.empty() || problem.where.line == 0);
  }
}

void check_tenants(const config::Snapshot& snapshot) {
  const tenants::HostTable& hosts = snapshot.hosts;
  FUZZ_CHECK(snapshot.banner_html.size() == hosts.tenants().size());
  for (const tenants::Tenant& tenant : hosts.tenants()) {
    FUZZ_CHECK(hosts.find_by_org_id(tenant.org_id) == &tenant);
    FUZZ_CHECK(tenants::is_valid_portal_name(tenant.portal_name));
    const tenants::HostEntry* current = hosts.find(tenant.portal_name + "." + hosts.base_domain());
    FUZZ_CHECK(current != nullptr && current->tenant == &tenant &&
               current->match == tenants::HostMatch::current_name);
    for (const std::string& previous : tenant.previous_portal_names) {
      const tenants::HostEntry* entry = hosts.find(previous + "." + hosts.base_domain());
      FUZZ_CHECK(entry != nullptr && entry->tenant == &tenant &&
                 entry->match == tenants::HostMatch::previous_name);
    }
    for (const std::string& domain : tenant.custom_domains) {
      std::string normalized;
      tenants::HostError error{};
      FUZZ_CHECK(tenants::normalize_host(domain, normalized, error) && normalized == domain);
      const tenants::HostEntry* entry = hosts.find(domain);
      FUZZ_CHECK(entry != nullptr && entry->tenant == &tenant &&
                 entry->match == tenants::HostMatch::custom_domain);
    }
    FUZZ_CHECK(tenant.banner.empty() == config::banner_for(snapshot, tenant).empty() ||
               snapshot.config.banner.template_html.empty());
  }
  FUZZ_CHECK(hosts.find(hosts.base_domain()) == nullptr);  // the base domain is no portal
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  config::LoadResult loaded = config::load_config_string(text, std::string(virtual_path));
  check_problems(loaded.problems);
  FUZZ_CHECK(loaded.config.path == virtual_path);
  bool decoded = loaded.ok();

  config::Config model = std::move(loaded.config);
  model.tls.certificate.clear();
  model.tls.cert_dir.clear();
  model.context.secret_file.clear();
  config::CompileResult compiled = config::compile_snapshot(std::move(model), 1);
  check_problems(compiled.problems);
  bool compile_error = false;
  for (const auto& problem : compiled.problems) compile_error = compile_error || !problem.warning;
  FUZZ_CHECK(compiled.ok() == !compile_error);
  if (decoded && compiled.ok()) check_tenants(*compiled.snapshot);
  return 0;
}
