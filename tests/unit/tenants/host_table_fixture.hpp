// Test helpers for tenants/host_table: TenantConfig values with positions, built as structs
// (no TOML), and assertions on the problems HostTable::build reports.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "proxy/tenants/host_table.hpp"

namespace portico::tenants::test_support {

using config::Config;
using config::Problem;
using config::SourcePos;
using config::TenantConfig;

inline SourcePos pos(std::uint32_t line, std::uint32_t column = 1) {
  return {"tenants.toml", line, column};
}

// A [[tenant]] table starting at `line`; its org_id sits on the next line.
inline TenantConfig tenant(std::string org_id, std::string name, std::uint32_t line) {
  TenantConfig t;
  t.org_id = std::move(org_id);
  t.name = std::move(name);
  t.where = pos(line);
  t.org_id_pos = pos(line + 1, 10);
  return t;
}

inline TenantConfig named(TenantConfig t, std::string portal_name, std::uint32_t line) {
  t.portal_name = std::move(portal_name);
  t.portal_name_pos = pos(line, 15);
  return t;
}

inline TenantConfig previous(TenantConfig t, std::string name, std::uint32_t line) {
  t.previous_portal_names.push_back(std::move(name));
  t.previous_portal_name_pos.push_back(pos(line, 26));
  return t;
}

inline TenantConfig domain(TenantConfig t, std::string custom_domain, std::uint32_t line) {
  t.custom_domains.push_back(std::move(custom_domain));
  t.custom_domain_pos.push_back(pos(line, 19));
  return t;
}

inline Config config_with(std::vector<TenantConfig> tenants) {
  Config config;
  config.portal.base_domain_pos = pos(3, 18);
  config.tenants = std::move(tenants);
  return config;
}

inline HostTable build_ok(const Config& config) {
  std::vector<Problem> problems;
  auto table = HostTable::build(config, problems);
  for (const auto& problem : problems) ADD_FAILURE() << config::format_problem(problem);
  return std::move(table).value();  // throws, failing the test, when the build failed
}

// Builds a config that must fail and returns its problems.
inline std::vector<Problem> build_errors(const Config& config) {
  std::vector<Problem> problems;
  EXPECT_FALSE(HostTable::build(config, problems).has_value());
  EXPECT_FALSE(problems.empty());
  return problems;
}

inline std::map<std::string, std::string> portal_names(const HostTable& table) {
  std::map<std::string, std::string> names;
  for (const auto& t : table.tenants()) names[t.org_id] = t.portal_name;
  return names;
}

inline void expect_at(const Problem& problem, const SourcePos& where, const std::string& text) {
  EXPECT_EQ(problem.where.file, where.file);
  EXPECT_EQ(problem.where.line, where.line) << problem.message;
  EXPECT_EQ(problem.where.column, where.column) << problem.message;
  EXPECT_NE(problem.message.find(text), std::string::npos)
      << "\"" << problem.message << "\" lacks \"" << text << "\"";
  EXPECT_FALSE(problem.warning);
}

}  // namespace portico::tenants::test_support
