#include "semra/semantic/scene_graph.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/semantic/json_parse.hpp"

namespace semra::semantic {

using nlohmann::json;

std::string Triple::key() const {
  return subject + "|" + predicate + "|" + object;
}

int letters(std::string_view text) {
  int n = 0;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: part of the previous letter
    if (u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f' || u == '\v') continue;
    ++n;
  }
  return n;
}

int triple_letters(const Triple& t) {
  return letters(t.subject) + letters(t.predicate) + letters(t.object);
}

int graph_letters(const SceneGraph& g) {
  int z = 0;
  for (const auto& t : g.triples) z += triple_letters(t);
  return z;
}

std::vector<double> triple_scores(const SceneGraph& g) {
  // The exponents mu_s mu_p mu_o lie in [0, 1], so exp() cannot overflow: no max-shift needed.
  std::vector<double> beta(g.triples.size());
  double sum = 0.0;
  for (std::size_t n = 0; n < beta.size(); ++n) {
    const auto& t = g.triples[n];
    beta[n] = std::exp(t.mu_s * t.mu_p * t.mu_o);
    sum += beta[n];
  }
  for (auto& b : beta) b /= sum;
  return beta;
}

Selection select_triples(const SceneGraph& g, const std::vector<double>& scores, double xi) {
  Selection s;
  s.order.resize(scores.size());
  std::iota(s.order.begin(), s.order.end(), 0);
  std::stable_sort(s.order.begin(), s.order.end(), [&](int a, int b) {
    return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
  });
  for (const int n : s.order) {  // Algorithm 1, lines 3-9
    s.estimated_similarity += scores[static_cast<std::size_t>(n)];
    s.letters += triple_letters(g.triples[static_cast<std::size_t>(n)]);
    ++s.count;
    if (s.estimated_similarity >= xi) break;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Loader

namespace {

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw InputError("scene graphs '" + echo(source_, 300) + "': " + where + ": " + what);
  }

  std::int64_t integer(const json& j, const char* field, const std::string& where) const {
    if (!j.contains(field)) fail(where, std::string("missing field '") + field + "'");
    const json& v = j.at(field);
    // A whole number beyond int64 is not "not an integer": it is out of range.
    const bool whole =
        v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                  std::floor(v.get<double>()) == v.get<double>());
    if (!whole) fail(where, std::string("field '") + field + "' must be an integer");
    if ((v.is_number_unsigned() && v.get<std::uint64_t>() > 9223372036854775807ULL) ||
        v.is_number_float())
      fail(where, std::string("field '") + field + "' is " + echo(v.dump(), 40) +
                      ", outside the range of a 64-bit integer");
    return v.get<std::int64_t>();
  }

  std::string text(const json& j, const char* field, const std::string& where) const {
    if (!j.contains(field)) fail(where, std::string("missing field '") + field + "'");
    const json& v = j.at(field);
    if (!v.is_string()) fail(where, std::string("field '") + field + "' must be a string");
    std::string s = v.get<std::string>();
    if (letters(s) == 0) fail(where, std::string("field '") + field + "' is empty");
    return s;
  }

  double probability(const json& j, const std::string& where) const {
    if (!j.contains("score")) return 1.0;
    const json& v = j.at("score");
    if (!v.is_number()) fail(where, "field 'score' must be a number");
    const double p = v.get<double>();
    if (!std::isfinite(p) || p < 0.0 || p > 1.0)
      fail(where, "field 'score' must be a probability in [0, 1], got " + v.dump());
    return p;
  }

  SceneGraph image(const json& img, std::size_t index) {
    std::string where = "images[" + std::to_string(index) + "]";
    if (!img.is_object()) fail(where, "must be a JSON object");
    SceneGraph g;
    g.image_id = integer(img, "image_id", where);
    where = "image " + std::to_string(g.image_id);
    if (!ids_.insert(g.image_id).second) fail(where, "duplicate image_id");

    struct Obj {
      std::string name;
      double mu = 1.0;
    };
    std::unordered_map<std::int64_t, Obj> objects;
    if (!img.contains("objects")) fail(where, "missing field 'objects'");
    if (!img.at("objects").is_array()) fail(where, "field 'objects' must be an array");
    std::size_t i = 0;
    for (const json& o : img.at("objects")) {
      const std::string ow = where + ": objects[" + std::to_string(i++) + "]";
      if (!o.is_object()) fail(ow, "must be a JSON object");
      const std::int64_t id = integer(o, "object_id", ow);
      std::string name;
      if (o.contains("names")) {
        const json& names = o.at("names");
        if (!names.is_array() || names.empty() || !names.at(0).is_string())
          fail(ow, "field 'names' must be a non-empty array of strings");
        name = names.at(0).get<std::string>();
        if (letters(name) == 0) fail(ow, "field 'names' holds an empty name");
      } else if (o.contains("name")) {
        name = text(o, "name", ow);
      } else {
        fail(ow, "missing field 'names'");
      }
      if (!objects.emplace(id, Obj{name, probability(o, ow)}).second)
        fail(ow, "duplicate object_id " + std::to_string(id));
    }

    if (!img.contains("relationships")) fail(where, "missing field 'relationships'");
    if (!img.at("relationships").is_array()) fail(where, "field 'relationships' must be an array");
    i = 0;
    for (const json& r : img.at("relationships")) {
      const std::string rw = where + ": relationships[" + std::to_string(i++) + "]";
      if (!r.is_object()) fail(rw, "must be a JSON object");
      const std::int64_t s = integer(r, "subject_id", rw);
      const std::int64_t o = integer(r, "object_id", rw);
      const auto si = objects.find(s);
      if (si == objects.end())
        fail(rw, "subject_id " + std::to_string(s) + " is not an object_id of this image");
      const auto oi = objects.find(o);
      if (oi == objects.end())
        fail(rw, "object_id " + std::to_string(o) + " is not an object_id of this image");
      Triple t;
      t.subject = si->second.name;
      t.predicate = text(r, "predicate", rw);
      t.object = oi->second.name;
      t.mu_s = si->second.mu;
      t.mu_p = probability(r, rw);
      t.mu_o = oi->second.mu;
      g.triples.push_back(std::move(t));
    }
    if (g.triples.empty()) fail(where, "empty scene graph (field 'relationships' holds no triple)");
    return g;
  }

 private:
  std::string source_;
  std::unordered_set<std::int64_t> ids_;
};

}  // namespace

