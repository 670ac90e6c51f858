#pragma once
// What one experiment (scenario config, scheme, seed) produces, and what the runner offers it while
// it runs. Scenarios fill ExperimentResult; experiments/ aggregates results into the output
// contract (metrics.csv, summary.json, results.mat, figures). Kept in core so scenarios need not
// know the runner.
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace semra {

struct ExperimentResult {
  std::string scheme;
  std::uint64_t seed = 0;

  // Per-step series: rows are steps (slots, iterations...), one column per metric.
  // values[c][row] is metric columns[c] at step steps[row]. Names and meaning: docs/outputs.md.
  std::vector<std::string> columns;
  std::vector<std::int64_t> steps;
  std::vector<std::vector<double>> values;

  // Per-experiment scalars (final_qoe, steps_per_second, avg_latency_ms...); summary.json reports
  // each as mean / ci95 / per_seed over seeds.
  std::map<std::string, double> scalars;
  // Raw samples pooled over seeds for percentiles in summary.json (e.g. sinr_db -> p10, p50, p90).
  std::map<std::string, std::vector<float>> samples;

  std::size_t column(const std::string& name) const;  // index of a column; throws if absent
  void add_row(std::int64_t step, const std::vector<double>& row);
};

// Shared by all experiments of one command. Thread-safe.
class RunContext {
 public:
  // Progress: experiments report steps as they go (cheap: one relaxed atomic add).
  void add_steps(std::int64_t n) { steps_done_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t steps_done() const { return steps_done_.load(std::memory_order_relaxed); }
  // The latest value of the scenario's headline metric, shown on the progress line.
  void report_metric(double v) { last_metric_.store(v, std::memory_order_relaxed); }
  double last_metric() const { return last_metric_.load(std::memory_order_relaxed); }

  // Set by SIGINT/SIGTERM handlers; long loops check it at step boundaries and throw Interrupted.
  bool stop_requested() const { return stop_ != nullptr && stop_->load(std::memory_order_relaxed); }
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }

  // Non-empty with --save-models: the experiment writes its trained networks under this directory
  // (the runner makes a sub-directory per scheme and seed and passes it here via model_dir_for).
  std::string models_root;
  std::string model_dir_for(const std::string& scheme, std::uint64_t seed) const;

 private:
  std::atomic<std::int64_t> steps_done_{0};
  std::atomic<double> last_metric_{0.0};
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace semra
