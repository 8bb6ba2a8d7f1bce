// http/local_response: small error pages, JSON errors and redirects.
#include "proxy/http/local_response.hpp"

#include <boost/beast/http/rfc7230.hpp>
#include <charconv>

#include "proxy/core/http_date.hpp"
#include "proxy/inject/html_escape.hpp"
#include "proxy/observe/log.hpp"

namespace portico::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace {

std::string escape_json(std::string_view text) {
  std::string out;
  observe::append_json_escaped(out, text);
  return out;
}

LocalResponse base_response(unsigned status, const LocalResponseOptions& options) {
  LocalResponse response{static_cast<bhttp::status>(status), options.version};
  response.set(bhttp::field::server, "portico");
  response.set(bhttp::field::date, core::http_date_now());
  response.set("X-Request-Id", options.request_id);
  response.set(bhttp::field::cache_control, "no-store");
  if (!options.hsts.empty()) response.set(bhttp::field::strict_transport_security, options.hsts);
  response.keep_alive(options.keep_alive);
  return response;
}

void finish_body(LocalResponse& response, std::string body, const LocalResponseOptions& options) {
  response.content_length(body.size());
  if (!options.head) response.body() = std::move(body);
}

double quality(std::string_view params) {
  // params like ";q=0.5" (possibly with spaces and other params)
  auto q = params.find("q=");
  if (q == std::string_view::npos) return 1.0;
  double value = 1.0;
  auto text = params.substr(q + 2);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} ? value : 1.0;
}

}  // namespace

bool prefers_json(std::string_view accept) {
  double json = 0, html = 0;
  std::size_t start = 0;
  while (start <= accept.size()) {
    auto end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    auto item = accept.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto semicolon = item.find(';');
    auto type = item.substr(0, semicolon);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    double q = semicolon == std::string_view::npos ? 1.0 : quality(item.substr(semicolon));
    if (beast::iequals(type, "application/json")) json = std::max(json, q);
    if (beast::iequals(type, "text/html")) html = std::max(html, q);
    start = end + 1;
  }
  return json > 0 && json > html;
}

LocalResponse make_error_response(core::ProxyError error, unsigned status,
                                  const LocalResponseOptions& options) {
  LocalResponse response = base_response(status, options);
  std::string_view reason = core::reason_for(error);
  if (error == core::ProxyError::upstream_unavailable || error == core::ProxyError::draining) {
    response.set(bhttp::field::retry_after, "5");
  }
  if (options.wants_json) {
    response.set(bhttp::field::content_type, "application/json");
    finish_body(response,
                "{\"status\":" + std::to_string(status) + ",\"error\":\"" +
                    std::string(core::name_of(error)) + "\",\"reason\":\"" + escape_json(reason) +
                    "\",\"request_id\":\"" + escape_json(options.request_id) + "\"}\n",
                options);
    return response;
  }
  response.set(bhttp::field::content_type, "text/html; charset=utf-8");
  std::string title = std::to_string(status) + " " +
                      std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status)));
  finish_body(response,
              "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + inject::html_escape(title) +
                  "</title></head>\n<body><h1>" + inject::html_escape(title) + "</h1>\n<p>" +
                  inject::html_escape(reason) + "</p>\n<p><small>request id " +
                  inject::html_escape(options.request_id) + "</small></p></body></html>\n",
              options);
  return response;
}

LocalResponse make_challenge_response(std::string key_authorization, const LocalResponseOptions& options) {
  LocalResponse response = base_response(200, options);
  response.set(bhttp::field::content_type, "application/octet-stream");
  finish_body(response, std::move(key_authorization), options);
  return response;
}

LocalResponse make_redirect_response(std::string location, const LocalResponseOptions& options) {
  LocalResponse response = base_response(308, options);
  response.set(bhttp::field::content_type, "text/html; charset=utf-8");
  std::string body = "<!doctype html>\n<html><body><a href=\"" + inject::html_escape(location) +
                     "\">Moved permanently</a></body></html>\n";
  response.set(bhttp::field::location, std::move(location));
  finish_body(response, std::move(body), options);
  return response;
}

}  // namespace portico::http
