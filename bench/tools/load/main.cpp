// bench/tools/load/main: portico_bench_load, the kit's own load tool for what wrk cannot do:
// TLS handshakes per second with the SNI rotating over many names (full or resumed), HTTPS
// keep-alive with one name per connection (SNI = Host, as Portico requires), and idle
// keep-alive connections for the memory scenario. argv -> options -> mode; prints JSON lines.
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "bench/tools/load/load_run.hpp"
#include "bench/tools/load/options.hpp"

namespace {

using portico::bench::Options;

// Idle mode holds thousands of sockets: take the whole hard limit.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// No certificate checks: the kit's certificates come from a throwaway CA, and verifying would
// add client work that is the same for every peer anyway.
SSL_CTX* make_client_context(const Options& options) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) return nullptr;
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // The tool keeps sessions itself (per name); OpenSSL's client cache would only cost memory.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  int version = TLS1_2_VERSION;
  if (options.tls_version == "1.3") version = TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(context, version);
  if (options.tls_version == "1.2") SSL_CTX_set_max_proto_version(context, TLS1_2_VERSION);
  return context;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto options = portico::bench::parse_options(argc, argv, error);
  if (!options) {
    std::fprintf(stderr, "portico_bench_load: %s\n%s", error.c_str(), portico::bench::usage_text);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  SSL_CTX* context = options->tls ? make_client_context(*options) : nullptr;
  if (options->tls && context == nullptr) {
    std::fprintf(stderr, "portico_bench_load: cannot make a TLS context\n");
    return 1;
  }
  int status = 0;
  try {
    if (options->mode == portico::bench::Mode::idle) {
      status = portico::bench::run_idle(*options, context);
    } else {
      const auto report = portico::bench::run_load(*options, context);
      std::printf("%s\n", report.to_json(*options).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico_bench_load: %s\n", e.what());
    status = 1;
  }
  SSL_CTX_free(context);
  return status;
}
