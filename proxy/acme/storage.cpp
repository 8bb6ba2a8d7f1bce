// acme/storage: directory layout, atomic private writes, flock.
#include "proxy/acme/storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace portico::acme {
namespace fs = std::filesystem;

std::optional<FileLock> FileLock::try_acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

bool Storage::prepare(std::string& error) const {
  for (const char* sub : {"", "/certs", "/challenges", "/locks"}) {
    std::error_code ec;
    const fs::path path = dir_ + sub;
    fs::create_directories(path, ec);
    if (ec) {
      error = "cannot create '" + path.string() + "': " + ec.message();
      return false;
    }
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  return true;
}

bool Storage::write_private(const std::string& path, const std::string& contents, std::string& error) {
  static std::atomic<unsigned> sequence{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(sequence++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write '" + temp + "': " + std::strerror(errno);
    return false;
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const bool ok = written == contents.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

std::optional<std::string> Storage::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<std::chrono::system_clock::time_point> Storage::modified(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(info.st_mtim.tv_sec));
}

std::vector<std::string> Storage::stored_domains() const {
  std::vector<std::string> domains;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/certs", ec)) {
    if (entry.path().extension() == ".pem") domains.push_back(entry.path().stem().string());
  }
  return domains;
}

void Storage::remove_certificate(const std::string& domain) const {
  std::error_code ignored;
  fs::remove(certificate_path(domain), ignored);
}

}  // namespace portico::acme
