#pragma once
// random, greedy and oracle schemes (heuristics.cpp). Greedy and oracle compute their actions from
// the model (MultiAgentEnvironment::model()) and drive the single-layer layout; random draws the
// hierarchical layout's actions.
#include <cstdint>
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

// random's draws for one acting agent of the hierarchical layout, the index of its action: high
// (codeword, then power level with the paper split) and low (power level with the reference split,
// then k). RandomScheme draws them link by link from its stream "exploration"; the Python face's
// random policy (semra.heuristic_policy) draws them the same way, so both make the same decisions.
int random_high_action(int codewords, int power_levels, bool paper_split, Rng& rng);
int random_low_action(int power_levels, int max_k, bool paper_split, Rng& rng);

class RandomScheme : public Scheme {
 public:
  RandomScheme(const MultiAgentEnvironment& env, std::uint64_t seed);
  void step(MultiAgentEnvironment& env) override;
  void save_state(StateWriter& w) const override { w.rng(rng_); }
  void load_state(StateReader& r) override { r.rng(rng_); }

 private:
  Rng rng_;
  bool paper_split_;
  std::vector<int> actions_;
  std::vector<float> rewards_;
};

// greedy, greedy-local and oracle: a decision for the coming step computed from the model, then
// taken. decide() alone is what semra.heuristic_policy acts with from Python (docs/python.md
// "Built-in heuristics as policies"), so both make the same decisions.
class SingleLayerHeuristic : public Scheme {
 public:
  // The actions step() would take now, one per agent of the single-layer layout.
  virtual const std::vector<int>& decide(const MultiAgentEnvironment& env) = 0;
  void step(MultiAgentEnvironment& env) final {
    const std::vector<int>& actions = decide(env);
    env.step(actions.data(), rewards_.data());
  }

 protected:
  explicit SingleLayerHeuristic(const MultiAgentEnvironment& env);
  std::vector<int> actions_;
  std::vector<float> rewards_;
};

// greedy.mode = "reference" (paper mode): greedy.py as it runs against the authors' stored modules
// (docs/model-dhdrl.md section 7): its beam never reaches the codeword, so every link keeps the
// codeword and k drawn at the start (reset_actions) and transmits at full power.
class GreedyScheme final : public SingleLayerHeuristic {
 public:
  GreedyScheme(const MultiAgentEnvironment& env, std::uint64_t seed);
  const std::vector<int>& decide(const MultiAgentEnvironment& env) override;

 private:
  bool reference_;
  std::vector<int> codeword_, k_;  // [link] with reference_
};

// greedy-local: the greedy rule limited to what a distributed agent measures
// (docs/reproduction.md): its own current codeword's gain and the interference plus noise at its
// UT, not every codeword's gain. It cannot compare codewords, so each link keeps one codeword,
// drawn uniformly once per run (stream "exploration"; the reference's greedy never applied its
// codeword either, model-dhdrl 4.6), transmits at full power and picks the best k for the SINR it
// measures.
class GreedyLocalScheme final : public SingleLayerHeuristic {
 public:
  GreedyLocalScheme(const MultiAgentEnvironment& env, std::uint64_t seed);
  const std::vector<int>& decide(const MultiAgentEnvironment& env) override;

 private:
  std::vector<int> codeword_;  // [link]
};

class OracleScheme final : public SingleLayerHeuristic {
 public:
  explicit OracleScheme(const MultiAgentEnvironment& env);
  const std::vector<int>& decide(const MultiAgentEnvironment& env) override;

 private:
  int sweeps_, cells_;
  std::vector<double> gains_, rx_, in_, trial_;
  std::vector<int> codeword_, power_level_;  // [link] the decision being built
};

}  // namespace semra::dhdrl
