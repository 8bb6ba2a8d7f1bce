// tests/integration/harness: subprocesses, temp dirs and blocking clients for the tests.
#include "tests/integration/harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace portico::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

// ---- ChildProcess ----------------------------------------------------------------------

ChildProcess::ChildProcess(std::vector<std::string> argv)
    : name_(std::filesystem::path(argv.at(0)).filename().string()) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  out_fd_ = pipe_fds[0];
  ::fcntl(out_fd_, F_SETFL, O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
  if (std::uncaught_exceptions() > 0 || ::testing::Test::HasFailure()) {
    read_available(std::chrono::milliseconds(0));
    constexpr std::size_t tail = 8 * 1024;
    const std::size_t from = output_.size() > tail ? output_.size() - tail : 0;
    std::cerr << "--- last " << output_.size() - from << " bytes printed by " << name_ << " (pid " << pid_
              << ") ---\n" << std::string_view(output_).substr(from) << "--- end of " << name_ << " ---\n";
  }
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool ChildProcess::read_available(std::chrono::milliseconds timeout) {
  pollfd fd{out_fd_, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[8192];
  bool any = false;
  for (;;) {
    auto n = ::read(out_fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    output_.append(chunk, static_cast<std::size_t>(n));
    any = true;
  }
  return any;
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Scan complete lines not yet scanned.
    for (;;) {
      auto end = output_.find('\n', scanned_);
      if (end == std::string::npos) break;
      std::string line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    read_available(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
}

void ChildProcess::send_signal(int signal) { ::kill(pid_, signal); }

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      read_available(std::chrono::milliseconds(0));
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Drain output meanwhile so the child never blocks on a full pipe; this also paces the loop.
    read_available(std::chrono::milliseconds(20));
  }
}

long ChildProcess::peak_rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// ---- TempDir ----------------------------------------------------------------------------

TempDir::TempDir() {
  std::random_device device;
  path_ = fs::temp_directory_path() / ("portico-test-" + std::to_string(device()) + std::to_string(::getpid()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path TempDir::write(const std::string& name, const std::string& contents) const {
  fs::path file = path_ / name;
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << contents;
  return file;
}

// ---- DemoPortal / Portico ----------------------------------------------------------------

namespace {
std::uint16_t port_after(const std::string& line, const std::string& marker) {
  auto at = line.find(marker);
  if (at == std::string::npos) throw std::runtime_error("no address in: " + line);
  auto colon = line.find(':', at + marker.size());
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}
}  // namespace

DemoPortal::DemoPortal(const std::string& listen) : process_({DEMO_PORTAL_BINARY, "--listen", listen}) {
  auto line = process_.wait_for_line("listening ");
  if (!line) throw std::runtime_error("demo_portal did not start: " + process_.output());
  port_ = port_after(*line, "listening ");
}

long DemoPortal::accepts() {
  auto response = http_request(port_, "GET", "/__stats", "stats.local");
  auto value = boost::json::parse(response.body());
  return static_cast<long>(value.at("accepts").as_int64());
}

long DemoPortal::open_connections() {
  auto response = http_request(port_, "GET", "/__stats", "stats.local");
  auto value = boost::json::parse(response.body());
  return static_cast<long>(value.at("open_connections").as_int64());
}

std::uint16_t unused_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

namespace {
std::string full_config(const PorticoSetup& setup) {
  std::string servers;
  for (const auto& upstream : setup.upstreams) servers += (servers.empty() ? "\"" : ", \"") + upstream + "\"";
  return "[server]\nhttp_listen = [\"" + setup.http_listen + "\"]\nworkers = 2\ndrain_timeout = \"5s\"\n" +
         setup.extra_server + "\n[upstream]\nservers = [" + servers +
         "]\nconnect_timeout = \"1s\"\nresponse_timeout = \"2s\"\n" + setup.extra_upstream +
         "\n[admin]\nlisten = \"127.0.0.1:0\"\n" + setup.extra_admin + "\n[log]\naccess = \"" +
         setup.access_log + "\"\n\n" + setup.config_body;
}

PorticoSetup legacy_setup(const std::string& config_body, const std::string& upstream_address,
                          const std::string& extra_server, const std::map<std::string, std::string>& files) {
  PorticoSetup setup;
  setup.config_body = config_body;
  setup.upstreams = {upstream_address};
  setup.extra_server = extra_server;
  setup.files = files;
  return setup;
}
}  // namespace

Portico::Portico(const std::string& config_body, const std::string& upstream_address,
                 const std::string& extra_server, const std::map<std::string, std::string>& files)
    : Portico(legacy_setup(config_body, upstream_address, extra_server, files)) {}

Portico::Portico(const PorticoSetup& setup)
    : config_dir_(setup.dir.empty() ? dir_.path() : setup.dir),
      process_([&] {
        std::filesystem::create_directories(config_dir_);
        for (const auto& [name, contents] : setup.files) {
          std::filesystem::create_directories((config_dir_ / name).parent_path());
          std::ofstream(config_dir_ / name, std::ios::binary | std::ios::trunc) << contents;
        }
        std::ofstream(config_dir_ / "portico.toml", std::ios::binary | std::ios::trunc) << full_config(setup);
        return std::vector<std::string>{PORTICO_BINARY, "--config", (config_dir_ / "portico.toml").string()};
      }()) {
  auto line = process_.wait_for_line("\"listener\":\"http\"");
  if (!line) throw std::runtime_error("portico did not start: " + process_.output());
  http_port_ = port_after(*line, "\"address\":\"");
  // The http listener is bound before the rest (admin listener, worker threads): a test that
  // looks at the process (its descriptors, its threads) must see it whole.
  if (!process_.wait_for_line("\"msg\":\"started\"")) throw std::runtime_error("portico did not start: " + process_.output());
}

std::uint16_t Portico::admin_port() {
  if (admin_port_ != 0) return admin_port_;
  const std::string& out = process_.output();
  auto at = out.find("\"listener\":\"admin\"");
  if (at == std::string::npos) {
    auto line = process_.wait_for_line("\"listener\":\"admin\"");
    if (!line) throw std::runtime_error("no admin listener: " + out);
    admin_port_ = port_after(*line, "\"address\":\"");
    return admin_port_;
  }
  auto line_end = out.find('\n', at);
  admin_port_ = port_after(out.substr(at, line_end - at), "\"address\":\"");
  return admin_port_;
}

Response Portico::reload() { return http_request(admin_port(), "POST", "/reload", "127.0.0.1"); }

std::string Portico::metrics() { return http_request(admin_port(), "GET", "/metrics", "127.0.0.1").body(); }

double metric_sample(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

std::uint16_t Portico::https_port() {
  const std::string& out = process_.output();
  auto at = out.find("\"listener\":\"https\"");
  if (at == std::string::npos) throw std::runtime_error("no https listener: " + out);
  auto line_end = out.find('\n', at);
  return port_after(out.substr(at, line_end - at), "\"address\":\"");
}

// ---- Client -------------------------------------------------------------------------------

namespace {
constexpr auto io_timeout = std::chrono::seconds(15);

// Runs `io` until `done` or the timeout; a timed-out operation is cancelled.
void run_until(asio::io_context& io, asio::ip::tcp::socket& socket, const bool& done) {
  io.restart();
  io.run_for(io_timeout);
  if (!done) {
    boost::system::error_code ignored;
    socket.cancel(ignored);
    io.restart();
    io.run();
    throw std::runtime_error("client operation timed out");
  }
}
}  // namespace

Client::Client(std::uint16_t port) : socket_(io_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  socket_.set_option(asio::ip::tcp::no_delay(true));
}

void Client::send_raw(const std::string& bytes) {
  bool done = false;
  boost::system::error_code result;
  asio::async_write(socket_, asio::buffer(bytes), [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  run_until(io_, socket_, done);
  if (result) throw boost::system::system_error(result);
}

Response Client::read_response(bool head) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  parser.skip(head);
  bool done = false;
  boost::system::error_code result;
  bhttp::async_read(socket_, buffer_, parser, [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  run_until(io_, socket_, done);
  if (result) throw boost::system::system_error(result);
  return parser.release();
}

Response Client::request(const std::string& method, const std::string& target, const std::string& host,
                         const std::map<std::string, std::string>& headers, const std::string& body) {
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, host);
  for (const auto& [name, value] : headers) request.insert(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.body() = body;
    request.prepare_payload();
  }
  bool done = false;
  boost::system::error_code result;
  bhttp::async_write(socket_, request, [&](boost::system::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  run_until(io_, socket_, done);
  if (result) throw boost::system::system_error(result);
  return read_response(method == "HEAD");
}

std::string Client::read_until_close(std::chrono::milliseconds timeout) {
  std::string data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  buffer_.consume(buffer_.size());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<char, 8192> chunk;
  for (;;) {
    bool done = false;
    boost::system::error_code result;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
      result = ec;
      got = n;
      done = true;
    });
    io_.restart();
    io_.run_until(deadline);
    if (!done) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.restart();
      io_.run();
      return data;
    }
    data.append(chunk.data(), got);
    if (result) return data;
  }
}

bool Client::closed_by_peer(std::chrono::milliseconds timeout) {
  read_until_close(timeout);
  // read_until_close returns on EOF/reset (closed) or at the timeout (still open).
  pollfd fd{socket_.native_handle(), POLLIN | POLLRDHUP, 0};
  return ::poll(&fd, 1, 0) > 0 && (fd.revents & (POLLRDHUP | POLLHUP | POLLIN)) != 0;
}

Response http_request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& host, const std::map<std::string, std::string>& headers,
                      const std::string& body) {
  Client client(port);
  return client.request(method, target, host, headers, body);
}

// ---- Echo ---------------------------------------------------------------------------------

std::vector<std::string> Echo::all(const std::string& lowercase_name) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == lowercase_name) values.push_back(value);
  }
  return values;
}

std::optional<std::string> Echo::one(const std::string& lowercase_name) const {
  auto values = all(lowercase_name);
  if (values.size() != 1) return std::nullopt;
  return values.front();
}

Echo parse_echo(const std::string& json) {
  auto value = boost::json::parse(json).as_object();
  Echo echo;
  echo.method = value.at("method").as_string().c_str();
  echo.target = value.at("target").as_string().c_str();
  for (const auto& pair : value.at("headers").as_array()) {
    const auto& items = pair.as_array();
    echo.headers.emplace_back(items.at(0).as_string().c_str(), items.at(1).as_string().c_str());
  }
  echo.body_bytes = static_cast<std::uint64_t>(value.at("body_bytes").to_number<double>());
  return echo;
}

}  // namespace portico::testing
