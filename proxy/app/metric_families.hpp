// app/metric_families: the /metrics families of modules that keep their own counters (TLS,
// upstream health, activity). Called by MetricsRegistry collectors at scrape time, on the
// control thread; they only read atomics and the current snapshot.
#pragma once

#include "proxy/activity/counters.hpp"
#include "proxy/config/snapshot.hpp"
#include "proxy/observe/prometheus_writer.hpp"

namespace portico::app {

// portico_tls_handshakes_total, _resumptions_total, _handshake_failures_total{reason},
// portico_tls_certificate_expiry_seconds{certificate}.
void write_tls_metrics(observe::PrometheusWriter& writer, const config::Snapshot& snapshot);

// portico_upstream_server_up{server}.
void write_upstream_health_metrics(observe::PrometheusWriter& writer, const config::Snapshot& snapshot);

// portico_activity_*: events spooled and dropped, delivered, failures, spool depth.
void write_activity_metrics(observe::PrometheusWriter& writer, const activity::ActivityCounters& counters);

}  // namespace portico::app
