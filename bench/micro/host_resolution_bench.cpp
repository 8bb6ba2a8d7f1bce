// bench/micro/host_resolution_bench: ns per host lookup on HostTable at 10k and 1M tenants,
// alone and together with normalize_host (what every request pays). Measures only.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/tenants/host_name.hpp"
#include "proxy/tenants/host_table.hpp"

namespace {

using portico::config::Config;
using portico::config::Problem;
using portico::config::TenantConfig;
using portico::tenants::HostTable;

constexpr const char* base_domain = "portal.bench.test";

// Same shape as the table bench/run.sh generates: tenant i has the portal name "org-<i>"
// and the custom domain "billing.customer<i>.test".
std::string portal_host(std::size_t i) {
  char text[64];
  std::snprintf(text, sizeof text, "org-%07zu.%s", i, base_domain);
  return text;
}
std::string custom_host(std::size_t i) {
  char text[64];
  std::snprintf(text, sizeof text, "billing.customer%07zu.test", i);
  return text;
}

// The hosts to look up sit back to back in one buffer, read in order: like a request's Host
// header, the key itself is never a cache miss; the table's buckets and entries are.
struct Table {
  std::unique_ptr<HostTable> hosts;
  std::string key_bytes;
  std::vector<std::string_view> lookups;  // every host of the table, shuffled, + 1 in 17 unknown
};

// Built once per size and kept: a 1M-tenant table takes seconds to build.
const Table& table_of(std::size_t tenants) {
  static std::vector<std::pair<std::size_t, std::unique_ptr<Table>>> built;
  for (const auto& [size, table] : built) {
    if (size == tenants) return *table;
  }
  Config config;
  config.portal.base_domain = base_domain;
  config.tenants.reserve(tenants);
  for (std::size_t i = 0; i < tenants; ++i) {
    TenantConfig tenant;
    tenant.org_id = std::to_string(7'000'000'000ull + i);
    tenant.name = "Customer " + std::to_string(i);
    char name[32];
    std::snprintf(name, sizeof name, "org-%07zu", i);
    tenant.portal_name = name;
    tenant.custom_domains.push_back(custom_host(i));
    tenant.custom_domain_pos.emplace_back();
    config.tenants.push_back(std::move(tenant));
  }
  std::vector<Problem> problems;
  auto built_table = HostTable::build(config, problems);
  if (!built_table) {
    std::fprintf(stderr, "host table did not build: %s\n",
                 problems.empty() ? "?" : problems.front().message.c_str());
    std::abort();
  }
  auto table = std::make_unique<Table>();
  table->hosts = std::make_unique<HostTable>(std::move(*built_table));
  std::vector<std::string> hosts;
  hosts.reserve(tenants * 2 + tenants / 8 + 1);
  for (std::size_t i = 0; i < tenants; ++i) {
    hosts.push_back(portal_host(i));
    hosts.push_back(custom_host(i));
    if (i % 8 == 0) hosts.push_back("unknown-" + std::to_string(i) + ".example.test");
  }
  std::shuffle(hosts.begin(), hosts.end(), std::mt19937_64{42});
  std::size_t total = 0;
  for (const auto& host : hosts) total += host.size();
  table->key_bytes.reserve(total);  // no reallocation: the views below stay valid
  for (const auto& host : hosts) {
    const std::size_t at = table->key_bytes.size();
    table->key_bytes += host;
    table->lookups.emplace_back(table->key_bytes.data() + at, host.size());
  }
  built.emplace_back(tenants, std::move(table));
  return *built.back().second;
}

// HostTable::find on normalized hosts, in shuffled order so the 1M case pays its cache misses.
void BM_HostTableFind(benchmark::State& state) {
  const Table& table = table_of(static_cast<std::size_t>(state.range(0)));
  std::size_t at = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    const auto* entry = table.hosts->find(table.lookups[at]);
    found += entry != nullptr;
    benchmark::DoNotOptimize(entry);
    if (++at == table.lookups.size()) at = 0;
  }
  state.counters["found_ratio"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_HostTableFind)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

// What a request pays: the raw Host header (with a port, mixed case) normalized, then found.
void BM_NormalizeAndFind(benchmark::State& state) {
  const Table& table = table_of(static_cast<std::size_t>(state.range(0)));
  std::string raw_bytes;
  raw_bytes.reserve(table.key_bytes.size() + table.lookups.size() * 5);
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, length in raw_bytes
  spans.reserve(table.lookups.size());
  for (const auto host : table.lookups) {
    const std::size_t at = raw_bytes.size();
    raw_bytes += host;
    raw_bytes += ":8443";
    raw_bytes[at] = static_cast<char>(raw_bytes[at] - 'a' + 'A');
    spans.emplace_back(at, raw_bytes.size() - at);
  }
  std::vector<std::string_view> raw;
  raw.reserve(spans.size());
  for (const auto& [at, length] : spans) raw.emplace_back(raw_bytes.data() + at, length);
  std::string normalized;
  portico::tenants::HostError error{};
  std::size_t at = 0;
  for (auto _ : state) {
    const bool ok = portico::tenants::normalize_host(raw[at], normalized, error);
    const auto* entry = ok ? table.hosts->find(normalized) : nullptr;
    benchmark::DoNotOptimize(entry);
    if (++at == raw.size()) at = 0;
  }
}
BENCHMARK(BM_NormalizeAndFind)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

// The floor under BM_HostTableFind/1000000: one read at a random place in memory far bigger
// than the caches, each address depending on the previous read (a pointer chase over
// 256 MiB, huge pages asked for as HostIndex does). A lookup in a table of a million tenants
// cannot cost less than this one cache miss, whatever its layout.
void BM_MemoryLatency(benchmark::State& state) {
  constexpr std::size_t bytes = std::size_t{256} << 20;
  constexpr std::size_t line = 64;
  constexpr std::size_t lines = bytes / line;
  static std::uint64_t* chain = [] {
    auto* memory = static_cast<std::uint64_t*>(::operator new(bytes, std::align_val_t{std::size_t{2} << 20}));
    ::madvise(memory, bytes, MADV_HUGEPAGE);
    std::vector<std::uint32_t> order(lines);
    for (std::size_t i = 0; i < lines; ++i) order[i] = static_cast<std::uint32_t>(i);
    std::shuffle(order.begin(), order.end(), std::mt19937_64{7});
    for (std::size_t i = 0; i < lines; ++i) {
      memory[order[i] * (line / sizeof(std::uint64_t))] = order[(i + 1) % lines] * (line / sizeof(std::uint64_t));
    }
    return memory;
  }();
  std::uint64_t at = 0;
  for (auto _ : state) {
    at = chain[at];
    benchmark::DoNotOptimize(at);
  }
  state.SetLabel("one dependent random read in 256 MiB: a cache miss");
}
BENCHMARK(BM_MemoryLatency)->Unit(benchmark::kNanosecond);

}  // namespace
