#pragma once
// Channel traces: measured, ray-traced or exported channels that replace the statistical models
// (docs/channels.md). A trace is a dense array [step][tx][rx][k] read from a .mat, .npz or .npy
// file, checked against the shape the configured network expects, then replayed row by row.
//
//   dhdrl, variable H: complex MISO channel h_bu[n] of every BS b, UT u, antenna n, per slot
//          (complex amplitude: |h_bu w|^2 is the linear power gain with path loss and shadowing,
//          received amplitude h_bu w, no conjugation, as radio/multipath.hpp). The beam codebook
//          is applied by semra, so every codeword is meaningful.
//   dhdrl, variable G: the beam-domain gains |h_bu w_c|^2 of every codeword c (linear power), what
//          the environment consumes; the form semra exports, which replays bit-exactly.
//   vderl, variable G_rb: h^q_vk of every server v, user k, RB q, per frame (linear power).
//
// A trace shorter than the run wraps around (row t mod steps); docs/decisions.md "Channel traces".
#include <complex>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "semra/core/array_file.hpp"
#include "semra/core/rng.hpp"
#include "semra/radio/antenna.hpp"
#include "semra/radio/geometry.hpp"

namespace semra::radio {

class MultipathChannel;
class OfdmaChannel;

enum class TraceQuantity {
  miso_amplitude,  // dhdrl "H": complex, [slots, BSs, UTs, antennas]
  beam_power,      // dhdrl "G": real >= 0, [slots, BSs, UTs, codewords]
  rb_power,        // vderl "G_rb": real >= 0, [frames, servers, users, RBs]
};
// The variable name of each quantity in a trace file ("H", "G", "G_rb").
const char* trace_variable(TraceQuantity q);

struct ChannelTrace {
  TraceQuantity quantity = TraceQuantity::beam_power;
  int steps = 0;                                // slots (dhdrl) or frames (vderl)
  int tx = 0;                                   // BSs / servers
  int rx = 0;                                   // UTs / users
  int width = 0;                                // antennas (H), codewords (G), RBs (G_rb)
  std::vector<double> power;                    // beam_power, rb_power: [step][tx][rx][width]
  std::vector<std::complex<double>> amplitude;  // miso_amplitude: [step][tx][rx][width]

  std::size_t row_size() const {
    return static_cast<std::size_t>(tx) * static_cast<std::size_t>(rx) *
           static_cast<std::size_t>(width);
  }
  // The row that run step `t` (counted from the first reset) replays: t mod steps.
  int row_of(std::uint64_t t) const {
    return static_cast<int>(t % static_cast<std::uint64_t>(steps));
  }
  std::size_t index(int row, int b, int u, int k) const {
    return ((static_cast<std::size_t>(row) * tx + b) * rx + u) * width + k;
  }
};

// What the configured network expects of a dhdrl trace.
struct MisoTraceShape {
  int bss = 0;
  int uts = 0;  // all UTs, cell-major: UT u = cell * users_per_cell + j (the env's link index)
  int antennas = 0;
  int codewords = 0;
};

// Reads a dhdrl trace: "G" (beam gains) when the file holds it, else "H". Refused with one line
// naming the file, the variable and what was expected: neither variable, a rank other than 4, a
// dimension other than [*, bss, uts, antennas or codewords], no slot, H real or G complex, NaN or
// inf, a negative gain, an integer array, a truncated or corrupt file.
ChannelTrace read_miso_trace(const std::filesystem::path& path, const MisoTraceShape& expect);
// Reads a vderl trace "G_rb" (or `variable`: vderl's G_rb_eval, G_rb_final), [frames, servers,
// users, rbs], likewise checked.
ChannelTrace read_ofdma_trace(const std::filesystem::path& path, int servers, int users, int rbs,
                              const std::string& variable = "G_rb");
// The checks of both readers on an array already in memory (numpy from Python, the fuzz target):
// `where` names the source in messages.
ChannelTrace miso_trace_from_array(NumericArray a, TraceQuantity q, const MisoTraceShape& expect,
                                   const std::string& where);
ChannelTrace ofdma_trace_from_array(NumericArray a, int servers, int users, int rbs,
                                    const std::string& where, const std::string& variable = "G_rb");

// The trace as the array it is written as (row-major, its logical shape).
NumericArray trace_array(const ChannelTrace& trace);
// Writes the trace as a .mat file (v5 or v7.3) under its variable name, atomically, bit-exact on
// reading back. Several traces (H and G of the same run) may share one file.
void write_channel_traces(const std::filesystem::path& path,
                          const std::vector<const ChannelTrace*>& traces, MatVersion version);

// Exporting the model's channels (docs/channels.md "Exporting"): each call appends one row, the
// channel the model holds now. dhdrl's environment keeps one MultipathChannel per UT layer j
// (tx = cells, rx = the j-th UT of every cell); UT u = cell * layers.size() + j.
void append_beam_row(ChannelTrace& trace, const std::vector<MultipathChannel>& layers);
void append_amplitude_row(ChannelTrace& trace, const std::vector<MultipathChannel>& layers);
void append_rb_row(ChannelTrace& trace, const OfdmaChannel& channel);
// An empty trace of the right sizes to append to.
ChannelTrace empty_trace(TraceQuantity q, int tx, int rx, int width);

// dhdrl's channel source from a trace: the gains |h w_c|^2 of one slot, for one UT layer, with the
// same accessors as MultipathChannel (num_tx, num_rx, codewords, gain). seek() moves to a run
// step; with H it applies the codebook (N complex MACs per codeword and pair), with G it copies.
// Holds the trace by shared_ptr: one trace in memory for every layer and environment.
class MisoTraceChannel {
 public:
  // rx r of this channel is trace UT rx_ut[r].
  MisoTraceChannel(std::shared_ptr<const ChannelTrace> trace, const DftCodebook& codebook,
                   std::vector<int> rx_ut);
  void seek(std::uint64_t step);
  int row() const { return row_; }
  int num_tx() const { return num_tx_; }
  int num_rx() const { return num_rx_; }
  int codewords() const { return codewords_; }
  double gain(int tx, int rx, int codeword) const {
    return gains_[(static_cast<std::size_t>(tx) * num_rx_ + rx) * codewords_ + codeword];
  }

