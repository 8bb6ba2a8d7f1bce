// Integration: TLS termination with certificates from certs/make-dev-certs.sh, a real
// OpenSSL client that sets SNI independently of Host, 421 on a tenant mismatch, resumption on
// every worker that never crosses tenants, http -> https redirects and HSTS.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http/field.hpp>
#include <fstream>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

const std::string tenants = R"toml(
[tls]
certificate = "certs/portal.localhost.pem"
cert_dir = "certs/domains"

[[tenant]]
org_id = "3001"
name = "Acme"
portal_name = "acme"

[[tenant]]
org_id = "3002"
name = "Globex"
portal_name = "globex"
custom_domains = ["portal.globex.localhost"]
)toml";

// Makes the dev CA and certificates with the shipped script, as an operator would.
void make_certificates(const TempDir& dir) {
  dir.write("certs-input.toml", "[portal]\nbase_domain = \"portal.localhost\"\n" + tenants);
  ChildProcess script({"/bin/bash", std::string(PORTICO_SOURCE_DIR) + "/certs/make-dev-certs.sh", "--config",
                       (dir.path() / "certs-input.toml").string(), "--out", (dir.path() / "certs").string()});
  ASSERT_EQ(script.wait_exit(60s), 0) << script.output();
}

// The files make_certificates wrote, as Portico's `files` argument (paths under "certs/").
std::map<std::string, std::string> certificate_files(const TempDir& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "certs")) {
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      files["certs/" + std::filesystem::relative(entry.path(), dir.path() / "certs").string()] =
          std::string(std::istreambuf_iterator<char>(in), {});
    }
  }
  return files;
}

struct TlsResult {
  bool offered = false;  // a resumable session was offered (so `resumed` false means refused)
  bool handshake_ok = false;
  bool resumed = false;
  std::string subject_san;  // first DNS SAN of the served certificate
  std::string response;     // raw bytes until close
  SSL_SESSION* session = nullptr;  // owned by the caller when set
};

// One connection: handshake with `sni` (empty = none), optionally resuming `session`, then
// `request` (if any) and everything the server sends until it closes.
TlsResult tls_exchange(std::uint16_t port, const std::string& sni, const std::string& request,
                       SSL_SESSION* session = nullptr, int max_version = 0, int min_version = 0) {
  TlsResult result;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
  if (min_version) SSL_CTX_set_min_proto_version(ctx, min_version);
  if (max_version && max_version < TLS1_2_VERSION) SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("connect");
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (session) {
    result.offered = SSL_SESSION_is_resumable(session) == 1;
    SSL_set_session(ssl, session);
  }
  if (SSL_connect(ssl) == 1) {
    result.handshake_ok = true;
    result.resumed = SSL_session_reused(ssl) == 1;
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
      for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
          result.subject_san.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                                    static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
          break;
        }
      }
      GENERAL_NAMES_free(names);
      X509_free(cert);
    }
    if (!request.empty()) {
      SSL_write(ssl, request.data(), static_cast<int>(request.size()));
      char chunk[8192];
      for (;;) {
        int n = SSL_read(ssl, chunk, sizeof chunk);
        if (n <= 0) break;
        result.response.append(chunk, static_cast<std::size_t>(n));
      }
    }
    // TLS 1.3 tickets arrive after the handshake; reading the response collected them.
    result.session = SSL_get1_session(ssl);
    // Close as a browser does, with close_notify. OpenSSL treats a connection freed without
    // sending it as an "open" session and marks that SSL_SESSION (the very object handed
    // out above) not resumable: skipping this turned every later resumption attempt into
    // a silent full handshake, and the client never even offered the session.
    SSL_shutdown(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return result;
}

std::string get(const std::string& host, const std::string& path = "/?format=json") {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new DemoPortal();
    certs_ = new TempDir();
    make_certificates(*certs_);
    portico_ = new Portico(tenants, demo_->address(), "https_listen = [\"127.0.0.1:0\"]\n",
                           certificate_files(*certs_));
  }
  static void TearDownTestSuite() {
    delete portico_;
    delete certs_;
    delete demo_;
  }
  static DemoPortal* demo_;
  static TempDir* certs_;
  static Portico* portico_;
};
DemoPortal* Tls::demo_ = nullptr;
TempDir* Tls::certs_ = nullptr;
Portico* Tls::portico_ = nullptr;

TEST_F(Tls, CertificateIsChosenBySni) {
  auto subdomain = tls_exchange(portico_->https_port(), "acme.portal.localhost", "");
  ASSERT_TRUE(subdomain.handshake_ok);
  EXPECT_EQ(subdomain.subject_san, "*.portal.localhost");
  auto custom = tls_exchange(portico_->https_port(), "portal.globex.localhost", "");
  ASSERT_TRUE(custom.handshake_ok);
  EXPECT_EQ(custom.subject_san, "portal.globex.localhost");
  auto unknown = tls_exchange(portico_->https_port(), "unknown.example", "");
  ASSERT_TRUE(unknown.handshake_ok);  // unknown_sni = "default"
  EXPECT_EQ(unknown.subject_san, "*.portal.localhost");
  for (auto* result : {&subdomain, &custom, &unknown}) SSL_SESSION_free(result->session);
}

