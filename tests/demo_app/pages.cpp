// demo_app/pages: sample content of the customer portal's pages. Static markup is held in
// constants; only ids and received values are escaped in per request.
#include "tests/demo_app/pages.hpp"

#include "tests/demo_app/render.hpp"

#include <boost/json/serialize.hpp>

#include <array>

namespace portico::demo {
namespace {

struct DocumentKind {
  std::string_view singular;
  std::string_view plural;
  std::string_view path;
  std::array<std::string_view, 3> ids;
  std::array<std::string_view, 3> amounts;
};

constexpr DocumentKind kInvoices{"Invoice", "Invoices", "/invoices",
                                 {"INV-0001", "INV-0002", "INV-0003"},
                                 {"1,250.00", "380.40", "12,000.00"}};
constexpr DocumentKind kQuotes{"Quote", "Quotes", "/quotes", {"QT-0041", "QT-0042", "QT-0043"},
                               {"4,100.00", "860.00", "15,500.00"}};
constexpr DocumentKind kSalesOrders{"Sales order", "Sales orders", "/salesorders",
                                    {"SO-0101", "SO-0102", "SO-0103"},
                                    {"2,300.00", "99.90", "7,450.00"}};

constexpr std::string_view kHomeContent =
    "<h2>Welcome to your customer portal</h2>\n"
    "<p>Review and pay invoices, accept quotes, follow sales orders and projects.</p>\n"
    "<ul class=\"cards\"><li><a href=\"/invoices\">Your invoices</a></li>"
    "<li><a href=\"/quotes\">Your quotes</a></li><li><a href=\"/salesorders\">Your sales orders</a></li>"
    "<li><a href=\"/projects\">Your projects</a></li><li><a href=\"/reviews\">Leave a review</a></li></ul>\n";

constexpr std::string_view kProjectsContent =
    "<h2>Projects</h2>\n<table><tr><th>Project</th><th>Status</th></tr>"
    "<tr><td>Website redesign</td><td>In progress</td></tr>"
    "<tr><td>Support retainer 2024</td><td>Active</td></tr></table>\n";

constexpr std::string_view kTimesheetsContent =
    "<h2>Timesheets</h2>\n<table><tr><th>Date</th><th>Project</th><th>Hours</th></tr>"
    "<tr><td>2024-03-04</td><td>Website redesign</td><td>6.5</td></tr>"
    "<tr><td>2024-03-05</td><td>Support retainer 2024</td><td>2.0</td></tr></table>\n";

constexpr std::string_view kProfileContent =
    "<h2>Your profile</h2>\n<form method=\"post\" action=\"/profile\">"
    "<p><label>Name <input name=\"name\" value=\"Pat Customer\"></label></p>"
    "<p><label>Email <input name=\"email\" type=\"email\" value=\"pat@example.com\"></label></p>"
    "<p><button type=\"submit\">Save</button></p></form>\n";

constexpr std::string_view kReviewsContent =
    "<h2>Reviews</h2>\n<blockquote>Quick delivery and a clear invoice. 5/5</blockquote>\n"
    "<form method=\"post\" action=\"/reviews\"><p><textarea name=\"review\" rows=\"3\" cols=\"40\">"
    "</textarea></p><p><button type=\"submit\">Send review</button></p></form>\n";

const DocumentKind& kind_of(RouteId id) {
  switch (id) {
    case RouteId::quotes: case RouteId::quote: case RouteId::quote_accept: case RouteId::quote_forward:
      return kQuotes;
    case RouteId::salesorders: case RouteId::salesorder: case RouteId::salesorder_forward:
      return kSalesOrders;
    default:
      return kInvoices;
  }
}

void append_document_link(std::string& out, const DocumentKind& kind, std::string_view id,
                          std::string_view suffix) {
  out += kind.path;
  out += '/';
  append_html_escaped(out, id);
  out += suffix;
}

void append_document_list(std::string& out, const DocumentKind& kind) {
  out += "<h2>";
  out += kind.plural;
  out += "</h2>\n<table class=\"documents\"><tr><th>Number</th><th>Amount</th></tr>";
  for (std::size_t i = 0; i < kind.ids.size(); ++i) {
    out += "<tr><td><a href=\"";
    append_document_link(out, kind, kind.ids[i], "");
    out += "\">";
    out += kind.ids[i];
    out += "</a></td><td>EUR ";
    out += kind.amounts[i];
    out += "</td></tr>";
  }
  out += "</table>\n";
}

void append_form(std::string& out, const DocumentKind& kind, std::string_view id,
                 std::string_view action, std::string_view fields, std::string_view button) {
  out += "<form method=\"post\" action=\"";
  append_document_link(out, kind, id, action);
  out += "\">";
  out += fields;
  out += "<button type=\"submit\">";
  out += button;
  out += "</button></form>\n";
}

void append_document_detail(std::string& out, const DocumentKind& kind, std::string_view id) {
  out += "<h2>";
  out += kind.singular;
  out += ' ';
  append_html_escaped(out, id);
  out += "</h2>\n<table class=\"document\"><tr><th>Item</th><th>Quantity</th><th>Amount</th></tr>"
         "<tr><td>Consulting</td><td>8 h</td><td>EUR 960.00</td></tr>"
         "<tr><td>Licences</td><td>3</td><td>EUR 290.00</td></tr></table>\n";
  if (&kind == &kQuotes) append_form(out, kind, id, "/accept", "", "Accept");
  append_form(out, kind, id, "/forward",
              "<input name=\"email\" type=\"email\" placeholder=\"colleague@example.com\"> ",
              "Forward");
}

void append_document_outcome(std::string& out, const DocumentKind& kind, std::string_view id,
                             std::string_view outcome) {
  out += "<h2>";
  out += kind.singular;
  out += ' ';
  append_html_escaped(out, id);
  out += ' ';
  out += outcome;
  out += "</h2>\n<p class=\"outcome\">";
  out += kind.singular;
  out += ' ';
  append_html_escaped(out, id);
  out += " was ";
  out += outcome;
  out += ".</p>\n<p><a href=\"";
  append_document_link(out, kind, id, "");
  out += "\">Back to ";
  append_html_escaped(out, id);
  out += "</a></p>\n";
}

bool is_read(const Exchange& exchange) {
  const auto method = exchange.head.method();
  return method == http::verb::get || method == http::verb::head;
}

void append_json_field(std::string& out, const boost::json::object& event, std::string_view key) {
  out += "<td>";
  if (const auto* value = event.if_contains(key)) {
    if (const auto* text = value->if_string()) append_html_escaped(out, *text);
    else append_html_escaped(out, boost::json::serialize(*value));
  }
  out += "</td>";
}

}  // namespace

std::string page_title(const Route& route, const Exchange& exchange) {
  const auto& kind = kind_of(route.id);
  auto with_id = [&](std::string_view suffix) {
    return std::string(kind.singular) + ' ' + std::string(route.object_id) + std::string(suffix);
  };
  switch (route.id) {
    case RouteId::home: return "Home";
    case RouteId::invoices: case RouteId::quotes: case RouteId::salesorders:
      return std::string(kind.plural);
    case RouteId::invoice: case RouteId::quote: case RouteId::salesorder: return with_id("");
    case RouteId::invoice_forward: case RouteId::quote_forward: case RouteId::salesorder_forward:
      return with_id(" forwarded");
    case RouteId::quote_accept: return with_id(" accepted");
    case RouteId::projects: return "Projects";
    case RouteId::timesheets: return "Timesheets";
    case RouteId::profile: return is_read(exchange) ? "Profile" : "Profile updated";
    case RouteId::reviews: return is_read(exchange) ? "Reviews" : "Review received";
    case RouteId::healthz: return "Health";
    case RouteId::stats: return "Stats";
    case RouteId::upload: return "Upload received";
    case RouteId::ws: return "WebSocket echo";
    case RouteId::portal_events: return "Webhook receiver";
    case RouteId::events: return "Activity events";
    case RouteId::not_found: return "Page not found";
  }
  return "Portal";
}

void append_page_content(std::string& out, const Route& route, const Exchange& exchange) {
  const auto& kind = kind_of(route.id);
  switch (route.id) {
    case RouteId::home: out += kHomeContent; return;
    case RouteId::invoices: case RouteId::quotes: case RouteId::salesorders:
      return append_document_list(out, kind);
    case RouteId::invoice: case RouteId::quote: case RouteId::salesorder:
      return append_document_detail(out, kind, route.object_id);
    case RouteId::invoice_forward: case RouteId::quote_forward: case RouteId::salesorder_forward:
      return append_document_outcome(out, kind, route.object_id, "forwarded");
    case RouteId::quote_accept: return append_document_outcome(out, kind, route.object_id, "accepted");
    case RouteId::projects: out += kProjectsContent; return;
    case RouteId::timesheets: out += kTimesheetsContent; return;
    case RouteId::profile:
      out += is_read(exchange) ? kProfileContent : "<h2>Profile updated</h2>\n<p>Your changes were saved.</p>\n";
      return;
    case RouteId::reviews:
      out += is_read(exchange) ? kReviewsContent : "<h2>Thank you for your review</h2>\n";
      return;
    case RouteId::ws:
      out += "<h2>WebSocket echo</h2>\n<p>Open a WebSocket to <code>/ws</code>: every message is echoed back.</p>\n";
      return;
    case RouteId::not_found:
      out += "<h2>Page not found</h2>\n<p>There is no page at <code>";
      append_html_escaped(out, exchange.target.path);
      out += "</code>.</p>\n";
      return;
    default:
      out += "<h2>";
      append_html_escaped(out, page_title(route, exchange));
      out += "</h2>\n";
  }
}

void append_method_not_allowed_content(std::string& out, const Exchange& exchange,
                                       std::string_view allowed) {
  out += "<h2>Method not allowed</h2>\n<p><code>";
  append_html_escaped(out, exchange.head.method_string());
  out += "</code> is not allowed on <code>";
  append_html_escaped(out, exchange.target.path);
  out += "</code>; allowed: ";
  out += allowed;
  out += ".</p>\n";
}

void append_events_content(std::string& out, const EventsView& view) {
  out += "<h2>Activity events</h2>\n<p>";
  out += std::to_string(view.events_total);
  out += " events in ";
  out += std::to_string(view.batches);
  out += " batches received";
  if (!view.recent_batches.empty()) {
    out += "; last signature: <code>";
    append_html_escaped(out, view.recent_batches.front().signature);
    out += "</code>";
  }
  out += ".</p>\n<table class=\"events\"><tr><th>event</th><th>org_id</th><th>portal_name</th>"
         "<th>object_id</th><th>time</th></tr>\n";
  for (const auto& event : view.events) {
    out += "<tr>";
    for (const auto key : {"event", "org_id", "portal_name", "object_id", "time"}) {
      append_json_field(out, event, key);
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

}  // namespace portico::demo
