// A stored experiment record (OUT/experiments/<id>.msgpack, read by --resume; also what MPI ranks
// send to rank 0). With the first input byte even, the trailing checksum is recomputed first, so
// the fuzzer explores the MessagePack decoding behind it; odd, the bytes are read as they are.
#include "fixtures.hpp"
#include "fuzz.hpp"
#include "semra/core/checksum.hpp"
#include "semra/experiments/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto jobs = semra::fuzz::fuzz_jobs();
  if (size < 1) return 0;
  std::string bytes = semra::fuzz::text(data + 1, size - 1);
  if ((data[0] & 1) == 0 && bytes.size() >= 8) {
    std::uint64_t h = semra::fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8));
    for (std::size_t i = bytes.size(); i-- > bytes.size() - 8; h >>= 8)
      bytes[i] = static_cast<char>(h & 0xff);  // MessagePack: big-endian
  }
  for (const auto& j : jobs)
    semra::fuzz::expect_input_errors_only([&] {
      const auto r = semra::detail::RunStore::decode_record(bytes, j.job, "fuzz.msgpack");
      // What the runner relies on when it aggregates a stored result (check_record_content).
      semra::fuzz::require(r.columns == *j.job.metric_columns, "other metric columns accepted");
      semra::fuzz::require(r.values.size() == r.columns.size(), "values without columns");
      for (const auto& v : r.values)
        semra::fuzz::require(v.size() == r.steps.size(), "a column without a value per step");
      for (std::size_t i = 0; i < r.steps.size(); ++i)
        semra::fuzz::require(
            r.steps[i] >= 0 && r.steps[i] < j.job.steps && (i == 0 || r.steps[i] > r.steps[i - 1]),
            "a step outside the run, or out of order");
    });
  return 0;
}
