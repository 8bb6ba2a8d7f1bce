// demo_app/routes: path matching and method rules for the portal's pages.
// Matching is a few string compares: the benchmarked "/" costs next to nothing here.
#include "tests/demo_app/routes.hpp"

#include <array>
#include <utility>

namespace portico::demo {
namespace {

using http_verb = boost::beast::http::verb;

constexpr std::array<std::pair<std::string_view, RouteId>, 14> kTopLevel{{
    {"home", RouteId::home},
    {"invoices", RouteId::invoices},
    {"quotes", RouteId::quotes},
    {"salesorders", RouteId::salesorders},
    {"projects", RouteId::projects},
    {"timesheets", RouteId::timesheets},
    {"profile", RouteId::profile},
    {"reviews", RouteId::reviews},
    {"healthz", RouteId::healthz},
    {"__stats", RouteId::stats},
    {"upload", RouteId::upload},
    {"ws", RouteId::ws},
    {"portal-events", RouteId::portal_events},
    {"events", RouteId::events},
}};

Route match_one(std::string_view first) {
  for (const auto& [name, id] : kTopLevel) {
    if (name == first) return {id, {}};
  }
  return {};
}

Route match_two(std::string_view first, std::string_view id) {
  if (first == "invoices") return {RouteId::invoice, id};
  if (first == "quotes") return {RouteId::quote, id};
  if (first == "salesorders") return {RouteId::salesorder, id};
  return {};
}

Route match_three(std::string_view first, std::string_view id, std::string_view action) {
  if (action == "forward") {
    if (first == "invoices") return {RouteId::invoice_forward, id};
    if (first == "quotes") return {RouteId::quote_forward, id};
    if (first == "salesorders") return {RouteId::salesorder_forward, id};
  }
  if (first == "quotes" && action == "accept") return {RouteId::quote_accept, id};
  return {};
}

enum class MethodSet { read, write, upload, read_post, editable, any };

MethodSet method_set(RouteId id) {
  switch (id) {
    case RouteId::invoice_forward:
    case RouteId::quote_accept:
    case RouteId::quote_forward:
    case RouteId::salesorder_forward:
    case RouteId::portal_events:
      return MethodSet::write;
    case RouteId::upload:
      return MethodSet::upload;  // `curl -T` uploads with PUT
    case RouteId::reviews:
      return MethodSet::read_post;
    case RouteId::profile:
      return MethodSet::editable;
    case RouteId::not_found:
      return MethodSet::any;
    default:
      return MethodSet::read;
  }
}

}  // namespace

Route match_route(std::string_view path) {
  if (path.empty() || path.front() != '/') return {};
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  path.remove_prefix(1);
  if (path.empty()) return {RouteId::home, {}};
  std::array<std::string_view, 3> segments;
  std::size_t count = 0;
  for (;;) {
    if (count == segments.size()) return {};
    const auto slash = path.find('/');
    segments[count] = path.substr(0, slash);
    if (segments[count++].empty()) return {};
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  switch (count) {
    case 1: return match_one(segments[0]);
    case 2: return match_two(segments[0], segments[1]);
    default: return match_three(segments[0], segments[1], segments[2]);
  }
}

std::string_view route_name(RouteId id) {
  switch (id) {
    case RouteId::home: return "home";
    case RouteId::invoices: return "invoices";
    case RouteId::invoice: return "invoice";
    case RouteId::invoice_forward: return "invoice.forward";
    case RouteId::quotes: return "quotes";
    case RouteId::quote: return "quote";
    case RouteId::quote_accept: return "quote.accept";
    case RouteId::quote_forward: return "quote.forward";
    case RouteId::salesorders: return "salesorders";
    case RouteId::salesorder: return "salesorder";
    case RouteId::salesorder_forward: return "salesorder.forward";
    case RouteId::projects: return "projects";
    case RouteId::timesheets: return "timesheets";
    case RouteId::profile: return "profile";
    case RouteId::reviews: return "reviews";
    case RouteId::healthz: return "healthz";
    case RouteId::stats: return "stats";
    case RouteId::upload: return "upload";
    case RouteId::ws: return "ws";
    case RouteId::portal_events: return "portal-events";
    case RouteId::events: return "events";
    case RouteId::not_found: return "not_found";
  }
  return "not_found";
}

bool method_allowed(RouteId id, http_verb method) {
  const bool read = method == http_verb::get || method == http_verb::head;
  switch (method_set(id)) {
    case MethodSet::read: return read;
    case MethodSet::write: return method == http_verb::post;
    case MethodSet::upload: return method == http_verb::post || method == http_verb::put;
    case MethodSet::read_post: return read || method == http_verb::post;
    case MethodSet::editable:
      return read || method == http_verb::post || method == http_verb::put ||
             method == http_verb::patch || method == http_verb::delete_;
    case MethodSet::any: return true;
  }
  return false;
}

std::string_view allowed_methods(RouteId id) {
  switch (method_set(id)) {
    case MethodSet::read: return "GET, HEAD";
    case MethodSet::write: return "POST";
    case MethodSet::upload: return "POST, PUT";
    case MethodSet::read_post: return "GET, HEAD, POST";
    case MethodSet::editable: return "GET, HEAD, POST, PUT, PATCH, DELETE";
    case MethodSet::any: return "GET, HEAD, POST, PUT, PATCH, DELETE";
  }
  return "GET, HEAD";
}

}  // namespace portico::demo
