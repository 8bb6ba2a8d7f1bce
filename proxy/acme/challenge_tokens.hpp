// acme/challenge_tokens: the HTTP-01 tokens of pending challenges and their key
// authorizations, for the plaintext listener. Kept in memory and, so that any instance
// sharing the storage directory can answer a validation request, in <storage>/challenges/.
// Thread-safe: the manager adds and removes, every worker looks up.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portico::acme {

class ChallengeTokens {
 public:
  explicit ChallengeTokens(std::string shared_dir) : shared_dir_(std::move(shared_dir)) {}

  // base64url characters only, 1 to 256 of them (RFC 8555 8.3: at least 128 bits of entropy).
  static bool valid_token(std::string_view token);

  void add(const std::string& token, const std::string& key_authorization);
  void remove(const std::string& token);
  // The key authorization for `token`: this instance's first; on a miss, a small file another
  // instance wrote (a validation request is rare, and the read is of one short file).
  std::optional<std::string> find(std::string_view token) const;

 private:
  std::string shared_dir_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> tokens_;
};

}  // namespace portico::acme
