#include "semra/experiments/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "semra/core/checksum.hpp"
#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/isa.hpp"
#include "semra/core/rng.hpp"
#include "semra/core/serialize.hpp"
#include "semra/experiments/msgpack.hpp"
#include "semra/version.hpp"

namespace semra::detail {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

constexpr std::uint32_t kCheckpointFormat = 2;  // 2: the kernel variant after the version
constexpr char kCheckpointMagic[9] = "SEMRACK1";

ojson axis_json(const AxisValue& v) {
  return std::visit([](const auto& x) { return ojson(x); }, v);
}

ojson config_json(const std::vector<std::pair<std::string, std::string>>& values) {
  ojson j = ojson::object();
  for (const auto& [k, v] : values) j[k] = v;
  return j;
}

const std::vector<std::pair<std::string, std::string>>& no_defaults() {
  static const std::vector<std::pair<std::string, std::string>> none;
  return none;
}
const std::vector<std::pair<std::string, std::string>>& defaults_of(const Job& job) {
  return job.config_defaults ? *job.config_defaults : no_defaults();
}

std::vector<std::pair<std::string, std::string>> config_from_json(const ojson& j) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& [k, x] : j.items()) v.emplace_back(k, x.get<std::string>());
  return v;
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
    : dir_(std::move(dir)), resume_(resume) {
  std::string d("'");  // (appended, not "'" + ...: GCC 12 -Wrestrict false positive)
  d.append(dir_.string()).append("'");
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
    std::string diff;
    try {
      stored =
          ojson::parse(read_input_file(manifest_path, "manifest", input_limit::kManifestBytes));
      if (!stored.is_object())
        throw InputError("cannot resume " + d + ": manifest.json is corrupt (not a JSON object)");
      const std::string sv = stored.value("semra_version", std::string("?"));
      if (stored.value("format", std::string()) != "semra-run" || sv != kVersion)
        throw InputError("cannot resume " + d + ": it was written by semra " + echo(sv, 40) +
                         " and this is semra " + kVersion +
                         " (resume with the same version, or choose another --out); nothing was "
                         "changed");
      auto add = [&](const std::string& s) { diff += (diff.empty() ? "" : "; ") + s; };
      for (const char* k : {"command", "scenario", "figure", "sweep", "schemes", "seeds", "axes"})
        if (stored.value(k, ojson()) != manifest.at(k))
          add(std::string(k) + " (stored " + short_json(stored.value(k, ojson())) + ", requested " +
              short_json(manifest.at(k)) + ")");
      const std::string cd =
          config_difference(config_from_json(stored.value("config", ojson::object())),
                            config_from_json(manifest.at("config")),
                            jobs.empty() ? no_defaults() : defaults_of(jobs.front()));
      if (!cd.empty()) add("config " + cd);
    } catch (const nlohmann::json::exception& e) {  // not JSON, or a field of the wrong type
      throw InputError("cannot resume " + d + ": manifest.json is corrupt (" + echo(e.what(), 300) +
                       "); nothing was changed");
    }
    if (!diff.empty())
      throw InputError("cannot resume " + d +
                       ": the requested run differs from the stored one in " + diff +
                       "; nothing was changed");
  }

  created_ = !exists;
  create_directories_or_throw(dir_);
  lock_fd_ = ::open((dir_ / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    const int err = errno;
    if (created_) fs::remove(dir_, ec);
    throw ResourceError("cannot write in " + d + ": " + std::strerror(err) +
                        " (choose a writable location, e.g. another --out)");
  }
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
        stored_.finished[job.index] =
            decode_record(read_input_file(rec, "experiment record", input_limit::kRunFileBytes),
                          job, rec.string());
      } else if (fs::exists(ckp, ec)) {
        stored_.checkpoints[job.index] = decode_checkpoint(
            read_input_file(ckp, "checkpoint", input_limit::kRunFileBytes), job, ckp.string());
      }
    }
    remove_stale_temp_files(dir_);
  } else {
    try {
      write_file_atomic(manifest_path, manifest.dump(2) + "\n");
      create_directories_or_throw(dir_ / "experiments");
    } catch (const InputError& e) {
      throw ResourceError(std::string(e.what()) + "; " + after_failure());
    }
  }
  create_directories_or_throw(dir_ / "experiments");
}

