#include "semra/experiments/live.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

#include "semra/core/io.hpp"
#include "semra/experiments/tensorboard.hpp"

namespace semra::detail {
namespace fs = std::filesystem;

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string metrics_header(const RunPlan& plan, const std::vector<std::string>& columns) {
  std::string out = "scheme,seed,";
  for (const auto& a : plan.axes) out += csv_field(a.name) + ",";
  out += "step";
  for (const auto& c : columns) out += "," + c;
  return out + "\n";
}

std::string metrics_prefix(const RunPlan& plan, const Job& job) {
  std::string prefix = job.scheme + "," + std::to_string(job.seed) + ",";
  const auto idx = point_indices(plan, job.point);
  for (std::size_t a = 0; a < plan.axes.size(); ++a)
    prefix += csv_field(axis_value_text(plan.axes[a].values[idx[a]])) + ",";
  return prefix;
}

void append_metrics_rows(std::string& out, const std::string& prefix, const ExperimentResult& r,
                         std::size_t from_row, std::size_t to_row) {
  for (std::size_t row = from_row; row < to_row; ++row) {
    out += prefix;
    out += std::to_string(r.steps[row]);
    for (std::size_t c = 0; c < r.columns.size(); ++c) {
      out += ',';
      out += format_double(r.values[c][row]);
    }
    out += '\n';
  }
}

std::size_t first_row_at(const ExperimentResult& r, std::int64_t step) {
  return static_cast<std::size_t>(std::lower_bound(r.steps.begin(), r.steps.end(), step) -
                                  r.steps.begin());
}

namespace {

// Appends to a file, creating it and its directory. False (with errno set) on failure.
bool append_file(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0 && done == bytes.size();
}

// The live CSV cut to its header and the rows of steps < `step` (every row starts with `prefix`,
// then the step), and how many rows it kept. Anything unreadable (a line torn by a kill) ends the
// kept part.
std::pair<std::string, std::size_t> cut_csv(const std::string& text, const std::string& prefix,
                                            std::int64_t step) {
  std::size_t pos = text.find('\n');
  if (pos == std::string::npos) return {"", 0};
  std::size_t keep = pos + 1, rows = 0;
  while (keep < text.size()) {
    const std::size_t end = text.find('\n', keep);
    if (end == std::string::npos) break;  // a torn last line
    if (text.compare(keep, prefix.size(), prefix) != 0) break;
    const char* p = text.c_str() + keep + prefix.size();
    char* stop = nullptr;
    const long long s = std::strtoll(p, &stop, 10);
    if (stop == p || *stop != ',' || s >= step) break;
    keep = end + 1;
    ++rows;
  }
  return {text.substr(0, keep), rows};
}

std::string row_event(const ExperimentResult& r, std::size_t row, double wall_time_s) {
  std::vector<double> v(r.columns.size());
  for (std::size_t c = 0; c < v.size(); ++c) v[c] = r.values[c][row];
  return tensorboard::record(tensorboard::scalars_event(wall_time_s, r.steps[row], r.columns, v));
}

// Appends r's rows from `from` on to `into` (which takes r's columns).
void copy_rows(ExperimentResult& into, const ExperimentResult& r, std::size_t from) {
  if (into.columns.size() != r.columns.size()) {
    into.columns = r.columns;
    into.values.assign(r.columns.size(), {});
  }
  into.steps.insert(into.steps.end(), r.steps.begin() + static_cast<std::ptrdiff_t>(from),
                    r.steps.end());
  for (std::size_t c = 0; c < r.columns.size(); ++c)
    into.values[c].insert(into.values[c].end(),
                          r.values[c].begin() + static_cast<std::ptrdiff_t>(from),
                          r.values[c].end());
}

fs::path find_event_file(const fs::path& dir) {
  fs::path found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0 &&
        (found.empty() || e.path().filename() > found.filename()))
      found = e.path();
  return found;
}

}  // namespace

