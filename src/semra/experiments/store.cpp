#include "semra/experiments/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/version.hpp"

namespace semra::detail {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

constexpr int kRecordFormat = 1;
constexpr std::uint32_t kCheckpointFormat = 1;
constexpr char kCheckpointMagic[9] = "SEMRACK1";

ojson axis_json(const AxisValue& v) {
  return std::visit([](const auto& x) { return ojson(x); }, v);
}

ojson config_json(const std::vector<std::pair<std::string, std::string>>& values) {
  ojson j = ojson::object();
  for (const auto& [k, v] : values) j[k] = v;
  return j;
}

std::vector<std::pair<std::string, std::string>> config_from_json(const ojson& j) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& [k, x] : j.items()) v.emplace_back(k, x.get<std::string>());
  return v;
}

std::uint64_t fnv1a(const std::string& s, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 0x100000001b3ULL;
  return h;
}

std::string short_json(const ojson& j) {
  std::string s = j.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// write_file_atomic's temp names: .<name>.tmp<pid>-<counter>
bool is_our_temp_file(const fs::path& p) {
  const std::string n = p.filename().string();
  const auto tmp = n.rfind(".tmp");
  if (n.size() < 2 || n[0] != '.' || tmp == std::string::npos || tmp < 2) return false;
  const std::string tail = n.substr(tmp + 4);
  const auto dash = tail.find('-');
  return dash != std::string::npos && all_digits(tail.substr(0, dash)) &&
         all_digits(tail.substr(dash + 1));
}

void remove_stale_temp_files(const fs::path& dir) {
  std::error_code ec;
  for (const fs::path& d : {dir, dir / "experiments"}) {
    if (!fs::is_directory(d, ec)) continue;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.is_regular_file(ec) && is_our_temp_file(e.path())) fs::remove(e.path(), ec);
  }
}

// A MessagePack writer for the record (big-endian, smallest encodings, as the spec asks).
class MsgPack {
 public:
  void map(std::size_t n) { head(n, 0x80, 16, 0xde, 0xdf); }
  void array(std::size_t n) { head(n, 0x90, 16, 0xdc, 0xdd); }
  void str(std::string_view s) {
    if (s.size() < 32) {
      byte(static_cast<std::uint8_t>(0xa0 | s.size()));
    } else if (s.size() < 256) {
      byte(0xd9), be(static_cast<std::uint8_t>(s.size()));
    } else if (s.size() < 65536) {
      byte(0xda), be(static_cast<std::uint16_t>(s.size()));
    } else {
      byte(0xdb), be(static_cast<std::uint32_t>(s.size()));
    }
    out_.append(s.data(), s.size());
  }
  void uint(std::uint64_t v) {
    if (v < 128) {
      byte(static_cast<std::uint8_t>(v));
    } else if (v < 256) {
      byte(0xcc), be(static_cast<std::uint8_t>(v));
    } else if (v < 65536) {
      byte(0xcd), be(static_cast<std::uint16_t>(v));
    } else if (v <= 0xffffffffULL) {
      byte(0xce), be(static_cast<std::uint32_t>(v));
    } else {
      byte(0xcf), be(v);
    }
  }
  void integer(std::int64_t v) {
    if (v >= 0) return uint(static_cast<std::uint64_t>(v));
    if (v >= -32) return byte(static_cast<std::uint8_t>(v));
    if (v >= -128) return byte(0xd0), be(static_cast<std::uint8_t>(v));
    if (v >= -32768) return byte(0xd1), be(static_cast<std::uint16_t>(v));
    if (v >= INT32_MIN) return byte(0xd2), be(static_cast<std::uint32_t>(v));
    byte(0xd3), be(static_cast<std::uint64_t>(v));
  }
  void f64(double v) { byte(0xcb), be(std::bit_cast<std::uint64_t>(v)); }
  void f32(float v) { byte(0xca), be(std::bit_cast<std::uint32_t>(v)); }
  std::string take() { return std::move(out_); }

 private:
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  template <class U>
  void be(U v) {
    char b[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i)
      b[i] = static_cast<char>((v >> (8 * (sizeof(U) - 1 - i))) & 0xff);
    out_.append(b, sizeof(U));
  }
  void head(std::size_t n, std::uint8_t fix, std::size_t fix_max, std::uint8_t t16,
            std::uint8_t t32) {
    if (n < fix_max) {
      byte(static_cast<std::uint8_t>(fix | n));
    } else if (n < 65536) {
      byte(t16), be(static_cast<std::uint16_t>(n));
    } else {
      byte(t32), be(static_cast<std::uint32_t>(n));
    }
  }
  std::string out_;
};

}  // namespace

