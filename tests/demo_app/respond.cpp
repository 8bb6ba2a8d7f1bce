// demo_app/respond: route -> Reply. Bodies are built as an "open" document (HTML before its
// closing tags, JSON before its closing brace) so ?size= filler can be spliced in at the end.
#include "tests/demo_app/respond.hpp"

#include "tests/demo_app/pages.hpp"
#include "tests/demo_app/render.hpp"

#include <boost/json/serialize.hpp>

namespace portico::demo {
namespace {

enum class BodyKind { html, json, text };

void append_html_page(Reply& reply, const Route& route, const Exchange& exchange) {
  reply.head.reserve(4096);
  append_document_start(reply.head, exchange, page_title(route, exchange));
  append_page_content(reply.head, route, exchange);
  append_received_and_close_main(reply.head, exchange);
}

BodyKind echo_json(Reply& reply, const Route& route, const Exchange& exchange) {
  reply.content_type = kJsonType;
  append_echo_json_open(reply.head, exchange, route_name(route.id), route.object_id);
  return BodyKind::json;
}

BodyKind page_or_echo(Reply& reply, const Route& route, const Exchange& exchange) {
  if (exchange.wants_json()) return echo_json(reply, route, exchange);
  append_html_page(reply, route, exchange);
  return BodyKind::html;
}

BodyKind stats_json(Reply& reply, const Stats& stats) {
  reply.content_type = kJsonType;
  reply.head = "{\"accepts\":" + std::to_string(stats.accepts.load(std::memory_order_relaxed)) +
               ",\"requests\":" + std::to_string(stats.requests.load(std::memory_order_relaxed)) +
               ",\"open_connections\":" +
               std::to_string(stats.open_connections.load(std::memory_order_relaxed));
  return BodyKind::json;
}

BodyKind events_listing(Reply& reply, const Route& route, const Exchange& exchange, const EventStore& store) {
  const auto view = store.view();
  if (!exchange.wants_json()) {
    append_document_start(reply.head, exchange, page_title(route, exchange));
    append_events_content(reply.head, view);
    append_received_and_close_main(reply.head, exchange);
    return BodyKind::html;
  }
  reply.content_type = kJsonType;
  auto& out = reply.head;
  out = "{\"batches\":" + std::to_string(view.batches) +
        ",\"events_total\":" + std::to_string(view.events_total) + ",\"events\":[";
  for (std::size_t i = 0; i < view.events.size(); ++i) {
    if (i != 0) out += ',';
    out += boost::json::serialize(view.events[i]);
  }
  out += "],\"batch_log\":[";
  for (std::size_t i = 0; i < view.recent_batches.size(); ++i) {
    const auto& batch = view.recent_batches[i];
    out += i == 0 ? "{\"batch\":" : ",{\"batch\":";
    out += std::to_string(batch.sequence);
    out += ",\"signature\":";
    append_json_string(out, batch.signature);
    out += ",\"events\":";
    out += std::to_string(batch.events);
    out += '}';
  }
  out += ']';
  return BodyKind::json;
}

BodyKind receive_events(Reply& reply, const Exchange& exchange, EventStore& store) {
  if (exchange.json_body == nullptr || !EventStore::is_valid_batch(*exchange.json_body)) {
    reply.status = http::status::bad_request;
    reply.content_type = kJsonType;
    reply.head = "{\"error\":\"the body must be a JSON array of event objects\"";
    return BodyKind::json;
  }
  // A steered failure (?status=503) must look like an outage: nothing is stored.
  const unsigned final_status = exchange.steering.status != 0 ? exchange.steering.status : 204;
  if (final_status >= 200 && final_status < 300) {
    store.add_batch(*exchange.json_body, exchange.header("X-Portal-Signature"));
  }
  reply.status = http::status::no_content;
  return BodyKind::text;
}

BodyKind method_not_allowed(Reply& reply, const Route& route, const Exchange& exchange) {
  const auto allowed = allowed_methods(route.id);
  reply.status = http::status::method_not_allowed;
  reply.add_header("Allow", allowed);
  if (exchange.wants_json()) return echo_json(reply, route, exchange);
  append_document_start(reply.head, exchange, "Method not allowed");
  append_method_not_allowed_content(reply.head, exchange, allowed);
  append_received_and_close_main(reply.head, exchange);
  return BodyKind::html;
}

BodyKind build_body(Reply& reply, const Route& route, const Exchange& exchange, AppState& app) {
  if (!method_allowed(route.id, exchange.head.method())) return method_not_allowed(reply, route, exchange);
  switch (route.id) {
    case RouteId::healthz:
      if (exchange.wants_json()) return echo_json(reply, route, exchange);
      reply.content_type = kTextType;
      reply.head = "ok";
      return BodyKind::text;
    case RouteId::stats: return stats_json(reply, app.stats);
    case RouteId::upload:
      if (exchange.steering.format == Format::html) return page_or_echo(reply, route, exchange);
      return echo_json(reply, route, exchange);
    case RouteId::portal_events: return receive_events(reply, exchange, app.events);
    case RouteId::events: return events_listing(reply, route, exchange, app.events);
    case RouteId::quote_accept: {
      std::string activity = "quote.accepted; id=";
      activity += route.object_id;
      reply.add_header("X-Portal-Activity", activity);
      return page_or_echo(reply, route, exchange);
    }
    case RouteId::not_found:
      reply.status = http::status::not_found;
      return page_or_echo(reply, route, exchange);
    default: return page_or_echo(reply, route, exchange);
  }
}

// Closes the open document, putting `size` filler bytes where they cannot break it:
// an HTML comment after <main>, a "filler" JSON member, or plain bytes after the text.
void close_body(Reply& reply, BodyKind kind, std::uint64_t size) {
  reply.filler = size;
  switch (kind) {
    case BodyKind::html:
      if (size == 0) {
        reply.head += kDocumentEnd;
      } else {
        reply.head += "<!-- filler ";
        reply.tail = " -->\n";
        reply.tail += kDocumentEnd;
      }
      return;
    case BodyKind::json:
      if (size == 0) {
        reply.head += '}';
      } else {
        reply.head += ",\"filler\":\"";
        reply.tail = "\"}";
      }
      return;
    case BodyKind::text: return;
  }
}

bool etag_matches(const Exchange& exchange, std::string_view etag) {
  const auto condition = exchange.head[http::field::if_none_match];
  if (condition.empty()) return false;
  return condition == "*" || std::string_view(condition).find(etag) != std::string_view::npos;
}

void apply_steering(Reply& reply, const Route& route, const Exchange& exchange) {
  const auto& steering = exchange.steering;
  const auto method = exchange.head.method();
  if (steering.etag) {
    std::string etag = "\"v1-";
    etag += route_name(route.id);
    etag += '"';
    reply.add_header("ETag", etag);
    const bool read = method == http::verb::get || method == http::verb::head;
    if (read && reply.status == http::status::ok && etag_matches(exchange, etag)) {
      reply.status = http::status::not_modified;
    }
  }
  if (steering.status != 0) reply.status = static_cast<http::status>(steering.status);
  reply.chunked = steering.chunked;
  if (!reply.has_body()) {
    reply.head.clear();
    reply.tail.clear();
    reply.filler = 0;
    reply.chunked = false;
  }
}

}  // namespace

Reply respond(const Route& route, const Exchange& exchange, AppState& app) {
  Reply reply;
  const auto kind = build_body(reply, route, exchange, app);
  close_body(reply, kind, exchange.steering.size);
  apply_steering(reply, route, exchange);
  return reply;
}

Reply bad_request_reply(http::status status, std::string_view reason) {
  Reply reply;
  reply.status = status;
  reply.content_type = kTextType;
  reply.head = reason;
  reply.head += '\n';
  reply.persistence = Persistence::close;
  return reply;
}

}  // namespace portico::demo
