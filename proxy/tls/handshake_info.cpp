// tls/handshake_info: HandshakeInfo in SSL ex_data, SNI parsing and the session id context.
// Runs inside handshakes: no I/O, no locks, no exceptions.
#include "proxy/tls/handshake_info.hpp"

#include <openssl/sha.h>
#include <openssl/tls1.h>

#include <new>

namespace portico::tls {
namespace {

void free_info(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<HandshakeInfo*>(ptr);
}

int info_index() {
  // Server SSLs are never SSL_dup'ed, so no dup callback.
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_info);
  return index;
}

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool valid_labels(std::string_view name) {
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (!is_ldh(c) || ++label > 63) {
      return false;
    }
  }
  return label > 0;
}

std::uint32_t read_u16(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) << 8 | p[1];
}

}  // namespace

const HandshakeInfo* handshake_info(const SSL* ssl) noexcept {
  if (ssl == nullptr) return nullptr;
  return static_cast<const HandshakeInfo*>(SSL_get_ex_data(ssl, info_index()));
}

namespace detail {

HandshakeInfo* ensure_handshake_info(SSL* ssl) noexcept {
  const int index = info_index();
  if (index < 0) return nullptr;
  if (auto* info = static_cast<HandshakeInfo*>(SSL_get_ex_data(ssl, index))) return info;
  auto* info = new (std::nothrow) HandshakeInfo;
  if (info == nullptr) return nullptr;
  if (SSL_set_ex_data(ssl, index, info) != 1) {
    delete info;
    return nullptr;
  }
  return info;
}

std::string normalize_sni(std::string_view raw) {
  if (!raw.empty() && raw.back() == '.') raw.remove_suffix(1);
  if (raw.empty() || raw.size() > 253) return {};
  std::string name(raw);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!valid_labels(name)) return {};
  return name;
}

SniParse read_client_hello_sni(SSL* ssl, std::string_view& host_name) noexcept {
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &size) != 1) {
    return SniParse::absent;
  }
  // RFC 6066 3: ServerNameList = u16 length, then entries of u8 type, u16 length, name.
  if (size < 2 || read_u16(data) != size - 2) return SniParse::malformed;
  std::size_t at = 2;
  while (at + 3 <= size) {
    const unsigned type = data[at];
    const std::size_t length = read_u16(data + at + 1);
    at += 3;
    if (length > size - at) return SniParse::malformed;
    if (type == TLSEXT_NAMETYPE_host_name) {
      host_name = std::string_view(reinterpret_cast<const char*>(data + at), length);
      return SniParse::found;
    }
    at += length;
  }
  return at == size ? SniParse::absent : SniParse::malformed;
}

bool set_session_context(SSL* ssl, std::string_view sni) noexcept {
  // Names shorter than the 32-byte limit are used as they are; longer ones by their SHA-256.
  // The two never collide: a hashed context is always exactly 32 bytes long.
  static_assert(SSL_MAX_SID_CTX_LENGTH == SHA256_DIGEST_LENGTH);
  if (sni.size() < SSL_MAX_SID_CTX_LENGTH) {
    static const unsigned char no_name[1] = {0};
    const auto* bytes =
        sni.empty() ? no_name : reinterpret_cast<const unsigned char*>(sni.data());
    return SSL_set_session_id_context(ssl, bytes,
                                      static_cast<unsigned>(sni.size())) == 1;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(sni.data()), sni.size(), digest);
  return SSL_set_session_id_context(ssl, digest, sizeof digest) == 1;
}

}  // namespace detail
}  // namespace portico::tls
