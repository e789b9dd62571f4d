#include "base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace bilevel {

namespace {

// The GNU strerror_r returns the message (not always in buffer); the XSI one fills buffer.
[[maybe_unused]] std::string StrerrorResult(const char* result, const char*) {
  return result;
}
[[maybe_unused]] std::string StrerrorResult(int, const char* buffer) {
  return buffer;
}

}  // namespace

std::string ErrnoText(int error) {
  char buffer[256] = {0};
  return StrerrorResult(strerror_r(error, buffer, sizeof buffer), buffer);
}

namespace {

Status SystemError(const std::string& what, const std::string& path, int error) {
  return Status::Error("cannot " + what + " '" + path + "': " + ErrnoText(error));
}

// Writes all of bytes, retrying short writes and interrupted calls.
bool WriteAll(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += std::size_t(n);
  }
  return true;
}

// Makes the rename durable; failures here are ignored (some file systems refuse it).
void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  return WriteFileAtomically(path, std::span<const std::string_view>(&bytes, 1));
}

Status WriteFileAtomically(const std::string& path, std::span<const std::string_view> parts) {
  if (path.empty()) return Status::Error("cannot write a file: the path is empty");
  std::string templ = path + ".tmp-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return SystemError("write", path, errno);
  const std::string temp(name.data());

  struct stat existing;
  const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
  int error = 0;
  if (::fchmod(fd, mode) != 0) error = errno;
  for (std::string_view bytes : parts)
    if (!error && !WriteAll(fd, bytes)) error = errno ? errno : EIO;
  if (!error && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && !error) error = errno;
  if (!error && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error) {
    ::unlink(temp.c_str());
    return SystemError("write", path, error);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  SyncDirectory(dir.empty() ? "." : dir);
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* bytes) {
  if (!bytes) return Status::Error("ReadFile: no output given");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SystemError("read", path, errno);
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return SystemError("read", path, error);
    }
    if (n == 0) break;
    out.append(buffer, std::size_t(n));
  }
  ::close(fd);
  *bytes = std::move(out);
  return Status::Ok();
}

}  // namespace bilevel
