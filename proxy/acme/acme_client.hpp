// acme/acme_client: an RFC 8555 client for one ACME server: directory, nonces (badNonce is
// retried with the fresh nonce), account (key created once in the storage directory),
// orders, HTTP-01 challenges, finalization with a CSR for a fresh key, chain download.
// HTTPS over Beast, verified against [acme] ca_bundle. Runs on one executor (the control
// thread); one order per call, several calls may run at once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "proxy/acme/challenge_tokens.hpp"
#include "proxy/acme/storage.hpp"
#include "proxy/config/model.hpp"

namespace portico::acme {

struct IssueResult {
  bool ok = false;
  std::string error;      // what failed, with the server's problem detail when it sent one
  std::string chain_pem;  // leaf first
  std::string key_pem;    // the certificate's fresh private key
};

class AcmeClient {
 public:
  AcmeClient(boost::asio::any_io_executor executor, const config::AcmeSection& settings,
             const Storage& storage, ChallengeTokens& challenges);
  ~AcmeClient();
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  // One complete order for `domain` (newOrder ... certificate). `stopping` is checked
  // between steps, so a shutdown does not wait for a long poll.
  boost::asio::awaitable<IssueResult> issue(std::string domain, const bool& stopping);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::acme
