// demo_app/session: one client connection as one coroutine: read a request head, stream
// its body through a digest, answer, repeat (keep-alive and pipelining, answers in order),
// or turn into a WebSocket echo. Errors end the connection, never the process.
#pragma once

#include "tests/demo_app/app_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace portico::demo {

// Serves `socket` until the peer closes, an error or timeout occurs, or a reply closes it.
// `guard` keeps the connection counted for exactly the life of the coroutine.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, AppState& app,
                                         ConnectionGuard guard);

}  // namespace portico::demo
