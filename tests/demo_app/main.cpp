// demo_app/main: `demo_portal --listen HOST:PORT [--threads N]`: parse argv, listen,
// print "listening HOST:PORT", serve until SIGTERM/SIGINT. Nothing else lives here.
#include "tests/demo_app/server.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string_view>

namespace {

using portico::demo::ServerOptions;
using tcp = boost::asio::ip::tcp;

constexpr std::size_t kMaxThreads = 256;

std::optional<tcp::endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto port_text = text.substr(colon + 1);
  unsigned short port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size()) return std::nullopt;
  boost::system::error_code bad_address;
  const auto address = boost::asio::ip::make_address(std::string(host), bad_address);
  if (bad_address) return std::nullopt;
  return tcp::endpoint(address, port);
}

std::optional<ServerOptions> parse_arguments(int argc, char** argv) {
  ServerOptions options;
  options.listen = tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string_view value = argv[++i];
    if (flag == "--listen") {
      const auto endpoint = parse_endpoint(value);
      if (!endpoint) return std::nullopt;
      options.listen = *endpoint;
    } else if (flag == "--threads") {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), options.threads);
      if (ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
      if (options.threads == 0 || options.threads > kMaxThreads) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  return options;
}

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_arguments(argc, argv);
  if (!options) {
    std::cerr << "usage: demo_portal --listen HOST:PORT [--threads N]\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    portico::demo::Server server(*options);
    std::cout << "listening " << format_endpoint(server.local_endpoint()) << std::endl;
    server.run();
  } catch (const std::exception& e) {
    std::cerr << "demo_portal: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
