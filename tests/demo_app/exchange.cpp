// demo_app/exchange: query steering, target splitting and the body digest.
// Pure parsing: no I/O, no allocation besides the hex digest string.
#include "tests/demo_app/exchange.hpp"

#include <algorithm>
#include <charconv>

namespace portico::demo {
namespace {

constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr unsigned kMaxDelayMs = 600'000;
constexpr std::uint64_t kMaxFiller = std::uint64_t{1} << 40;

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

bool parse_flag(std::string_view value) {
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

void apply_parameter(Steering& steering, std::string_view name, std::string_view value) {
  unsigned number = 0;
  if (name == "status") {
    // 1xx would change the framing of the exchange itself, so only final statuses.
    if (parse_number(value, number) && number >= 200 && number <= 599) steering.status = number;
  } else if (name == "delay_ms") {
    if (parse_number(value, number)) steering.delay = std::chrono::milliseconds(std::min(number, kMaxDelayMs));
  } else if (name == "size") {
    std::uint64_t size = 0;
    if (parse_number(value, size)) steering.size = std::min(size, kMaxFiller);
  } else if (name == "chunked") {
    steering.chunked = parse_flag(value);
  } else if (name == "etag") {
    steering.etag = parse_flag(value);
  } else if (name == "close") {
    steering.close = parse_flag(value);
  } else if (name == "format") {
    if (value == "json") steering.format = Format::json;
    if (value == "html") steering.format = Format::html;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

void BodyDigest::update(const char* data, std::size_t size) noexcept {
  std::uint64_t hash = fnv1a;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= kFnvPrime;
  }
  fnv1a = hash;
  bytes += size;
}

std::string BodyDigest::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15, shift = 0; i >= 0; --i, shift += 4) {
    out[static_cast<std::size_t>(i)] = kDigits[(fnv1a >> shift) & 0xf];
  }
  return out;
}

Steering parse_steering(std::string_view query) {
  Steering steering;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    apply_parameter(steering, pair.substr(0, eq), pair.substr(eq + 1));
  }
  return steering;
}

Target split_target(std::string_view target) {
  // Absolute-form (a proxy may forward it as received): keep only path and query.
  if (const auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    const auto slash = target.find_first_of("/?", scheme + 3);
    target = slash == std::string_view::npos ? std::string_view{"/"} : target.substr(slash);
  }
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

bool Exchange::wants_json() const {
  if (steering.format != Format::automatic) return steering.format == Format::json;
  const auto accept = head[http::field::accept];
  return accept.find("application/json") != boost::beast::string_view::npos;
}

std::string_view Exchange::header(std::string_view name) const {
  for (const auto& field : head) {
    if (iequals(field.name_string(), name)) return field.value();
  }
  return {};
}

}  // namespace portico::demo
