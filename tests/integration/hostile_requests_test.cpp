// Integration: hostile raw requests over real sockets against the real portico binary, with a
// recording raw-socket upstream. Each case asserts the status Portico answers, whether the
// client connection is closed, and exactly what the upstream received. Checks that hold for
// every case: every head the upstream receives passes Portico's own strict check; no
// client-supplied X-Portal-* (or any other value marked EVIL) reaches it; no smuggled
// request reaches it; it never receives more requests than Portico accepted.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "proxy/http/request_framing.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/recording_upstream.hpp"

namespace portico::testing {
namespace {

using Received = std::vector<RecordingUpstream::Request>;
using Check = std::function<void(const Received&)>;

const std::string config = R"toml(
[limits]
max_header_bytes = "4KiB"
max_body_bytes = "64KiB"
header_timeout = "1s"

[[tenant]]
org_id = "1001"
name = "Acme Corporation"
portal_name = "acme"
previous_portal_names = ["acme-corp"]
custom_domains = ["billing.acme.test"]

[[tenant]]
org_id = "2002"
name = "Globex"
portal_name = "globex"
show_sales_orders = true
allow_edit_profile = true
)toml";

const std::string acme = "acme.portal.localhost";
const std::string globex = "globex.portal.localhost";
const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: " + acme + "\r\n\r\n";

enum class Conn { closes, stays_open };

struct Hostile {
  std::string category;
  std::string name;
  std::string bytes;     // what the client sends, raw
  unsigned status;       // Portico's (first) answer
  Conn after;            // closes: the connection ends after the answer, nothing follows it
  std::size_t upstream;  // complete requests the upstream must receive
  Check check = {};      // what those requests must look like
  bool aborted = false;  // the head went up but the request was never completed
};

std::string request(const std::string& line, const std::string& fields,
                    const std::string& body = "") {
  return line + "\r\n" + fields + "\r\n" + body;
}
std::string get(const std::string& target, const std::string& fields = "",
                const std::string& host = acme) {
  return request("GET " + target + " HTTP/1.1", "Host: " + host + "\r\n" + fields);
}
std::string post(const std::string& fields, const std::string& body,
                 const std::string& target = "/upload") {
  return request("POST " + target + " HTTP/1.1", "Host: " + acme + "\r\n" + fields, body);
}
std::string chunked(const std::string& body) {
  return post("Transfer-Encoding: chunked\r\n", body);
}
const std::string vt(1, '\x0b');
const std::string nul(1, '\0');

// ---- checks on what the upstream received ----

Check all_of(std::vector<Check> checks) {
  return [checks](const Received& got) {
    for (const auto& check : checks) check(got);
  };
}
Check target_is(const std::string& target) {
  return [target](const Received& got) {
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().target, target);
  };
}
Check field_is(const std::string& name, const std::string& value) {
  return [name, value](const Received& got) {
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().all(name), std::vector<std::string>{value}) << name;
  };
}
Check field_absent(const std::string& name) {
  return [name](const Received& got) {
    ASSERT_FALSE(got.empty());
    EXPECT_TRUE(got.front().all(name).empty()) << name;
  };
}
Check org_is(const std::string& org_id) { return field_is("x-portal-org-id", org_id); }
Check body_is(const std::string& body) {
  return [body](const Received& got) {
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().body, body);
  };
}
Check raw_lacks(const std::string& text) {
  return [text](const Received& got) {
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front().raw.find(text), std::string::npos) << text;
  };
}

std::string lowercase_dashed(std::string name) {
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '_') c = '-';
  }
  return name;
}

// Checks that hold whatever the case.
void check_invariants(const Received& got) {
  for (const auto& request : got) {
    // The field count is the client's limit: Portico adds its context headers on top.
    auto error = http::validate_request_head(request.head, std::numeric_limits<std::size_t>::max());
    EXPECT_FALSE(error) << "Portico forwarded a head its own check refuses ("
                        << http::name_of(*error) << "):\n"
                        << request.head;
    for (const auto& [name, value] : request.fields) {
      if (lowercase_dashed(name).starts_with("x-portal-")) {
        EXPECT_EQ(value.find("EVIL"), std::string::npos) << name << ": " << value;
      }
    }
    EXPECT_EQ(request.all("x-portal-org-id").size(), 1u);
    EXPECT_EQ(request.head.find("EVIL"), std::string::npos) << request.head;
    EXPECT_EQ(request.target.find("smuggled"), std::string::npos) << request.target;
  }
}

