#include "semra/scenarios/dhdrl/config.hpp"

#include <cmath>
#include <filesystem>

#include "semra/core/error.hpp"
#include "semra/semantic/deepsc.hpp"

namespace semra::dhdrl {

void Config::describe(ConfigSchema& s) {
  s.add("network.rings", rings, IntRange{0, 3}, "",
        "hexagonal rings around the centre cell (0, 1, 2, 3 -> 1, 7, 19, 37 cells)");
  s.add("network.cells", cells, IntRange{0, 37}, "",
        "0 = every cell of network.rings; N = only the first N of them (centre first, then ring "
        "by ring from -30 deg): 3 = the authors' 3-cell panel (README.md at 63ee6e2: '(a) 3 "
        "cells'; their code at 0eec8aa builds 7, cellular_network.py:32-40; which 3 is our "
        "reading: the first 3 of that list)");
  s.add("network.users_per_cell", users_per_cell, IntRange{1, 16}, "",
        "UTs per cell, each on its own resource block (one agent pair per UT)");
  s.add("network.cell_radius_m", cell_radius_m, RealRange{10.0, 5000.0}, "m",
        "cell radius R; BSs are 2R apart");
  s.add("network.min_distance_m", min_distance_m, RealRange{1.0, 5000.0}, "m",
        "minimum UT-BS distance r_in (UT distance uniform in [r_in, R])");
  s.add("network.bs_power_dbm", bs_power_dbm, RealRange{0.0, 60.0}, "dBm",
        "maximum BS transmit power P_max");
  s.add("network.antennas", antennas, IntRange{1, 64}, "",
        "BS ULA antennas N (half-wavelength spacing)");
  s.add("network.codewords", codewords, IntRange{1, 64}, "",
        "DFT codebook size C (C = N: the unitary DFT)");
  s.add("network.power_levels", power_levels, IntRange{2, 16}, "",
        "discrete power levels i/(levels-1) x P_max, i = 0..levels-1 (level 0 = off)");
  s.add("network.layout", layout, Choices{},
        "hex = the hexagonal grid of network.rings / network.cells with UTs dropped uniformly in "
        "each cell every episode; or a layout CSV (kind,x_m,y_m,orientation_deg,serving_bs) "
        "placing the BSs (with their ULA orientation) and the UTs, network.users_per_cell UTs per "
        "BS listed cell by cell, as many BSs as network.cells (docs/channels.md \"Layout files\")");
  s.add("channel.paths", paths, IntRange{1, 64}, "", "multipath components L per BS-UT pair");
  s.add("channel.aod_spread_deg", aod_spread_deg, RealRange{0.0, 180.0}, "deg",
        "per-path AoD offset uniform in [-Delta/2, Delta/2]");
  s.add("channel.fading_rho", fading_rho, RealRange{0.0, 1.0}, "",
        "Gauss-Markov slot-to-slot correlation of the path gains");
  s.add("channel.shadowing_std_db", shadowing_std_db, RealRange{0.0, 30.0}, "dB",
        "std of the static log-normal shadowing per BS-UT pair");
  s.add("channel.noise_dbm", noise_dbm, RealRange{-200.0, 0.0}, "dBm", "noise power sigma^2");
  s.add("channel.slot_ms", slot_ms, RealRange{0.0, 1e4, true}, "ms",
        "slot length (documentation only: the dynamics are per slot)");
  s.add("channel.reference_innovation", reference_innovation,
        "reference defect, for experiments only: Gauss-Markov innovations of variance 1 while the "
        "initial path gains have 1/L, so the fading power drifts up L-fold in the first slots "
        "(false = one variance 1/L, docs/model-dhdrl.md 1, part 2)");
  s.add("channel.source", channel_source, Choices{"model", "trace"},
        "where the channels come from: model = the multipath model above (docs/model-dhdrl.md 1, "
        "part 2); trace = the file channel.trace, replayed one row per slot, wrapping around "
        "(docs/channels.md)");
  s.add("channel.trace", channel_trace, Choices{},
        "channel trace for channel.source = \"trace\": a .mat (v5, v7.3), .npz or .npy file "
        "holding G (real [slots, BSs, UTs, codewords], linear power) or H (complex [slots, BSs, "
        "UTs, antennas]), UTs cell by cell; `semra export-channels dhdrl` writes one from the "
        "model (docs/channels.md)");
  s.add("semantic.bandwidth_hz", bandwidth_hz, RealRange{0.0, 1e9, true}, "Hz",
        "bandwidth W of a UT's resource block");
  s.add("semantic.units_per_word", units_per_word, RealRange{0.0, 1e3, true}, "suts/word",
        "iota = I/L, semantic units per word");
  s.add("semantic.max_k", max_k, IntRange{1, 20}, "symbols/word",
        "K: k in {1..K} semantic symbols per word (the DeepSC table has 20 rows)");
  s.add("semantic.accuracy_csv", accuracy_csv, Choices{},
        "DeepSC accuracy table (20 rows k=1..20 x 31 columns -10..20 dB, values in [0,1]); empty = "
        "built-in model");
  s.add("semantic.accuracy_sinr_scale", accuracy_sinr_scale, Choices{"db", "linear"},
        "SINR scale that indexes the accuracy table: db (docs/model-dhdrl.md 1, part 3); linear = "
        "reference defect, for "
        "experiments only: the linear SINR is looked up as if it were dB");
  s.add("semantic.rate_model", rate_model, Choices{"ksuts", "reference"},
        "semantic rate against Phi_req: ksuts = W iota / k in ksuts/s (docs/model-dhdrl.md 1, part "
        "3); reference = "
        "reference defect, for experiments only: W iota / k in suts/s (1000x) against Phi_req in "
        "ksuts/s, so G_R ~ 1 for every k");
  s.add("semantic.accuracy_indexing", accuracy_indexing, Choices{"semra", "reference"},
        "how the accuracy table is indexed: semra = row k, column interpolated; reference = the "
        "authors' cellular_network.py:15 and :370-371 (0eec8aa): pd.read_csv eats the first row "
        "as a header, so k (their k_u = k - 1, clipped to 18) reads row min(k + 1, 20), and the "
        "column is int(SINR + 10), the argument truncated to the 1 dB grid");
  s.add("requirements.w_min", requirements.w_min, RealRange{0.0, 1.0}, "",
        "QoE rate weight w ~ U(w_min, w_max)");
  s.add("requirements.w_max", requirements.w_max, RealRange{0.0, 1.0}, "", "upper end of w");
  s.add("requirements.xi_req_min", requirements.xi_req_min, RealRange{0.0, 1.0}, "",
        "required accuracy xi_req ~ U(min, max)");
  s.add("requirements.xi_req_max", requirements.xi_req_max, RealRange{0.0, 1.0}, "",
        "upper end of xi_req");
  s.add("requirements.lambda_mean", requirements.lambda_mean, RealRange{0.0, 1e4}, "",
        "accuracy steepness lambda ~ N(mean, std^2)");
  s.add("requirements.lambda_std", requirements.lambda_std, RealRange{0.0, 1e4}, "",
        "std of lambda");
  s.add("requirements.phi_req_min_ksuts", requirements.phi_req_min_ksuts, RealRange{0.0, 1e6},
        "ksuts/s", "required semantic rate Phi_req ~ U(min, max)");
  s.add("requirements.phi_req_max_ksuts", requirements.phi_req_max_ksuts, RealRange{0.0, 1e6},
        "ksuts/s", "upper end of Phi_req");
  s.add("requirements.beta_mean", requirements.beta_mean, RealRange{0.0, 1e3}, "1/(ksuts/s)",
        "rate steepness beta ~ N(mean, std^2)");
  s.add("requirements.beta_std", requirements.beta_std, RealRange{0.0, 1e3}, "1/(ksuts/s)",
        "std of beta");
  s.add("requirements.redraw_period_slots", redraw_period_slots, IntRange{-1, 1000000000}, "slots",
        "redraw every UT's requirements: 0 = at every high-level epoch, -1 = never, N = every N "
        "slots (the reference: 1)");
  s.add("requirements.observed", requirements_observed,
        "put each UT's (w, xi_req, Phi_req) in its agents' observations; false = reference defect, "
        "for experiments only: those three features are zero (the agents never see them)");
  s.add("hierarchy.epoch_slots", epoch_slots, IntRange{1, 100000}, "slots",
        "T_H: slots per high-level epoch");
  s.add("hierarchy.split", split, Choices{"paper", "reference"},
        "paper: high = codeword x power, low = k; reference: high = codeword, low = power x k");
  s.add("hierarchy.high_reward", high_reward, Choices{"local", "neighbourhood", "network"},
        "high-level (and ddrl) reward: own UT's QoE, mean with the U UTs it interferes with most, "
        "or network mean");
  s.add("hierarchy.neighbours", neighbours, IntRange{0, 64}, "",
        "U: neighbours in the information exchange (capped at cells - 1)");
  s.add("hierarchy.codeword_gains", codeword_gains,
        "observations also hold the serving channel's full-power gain for every codeword (local "
        "CSI a BS can measure from uplink pilots)");
  s.add(
      "hierarchy.observation", observation, Choices{"semra", "reference"},
      "observation encoding: semra (dB features, one-hot codeword, requirements, slots left) or "
      "reference (the authors' code: raw indices, linear gains / 1e-9, interference / 1e-7, QoE / "
      "5, interferer BS indices; 8 + 11 U floats for every agent)");
  s.add(
      "hierarchy.rewards", rewards, Choices{"semra", "reference"},
      "semra (docs/model-dhdrl.md 1, part 5) or reference (the authors' loop: own QoE after the "
      "fading update; low level "
      "its change from the previous slot, high level the epoch's sum x 0.99^T_H, ddrl the value)");
  s.add("hierarchy.high_epsilon_decay", high_epsilon_decay, Choices{"learning_step", "epoch"},
        "the high level's epsilon decays per learning step (every slot, as the reference) or per "
        "epoch (per high-level transition), by learning.epsilon_decay either way");
  s.add("hierarchy.high_learn_every_slots", high_learn_every_slots, IntRange{1, 1000000}, "slots",
        "the high level learns on one slot in N (1: every slot, as the reference; T_H: one update "
        "per transition)");
  s.add("hierarchy.low_explore_actions", low_explore_actions, IntRange{0, 100000}, "",
        "0 = the low level (and ddrl with ddrl.beam = fixed) explores over all its actions; N = "
        "only over the first N in the authors' order (power index fastest: a = k_index x P + "
        "power): DRQN.py:254 and :342 (0eec8aa) draw randint(0, n_actions - 1) with n_actions = "
        "the high network's 8 outputs (neural_network.py:12), base_station.py:82-83 decodes a");
  s.add("hierarchy.low_episode", low_episode, Choices{"epoch", "continuing"},
        "epoch = the low level's episode ends with the high-level epoch (docs/model-dhdrl.md 1, "
        "part 4); continuing = "
        "its transitions are never terminal, as DRQN.py:374 (0eec8aa): q_target = r + gamma max "
        "Q(s')");
  s.add("ddrl.beam", ddrl_beam, Choices{"choose", "fixed"},
        "choose = ddrl picks codeword x power x k (docs/model-dhdrl.md 1, part 7); fixed = as "
        "drl.py (0eec8aa, deleted "
        "in 3c894a9) runs against the stored modules: choose_actions(s) and update(actions=) "
        "without flag (drl.py:25-26) take the low-level path (cellular_network.py:183-185, "
        "base_station.py:79-85), so ddrl picks power x k and every BS keeps the random codeword "
        "drawn at the start (base_station.py:25); drawn here per link from stream "
        "'reset_actions'");
  s.add(
      "greedy.mode", greedy_mode, Choices{"semra", "reference"},
      "semra = each link's best codeword at full power and best k (docs/model-dhdrl.md 1, part 7); "
      "reference = "
      "greedy.py (0eec8aa, deleted in 774d62f) against the stored modules: its best beam "
      "sqrt(P_max) w (greedy.py:33) goes to take_low_action (cellular_network.py:186-188), which "
      "sets power norm(w)^2 = P_max and never the codeword (it stays the one drawn at the start), "
      "and sets k_u to the beam vector (base_station.py:86-89), on which calculate_qoe raises "
      "IndexError (cellular_network.py:371); we keep k as drawn at the start (stream "
      "'reset_actions')");
  s.add("learning.hidden", hidden, RealRange{1.0, 4096.0}, "",
        "hidden layer sizes of every DQN (integers)");
  s.add("learning.optimizer", optimizer,
        Choices{"rmsprop", "rmsprop_keras", "rmsprop_torch", "adam", "sgd"},
        "optimiser (rmsprop = rmsprop_keras: Keras 2 RMSprop, as the reference; rmsprop_torch: "
        "PyTorch's)");
  s.add("learning.lr", lr, RealRange{0.0, 1.0, true}, "", "learning rate");
  s.add("learning.lr_decay", lr_decay, RealRange{0.0, 1.0}, "",
        "lr_t = lr / (1 + lr_decay t), t = optimiser steps");
  s.add("learning.gamma_high", gamma_high, RealRange{0.0, 1.0}, "",
        "high-level discount per epoch");
  s.add("learning.gamma_low", gamma_low, RealRange{0.0, 1.0}, "",
        "low-level (and ddrl) discount per slot");
  s.add("learning.replay_capacity", replay_capacity, IntRange{1, 10000000}, "transitions",
        "replay buffer capacity per agent");
  s.add("learning.batch_size", batch_size, IntRange{1, 4096}, "", "minibatch size");
  s.add("learning.target_sync_steps", target_sync_steps, IntRange{1, 100000000}, "steps",
        "hard target-network sync every N learning steps");
  s.add("learning.learning_starts_slots", learning_starts_slots, IntRange{0, 1000000000}, "slots",
        "no learning before this slot");
  s.add("learning.epsilon_start", epsilon_start, RealRange{0.0, 1.0}, "",
        "initial exploration rate");
  s.add("learning.epsilon_decay", epsilon_decay, RealRange{0.0, 1.0}, "",
        "eps <- max(eps / (1 + d), eps_min) per learning step");
  s.add("learning.epsilon_min", epsilon_min, RealRange{0.0, 1.0}, "", "exploration floor");
  s.add("learning.double_dqn", double_dqn, "double DQN targets");
  s.add("learning.loss", loss, Choices{"mse", "huber"}, "TD loss");
  s.add("continuous.actor_lr", actor_lr, RealRange{0.0, 1.0, true}, "",
        "dhdrl-continuous: TD3 actor learning rate (Adam)");
  s.add("continuous.critic_lr", critic_lr, RealRange{0.0, 1.0, true}, "",
        "dhdrl-continuous: TD3 critic learning rate (Adam)");
  s.add("continuous.tau", tau, RealRange{0.0, 1.0, true}, "",
        "dhdrl-continuous: Polyak factor of the target networks");
  s.add("continuous.exploration_noise", exploration_noise, RealRange{0.0, 10.0}, "",
        "dhdrl-continuous: std of Gaussian exploration noise on the action in [-1, 1]");
  s.add("continuous.target_noise", target_noise, RealRange{0.0, 10.0}, "",
        "dhdrl-continuous: TD3 target policy smoothing noise std");
  s.add("continuous.target_noise_clip", target_noise_clip, RealRange{0.0, 10.0}, "",
        "dhdrl-continuous: clip of the target smoothing noise");
  s.add("continuous.policy_delay", policy_delay, IntRange{1, 100}, "",
        "dhdrl-continuous: critic updates per actor update");
  ppo.describe(s, "ppo", "ippo, mappo, ippo-flat, mappo-flat", /*vector_envs=*/false);
  s.add("ppo.rollout_slots", ppo_rollout_slots, IntRange{1, 1000000}, "slots",
        "ippo, mappo (low level), ippo-flat, mappo-flat: slots per rollout (one PPO update each)");
  s.add("ppo.high_rollout_epochs", ppo_high_rollout_epochs, IntRange{1, 1000000}, "epochs",
        "ippo, mappo: high-level decisions (epochs) per rollout (one PPO update each)");
  s.add("oracle.sweeps", oracle_sweeps, IntRange{1, 100}, "",
        "oracle: best-response sweeps over all BSs per slot");
  s.add("train.slots", train_slots, IntRange{1, 1000000000}, "slots",
        "experiment length (what --steps sets)");
  s.add("train.enabled", train_enabled,
        "learn and explore; false = act greedily with the networks from eval.load");
  s.add("eval.load", eval_load, Choices{},
        "models saved with --save-models: one experiment's directory (OUT/models/dhdrl-seed1), or "
        "a run's OUT/models, from which each experiment loads its own scheme's and seed's; "
        "empty = fresh networks");
  s.add("output.record_every_slots", record_every_slots, IntRange{1, 1000000}, "slots",
        "metrics.csv row every N slots (the mean over those slots)");
}

rl::PpoSettings Config::ppo_defaults() {
  rl::PpoSettings p;
  // The paper's discount of both levels (learning.gamma_high, gamma_low) instead of MAPPO's 0.99:
  // a link's actions do not change the channel it sees next, so the task is nearly myopic.
  p.gamma = 0.5;
  return p;
}

void Config::validate() const {
  const auto& r = requirements;
  if (min_distance_m >= cell_radius_m)
    throw InputError("network.min_distance_m (" + std::to_string(min_distance_m) +
                     ") must be below network.cell_radius_m (" + std::to_string(cell_radius_m) +
                     ")");
  if (r.w_min > r.w_max) throw InputError("requirements.w_min must be <= requirements.w_max");
  if (r.xi_req_min > r.xi_req_max)
    throw InputError("requirements.xi_req_min must be <= requirements.xi_req_max");
  if (r.phi_req_min_ksuts > r.phi_req_max_ksuts)
    throw InputError("requirements.phi_req_min_ksuts must be <= requirements.phi_req_max_ksuts");
  if (hidden.empty()) throw InputError("learning.hidden: expected at least one layer size");
  for (double h : hidden)
    if (h != std::floor(h))
      throw InputError("learning.hidden: layer sizes must be integers, got " + std::to_string(h));
  if (epsilon_min > epsilon_start)
    throw InputError("learning.epsilon_min must be <= learning.epsilon_start");
  if (channel_source == "trace" && channel_trace.empty() && !trace_)
    throw InputError(
        "channel.trace: empty, expected the path of a trace file with channel.source = \"trace\"");
  if (channel_source == "model" && !channel_trace.empty())
    throw InputError("channel.trace: '" + channel_trace +
                     "' is set but channel.source = \"model\" would ignore it (set channel.source "
                     "= \"trace\" or remove channel.trace)");
  const int ring_cells = 1 + 3 * rings * (rings + 1);
  if (cells > ring_cells)
    throw InputError("network.cells (" + std::to_string(cells) + ") must be <= the " +
                     std::to_string(ring_cells) + " cells of network.rings = " +
                     std::to_string(rings) + " (or 0 for all of them)");
  (void)ppo.config(true, ppo_rollout_slots, "ppo");  // throws naming the first bad ppo.* key
}

void Config::set_trace(std::shared_ptr<const radio::ChannelTrace> trace) {
  channel_source = "trace";
  channel_trace.clear();
  trace_ = std::move(trace);
  trace_key_.clear();
}

std::shared_ptr<const radio::ChannelTrace> Config::trace() const {
  if (channel_source != "trace") return nullptr;
  const radio::MisoTraceShape shape{num_cells(), num_cells() * users_per_cell, antennas, codewords};
  if (channel_trace.empty() && trace_) {
    // In memory: checked by its maker (radio::miso_trace_from_array); the network must still fit.
    const int width =
        trace_->quantity == radio::TraceQuantity::miso_amplitude ? shape.antennas : shape.codewords;
    if (trace_->tx != shape.bss || trace_->rx != shape.uts || trace_->width != width)
      throw InputError("channels: a trace of [*, " + std::to_string(trace_->tx) + ", " +
                       std::to_string(trace_->rx) + ", " + std::to_string(trace_->width) +
                       "], expected [*, " + std::to_string(shape.bss) + ", " +
                       std::to_string(shape.uts) + ", " + std::to_string(width) +
                       "] (the configured network)");
    return trace_;
  }
  const std::string key = channel_trace + '\n' + std::to_string(shape.bss) + ' ' +
                          std::to_string(shape.uts) + ' ' + std::to_string(shape.antennas) + ' ' +
                          std::to_string(shape.codewords);
  if (!trace_ || key != trace_key_) {
    trace_ =
        std::make_shared<const radio::ChannelTrace>(radio::read_miso_trace(channel_trace, shape));
    trace_key_ = key;
  }
  return trace_;
}

std::shared_ptr<const radio::Layout> Config::site_layout() const {
  if (layout == "hex") return nullptr;
  const std::string key =
      layout + '\n' + std::to_string(num_cells()) + ' ' + std::to_string(users_per_cell);
  if (!layout_ || key != layout_key_) {
    if (layout.empty())
      throw InputError("network.layout: empty, expected \"hex\" or the path of a layout CSV");
    auto l = std::make_shared<radio::Layout>(radio::read_layout_csv(layout));
    radio::check_dhdrl_layout(*l, num_cells(), users_per_cell,
                              "network.layout '" + echo(layout) + "'");
    layout_ = std::move(l);
    layout_key_ = key;
  }
  return layout_;
}

void Config::check_input_files() const {
  if (!accuracy_csv.empty()) (void)semantic::AccuracyModel::from_csv(accuracy_csv);
  (void)site_layout();
  (void)trace();
  if (!eval_load.empty() && !std::filesystem::is_directory(eval_load))
    throw InputError("eval.load: '" + eval_load + "' is not a directory");
}

}  // namespace semra::dhdrl
