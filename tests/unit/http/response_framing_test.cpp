// Unit: the upstream response-head checks and the connection reuse decision.
#include "proxy/http/response_framing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/http/head_scanner.hpp"

namespace portico::http {
namespace {

std::optional<FramingError> check(const std::string& bytes) {
  HeadScanner scanner(HeadKind::response, max_response_head_bytes);
  HeadScan scan = scanner.scan(bytes);
  if (scan.state == HeadScan::State::invalid) return scan.error;
  if (scan.state != HeadScan::State::complete) {
    ADD_FAILURE() << "incomplete head: " << bytes;
    return FramingError::bad_start_line;
  }
  return validate_response_head(std::string_view(bytes).substr(scan.begin, scan.end - scan.begin));
}

std::string reply(const std::string& status_line, const std::string& fields = "") {
  return status_line + "\r\nServer: app\r\n" + fields + "\r\n";
}

TEST(ResponseFraming, AcceptsOrdinaryResponses) {
  const std::vector<std::string> good{
      reply("HTTP/1.1 200 OK", "Content-Length: 5\r\n"),
      reply("HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\n"),
      reply("HTTP/1.1 200 OK"),  // close-delimited
      reply("HTTP/1.1 204 No Content"),
      reply("HTTP/1.1 304 Not Modified", "Content-Length: 1234\r\n"),
      reply("HTTP/1.1 404 "),  // empty reason
      reply("HTTP/1.1 100 Continue"),
      reply("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket\r\n"),
      reply("HTTP/1.0 200 OK", "Content-Length: 5\r\n"),
      reply("HTTP/1.1 599 Whatever \t reason"),
  };
  for (const auto& head : good) {
    auto error = check(head);
    EXPECT_FALSE(error) << head << " -> " << name_of(*error);
  }
}

struct Case {
  std::string name;
  std::string head;
  FramingError error;
};

TEST(ResponseFraming, RefusesEveryBadShape) {
  const std::vector<Case> cases{
      {"garbage status line", "SSH-2.0-OpenSSH_9.2\r\n\r\n", FramingError::bad_start_line},
      {"no reason separator", reply("HTTP/1.1 200"), FramingError::bad_start_line},
      {"two digit status", reply("HTTP/1.1 20 OK"), FramingError::bad_start_line},
      {"four digit status", reply("HTTP/1.1 2000 OK"), FramingError::bad_start_line},
      {"status 099", reply("HTTP/1.1 099 Low"), FramingError::bad_status},
      {"status 600", reply("HTTP/1.1 600 High"), FramingError::bad_status},
      {"letters in status", reply("HTTP/1.1 2x0 OK"), FramingError::bad_status},
      {"HTTP/2.0", reply("HTTP/2.0 200 OK"), FramingError::bad_version},
      {"lowercase version", reply("http/1.1 200 OK"), FramingError::bad_version},
      {"leading empty line", "\r\n" + reply("HTTP/1.1 200 OK"), FramingError::leading_empty_line},
      {"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", FramingError::bare_lf},
      {"obs-fold", reply("HTTP/1.1 200 OK", "X-A: 1\r\n 2\r\n"), FramingError::obs_fold},
      {"space before colon", reply("HTTP/1.1 200 OK", "Content-Length : 5\r\n"),
       FramingError::whitespace_before_colon},
      {"NUL", reply("HTTP/1.1 200 OK", std::string("X-A: \0\r\n", 8)),
       FramingError::control_character},
      {"CL and TE", reply("HTTP/1.1 200 OK", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
       FramingError::content_length_with_transfer_encoding},
      {"TE gzip", reply("HTTP/1.1 200 OK", "Transfer-Encoding: gzip\r\n"),
       FramingError::unsupported_transfer_encoding},
      {"TE gzip, chunked", reply("HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked\r\n"),
       FramingError::unsupported_transfer_encoding},
      {"CL repeated", reply("HTTP/1.1 200 OK", "Content-Length: 5\r\nContent-Length: 5\r\n"),
       FramingError::repeated_content_length},
      {"CL list", reply("HTTP/1.1 200 OK", "Content-Length: 5,5\r\n"),
       FramingError::bad_content_length},
      {"CL signed", reply("HTTP/1.1 200 OK", "Content-Length: +5\r\n"),
       FramingError::bad_content_length},
      {"chunked HTTP/1.0", reply("HTTP/1.0 200 OK", "Transfer-Encoding: chunked\r\n"),
       FramingError::chunked_on_http10},
      {"1xx with CL", reply("HTTP/1.1 103 Early Hints", "Content-Length: 10\r\n"),
       FramingError::interim_with_body},
      {"1xx chunked", reply("HTTP/1.1 100 Continue", "Transfer-Encoding: chunked\r\n"),
       FramingError::interim_with_body},
  };
  for (const auto& bad : cases) {
    auto error = check(bad.head);
    ASSERT_TRUE(error) << bad.name << " was accepted";
    EXPECT_EQ(*error, bad.error) << bad.name << ": got " << name_of(*error);
  }
}

TEST(ResponseFraming, HugeHeadIsRefused) {
  std::string head =
      reply("HTTP/1.1 200 OK", "X-Big: " + std::string(max_response_head_bytes, 'a') + "\r\n");
  auto error = check(head);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, FramingError::head_too_large);
}

UpstreamResponseEnd clean_end() {
  UpstreamResponseEnd end;
  end.request_complete = true;
  end.status = 200;
  end.declared_body = true;
  end.response_complete = true;
  end.keep_alive = true;
  return end;
}

TEST(UpstreamReuse, ACleanlyEndedResponseIsReused) { EXPECT_TRUE(may_reuse_upstream(clean_end())); }

TEST(UpstreamReuse, NeverAfterAResponseWhoseEndIsInDoubt) {
  auto leftover = clean_end();
  leftover.leftover_bytes = 1;
  EXPECT_FALSE(may_reuse_upstream(leftover));
  auto head = clean_end();
  head.request_was_head = true;
  EXPECT_FALSE(may_reuse_upstream(head));
  for (unsigned status : {204u, 304u}) {
    auto announced = clean_end();
    announced.status = status;
    EXPECT_FALSE(may_reuse_upstream(announced)) << status;
    announced.declared_body = false;
    EXPECT_TRUE(may_reuse_upstream(announced)) << status;
  }
  auto cut = clean_end();
  cut.response_complete = false;
  EXPECT_FALSE(may_reuse_upstream(cut));
  auto closing = clean_end();
  closing.keep_alive = false;
  EXPECT_FALSE(may_reuse_upstream(closing));
  auto unsent = clean_end();
  unsent.request_complete = false;
  EXPECT_FALSE(may_reuse_upstream(unsent));
}

}  // namespace
}  // namespace portico::http
