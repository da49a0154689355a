#include "util/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stacksim {

bool read_text(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return true;
}

namespace {

std::string temp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

[[noreturn]] void cannot_write(const std::string& path, int err) {
  throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
}

}  // namespace

void check_writable(const std::string& path) {
  const std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) cannot_write(path, errno);
  ::close(fd);
  ::unlink(tmp.c_str());
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  // POSIX calls rather than iostreams, so that a full disk (ENOSPC) or a quota (EDQUOT,
  // EFBIG) is reported with its real cause, and fsync before the rename so that the name
  // never points at a file whose blocks were not written.
  const std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) cannot_write(path, errno);
  auto fail = [&](int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    cannot_write(path, err);
  };
  for (size_t done = 0; done < contents.size();) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : ENOSPC);
    done += size_t(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) fail(errno);  // EINVAL: a file that cannot sync
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    cannot_write(path, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    cannot_write(path, err);
  }
}

std::string part_name(const std::string& path, size_t i) {
  return path + ".part" + std::to_string(i) + "." + std::to_string(::getpid());
}

void concat_atomic(const std::string& path, const std::string& head, const std::vector<std::string>& parts,
                   const std::string& tail) {
  // Streamed part by part (a part may hold millions of rows): write_file_atomic's
  // temporary file, fsync and rename, the parts removed whatever happens.
  auto drop_parts = [&] {
    for (const std::string& p : parts) ::unlink(p.c_str());
  };
  const std::string tmp = temp_name(path);
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) {
    drop_parts();
    cannot_write(path, errno);
  }
  out << head;
  for (const std::string& p : parts) {
    std::ifstream in(p, std::ios::binary);
    if (in.peek() != std::ifstream::traits_type::eof()) out << in.rdbuf();
  }
  out << tail;
  out.close();
  drop_parts();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    cannot_write(path, err ? err : EIO);
  }
}

}  // namespace stacksim