std::string RunStore::after_failure() {
  std::string d("'");  // (appended: GCC 12 -Wrestrict false positive)
  d.append(dir_.string()).append("'");
  if (resume_ || written_.load() > 0)
    return "finished experiments and checkpoints are kept in " + d +
           ": once the cause is fixed, continue with --resume";
  if (lock_fd_ >= 0) ::close(lock_fd_), lock_fd_ = -1;
  std::error_code ec;
  if (created_) {
    fs::remove_all(dir_, ec);
  } else {
    // The directory was empty when this command began: everything in it is this command's.
    for (const auto& e : fs::directory_iterator(dir_, ec)) fs::remove_all(e.path(), ec);
  }
  if (ec) return "this run stored nothing; remove " + d + " before running it again";
  return "nothing was stored, so " + d + (created_ ? " was removed" : " was emptied again") +
         " (rerun once the cause is fixed)";
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

void RunStore::store_record(const Job& job, const std::string& bytes) const {
  write_file_atomic(record_path(job), bytes);
  ++written_;
  std::error_code ec;
  fs::remove(checkpoint_path(job), ec);
}

std::string RunStore::encode_checkpoint(const Job& job, std::int64_t step,
                                        const std::string& state) {
  StateWriter w;
  w.raw(kCheckpointMagic, 8);
  w.u32(kCheckpointFormat);
  w.str(kVersion);
  w.str(std::string(to_string(active_isa())));
  w.str(job.id);
  w.str(config_json(job.config_values).dump());
  w.i64(step);
  w.str(state);
  std::string bytes = w.take();
  const std::uint64_t h = fnv1a64(bytes);
  bytes.append(reinterpret_cast<const char*>(&h), 8);
  return bytes;
}

StoredCheckpoint RunStore::decode_checkpoint(const std::string& bytes, const Job& job,
                                             const std::string& where) {
  if (bytes.size() < 20 || bytes.compare(0, 8, kCheckpointMagic) != 0)
    throw InputError("'" + where + "' is not a semra checkpoint");
  std::uint64_t h = 0;
  std::memcpy(&h, bytes.data() + bytes.size() - 8, 8);
  if (h != fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8)))
    throw InputError("checkpoint '" + where + "' is corrupt (checksum mismatch)");
  StateReader r(std::string_view(bytes).substr(8, bytes.size() - 16), "checkpoint '" + where + "'");
  if (r.u32() != kCheckpointFormat)
    throw InputError("checkpoint '" + where + "' has an unknown format version");
  const std::string sv = r.str();
  if (sv != kVersion)
    throw InputError("checkpoint '" + where + "' was written by semra " + echo(sv, 40) +
                     " and this is semra " + kVersion + "; nothing was changed");
  // Variants may differ in the last bits, so continuing under another would break the rule that a
  // resumed run equals an uninterrupted one.
  const std::string isa = r.str(), here(to_string(active_isa()));
  if (isa != here)
    throw InputError("checkpoint '" + where + "' was written with the " + echo(isa, 40) +
                     " kernels and this process uses " + here + " (resume with SEMRA_ISA=" + isa +
                     "); nothing was changed");
  if (r.str() != job.id)
    throw InputError("checkpoint '" + where + "' belongs to another experiment");
  ojson cfg;
  try {
    cfg = ojson::parse(r.str());
  } catch (const nlohmann::json::exception&) {
    throw InputError("checkpoint '" + where + "' is corrupt (config)");
  }
  const std::string diff =
      config_difference(config_from_json(cfg), job.config_values, defaults_of(job));
  if (!diff.empty())
    throw InputError("cannot resume: the checkpoint of experiment '" + job.id +
                     "' was written with a different config: " + diff + "; nothing was changed");
  StoredCheckpoint c;
  c.step = r.i64();
  // A scenario resumes its loop at this step: outside 0..steps it would run steps it never had.
  if (c.step < 0 || (job.steps > 0 && c.step > job.steps))
    throw InputError("checkpoint '" + where + "' is corrupt (step " + std::to_string(c.step) +
                     " outside 0.." + std::to_string(job.steps) + ")");
  c.state = r.str();
  r.expect_end();
  return c;
}

