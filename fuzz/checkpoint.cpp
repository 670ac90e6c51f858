// A stored checkpoint (OUT/experiments/<id>.ckpt, read by --resume): the container (magic,
// version, experiment id, config, step, checksum) and then the scenario's state inside it, restored
// into the real experiment, which then runs its remaining steps. With the first input byte even,
// the trailing checksum is recomputed first, so the fuzzer reaches the state behind it (a file
// that passes the checksum but was written by a buggy or different build); odd, read as is.
#include "fixtures.hpp"
#include "fuzz.hpp"
#include "semra/core/checksum.hpp"
#include "semra/experiments/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto jobs = semra::fuzz::fuzz_jobs();
  if (size < 1) return 0;
  std::string bytes = semra::fuzz::text(data + 1, size - 1);
  if ((data[0] & 1) == 0 && bytes.size() >= 8) {
    const std::uint64_t h = semra::fnv1a64(std::string_view(bytes).substr(0, bytes.size() - 8));
    bytes.replace(bytes.size() - 8, 8, reinterpret_cast<const char*>(&h), 8);
  }
  for (const auto& j : jobs)
    semra::fuzz::expect_input_errors_only([&] {
      const auto c = semra::detail::RunStore::decode_checkpoint(bytes, j.job, "fuzz.ckpt");
      semra::CheckpointHooks hooks;
      hooks.has_resume_state = true;
      hooks.resume_step = c.step;
      hooks.resume_state = c.state;
      semra::RunContext shared;
      semra::RunContext ctx(shared, std::move(hooks));
      (void)j.scenario->run(*j.job.config, j.job.scheme, j.job.seed, ctx);
    });
  return 0;
}