 private:
  std::shared_ptr<const ChannelTrace> trace_;
  std::vector<cplx> codebook_;  // [c][n]
  std::vector<int> rx_ut_;
  int num_tx_ = 0, num_rx_ = 0, codewords_ = 0, antennas_ = 0, row_ = -1;
  std::vector<double> gains_;  // [tx][rx][c]
};

// The receivers of dhdrl's UT layer `layer`: UT cell * users_per_cell + layer of every cell.
std::vector<int> dhdrl_layer_uts(int cells, int users_per_cell, int layer);

// vderl's channel source from a trace: sets an OfdmaChannel built with unit path gains
// (distances 1 m: d^-2 = 1 exactly) to the frame's gains, so gain() returns the trace's value
// bit-exactly and sinr() / ofdma_rates() work unchanged.
void load_rb_row(const ChannelTrace& trace, std::uint64_t step, OfdmaChannel& channel);
// Advances `rng` past exactly the draws OfdmaChannel::draw_fading would make on `channel` (one
// uniform per (q, v, k)), without drawing them: vderl's frame stream also draws the image requests,
// which then stay those of the model-driven run.
void skip_rb_fading(Rng& rng, const OfdmaChannel& channel);

// A site layout (docs/channels.md "Layouts"): BS / server positions with the array orientation,
// and UT / user positions with their serving BS (-1: none given).
struct Layout {
  std::vector<Point> bs;
  std::vector<double> bs_orientation_deg;  // ULA axis azimuth, counter-clockwise from +x
  std::vector<Point> ut;
  std::vector<int> ut_serving;  // serving BS index, -1 when the file leaves it empty
};

// Reads a layout CSV: header `kind,x_m,y_m,orientation_deg,serving_bs`, one row per BS ("bs")
// or UT ("ut"); BSs are numbered 0.. in file order, UTs likewise. Lines starting with '#' are
// comments. Refused with one line naming the file, the line and the column.
Layout parse_layout_csv(const std::string& text, const std::string& where);
Layout read_layout_csv(const std::filesystem::path& path);
// The layout dhdrl needs: `cells` BSs, `users_per_cell` UTs serving each BS, listed cell-major
// (the UTs of BS 0 first). Throws InputError naming `where` and what differs.
void check_dhdrl_layout(const Layout& layout, int cells, int users_per_cell,
                        const std::string& where);
// The layout vderl needs: `servers` servers (no array orientation: 0 or empty) and `users` users
// (serving_bs empty: the service areas decide who may serve whom), each inside at least one
// service area, the disc of `service_radius_m` around a server. Throws InputError naming `where`
// and what differs.
void check_vderl_layout(const Layout& layout, int servers, int users, double service_radius_m,
                        const std::string& where);
// Writes a layout CSV (the converters' and exporters' inverse of read_layout_csv).
std::string layout_csv(const Layout& layout);

}  // namespace semra::radio
