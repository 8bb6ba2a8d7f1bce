// activity/delivery_loop: spool -> webhook, at least once. Two coroutines on the thread's
// own io_context: run() (read, de-duplicate, POST, advance the cursor) and sync_loop()
// (fsync the spool every fsync_interval). Never touches a request thread.
#include "proxy/activity/delivery_loop.hpp"

#include <unistd.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "proxy/observe/log.hpp"

namespace portico::activity {
namespace asio = boost::asio;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds idle_recheck{1};
constexpr std::chrono::seconds failure_log_interval{10};

void subtract_saturating(std::atomic<std::uint64_t>& counter, std::uint64_t amount) {
  std::uint64_t value = counter.load(std::memory_order_relaxed);
  while (!counter.compare_exchange_weak(value, value > amount ? value - amount : 0,
                                        std::memory_order_relaxed)) {
  }
}

void log_coroutine_exit(std::exception_ptr failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    observe::log(observe::LogLevel::error, "activity delivery stopped", {{"error", e.what()}});
  } catch (...) {
    observe::log(observe::LogLevel::error, "activity delivery stopped");
  }
}

}  // namespace

DeliveryLoop::DeliveryLoop(ActivitySpool& spool, ActivityCounters& counters,
                           DeliverySettings settings, SpoolPosition cursor, SeenSet seen)
    : spool_(spool),
      counters_(counters),
      settings_(std::move(settings)),
      reader_(spool.dir()),
      seen_(std::move(seen)),
      cursor_(cursor),
      wake_timer_(io_),
      retry_timer_(io_),
      sync_timer_(io_),
      backoff_(settings_.retry_initial, settings_.retry_max_backoff),
      random_(std::random_device{}()),
      synced_segment_(spool.first_segment()) {
  if (settings_.webhook) {
    client_.emplace(io_.get_executor(), *settings_.webhook, settings_.signing_key,
                    settings_.timeouts);
  }
}

DeliveryLoop::~DeliveryLoop() { stop(); }

void DeliveryLoop::start() {
  if (started_.exchange(true)) return;
  thread_ = std::thread([this] {
    asio::co_spawn(io_, run(), log_coroutine_exit);
    asio::co_spawn(io_, sync_loop(), log_coroutine_exit);
    io_.run();
  });
}

void DeliveryLoop::stop() {
  if (thread_.joinable()) {
    asio::post(io_, [this] { on_stop(); });
    thread_.join();
  }
  sync_spool();  // a clean stop leaves nothing at the mercy of a power cut
}

void DeliveryLoop::on_stop() {
  stop_seen_ = true;
  wake_timer_.cancel();
  retry_timer_.cancel();
  sync_timer_.cancel();
  if (client_) client_->cancel();
}

void DeliveryLoop::wake() noexcept {
  // Only a sleeping loop needs the post (which takes the io_context's mutex).
  if (sleeping_.exchange(false)) asio::post(io_, [this] { wake_timer_.cancel(); });
}

asio::awaitable<void> DeliveryLoop::run() {
  if (!client_) co_return;  // no webhook: the spool is the output; sync_loop keeps it durable
  while (!stop_seen_) {
    const std::uint64_t spooled_before_read = counters_.spooled.load();
    const SpoolBatch batch =
        reader_.read(cursor_, settings_.batch_max_events, spool_.current_segment());
    if (batch.events.empty() && batch.next == cursor_) {
      co_await idle(spooled_before_read);
      continue;
    }
    std::string body;
    const std::size_t count = build_body(batch, body);
    if (count > 0) {
      std::string error;
      if (!seen_.sync(error)) {
        // Sending now could deliver a first_only event twice after a crash: wait instead.
        log_failure(error);
        co_await pause(backoff_.next(random_));
        continue;
      }
      const bool sent = co_await send(body);
      if (!sent) co_return;
    }
    finish(batch, count);
  }
}

asio::awaitable<void> DeliveryLoop::idle(std::uint64_t spooled_before_read) {
  // Dekker-style handshake with wake(): either append()'s seq_cst increment of `spooled` is
  // seen here, or wake() sees sleeping_ and posts the cancel, which can only run once this
  // coroutine is suspended on the timer.
  sleeping_.store(true);
  if (counters_.spooled.load() != spooled_before_read || stop_seen_) {
    sleeping_.store(false);
    co_return;
  }
  wake_timer_.expires_after(idle_recheck);
  co_await wake_timer_.async_wait(nothrow_awaitable);  // expiry and cancel alike end the wait
  sleeping_.store(false);
}

