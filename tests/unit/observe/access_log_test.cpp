// Tests for observe/access_log: lines are valid JSON with every field whatever bytes the
// client sent, the file is reopened by name (logrotate), and a stalled writer drops lines.
#include "proxy/observe/access_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace portico::observe {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

AccessRecord sample_record() {
  AccessRecord record;
  record.time = std::chrono::system_clock::time_point(1700000000123ms);
  record.request_id = "req-1";
  record.client = "127.0.0.1:5555";
  record.host = "acme.portal.localhost";
  record.org_id = "60001234";
  record.method = "GET";
  record.path = "/invoices/INV-1?x=1";
  record.status = 200;
  record.bytes_in = 12;
  record.bytes_out = 3456;
  record.upstream = 1234567ns;
  record.total = 2000us;
  record.outcome = "proxied";
  return record;
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("portico-access-log-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

TEST(AccessLine, IsOneJsonObjectWithEveryField) {
  std::string line = format_access_line(sample_record());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_EQ(line,
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"request_id\":\"req-1\",\"client\":\"127.0.0.1:5555\","
            "\"host\":\"acme.portal.localhost\",\"org_id\":\"60001234\",\"method\":\"GET\","
            "\"path\":\"/invoices/INV-1?x=1\",\"status\":200,\"bytes_in\":12,\"bytes_out\":3456,"
            "\"upstream_ms\":1.234,\"total_ms\":2.000,\"outcome\":\"proxied\"}\n");
  auto value = boost::json::parse(line);
  const auto& object = value.as_object();
  for (const char* field : {"time", "request_id", "client", "host", "org_id", "method", "path", "status",
                            "bytes_in", "bytes_out", "upstream_ms", "total_ms", "outcome"}) {
    EXPECT_TRUE(object.contains(field)) << field;
  }
  EXPECT_EQ(object.size(), 13u);
}

TEST(AccessLine, UpstreamTimeIsNullWhenNothingWasForwarded) {
  auto record = sample_record();
  record.upstream.reset();
  auto value = boost::json::parse(format_access_line(record));
  EXPECT_TRUE(value.as_object().at("upstream_ms").is_null());
}

TEST(AccessLine, OddBytesStillMakeValidJson) {
  struct Case {
    std::string path;
    std::string escaped;  // how it appears between the quotes
  };
  const std::vector<Case> cases = {
      {"/a\"b\\c", "/a\\\"b\\\\c"},
      {std::string("/nul\0x", 6), "/nul\\u0000x"},
      {"/tab\there\r\n", "/tab\\u0009here\\u000d\\u000a"},
      {"/del\x7f", "/del\\u007f"},
      {"/caf\xc3\xa9", "/caf\xc3\xa9"},                       // valid UTF-8 passes through
      {"/bad\xff\xfe", "/bad\\u00ff\\u00fe"},                 // never valid in UTF-8
      {"/lone\xc3", "/lone\\u00c3"},                          // truncated sequence
      {"/overlong\xc0\xaf", "/overlong\\u00c0\\u00af"},       // overlong '/'
      {"/surrogate\xed\xa0\x80", "/surrogate\\u00ed\\u00a0\\u0080"},
      {"/emoji\xf0\x9f\x99\x82", "/emoji\xf0\x9f\x99\x82"},
  };
  for (const auto& c : cases) {
    auto record = sample_record();
    record.path = c.path;
    record.host = c.path;
    std::string line = format_access_line(record);
    EXPECT_NE(line.find("\"path\":\"" + c.escaped + "\""), std::string::npos) << line;
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << line;
  }
}

TEST(AccessLine, TimeIsRfc3339WithMillisecondsInUtc) {
  EXPECT_EQ(format_rfc3339_ms(std::chrono::system_clock::time_point(0ms)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(std::chrono::system_clock::time_point(1700000000007ms)), "2023-11-14T22:13:20.007Z");
}

TEST(AccessLog, OffIsANoOp) {
  AccessLog log("off");
  EXPECT_FALSE(log.enabled());
  log.write(sample_record());
  log.flush();
  log.reopen();
  EXPECT_EQ(log.lines_written(), 0u);
  EXPECT_EQ(log.lines_dropped(), 0u);
}

TEST(AccessLog, WritesLinesToTheFile) {
  TempDir dir;
  auto path = dir.path / "access.log";
  {
    AccessLog log(path.string());
    ASSERT_TRUE(log.enabled());
    for (int i = 0; i < 100; ++i) log.write(sample_record());
  }  // the destructor writes what is queued
  std::istringstream lines(read_file(path));
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec);
    ++count;
  }
  EXPECT_EQ(count, 100);
}

TEST(AccessLog, ReopenAfterRenameWritesToTheNewFile) {
  TempDir dir;
  auto path = dir.path / "access.log";
  auto rotated = dir.path / "access.log.1";
  AccessLog log(path.string());
  auto first = sample_record();
  first.request_id = "before-rotation";
  log.write(first);
  log.flush();
  fs::rename(path, rotated);
  log.reopen();
  auto second = sample_record();
  second.request_id = "after-rotation";
  log.write(second);
  log.flush();
  std::string old_contents = read_file(rotated);
  std::string new_contents = read_file(path);
  EXPECT_NE(old_contents.find("before-rotation"), std::string::npos);
  EXPECT_EQ(old_contents.find("after-rotation"), std::string::npos);
  EXPECT_NE(new_contents.find("after-rotation"), std::string::npos);
  EXPECT_EQ(new_contents.find("before-rotation"), std::string::npos);
  EXPECT_EQ(log.lines_written(), 2u);
}

TEST(AccessLog, UnopenableFileIsReportedAndDisabled) {
  AccessLog log("/nonexistent-dir-for-portico/access.log");
  EXPECT_FALSE(log.ok());
  EXPECT_FALSE(log.enabled());
}

TEST(AccessLog, DropsAndCountsLinesWhileTheWriterIsStalled) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  // The writer opens the pipe by name and blocks once the pipe buffer is full: a stalled disk.
  std::string target = "/proc/self/fd/" + std::to_string(pipe_fds[1]);
  std::thread reader;
  std::uint64_t dropped = 0;
  {
    AccessLog log(target, 8);
    ASSERT_TRUE(log.enabled());
    const int total = 20000;  // far more than a pipe buffer holds
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < total; ++i) log.write(sample_record());
    // The worker side never waited on the stalled writer.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    dropped = log.lines_dropped();
    EXPECT_GT(dropped, 0u);
    EXPECT_LE(log.lines_written() + dropped, static_cast<std::uint64_t>(total));
    reader = std::thread([fd = pipe_fds[0]] {
      char buffer[65536];
      while (::read(fd, buffer, sizeof buffer) > 0) {
      }
    });
  }  // unblocked by the reader, the destructor writes the rest
  ::close(pipe_fds[1]);
  reader.join();
  ::close(pipe_fds[0]);
}

TEST(AccessLog, ExportsItsCountersAsMetrics) {
  AccessLog log("off");
  PrometheusWriter writer;
  log.write_metrics(writer);
  EXPECT_NE(writer.text().find("portico_access_log_lines_total{result=\"dropped\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace portico::observe
