// tls/client_hello: the SNI name of a ClientHello read from the socket before OpenSSL sees
// it, so a handshake for a custom domain without a certificate can wait for one (the bytes
// are then handed to the TLS engine unchanged). Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::tls {

inline constexpr std::size_t tls_record_header = 5;

// The size (header included) of the first TLS record in `bytes` (at least 5 bytes), or 0
// when it is not a handshake record (the engine will refuse it by itself).
std::size_t first_record_size(std::string_view bytes);

// The normalized server_name of the ClientHello in `record` (one whole record, header
// included), or "" when it has none or cannot be read from this record alone (a ClientHello
// split over records): the handshake then goes on without waiting.
std::string client_hello_sni(std::string_view record);

}  // namespace portico::tls
