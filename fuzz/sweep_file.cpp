// A sweep file (`semra sweep FILE`): read and checked into a plan (scenario, schemes, seeds, base
// config, grid axes). The grid is not expanded here (its size limit is the runner's job).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fuzz.hpp"
#include "semra/experiments/sweep_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // load_sweep_file reads a path (its name is the sweep's default name): one file per process.
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("semra-fuzz-" + std::to_string(::getpid())) /
                                            "sweep.toml";
  static const bool made = std::filesystem::create_directories(path.parent_path());
  (void)made;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  for (bool quick : {false, true})
    semra::fuzz::expect_input_errors_only([&] {
      const auto plan = semra::load_sweep_file(path, quick);
      semra::fuzz::require(plan.scenario != nullptr, "accepted a sweep without a scenario");
      semra::fuzz::require(!plan.schemes.empty() && !plan.seeds.empty(),
                           "accepted a sweep with no schemes or no seeds");
      for (const auto& axis : plan.axes)
        semra::fuzz::require(!axis.values.empty(), "accepted an empty grid axis");
    });
  return 0;
}
