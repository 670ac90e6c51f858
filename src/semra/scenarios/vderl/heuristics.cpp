#include "semra/scenarios/vderl/heuristics.hpp"

#include "semra/rl/q_learner.hpp"

namespace semra::vderl {
namespace {

class RandomScheme final : public Scheme {
 public:
  RandomScheme(int servers, int actions) : servers_(servers), actions_(actions) {}
  void act(const float*, const std::uint8_t* masks, int* actions, Rng& rng, bool) override {
    for (int v = 0; v < servers_; ++v)
      actions[v] =
          rl::random_valid_action(masks + static_cast<std::ptrdiff_t>(v) * actions_, actions_, rng);
  }

 private:
  int servers_, actions_;
};

// Shared by the joint learners (VDN, VD-ERL, QMIX): the joint replay, its sampling, per-server
}  // namespace

std::unique_ptr<Scheme> make_random_scheme(const Config&, const Environment& env, Rng&) {
  return std::make_unique<RandomScheme>(env.agents(), env.num_actions());
}

}  // namespace semra::vderl
