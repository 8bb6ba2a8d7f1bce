// demo_app/respond: builds the Reply for one exchange: the route's page or JSON, method
// checks, then the steering parameters (status, size, etag, chunked). Synchronous: the
// session has already read the body and will do any delay and the writing.
#pragma once

#include "tests/demo_app/app_state.hpp"
#include "tests/demo_app/exchange.hpp"
#include "tests/demo_app/reply.hpp"
#include "tests/demo_app/routes.hpp"

namespace portico::demo {

// Never throws for bad input: a malformed webhook body is a 400 reply, not an error.
// Side effect: a valid POST /portal-events batch is stored when its final status is 2xx.
Reply respond(const Route& route, const Exchange& exchange, AppState& app);

// Minimal close-delimited error for requests that could not be parsed (400, 431, 413).
Reply bad_request_reply(boost::beast::http::status status, std::string_view reason);

}  // namespace portico::demo