void RunStore::store_checkpoint(const Job& job, std::int64_t step, const std::string& state) const {
  write_file_atomic(checkpoint_path(job), encode_checkpoint(job, step, state));
  ++written_;
}

// ---- Experiment records: one MessagePack map per finished experiment, readable by any
// MessagePack library, ending with a checksum (format 2).

namespace {

// A record ends with the map entry "checksum": FNV-1a 64 of every byte before its value, as a
// MessagePack uint64 (so the file stays plain MessagePack). Checked before anything is decoded.
constexpr std::string_view kRecordChecksumKey =
    "\xa8"
    "checksum"
    "\xcf";  // fixstr 8, uint64
constexpr std::size_t kRecordTrailer = kRecordChecksumKey.size() + 8;

}  // namespace

void check_record_content(const ExperimentResult& r, const std::string& scheme, std::uint64_t seed,
                          const Job& job, const std::string& corrupt) {
  const std::string redo = ") (delete it and rerun with --resume to redo that experiment)";
  auto fail = [&](const std::string& why) { throw InputError(corrupt + why + redo); };
  if (scheme != job.scheme || seed != job.seed)
    fail("scheme '" + echo(scheme) + "' seed " + std::to_string(seed) + ", expected '" +
         job.scheme + "' seed " + std::to_string(job.seed));
  if (job.metric_columns != nullptr && r.columns != *job.metric_columns) {
    std::string got, want;
    for (const auto& c : r.columns) got += (got.empty() ? "" : ",") + c;
    for (const auto& c : *job.metric_columns) want += (want.empty() ? "" : ",") + c;
    fail("metric columns " + echo(got) + ", expected " + want);
  }
  if (r.values.size() != r.columns.size())
    fail(std::to_string(r.values.size()) + " value columns for " +
         std::to_string(r.columns.size()) + " metric columns");
  for (std::size_t c = 0; c < r.values.size(); ++c)
    if (r.values[c].size() != r.steps.size())
      fail("column " + echo(r.columns[c]) + " has " + std::to_string(r.values[c].size()) +
           " values for " + std::to_string(r.steps.size()) + " steps");
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    // A row's step is the step that completed it: 0 .. steps-1, increasing (docs/scaling.md).
    const std::int64_t t = r.steps[i];
    if (t < 0 || (job.steps > 0 && t >= job.steps) || (i > 0 && t <= r.steps[i - 1]))
      fail("row " + std::to_string(i) + " has step " + std::to_string(t) +
           (i > 0 ? " after " + std::to_string(r.steps[i - 1]) : std::string()) +
           "; steps increase from 0 to " + std::to_string(job.steps - 1));
  }
}

std::string RunStore::encode_record(const Job& job, const ExperimentResult& r) {
  // Written directly rather than through a JSON tree: a paper-length experiment pools ~10^6
  // samples, and building the tree took most of the per-experiment bookkeeping time. Readable by
  // any MessagePack library (nlohmann's from_msgpack below).
  MsgPack m;
  m.map(9);
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
  m.str("checksum");  // last: covers every byte before its value
  m.checksum();
  return m.take();
}

