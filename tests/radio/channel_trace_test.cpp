// Channel traces and layouts (radio/channel_trace.hpp, docs/channels.md): the model's channels
// exported, written and read back replay bit-exactly (G, G_rb) or to rounding (H through the
// codebook); every bad trace or layout is one InputError naming the file and the variable or line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../support/cli_process.hpp"
#include "../support/input_error.hpp"
#include "semra/core/error.hpp"
#include "semra/core/rng.hpp"
#include "semra/radio/channel_trace.hpp"
#include "semra/radio/geometry.hpp"
#include "semra/radio/multipath.hpp"
#include "semra/radio/ofdma.hpp"

namespace fs = std::filesystem;
namespace radio = semra::radio;

namespace {

using semra_test::error_of;
using semra_test::has;

fs::path temp_file(const std::string& name) {
  return semra_test::temp_file("semra-trace-", name);
}

// dhdrl's channels as its environment holds them: one MultipathChannel per UT layer j, tx = the
// cells' BSs, rx = the j-th UT of every cell.
struct DhdrlWorld {
  static constexpr int kCells = 3, kPerCell = 2, kAntennas = 4, kCodewords = 6;
  radio::DftCodebook codebook{kAntennas, kCodewords};
  std::vector<radio::MultipathChannel> layers = std::vector<radio::MultipathChannel>(kPerCell);
  semra::Rng fading{11, "fading"};

  DhdrlWorld() {
    semra::Rng topo(11, "topology"), sh(11, "shadowing"), aod(11, "aod");
    const auto bs = radio::hex_bs_positions(1, 500.0);
    radio::MultipathParams mp;
    for (int j = 0; j < kPerCell; ++j) {
      std::vector<radio::Point> rx(kCells);
      for (int b = 0; b < kCells; ++b) rx[b] = radio::drop_user(topo, bs[b], 35.0, 500.0);
      layers[j].reset({bs.begin(), bs.begin() + kCells}, rx, codebook, mp, sh, aod, fading);
    }
  }
  void step() {
    for (auto& l : layers) l.step(fading);
  }
  radio::MisoTraceShape shape() const { return {kCells, kCells * kPerCell, kAntennas, kCodewords}; }
};

}  // namespace