// clang-format off
std::vector<Hostile> framing_cases() {
  const std::string body_then_smuggled = "0\r\n\r\n" + smuggled;
  return {
      {"framing", "CL then TE", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE then CL", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "Connection not a token list (found by fuzzing)", get("/invoices", "Connection: a: b, close\r\n"), 400, Conn::closes, 0},
      {"framing", "TE gzip (Beast would read the body as a request)", post("Transfer-Encoding: gzip\r\n", smuggled), 400, Conn::closes, 0},
      {"framing", "TE chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE identity", post("Transfer-Encoding: identity\r\n", smuggled), 400, Conn::closes, 0},
      {"framing", "TE twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE xchunked", post("Transfer-Encoding: xchunked\r\n", smuggled), 400, Conn::closes, 0},
      {"framing", "TE space before colon", post("Transfer-Encoding : chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE obs-fold", post("Transfer-Encoding:\r\n chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "TE vertical tab", post("Transfer-Encoding: " + vt + "chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "chunked on HTTP/1.0", request("POST /upload HTTP/1.0", "Host: " + acme + "\r\nTransfer-Encoding: chunked\r\n", body_then_smuggled), 400, Conn::closes, 0},
      {"framing", "CL list", post("Content-Length: 5, 5\r\n", "hello" + smuggled), 400, Conn::closes, 0},
      {"framing", "CL twice, different", post("Content-Length: 5\r\nContent-Length: 44\r\n", "hello" + smuggled), 400, Conn::closes, 0},
      {"framing", "CL twice, same", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), 400, Conn::closes, 0},
      {"framing", "CL plus sign", post("Content-Length: +5\r\n", "hello"), 400, Conn::closes, 0},
      {"framing", "CL negative", post("Content-Length: -1\r\n", smuggled), 400, Conn::closes, 0},
      {"framing", "CL hex", post("Content-Length: 0x5\r\n", "hello"), 400, Conn::closes, 0},
      {"framing", "CL overflow", post("Content-Length: 18446744073709551621\r\n", "hello"), 400, Conn::closes, 0},
      {"framing", "obs-fold", get("/invoices", "X-Note: a\r\n b\r\n"), 400, Conn::closes, 0},
      {"framing", "bare LF line ends", "GET /invoices HTTP/1.1\nHost: " + acme + "\n\n", 400, Conn::closes, 0},
      {"framing", "bare LF hiding a TE", get("/invoices", "X-Note: a\nTransfer-Encoding: chunked\r\n"), 400, Conn::closes, 0},
      {"framing", "bare CR hiding a TE", get("/invoices", "X-Note: a\rTransfer-Encoding: chunked\r\n"), 400, Conn::closes, 0},
      {"framing", "NUL in a value", get("/invoices", "X-Note: a" + nul + "b\r\n"), 400, Conn::closes, 0},
      {"framing", "NUL in the target", get("/invoices" + nul), 400, Conn::closes, 0},
      {"framing", "space before colon on Host", request("GET /invoices HTTP/1.1", "Host : " + acme + "\r\n"), 400, Conn::closes, 0},
      {"framing", "whitespace before the first field", request("GET /invoices HTTP/1.1", " Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"framing", "two spaces in the request line", request("GET  /invoices HTTP/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"framing", "HTTP/1.2", request("GET /invoices HTTP/1.2", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"framing", "lowercase version", request("GET /invoices http/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"framing", "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, Conn::closes, 0},
      {"framing", "negative chunk size", chunked("-5\r\nhello\r\n0\r\n\r\n" + smuggled), 400, Conn::closes, 0, {}, true},
      {"framing", "0x chunk size", chunked("0x5\r\nhello\r\n0\r\n\r\n"), 400, Conn::closes, 0, {}, true},
      {"framing", "chunk size overflow", chunked("fffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 400, Conn::closes, 0, {}, true},
      {"framing", "chunk longer than its size", chunked("5\r\nhelloXX\r\n0\r\n\r\n" + smuggled), 400, Conn::closes, 0, {}, true},
      {"framing", "bare LF in a chunk extension", chunked("5;a\nb\r\nhello\r\n0\r\n\r\n"), 400, Conn::closes, 0, {}, true},
      {"framing", "trailer carrying X-Portal-Org-Id", chunked("5\r\nhello\r\n0\r\nX-Portal-Org-Id: EVIL\r\n\r\n"), 400, Conn::closes, 0, {}, true},
      {"framing", "trailer carrying Content-Length", chunked("5\r\nhello\r\n0\r\nContent-Length: 40\r\n\r\n" + smuggled), 400, Conn::closes, 0, {}, true},
      {"framing", "Trailer declared, none sent", post("Transfer-Encoding: chunked\r\nTrailer: X-Portal-Org-Id\r\n", "2\r\nok\r\n0\r\n\r\n"), 200, Conn::stays_open, 1,
       all_of({body_is("ok"), field_absent("trailer")})},
      {"framing", "chunked body with extensions is re-framed", chunked("5;name=value\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), 200, Conn::stays_open, 1,
       all_of({body_is("hello world"), raw_lacks("name=value"), field_is("transfer-encoding", "chunked"), field_absent("content-length")})},
      {"framing", "CL with leading zeros", post("Content-Length: 005\r\n", "hello"), 200, Conn::stays_open, 1, body_is("hello")},
      {"framing", "empty line before the request line", "\r\n" + get("/invoices"), 200, Conn::stays_open, 1, target_is("/invoices")},
  };
}

std::vector<Hostile> host_cases() {
  return {
      {"host", "two Host fields", request("GET /invoices HTTP/1.1", "Host: " + acme + "\r\nHost: " + globex + "\r\n"), 400, Conn::closes, 0},
      {"host", "no Host on HTTP/1.1", request("GET /invoices HTTP/1.1", ""), 400, Conn::closes, 0},
      {"host", "HTTP/1.0 without Host", request("GET /invoices HTTP/1.0", ""), 400, Conn::closes, 0},
      {"host", "unknown portal", get("/invoices", "", "unknown.portal.localhost"), 404, Conn::stays_open, 0},
      {"host", "two labels under the base domain", get("/invoices", "", "evil.acme.portal.localhost"), 404, Conn::stays_open, 0},
      {"host", "IP literal", get("/invoices", "", "127.0.0.1"), 404, Conn::stays_open, 0},
      {"host", "userinfo", get("/invoices", "", globex + "@" + acme), 400, Conn::stays_open, 0},
      {"host", "list of hosts", get("/invoices", "", acme + ", " + globex), 400, Conn::stays_open, 0},
      {"host", "empty Host", request("GET /invoices HTTP/1.1", "Host: \r\n"), 400, Conn::stays_open, 0},
      {"host", "non-ASCII host", get("/invoices", "", "acm\xc3\xa9.portal.localhost"), 400, Conn::stays_open, 0},
      {"host", "space inside the host", get("/invoices", "", "acme .portal.localhost"), 400, Conn::stays_open, 0},
      {"host", "absolute-form naming another tenant", request("GET http://" + globex + "/invoices HTTP/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"host", "absolute-form with userinfo", request("GET http://" + acme + "@" + globex + "/ HTTP/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"host", "absolute-form of the same tenant", request("GET http://" + acme + "/invoices?x=1 HTTP/1.1", "Host: " + acme + "\r\n"), 200, Conn::stays_open, 1,
       all_of({target_is("/invoices?x=1"), org_is("1001")})},
      {"host", "trailing dot", get("/invoices", "", acme + "."), 200, Conn::stays_open, 1, all_of({org_is("1001"), field_is("x-portal-host", acme)})},
      {"host", "uppercase", get("/invoices", "", "ACME.Portal.LOCALHOST"), 200, Conn::stays_open, 1, all_of({org_is("1001"), field_is("host", acme)})},
      {"host", "with a port", get("/invoices", "", acme + ":8080"), 200, Conn::stays_open, 1, org_is("1001")},
      {"host", "custom domain", get("/invoices", "", "billing.acme.test"), 200, Conn::stays_open, 1,
       all_of({org_is("1001"), field_is("x-portal-host-kind", "custom")})},
      {"host", "previous name redirects", get("/invoices", "", "acme-corp.portal.localhost"), 308, Conn::stays_open, 0},
      {"host", "X-Forwarded-Host naming another tenant", get("/invoices", "X-Forwarded-Host: " + acme + "\r\n", globex), 200, Conn::stays_open, 1,
       all_of({org_is("2002"), field_is("x-forwarded-host", globex), field_is("x-portal-name", "globex")})},
  };
}

std::vector<Hostile> trust_cases() {
  return {
      {"trust", "X-Portal-Org-Id forged", get("/invoices", "X-Portal-Org-Id: EVIL\r\n"), 200, Conn::stays_open, 1, org_is("1001")},
      {"trust", "x-portal-org-id lowercase, twice", get("/invoices", "x-portal-org-id: EVIL\r\nX-PORTAL-ORG-ID: EVIL2\r\n"), 200, Conn::stays_open, 1, org_is("1001")},
      {"trust", "X-Portal-Name and Features forged", get("/invoices", "X-Portal-Name: EVIL\r\nX-Portal-Features: EVIL\r\n"), 200, Conn::stays_open, 1,
       all_of({field_is("x-portal-name", "acme"), field_is("x-portal-features", "")})},
      {"trust", "X-Portal-Signature forged", get("/invoices", "X-Portal-Signature: v1=EVIL\r\n"), 200, Conn::stays_open, 1, field_absent("x-portal-signature")},
      {"trust", "X-Portal-Activity in a request", get("/invoices", "X-Portal-Activity: EVIL\r\n"), 200, Conn::stays_open, 1, field_absent("x-portal-activity")},
      {"trust", "X-Forwarded-For forged", get("/invoices", "X-Forwarded-For: EVIL, 10.0.0.1\r\n"), 200, Conn::stays_open, 1, field_is("x-forwarded-for", "127.0.0.1")},
      {"trust", "X-Forwarded-Proto forged", get("/invoices", "X-Forwarded-Proto: https EVIL\r\n"), 200, Conn::stays_open, 1, field_is("x-forwarded-proto", "http")},
      {"trust", "Forwarded forged", get("/invoices", "Forwarded: for=EVIL;host=" + globex + "\r\n"), 200, Conn::stays_open, 1,
       field_is("forwarded", "for=127.0.0.1;host=" + acme + ";proto=http")},
      {"trust", "X-Request-Id forged", get("/invoices", "X-Request-Id: EVIL\r\n"), 200, Conn::stays_open, 1,
       [](const Received& got) { EXPECT_EQ(got.front().all("x-request-id").size(), 1u); }},
      {"trust", "Connection names X-Portal-Org-Id", get("/invoices", "Connection: X-Portal-Org-Id\r\nX-Portal-Org-Id: EVIL\r\n"), 200, Conn::stays_open, 1,
       all_of({org_is("1001"), field_absent("connection")})},
      {"trust", "Connection names Host", get("/invoices", "Connection: Host, Content-Length\r\n"), 200, Conn::stays_open, 1, field_is("host", acme)},
      {"trust", "Proxy-Authorization", get("/invoices", "Proxy-Authorization: Basic EVIL\r\n"), 200, Conn::stays_open, 1, field_absent("proxy-authorization")},
      {"trust", "X_Portal_Org_Id", get("/invoices", "X_Portal_Org_Id: EVIL\r\n"), 400, Conn::closes, 0},
      {"trust", "X-Portal_Org-Id", get("/invoices", "X-Portal_Org-Id: EVIL\r\n"), 400, Conn::closes, 0},
      {"trust", "X_Forwarded_For", get("/invoices", "X_Forwarded_For: EVIL\r\n"), 400, Conn::closes, 0},
      {"trust", "Transfer_Encoding", post("Transfer_Encoding: chunked\r\n", "0\r\n\r\n"), 400, Conn::closes, 0},
      {"trust", "X-HTTP-Method-Override", post("Content-Length: 0\r\nX-HTTP-Method-Override: DELETE\r\n", "", "/profile"), 400, Conn::closes, 0},
      {"trust", "X-Method-Override", get("/profile", "X-Method-Override: DELETE\r\n"), 400, Conn::closes, 0},
      {"trust", "Connection: close is honoured", get("/invoices", "Connection: close\r\n"), 200, Conn::closes, 1, field_absent("connection")},
  };
}

// `count` short field lines ("X-F0: 1", or "Cookie: c0=1"), well within max_header_bytes.
std::string short_fields(const std::string& name, int count) {
  std::string fields;
  for (int i = 0; i < count; ++i) {
    fields += name == "Cookie" ? "Cookie: c" + std::to_string(i) + "=1\r\n"
                               : name + std::to_string(i) + ": 1\r\n";
  }
  return fields;
}

std::vector<Hostile> limit_cases() {
  return {
      {"limits", "request line over the head limit", get("/" + std::string(5000, 'a')), 414, Conn::closes, 0},
      {"limits", "head over the limit", get("/invoices", "X-Big: " + std::string(5000, 'a') + "\r\n"), 431, Conn::closes, 0},
      {"limits", "many fields over the limit", get("/invoices", [] {
         std::string fields;
         for (int i = 0; i < 400; ++i) fields += "X-F" + std::to_string(i) + ": 1\r\n";
         return fields;
       }()), 431, Conn::closes, 0},
      {"limits", "101 fields, over max_header_count (100)", get("/invoices", short_fields("X-F", 100)), 431, Conn::closes, 0},
      {"limits", "101 Cookie fields, over max_header_count", get("/invoices", short_fields("Cookie", 100)), 431, Conn::closes, 0},
      {"limits", "100 fields, at max_header_count", get("/invoices", short_fields("X-F", 99)), 200, Conn::stays_open, 1,
       [](const Received& got) { ASSERT_FALSE(got.empty()); EXPECT_EQ(got.front().all("x-f98").size(), 1u); }},
      {"limits", "Content-Length over max_body_bytes", post("Content-Length: 100000\r\n", ""), 413, Conn::closes, 0},
      {"limits", "chunk over max_body_bytes", chunked("20000\r\nabc"), 413, Conn::closes, 0, {}, true},
      {"limits", "head never finished (408)", "GET /invoices HTTP/1.1\r\nHost: " + acme + "\r\n", 408, Conn::closes, 0},
  };
}

std::vector<Hostile> path_cases() {
  return {
      {"path", "gated path", get("/salesorders"), 404, Conn::stays_open, 0},
      {"path", "gated path, other case", get("/SalesOrders/SO-1"), 404, Conn::stays_open, 0},
      {"path", "gated path, escaped letter", get("/%73alesorders"), 404, Conn::stays_open, 0},
      {"path", "gated path behind ..", get("/invoices/../salesorders"), 404, Conn::stays_open, 0},
      {"path", "gated path behind .", get("/./salesorders"), 404, Conn::stays_open, 0},
      {"path", "gated path behind //", get("//salesorders"), 404, Conn::stays_open, 0},
      {"path", "gated path, lowercase method", request("get /salesorders HTTP/1.1", "Host: " + acme + "\r\n"), 404, Conn::stays_open, 0},
      {"path", "gated path in absolute-form", request("GET http://" + acme + "/salesorders HTTP/1.1", "Host: " + acme + "\r\n"), 404, Conn::stays_open, 0},
      {"path", "gated method", post("Content-Length: 0\r\n", "", "/profile"), 404, Conn::stays_open, 0},
      {"path", "ungated method on the same path", get("/profile"), 200, Conn::stays_open, 1, target_is("/profile")},
      {"path", "other tenant has the feature", get("/salesorders", "", globex), 200, Conn::stays_open, 1, all_of({target_is("/salesorders"), org_is("2002")})},
      {"path", "encoded slash", get("/salesorders%2F1"), 400, Conn::closes, 0},
      {"path", "encoded NUL", get("/invoices%00"), 400, Conn::closes, 0},
      {"path", "backslashes", get("/invoices\\..\\salesorders"), 400, Conn::closes, 0},
      {"path", "climbs above the root", get("/../salesorders"), 400, Conn::closes, 0},
      {"path", "encoded dot segment", get("/%2e%2e/salesorders"), 400, Conn::closes, 0},
      {"path", "path parameter", get("/salesorders;jsessionid=1"), 400, Conn::closes, 0},
      {"path", "fragment", get("/invoices#/../salesorders"), 400, Conn::closes, 0},
      {"path", "overlong UTF-8 dot", get("/%C0%AE%C0%AE/salesorders"), 400, Conn::closes, 0},
      {"path", "double encoding", get("/%2573alesorders"), 400, Conn::closes, 0},
      {"path", "asterisk-form", request("OPTIONS * HTTP/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"path", "authority-form", request("CONNECT " + acme + ":443 HTTP/1.1", "Host: " + acme + "\r\n"), 400, Conn::closes, 0},
      {"path", "query kept byte for byte", get("/invoices?next=%2F..%2Fsalesorders&a=%41"), 200, Conn::stays_open, 1,
       target_is("/invoices?next=%2F..%2Fsalesorders&a=%41")},
      {"path", "dot segments removed", get("/invoices/./x/../INV-1"), 200, Conn::stays_open, 1, target_is("/invoices/INV-1")},
  };
}

// clang-format on

std::vector<Hostile> all_cases() {
  std::vector<Hostile> cases;
  for (auto part : {framing_cases(), host_cases(), trust_cases(), limit_cases(), path_cases()}) {
    for (auto& one : part) cases.push_back(std::move(one));
  }
  return cases;
}

class HostileRequests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new RecordingUpstream();
    portico_ = new Portico(config, upstream_->address());
  }
  static void TearDownTestSuite() {
    delete portico_;
    delete upstream_;
  }
  static RecordingUpstream* upstream_;
  static Portico* portico_;
};
RecordingUpstream* HostileRequests::upstream_ = nullptr;
Portico* HostileRequests::portico_ = nullptr;

// Everything the server sends until it closes; `closed` tells a close from the timeout.
std::string rest_until_close(Client& client, bool& closed) {
  std::string rest = client.read_until_close(5s);
  pollfd fd{client.socket().native_handle(), POLLIN | POLLRDHUP, 0};
  closed = ::poll(&fd, 1, 0) > 0 && (fd.revents & (POLLRDHUP | POLLHUP | POLLIN | POLLERR)) != 0;
  return rest;
}

TEST_F(HostileRequests, EachIsAnsweredAndTheUpstreamGetsExactlyWhatItShould) {
  const auto cases = all_cases();
  ASSERT_GE(cases.size(), 60u);
  for (const auto& hostile : cases) {
    SCOPED_TRACE(hostile.category + " / " + hostile.name);
    upstream_->clear();
    Client client(portico_->http_port());
    client.send_raw(hostile.bytes);
    Response response = client.read_response();
    EXPECT_EQ(response.result_int(), hostile.status);
    if (hostile.after == Conn::closes) {
      EXPECT_FALSE(response.keep_alive());
      bool closed = false;
      std::string rest = rest_until_close(client, closed);
      EXPECT_TRUE(closed) << "the connection stayed open";
      EXPECT_EQ(rest, "") << "something followed the answer";
    }
    Received got = upstream_->requests();
    EXPECT_EQ(got.size(), hostile.upstream);
    EXPECT_EQ(upstream_->heads_received(), hostile.aborted ? 1u : hostile.upstream);
    EXPECT_EQ(upstream_->unparsable(), 0u) << "the upstream got bytes it could not parse";
    check_invariants(got);
    if (hostile.check && got.size() == hostile.upstream) hostile.check(got);
    if (hostile.after == Conn::stays_open) {
      EXPECT_TRUE(response.keep_alive());
      auto next = client.request("GET", "/invoices", acme);
      EXPECT_EQ(next.result_int(), 200u) << "the connection is still in step";
      EXPECT_EQ(next.body(), RecordingUpstream::default_body);
    }
  }
}

TEST_F(HostileRequests, HalfClosedPartialHeadIsRefusedAndNothingIsForwarded) {
  upstream_->clear();
  Client client(portico_->http_port());
  client.send_raw("GET /invoices HTTP/1.1\r\nHost: " + acme + "\r\nX-Never: ");
  client.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send);
  EXPECT_EQ(client.read_response().result_int(), 400u);
  EXPECT_EQ(upstream_->heads_received(), 0u);
}

TEST_F(HostileRequests, AnEndlessChunkLineIsCutOffNotBuffered) {
  // Beast buffers a chunk-size line whole; the connection's buffer is bounded (head limit +
  // 64 KiB), so the read fails instead of growing. Exactly that much is sent, so Portico has
  // read everything and closes cleanly (no reset racing the answer).
  upstream_->clear();
  Client client(portico_->http_port());
  std::string head =
      "POST /upload HTTP/1.1\r\nHost: " + acme + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  client.send_raw(head + "5;" + std::string(4096 + 64 * 1024 - 2, 'e'));
  EXPECT_EQ(client.read_response().result_int(), 400u);
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_EQ(upstream_->requests().size(), 0u);
}

TEST_F(HostileRequests, TrickledHeadIsCutOffAtHeaderTimeout) {
  // One byte at a time, each well within any per-read timeout: the deadline is for the
  // whole head (1s here), so the client is cut off with 408.
  upstream_->clear();
  Client client(portico_->http_port());
  std::string head =
      "GET /invoices HTTP/1.1\r\nHost: " + acme + "\r\nX-Slow: " + std::string(100, 'a');
  auto start = std::chrono::steady_clock::now();
  bool cut_off = false;
  for (char c : head) {
    try {
      client.send_raw(std::string(1, c));
    } catch (const std::exception&) {
      cut_off = true;
      break;
    }
    pollfd fd{client.socket().native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, 20) > 0) {
      cut_off = true;
      break;
    }
  }
  ASSERT_TRUE(cut_off) << "the whole head trickled in without an answer";
  EXPECT_EQ(client.read_response().result_int(), 408u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(upstream_->heads_received(), 0u);
}

}  // namespace
}  // namespace portico::testing
