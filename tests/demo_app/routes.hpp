// demo_app/routes: the portal's URL space: path -> route, route names, allowed methods.
// A pure table: no I/O, no rendering.
#pragma once

// Boost 1.81's core string_view (pulled in by verb.hpp) needs std::ostream complete.
#include <ostream>

#include <boost/beast/http/verb.hpp>

#include <string_view>

namespace portico::demo {

enum class RouteId {
  home, invoices, invoice, invoice_forward, quotes, quote, quote_accept, quote_forward,
  salesorders, salesorder, salesorder_forward, projects, timesheets, profile, reviews,
  healthz, stats, upload, ws, portal_events, events, not_found,
};

struct Route {
  RouteId id = RouteId::not_found;
  std::string_view object_id;  // the {id} segment of document routes, as received
};

// Matches an origin-form path. One trailing slash is ignored ("/invoices/" is the list);
// empty segments and anything deeper than the known routes are not_found.
Route match_route(std::string_view path);

// Stable machine name ("home", "quote.accept", "not_found"): the JSON "route" field and
// the ETag suffix.
std::string_view route_name(RouteId id);

// GET routes also take HEAD; /profile takes every editing method (the edit_profile gate
// lets them through), /reviews takes POST and /upload POST or PUT. not_found answers any method with 404.
bool method_allowed(RouteId id, boost::beast::http::verb method);
std::string_view allowed_methods(RouteId id);  // the Allow header value for 405

// POST /portal-events: the session parses the streamed body as JSON for it.
inline bool consumes_json_body(RouteId id) { return id == RouteId::portal_events; }

}  // namespace portico::demo
