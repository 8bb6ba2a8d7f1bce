// acme/acme_client: the protocol flow (RFC 8555 7) over one HTTPS connection per request:
// ACME requests are few (a handful per certificate), and a fresh connection is never stale.
#include "proxy/acme/acme_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>

#include "proxy/acme/jws.hpp"
#include "proxy/acme/keys.hpp"

namespace portico::acme {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_response_body = 1024 * 1024;
constexpr auto request_timeout = 15s;
constexpr auto order_deadline = 90s;  // from newOrder to the downloaded chain
constexpr int nonce_retries = 8;

struct Url {
  std::string host;
  std::string port = "443";
  std::string target = "/";
};

bool parse_url(std::string_view text, Url& url) {
  constexpr std::string_view scheme = "https://";
  if (!text.starts_with(scheme)) return false;
  text.remove_prefix(scheme.size());
  const std::size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":")) url.port = std::string(authority.substr(1));
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    url.host = std::string(authority.substr(0, colon));
    url.port = std::string(authority.substr(colon + 1));
  } else {
    url.host = std::string(authority);
  }
  return !url.host.empty() && !url.port.empty();
}

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string location;
  std::string nonce;
  std::string retry_after;
  json::value json;  // null unless the body parsed as JSON
};

std::string string_of(const json::value& value, std::string_view key) {
  if (!value.is_object()) return {};
  const json::value* member = value.as_object().if_contains(key);
  return member != nullptr && member->is_string() ? std::string(member->as_string()) : std::string();
}

// "urn:ietf:params:acme:error:badNonce: detail" from a problem document (RFC 8555 6.7).
std::string problem_of(const Reply& reply) {
  std::string type = string_of(reply.json, "type");
  std::string detail = string_of(reply.json, "detail");
  std::string text = "HTTP " + std::to_string(reply.status);
  if (!type.empty()) text += " " + type;
  if (!detail.empty()) text += ": " + detail;
  return text;
}

std::chrono::milliseconds poll_delay(const Reply& reply) {
  unsigned seconds = 0;
  for (char c : reply.retry_after) {
    if (c < '0' || c > '9') return 500ms;  // an HTTP-date: poll at the default pace
    seconds = seconds * 10 + static_cast<unsigned>(c - '0');
    if (seconds > 30) return 30s;
  }
  return reply.retry_after.empty() ? 500ms : std::chrono::milliseconds(seconds * 1000);
}

}  // namespace

// GCC 12 reports -Wmismatched-new-delete for Asio's awaitable frame of `send` (its operator
// new and delete are a matching pair in awaitable_frame_base); a known false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

struct AcmeClient::Impl {
  asio::any_io_executor executor;
  const config::AcmeSection& settings;
  const Storage& storage;
  ChallengeTokens& challenges;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::string tls_error;
  json::object directory;
  tls::PkeyPtr account_key;
  std::string account_url;
  std::string nonce;

  Impl(asio::any_io_executor ex, const config::AcmeSection& s, const Storage& st, ChallengeTokens& c)
      : executor(std::move(ex)), settings(s), storage(st), challenges(c) {
    boost::system::error_code ec;
    tls.set_verify_mode(asio::ssl::verify_peer, ec);
    if (settings.ca_bundle.empty()) {
      tls.set_default_verify_paths(ec);
    } else {
      tls.load_verify_file(settings.ca_bundle, ec);
    }
    if (ec) tls_error = "cannot load the ACME CA bundle '" + settings.ca_bundle + "': " + ec.message();
  }

  asio::awaitable<void> pause(std::chrono::milliseconds delay) {
    asio::steady_timer timer(executor);
    timer.expires_after(delay);
    auto [ec] = co_await timer.async_wait(nothrow_awaitable);
    (void)ec;
  }

