// Writes the generated seed inputs of the fuzz targets under DIR/<target>/: files semra writes
// itself (models, checkpoints, experiment records, an accuracy table, --set lines), made by the
// code of this build so they follow its formats. fuzz/run.sh adds the shipped examples.
//   fuzz_make_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fixtures.hpp"
#include "semra/core/io.hpp"
#include "semra/experiments/store.hpp"
#include "semra/nn/mlp.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/semantic/deepsc.hpp"

namespace fs = std::filesystem;

namespace {

// The binary targets read their first byte as a mode (0: fix up the checksum).
void write_seed(const fs::path& dir, const std::string& name, const std::string& bytes,
                bool mode_byte) {
  semra::write_file_atomic(dir / name, (mode_byte ? std::string(1, '\0') : "") + bytes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds DIR\n");
    return 2;
  }
  const fs::path dir = argv[1];

  // --set lines: every key of each scenario at its default, then one file per value type.
  for (const auto& sc : semra::scenarios()) {
    auto config = sc.make_config();
    const auto schema = config->schema();
    std::string all;
    for (const auto& f : schema.fields()) all += f.key + "=" + schema.value_text(f.key) + "\n";
    write_seed(dir / "config_set", sc.name + "-defaults", all, false);
  }
  write_seed(dir / "config_set", "list", "learning.hidden=[16, 8]\n", false);
  write_seed(dir / "config_set", "real", "network.bs_power_dbm=26.5\n", false);
  write_seed(dir / "config_set", "string", "hierarchy.split=\"reference\"\n", false);

  // Channel traces (fuzz/channel_trace.cpp: first byte = reader) of the target's network, and a
  // layout.
  {
    semra::NumericArray h, g;
    h.shape = {2, 3, 6, 4};
    h.is_complex = true;
    g.shape = {2, 3, 6, 6};
    for (std::size_t i = 0; i < 2 * 3 * 6 * 4; ++i) {
      h.re.push_back(1e-6 * static_cast<double>(i));
      h.im.push_back(-2e-6 * static_cast<double>(i));
    }
    for (std::size_t i = 0; i < 2 * 3 * 6 * 6; ++i) g.re.push_back(1e-9 * static_cast<double>(i));
    const fs::path d = dir / "channel_trace";
    write_seed(d, "h.npy", std::string(1, '\0') + semra::npy_bytes(h), false);
    write_seed(d, "g.npy", std::string(1, '\0') + semra::npy_bytes(g), false);
    write_seed(d, "h.npz", std::string(1, '\1') + semra::npz_bytes({{"H", &h}, {"G", &g}}), false);
    {
      const fs::path tmp = d / "tmp.mat";
      semra::write_mat_arrays(tmp, {{"H", &h}, {"G", &g}}, semra::MatVersion::v5);
      std::ifstream in(tmp, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      fs::remove(tmp);
      write_seed(d, "hg5.mat", std::string(1, '\2') + bytes,
                 false);  // v5 only: fuzz/channel_trace.cpp
    }
    write_seed(d, "layout.csv",
               "\3kind,x_m,y_m,orientation_deg,serving_bs\nbs,0,0,90,\nbs,250,0,,\nut,10,5,,0\n"
               "ut,240,-3.5,,1\n",
               false);
  }

  // The built-in accuracy model as a table.
  {
    const semra::semantic::AccuracyModel m;
    std::ostringstream csv;
    csv.precision(17);
    for (int k = 1; k <= semra::semantic::AccuracyModel::kRows; ++k)
      for (int c = 0; c < semra::semantic::AccuracyModel::kCols; ++c)
        csv << m.table(k, c) << (c + 1 < semra::semantic::AccuracyModel::kCols ? "," : "\n");
    write_seed(dir / "accuracy_csv", "builtin.csv", csv.str(), false);
  }

  // Networks of a few shapes and activations.
  {
    semra::Rng rng(1, "fuzz-seeds");
    using semra::nn::Activation;
    const std::vector<std::pair<std::vector<int>, Activation>> nets = {
        {{3, 4, 2}, Activation::Relu},
        {{5, 1}, Activation::Tanh},
        {{2, 3, 3, 2}, Activation::Relu}};
    int i = 0;
    for (const auto& [sizes, act] : nets) {
      semra::nn::Mlp net(sizes, act, Activation::Identity, rng);
      std::ostringstream os(std::ios::binary);
      net.save(os);
      write_seed(dir / "model_semrann", "net" + std::to_string(i++), os.str(), true);
    }
  }

  // Each fixture experiment run once with a checkpoint: its record and its checkpoint.
  for (const auto& j : semra::fuzz::fuzz_jobs()) {
    std::map<std::int64_t, std::string> saved;
    semra::CheckpointHooks hooks;
    hooks.every = j.checkpoint_step;
    hooks.store = [&](std::int64_t step, std::string state) { saved[step] = std::move(state); };
    semra::RunContext shared;
    semra::RunContext ctx(shared, std::move(hooks));
    const auto result = j.scenario->run(*j.job.config, j.job.scheme, j.job.seed, ctx);
    write_seed(dir / "record", j.job.id, semra::detail::RunStore::encode_record(j.job, result),
               true);
    if (saved.count(j.checkpoint_step) == 0) {
      std::fprintf(stderr, "fuzz_make_seeds: %s wrote no checkpoint at step %lld\n",
                   j.job.id.c_str(), static_cast<long long>(j.checkpoint_step));
      return 1;
    }
    write_seed(dir / "checkpoint", j.job.id,
               semra::detail::RunStore::encode_checkpoint(j.job, j.checkpoint_step,
                                                          saved[j.checkpoint_step]),
               true);
  }
  {
    const auto jobs = semra::fuzz::fuzz_jobs();
    write_seed(dir / "manifest_json", "manifest.json",
               semra::fuzz::fuzz_manifest(jobs[1]).dump(2) + "\n", false);
  }
  // Figure-script strings (NUL-separated: stem, x label, y label, title, two curve labels): the
  // payloads of tests/cli/hostile_cli_test.cpp.
  const std::string z(1, '\0');
  write_seed(dir / "gnuplot_script", "plain",
             "cmp" + z + "step" + z + "qoe" + z + "t" + z + "a" + z + "b", false);
  write_seed(dir / "gnuplot_script", "hostile",
             "|touch PWNED;" + z + "x\nsystem \"touch PWNED\"" + z + "it's `touch PWNED`" + z +
                 "@m \\" + z + "'.system('x').'" + z + "$(touch PWNED)",
             false);
  // Record contents: all-zero bytes (the first fixture, the scenario's columns, no rows) and a
  // few rows of each fixture.
  write_seed(dir / "record_content", "empty", std::string(4, '\0'), false);
  for (char job = 0; job < 3; ++job)
    write_seed(dir / "record_content", "rows" + std::to_string(job),
               std::string{job, 0, 8, 1, 1, 1, 1, 1, 1, 1, 1, 0, 5, 6, 7}, false);
  std::printf("fuzz_make_seeds: wrote seeds under %s\n", dir.c_str());
  return 0;
}
