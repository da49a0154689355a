#include "util/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "util/hash.h"

namespace stacksim {

namespace {

using FileId = std::pair<dev_t, ino_t>;
std::set<FileId>& inputs() {
  static std::set<FileId> ids;
  return ids;
}
std::set<FileId>& outputs() {
  static std::set<FileId> ids;
  return ids;
}
std::set<std::string>& output_paths() {
  static std::set<std::string> paths;
  return paths;
}

std::string kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

std::string not_regular(mode_t m) {
  return S_ISDIR(m) ? "is a directory" : "is not a regular file (" + kind_of(m) + ")";
}

std::string temp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

[[noreturn]] void cannot_write(const std::string& path, int err) {
  throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
}

// The file an output path names: a symbolic link's target (so that the link stays).
std::string output_target(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf))
    throw std::runtime_error(path + ": is a symbolic link to nothing (" + std::strerror(errno) + ")");
  return buf;
}

}  // namespace

uint64_t file_hash(const std::string& path, uint64_t fallback) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fallback;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fallback;
  }
  uint64_t h = kFnvOffset;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  ::close(fd);
  return h;
}

std::string input_problem(const std::string& path, long long max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno == ENOENT ? "does not exist" : std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  if (max_bytes > 0 && st.st_size > max_bytes)
    return "is larger than " + std::to_string(max_bytes >> 20) + " MiB (" + std::to_string(st.st_size) + " bytes)";
  inputs().insert({st.st_dev, st.st_ino});
  return "";
}

bool read_text(const std::string& path, std::string* text, std::string* why) {
  std::string problem;
  auto fail = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  // O_NONBLOCK: a FIFO put in the file's place after any check still cannot block the open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(errno == ENOENT ? "does not exist" : std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxInputBytes) {
    ::close(fd);
    return fail(!S_ISREG(st.st_mode) ? not_regular(st.st_mode)
                                     : "is larger than " + std::to_string(kMaxInputBytes >> 20) + " MiB");
  }
  inputs().insert({st.st_dev, st.st_ino});
  text->clear();
  text->reserve(size_t(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = std::strerror(errno);
    if (n <= 0) break;
    text->append(buf, size_t(n));
    if (text->size() > size_t(kMaxInputBytes)) problem = "grew past 256 MiB while read";
    if (!problem.empty()) break;
  }
  ::close(fd);
  return problem.empty() ? true : fail(problem);
}

void check_database(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error(path + ": " + not_regular(st.st_mode) + ", not a results database");
  if (inputs().count({st.st_dev, st.st_ino}))
    throw std::runtime_error(path + ": is an input of this command, not a results database it may write");
}

void check_writable(const std::string& given) {
  const std::string path = output_target(given);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode))
      throw std::runtime_error(given + ": exists and " + not_regular(st.st_mode) +
                               "; outputs are written to regular files only");
    const FileId id{st.st_dev, st.st_ino};
    if (inputs().count(id))
      throw std::runtime_error(given + ": is an input of this command; write the output elsewhere");
    if (!outputs().insert(id).second) throw std::runtime_error(given + ": is named twice as an output");
  }
  const std::string abs = std::filesystem::absolute(path).lexically_normal().string();
  if (!output_paths().insert(abs).second) throw std::runtime_error(given + ": is named twice as an output");
  const std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) cannot_write(given, errno);
  ::close(fd);
  ::unlink(tmp.c_str());
}

// Refuses to rename over anything but a regular file (check_writable refused it earlier;
// this guards a file swapped in since).
static void check_replaceable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw std::runtime_error(path + ": exists and " + not_regular(st.st_mode) +
                             "; outputs are written to regular files only");
}

void write_file_atomic(const std::string& given, const std::string& contents) {
  // POSIX calls rather than iostreams, so that a full disk (ENOSPC) or a quota (EDQUOT,
  // EFBIG) is reported with its real cause, and fsync before the rename so that the name
  // never points at a file whose blocks were not written.
  const std::string path = output_target(given);
  check_replaceable(path);
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

void concat_atomic(const std::string& given, const std::string& head, const std::vector<std::string>& parts,
                   const std::string& tail) {
  // Streamed part by part (a part may hold millions of rows): write_file_atomic's
  // temporary file, fsync and rename, the parts removed whatever happens.
  auto drop_parts = [&] {
    for (const std::string& p : parts) ::unlink(p.c_str());
  };
  const std::string path = output_target(given);
  check_replaceable(path);
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
