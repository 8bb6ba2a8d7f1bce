// acme/storage: the [acme] storage directory, shared by every instance pointed at it:
//   account.key               the ACME account key (PEM, 0600)
//   certs/<domain>.pem        chain (leaf first) + key, the cert_dir format (0600)
//   challenges/<token>        key authorizations of pending challenges
//   locks/<name>.lock         flock(2) locks: one order per domain across instances
// Files are written to a temporary name, fsynced and renamed, so a reader never sees half a
// file. Blocking file I/O: called on the control thread only (small files).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace portico::acme {

// An exclusive flock on a lock file, released by the destructor (or by the kernel when the
// process dies, so a crashed instance never blocks the others).
class FileLock {
 public:
  // Nonblocking: nullopt when another holder has it (or the file cannot be opened).
  static std::optional<FileLock> try_acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class Storage {
 public:
  explicit Storage(std::string dir) : dir_(std::move(dir)) {}

  // Creates the directory tree (0700). False with `error` on failure.
  bool prepare(std::string& error) const;

  const std::string& dir() const { return dir_; }
  std::string account_key_path() const { return dir_ + "/account.key"; }
  std::string certificate_path(const std::string& domain) const { return dir_ + "/certs/" + domain + ".pem"; }
  std::string challenges_dir() const { return dir_ + "/challenges"; }
  std::string lock_path(const std::string& name) const { return dir_ + "/locks/" + name + ".lock"; }

  // Writes `contents` to `path` atomically with mode 0600.
  static bool write_private(const std::string& path, const std::string& contents, std::string& error);
  static std::optional<std::string> read(const std::string& path);
  // Last modification time of `path` (when a certificate was stored), or nullopt.
  static std::optional<std::chrono::system_clock::time_point> modified(const std::string& path);

  // Domains with a stored certificate.
  std::vector<std::string> stored_domains() const;
  void remove_certificate(const std::string& domain) const;

 private:
  std::string dir_;
};

}  // namespace portico::acme