TEST_F(Tls, RequestsAreServedWithTheirTenantAndHsts) {
  auto result = tls_exchange(portico_->https_port(), "portal.globex.localhost", get("portal.globex.localhost"));
  ASSERT_TRUE(result.handshake_ok);
  EXPECT_EQ(result.response.rfind("HTTP/1.1 200", 0), 0u) << result.response.substr(0, 300);
  EXPECT_NE(result.response.find("Strict-Transport-Security: max-age=31536000"), std::string::npos);
  EXPECT_NE(result.response.find("\"X-Portal-Org-Id\",\"3002\""), std::string::npos);
  EXPECT_NE(result.response.find("\"X-Forwarded-Proto\",\"https\""), std::string::npos);
  SSL_SESSION_free(result.session);
}

TEST_F(Tls, SniOfOneTenantAndHostOfAnotherIs421AndNeverReachesTheUpstream) {
  auto before = http_request(demo_->port(), "GET", "/__stats", "stats.local").body();
  auto mismatch = tls_exchange(portico_->https_port(), "acme.portal.localhost", get("portal.globex.localhost"));
  ASSERT_TRUE(mismatch.handshake_ok);
  EXPECT_EQ(mismatch.response.rfind("HTTP/1.1 421", 0), 0u) << mismatch.response.substr(0, 200);
  auto no_sni = tls_exchange(portico_->https_port(), "", get("acme.portal.localhost"));
  EXPECT_EQ(no_sni.response.rfind("HTTP/1.1 421", 0), 0u);
  auto unknown_sni = tls_exchange(portico_->https_port(), "unknown.example", get("acme.portal.localhost"));
  EXPECT_EQ(unknown_sni.response.rfind("HTTP/1.1 421", 0), 0u);
  auto after = http_request(demo_->port(), "GET", "/__stats", "stats.local").body();
  auto requests = [](const std::string& json) { return std::stol(json.substr(json.find("\"requests\":") + 11)); };
  EXPECT_EQ(requests(after) - requests(before), 1);  // only the second /__stats
  for (auto* result : {&mismatch, &no_sni, &unknown_sni}) SSL_SESSION_free(result->session);
}

// curl and browsers send their first request right behind the handshake's last message, so
// the server may read both in one go: the request then sits inside the TLS layer while the
// socket stays silent, and a server that waited for the socket would never answer.
TEST_F(Tls, ARequestArrivingWithTheLastHandshakeMessageIsAnswered) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(portico_->https_port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  // Memory BIOs: the test decides when the client's bytes go on the wire.
  SSL* ssl = SSL_new(ctx);
  BIO* from_server = BIO_new(BIO_s_mem());
  BIO* to_server = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, from_server, to_server);
  SSL_set_tlsext_host_name(ssl, "acme.portal.localhost");
  SSL_set_connect_state(ssl);
  auto flush = [&] {
    std::string bytes;
    char chunk[16384];
    for (int n; (n = BIO_read(to_server, chunk, sizeof chunk)) > 0;) bytes.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  };
  auto receive = [&] {
    char chunk[16384];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    BIO_write(from_server, chunk, static_cast<int>(n));
    return true;
  };
  for (int rc; (rc = SSL_do_handshake(ssl)) != 1;) {
    ASSERT_EQ(SSL_get_error(ssl, rc), SSL_ERROR_WANT_READ);
    ASSERT_TRUE(flush());
    ASSERT_TRUE(receive());
  }
  // The client's Finished is still unsent; the request joins it in one write.
  std::string request = get("acme.portal.localhost");
  ASSERT_EQ(SSL_write(ssl, request.data(), static_cast<int>(request.size())), static_cast<int>(request.size()));
  ASSERT_TRUE(flush());
  std::string response;
  char chunk[8192];
  while (receive()) {
    for (int n; (n = SSL_read(ssl, chunk, sizeof chunk)) > 0;) response.append(chunk, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response.substr(0, 200);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
}

TEST_F(Tls, OldProtocolVersionsAreRefused) {
  EXPECT_FALSE(tls_exchange(portico_->https_port(), "acme.portal.localhost", "", nullptr, TLS1_VERSION).handshake_ok);
  EXPECT_FALSE(tls_exchange(portico_->https_port(), "acme.portal.localhost", "", nullptr, TLS1_1_VERSION).handshake_ok);
}

// Sessions resume whichever worker accepts the connection: the harness runs 2 workers behind
// SO_REUSEPORT, which spreads connections by a hash of the client's port, and tickets are
// sealed with keys every worker shares. 16 connections per version all landing on one worker
// would happen once in 2^31 runs. Its own Portico, so the upstream's accept count shows
// that both workers served: each opens one upstream connection and then reuses it.
TEST(TlsResumption, ResumesOnEveryWorkerWithTls12AndTls13) {
  DemoPortal demo;
  TempDir certs;
  make_certificates(certs);
  Portico portico(tenants, demo.address(), "https_listen = [\"127.0.0.1:0\"]\n", certificate_files(certs));
  const long accepts_before = demo.accepts();
  constexpr int reconnects = 16;
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    auto first = tls_exchange(portico.https_port(), "acme.portal.localhost", get("acme.portal.localhost"), nullptr,
                              version, version);
    ASSERT_TRUE(first.handshake_ok);
    EXPECT_FALSE(first.resumed);
    ASSERT_NE(first.session, nullptr);
    ASSERT_EQ(SSL_SESSION_is_resumable(first.session), 1);
    int resumed = 0;
    for (int i = 0; i < reconnects; ++i) {
      auto again = tls_exchange(portico.https_port(), "acme.portal.localhost", get("acme.portal.localhost"),
                                first.session, version, version);
      EXPECT_TRUE(again.offered);
      resumed += again.resumed ? 1 : 0;
      EXPECT_EQ(again.response.rfind("HTTP/1.1 200", 0), 0u) << again.response.substr(0, 200);
      EXPECT_NE(again.response.find("\"X-Portal-Org-Id\",\"3001\""), std::string::npos);
      SSL_SESSION_free(again.session);
    }
    EXPECT_EQ(resumed, reconnects);
    // A resumed session is still tenant-bound: Globex's Host on Acme's resumed session is 421.
    auto crossed = tls_exchange(portico.https_port(), "acme.portal.localhost", get("portal.globex.localhost"),
                                first.session, version, version);
    EXPECT_TRUE(crossed.resumed);
    EXPECT_EQ(crossed.response.rfind("HTTP/1.1 421", 0), 0u) << crossed.response.substr(0, 200);
    SSL_SESSION_free(crossed.session);
    SSL_SESSION_free(first.session);
  }
  // Both workers served: 2 pooled upstream connections, +1 for this /__stats probe itself.
  EXPECT_EQ(demo.accepts() - accepts_before, 3);
}