std::vector<SceneGraph> parse_scene_graphs(const std::string& json_text,
                                           const std::string& source) {
  Parser p(source);
  json doc;
  try {
    doc = json::parse(json_text, stop_check_callback());
  } catch (const json::parse_error& e) {
    throw InputError("scene graphs '" + echo(source, 300) + "': not valid JSON (" +
                     echo(e.what(), 300) + ")");
  } catch (const json::exception& e) {  // out_of_range: a number beyond a double (1e999)
    throw InputError("scene graphs '" + echo(source, 300) + "': unreadable JSON (" +
                     echo(e.what(), 300) + ")");
  }
  if (!doc.is_array()) p.fail("top level", "must be a JSON array of images (Visual Genome layout)");
  if (doc.empty()) p.fail("top level", "no images");
  std::vector<SceneGraph> graphs;
  graphs.reserve(doc.size());
  for (std::size_t i = 0; i < doc.size(); ++i) {
    if (i % 1024 == 0) throw_if_stopped();
    graphs.push_back(p.image(doc.at(i), i));
  }
  return graphs;
}

std::vector<SceneGraph> load_scene_graphs(const std::string& path) {
  return parse_scene_graphs(read_input_file(path, "scene graphs", input_limit::kDataBytes), path);
}

// ---------------------------------------------------------------------------------------------------
// Synthetic generator

namespace {

// Frequent Visual Genome object and predicate names, most frequent first (rank -> Zipf weight
// 1/rank).
constexpr std::array<const char*, 48> kObjects = {
    "man",     "person",   "window",     "tree",    "building", "shirt", "wall",     "woman",
    "sign",    "sky",      "ground",     "grass",   "cloud",    "pole",  "car",      "table",
    "head",    "hand",     "plate",      "train",   "water",    "leg",   "street",   "fence",
    "door",    "chair",    "hair",       "ear",     "road",     "bus",   "jacket",   "line",
    "hat",     "plane",    "horse",      "bicycle", "dog",      "cat",   "umbrella", "boat",
    "giraffe", "elephant", "skateboard", "racket",  "pizza",    "clock", "bench",    "bird"};
constexpr std::array<const char*, 24> kPredicates = {
    "on",    "has",         "in",          "of",          "wearing", "near",
    "with",  "above",       "holding",     "behind",      "under",   "sitting on",
    "wears", "standing on", "in front of", "attached to", "at",      "hanging on",
    "over",  "riding on",   "beside",      "carrying",    "next to", "parked on"};

template <std::size_t N>
int zipf_draw(Rng& rng) {
  // Inverse-CDF over weights 1/rank; N is small so a linear scan is fine.
  static const auto cdf = [] {
    std::array<double, N> c{};
    double s = 0.0;
    for (std::size_t r = 0; r < N; ++r) c[r] = (s += 1.0 / static_cast<double>(r + 1));
    for (auto& x : c) x /= s;
    return c;
  }();
  const double u = rng.uniform();
  for (std::size_t r = 0; r < N; ++r)
    if (u < cdf[r]) return static_cast<int>(r);
  return static_cast<int>(N - 1);
}

}  // namespace

SceneGraph generate_scene_graph(Rng& rng, std::int64_t image_id,
                                const SyntheticSceneGraphOptions& options) {
  SceneGraph g;
  g.image_id = image_id;
  const int n_objects = 3 + rng.uniform_int(10);  // 3..12
  std::vector<int> names(static_cast<std::size_t>(n_objects));
  std::vector<double> mu(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    names[i] = zipf_draw<kObjects.size()>(rng);
    mu[i] = rng.uniform(options.mu_min, 1.0);
  }
  const int n_triples =
      options.min_triples + rng.uniform_int(options.max_triples - options.min_triples + 1);
  g.triples.reserve(static_cast<std::size_t>(n_triples));
  for (int n = 0; n < n_triples; ++n) {
    const auto s = static_cast<std::size_t>(rng.uniform_int(n_objects));
    auto o = static_cast<std::size_t>(rng.uniform_int(n_objects - 1));
    if (o >= s) ++o;  // two distinct objects
    Triple t;
    t.subject = kObjects[static_cast<std::size_t>(names[s])];
    t.predicate = kPredicates[static_cast<std::size_t>(zipf_draw<kPredicates.size()>(rng))];
    t.object = kObjects[static_cast<std::size_t>(names[o])];
    t.mu_s = mu[s];
    t.mu_p = rng.uniform(options.mu_min, 1.0);
    t.mu_o = mu[o];
    g.triples.push_back(std::move(t));
  }
  return g;
}

}  // namespace semra::semantic
