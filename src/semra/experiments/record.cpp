// RunStore's experiment records (store.hpp): one MessagePack map per finished experiment,
// readable by any MessagePack library, ending with a checksum (format 2).
#include <nlohmann/json.hpp>

#include "semra/core/checksum.hpp"
#include "semra/core/error.hpp"
#include "semra/experiments/msgpack.hpp"
#include "semra/experiments/store.hpp"
#include "semra/version.hpp"

namespace semra::detail {

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
  const std::string diff = config_difference(config, job.config_values);
  if (!diff.empty())
    throw InputError("cannot resume: stored experiment '" + job.id +
                     "' was run with a different config: " + diff + "; nothing was changed");
  check_record_content(r, scheme, seed, job, what + " is corrupt (");
  r.scheme = std::move(scheme);
  r.seed = seed;
  return r;
}

}  // namespace semra::detail
