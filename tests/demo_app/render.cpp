// demo_app/render: escaping, the document frame and the JSON echo.
// Static parts are compile-time constants so the hot home page only appends.
#include "tests/demo_app/render.hpp"


namespace portico::demo {
namespace {

constexpr std::string_view kDocumentHead =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";

constexpr std::string_view kStyleAndBody =
    " | Customer portal</title>\n<style>"
    "body{font-family:system-ui,sans-serif;margin:0;color:#222}"
    "header{background:#1f3b57;color:#fff;padding:.8em 1.5em}header h1{margin:0;font-size:1.3em}"
    "nav a{color:#cfe3f7;margin-right:1em}main{padding:1em 1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}"
    ".received{margin-top:2em;font-size:.9em}footer{padding:1em 1.5em;color:#888}"
    "</style></head>\n<body class=\"portal\">\n<header>";

constexpr std::string_view kNav =
    "<nav><a href=\"/\">Home</a><a href=\"/invoices\">Invoices</a><a href=\"/quotes\">Quotes</a>"
    "<a href=\"/salesorders\">Sales orders</a><a href=\"/projects\">Projects</a>"
    "<a href=\"/timesheets\">Timesheets</a><a href=\"/reviews\">Reviews</a>"
    "<a href=\"/profile\">Profile</a><a href=\"/events\">Events</a></nav></header>\n<main>\n";

bool is_context_header(std::string_view name) {
  auto starts_with = [name](std::string_view prefix) {
    if (name.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      const char c = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] + 32) : name[i];
      if (c != prefix[i]) return false;
    }
    return true;
  };
  return starts_with("x-portal-") || starts_with("x-forwarded-") ||
         (name.size() == 9 && starts_with("forwarded")) ||
         (name.size() == 12 && starts_with("x-request-id"));
}

// HEAD is shown as GET so a HEAD's Content-Length is exactly that of the GET it mirrors.
std::string_view shown_method(const RequestHead& head) {
  return head.method() == http::verb::head ? std::string_view("GET") : std::string_view(head.method_string());
}

void append_row(std::string& out, std::string_view name, std::string_view value) {
  out += "<tr><th>";
  append_html_escaped(out, name);
  out += "</th><td>";
  append_html_escaped(out, value);
  out += "</td></tr>\n";
}

// Length of the valid UTF-8 sequence at text[i], or 0 if the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned min_second = 0x80, max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) min_second = 0xa0;
    if (lead == 0xed) max_second = 0x9f;  // no UTF-16 surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) min_second = 0x90;
    if (lead == 0xf4) max_second = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

void append_unicode_escape(std::string& out, unsigned char c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\u00";
  out += kDigits[c >> 4];
  out += kDigits[c & 0xf];
}

}  // namespace

void append_html_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (const auto length = utf8_sequence_length(text, i); length != 0) {
        out.append(text.substr(i, length));
        i += length;
      } else {
        append_unicode_escape(out, c);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) append_unicode_escape(out, c);
        else out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void append_document_start(std::string& out, const Exchange& exchange, std::string_view title) {
  out += kDocumentHead;
  append_html_escaped(out, title);
  out += kStyleAndBody;
  const auto org_id = exchange.header("X-Portal-Org-Id");
  if (org_id.empty()) {
    out += "<h1>Portal (no organization context)</h1>";
  } else {
    out += "<h1>Portal of org ";
    append_html_escaped(out, org_id);
    out += " (";
    append_html_escaped(out, exchange.header("X-Portal-Name"));
    out += ")</h1>";
  }
  out += kNav;
}

void append_received_and_close_main(std::string& out, const Exchange& exchange) {
  const auto& head = exchange.head;
  out += "<section class=\"received\"><h2>What the portal received</h2>\n<table class=\"context\">\n";
  append_row(out, "Method", shown_method(head));
  append_row(out, "Target", head.target());
  append_row(out, "Body bytes", std::to_string(exchange.body.bytes));
  append_row(out, "Body FNV-1a", exchange.body.hex());
  bool any_context = false;
  for (const auto& field : head) {
    if (!is_context_header(field.name_string())) continue;
    append_row(out, field.name_string(), field.value());
    any_context = true;
  }
  if (!any_context) out += "<tr><td colspan=\"2\">(no portal context headers)</td></tr>\n";
  out += "</table></section>\n</main>\n";
}

void append_echo_json_open(std::string& out, const Exchange& exchange, std::string_view route,
                           std::string_view object_id) {
  const auto& head = exchange.head;
  out += "{\"method\":";
  append_json_string(out, shown_method(head));
  out += ",\"target\":";
  append_json_string(out, head.target());
  out += head.version() == 10 ? ",\"version\":\"1.0\"" : ",\"version\":\"1.1\"";
  out += ",\"headers\":[";
  bool first = true;
  for (const auto& field : head) {
    out += first ? "[" : ",[";
    first = false;
    append_json_string(out, field.name_string());
    out += ',';
    append_json_string(out, field.value());
    out += ']';
  }
  out += "],\"body_bytes\":";
  out += std::to_string(exchange.body.bytes);
  out += ",\"body_fnv1a\":\"";
  out += exchange.body.hex();
  out += "\",\"route\":";
  append_json_string(out, route);
  if (!object_id.empty()) {
    out += ",\"id\":";
    append_json_string(out, object_id);
  }
}

}  // namespace portico::demo
