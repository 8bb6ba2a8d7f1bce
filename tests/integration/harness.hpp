// tests/integration/harness: real subprocesses (portico, demo_portal) on 127.0.0.1 with
// ephemeral ports, and small blocking HTTP clients. Waits are on conditions with a
// deadline, never sleeps.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portico::testing {

using namespace std::chrono_literals;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv);  // starts it; stdout and stderr captured
  // SIGKILL if still running. When the test has failed (or is unwinding from an exception),
  // the tail of what the process printed goes to stderr: the reason is often there.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Next complete line on stdout or stderr containing `needle`, within `timeout`.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout = 20s);
  void send_signal(int signal);
  // Exit status after waiting up to `timeout`; nullopt if it is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 20s);
  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }  // everything captured so far
  // Peak resident set size (VmHWM) in KiB, read from /proc while running.
  long peak_rss_kib() const;

 private:
  bool read_available(std::chrono::milliseconds timeout);
  std::string name_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;
  std::optional<int> exit_status_;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

// The demo portal app as the upstream (and as the activity webhook receiver).
class DemoPortal {
 public:
  explicit DemoPortal(const std::string& listen = "127.0.0.1:0");
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  ChildProcess& process() { return process_; }
  long accepts();           // from /__stats: connections the upstream accepted
  long open_connections();  // from /__stats: open now, the /__stats connection included

 private:
  ChildProcess process_;
  std::uint16_t port_ = 0;
};

// A loopback port nothing listens on (bound once, then released): for a server that is
// down now and started later on the same address.
std::uint16_t unused_port();

// The value of the sample whose line starts with `series` (name and labels exactly) in a
// Prometheus exposition; -1 when there is none.
double metric_sample(const std::string& exposition, const std::string& series);

// Polls `condition` every 50 ms until it holds or `timeout` passes; true if it held. For
// what Portico does after the client already has its answer (counting a request in the
// metrics, a certificate arriving): the client cannot know when that has happened.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// Everything the harness writes around a test's own config body.
struct PorticoSetup {
  std::string config_body;              // tenants and any section the harness does not write
  std::vector<std::string> upstreams;   // [upstream] servers
  std::string http_listen = "127.0.0.1:0";  // [server] http_listen (a fixed port: ACME tests)
  std::string extra_server;             // more [server] lines
  std::string extra_upstream;           // more [upstream] lines (health_path, ...)
  std::string extra_admin;              // more [admin] lines (token_file)
  std::string access_log = "off";       // [log] access
  std::map<std::string, std::string> files;  // written next to the config first
  std::filesystem::path dir;            // where to write the config; empty = a new temp dir
};

// Portico on a config written to a temp dir; listeners on port 0.
class Portico {
 public:
  explicit Portico(const PorticoSetup& setup);
  // `config_body`: TOML without [server]/[upstream]/[admin] listen lines, which the harness
  // adds (http on 127.0.0.1:0, the given upstream, 2 workers).
  // `files`: written next to the config first (name -> contents), e.g. key files.
  Portico(const std::string& config_body, const std::string& upstream_address,
          const std::string& extra_server = "",
          const std::map<std::string, std::string>& files = {});
  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t https_port();  // the first https listener (bound before http, so already logged)
  std::uint16_t admin_port();  // waits for the admin listener's log line
  // POST /reload on the admin listener (synchronous: the reload is done when it answers).
  Response reload();
  // GET /metrics on the admin listener: the Prometheus exposition.
  std::string metrics();
  ChildProcess& process() { return process_; }
  const TempDir& dir() const { return dir_; }
  std::filesystem::path config_path() const { return config_dir_ / "portico.toml"; }

 private:
  TempDir dir_;
  std::filesystem::path config_dir_;
  ChildProcess process_;
  std::uint16_t http_port_ = 0;
  std::uint16_t admin_port_ = 0;
};

// A blocking HTTP/1.1 client connection (Beast, sync) with a deadline on every operation.
class Client {
 public:
  explicit Client(std::uint16_t port);
  Response request(const std::string& method, const std::string& target, const std::string& host,
                   const std::map<std::string, std::string>& headers = {},
                   const std::string& body = "");
  // Raw bytes out; the response(s) parsed back (HEAD-aware).
  void send_raw(const std::string& bytes);
  Response read_response(bool head = false);
  // Everything the server sends until it closes (or the timeout passes).
  std::string read_until_close(std::chrono::milliseconds timeout = 10s);
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s);
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// One request on a new connection.
Response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& host, const std::map<std::string, std::string>& headers = {},
                      const std::string& body = "");

// Parses the demo app's JSON echo (?format=json): header values by lowercase name.
struct Echo {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::uint64_t body_bytes = 0;
  std::vector<std::string> all(const std::string& lowercase_name) const;
  std::optional<std::string> one(const std::string& lowercase_name) const;
};
Echo parse_echo(const std::string& json);

}  // namespace portico::testing
