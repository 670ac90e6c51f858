#include "semra/core/gnuplot.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/stop.hpp"

extern char** environ;

namespace semra {
namespace fs = std::filesystem;

namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// gnuplot's own output, kept for the error message: the last 16 kB (its error is at the end).
constexpr std::size_t kKeptOutput = 16 << 10;

// The line of gnuplot's output that says what went wrong (its last non-empty line, e.g.
// `"figure.gp" line 34: all points y value undefined!`), as one printable line of at most 300
// bytes.
std::string last_line(const std::string& output) {
  std::size_t end = output.size();
  while (end > 0) {
    const std::size_t begin = output.rfind('\n', end - 1);
    const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
    std::string line = output.substr(from, end - from);
    if (line.find_first_not_of(" \t\r^") != std::string::npos) {
      for (char& c : line)
        if (is_control(static_cast<unsigned char>(c))) c = ' ';
      if (line.size() > 300) line = line.substr(0, 300) + "...";
      return line;
    }
    if (begin == std::string::npos) break;
    end = begin;
  }
  return "no message";
}

// Whether `path` holds a complete file of `format`: its signature at the start and its end marker
// at the end. gnuplot exits 0 even when its terminal could not write the whole file (a full disk
// leaves a 0-byte or cut PNG), so a figure is checked before it is renamed into place.
bool complete_figure(const fs::path& path, const std::string& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size < 16) return false;
  const std::size_t tail_n = std::min<std::size_t>(size, 4096);
  std::string head(16, '\0'), tail(tail_n, '\0');
  in.seekg(0);
  in.read(head.data(), 16);
  in.seekg(static_cast<std::streamoff>(size - tail_n));
  in.read(tail.data(), static_cast<std::streamsize>(tail_n));
  if (!in) return false;
  if (format == "png") {
    static const std::string sig("\x89PNG\r\n\x1a\n", 8);
    static const std::string iend("\0\0\0\0IEND\xae\x42\x60\x82", 12);  // the last chunk
    return head.compare(0, 8, sig) == 0 && tail.size() >= 12 &&
           tail.compare(tail.size() - 12, 12, iend) == 0;
  }
  if (format == "pdf")
    return head.rfind("%PDF-", 0) == 0 && tail.find("%%EOF") != std::string::npos;
  // svg: an XML document whose root element is closed.
  const auto last = tail.find_last_not_of(" \t\r\n");
  return (head.rfind("<?xml", 0) == 0 || head.rfind("<svg", 0) == 0) && last != std::string::npos &&
         last >= 5 && tail.compare(last - 5, 6, "</svg>") == 0;
}

struct Outcome {
  int status = -1;  // waitpid status
  std::string output;
};

// Runs `exe args...` in `dir` without a shell: stdin /dev/null, stdout and stderr collected. A
// stop request kills it and throws Interrupted.
Outcome run_in(const fs::path& exe, const fs::path& dir, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw ResourceError(std::string("cannot start gnuplot: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  ::posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  // gnuplot gets default signal handling and no blocked signals, whatever this thread has.
  sigset_t none, defaults;
  ::sigemptyset(&none);
  ::sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) ::sigaddset(&defaults, s);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv_s{exe.filename().string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int err = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    throw ResourceError("cannot start '" + exe.string() + "' in '" + dir.string() +
                        "': " + std::strerror(err));
  }
  Outcome o;
  bool stopped = false;
  char buf[4096];
  for (;;) {
    if (stop_requested()) {
      ::kill(pid, SIGKILL);
      stopped = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    o.output.append(buf, static_cast<std::size_t>(n));
    if (o.output.size() > 2 * kKeptOutput) o.output.erase(0, o.output.size() - kKeptOutput);
  }
  ::close(fds[0]);
  while (::waitpid(pid, &o.status, 0) < 0 && errno == EINTR) {
  }
  if (stopped) throw Interrupted();
  return o;
}

}  // namespace

std::string gnuplot_quote(const std::string& s) {
  std::string out;
  enum { kNone, kSingle, kDouble } open = kNone;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    // gnuplot 5.4's lexer misreads runs of doubled quotes ('''' is an error, 'a''''b' ends after
    // "a'"), so an apostrophe goes into the double-quoted part too.
    const auto want = is_control(c) || ch == '\'' ? kDouble : kSingle;
    if (open != want) {
      if (open != kNone) out += open == kSingle ? "'." : "\".";
      out += want == kSingle ? '\'' : '"';
      open = want;
    }
    if (want == kDouble) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\%03o", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += ch;
    }
  }
  if (open == kNone) return "''";
  out += open == kSingle ? '\'' : '"';
  return out;
}

std::string gnuplot_comment(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (is_control(static_cast<unsigned char>(c))) c = '?';
  if (!out.empty() && out.back() == '\\') out += '?';
  return out;
}

fs::path find_program(const std::string& name) {
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t from = 0;
  while (from <= path.size()) {
    const std::size_t colon = path.find(':', from);
    const std::string dir =
        path.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
    from = colon == std::string::npos ? path.size() + 1 : colon + 1;
    if (dir.empty() || dir.front() != '/') continue;
    const fs::path candidate = fs::path(dir) / name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

bool render_gnuplot(const fs::path& dir, const std::string& script_name,
                    const std::vector<std::string>& formats) {
  const std::string stem = fs::path(script_name).stem().string();
  const fs::path gnuplot = find_program("gnuplot");
  if (gnuplot.empty()) {
    std::fprintf(stderr,
                 "warning: gnuplot not found, %s.%s not rendered (data and script written to "
                 "%s; install gnuplot and run 'gnuplot %s' there)\n",
                 stem.c_str(), formats.empty() ? "png" : formats.front().c_str(), dir.c_str(),
                 script_name.c_str());
    return false;
  }
  for (const auto& fmt : formats) {
    // Rendered to a temp name and renamed once complete, so a killed or failed render never
    // leaves a truncated figure under the final name.
    const std::string tmp = "." + stem + "." + fmt + ".tmp" + std::to_string(::getpid());
    const std::string figure = (dir / (stem + "." + fmt)).string();
    std::error_code ec;
    Outcome o;
    try {
      // "./": a script name starting with '-' is not an option.
      o = run_in(gnuplot, dir,
                 {"-e", "fmt=" + gnuplot_quote(fmt) + "; out=" + gnuplot_quote("./" + tmp),
                  "./" + script_name});
    } catch (...) {
      fs::remove(dir / tmp, ec);
      throw;
    }
    const bool exited_ok = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0;
    if (!exited_ok) {
      fs::remove(dir / tmp, ec);
      const std::string how = WIFSIGNALED(o.status)
                                  ? "was killed by signal " + std::to_string(WTERMSIG(o.status))
                                  : "failed";
      throw ResourceError("gnuplot " + how + " on '" + (dir / script_name).string() + "' (" + fmt +
                          "): " + last_line(o.output) + "; " + figure + " was not written");
    }
    if (!complete_figure(dir / tmp, fmt)) {
      fs::remove(dir / tmp, ec);
      throw ResourceError("gnuplot could not write " + figure + " completely" +
                          low_space_note(dir) + "; it was not written");
    }
    fs::rename(dir / tmp, figure, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(dir / tmp, ignored);
      throw ResourceError("cannot write '" + figure + "': " + ec.message());
    }
  }
  return true;
}

}  // namespace semra
