// The channel source of one dhdrl slot (docs/channels.md "Speed"): the statistical model against
// a trace, each advancing one slot and then reading every gain |h_bu w_c|^2 once (every BS, UT
// layer, receiver and codeword: more than a slot reads, the same for both). Items/s = slots/s.
//   BM_ModelChannelSlot/rings:     MultipathChannel::step (Gauss-Markov, L paths) + gains
//   BM_TraceChannelSlot/rings/form: MisoTraceChannel::seek to the next row + gains; form 0 = G
//                                  (beam gains, copied), 1 = H (complex MISO, codebook applied)
//   BM_ReadTraceFile/version:      reading a 1000-slot, 7-cell G + H trace from .mat (0 = v5,
//                                  1 = v7.3), once per run, not per slot
// Network: rings -> 1 + 3 r (r + 1) cells, one UT per cell, 8 antennas, 8 codewords, 4 paths.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <vector>

#include <unistd.h>

#include "semra/core/rng.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/radio/geometry.hpp"
#include "semra/radio/multipath.hpp"

namespace radio = semra::radio;

namespace {

constexpr int kAntennas = 8, kCodewords = 8, kTraceSlots = 1000;

struct Model {
  radio::DftCodebook codebook{kAntennas, kCodewords};
  std::vector<radio::MultipathChannel> layers = std::vector<radio::MultipathChannel>(1);
  semra::Rng fading{1, "fading"};
  int cells;
  explicit Model(int rings) : cells(radio::hex_cell_count(rings)) {
    semra::Rng topo(1, "topology"), sh(1, "shadowing"), aod(1, "aod");
    const auto bs = radio::hex_bs_positions(rings, 500.0);
    std::vector<radio::Point> rx(cells);
    for (int b = 0; b < cells; ++b) rx[b] = radio::drop_user(topo, bs[b], 35.0, 500.0);
    layers[0].reset(bs, rx, codebook, radio::MultipathParams{}, sh, aod, fading);
  }
  radio::ChannelTrace trace(radio::TraceQuantity q) {
    auto t = radio::empty_trace(q, cells, cells,
                                q == radio::TraceQuantity::beam_power ? kCodewords : kAntennas);
    for (int s = 0; s < kTraceSlots; ++s) {
      if (q == radio::TraceQuantity::beam_power)
        radio::append_beam_row(t, layers);
      else
        radio::append_amplitude_row(t, layers);
      layers[0].step(fading);
    }
    return t;
  }
};

template <class Channel>
double read_all(const Channel& ch) {
  double sum = 0.0;
  for (int b = 0; b < ch.num_tx(); ++b)
    for (int r = 0; r < ch.num_rx(); ++r)
      for (int c = 0; c < ch.codewords(); ++c) sum += ch.gain(b, r, c);
  return sum;
}

}  // namespace

static void BM_ModelChannelSlot(benchmark::State& state) {
  Model m(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    m.layers[0].step(m.fading);
    benchmark::DoNotOptimize(read_all(m.layers[0]));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = m.cells;
}
BENCHMARK(BM_ModelChannelSlot)->Arg(1)->Arg(2);

static void BM_TraceChannelSlot(benchmark::State& state) {
  Model m(static_cast<int>(state.range(0)));
  const auto q =
      state.range(1) == 0 ? radio::TraceQuantity::beam_power : radio::TraceQuantity::miso_amplitude;
  auto trace = std::make_shared<const radio::ChannelTrace>(m.trace(q));
  radio::MisoTraceChannel ch(trace, m.codebook, radio::dhdrl_layer_uts(m.cells, 1, 0));
  std::uint64_t slot = 0;
  for (auto _ : state) {
    ch.seek(++slot);
    benchmark::DoNotOptimize(read_all(ch));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cells"] = m.cells;
}
BENCHMARK(BM_TraceChannelSlot)->Args({1, 0})->Args({1, 1})->Args({2, 0})->Args({2, 1});

static void BM_ReadTraceFile(benchmark::State& state) {
  Model m(1);
  const auto g = m.trace(radio::TraceQuantity::beam_power);
  const auto h = m.trace(radio::TraceQuantity::miso_amplitude);
  const auto path = std::filesystem::temp_directory_path() /
                    ("semra-bench-trace-" + std::to_string(::getpid()) + ".mat");
  radio::write_channel_traces(path, {&g, &h},
                              state.range(0) == 0 ? semra::MatVersion::v5 : semra::MatVersion::v73);
  const radio::MisoTraceShape shape{m.cells, m.cells, kAntennas, kCodewords};
  for (auto _ : state) benchmark::DoNotOptimize(radio::read_miso_trace(path, shape).power.size());
  std::filesystem::remove(path);
  state.counters["MB"] = static_cast<double>(g.power.size() * 8 + h.amplitude.size() * 16) / 1e6;
}
BENCHMARK(BM_ReadTraceFile)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
