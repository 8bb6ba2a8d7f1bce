// bench/micro/banner_filter_bench: throughput of inject::BannerFilter on a portal home page fed
// in 16 KiB pieces, the way a response body arrives. Measures only; asserts nothing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/inject/banner_filter.hpp"
#include "proxy/inject/html_escape.hpp"

namespace {

constexpr std::size_t page_size = 256 * 1024;
constexpr std::size_t piece_size = 16 * 1024;
constexpr std::uint64_t max_scan_bytes = 64 * 1024;

// A head of about 2 KiB (meta, an inline script and style holding "<body>", a comment) and then
// rows of ordinary markup. with_body = false leaves the tag out: the worst case, a full scan.
std::string make_page(bool with_body) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Acme Corporation - Customer Portal</title>"
      "<meta name=\"description\" content=\"Invoices, quotes & <body> of work\">"
      "<!-- build 2024-06-01 <body> -->"
      "<style>.portal-banner{padding:8px;background:#ffd} p:after{content:\"<body>\"}</style>"
      "<script>window.portal = {org: \"60001234\", html: \"<body class='x'>\"};</script>";
  while (page.size() < 2000) {
    page += "<link rel=\"stylesheet\" href=\"/static/css/portal.css?v=20240601\">\n";
  }
  if (with_body) page += "<body class=\"home\" data-org=\"60001234\">";
  while (page.size() < page_size) {
    page +=
        "<tr class=\"row\"><td><a href=\"/invoices/INV-000123\">INV-000123</a></td>"
        "<td>2024-06-01</td><td class=\"amount\">1,234.00 &euro;</td></tr>\n";
  }
  page.resize(page_size);
  return page;
}

void feed_in_pieces(portico::inject::BannerFilter& filter, std::string_view page,
                    std::string& out) {
  for (std::size_t at = 0; at < page.size(); at += piece_size) {
    filter.feed(page.substr(at, piece_size), out);
  }
  filter.finish(out);
}

const std::string banner =
    portico::inject::render_banner("<div class=\"portal-banner\" role=\"status\">{text}</div>",
                                   "Our office is closed on 24-26 December.");

// A fresh filter per page: scan ~2 KiB, inject, pass the remaining ~254 KiB through.
void BM_PageWithBodyNearTop(benchmark::State& state) {
  const std::string page = make_page(true);
  std::string out;
  out.reserve(page.size() + banner.size());
  for (auto _ : state) {
    out.clear();
    portico::inject::BannerFilter filter{banner, max_scan_bytes};
    feed_in_pieces(filter, page, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page.size()));
}
BENCHMARK(BM_PageWithBodyNearTop);

// No body tag: the whole 64 KiB scan budget is tokenized before giving up.
void BM_PageWithoutBody(benchmark::State& state) {
  const std::string page = make_page(false);
  std::string out;
  out.reserve(page.size());
  for (auto _ : state) {
    out.clear();
    portico::inject::BannerFilter filter{banner, max_scan_bytes};
    feed_in_pieces(filter, page, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page.size()));
}
BENCHMARK(BM_PageWithoutBody);

// Only the tokenizer: the first 64 KiB of a page without body (the scan budget), as MB/s.
void BM_ScanOnly(benchmark::State& state) {
  const std::string page = make_page(false).substr(0, max_scan_bytes);
  std::string out;
  out.reserve(page.size());
  for (auto _ : state) {
    out.clear();
    portico::inject::BannerFilter filter{banner, max_scan_bytes + 1};
    feed_in_pieces(filter, page, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page.size()));
}
BENCHMARK(BM_ScanOnly);

// After injection: what every later piece of the response costs.
void BM_PassThroughAfterInjection(benchmark::State& state) {
  const std::string page = make_page(true);
  portico::inject::BannerFilter filter{banner, max_scan_bytes};
  std::string out;
  filter.feed(page, out);
  std::string_view piece = std::string_view(page).substr(page.size() - piece_size);
  for (auto _ : state) {
    out.clear();
    filter.feed(piece, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * piece.size()));
}
BENCHMARK(BM_PassThroughAfterInjection);

}  // namespace
