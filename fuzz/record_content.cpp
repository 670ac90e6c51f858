// The record-content check (store.hpp check_record_content): what --resume requires of a stored
// experiment record beyond its checksum. The input describes a result (metric columns, steps,
// values per column, the scheme and seed it claims); it is written as a well-formed record with a
// valid checksum, as another build or a crafted file would be, and read back for its job. The
// reader must accept it exactly when an independent statement of the contract holds (the job's
// scheme and seed, the scenario's metric columns, one value per step in every column, steps
// increasing within 0 .. steps - 1) and then return the same result; otherwise refuse it with an
// InputError.
#include "fixtures.hpp"
#include "fuzz.hpp"
#include "semra/experiments/store.hpp"

namespace {

using semra::fuzz::require;

struct Bytes {
  const std::uint8_t* p;
  std::size_t n, at = 0;
  std::uint8_t next() { return at < n ? p[at++] : 0; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto jobs = semra::fuzz::fuzz_jobs();
  Bytes in{data, size};
  const auto& fj = jobs[in.next() % jobs.size()];
  const auto& job = fj.job;
  const auto& columns = *job.metric_columns;

  semra::ExperimentResult r;
  // Columns: the scenario's, one renamed, one dropped, or one added.
  r.columns = columns;
  switch (in.next() % 8) {
    case 1:
      r.columns[in.next() % r.columns.size()] += "x";
      break;
    case 2:
      r.columns.pop_back();
      break;
    case 3:
      r.columns.push_back("extra");
      break;
    default:
      break;
  }
  // Steps: increasing by the input's deltas (0 repeats a step), sometimes negative or beyond.
  const std::size_t rows = in.next() % 24;
  std::int64_t step = static_cast<std::int8_t>(in.next()) % 3 - 1;  // -1, 0 or 1 to start
  for (std::size_t i = 0; i < rows; ++i) {
    r.steps.push_back(step);
    step += in.next() % 4;
  }
  if (in.next() % 16 == 0 && !r.steps.empty()) r.steps.back() = job.steps + in.next() % 3 - 1;
  // Values: one column per metric column, one value per step, give or take one.
  auto give_or_take_one = [&](std::size_t n) {
    const int d = in.next() % 8 == 0 ? in.next() % 3 - 1 : 0;
    return d < 0 && n == 0 ? n : static_cast<std::size_t>(static_cast<long>(n) + d);
  };
  const std::size_t value_columns = give_or_take_one(r.columns.size());
  for (std::size_t c = 0; c < value_columns; ++c) {
    const std::size_t n = give_or_take_one(rows);
    std::vector<double> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<double>(in.next()) / 7.0);
    r.values.push_back(std::move(v));
  }
  r.scalars["x"] = 1.5;
  // The experiment it claims to be: its own id (so the id check passes), the scheme and seed
  // sometimes another's.
  semra::detail::Job claimed;
  claimed.id = job.id;
  claimed.scheme = in.next() % 8 == 0 ? std::string("other") : job.scheme;
  claimed.seed = in.next() % 8 == 0 ? job.seed + 1 : job.seed;
  claimed.config_values = job.config_values;
  r.scheme = claimed.scheme;
  r.seed = claimed.seed;

  bool valid = claimed.scheme == job.scheme && claimed.seed == job.seed && r.columns == columns &&
               r.values.size() == r.columns.size();
  for (const auto& v : r.values) valid = valid && v.size() == r.steps.size();
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    valid = valid && r.steps[i] >= 0 && r.steps[i] < job.steps &&
            (i == 0 || r.steps[i] > r.steps[i - 1]);

  const std::string bytes = semra::detail::RunStore::encode_record(claimed, r);
  bool accepted = false;
  semra::fuzz::expect_input_errors_only([&] {
    const auto back = semra::detail::RunStore::decode_record(bytes, job, "fuzz.msgpack");
    accepted = true;
    require(back == r, "an accepted record did not read back as written");
  });
  require(accepted == valid, accepted ? "a record breaking the contract was accepted"
                                      : "a record meeting the contract was refused");
  return 0;
}
