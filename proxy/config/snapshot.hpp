// config/snapshot: the immutable runtime configuration requests run on, and the compile
// step that builds it (model -> snapshot, cross-section checks). No sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/activity/rules.hpp"
#include "proxy/config/model.hpp"
#include "proxy/inject/banner_paths.hpp"
#include "proxy/policy/feature_gates.hpp"
#include "proxy/tenants/host_table.hpp"
#include "proxy/tls/certificate_store.hpp"
#include "proxy/upstream/health.hpp"

namespace portico::config {

struct Snapshot {
  // Every section as decoded, except `tenants`: emptied once compiled (the host table below
  // holds what requests need), which frees about 80 MB per live snapshot of 100,000 tenants.
  Config config;
  tenants::HostTable hosts;
  policy::FeatureGates gates;
  inject::BannerPaths banner_paths;
  std::vector<std::string> banner_html;  // rendered banner per tenant, parallel to hosts.tenants()
  std::shared_ptr<const tls::CertificateStore> certificates;  // SNI index + server SSL_CTX
  std::string signing_key;  // [context] secret_file contents; empty = no X-Portal-Signature
  std::uint64_t generation = 0;
  activity::ActivityRules activity_rules;
  // Mutable through a const snapshot on purpose: server availability changes between
  // reloads; the server hands states over to the next snapshot (UpstreamHealth::inherit).
  std::shared_ptr<upstream::UpstreamHealth> upstream_health;
};

// The tenant's rendered banner ("" when it has none).
const std::string& banner_for(const Snapshot& snapshot, const tenants::Tenant& tenant);

struct CompileResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when any error was found
  std::vector<Problem> problems;             // errors and warnings from every stage
  bool ok() const { return snapshot != nullptr; }
};

// Builds the snapshot from a decoded config; collects every problem rather than stopping.
CompileResult compile_snapshot(Config config, std::uint64_t generation);

// Load (parse + decode) and compile in one: what --check, start-up and reload run.
// Compile still runs after decode errors, so one run reports every problem it can.
CompileResult build_snapshot(const std::string& config_path, std::uint64_t generation);

}  // namespace portico::config