asio::awaitable<void> DeliveryLoop::pause(std::chrono::milliseconds delay) {
  if (stop_seen_) co_return;
  retry_timer_.expires_after(delay);
  co_await retry_timer_.async_wait(nothrow_awaitable);  // expiry and cancel alike end the wait
}

asio::awaitable<void> DeliveryLoop::sync_loop() {
  while (!stop_seen_) {
    sync_spool();
    sync_timer_.expires_after(settings_.fsync_interval);
    co_await sync_timer_.async_wait(nothrow_awaitable);  // expiry and cancel alike end the wait
  }
}

std::size_t DeliveryLoop::build_body(const SpoolBatch& batch, std::string& body) {
  std::size_t count = 0;
  body = "[";
  for (const SpooledEvent& event : batch.events) {
    if (event.first_only && !seen_.admit(event.org_id, event.event, event.object_id, event.id)) {
      counters_.duplicates_suppressed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (count++ > 0) body += ',';
    body += event.line;
  }
  body += ']';
  return count;
}

asio::awaitable<bool> DeliveryLoop::send(const std::string& body) {
  for (;;) {
    const WebhookResult result = co_await client_->post(body);
    if (result.ok()) {
      if (failing_) {
        observe::log(observe::LogLevel::info, "activity webhook delivery recovered",
                     {{"webhook", settings_.webhook->authority}});
      }
      failing_ = false;
      backoff_.reset();
      co_return true;
    }
    if (stop_seen_) co_return false;
    counters_.delivery_failures.fetch_add(1, std::memory_order_relaxed);
    log_failure(result.error);
    failing_ = true;
    co_await pause(backoff_.next(random_));
    if (stop_seen_) co_return false;
  }
}

void DeliveryLoop::finish(const SpoolBatch& batch, std::size_t sent) {
  if (sent > 0) {
    counters_.delivered.fetch_add(sent, std::memory_order_relaxed);
    counters_.batches_delivered.fetch_add(1, std::memory_order_relaxed);
  }
  if (batch.corrupt > 0) {
    counters_.corrupt_lines.fetch_add(batch.corrupt, std::memory_order_relaxed);
    observe::log(observe::LogLevel::warn, "activity spool: skipped unreadable lines",
                 {{"spool_dir", spool_.dir()},
                  {"segment", std::to_string(cursor_.segment)},
                  {"lines", std::to_string(batch.corrupt)}});
  }
  subtract_saturating(counters_.pending, batch.events.size() + batch.corrupt);
  advance(batch.next);
}

void DeliveryLoop::advance(SpoolPosition next) {
  if (next == cursor_) return;
  cursor_ = next;
  std::string error;
  if (!write_cursor(spool_.dir(), cursor_, error)) {
    // Keep going from memory; the old cursor on disk only means duplicates after a crash.
    // Segments stay until a cursor past them is on disk.
    log_failure(error);
    return;
  }
  for (std::uint64_t segment : list_segments(spool_.dir())) {
    if (segment >= cursor_.segment) break;
    const std::string path = segment_path(spool_.dir(), segment);
    const std::uint64_t size = file_size_or_zero(path);
    if (::unlink(path.c_str()) == 0) subtract_saturating(counters_.spool_bytes, size);
  }
}

void DeliveryLoop::sync_spool() {
  const std::uint64_t spooled = counters_.spooled.load();
  const std::uint64_t current = spool_.current_segment();
  if (spooled == synced_spooled_ && current == synced_segment_) return;
  for (std::uint64_t segment = synced_segment_; segment <= current; ++segment) {
    const std::string path = segment_path(spool_.dir(), segment);
    // A segment delivered and deleted meanwhile needs no fsync.
    if (!fsync_path(path) && errno != ENOENT) log_failure(errno_message("cannot fsync", path));
  }
  if (current != synced_segment_) fsync_path(spool_.dir());
  synced_spooled_ = spooled;
  synced_segment_ = current;
}

void DeliveryLoop::log_failure(const std::string& what) {
  const auto now = std::chrono::steady_clock::now();
  if (last_failure_log_ != std::chrono::steady_clock::time_point{} &&
      now - last_failure_log_ < failure_log_interval) {
    return;
  }
  last_failure_log_ = now;
  observe::log(observe::LogLevel::warn, "activity delivery failing; events stay in the spool",
               {{"error", what},
                {"pending", std::to_string(counters_.pending.load())},
                {"failed_attempts", std::to_string(counters_.delivery_failures.load())}});
}

}  // namespace portico::activity
