// http/field_lines: splits a complete message head into its start line and its field lines
// and checks the field syntax of RFC 9110 §5 and RFC 9112 §5. Shared by the request and
// the response checks. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "proxy/http/framing_error.hpp"

namespace portico::http {

struct FieldLine {
  std::string_view name;
  std::string_view value;  // leading and trailing SP/HTAB removed
};

struct HeadLines {
  std::string_view start_line;  // without its CRLF
  std::vector<FieldLine> fields;
};

// `head`: the start line, the field lines and the blank line, each ending in CRLF (what
// HeadScanner delimits). Each field line must be `token ":" OWS value OWS`: no whitespace
// before the colon, no obs-fold, a value of VCHAR / obs-text / SP / HTAB only. Returns the
// error of the first bad line; `out` is then unspecified.
std::optional<FramingError> split_head(std::string_view head, HeadLines& out);

// RFC 9110 §5.6.2 token (method, field name, transfer coding).
bool is_token(std::string_view text) noexcept;

// ASCII case-insensitive comparison; `lowercase` must already be lowercase.
bool name_is(std::string_view name, std::string_view lowercase) noexcept;

// What a head says about its body, once its framing fields passed check_body_fields.
struct BodyFields {
  bool content_length = false;     // one valid Content-Length
  bool transfer_encoding = false;  // one Transfer-Encoding, exactly "chunked"
};

// The framing rules Portico applies to requests and responses alike (RFC 9112 §6):
// Content-Length is one field of 1*DIGIT (no list, sign, hex, whitespace inside, nor a
// value past 2^64-1), never repeated, even with the same value; Transfer-Encoding is one
// field whose value is exactly "chunked" (case-insensitive); never both; no
// Transfer-Encoding in an HTTP/1.0 message (`http10`).
std::optional<FramingError> check_body_fields(const HeadLines& lines, bool http10, BodyFields& out);

}  // namespace portico::http