  // One request on a fresh TLS connection.
  asio::awaitable<bool> send(bhttp::verb method, const std::string& url_text, const std::string& body,
                             Reply& reply, std::string& error) {
    Url url;
    if (!parse_url(url_text, url)) {
      error = "bad ACME URL '" + url_text + "'";
      co_return false;
    }
    asio::ip::tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(url.host, url.port, nothrow_awaitable);
    if (resolve_ec) {
      error = "cannot resolve " + url.host + ": " + resolve_ec.message();
      co_return false;
    }
    beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
    boost::system::error_code address_ec;
    asio::ip::make_address(url.host, address_ec);
    if (address_ec) SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    auto& transport = beast::get_lowest_layer(stream);
    transport.expires_after(request_timeout);
    auto [connect_ec, connected] = co_await transport.async_connect(endpoints, nothrow_awaitable);
    (void)connected;
    if (connect_ec) {
      error = "cannot connect to " + url.host + ":" + url.port + ": " + connect_ec.message();
      co_return false;
    }
    auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow_awaitable);
    if (handshake_ec) {
      error = "TLS handshake with " + url.host + ":" + url.port + " failed: " + handshake_ec.message();
      co_return false;
    }
    bhttp::request<bhttp::string_body> request{method, url.target, 11};
    request.set(bhttp::field::host, url.host + ":" + url.port);
    request.set(bhttp::field::user_agent, "portico/" PORTICO_VERSION);
    request.set(bhttp::field::accept, "application/json, application/pem-certificate-chain");
    if (method == bhttp::verb::post) request.set(bhttp::field::content_type, "application/jose+json");
    request.body() = body;
    request.prepare_payload();
    auto [write_ec, written] = co_await bhttp::async_write(stream, request, nothrow_awaitable);
    (void)written;
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_response_body);
    if (method == bhttp::verb::head) parser.skip(true);  // no body follows, whatever the headers say
    if (!write_ec) {
      auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, nothrow_awaitable);
      (void)read;
      write_ec = read_ec;
    }
    if (write_ec) {
      error = "request to " + url_text + " failed: " + write_ec.message();
      co_return false;
    }
    auto& response = parser.get();
    reply.status = response.result_int();
    reply.body = std::move(response.body());
    reply.location = std::string(response[bhttp::field::location]);
    reply.nonce = std::string(response["Replay-Nonce"]);
    reply.retry_after = std::string(response[bhttp::field::retry_after]);
    boost::system::error_code json_ec;
    reply.json = json::parse(reply.body, json_ec);
    if (json_ec) reply.json = nullptr;
    if (!reply.nonce.empty()) nonce = reply.nonce;
    transport.expires_after(1s);
    auto [shutdown_ec] = co_await stream.async_shutdown(nothrow_awaitable);
    (void)shutdown_ec;
    co_return true;
  }

  std::string directory_url(std::string_view key) const {
    const json::value* value = directory.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
  }

  asio::awaitable<bool> load_directory(std::string& error) {
    if (!directory.empty()) co_return true;
    Reply reply;
    const std::string no_body;
    if (!co_await send(bhttp::verb::get, settings.directory, no_body, reply, error)) co_return false;
    if (reply.status != 200 || !reply.json.is_object()) {
      error = "ACME directory " + settings.directory + ": " + problem_of(reply);
      co_return false;
    }
    directory = reply.json.as_object();
    co_return true;
  }

  // A signed POST (RFC 8555 6.2); `payload` "" = POST-as-GET. A badNonce answer is retried
  // with the nonce it carried (RFC 8555 6.5: servers may reject any nonce).
  asio::awaitable<bool> post(const std::string& url, const std::string& payload, Reply& reply,
                             std::string& error, bool with_jwk = false) {
    for (int attempt = 0; attempt < nonce_retries; ++attempt) {
      if (nonce.empty()) {
        Reply head;
        const std::string new_nonce = directory_url("newNonce");
        const std::string no_body;
        if (!co_await send(bhttp::verb::head, new_nonce, no_body, head, error)) co_return false;
        if (nonce.empty()) {
          error = "the ACME server gave no nonce";
          co_return false;
        }
      }
      json::object header;
      header["alg"] = "ES256";
      header["nonce"] = nonce;
      header["url"] = url;
      if (with_jwk) {
        header["jwk"] = json::parse(jwk_json(account_key.get()));
      } else {
        header["kid"] = account_url;
      }
      nonce.clear();  // each nonce is used once
      const std::string body = flattened_jws(account_key.get(), json::serialize(header), payload);
      if (body.empty()) {
        error = "cannot sign the ACME request";
        co_return false;
      }
      reply = Reply{};
      if (!co_await send(bhttp::verb::post, url, body, reply, error)) co_return false;
      if (reply.status == 400 && string_of(reply.json, "type") == "urn:ietf:params:acme:error:badNonce") continue;
      co_return true;
    }
    error = "the ACME server kept rejecting nonces";
    co_return false;
  }

  // The account key from the storage (created once, under a lock so two instances starting
  // together agree on one key), then newAccount, which also finds an existing account.
  asio::awaitable<bool> ensure_account(std::string& error) {
    if (!account_url.empty()) co_return true;
    if (!account_key) {
      std::optional<FileLock> lock;
      for (int i = 0; i < 100 && !lock; ++i) {
        lock = FileLock::try_acquire(storage.lock_path("account"));
        if (!lock) co_await pause(50ms);
      }
      if (!lock) {
        error = "cannot lock the ACME account key";
        co_return false;
      }
      if (auto pem = Storage::read(storage.account_key_path())) {
        account_key = read_private_key_pem(*pem);
        if (!account_key || jwk_json(account_key.get()).empty()) {
          error = "'" + storage.account_key_path() + "' is not a P-256 private key";
          account_key.reset();
          co_return false;
        }
      } else {
        account_key = generate_p256_key();
        if (!account_key || !Storage::write_private(storage.account_key_path(), private_key_pem(account_key.get()), error)) {
          if (error.empty()) error = "cannot create the ACME account key";
          account_key.reset();
          co_return false;
        }
      }
    }
    json::object payload;
    payload["termsOfServiceAgreed"] = true;
    if (!settings.email.empty()) payload["contact"] = json::array{json::value("mailto:" + settings.email)};
    Reply reply;
    const std::string new_account = directory_url("newAccount");
    const std::string account_request = json::serialize(payload);
    if (!co_await post(new_account, account_request, reply, error, true)) co_return false;
    if ((reply.status != 200 && reply.status != 201) || reply.location.empty()) {
      error = "ACME newAccount: " + problem_of(reply);
      co_return false;
    }
    account_url = reply.location;
    co_return true;
  }

  // POST-as-GET `url` until its status leaves pending/processing (or the deadline passes).
  asio::awaitable<bool> poll(const std::string& url, Reply& reply, std::string& error,
                             std::chrono::steady_clock::time_point deadline, const bool& stopping) {
    const std::string as_get;
    for (;;) {
      if (!co_await post(url, as_get, reply, error)) co_return false;
      const std::string status = string_of(reply.json, "status");
      if (reply.status != 200) {
        error = "polling " + url + ": " + problem_of(reply);
        co_return false;
      }
      if (status != "pending" && status != "processing") co_return true;
      if (stopping || std::chrono::steady_clock::now() >= deadline) {
        error = "gave up waiting for " + url + " (still " + status + ")";
        co_return false;
      }
      co_await pause(poll_delay(reply));
    }
  }

  asio::awaitable<bool> authorize(const std::string& authorization_url, std::string& error,
                                   std::chrono::steady_clock::time_point deadline, const bool& stopping) {
    Reply reply;
    const std::string as_get;
    if (!co_await post(authorization_url, as_get, reply, error)) co_return false;
    const std::string status = string_of(reply.json, "status");
    if (status == "valid") co_return true;  // reused from an earlier order
    if (status != "pending") {
      error = "authorization is " + status + ": " + problem_of(reply);
      co_return false;
    }
    std::string token;
    std::string challenge_url;
    if (const json::value* list = reply.json.as_object().if_contains("challenges"); list && list->is_array()) {
      for (const json::value& challenge : list->as_array()) {
        if (string_of(challenge, "type") == "http-01") {
          token = string_of(challenge, "token");
          challenge_url = string_of(challenge, "url");
        }
      }
    }
    if (token.empty() || challenge_url.empty() || !ChallengeTokens::valid_token(token)) {
      error = "the authorization offers no usable http-01 challenge";
      co_return false;
    }
    challenges.add(token, key_authorization(token, account_key.get()));
    Reply answer;
    const std::string empty_object = "{}";
    bool ok = co_await post(challenge_url, empty_object, answer, error);
    if (ok && answer.status != 200) {
      error = "challenge response: " + problem_of(answer);
      ok = false;
    }
    if (ok) ok = co_await poll(authorization_url, reply, error, deadline, stopping);
    challenges.remove(token);
    if (ok && string_of(reply.json, "status") != "valid") {
      std::string detail;
      if (const json::value* list = reply.json.as_object().if_contains("challenges"); list && list->is_array()) {
        for (const json::value& challenge : list->as_array()) {
          if (const json::value* e = challenge.as_object().if_contains("error")) {
            detail = string_of(*e, "type") + ": " + string_of(*e, "detail");
          }
        }
      }
      error = "authorization " + string_of(reply.json, "status") + (detail.empty() ? "" : " (" + detail + ")");
      ok = false;
    }
    co_return ok;
  }

  asio::awaitable<IssueResult> issue(const std::string& domain, const bool& stopping) {
    IssueResult result;
    std::string& error = result.error;
    const auto deadline = std::chrono::steady_clock::now() + order_deadline;
    if (!tls_error.empty()) {
      error = tls_error;
      co_return result;
    }
    if (!co_await load_directory(error) || !co_await ensure_account(error)) co_return result;
    json::object identifier;
    identifier["type"] = "dns";
    identifier["value"] = domain;
    json::object order_request;
    order_request["identifiers"] = json::array{identifier};
    Reply order;
    const std::string new_order = directory_url("newOrder");
    const std::string order_body = json::serialize(order_request);
    if (!co_await post(new_order, order_body, order, error)) co_return result;
    if (order.status != 201 || order.location.empty() || !order.json.is_object()) {
      error = "newOrder: " + problem_of(order);
      co_return result;
    }
    const std::string order_url = order.location;
    const std::string finalize_url = string_of(order.json, "finalize");
    if (const json::value* list = order.json.as_object().if_contains("authorizations"); list && list->is_array()) {
      for (const json::value& authorization : list->as_array()) {
        if (!authorization.is_string()) continue;
        const std::string url(authorization.as_string());
        if (!co_await authorize(url, error, deadline, stopping)) co_return result;
      }
    }
    tls::PkeyPtr key = generate_p256_key();
    const std::string csr = key ? certificate_request_der(domain, key.get()) : std::string();
    if (csr.empty()) {
      error = "cannot build the certificate request";
      co_return result;
    }
    json::object finalize;
    finalize["csr"] = base64url(csr);
    Reply finalized;
    const std::string finalize_body = json::serialize(finalize);
    if (!co_await post(finalize_url, finalize_body, finalized, error)) co_return result;
    if (finalized.status != 200) {
      error = "finalize: " + problem_of(finalized);
      co_return result;
    }
    Reply done = finalized;
    const std::string status = string_of(finalized.json, "status");
    if (status == "processing" || status == "ready" || status == "pending") {
      if (!co_await poll(order_url, done, error, deadline, stopping)) co_return result;
    }
    const std::string certificate_url = string_of(done.json, "certificate");
    if (string_of(done.json, "status") != "valid" || certificate_url.empty()) {
      error = "order ended " + string_of(done.json, "status") + ": " + problem_of(done);
      co_return result;
    }
    Reply chain;
    const std::string as_get;
    if (!co_await post(certificate_url, as_get, chain, error)) co_return result;
    if (chain.status != 200 || chain.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      error = "certificate download: " + problem_of(chain);
      co_return result;
    }
    result.chain_pem = std::move(chain.body);
    result.key_pem = private_key_pem(key.get());
    result.ok = !result.key_pem.empty();
    if (!result.ok) error = "cannot encode the certificate key";
    co_return result;
  }
};

#pragma GCC diagnostic pop

AcmeClient::AcmeClient(asio::any_io_executor executor, const config::AcmeSection& settings,
                       const Storage& storage, ChallengeTokens& challenges)
    : impl_(std::make_unique<Impl>(std::move(executor), settings, storage, challenges)) {}

AcmeClient::~AcmeClient() = default;

asio::awaitable<IssueResult> AcmeClient::issue(std::string domain, const bool& stopping) {
  co_return co_await impl_->issue(domain, stopping);
}

}  // namespace portico::acme
