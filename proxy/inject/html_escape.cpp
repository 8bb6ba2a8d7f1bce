// inject/html_escape: escaping and placeholder substitution for the banner. Pure: no I/O.
#include "proxy/inject/html_escape.hpp"

namespace portico::inject {
namespace {

constexpr std::string_view placeholder = "{text}";

std::string_view entity_for(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&#39;";
    default:
      return {};
  }
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 8);
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string_view entity = entity_for(text[i]);
    if (entity.empty()) continue;
    escaped.append(text.substr(plain_from, i - plain_from));
    escaped.append(entity);
    plain_from = i + 1;
  }
  escaped.append(text.substr(plain_from));
  return escaped;
}

std::string render_banner(std::string_view template_html, std::string_view text) {
  const std::string escaped = html_escape(text);
  std::string banner;
  banner.reserve(template_html.size() + escaped.size());
  std::size_t from = 0;
  // Searching the template only (never the substituted text) keeps a "{text}" typed by the
  // tenant literal and the work linear.
  for (std::size_t at = template_html.find(placeholder); at != std::string_view::npos;
       at = template_html.find(placeholder, from)) {
    banner.append(template_html.substr(from, at - from));
    banner.append(escaped);
    from = at + placeholder.size();
  }
  banner.append(template_html.substr(from));
  return banner;
}

}  // namespace portico::inject