// A session offered under another tenant's name is never resumed (CVE-2025-23419): the
// session id context is the SNI name, set before OpenSSL looks at the offered ticket.
TEST_F(Tls, SessionsNeverResumeAcrossTenants) {
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto first = tls_exchange(portico_->https_port(), "acme.portal.localhost", get("acme.portal.localhost"), nullptr,
                              version, version);
    ASSERT_TRUE(first.handshake_ok);
    ASSERT_NE(first.session, nullptr);
    // Acme's session offered under Globex's name: a full handshake, Globex's certificate,
    // and Acme's Host on that connection is misdirected.
    auto other = tls_exchange(portico_->https_port(), "portal.globex.localhost", get("acme.portal.localhost"),
                              first.session, version, version);
    EXPECT_TRUE(other.handshake_ok);
    EXPECT_TRUE(other.offered) << "TLS version " << version;  // refused, not merely absent
    EXPECT_FALSE(other.resumed) << "TLS version " << version;
    EXPECT_EQ(other.subject_san, "portal.globex.localhost");
    EXPECT_EQ(other.response.rfind("HTTP/1.1 421", 0), 0u);
    SSL_SESSION_free(other.session);
    SSL_SESSION_free(first.session);
  }
}

TEST_F(Tls, PlaintextRedirectsToHttpsExceptAcmeChallenges) {
  auto response = http_request(portico_->http_port(), "GET", "/invoices?x=1", "acme.portal.localhost");
  EXPECT_EQ(response.result_int(), 308u);
  EXPECT_EQ(response[boost::beast::http::field::location],
            "https://acme.portal.localhost:" + std::to_string(portico_->https_port()) + "/invoices?x=1");
  EXPECT_TRUE(response[boost::beast::http::field::strict_transport_security].empty());
  auto challenge = http_request(portico_->http_port(), "GET", "/.well-known/acme-challenge/token", "acme.portal.localhost");
  EXPECT_NE(challenge.result_int(), 308u);
}

TEST(TlsReject, UnknownSniIsRejectedWhenConfigured) {
  DemoPortal demo;
  TempDir certs;
  make_certificates(certs);
  std::string config = tenants;
  config.replace(config.find("cert_dir"), 0, "unknown_sni = \"reject\"\n");
  Portico portico(config, demo.address(), "https_listen = [\"127.0.0.1:0\"]\n", certificate_files(certs));
  EXPECT_FALSE(tls_exchange(portico.https_port(), "unknown.example", "").handshake_ok);
  auto known = tls_exchange(portico.https_port(), "acme.portal.localhost", "");
  EXPECT_TRUE(known.handshake_ok);
  SSL_SESSION_free(known.session);
}

}  // namespace
}  // namespace portico::testing
