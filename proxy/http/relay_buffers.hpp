// http/relay_buffers: the body relay buffers of one worker, reused from request to request.
// Why: a 64 KiB array in a coroutine frame made every request allocate and free a 64 KiB
// frame, which glibc served by growing the heap and trimming it again (two brk calls per
// request; 20% of the proxy's CPU in an HTTP keep-alive benchmark, bench/README.md).
// One worker thread only: no locks. A buffer is held only while a body is being relayed.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace portico::http {

class RelayBuffers {
 public:
  static constexpr std::size_t buffer_size = 64 * 1024;
  // Spare buffers kept for the next requests (4 MiB); more are freed when given back.
  static constexpr std::size_t max_spare = 64;

  // One buffer of buffer_size bytes, back to its owner when the lease ends. The owner must
  // outlive its leases (the worker declares it before its io_context).
  class Lease {
   public:
    Lease(RelayBuffers& owner, std::unique_ptr<char[]> buffer) noexcept
        : owner_(&owner), buffer_(std::move(buffer)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (buffer_) owner_->give_back(std::move(buffer_));
    }
    char* data() const noexcept { return buffer_.get(); }
    static constexpr std::size_t size() noexcept { return buffer_size; }

   private:
    RelayBuffers* owner_;
    std::unique_ptr<char[]> buffer_;
  };

  RelayBuffers() { spare_.reserve(max_spare); }  // give_back never allocates

  Lease take() {
    if (spare_.empty()) return Lease(*this, std::unique_ptr<char[]>(new char[buffer_size]));
    Lease lease(*this, std::move(spare_.back()));
    spare_.pop_back();
    return lease;
  }

 private:
  void give_back(std::unique_ptr<char[]> buffer) {
    if (spare_.size() < max_spare) spare_.push_back(std::move(buffer));
  }

  std::vector<std::unique_ptr<char[]>> spare_;
};

}  // namespace portico::http
