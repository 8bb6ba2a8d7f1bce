// bench/micro/policy_bench: the two policy steps every request takes, path normalization
// (normalize_target) and gate matching (FeatureGates::match on the shipped gates).
// Measures only; asserts nothing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/policy/feature_gates.hpp"
#include "proxy/policy/request_target.hpp"

namespace {

using portico::policy::FeatureGates;
using portico::policy::normalize_target;
using portico::policy::RequestTarget;
using portico::policy::TargetError;

// Targets a portal sees, from the plain to the unusual (all of them accepted).
const std::vector<std::string>& targets(int kind) {
  static const std::vector<std::vector<std::string>> all{
      // 0: already normalized, short
      {"/", "/home", "/invoices", "/invoices/INV-000123", "/quotes?page=2&sort=date",
       "/salesorders/SO-42", "/profile", "/timesheets?week=2024-23"},
      // 1: needs work: escapes of unreserved characters, empty and dot segments
      {"/invoices/./INV-%30%30%30123", "//quotes///QT-1/../QT-2?x=1", "/a/b/c/../../invoices",
       "/%7Euser/profile/", "/salesorders/SO-1/%66orward", "/home/.", "/reviews//new?draft=1",
       "/invoices/%C3%A9t%C3%A9"},
  };
  return all.at(static_cast<std::size_t>(kind));
}

void BM_NormalizeTarget(benchmark::State& state) {
  const auto& inputs = targets(static_cast<int>(state.range(0)));
  RequestTarget out;
  TargetError error{};
  std::size_t at = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const bool ok = normalize_target(inputs[at], out, error);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out.path.data());
    bytes += inputs[at].size();
    if (++at == inputs.size()) at = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetLabel(state.range(0) == 0 ? "normalized input" : "escapes and dot segments");
}
BENCHMARK(BM_NormalizeTarget)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

const FeatureGates& shipped_gates() {
  static const FeatureGates gates = [] {
    std::vector<portico::config::Problem> problems;
    auto compiled = FeatureGates::compile(portico::config::FeaturesSection{}, problems);
    if (!compiled) {
      std::fprintf(stderr, "the default gates did not compile\n");
      std::abort();
    }
    return std::move(*compiled);
  }();
  return gates;
}

// Normalized paths: most requests match no gate, some match one.
void BM_GateMatch(benchmark::State& state) {
  const FeatureGates& gates = shipped_gates();
  const bool gated = state.range(0) != 0;
  const std::vector<std::pair<std::string, std::string>> requests =
      gated ? std::vector<std::pair<std::string, std::string>>{{"GET", "/salesorders/SO-42"},
                                                               {"GET", "/projects"},
                                                               {"POST", "/invoices/INV-1/forward"},
                                                               {"POST", "/profile"},
                                                               {"GET", "/reviews/new"}}
            : std::vector<std::pair<std::string, std::string>>{{"GET", "/"},
                                                               {"GET", "/home"},
                                                               {"GET", "/invoices/INV-000123"},
                                                               {"GET", "/quotes"},
                                                               {"GET", "/profile"}};
  std::size_t at = 0;
  for (auto _ : state) {
    const auto& [method, path] = requests[at];
    benchmark::DoNotOptimize(gates.match(method, path));
    if (++at == requests.size()) at = 0;
  }
  state.SetLabel(gated ? "paths in a gate" : "paths in no gate");
}
BENCHMARK(BM_GateMatch)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

}  // namespace
