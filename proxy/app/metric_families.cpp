// app/metric_families: TLS, upstream health and activity families for /metrics.
#include "proxy/app/metric_families.hpp"

#include <chrono>

namespace portico::app {
using observe::PrometheusWriter;

namespace {
std::uint64_t read(const std::atomic<std::uint64_t>& counter) { return counter.load(std::memory_order_relaxed); }
}  // namespace

void write_tls_metrics(PrometheusWriter& writer, const config::Snapshot& snapshot) {
  if (!snapshot.certificates) return;
  const tls::TlsCounters& counters = snapshot.certificates->counters();
  writer.family("portico_tls_handshakes_total", "counter", "Completed TLS handshakes, resumed or not.");
  writer.sample("portico_tls_handshakes_total", {}, read(counters.handshakes));
  writer.family("portico_tls_resumptions_total", "counter", "TLS handshakes that resumed a session.");
  writer.sample("portico_tls_resumptions_total", {}, read(counters.resumptions));
  writer.family("portico_tls_handshake_failures_total", "counter", "Failed TLS handshakes by reason.");
  for (std::size_t i = 0; i < tls::handshake_failure_kinds; ++i) {
    auto reason = static_cast<tls::HandshakeFailure>(i);
    writer.sample("portico_tls_handshake_failures_total", {{"reason", tls::to_string(reason)}},
                  counters.failures_of(reason));
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  writer.family("portico_tls_certificate_expiry_seconds", "gauge",
                "Seconds until each loaded certificate expires (negative: expired).");
  for (const auto& certificate : snapshot.certificates->certificates()) {
    writer.sample("portico_tls_certificate_expiry_seconds", {{"certificate", certificate.name}},
                  certificate.seconds_to_expiry(now));
  }
}

void write_upstream_health_metrics(PrometheusWriter& writer, const config::Snapshot& snapshot) {
  const auto& health = snapshot.upstream_health;
  if (!health) return;
  writer.family("portico_upstream_server_up", "gauge",
                "1 when the upstream server takes requests (health check passed, not ejected).");
  for (std::size_t i = 0; i < health->size(); ++i) {
    writer.sample("portico_upstream_server_up", {{"server", health->name(i)}},
                  std::uint64_t{health->available(i) ? 1u : 0u});
  }
}

void write_activity_metrics(PrometheusWriter& writer, const activity::ActivityCounters& counters) {
  writer.family("portico_activity_events_total", "counter",
                "Activity events by what happened to them when emitted.");
  writer.sample("portico_activity_events_total", {{"result", "spooled"}}, read(counters.spooled));
  writer.sample("portico_activity_events_total", {{"result", "dropped_spool_full"}},
                read(counters.dropped_spool_full));
  writer.sample("portico_activity_events_total", {{"result", "dropped_write_error"}},
                read(counters.dropped_write_error));
  writer.family("portico_activity_delivered_total", "counter", "Events acknowledged by the webhook.");
  writer.sample("portico_activity_delivered_total", {}, read(counters.delivered));
  writer.family("portico_activity_batches_delivered_total", "counter", "Webhook POSTs acknowledged.");
  writer.sample("portico_activity_batches_delivered_total", {}, read(counters.batches_delivered));
  writer.family("portico_activity_delivery_failures_total", "counter", "Failed webhook POST attempts.");
  writer.sample("portico_activity_delivery_failures_total", {}, read(counters.delivery_failures));
  writer.family("portico_activity_duplicates_suppressed_total", "counter",
                "first_only events not sent again.");
  writer.sample("portico_activity_duplicates_suppressed_total", {}, read(counters.duplicates_suppressed));
  writer.family("portico_activity_corrupt_lines_total", "counter", "Unreadable spool lines skipped.");
  writer.sample("portico_activity_corrupt_lines_total", {}, read(counters.corrupt_lines));
  writer.family("portico_activity_spool_pending_events", "gauge", "Events in the spool not yet delivered.");
  writer.sample("portico_activity_spool_pending_events", {}, read(counters.pending));
  writer.family("portico_activity_spool_bytes", "gauge", "Bytes of the spool's segment files.");
  writer.sample("portico_activity_spool_bytes", {}, read(counters.spool_bytes));
}

}  // namespace portico::app
