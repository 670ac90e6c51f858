// A run directory's manifest.json, read by --resume and compared with what the command asks for
// (format, version, scenario, schemes, seeds, grid, config).
#include <unistd.h>

#include <filesystem>

#include "fixtures.hpp"
#include "fuzz.hpp"
#include "semra/core/io.hpp"
#include "semra/experiments/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto jobs = semra::fuzz::fuzz_jobs();
  static const auto manifest = semra::fuzz::fuzz_manifest(jobs[1]);
  static std::vector<semra::detail::Job> one = [] {
    std::vector<semra::detail::Job> v(1);
    v[0].id = jobs[1].job.id;
    v[0].scheme = jobs[1].job.scheme;
    v[0].seed = jobs[1].job.seed;
    v[0].config_values = jobs[1].job.config_values;
    return v;
  }();
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("semra-fuzz-run-" + std::to_string(::getpid()));
  semra::write_file_atomic(dir / "manifest.json", semra::fuzz::text(data, size));
  semra::fuzz::expect_input_errors_only(
      [&] { semra::detail::RunStore store(dir, manifest, /*resume=*/true, one); });
  return 0;
}
