#include "semra/radio/channel_trace.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/radio/multipath.hpp"
#include "semra/radio/ofdma.hpp"

namespace fs = std::filesystem;

namespace semra::radio {

const char* trace_variable(TraceQuantity q) {
  switch (q) {
    case TraceQuantity::miso_amplitude:
      return "H";
    case TraceQuantity::beam_power:
      return "G";
    case TraceQuantity::rb_power:
      return "G_rb";
  }
  return "?";
}

namespace {

constexpr double kMaxPowerGain = 1e30;
constexpr double kMaxAmplitude = 1e15;

const char* quantity_text(TraceQuantity q) {
  switch (q) {
    case TraceQuantity::miso_amplitude:
      return "complex [slots, BSs, UTs, antennas]";
    case TraceQuantity::beam_power:
      return "real [slots, BSs, UTs, codewords]";
    case TraceQuantity::rb_power:
      return "real [frames, servers, users, RBs]";
  }
  return "?";
}

// Steps x rows must fit an int and the sizes must be positive (the readers' callers pass the
// configured network; a zero there is their bug).
ChannelTrace checked(NumericArray a, TraceQuantity q, int tx, int rx, int width,
                     const std::string& where, const std::string& variable = "") {
  const std::string wv =
      where + ", variable '" + (variable.empty() ? trace_variable(q) : variable) + "'";
  const std::string expected = std::string(quantity_text(q)) + " = [*, " + std::to_string(tx) +
                               ", " + std::to_string(rx) + ", " + std::to_string(width) + "]";
  const bool want_complex = q == TraceQuantity::miso_amplitude;
  if (a.is_complex != want_complex)
    throw InputError(wv + ": is " + (a.is_complex ? "complex" : "real") + ", expected " + expected);
  if (a.shape.size() != 4 || a.shape[1] != static_cast<std::size_t>(tx) ||
      a.shape[2] != static_cast<std::size_t>(rx) || a.shape[3] != static_cast<std::size_t>(width))
    throw InputError(wv + ": shape " + a.shape_text() + ", expected " + expected +
                     " (the configured network)");
  if (a.shape[0] == 0)
    throw InputError(wv + ": holds no " + (q == TraceQuantity::rb_power ? "frame" : "slot"));
  if (a.shape[0] > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw InputError(wv + ": more than 2^31 steps");
  for (std::size_t i = 0; i < a.re.size(); ++i) {
    const double r = a.re[i];
    const double m = want_complex ? a.im[i] : 0.0;
    if (!std::isfinite(r) || !std::isfinite(m)) {
      // Name the element as the user indexes it (0-based, NumPy order).
      std::size_t rest = i;
      const std::size_t k = rest % a.shape[3];
      rest /= a.shape[3];
      const std::size_t u = rest % a.shape[2];
      rest /= a.shape[2];
      const std::size_t b = rest % a.shape[1];
      const std::size_t t = rest / a.shape[1];
      throw InputError(wv + ": element [" + std::to_string(t) + ", " + std::to_string(b) + ", " +
                       std::to_string(u) + ", " + std::to_string(k) + "] (0-based) is " +
                       (std::isnan(r) || std::isnan(m) ? "NaN" : "infinite") +
                       ", expected finite values");
    }
    if (!want_complex && r < 0.0)
      throw InputError(wv + ": holds a negative gain (" + format_double(r) +
                       "), expected linear power gains >= 0");
    // Far above any physical channel (a passive one is below 0 dB), low enough that every gain,
    // beamformed gain and received power stays finite in double precision.
    if (want_complex ? std::max(std::abs(r), std::abs(m)) > kMaxAmplitude : r > kMaxPowerGain)
      throw InputError(wv + ": holds " +
                       format_double(want_complex ? std::max(std::abs(r), std::abs(m)) : r) +
                       ", above the " +
                       (want_complex ? "1e15 a complex amplitude" : "1e30 a linear power gain") +
                       " may be (dB instead of linear? a unit error?)");
  }
  ChannelTrace t;
  t.quantity = q;
  t.steps = static_cast<int>(a.shape[0]);
  t.tx = tx;
  t.rx = rx;
  t.width = width;
  if (want_complex) {
    t.amplitude.resize(a.re.size());
    for (std::size_t i = 0; i < a.re.size(); ++i) t.amplitude[i] = {a.re[i], a.im[i]};
  } else {
    t.power = std::move(a.re);
  }
  return t;
}

void require_positive(int v, const char* what) {
  if (v <= 0) throw std::invalid_argument(std::string("channel trace: ") + what + " must be > 0");
}

}  // namespace

ChannelTrace miso_trace_from_array(NumericArray a, TraceQuantity q, const MisoTraceShape& e,
                                   const std::string& where) {
  require_positive(e.bss, "BSs");
  require_positive(e.uts, "UTs");
  require_positive(e.antennas, "antennas");
  require_positive(e.codewords, "codewords");
  if (q == TraceQuantity::rb_power) throw std::invalid_argument("miso_trace_from_array: rb_power");
  return checked(std::move(a), q, e.bss, e.uts,
                 q == TraceQuantity::miso_amplitude ? e.antennas : e.codewords, where);
}

ChannelTrace ofdma_trace_from_array(NumericArray a, int servers, int users, int rbs,
                                    const std::string& where, const std::string& variable) {
  require_positive(servers, "servers");
  require_positive(users, "users");
  require_positive(rbs, "RBs");
  return checked(std::move(a), TraceQuantity::rb_power, servers, users, rbs, where, variable);
}

ChannelTrace read_miso_trace(const fs::path& path, const MisoTraceShape& expect) {
  const std::string what = "channel trace";
  const std::string where = what + " '" + echo(path.string()) + "'";
  TraceQuantity q = TraceQuantity::beam_power;
  if (array_file_kind(path, what) == ArrayFileKind::npy) {
    // One unnamed array: its dtype says which it is (H complex, G real).
    NumericArray a = read_array(path, "H or G", what);
    q = a.is_complex ? TraceQuantity::miso_amplitude : TraceQuantity::beam_power;
    return miso_trace_from_array(std::move(a), q, expect, where);
  }
  const bool has_g = has_array(path, "G", what);
  if (!has_g && !has_array(path, "H", what)) {
    const auto names = array_names(path, what);
    std::string held;
    for (std::size_t i = 0; i < names.size() && i < 12; ++i)
      held += (i ? ", " : "") + echo(names[i], 40);
    throw InputError(where +
                     ": holds neither variable 'H' (complex [slots, BSs, UTs, antennas]) "
                     "nor 'G' (real [slots, BSs, UTs, codewords]); it holds " +
                     (held.empty() ? std::string("none") : held));
  }
  q = has_g ? TraceQuantity::beam_power : TraceQuantity::miso_amplitude;
  return miso_trace_from_array(read_array(path, trace_variable(q), what), q, expect, where);
}

ChannelTrace read_ofdma_trace(const fs::path& path, int servers, int users, int rbs,
                              const std::string& variable) {
  const std::string what = "channel trace";
  const std::string where = what + " '" + echo(path.string()) + "'";
  return ofdma_trace_from_array(read_array(path, variable, what), servers, users, rbs, where,
                                variable);
}

NumericArray trace_array(const ChannelTrace& t) {
  NumericArray a;
  a.shape = {static_cast<std::size_t>(t.steps), static_cast<std::size_t>(t.tx),
             static_cast<std::size_t>(t.rx), static_cast<std::size_t>(t.width)};
  if (t.quantity == TraceQuantity::miso_amplitude) {
    a.is_complex = true;
    a.re.resize(t.amplitude.size());
    a.im.resize(t.amplitude.size());
    for (std::size_t i = 0; i < t.amplitude.size(); ++i) {
      a.re[i] = t.amplitude[i].real();
      a.im[i] = t.amplitude[i].imag();
    }
  } else {
    a.re = t.power;
  }
  return a;
}

void write_channel_traces(const fs::path& path, const std::vector<const ChannelTrace*>& traces,
                          MatVersion version) {
  std::vector<NumericArray> arrays;
  arrays.reserve(traces.size());
  std::vector<NamedArray> named;
  for (const auto* t : traces) arrays.push_back(trace_array(*t));
  for (std::size_t i = 0; i < traces.size(); ++i)
    named.push_back({trace_variable(traces[i]->quantity), &arrays[i]});
  write_mat_arrays(path, named, version);
}

ChannelTrace empty_trace(TraceQuantity q, int tx, int rx, int width) {
  ChannelTrace t;
  t.quantity = q;
  t.tx = tx;
  t.rx = rx;
  t.width = width;
  return t;
}

namespace {
void check_layers(const ChannelTrace& t, const std::vector<MultipathChannel>& layers, int width) {
  const int cells = layers.empty() ? 0 : layers[0].num_tx();
  if (layers.empty() || t.tx != cells || t.rx != cells * static_cast<int>(layers.size()) ||
      t.width != width)
    throw std::invalid_argument("append_*_row: the trace's sizes differ from the channels'");
}
}  // namespace

void append_beam_row(ChannelTrace& t, const std::vector<MultipathChannel>& layers) {
  if (t.quantity != TraceQuantity::beam_power)
    throw std::invalid_argument("append_beam_row: not G");
  check_layers(t, layers, layers.empty() ? 0 : layers[0].codewords());
  const int per_cell = static_cast<int>(layers.size());
  for (int b = 0; b < t.tx; ++b)
    for (int u = 0; u < t.rx; ++u)
      for (int c = 0; c < t.width; ++c)
        t.power.push_back(layers[u % per_cell].gain(b, u / per_cell, c));
  ++t.steps;
}

void append_amplitude_row(ChannelTrace& t, const std::vector<MultipathChannel>& layers) {
  if (t.quantity != TraceQuantity::miso_amplitude)
    throw std::invalid_argument("append_amplitude_row: not H");
  const int per_cell = static_cast<int>(layers.size());
  for (int b = 0; b < t.tx; ++b)
    for (int u = 0; u < t.rx; ++u) {
      const auto h = layers.at(u % per_cell).channel_vector(b, u / per_cell);
      if (static_cast<int>(h.size()) != t.width)
        throw std::invalid_argument("append_amplitude_row: antennas differ");
      t.amplitude.insert(t.amplitude.end(), h.begin(), h.end());
    }
  ++t.steps;
}

void append_rb_row(ChannelTrace& t, const OfdmaChannel& ch) {
  if (t.quantity != TraceQuantity::rb_power || t.tx != ch.servers() || t.rx != ch.users() ||
      t.width != ch.rbs())
    throw std::invalid_argument("append_rb_row: the trace's sizes differ from the channel's");
  for (int v = 0; v < t.tx; ++v)
    for (int k = 0; k < t.rx; ++k)
      for (int q = 0; q < t.width; ++q) t.power.push_back(ch.gain(v, k, q));
  ++t.steps;
}

MisoTraceChannel::MisoTraceChannel(std::shared_ptr<const ChannelTrace> trace,
                                   const DftCodebook& codebook, std::vector<int> rx_ut)
    : trace_(std::move(trace)), rx_ut_(std::move(rx_ut)) {
  if (!trace_ || trace_->quantity == TraceQuantity::rb_power)
    throw std::invalid_argument("MisoTraceChannel: needs a dhdrl trace (H or G)");
  num_tx_ = trace_->tx;
  num_rx_ = static_cast<int>(rx_ut_.size());
  codewords_ = codebook.size();
  antennas_ = codebook.antennas();
  for (int u : rx_ut_)
    if (u < 0 || u >= trace_->rx) throw std::invalid_argument("MisoTraceChannel: UT out of range");
  if (trace_->width != (trace_->quantity == TraceQuantity::miso_amplitude ? antennas_ : codewords_))
    throw std::invalid_argument("MisoTraceChannel: the trace's width differs from the codebook's");
  codebook_.resize(static_cast<std::size_t>(codewords_) * antennas_);
  for (int c = 0; c < codewords_; ++c)
    for (int n = 0; n < antennas_; ++n)
      codebook_[static_cast<std::size_t>(c) * antennas_ + n] = codebook.word(c)[n];
  gains_.assign(static_cast<std::size_t>(num_tx_) * num_rx_ * codewords_, 0.0);
  seek(0);
}

void MisoTraceChannel::seek(std::uint64_t step) {
  const int row = trace_->row_of(step);
  if (row == row_) return;
  row_ = row;
  const ChannelTrace& t = *trace_;
  double* out = gains_.data();
  if (t.quantity == TraceQuantity::beam_power) {
    for (int b = 0; b < num_tx_; ++b)
      for (int r = 0; r < num_rx_; ++r) {
        const double* g = t.power.data() + t.index(row, b, rx_ut_[r], 0);
        for (int c = 0; c < codewords_; ++c) *out++ = g[c];
      }
    return;
  }
  for (int b = 0; b < num_tx_; ++b)
    for (int r = 0; r < num_rx_; ++r) {
      const cplx* h = t.amplitude.data() + t.index(row, b, rx_ut_[r], 0);
      for (int c = 0; c < codewords_; ++c)
        *out++ = std::norm(
            project(h, codebook_.data() + static_cast<std::size_t>(c) * antennas_, antennas_));
    }
}

std::vector<int> dhdrl_layer_uts(int cells, int users_per_cell, int layer) {
  std::vector<int> uts(cells);
  for (int b = 0; b < cells; ++b) uts[b] = b * users_per_cell + layer;
  return uts;
}

void load_rb_row(const ChannelTrace& t, std::uint64_t step, OfdmaChannel& ch) {
  if (t.quantity != TraceQuantity::rb_power || t.tx != ch.servers() || t.rx != ch.users() ||
      t.width != ch.rbs())
    throw std::invalid_argument("load_rb_row: the trace's sizes differ from the channel's");
  for (int v = 0; v < t.tx; ++v)
    if (ch.path_gain(v, 0) != 1.0)
      throw std::invalid_argument("load_rb_row: the channel must have unit path gains");
  const int row = t.row_of(step);
  const double* g = t.power.data() + t.index(row, 0, 0, 0);
  for (int v = 0; v < t.tx; ++v)
    for (int k = 0; k < t.rx; ++k)
      for (int q = 0; q < t.width; ++q) ch.set_fading(v, k, q, *g++);
}

void skip_rb_fading(Rng& rng, const OfdmaChannel& ch) {
  rng.discard(static_cast<std::uint64_t>(ch.rbs()) * static_cast<std::uint64_t>(ch.servers()) *
              static_cast<std::uint64_t>(ch.users()));
}

// ---- Layouts ------------------------------------------------------------------------------

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  for (auto& f : out) {
    const auto b = f.find_first_not_of(" \t");
    const auto e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return out;
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

}  // namespace

Layout parse_layout_csv(const std::string& text, const std::string& where) {
  static const std::vector<std::string> kHeader = {"kind", "x_m", "y_m", "orientation_deg",
                                                   "serving_bs"};
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool header = false;
  Layout l;
  while (std::getline(in, line)) {
    ++line_no;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto f = split_csv(line);
    const std::string at = where + " line " + std::to_string(line_no);
    if (!header) {
      if (f != kHeader)
        throw InputError(at + ": header '" + echo(line, 80) +
                         "', expected 'kind,x_m,y_m,orientation_deg,serving_bs'");
      header = true;
      continue;
    }
    if (f.size() != kHeader.size())
      throw InputError(at + ": " + std::to_string(f.size()) + " columns, expected 5 (" +
                       "kind,x_m,y_m,orientation_deg,serving_bs)");
    double x = 0, y = 0;
    if (!parse_number(f[1], x))
      throw InputError(at + ", column x_m: '" + echo(f[1], 40) +
                       "', expected a finite number (metres)");
    if (!parse_number(f[2], y))
      throw InputError(at + ", column y_m: '" + echo(f[2], 40) +
                       "', expected a finite number (metres)");
    if (f[0] == "bs") {
      double o = 0.0;
      if (!f[3].empty() && !parse_number(f[3], o))
        throw InputError(at + ", column orientation_deg: '" + echo(f[3], 40) +
                         "', expected a finite number (degrees) or empty (0)");
      if (!f[4].empty())
        throw InputError(at + ", column serving_bs: '" + echo(f[4], 40) +
                         "', expected empty for a bs row");
      l.bs.push_back({x, y});
      l.bs_orientation_deg.push_back(o);
    } else if (f[0] == "ut") {
      if (!f[3].empty())
        throw InputError(at + ", column orientation_deg: '" + echo(f[3], 40) +
                         "', expected empty for a ut row");
      int serving = -1;
      if (!f[4].empty()) {
        double s = 0.0;
        if (!parse_number(f[4], s) || s < 0 || s != std::floor(s) || s > 1e6)
          throw InputError(at + ", column serving_bs: '" + echo(f[4], 40) +
                           "', expected a BS index 0.. or empty");
        serving = static_cast<int>(s);
      }
      l.ut.push_back({x, y});
      l.ut_serving.push_back(serving);
    } else {
      throw InputError(at + ", column kind: '" + echo(f[0], 40) + "', expected 'bs' or 'ut'");
    }
  }
  if (!header)
    throw InputError(where +
                     ": empty, expected the header 'kind,x_m,y_m,orientation_deg,serving_bs'");
  if (l.bs.empty()) throw InputError(where + ": no bs row, expected at least one base station");
  for (std::size_t u = 0; u < l.ut.size(); ++u)
    if (l.ut_serving[u] >= static_cast<int>(l.bs.size()))
      throw InputError(where + ": UT " + std::to_string(u) + " is served by BS " +
                       std::to_string(l.ut_serving[u]) + ", but the file has " +
                       std::to_string(l.bs.size()) + " BSs (numbered from 0)");
  return l;
}

Layout read_layout_csv(const fs::path& path) {
  return parse_layout_csv(read_input_file(path, "layout file", input_limit::kTableBytes * 64),
                          "layout file '" + echo(path.string()) + "'");
}

void check_dhdrl_layout(const Layout& l, int cells, int users_per_cell, const std::string& where) {
  if (static_cast<int>(l.bs.size()) != cells)
    throw InputError(where + ": " + std::to_string(l.bs.size()) + " BSs, expected " +
                     std::to_string(cells) + " (network.cells)");
  if (static_cast<int>(l.ut.size()) != cells * users_per_cell)
    throw InputError(where + ": " + std::to_string(l.ut.size()) + " UTs, expected " +
                     std::to_string(cells * users_per_cell) + " (cells x network.users_per_cell)");
  for (std::size_t u = 0; u < l.ut.size(); ++u) {
    const int want = static_cast<int>(u) / users_per_cell;
    if (l.ut_serving[u] != want)
      throw InputError(
          where + ": UT " + std::to_string(u) + " is served by " +
          (l.ut_serving[u] < 0 ? std::string("no BS") : "BS " + std::to_string(l.ut_serving[u])) +
          ", expected BS " + std::to_string(want) +
          " (UTs listed cell by cell, network.users_per_cell per BS)");
  }
}

void check_vderl_layout(const Layout& l, int servers, int users, double service_radius_m,
                        const std::string& where) {
  if (static_cast<int>(l.bs.size()) != servers)
    throw InputError(where + ": " + std::to_string(l.bs.size()) + " servers (bs rows), expected " +
                     std::to_string(servers) + " (network.servers)");
  if (static_cast<int>(l.ut.size()) != users)
    throw InputError(where + ": " + std::to_string(l.ut.size()) + " users (ut rows), expected " +
                     std::to_string(users) + " (network.users)");
  for (std::size_t b = 0; b < l.bs.size(); ++b)
    if (l.bs_orientation_deg[b] != 0.0)
      throw InputError(where + ": server " + std::to_string(b) + " has orientation_deg " +
                       format_double(l.bs_orientation_deg[b]) +
                       ", expected empty or 0 (vderl's servers have no antenna array)");
  for (std::size_t u = 0; u < l.ut.size(); ++u) {
    if (l.ut_serving[u] >= 0)
      throw InputError(where + ": user " + std::to_string(u) + " has serving_bs " +
                       std::to_string(l.ut_serving[u]) +
                       ", expected empty (vderl's service areas decide which servers may serve "
                       "a user)");
    bool covered = false;
    for (const auto& s : l.bs) covered |= distance_m(l.ut[u], s) <= service_radius_m;
    if (!covered)
      throw InputError(where + ": user " + std::to_string(u) + " at (" +
                       format_double(l.ut[u].x_m) + ", " + format_double(l.ut[u].y_m) +
                       ") m is in no server's service area (network.service_radius_m = " +
                       format_double(service_radius_m) + ")");
  }
}

std::string layout_csv(const Layout& l) {
  std::string s = "kind,x_m,y_m,orientation_deg,serving_bs\n";
  for (std::size_t b = 0; b < l.bs.size(); ++b)
    s += "bs," + format_double(l.bs[b].x_m) + "," + format_double(l.bs[b].y_m) + "," +
         format_double(b < l.bs_orientation_deg.size() ? l.bs_orientation_deg[b] : 0.0) + ",\n";
  for (std::size_t u = 0; u < l.ut.size(); ++u) {
    const int s_bs = u < l.ut_serving.size() ? l.ut_serving[u] : -1;
    s += "ut," + format_double(l.ut[u].x_m) + "," + format_double(l.ut[u].y_m) + ",," +
         (s_bs >= 0 ? std::to_string(s_bs) : std::string()) + "\n";
  }
  return s;
}

}  // namespace semra::radio
