// Unit: HeadScanner finds the end of a head and refuses bad bytes as they arrive, fed whole
// and one byte at a time.
#include "proxy/http/head_scanner.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::http {
namespace {

using namespace std::string_literals;
using State = HeadScan::State;

// Feeds `bytes` one byte more at a time (as a trickling client would) and returns the first
// result that is not need_more, or the last one.
HeadScan scan_trickled(HeadKind kind, std::size_t max_bytes, const std::string& bytes) {
  HeadScanner scanner(kind, max_bytes);
  HeadScan scan;
  for (std::size_t n = 1; n <= bytes.size(); ++n) {
    scan = scanner.scan(std::string_view(bytes).substr(0, n));
    if (scan.state != State::need_more) return scan;
  }
  return scan;
}

HeadScan scan_whole(HeadKind kind, std::size_t max_bytes, const std::string& bytes) {
  HeadScanner scanner(kind, max_bytes);
  return scanner.scan(bytes);
}

const std::string simple = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";

TEST(HeadScanner, FindsTheEndOfAHeadWholeAndTrickled) {
  for (auto scan : {scan_whole(HeadKind::request, 1024, simple + "NEXT"),
                    scan_trickled(HeadKind::request, 1024, simple + "NEXT")}) {
    ASSERT_EQ(scan.state, State::complete);
    EXPECT_EQ(scan.begin, 0u);
    EXPECT_EQ(scan.end, simple.size());
  }
}

TEST(HeadScanner, NeedsMoreUntilTheBlankLine) {
  HeadScanner scanner(HeadKind::request, 1024);
  EXPECT_EQ(scanner.scan("GET / HTTP/1.1\r\nHost: a\r\n").state, State::need_more);
  EXPECT_EQ(scanner.scan("GET / HTTP/1.1\r\nHost: a\r\n\r").state, State::need_more);
  EXPECT_EQ(scanner.scan("GET / HTTP/1.1\r\nHost: a\r\n\r\n").state, State::complete);
}

TEST(HeadScanner, SkipsEmptyLinesBeforeARequestButNotBeforeAResponse) {
  std::string request = "\r\n\r\n" + simple;
  auto scan = scan_trickled(HeadKind::request, 1024, request);
  ASSERT_EQ(scan.state, State::complete);
  EXPECT_EQ(scan.begin, 4u);
  EXPECT_EQ(scan.end, request.size());
  auto response = scan_whole(HeadKind::response, 1024, "\r\nHTTP/1.1 200 OK\r\n\r\n");
  ASSERT_EQ(response.state, State::invalid);
  EXPECT_EQ(response.error, FramingError::leading_empty_line);
}

struct BadBytes {
  std::string name;
  std::string bytes;
  FramingError error;
};

TEST(HeadScanner, RefusesBadBytesAsSoonAsTheyArrive) {
  const std::vector<BadBytes> cases{
      {"bare LF ends the request line", "GET / HTTP/1.1\nHost: a\n\n", FramingError::bare_lf},
      {"bare LF ends a field line", "GET / HTTP/1.1\r\nHost: a\n\r\n", FramingError::bare_lf},
      {"bare LF blank line", "GET / HTTP/1.1\r\nHost: a\r\n\n", FramingError::bare_lf},
      {"bare CR inside a value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", FramingError::bare_cr},
      {"bare CR line end", "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", FramingError::bare_cr},
      {"NUL in a value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s, FramingError::control_character},
      {"NUL in a name", "GET / HTTP/1.1\r\nX\0: a\r\n\r\n"s, FramingError::control_character},
      {"vertical tab", "GET / HTTP/1.1\r\nX: a\x0b\r\n\r\n", FramingError::control_character},
      {"DEL", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", FramingError::control_character},
      {"escape in target", "GET /\x1b HTTP/1.1\r\n\r\n", FramingError::control_character},
      {"obs-fold with SP", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", FramingError::obs_fold},
      {"obs-fold with HTAB", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", FramingError::obs_fold},
      {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
       FramingError::obs_fold},
  };
  for (const auto& bad : cases) {
    for (auto scan : {scan_whole(HeadKind::request, 1024, bad.bytes),
                      scan_trickled(HeadKind::request, 1024, bad.bytes)}) {
      ASSERT_EQ(scan.state, State::invalid) << bad.name;
      EXPECT_EQ(scan.error, bad.error) << bad.name << ": " << name_of(*scan.error);
    }
  }
}

TEST(HeadScanner, BareLfIsRefusedWithoutWaitingForMoreBytes) {
  // A client using LF line ends must not be left waiting for header_timeout.
  HeadScanner scanner(HeadKind::request, 1024);
  auto scan = scanner.scan("GET / HTTP/1.1\n");
  EXPECT_EQ(scan.state, State::invalid);
}

TEST(HeadScanner, LimitCountsTheWholeHeadBlankLineIncluded) {
  EXPECT_EQ(scan_whole(HeadKind::request, simple.size(), simple).state, State::complete);
  auto over = scan_whole(HeadKind::request, simple.size() - 1, simple);
  ASSERT_EQ(over.state, State::invalid);
  EXPECT_EQ(over.error, FramingError::head_too_large);
}

TEST(HeadScanner, TellsAnOverlongStartLineFromAnOverlargeHead) {
  std::string long_line = "GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n";
  auto line = scan_trickled(HeadKind::request, 100, long_line);
  ASSERT_EQ(line.state, State::invalid);
  EXPECT_EQ(line.error, FramingError::start_line_too_long);
  std::string big_head = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  auto head = scan_trickled(HeadKind::request, 100, big_head);
  ASSERT_EQ(head.state, State::invalid);
  EXPECT_EQ(head.error, FramingError::head_too_large);
  EXPECT_EQ(request_error_for(*line.error), core::ProxyError::uri_too_long);
  EXPECT_EQ(request_error_for(*head.error), core::ProxyError::header_too_large);
}

// Runs of ordinary bytes are skipped in a tight loop: it must stop exactly where the byte
// by byte checks would (the limit, a bad byte deep inside a run, a line's end).
TEST(HeadScanner, LongRunsGiveTheSameVerdictWholeAsTrickled) {
  const std::string head =
      "GET /" + std::string(300, 'a') + " HTTP/1.1\r\nX-Long: " + std::string(300, 'b') + "\r\n\r\n";
  for (std::size_t limit = 290; limit <= head.size() + 1; ++limit) {
    auto whole = scan_whole(HeadKind::request, limit, head);
    auto trickled = scan_trickled(HeadKind::request, limit, head);
    ASSERT_EQ(whole.state, trickled.state) << limit;
    EXPECT_EQ(whole.error, trickled.error) << limit;
    EXPECT_EQ(whole.state, limit >= head.size() ? State::complete : State::invalid) << limit;
  }
  for (std::size_t at : {std::size_t{6}, std::size_t{200}, std::size_t{320}, head.size() - 6}) {
    std::string bad = head;
    bad[at] = '\x01';
    auto scan = scan_whole(HeadKind::request, 4096, bad);
    ASSERT_EQ(scan.state, State::invalid) << at;
    EXPECT_EQ(scan.error, FramingError::control_character) << at;
  }
}

TEST(HeadScanner, BytesPastTheHeadAreNotItsBusiness) {
  // A body or a pipelined request may hold any byte.
  std::string bytes = simple + "\0\n\r\x7f"s;
  auto scan = scan_whole(HeadKind::request, 1024, bytes);
  ASSERT_EQ(scan.state, State::complete);
  EXPECT_EQ(scan.end, simple.size());
}

TEST(HeadScanner, ResultIsStickyAndResumesWhereItStopped) {
  HeadScanner scanner(HeadKind::response, 1024);
  std::string head = "HTTP/1.1 204 No Content\r\n\r\n";
  EXPECT_EQ(scanner.scan(std::string_view(head).substr(0, 10)).state, State::need_more);
  auto done = scanner.scan(head);
  ASSERT_EQ(done.state, State::complete);
  EXPECT_EQ(scanner.scan(head + "more").end, done.end);
}

}  // namespace
}  // namespace portico::http
