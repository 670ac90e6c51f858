#pragma once
// random, greedy and oracle schemes (heuristics.cpp).
#include <vector>

#include "semra/core/rng.hpp"
#include "semra/scenarios/dhdrl/schemes.hpp"

namespace semra::dhdrl {

class RandomScheme : public Scheme {
 public:
  RandomScheme(const Environment& env, std::uint64_t seed);
  void epoch_start(Environment& env, std::int64_t slot) override;
  void act(Environment& env, std::int64_t slot, int slots_left) override;
  void save_state(StateWriter& w) const override { w.rng(rng_); }
  void load_state(StateReader& r) override { r.rng(rng_); }

 private:
  Rng rng_;
  bool paper_split_;
};

class GreedyScheme : public Scheme {
 public:
  explicit GreedyScheme(const Environment& env)
      : decision_c_(env.links()), decision_k_(env.links()) {}
  void epoch_start(Environment&, std::int64_t) override {}
  void act(Environment& env, std::int64_t slot, int slots_left) override;

 private:
  std::vector<int> decision_c_, decision_k_;
};

class OracleScheme : public Scheme {
 public:
  explicit OracleScheme(const Environment& env);
  void epoch_start(Environment&, std::int64_t) override {}
  void act(Environment& env, std::int64_t slot, int slots_left) override;

 private:
  int sweeps_, cells_;
  std::vector<double> gains_, rx_, in_, trial_;
};

}  // namespace semra::dhdrl
