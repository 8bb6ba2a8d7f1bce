// http/outgoing_message: heads and chunk framing, byte for byte what Beast's serializer wrote.
#include "proxy/http/outgoing_message.hpp"

#include <boost/beast/http/status.hpp>

namespace portico::http {
namespace bhttp = boost::beast::http;
namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";  // no trailers: Portico relays none

void append_version(unsigned version, std::string& out) {
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
}

void append_fields(const bhttp::fields& fields, std::string& out) {
  std::size_t size = out.size() + crlf.size();
  for (const auto& field : fields) size += field.name_string().size() + 2 + field.value().size() + crlf.size();
  out.reserve(size);  // one allocation at most, not one per doubling
  for (const auto& field : fields) append_field_line(field.name_string(), field.value(), out);
  append_head_end(out);
}

}  // namespace

void append_request_line(std::string_view method, std::string_view target, unsigned version,
                         std::string& out) {
  out += method;
  out += ' ';
  out += target;
  out += ' ';
  append_version(version, out);
  out += crlf;
}

void append_field_line(std::string_view name, std::string_view value, std::string& out) {
  out += name;
  out += ": ";
  out += value;
  out += crlf;
}

void append_head_end(std::string& out) { out += crlf; }

void append_head(const bhttp::request_header<>& head, std::string& out) {
  append_request_line(head.method_string(), head.target(), head.version(), out);
  append_fields(head, out);
}

void append_status_line(unsigned version, unsigned status, std::string_view reason, std::string& out) {
  append_version(version, out);
  out += ' ';
  out += static_cast<char>('0' + status / 100);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  // As Beast: the reason the message carries, else the standard one for the status.
  if (reason.empty()) reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  out += reason;
  out += crlf;
}

void append_head(const bhttp::response_header<>& head, std::string& out) {
  append_status_line(head.version(), head.result_int(), head.reason(), out);
  append_fields(head, out);
}

OutgoingPiece::OutgoingPiece(std::string_view head, std::string_view body, bool chunked, bool last) {
  if (!head.empty()) buffers_[count_++] = boost::asio::buffer(head);
  if (!body.empty()) {
    if (chunked) {
      static constexpr char digits[] = "0123456789abcdef";
      char reversed[2 * sizeof(std::size_t)];
      std::size_t length = 0;
      for (std::size_t size = body.size(); size != 0; size >>= 4) reversed[length++] = digits[size & 0xf];
      for (std::size_t i = 0; i < length; ++i) size_line_[i] = reversed[length - 1 - i];
      size_line_[length] = '\r';
      size_line_[length + 1] = '\n';
      buffers_[count_++] = boost::asio::buffer(size_line_, length + 2);
      buffers_[count_++] = boost::asio::buffer(body);
      buffers_[count_++] = boost::asio::buffer(crlf);
    } else {
      buffers_[count_++] = boost::asio::buffer(body);
    }
  }
  if (chunked && last) buffers_[count_++] = boost::asio::buffer(last_chunk);
}

}  // namespace portico::http
