#pragma once
// The small experiments whose stored files (records, checkpoints) seed and drive the record and
// checkpoint targets. fuzz_make_seeds writes their files; the targets decode against the same jobs.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "semra/experiments/jobs.hpp"
#include "semra/experiments/registry.hpp"
#include "semra/version.hpp"

namespace semra::fuzz {

struct FuzzJob {
  const ScenarioEntry* scenario = nullptr;
  detail::Job job;
  std::int64_t checkpoint_step = 0;  // the seed checkpoint is written after this many steps
};

// A few steps of a one-cell dhdrl network (learning and the replay ring wrap before the
// checkpoint) and of a two-server vderl network, each cheap enough to resume per fuzz input.
inline std::vector<FuzzJob> fuzz_jobs() {
  struct Spec {
    const char* scenario;
    const char* scheme;
    std::int64_t checkpoint_step;
    std::vector<std::string> sets;
  };
  const std::vector<Spec> specs = {
      {"dhdrl",
       "dhdrl",
       8,
       {"network.rings=0", "network.users_per_cell=2", "train.slots=12", "hierarchy.epoch_slots=4",
        "learning.hidden=[8]", "learning.replay_capacity=6", "learning.batch_size=2",
        "learning.learning_starts_slots=2", "output.record_every_slots=3"}},
      {"dhdrl", "greedy", 6, {"network.rings=0", "train.slots=8", "hierarchy.epoch_slots=4"}},
      {"vderl",
       "vderl",
       1,
       {"network.servers=2", "network.users=4", "training.iterations=2",
        "training.frames_per_iteration=1", "training.gradient_steps=1", "training.eval_frames=1",
        "training.final_eval_frames=1", "training.learning_starts_frames=1",
        "training.batch_size=2", "training.replay_capacity=8", "training.hidden=[8]",
        "semantic.images=4"}},
  };
  std::vector<FuzzJob> jobs;
  for (const auto& s : specs) {
    FuzzJob j;
    j.scenario = find_scenario(s.scenario);
    j.job.scheme = s.scheme;
    j.job.seed = 1;
    j.job.config = j.scenario->make_config();
    auto schema = j.job.config->schema();
    for (const auto& a : s.sets) schema.set(a);
    j.job.config->validate();
    j.job.id = std::string(s.scenario) + "-" + s.scheme + "-seed1";
    j.job.config_values = detail::config_values(*j.job.config);
    j.job.steps = std::stoll(schema.value_text(j.scenario->steps_key));
    j.job.metric_columns = &j.scenario->metric_columns;
    j.checkpoint_step = s.checkpoint_step;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

}  // namespace semra::fuzz

namespace semra::fuzz {

// The manifest a `semra run dhdrl --scheme greedy` of fuzz_jobs()[1] asks for (what --resume
// compares the stored manifest.json with), in make_manifest's layout.
inline nlohmann::ordered_json fuzz_manifest(const FuzzJob& j) {
  nlohmann::ordered_json m;
  m["format"] = "semra-run";
  m["format_version"] = 2;
  m["semra_version"] = kVersion;
  m["command"] = "run";
  m["scenario"] = j.scenario->name;
  m["figure"] = "";
  m["sweep"] = "";
  m["schemes"] = {j.job.scheme};
  m["seeds"] = {j.job.seed};
  m["axes"] = nlohmann::ordered_json::array();
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  for (const auto& [k, v] : j.job.config_values) config[k] = v;
  m["config"] = config;
  return m;
}

}  // namespace semra::fuzz