struct LiveOutputs::Slot {
  std::mutex m;
  std::string prefix;
  fs::path csv, tb_dir, tb_file;
  // Rows the files hold after the cut (a prefix of the result's rows): where writing resumes. A
  // row lost to a torn last line or record is written again rather than skipped.
  std::size_t csv_kept = 0, tb_kept = 0;
  bool first = true;                           // the next rows() call places the cursors
  bool csv_exists = false, tb_exists = false;  // files holding at least their header
  std::size_t csv_next = 0, tb_next = 0;       // first result row not written yet
  // Rows waiting for the writer thread, as numbers: the text and the events are made there, off
  // the experiments' threads.
  ExperimentResult csv_rows, tb_rows;
  std::vector<double> tb_wall_times;
  std::string csv_pending, tb_pending;  // bytes to append (headers, then the rows above)
  std::mutex write_m;                   // held while a batch is formatted and written
  bool warned = false;                  // (guarded by write_m)
};

LiveOutputs::LiveOutputs(const RunPlan& plan, const std::vector<Job>& jobs,
                         const std::vector<Start>& starts, bool tensorboard)
    : plan_(plan), tensorboard_(tensorboard) {
  const fs::path live = plan.out_dir / "live", tb = plan.out_dir / "tensorboard";
  for (const auto& job : jobs) {
    auto s = std::make_unique<Slot>();
    s->prefix = metrics_prefix(plan, job);
    s->csv = live / (job.id + ".csv");
    s->tb_dir = tb / job.id;
    const Start& start = starts[job.index];
    std::error_code ec;
    if (start.finished != nullptr) {
      // Rewritten from the stored result: complete, whatever a kill left in the old file.
      const auto& r = *start.finished;
      std::string text = metrics_header(plan, r.columns);
      append_metrics_rows(text, s->prefix, r, 0, r.steps.size());
      write_file_atomic(s->csv, text);
      s->csv_exists = true;
      s->csv_next = r.steps.size();
    } else if (start.resume_step > 0 && fs::exists(s->csv, ec)) {
      auto [text, rows] = cut_csv(read_file(s->csv), s->prefix, start.resume_step);
      write_file_atomic(s->csv, text);
      s->csv_exists = !text.empty();  // (a file torn inside its header is started again)
      s->csv_kept = rows;
    } else {
      fs::remove(s->csv, ec);
    }
    if (tensorboard_) {
      s->tb_file = find_event_file(s->tb_dir);
      std::vector<tensorboard::Event> events;
      std::string bytes;
      if (!s->tb_file.empty() && (start.finished != nullptr || start.resume_step > 0)) {
        bytes = read_file(s->tb_file);
        try {
          events = tensorboard::read_events(bytes, s->tb_file.string());
        } catch (const InputError& e) {
          std::fprintf(stderr, "warning: %s; starting a new event file\n", e.what());
          events.clear();
        }
      }
      if (events.empty()) {
        if (!s->tb_file.empty()) fs::remove(s->tb_file, ec);
        s->tb_file.clear();
      }
      // Keep the records before the experiment's resume point (all of them when it finished).
      const std::int64_t limit =
          start.finished != nullptr ? std::numeric_limits<std::int64_t>::max() : start.resume_step;
      std::size_t keep = 0;
      std::int64_t last_step = -1;
      for (const auto& e : events) {
        if (e.file_version.empty() && e.step >= limit) break;
        keep = e.end_offset;
        if (e.file_version.empty()) last_step = e.step, ++s->tb_kept;
      }
      if (!s->tb_file.empty()) {
        bytes.resize(keep);
        if (start.finished != nullptr) {
          const auto& r = *start.finished;
          const double now = tensorboard::wall_time_now();
          for (std::size_t row = first_row_at(r, last_step + 1); row < r.steps.size(); ++row)
            bytes += row_event(r, row, now);
        }
        write_file_atomic(s->tb_file, bytes);
        s->tb_exists = true;
      } else if (start.finished != nullptr) {
        const auto& r = *start.finished;
        const double now = tensorboard::wall_time_now();
        s->tb_file = s->tb_dir / tensorboard::event_file_name(now);
        bytes = tensorboard::record(tensorboard::file_version_event(now));
        for (std::size_t row = 0; row < r.steps.size(); ++row) bytes += row_event(r, row, now);
        write_file_atomic(s->tb_file, bytes);
        s->tb_exists = true;
      } else {
        fs::remove_all(s->tb_dir, ec);  // a fresh start: no old records
      }
      if (start.finished != nullptr) s->tb_next = start.finished->steps.size();
    }
    if (start.finished != nullptr) s->first = false;
    slots_.push_back(std::move(s));
  }
  thread_ = std::thread([this] { loop(); });
}

