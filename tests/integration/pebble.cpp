// tests/integration/pebble: Pebble + challtestsrv processes and a few TLS helpers.
#include "tests/integration/pebble.hpp"

#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <csignal>
#include <fstream>
#include <stdexcept>

namespace portico::testing {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

void run_openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess openssl(argv);
  if (openssl.wait_exit(30s) != 0) throw std::runtime_error("openssl failed: " + openssl.output());
}

}  // namespace

Pebble::Pebble(std::uint16_t http_port, std::map<std::string, std::string> env)
    : http_port_(http_port),
      acme_port_(unused_port()),
      management_port_(unused_port()),
      dns_port_(unused_port()),
      env_(std::move(env)) {
  const std::string d = dir_.path().string();
  run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
               d + "/ca.key", "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=pebble-https-test-ca"});
  run_openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", d + "/key.pem",
               "-out", d + "/leaf.csr", "-subj", "/CN=localhost"});
  dir_.write("ext.cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run_openssl({"x509", "-req", "-in", d + "/leaf.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
               "-CAcreateserial", "-out", d + "/cert.pem", "-days", "2", "-extfile", d + "/ext.cnf"});
  dir_.write("pebble.json", R"({"pebble":{"listenAddress":"127.0.0.1:)" + std::to_string(acme_port_) +
                                R"(","managementListenAddress":"127.0.0.1:)" + std::to_string(management_port_) +
                                R"(","certificate":")" + d + R"(/cert.pem","privateKey":")" + d +
                                R"(/key.pem","httpPort":)" + std::to_string(http_port_) + R"(,"tlsPort":)" +
                                std::to_string(unused_port()) +
                                R"(,"ocspResponderURL":"","externalAccountBindingRequired":false}})");
  dns_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/pebble-challtestsrv", "-management", "127.0.0.1:" + std::to_string(unused_port()), "-dns01",
      "127.0.0.1:" + std::to_string(dns_port_), "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv4",
      "127.0.0.1", "-defaultIPv6", ""});
  if (!dns_->wait_for_line("Starting management server")) throw std::runtime_error("challtestsrv: " + dns_->output());
  start();
}

Pebble::~Pebble() = default;

void Pebble::start() {
  std::vector<std::string> argv{"/usr/bin/env", "PEBBLE_VA_NOSLEEP=1"};
  for (const auto& [name, value] : env_) argv.push_back(name + "=" + value);
  const std::vector<std::string> command{"/usr/bin/pebble", "-config", (dir_.path() / "pebble.json").string(),
                                         "-dnsserver", "127.0.0.1:" + std::to_string(dns_port_)};
  argv.insert(argv.end(), command.begin(), command.end());
  pebble_ = std::make_unique<ChildProcess>(argv);
  if (!pebble_->wait_for_line("ACME directory available")) throw std::runtime_error("pebble: " + pebble_->output());
}

void Pebble::stop() {
  pebble_->send_signal(SIGKILL);
  pebble_->wait_exit();
}

int Pebble::orders_received() {
  pebble_->wait_for_line("\n-never-", 10ms);  // reads what is available
  const std::string& out = pebble_->output();
  // Orders Pebble created, not new-order requests: Pebble refuses 5% of nonces on purpose
  // (badNonce), and the client's retry of a refused request is a second POST for one order.
  const std::string created = "Added order ";
  int count = 0;
  for (std::size_t at = out.find(created); at != std::string::npos; at = out.find(created, at + 1)) ++count;
  return count;
}

std::string Pebble::management_get(const std::string& path) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.load_verify_file(ca_bundle());
  tls.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, tls);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), management_port_});
  stream.handshake(asio::ssl::stream_base::client);
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, path, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.set(bhttp::field::connection, "close");
  bhttp::write(stream, request);
  boost::beast::flat_buffer buffer;
  Response response;
  bhttp::read(stream, buffer, response);
  return response.body();
}

std::string Pebble::root_pem() { return management_get("/roots/0"); }
std::string Pebble::intermediate_pem() { return management_get("/intermediates/0"); }

ServedCertificate::~ServedCertificate() { X509_free(leaf); }

ServedCertificate::ServedCertificate(ServedCertificate&& other) noexcept
    : leaf(other.leaf), handshake_time(other.handshake_time) {
  other.leaf = nullptr;
}

std::string ServedCertificate::issuer() const {
  if (leaf == nullptr) return {};
  char text[512] = {};
  X509_NAME_oneline(X509_get_issuer_name(leaf), text, sizeof text);
  return text;
}

std::string ServedCertificate::serial() const {
  if (leaf == nullptr) return {};
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string ServedCertificate::first_dns_name() const {
  if (leaf == nullptr) return {};
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && out.empty(); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                 static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

ServedCertificate served_certificate(std::uint16_t port, const std::string& sni) {
  ServedCertificate result;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto started = std::chrono::steady_clock::now();
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, sni.c_str());
    if (SSL_connect(ssl) == 1) {
      result.handshake_time =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
      result.leaf = SSL_get1_peer_certificate(ssl);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ::close(fd);
  SSL_CTX_free(ctx);
  return result;
}

bool signed_by(X509* leaf, const std::string& issuer_pem) {
  BIO* bio = BIO_new_mem_buf(issuer_pem.data(), static_cast<int>(issuer_pem.size()));
  X509* issuer = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (issuer == nullptr || leaf == nullptr) {
    X509_free(issuer);
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = X509_verify(leaf, key) == 1 &&
                  X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(issuer)) == 0;
  X509_free(issuer);
  return ok;
}

}  // namespace portico::testing