// Acceptance: a trace written from the model and read back gives the model's gains bit for bit
// (G), in .mat v5 and v7.3, and to rounding through the codebook (H).
TEST(ChannelTrace, DhdrlModelExportReplaysExactly) {
  DhdrlWorld w;
  constexpr int kSlots = 5;
  auto g = radio::empty_trace(radio::TraceQuantity::beam_power, w.kCells, w.kCells * w.kPerCell,
                              w.kCodewords);
  auto h = radio::empty_trace(radio::TraceQuantity::miso_amplitude, w.kCells, w.kCells * w.kPerCell,
                              w.kAntennas);
  std::vector<std::vector<double>> model;  // [slot] gains in MisoTraceChannel order per layer
  for (int s = 0; s < kSlots; ++s) {
    radio::append_beam_row(g, w.layers);
    radio::append_amplitude_row(h, w.layers);
    std::vector<double> row;
    for (int j = 0; j < w.kPerCell; ++j)
      for (int b = 0; b < w.kCells; ++b)
        for (int r = 0; r < w.kCells; ++r)
          for (int c = 0; c < w.kCodewords; ++c) row.push_back(w.layers[j].gain(b, r, c));
    model.push_back(row);
    w.step();
  }
  for (auto version : {semra::MatVersion::v5, semra::MatVersion::v73}) {
    const auto path = temp_file("dhdrl.mat");
    radio::write_channel_traces(path, {&g, &h}, version);
    // G present: G is used.
    const auto read_g =
        std::make_shared<const radio::ChannelTrace>(radio::read_miso_trace(path, w.shape()));
    ASSERT_EQ(read_g->quantity, radio::TraceQuantity::beam_power);
    ASSERT_EQ(read_g->steps, kSlots);
    // H alone.
    const auto path_h = temp_file("dhdrl_h.mat");
    radio::write_channel_traces(path_h, {&h}, version);
    const auto read_h =
        std::make_shared<const radio::ChannelTrace>(radio::read_miso_trace(path_h, w.shape()));
    ASSERT_EQ(read_h->quantity, radio::TraceQuantity::miso_amplitude);
    for (int j = 0; j < w.kPerCell; ++j) {
      radio::MisoTraceChannel cg(read_g, w.codebook,
                                 radio::dhdrl_layer_uts(w.kCells, w.kPerCell, j));
      radio::MisoTraceChannel ch(read_h, w.codebook,
                                 radio::dhdrl_layer_uts(w.kCells, w.kPerCell, j));
      ASSERT_EQ(cg.num_tx(), w.kCells);
      ASSERT_EQ(cg.num_rx(), w.kCells);
      for (int s = 0; s < kSlots; ++s) {
        cg.seek(static_cast<std::uint64_t>(s));
        ch.seek(static_cast<std::uint64_t>(s));
        std::size_t i = static_cast<std::size_t>(j) * w.kCells * w.kCells * w.kCodewords;
        for (int b = 0; b < w.kCells; ++b)
          for (int r = 0; r < w.kCells; ++r)
            for (int c = 0; c < w.kCodewords; ++c, ++i) {
              const double m = model[s][i];
              const double a = cg.gain(b, r, c);
              EXPECT_EQ(std::memcmp(&a, &m, sizeof a), 0) << s << " " << b << " " << r << " " << c;
              EXPECT_NEAR(ch.gain(b, r, c), m, 1e-11 * m + 1e-300);
            }
      }
      // Wrap-around: run step kSlots + 2 replays row 2.
      cg.seek(kSlots + 2);
      EXPECT_EQ(cg.row(), 2);
      EXPECT_EQ(cg.gain(0, 0, 1),
                model[2][static_cast<std::size_t>(j) * w.kCells * w.kCells * w.kCodewords + 1]);
    }
  }
}

TEST(ChannelTrace, VderlModelExportReplaysExactly) {
  radio::DiscGeometry geo;
  geo.servers = 3;
  geo.users = 7;
  semra::Rng rng(5, "geometry"), frames(5, "frames");
  const auto topo = radio::draw_disc_topology(geo, rng);
  constexpr int kRbs = 4, kFrames = 3;
  radio::OfdmaChannel model(geo.servers, geo.users, kRbs, topo.distance_m);
  auto t = radio::empty_trace(radio::TraceQuantity::rb_power, geo.servers, geo.users, kRbs);
  std::vector<radio::OfdmaChannel> kept;
  for (int f = 0; f < kFrames; ++f) {
    model.draw_fading(frames);
    radio::append_rb_row(t, model);
    kept.push_back(model);
  }
  // The replay leaves the frame stream where the model's draw would (the requests come next).
  semra::Rng drawn(9, "frames"), skipped(9, "frames");
  radio::OfdmaChannel scratch = model;
  scratch.draw_fading(drawn);
  radio::skip_rb_fading(skipped, scratch);
  EXPECT_EQ(drawn.uniform_int(1000000), skipped.uniform_int(1000000));
  const auto path = temp_file("vderl.mat");
  radio::write_channel_traces(path, {&t}, semra::MatVersion::v73);
  const auto back = radio::read_ofdma_trace(path, geo.servers, geo.users, kRbs);
  ASSERT_EQ(back.steps, kFrames);
  radio::OfdmaChannel replay(
      geo.servers, geo.users, kRbs,
      std::vector<double>(static_cast<std::size_t>(geo.servers) * geo.users, 1.0));
  const int alloc[3] = {0, radio::kNoUser, 4};
  for (int f = 0; f < kFrames + 1; ++f) {
    radio::load_rb_row(back, static_cast<std::uint64_t>(f), replay);
    const auto& m = kept[static_cast<std::size_t>(f % kFrames)];
    for (int v = 0; v < geo.servers; ++v)
      for (int k = 0; k < geo.users; ++k)
        for (int q = 0; q < kRbs; ++q) {
          EXPECT_EQ(replay.gain(v, k, q), m.gain(v, k, q));
          EXPECT_EQ(replay.sinr(v, k, q, alloc, 1.0, 1e-12), m.sinr(v, k, q, alloc, 1.0, 1e-12));
        }
  }
}

