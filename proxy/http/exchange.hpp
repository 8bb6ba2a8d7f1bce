// http/exchange: one request on a client connection, as a short list of phases
// (DESIGN §2-§4). The session runs exchanges one after another on its connection.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <string>

#include "proxy/http/worker_context.hpp"

namespace portico::http {

// What the session knows about its client connection.
struct ClientSide {
  std::string address;      // peer IP, no port
  bool tls = false;         // arrived on an https listener
  std::string sni;          // normalized SNI of this connection's handshake ("" = none)
  std::uint16_t local_port = 0;
  std::uint16_t https_port = 0;  // for http -> https redirects; 0 = no https listener
};

enum class AfterExchange { keep_alive, close };

// Reads one request from `buffer`/`stream` and answers it: locally (error, redirect) or by
// forwarding it upstream. The head must already be (partly) in `buffer` or arrive within
// [limits] header_timeout. Never throws.
template <class Stream>
boost::asio::awaitable<AfterExchange> run_exchange(WorkerContext& worker, Stream& stream,
                                                   boost::beast::flat_buffer& buffer,
                                                   const ClientSide& client);

}  // namespace portico::http
