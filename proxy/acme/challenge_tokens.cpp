// acme/challenge_tokens: memory map under a mutex, files for the other instances.
#include "proxy/acme/challenge_tokens.hpp"

#include <filesystem>

#include "proxy/acme/storage.hpp"

namespace portico::acme {

bool ChallengeTokens::valid_token(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void ChallengeTokens::add(const std::string& token, const std::string& key_authorization) {
  if (!valid_token(token)) return;
  {
    std::lock_guard lock(mutex_);
    tokens_[token] = key_authorization;
  }
  std::string ignored;
  Storage::write_private(shared_dir_ + "/" + token, key_authorization, ignored);
}

void ChallengeTokens::remove(const std::string& token) {
  if (!valid_token(token)) return;
  {
    std::lock_guard lock(mutex_);
    tokens_.erase(token);
  }
  std::error_code ignored;
  std::filesystem::remove(shared_dir_ + "/" + token, ignored);
}

std::optional<std::string> ChallengeTokens::find(std::string_view token) const {
  if (!valid_token(token)) return std::nullopt;  // also keeps the file name inside the directory
  {
    std::lock_guard lock(mutex_);
    if (const auto found = tokens_.find(std::string(token)); found != tokens_.end()) return found->second;
  }
  return Storage::read(shared_dir_ + "/" + std::string(token));
}

}  // namespace portico::acme