LiveOutputs::~LiveOutputs() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& s : slots_) flush_slot(*s);
}

void LiveOutputs::rows(const Job& job, const ExperimentResult& r, std::size_t first_row) {
  Slot& s = *slots_[job.index];
  std::lock_guard<std::mutex> lock(s.m);
  if (s.first) {
    // Rows a resumed experiment restored from its checkpoint are in the files already (they were
    // cut to them), except any a kill tore off the end, and all of them when a file is missing:
    // writing continues after the rows each file holds.
    s.csv_next = s.csv_exists ? s.csv_kept : 0;
    s.tb_next = s.tb_exists ? s.tb_kept : 0;
    if (!s.csv_exists) s.csv_pending = metrics_header(plan_, r.columns);
    s.csv_exists = true;
    if (tensorboard_ && !s.tb_exists) {
      const double now = tensorboard::wall_time_now();
      s.tb_file = s.tb_dir / tensorboard::event_file_name(now);
      s.tb_pending = tensorboard::record(tensorboard::file_version_event(now));
      s.tb_exists = true;
    }
    s.first = false;
  }
  const std::size_t end = first_row + r.steps.size();
  // (next < first_row: rows missing here; the complete result brings them when it finishes.)
  if (s.csv_next >= first_row && s.csv_next < end) {
    copy_rows(s.csv_rows, r, s.csv_next - first_row);
    s.csv_next = end;
  }
  if (tensorboard_ && s.tb_next >= first_row && s.tb_next < end) {
    s.tb_wall_times.resize(s.tb_wall_times.size() + (end - s.tb_next),
                           tensorboard::wall_time_now());
    copy_rows(s.tb_rows, r, s.tb_next - first_row);
    s.tb_next = end;
  }
}

void LiveOutputs::flush(const Job& job) {
  flush_slot(*slots_[job.index]);
}

void LiveOutputs::flush_slot(Slot& s) {
  // Takes the pending rows, then formats and writes them holding only the write lock, so the
  // experiment is not held up; taking the write lock before letting go of the slot keeps batches
  // in order, and a flush returns only once its rows are on disk.
  std::unique_lock<std::mutex> lock(s.m);
  ExperimentResult csv_rows, tb_rows;
  std::vector<double> wall_times;
  std::string csv_bytes, tb_bytes;
  std::swap(csv_rows, s.csv_rows);
  std::swap(tb_rows, s.tb_rows);
  std::swap(wall_times, s.tb_wall_times);
  std::swap(csv_bytes, s.csv_pending);
  std::swap(tb_bytes, s.tb_pending);
  const fs::path csv = s.csv, tb_file = s.tb_file;
  std::lock_guard<std::mutex> write_lock(s.write_m);
  lock.unlock();
  append_metrics_rows(csv_bytes, s.prefix, csv_rows, 0, csv_rows.steps.size());
  for (std::size_t i = 0; i < tb_rows.steps.size(); ++i)
    tb_bytes += row_event(tb_rows, i, wall_times[i]);
  auto write = [&](const fs::path& path, const std::string& bytes) {
    if (bytes.empty()) return;
    if (!append_file(path, bytes) && !s.warned) {
      s.warned = true;
      std::fprintf(stderr, "warning: cannot write %s (%s); its live rows are dropped\n",
                   path.c_str(), std::strerror(errno));
    }
  };
  write(csv, csv_bytes);
  write(tb_file, tb_bytes);
}

void LiveOutputs::loop() {
  std::unique_lock<std::mutex> lock(m_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    for (auto& s : slots_) flush_slot(*s);
    lock.lock();
  }
}

}  // namespace semra::detail
