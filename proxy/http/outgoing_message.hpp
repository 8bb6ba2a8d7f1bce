// http/outgoing_message: the bytes Portico sends for a message, head and body pieces, written
// by Portico itself rather than through Beast's serializer. Why: the serializer drives every
// write through layers of buffer views (buffers_cat_view over the start line, each field and
// the chunk framing, then prefix/suffix views of that): callgrind counted ~40% of all the
// instructions of a proxied request in the two serializer writes (the head to the upstream,
// the response to the client). Here a head is one string and a body piece at most four
// buffers, sent with one plain gather write. The bytes are the ones the serializer wrote:
// start line, each field as stored ("Name: value"), a blank line; a body framed as the head
// declares (Transfer-Encoding: chunked gets chunk framing, anything else goes as is).
// Pure: no I/O.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace portico::http {

// Appends the head as it goes on the wire: start line, fields in their order, blank line.
void append_head(const boost::beast::http::request_header<>& head, std::string& out);
void append_head(const boost::beast::http::response_header<>& head, std::string& out);

// The pieces of a head, for a head written without a Beast header (context_headers.hpp):
// "METHOD target HTTP/x.y" CRLF; "HTTP/x.y status reason" CRLF (an empty reason: the
// standard one); "Name: value" CRLF; the blank line that ends the head.
void append_request_line(std::string_view method, std::string_view target, unsigned version,
                         std::string& out);
void append_status_line(unsigned version, unsigned status, std::string_view reason, std::string& out);
void append_field_line(std::string_view name, std::string_view value, std::string& out);
void append_head_end(std::string& out);

// What one gather write sends: what is still pending of the head, then one body piece
// framed as the head declared, and for the last piece of a chunked body the last chunk. A
// local; the views must outlive the write.
class OutgoingPiece {
 public:
  OutgoingPiece(std::string_view head, std::string_view body, bool chunked, bool last);
  std::span<const boost::asio::const_buffer> buffers() const { return {buffers_.data(), count_}; }
  bool empty() const { return count_ == 0; }

 private:
  std::array<boost::asio::const_buffer, 5> buffers_;
  std::size_t count_ = 0;
  char size_line_[2 * sizeof(std::size_t) + 2] = {};  // hex digits, CRLF
};

}  // namespace portico::http