TEST(ChannelTrace, NpzAndNpyTracesAreRead) {
  DhdrlWorld w;
  auto h = radio::empty_trace(radio::TraceQuantity::miso_amplitude, w.kCells, w.kCells * w.kPerCell,
                              w.kAntennas);
  radio::append_amplitude_row(h, w.layers);
  const auto p = temp_file("h.npy");
  {
    const std::string bytes = semra::npy_bytes(radio::trace_array(h));
    std::ofstream(p, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const auto back = radio::read_miso_trace(p, w.shape());
  EXPECT_EQ(back.quantity, radio::TraceQuantity::miso_amplitude);
  EXPECT_EQ(back.amplitude, h.amplitude);
  // .npz with H only, then with H and G (G is used).
  auto g = radio::empty_trace(radio::TraceQuantity::beam_power, w.kCells, w.kCells * w.kPerCell,
                              w.kCodewords);
  radio::append_beam_row(g, w.layers);
  const auto ha = radio::trace_array(h), ga = radio::trace_array(g);
  const auto z = temp_file("t.npz");
  for (bool with_g : {false, true}) {
    const std::string bytes =
        with_g ? semra::npz_bytes({{"H", &ha}, {"G", &ga}}) : semra::npz_bytes({{"H", &ha}});
    std::ofstream(z, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const auto t = radio::read_miso_trace(z, w.shape());
    if (with_g) {
      EXPECT_EQ(t.quantity, radio::TraceQuantity::beam_power);
      EXPECT_EQ(t.power, g.power);
    } else {
      EXPECT_EQ(t.amplitude, h.amplitude);
    }
  }
}

// Every bad trace: one line naming the file, the variable and what was expected.
TEST(ChannelTrace, BadTracesAreRefusedWithOneLine) {
  DhdrlWorld w;
  const auto shape = w.shape();
  auto make = [](std::vector<std::size_t> s, bool complex, double fill) {
    semra::NumericArray a;
    a.shape = s;
    a.is_complex = complex;
    std::size_t n = 1;
    for (auto d : s) n *= d;
    a.re.assign(n, fill);
    if (complex) a.im.assign(n, 0.5);
    return a;
  };
  const std::vector<std::size_t> g_shape = {2, 3, 6, 6}, h_shape = {2, 3, 6, 4};
  struct Case {
    std::string name;
    semra::NumericArray a;
    std::string variable, expect;
  };
  auto nan_at = make(g_shape, false, 1.0);
  nan_at.re[nan_at.re.size() - 1] = std::numeric_limits<double>::quiet_NaN();
  auto inf_h = make(h_shape, true, 1.0);
  inf_h.im[5] = std::numeric_limits<double>::infinity();
  auto negative = make(g_shape, false, 1.0);
  negative.re[3] = -1e-3;
  auto huge_g = make(g_shape, false, 1.0);
  huge_g.re[7] = 1e31;
  auto huge_h = make(h_shape, true, 1.0);
  huge_h.im[2] = -2e15;
  const std::vector<Case> cases = {
      {"wrong UTs", make({2, 3, 5, 6}, false, 1.0), "G",
       "shape [2, 3, 5, 6], expected real [slots, BSs, UTs, codewords] = [*, 3, 6, 6]"},
      {"rank 3", make({3, 6, 6}, false, 1.0), "G", "shape [3, 6, 6]"},
      {"no slot", make({0, 3, 6, 6}, false, 1.0), "G", "holds no slot"},
      {"G complex", make(g_shape, true, 1.0), "G", "is complex, expected real"},
      {"H real", make(h_shape, false, 1.0), "H", "is real, expected complex"},
      {"NaN", nan_at, "G", "element [1, 2, 5, 5] (0-based) is NaN"},
      {"inf", inf_h, "H", "element [0, 0, 1, 1] (0-based) is infinite"},
      {"negative", negative, "G", "negative gain (-0.001)"},
      {"huge G", huge_g, "G", "holds 1e+31, above the 1e30 a linear power gain may be"},
      {"huge H", huge_h, "H", "holds 2e+15, above the 1e15 a complex amplitude may be"},
  };
  for (const auto& c : cases) {
    for (auto version : {semra::MatVersion::v5, semra::MatVersion::v73}) {
      // Through a file, as a user gives it.
      const auto p = temp_file("bad.mat");
      semra::write_mat_arrays(p, {{c.variable, &c.a}}, version);
      const std::string e = error_of([&] { radio::read_miso_trace(p, shape); });
      EXPECT_TRUE(has(e, "channel trace '") && has(e, "bad.mat") &&
                  has(e, "variable '" + c.variable + "'") && has(e, c.expect))
          << c.name << ": " << e;
      EXPECT_FALSE(has(e, "\n")) << e;
    }
  }
  // Neither variable.
  const auto p = temp_file("other.mat");
  const auto x = make({1, 2}, false, 1.0);
  semra::write_mat_arrays(p, {{"channels", &x}}, semra::MatVersion::v5);
  const std::string e = error_of([&] { radio::read_miso_trace(p, shape); });
  EXPECT_TRUE(has(e, "holds neither variable 'H'") && has(e, "it holds channels")) << e;
  // vderl: the wrong number of RBs, and no G_rb at all.
  const auto v = temp_file("v.npz");
  const std::string ev = error_of([&] { radio::read_ofdma_trace(v, 3, 7, 4); });
  EXPECT_TRUE(has(ev, "v.npz")) << ev;
  const auto pv = temp_file("v.mat");
  const auto grb = make({2, 3, 7, 5}, false, 1.0);
  semra::write_mat_arrays(pv, {{"G_rb", &grb}}, semra::MatVersion::v5);
  const std::string ev2 = error_of([&] { radio::read_ofdma_trace(pv, 3, 7, 4); });
  EXPECT_TRUE(
      has(ev2,
          "'G_rb': shape [2, 3, 7, 5], expected real [frames, servers, users, RBs] = [*, 3, 7, 4]"))
      << ev2;
  semra::write_mat_arrays(pv, {{"G", &grb}}, semra::MatVersion::v5);
  EXPECT_TRUE(has(error_of([&] { radio::read_ofdma_trace(pv, 3, 7, 4); }),
                  "'G_rb': not found (it holds G)"));
}

TEST(Layout, ReadsAStreetGridAndChecksItForDhdrl) {
  const std::string csv =
      "# a 2-BS street\n"
      "kind,x_m,y_m,orientation_deg,serving_bs\n"
      "bs,0,0,90,\n"
      "bs,250.5,0,,\n"
      "ut,10,-20,,0\n"
      "ut,260,35.25,,1\n";
  const auto l = radio::parse_layout_csv(csv, "layout 'grid.csv'");
  ASSERT_EQ(l.bs.size(), 2u);
  EXPECT_EQ(l.bs[1].x_m, 250.5);
  EXPECT_EQ(l.bs_orientation_deg[0], 90.0);
  EXPECT_EQ(l.bs_orientation_deg[1], 0.0);
  ASSERT_EQ(l.ut.size(), 2u);
  EXPECT_EQ(l.ut[1].y_m, 35.25);
  EXPECT_EQ(l.ut_serving, (std::vector<int>{0, 1}));
  EXPECT_NO_THROW(radio::check_dhdrl_layout(l, 2, 1, "grid.csv"));
  EXPECT_TRUE(
      has(error_of([&] { radio::check_dhdrl_layout(l, 3, 1, "grid.csv"); }), "2 BSs, expected 3"));
  EXPECT_TRUE(
      has(error_of([&] { radio::check_dhdrl_layout(l, 2, 2, "grid.csv"); }), "2 UTs, expected 4"));
  // The writer's text reads back the same.
  const auto again = radio::parse_layout_csv(radio::layout_csv(l), "again");
  EXPECT_EQ(again.ut_serving, l.ut_serving);
  EXPECT_EQ(again.bs_orientation_deg, l.bs_orientation_deg);
  EXPECT_EQ(again.ut[0].x_m, 10.0);

  const std::string head = "kind,x_m,y_m,orientation_deg,serving_bs\n";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},
      {"x,y\nbs,0,0,,\n", "line 1: header 'x,y'"},
      {head + "bs,0,0\n", "line 2: 3 columns, expected 5"},
      {head + "bs,0,north,,\n", "line 2, column y_m: 'north'"},
      {head + "bs,0,nan,,\n", "line 2, column y_m: 'nan'"},
      {head + "tower,0,0,,\n", "column kind: 'tower'"},
      {head + "bs,0,0,,\nut,1,1,,1\n", "UT 0 is served by BS 1, but the file has 1 BSs"},
      {head + "bs,0,0,,\nut,1,1,,-1\n", "column serving_bs: '-1'"},
      {head + "bs,0,0,,\nut,1,1,30,\n",
       "column orientation_deg: '30', expected empty for a ut row"},
      {head + "ut,1,1,,\n", "no bs row"},
  };
  for (const auto& [text, expect] : bad) {
    const std::string e = error_of([&] { radio::parse_layout_csv(text, "layout file 'l.csv'"); });
    EXPECT_TRUE(has(e, "layout file 'l.csv'") && has(e, expect)) << text << " -> " << e;
  }
  // vderl: servers without an array orientation, users without a serving BS, each in a service
  // area (discs of the service radius around the servers).
  const auto v =
      radio::parse_layout_csv(head + "bs,0,0,,\nbs,250,0,0,\nut,10,0,,\nut,400,0,,\n", "v");
  EXPECT_NO_THROW(radio::check_vderl_layout(v, 2, 2, 300.0, "site.csv"));
  EXPECT_TRUE(has(error_of([&] { radio::check_vderl_layout(v, 3, 2, 300.0, "site.csv"); }),
                  "site.csv: 2 servers (bs rows), expected 3 (network.servers)"));
  EXPECT_TRUE(has(error_of([&] { radio::check_vderl_layout(v, 2, 5, 300.0, "site.csv"); }),
                  "2 users (ut rows), expected 5 (network.users)"));
  EXPECT_TRUE(has(error_of([&] { radio::check_vderl_layout(v, 2, 2, 100.0, "site.csv"); }),
                  "user 1 at (400, 0) m is in no server's service area (network.service_radius_m "
                  "= 100)"));
  EXPECT_TRUE(has(error_of([&] { radio::check_vderl_layout(l, 2, 2, 300.0, "grid.csv"); }),
                  "server 0 has orientation_deg 90, expected empty or 0"));
  const auto served = radio::parse_layout_csv(head + "bs,0,0,,\nut,10,0,,0\n", "s");
  EXPECT_TRUE(has(error_of([&] { radio::check_vderl_layout(served, 1, 1, 300.0, "site.csv"); }),
                  "user 0 has serving_bs 0, expected empty"));

  const auto p = temp_file("grid.csv");
  std::ofstream(p) << csv;
  EXPECT_EQ(radio::read_layout_csv(p).bs.size(), 2u);
  EXPECT_TRUE(has(error_of([&] { radio::read_layout_csv(p.parent_path() / "missing.csv"); }),
                  "missing.csv"));
}
