#include "semra/scenarios/vderl/config.hpp"

#include <cmath>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/radio/units.hpp"
#include "semra/semantic/embeddings.hpp"
#include "semra/semantic/scene_graph.hpp"

namespace semra::vderl {

void Config::describe(ConfigSchema& s) {
  s.add("network.servers", servers, IntRange{1, 32}, "",
        "V: servers (agents), evenly spaced on a circle of radius network.server_ring_radius_m "
        "(one server: at the centre)");
  s.add("network.users", users, IntRange{1, 1000}, "",
        "U: users, uniform over the area, redrawn until inside at least one service area");
  s.add("network.rbs", rbs, IntRange{1, 64}, "",
        "Q: orthogonal downlink resource blocks, reused by every server");
  s.add("network.rb_bandwidth_hz", rb_bandwidth_hz, RealRange{0.0, 1e9, true}, "Hz",
        "W: bandwidth of one RB");
  s.add("network.power_w", power_w, RealRange{0.0, 1e3, true}, "W", "P: transmit power per RB");
  s.add("network.noise_density_dbm_hz", noise_density_dbm_hz, RealRange{-250.0, 0.0}, "dBm/Hz",
        "N0: noise power spectral density");
  s.add("channel.source", channel_source, Choices{"model", "trace"},
        "where the gains h^q_vk come from: model = Rayleigh fading over d^-2 (docs/model-vderl.md "
        "(3)-(4)); trace = the file channel.trace, one row per frame, wrapping around "
        "(docs/channels.md)");
  s.add("channel.trace", channel_trace, Choices{},
        "channel trace for channel.source = \"trace\": a .mat (v5, v7.3) or .npz file holding "
        "G_rb (real [frames, servers, users, RBs], linear power, path loss included) for the "
        "training frames, and optionally G_rb_eval and G_rb_final for the evaluation frames (else "
        "G_rb); `semra export-channels vderl` writes one from the model (docs/channels.md)");
  s.add("network.area_radius_m", area_radius_m, RealRange{1.0, 1e5}, "m",
        "radius of the circular network area");
  s.add("network.server_ring_radius_m", server_ring_radius_m, RealRange{0.0, 1e5}, "m",
        "servers sit evenly spaced on a circle of this radius");
  s.add("network.service_radius_m", service_radius_m, RealRange{1.0, 1e5}, "m",
        "radius of each server's service area (a disc around it; areas may overlap)");
  s.add("network.min_distance_m", min_distance_m, RealRange{0.01, 1e3}, "m",
        "distances below this are clamped in the path gain d^-2");
  s.add(
      "network.max_users_per_server", max_users_per_server, IntRange{1, 1000}, "",
      "observation padding: user slots per server; a service area holding more users is an error");
  s.add("network.layout", layout, Choices{},
        "disc = servers on the ring, users drawn uniformly over the area for each seed; or a "
        "layout CSV (kind,x_m,y_m,orientation_deg,serving_bs) placing network.servers servers "
        "(bs rows) and network.users users (ut rows, the same for every seed), each user inside a "
        "service area (docs/channels.md \"Layout files\")");
  s.add("semantic.xi", xi, RealRange{0.0, 1.0, true, false}, "",
        "xi: minimum acceptable ISS, and Algorithm 1's similarity threshold");
  s.add("semantic.epsilon", epsilon, RealRange{0.0, 1.0}, "",
        "epsilon: semantic reliability requirement P(ISS >= xi) >= epsilon (eq. 7), reported as "
        "met / not met");
  s.add("semantic.bits_per_letter", bits_per_letter, IntRange{1, 64}, "bits",
        "b: bits per letter of the sent triples");
  s.add("semantic.scene_graphs", scene_graphs, Choices{},
        "scene-graph file (Visual Genome layout) whose images users request; empty = synthetic "
        "images");
  s.add("semantic.embeddings", embeddings, Choices{},
        "embeddings file for the ISS (needs semantic.scene_graphs); empty = synthetic encoder");
  s.add("semantic.images", images, IntRange{1, 1000000}, "",
        "synthetic image pool size (users draw requests from it)");
  s.add("semantic.min_triples", min_triples, IntRange{1, 1000}, "",
        "synthetic images: fewest triples per image");
  s.add("semantic.max_triples", max_triples, IntRange{1, 1000}, "",
        "synthetic images: most triples per image");
  s.add("semantic.mu_min", mu_min, RealRange{0.0, 1.0}, "",
        "synthetic images: detection probabilities mu ~ U(mu_min, 1)");
  s.add("semantic.encoder_dim", encoder_dim, IntRange{1, 4096}, "",
        "synthetic encoder: vector dimension D");
  s.add("semantic.encoder_noise", encoder_noise, RealRange{0.0, 100.0}, "",
        "synthetic encoder: norm of the image-vector perturbation not described by the triples");
  s.add("reward.eta", eta, RealRange{-1e6, 1e6}, "",
        "eta: bonus of a served user whose ISS reaches xi (eq. 11)");
  s.add("reward.rho", rho, RealRange{-1e6, 1e6}, "",
        "rho: reward of each server serving a user that another server also serves (eq. 12)");
  s.add("reward.timing", timing, Choices{"per_rb", "frame_end"},
        "per_rb: after each RB step, the change of eq. (12) evaluated on the RBs allocated so far "
        "(sums to eq. 12 over the frame); frame_end: eq. (12) after the last step");
  s.add("reward.latency_clip_ms", latency_clip_ms, RealRange{0.0, 1e9}, "ms",
        "learning stability: T in the reward is clipped at this value (metrics use the true T); 0 "
        "= no clip");
  s.add("reward.latency_unit", latency_unit, Choices{"ms", "s"},
        "unit of the latency T in eq. (12) (reward and total_reward; avg_latency_ms stays in ms): "
        "ms, or s (1000x less weight against eta and rho)");
  s.add("observation.features", observation, Choices{"full", "bare"},
        "per-user features of s_v: full = valid, free, ISS-ok, bits, SNR, SNR vs best free RB, "
        "coverage; bare = the paper's s_v (requirement and channel only: ISS-ok and coverage "
        "zeroed)");
  s.add("training.iterations", iterations, IntRange{1, 1000000}, "iterations",
        "training iterations (what --steps sets)");
  s.add("training.frames_per_iteration", frames_per_iteration, IntRange{1, 100000}, "frames",
        "frames collected per iteration");
  s.add("training.gradient_steps", gradient_steps, IntRange{0, 100000}, "",
        "gradient steps per iteration (per agent)");
  s.add("training.eval_frames", eval_frames, IntRange{1, 100000}, "frames",
        "greedy evaluation frames after each iteration (the same frames every iteration)");
  s.add("training.final_eval_frames", final_eval_frames, IntRange{1, 1000000}, "frames",
        "greedy evaluation frames after training (the summary scalars)");
  s.add("training.learning_starts_frames", learning_starts_frames, IntRange{0, 100000000}, "frames",
        "no gradient step before this many frames are stored");
  s.add("training.batch_size", batch_size, IntRange{1, 4096}, "", "minibatch size (transitions)");
  s.add("training.replay_capacity", replay_capacity, IntRange{1, 10000000}, "transitions",
        "replay capacity (one transition per RB step)");
  s.add("training.hidden", hidden, RealRange{1.0, 4096.0}, "",
        "hidden layer sizes of every network (integers)");
  s.add("training.optimizer", optimizer,
        Choices{"adam", "rmsprop", "rmsprop_torch", "rmsprop_keras", "sgd"},
        "optimiser of every network (rmsprop = rmsprop_torch: PyTorch RMSprop; rmsprop_keras: "
        "Keras 2's)");
  s.add("training.lr", lr, RealRange{0.0, 1.0, true}, "",
        "learning rate of the Q networks (and the QMIX mixer)");
  s.add("training.gamma", gamma, RealRange{0.0, 1.0}, "",
        "discount per RB step within a frame (eq. 14: none, i.e. 1)");
  s.add("training.target_sync_steps", target_sync_steps, IntRange{1, 100000000}, "steps",
        "hard target-network copy every N gradient steps (when training.tau = 0)");
  s.add("training.tau", tau, RealRange{0.0, 1.0}, "",
        "> 0: Polyak target update per gradient step instead of hard copies");
  s.add("training.grad_clip", grad_clip, RealRange{0.0, 1e9}, "",
        "max gradient L2 norm per network; 0 = no clipping");
  s.add("training.loss", loss, Choices{"mse", "huber"}, "TD loss (eq. 14: squared error)");
  s.add("training.double_q", double_q, "double-Q targets (online argmax, target value)");
  s.add("training.epsilon_start", epsilon_start, RealRange{0.0, 1.0}, "",
        "vdn, idqn, qmix: initial exploration rate");
  s.add("training.epsilon_end", epsilon_end, RealRange{0.0, 1.0}, "",
        "vdn, idqn, qmix: final exploration rate");
  s.add("training.epsilon_iterations", epsilon_iterations, RealRange{0.0, 1e9}, "iterations",
        "vdn, idqn, qmix: linear decay of epsilon over this many iterations");
  s.add("training.idqn_reward", idqn_reward, Choices{"own", "team"},
        "idqn: each server learns from its own reward r_v (own) or from the total reward r (team)");
  s.add("vderl.policy_lr", policy_lr, RealRange{0.0, 1.0, true}, "",
        "learning rate of the policy networks (eq. 18)");
  s.add("vderl.temperature", temperature, RealRange{0.0, 1e6}, "",
        "delta: entropy temperature of eq. (17) (initial value with vderl.auto_temperature)");
  s.add("vderl.auto_temperature", auto_temperature,
        "tune delta to a target entropy (SAC, Haarnoja et al. 2018)");
  s.add("vderl.target_entropy_scale", target_entropy_scale, RealRange{0.0, 1.0}, "",
        "target entropy = scale x log(number of valid actions)");
  s.add("vderl.temperature_lr", temperature_lr, RealRange{0.0, 1.0, true}, "",
        "learning rate of log delta (Adam)");
  s.add("vderl.critic_target", critic_target, Choices{"max", "soft"},
        "max: eq. (14)'s max over the next joint action; soft: SAC's expected value under pi minus "
        "delta log pi");
  s.add("vderl.greedy", greedy, Choices{"policy", "critic"},
        "evaluation action: argmax of the policy pi_phi_v (the spec) or of the server's own "
        "Q_theta_v (both decentralised)");
  s.add("vderl.policy_updates", policy_updates, IntRange{1, 64}, "",
        "policy gradient steps (eq. 18) per critic step, on the same minibatch");
  s.add("vderl.temperature_final", temperature_final, RealRange{-1.0, 1e6}, "",
        ">= 0: delta is annealed linearly from vderl.temperature (iteration 1) to this value (last "
        "iteration); -1 = constant delta");
  s.add("qmix.mixing_embed", mixing_embed, IntRange{1, 1024}, "",
        "QMIX mixing-network hidden width");
  s.add("qmix.hypernet_hidden", hypernet_hidden, IntRange{1, 4096}, "",
        "QMIX hypernetwork hidden width");
  ppo.describe(s, "ppo", "ippo, mappo");
}

void Config::validate() const {
  if (min_triples > max_triples)
    throw InputError("semantic.min_triples (" + std::to_string(min_triples) +
                     ") must be <= semantic.max_triples (" + std::to_string(max_triples) + ")");
  if (!embeddings.empty() && scene_graphs.empty())
    throw InputError("semantic.embeddings needs semantic.scene_graphs (the images it describes)");
  if (servers == 1 && users > max_users_per_server)
    throw InputError("network.users (" + std::to_string(users) +
                     ") exceeds network.max_users_per_server (" +
                     std::to_string(max_users_per_server) +
                     "): with one server every user is in its service area");
  if (hidden.empty()) throw InputError("training.hidden: expected at least one layer size");
  for (const double h : hidden)
    if (h != std::floor(h))
      throw InputError("training.hidden: layer sizes must be integers, got " + std::to_string(h));
  if (temperature_final >= 0.0 && auto_temperature)
    throw InputError(
        "vderl.temperature_final (annealed delta) and vderl.auto_temperature exclude each other");
  if (temperature_final < 0.0 && temperature_final != -1.0)
    throw InputError("vderl.temperature_final: expected -1 (constant) or a value >= 0, got " +
                     std::to_string(temperature_final));
  if (epsilon_end > epsilon_start)
    throw InputError("training.epsilon_end must be <= training.epsilon_start");
  (void)ppo.config(true, rbs, "ppo");  // throws naming the first bad ppo.* key
  if (channel_source == "trace" && channel_trace.empty() && traces_.empty())
    throw InputError(
        "channel.trace: empty, expected the path of a trace file with channel.source = \"trace\"");
  if (channel_source == "model" && !channel_trace.empty())
    throw InputError("channel.trace: '" + channel_trace +
                     "' is set but channel.source = \"model\" would ignore it (set channel.source "
                     "= \"trace\" or remove channel.trace)");
}

void Config::set_traces(std::shared_ptr<const radio::ChannelTrace> g_rb) {
  channel_source = "trace";
  channel_trace.clear();
  traces_.assign(3, std::move(g_rb));
  traces_key_.clear();
}

std::vector<std::shared_ptr<const radio::ChannelTrace>> Config::traces() const {
  if (channel_source != "trace") return {};
  if (channel_trace.empty() && !traces_.empty()) {
    const auto& t = *traces_.front();
    if (t.tx != servers || t.rx != users || t.width != rbs)
      throw InputError("channels: a trace of [*, " + std::to_string(t.tx) + ", " +
                       std::to_string(t.rx) + ", " + std::to_string(t.width) + "], expected [*, " +
                       std::to_string(servers) + ", " + std::to_string(users) + ", " +
                       std::to_string(rbs) + "] (the configured network)");
    return traces_;
  }
  const std::string key = channel_trace + '\n' + std::to_string(servers) + ' ' +
                          std::to_string(users) + ' ' + std::to_string(rbs);
  if (traces_.empty() || key != traces_key_) {
    std::vector<std::shared_ptr<const radio::ChannelTrace>> t;
    t.push_back(std::make_shared<const radio::ChannelTrace>(
        radio::read_ofdma_trace(channel_trace, servers, users, rbs)));
    for (const char* name : {"G_rb_eval", "G_rb_final"})
      t.push_back(array_file_kind(channel_trace, "channel trace") != ArrayFileKind::npy &&
                          has_array(channel_trace, name, "channel trace")
                      ? std::make_shared<const radio::ChannelTrace>(
                            radio::read_ofdma_trace(channel_trace, servers, users, rbs, name))
                      : t.front());
    traces_ = std::move(t);
    traces_key_ = key;
  }
  return traces_;
}

std::shared_ptr<const radio::Layout> Config::site_layout() const {
  if (layout == "disc") return nullptr;
  const std::string key = layout + '\n' + std::to_string(servers) + ' ' + std::to_string(users) +
                          ' ' + format_double(service_radius_m);
  if (!layout_ || key != layout_key_) {
    if (layout.empty())
      throw InputError("network.layout: empty, expected \"disc\" or the path of a layout CSV");
    auto l = std::make_shared<radio::Layout>(radio::read_layout_csv(layout));
    radio::check_vderl_layout(*l, servers, users, service_radius_m,
                              "network.layout '" + echo(layout) + "'");
    layout_ = std::move(l);
    layout_key_ = key;
  }
  return layout_;
}

void Config::check_input_files() const {
  (void)site_layout();
  (void)traces();
  if (scene_graphs.empty()) return;
  const auto graphs = semantic::load_scene_graphs(scene_graphs);
  if (!embeddings.empty()) semantic::load_embeddings(embeddings).require(graphs, embeddings);
}

std::vector<int> Config::hidden_sizes() const {
  std::vector<int> h;
  for (const double x : hidden) h.push_back(static_cast<int>(x));
  return h;
}

double Config::noise_w() const {
  return rb_bandwidth_hz * radio::dbm_to_w(noise_density_dbm_hz);
}

}  // namespace semra::vderl
