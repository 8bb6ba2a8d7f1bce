// tls/client_hello: a bounds-checked walk over a ClientHello (RFC 8446 4.1.2). No I/O.
#include "proxy/tls/client_hello.hpp"

#include <cstdint>

#include "proxy/tls/handshake_info.hpp"

namespace portico::tls {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool skip(std::size_t n) {
    if (n > bytes_.size() - at_) return fail();
    at_ += n;
    return true;
  }
  std::size_t number(std::size_t width) {
    if (width > bytes_.size() - at_) return fail(), 0;
    std::size_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = value << 8 | static_cast<unsigned char>(bytes_[at_++]);
    return value;
  }
  // A vector with a `width`-byte length prefix.
  std::string_view vector(std::size_t width) {
    const std::size_t length = number(width);
    if (!ok_ || length > bytes_.size() - at_) return fail(), std::string_view();
    std::string_view out = bytes_.substr(at_, length);
    at_ += length;
    return out;
  }
  bool ok() const { return ok_; }
  bool done() const { return at_ == bytes_.size(); }

 private:
  bool fail() { return ok_ = false; }
  std::string_view bytes_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

constexpr unsigned handshake_record = 22;
constexpr unsigned client_hello = 1;
constexpr unsigned server_name_extension = 0;
constexpr unsigned host_name_type = 0;

std::string sni_from_extension(std::string_view data) {
  Reader names(data);
  Reader list(names.vector(2));
  while (names.ok() && list.ok() && !list.done()) {
    const std::size_t type = list.number(1);
    const std::string_view name = list.vector(2);
    if (list.ok() && type == host_name_type) return detail::normalize_sni(name);
  }
  return {};
}

}  // namespace

std::size_t first_record_size(std::string_view bytes) {
  if (bytes.size() < tls_record_header || static_cast<unsigned char>(bytes[0]) != handshake_record) return 0;
  const std::size_t length =
      static_cast<std::size_t>(static_cast<unsigned char>(bytes[3])) << 8 | static_cast<unsigned char>(bytes[4]);
  return length == 0 ? 0 : tls_record_header + length;
}

std::string client_hello_sni(std::string_view record) {
  Reader reader(record);
  if (reader.number(1) != handshake_record || !reader.skip(2)) return {};
  Reader body(reader.vector(2));
  if (!reader.ok() || body.number(1) != client_hello) return {};
  Reader hello(body.vector(3));  // fails when the ClientHello continues in another record
  hello.skip(2 + 32);            // legacy_version, random
  hello.vector(1);               // legacy_session_id
  hello.vector(2);               // cipher_suites
  hello.vector(1);               // legacy_compression_methods
  Reader extensions(hello.vector(2));
  if (!body.ok() || !hello.ok()) return {};
  while (extensions.ok() && !extensions.done()) {
    const std::size_t type = extensions.number(2);
    const std::string_view data = extensions.vector(2);
    if (extensions.ok() && type == server_name_extension) return sni_from_extension(data);
  }
  return {};
}

}  // namespace portico::tls
