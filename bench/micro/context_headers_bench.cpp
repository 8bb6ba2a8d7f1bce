// bench/micro/context_headers_bench: the request header rewrite of every proxied request
// (append_upstream_head: the client's fields stripped, the context added, the head written),
// unsigned and signed, on a browser's request. Each iteration writes into the same string, as
// a request does into its head buffer.
#include <benchmark/benchmark.h>

#include <boost/beast/http/fields.hpp>
#include <string>

#include "proxy/http/context_headers.hpp"
#include "proxy/tenants/tenant.hpp"

namespace {

namespace http = boost::beast::http;
using portico::http::RequestContext;

// What a browser sends to a portal page, plus one forged context header a client might try.
http::request_header<> browser_request() {
  http::request_header<> fields;
  fields.method(http::verb::get);
  fields.target("/invoices/INV-000123");
  fields.version(11);
  fields.set(http::field::host, "billing.customer0000042.test");
  fields.set(http::field::user_agent,
             "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0");
  fields.set(http::field::accept,
             "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8");
  fields.set(http::field::accept_language, "en-GB,en;q=0.7,de;q=0.3");
  fields.set(http::field::accept_encoding, "gzip, deflate, br");
  fields.set(http::field::connection, "keep-alive");
  fields.set(http::field::cookie, "portal_session=5f0c1e2d3b4a59687766554433221100; theme=light");
  fields.set(http::field::referer, "https://billing.customer0000042.test/invoices");
  fields.set("Upgrade-Insecure-Requests", "1");
  fields.set("X-Portal-Org-Id", "1");  // forged: must go
  return fields;
}

portico::tenants::Tenant bench_tenant() {
  portico::tenants::Tenant tenant;
  tenant.org_id = "7000000042";
  tenant.name = "Customer 42";
  tenant.portal_name = "org-0000042";
  tenant.custom_domains = {"billing.customer0000042.test"};
  tenant.features = 0b10101;
  tenant.features_header = "edit_profile,projects,sales_orders";
  tenant.notify_header = "org_activity";
  return tenant;
}

RequestContext context_for(const portico::tenants::Tenant& tenant, bool signed_context) {
  RequestContext context;
  context.tenant = &tenant;
  context.match = portico::tenants::HostMatch::custom_domain;
  context.host = "billing.customer0000042.test";
  context.proto = "https";
  context.client_addr = "203.0.113.7";
  context.request_id = "01HZX3Q8M4T6V2B9C7D5E3F1A0";
  context.method = "GET";
  context.target = "/invoices/INV-000123";
  context.signing_key = signed_context ? "0123456789abcdef0123456789abcdef" : "";
  context.unix_time = 1717200000;
  return context;
}

void BM_RewriteRequestHeaders(benchmark::State& state) {
  const http::request_header<> request = browser_request();
  const auto tenant = bench_tenant();
  const bool signed_context = state.range(0) != 0;
  const RequestContext context = context_for(tenant, signed_context);
  std::string head;
  for (auto _ : state) {
    head.clear();
    portico::http::append_upstream_head(request, context, {}, head);
    benchmark::DoNotOptimize(head.data());
  }
  state.SetLabel(signed_context ? "with X-Portal-Signature" : "unsigned");
}
BENCHMARK(BM_RewriteRequestHeaders)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

}  // namespace
