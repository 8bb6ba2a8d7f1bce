// demo_app/pages: the route-specific HTML inside <main> (sample invoices, quotes with an
// Accept form, profile and review forms, the events list). Markup only: no status, no I/O.
#pragma once

#include "tests/demo_app/events.hpp"
#include "tests/demo_app/exchange.hpp"
#include "tests/demo_app/routes.hpp"

#include <string>
#include <string_view>

namespace portico::demo {

// The <title> text (without the " | Customer portal" suffix) for a route's page.
std::string page_title(const Route& route, const Exchange& exchange);

// Appends the page's own content for every route that has an HTML page (events excepted).
void append_page_content(std::string& out, const Route& route, const Exchange& exchange);

void append_method_not_allowed_content(std::string& out, const Exchange& exchange,
                                       std::string_view allowed);

// Events newest first: event, org_id, portal_name, object_id, time.
void append_events_content(std::string& out, const EventsView& view);

}  // namespace portico::demo