ojson make_manifest(const RunPlan& plan) {
  ojson m;
  m["format"] = "semra-run";
  m["format_version"] = kRecordFormat;
  m["semra_version"] = kVersion;
  m["command"] = plan.command;
  m["scenario"] = plan.scenario->name;
  m["figure"] = plan.figure;
  m["sweep"] = plan.sweep;
  m["schemes"] = plan.schemes;
  m["seeds"] = plan.seeds;
  ojson axes = ojson::array();
  for (const auto& a : plan.axes) {
    ojson values = ojson::array();
    for (const auto& v : a.values) values.push_back(axis_json(v));
    axes.push_back({{"key", a.key}, {"name", a.name}, {"values", values}});
  }
  m["axes"] = axes;
  m["config"] = config_json(config_values(*plan.config));
  return m;
}

RunStore::RunStore(fs::path dir, const ojson& manifest, bool resume, const std::vector<Job>& jobs)
    : dir_(std::move(dir)) {
  const std::string d = "'" + dir_.string() + "'";
  std::error_code ec;
  const bool exists = fs::exists(dir_, ec);
  if (exists && !fs::is_directory(dir_, ec))
    throw InputError("output " + d + " exists and is not a directory");
  const bool empty = !exists || fs::is_empty(dir_, ec);
  if (!empty && !resume)
    throw InputError("output directory " + d +
                     " exists and is not empty (choose another --out, or add --resume to continue "
                     "the run stored there; nothing was overwritten)");
  const fs::path manifest_path = dir_ / "manifest.json";
  if (!empty) {
    if (!fs::exists(manifest_path, ec))
      throw InputError("cannot resume " + d +
                       ": it is not a semra run directory (no manifest.json); nothing was changed");
    ojson stored;
    try {
      stored = ojson::parse(read_file(manifest_path));
    } catch (const nlohmann::json::exception& e) {
      throw InputError("cannot resume " + d + ": manifest.json is corrupt (" + e.what() + ")");
    }
    const std::string sv = stored.value("semra_version", std::string("?"));
    if (stored.value("format", std::string()) != "semra-run" || sv != kVersion)
      throw InputError("cannot resume " + d + ": it was written by semra " + sv +
                       " and this is semra " + kVersion +
                       " (resume with the same version, or choose another --out); nothing was "
                       "changed");
    std::string diff;
    auto add = [&](const std::string& s) { diff += (diff.empty() ? "" : "; ") + s; };
    for (const char* k : {"command", "scenario", "figure", "sweep", "schemes", "seeds", "axes"})
      if (stored.value(k, ojson()) != manifest.at(k))
        add(std::string(k) + " (stored " + short_json(stored.value(k, ojson())) + ", requested " +
            short_json(manifest.at(k)) + ")");
    const std::string cd =
        config_difference(config_from_json(stored.value("config", ojson::object())),
                          config_from_json(manifest.at("config")));
    if (!cd.empty()) add("config " + cd);
    if (!diff.empty())
      throw InputError("cannot resume " + d +
                       ": the requested run differs from the stored one in " + diff +
                       "; nothing was changed");
  }

  fs::create_directories(dir_);
  lock_fd_ = ::open((dir_ / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw InputError("cannot write in " + d);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw InputError("another semra command is writing " + d + " (wait for it to finish)");
  }

  stored_.finished.resize(jobs.size());
  stored_.checkpoints.resize(jobs.size());
  if (!empty) {
    for (const auto& job : jobs) {
      const fs::path rec = record_path(job), ckp = checkpoint_path(job);
      if (fs::exists(rec, ec)) {
        stored_.finished[job.index] = decode_record(read_file(rec), job, rec.string());
      } else if (fs::exists(ckp, ec)) {
        stored_.checkpoints[job.index] = decode_checkpoint(read_file(ckp), job, ckp.string());
      }
    }
    remove_stale_temp_files(dir_);
  } else {
    write_file_atomic(manifest_path, manifest.dump(2) + "\n");
  }
  fs::create_directories(dir_ / "experiments");
}

RunStore::~RunStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

fs::path RunStore::record_path(const Job& job) const {
  return dir_ / "experiments" / (job.id + ".msgpack");
}
fs::path RunStore::checkpoint_path(const Job& job) const {
  return dir_ / "experiments" / (job.id + ".ckpt");
}

std::string RunStore::encode_record(const Job& job, const ExperimentResult& r) {
  // Written directly rather than through a JSON tree: a paper-length experiment pools ~10^6
  // samples, and building the tree took most of the per-experiment bookkeeping time. Readable by
  // any MessagePack library (nlohmann's from_msgpack below).
  MsgPack m;
  m.map(8);
  m.str("format"), m.str("semra-experiment");
  m.str("format_version"), m.uint(kRecordFormat);
  m.str("semra_version"), m.str(kVersion);
  m.str("id"), m.str(job.id);
  m.str("scheme"), m.str(job.scheme);
  m.str("seed"), m.uint(job.seed);
  m.str("config"), m.map(job.config_values.size());
  for (const auto& [k, v] : job.config_values) m.str(k), m.str(v);
  m.str("result"), m.map(5);
  m.str("columns"), m.array(r.columns.size());
  for (const auto& c : r.columns) m.str(c);
  m.str("steps"), m.array(r.steps.size());
  for (auto t : r.steps) m.integer(t);
  m.str("values"), m.array(r.values.size());
  for (const auto& col : r.values) {
    m.array(col.size());
    for (double v : col) m.f64(v);
  }
  m.str("scalars"), m.map(r.scalars.size());
  for (const auto& [k, v] : r.scalars) m.str(k), m.f64(v);
  m.str("samples"), m.map(r.samples.size());
  for (const auto& [k, v] : r.samples) {
    m.str(k), m.array(v.size());
    for (float x : v) m.f32(x);
  }
  return m.take();
}

ExperimentResult RunStore::decode_record(const std::string& bytes, const Job& job,
                                         const std::string& where) {
  ojson j;
  try {
    j = ojson::from_msgpack(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("experiment record '" + where + "' is corrupt (" + e.what() + ")");
  }
  try {
    if (j.at("format") != "semra-experiment" || j.at("format_version") != kRecordFormat)
      throw InputError("'" + where + "' is not a semra experiment record of format " +
                       std::to_string(kRecordFormat));
    const auto sv = j.at("semra_version").get<std::string>();
    if (sv != kVersion)
      throw InputError("experiment record '" + where + "' was written by semra " + sv +
                       " and this is semra " + kVersion + "; nothing was changed");
    if (j.at("id") != job.id)
      throw InputError("experiment record '" + where + "' belongs to experiment '" +
                       j.at("id").get<std::string>() + "', expected '" + job.id + "'");
    const std::string diff = config_difference(config_from_json(j.at("config")), job.config_values);
    if (!diff.empty())
      throw InputError("cannot resume: stored experiment '" + job.id +
                       "' was run with a different config: " + diff + "; nothing was changed");
    const auto& res = j.at("result");
    ExperimentResult r;
    r.scheme = j.at("scheme").get<std::string>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.columns = res.at("columns").get<std::vector<std::string>>();
    r.steps = res.at("steps").get<std::vector<std::int64_t>>();
    r.values = res.at("values").get<std::vector<std::vector<double>>>();
    r.scalars = res.at("scalars").get<std::map<std::string, double>>();
    r.samples = res.at("samples").get<std::map<std::string, std::vector<float>>>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw InputError("experiment record '" + where + "' is corrupt (" + e.what() + ")");
  }
}

void RunStore::store_record(const Job& job, const std::string& bytes) const {
  write_file_atomic(record_path(job), bytes);
  std::error_code ec;
  fs::remove(checkpoint_path(job), ec);
}

std::string RunStore::encode_checkpoint(const Job& job, std::int64_t step,
                                        const std::string& state) {
  StateWriter w;
  w.raw(kCheckpointMagic, 8);
  w.u32(kCheckpointFormat);
  w.str(kVersion);
  w.str(job.id);
  w.str(config_json(job.config_values).dump());
  w.i64(step);
  w.str(state);
  std::string bytes = w.take();
  const std::uint64_t h = fnv1a(bytes, bytes.size());
  bytes.append(reinterpret_cast<const char*>(&h), 8);
  return bytes;
}

StoredCheckpoint RunStore::decode_checkpoint(const std::string& bytes, const Job& job,
                                             const std::string& where) {
  if (bytes.size() < 20 || bytes.compare(0, 8, kCheckpointMagic) != 0)
    throw InputError("'" + where + "' is not a semra checkpoint");
  std::uint64_t h = 0;
  std::memcpy(&h, bytes.data() + bytes.size() - 8, 8);
  if (h != fnv1a(bytes, bytes.size() - 8))
    throw InputError("checkpoint '" + where + "' is corrupt (checksum mismatch)");
  StateReader r(std::string_view(bytes).substr(8, bytes.size() - 16), "checkpoint '" + where + "'");
  if (r.u32() != kCheckpointFormat)
    throw InputError("checkpoint '" + where + "' has an unknown format version");
  const std::string sv = r.str();
  if (sv != kVersion)
    throw InputError("checkpoint '" + where + "' was written by semra " + sv +
                     " and this is semra " + kVersion + "; nothing was changed");
  if (r.str() != job.id)
    throw InputError("checkpoint '" + where + "' belongs to another experiment");
  ojson cfg;
  try {
    cfg = ojson::parse(r.str());
  } catch (const nlohmann::json::exception&) {
    throw InputError("checkpoint '" + where + "' is corrupt (config)");
  }
  const std::string diff = config_difference(config_from_json(cfg), job.config_values);
  if (!diff.empty())
    throw InputError("cannot resume: the checkpoint of experiment '" + job.id +
                     "' was written with a different config: " + diff + "; nothing was changed");
  StoredCheckpoint c;
  c.step = r.i64();
  c.state = r.str();
  r.expect_end();
  return c;
}

void RunStore::store_checkpoint(const Job& job, std::int64_t step, const std::string& state) const {
  write_file_atomic(checkpoint_path(job), encode_checkpoint(job, step, state));
}

}  // namespace semra::detail