ExperimentResult RunStore::decode_record(const std::string& bytes, const Job& job,
                                         const std::string& where) {
  // Read directly (not through a JSON tree), for the same reason as encode_record: rank 0 decodes
  // every other rank's results on the thread that coordinates them.
  const std::string what = "experiment record '" + where + "'";
  const std::string redo = " (delete it and rerun with --resume to redo that experiment)";
  if (bytes.size() < kRecordTrailer ||
      std::string_view(bytes).substr(bytes.size() - kRecordTrailer, kRecordChecksumKey.size()) !=
          kRecordChecksumKey)
    throw InputError(what + " is corrupt (truncated, or not a format-" +
                     std::to_string(kRecordFormat) + " record: no checksum at its end)" + redo);
  std::uint64_t stored_sum = 0;
  for (std::size_t i = bytes.size() - 8; i < bytes.size(); ++i)
    stored_sum = (stored_sum << 8) | static_cast<unsigned char>(bytes[i]);
  if (stored_sum != fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8)))
    throw InputError(what + " is corrupt (checksum mismatch)" + redo);
  MsgPackReader in(bytes, what);
  std::string format, version, id, scheme;
  std::uint64_t format_version = 0, seed = 0;
  bool have_result = false, have_config = false;
  std::vector<std::pair<std::string, std::string>> config;
  ExperimentResult r;
  for (std::size_t n = in.map(); n-- > 0;) {
    const std::string key = in.str();
    if (key == "format") {
      format = in.str();
    } else if (key == "format_version") {
      format_version = in.uinteger();
    } else if (key == "semra_version") {
      version = in.str();
    } else if (key == "id") {
      id = in.str();
    } else if (key == "scheme") {
      scheme = in.str();
    } else if (key == "seed") {
      seed = in.uinteger();
    } else if (key == "config") {
      have_config = true;
      for (std::size_t m = in.map(); m-- > 0;) {
        std::string k = in.str();
        config.emplace_back(std::move(k), in.str());
      }
    } else if (key == "checksum") {
      (void)in.uinteger();  // verified above
    } else if (key == "result") {
      have_result = true;
      for (std::size_t m = in.map(); m-- > 0;) {
        const std::string part = in.str();
        if (part == "columns") {
          r.columns.resize(in.array());
          for (auto& c : r.columns) c = in.str();
        } else if (part == "steps") {
          r.steps.resize(in.array());
          for (auto& t : r.steps) t = in.integer();
        } else if (part == "values") {
          r.values.resize(in.array());
          for (auto& col : r.values) {
            col.resize(in.array());
            for (auto& v : col) v = in.f64();
          }
        } else if (part == "scalars") {
          for (std::size_t k = in.map(); k-- > 0;) {
            std::string name = in.str();
            r.scalars[name] = in.f64();
          }
        } else if (part == "samples") {
          for (std::size_t k = in.map(); k-- > 0;) {
            auto& v = r.samples[in.str()];
            v.resize(in.array());
            for (auto& x : v) x = in.f32();
          }
        } else {
          in.skip();
        }
      }
    } else {
      in.skip();  // a field this version does not know
    }
  }
  in.expect_end();
  if (format != "semra-experiment" || format_version != kRecordFormat)
    throw InputError("'" + where + "' is not a semra experiment record of format " +
                     std::to_string(kRecordFormat));
  if (version != kVersion)
    throw InputError("experiment record '" + where + "' was written by semra " + echo(version, 40) +
                     " and this is semra " + kVersion + "; nothing was changed");
  if (id != job.id)
    throw InputError("experiment record '" + where + "' belongs to experiment '" + echo(id) +
                     "', expected '" + job.id + "'");
  if (!have_config || !have_result)
    throw InputError("experiment record '" + where + "' is corrupt (no config or result)");
  const std::string diff = config_difference(config, job.config_values, defaults_of(job));
  if (!diff.empty())
    throw InputError("cannot resume: stored experiment '" + job.id +
                     "' was run with a different config: " + diff + "; nothing was changed");
  check_record_content(r, scheme, seed, job, what + " is corrupt (");
  r.scheme = std::move(scheme);
  r.seed = seed;
  return r;
}

}  // namespace semra::detail
