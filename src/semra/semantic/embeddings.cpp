#include "semra/semantic/embeddings.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/core/io.hpp"
#include "semra/core/rng.hpp"
#include "semra/semantic/json_parse.hpp"

namespace semra::semantic {

using nlohmann::json;

const std::vector<double>* Embeddings::image(std::int64_t image_id) const {
  const auto it = images.find(std::to_string(image_id));
  return it == images.end() ? nullptr : &it->second;
}

const std::vector<double>* Embeddings::triple(const Triple& t) const {
  const auto it = triples.find(t.key());
  return it == triples.end() ? nullptr : &it->second;
}

void Embeddings::require(const std::vector<SceneGraph>& graphs, const std::string& source) const {
  std::vector<std::string> missing;
  std::size_t count = 0;
  auto miss = [&](std::string what) {
    if (missing.size() < 5) missing.push_back(std::move(what));
    ++count;
  };
  for (const auto& g : graphs) {
    if (image(g.image_id) == nullptr) miss("images.\"" + std::to_string(g.image_id) + "\"");
    for (const auto& t : g.triples)
      if (triple(t) == nullptr)
        miss("triples.\"" + t.key() + "\" (image " + std::to_string(g.image_id) + ")");
  }
  if (count == 0) return;
  std::string msg = "embeddings '" + source + "': " + std::to_string(count) + " missing vector" +
                    (count > 1 ? "s" : "") + ": ";
  for (std::size_t i = 0; i < missing.size(); ++i) msg += (i ? ", " : "") + missing[i];
  if (count > missing.size()) msg += ", ...";
  throw InputError(msg);
}

namespace {
[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw InputError("embeddings '" + echo(source, 300) + "': " + what);
}

void read_table(const json& doc, const char* field, int dim, const std::string& source,
                bool nonzero, std::unordered_map<std::string, std::vector<double>>& out) {
  if (!doc.contains(field)) fail(source, std::string("missing field '") + field + "'");
  const json& table = doc.at(field);
  if (!table.is_object()) fail(source, std::string("field '") + field + "' must be a JSON object");
  for (const auto& [key, v] : table.items()) {
    const std::string where = std::string(field) + ".\"" + echo(key) + "\"";
    if (!v.is_array()) fail(source, where + " must be an array of numbers");
    if (v.size() != static_cast<std::size_t>(dim))
      fail(source, where + " has " + std::to_string(v.size()) +
                       " values, expected dim = " + std::to_string(dim));
    std::vector<double> x;
    x.reserve(v.size());
    double norm_sq = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v.at(i).is_number())
        fail(source,
             where + "[" + std::to_string(i) + "] is not a number (" + echo(v.at(i).dump()) + ")");
      const double d = v.at(i).get<double>();
      if (!std::isfinite(d)) fail(source, where + "[" + std::to_string(i) + "] is not finite");
      x.push_back(d);
      norm_sq += d * d;
    }
    if (nonzero && norm_sq == 0.0) fail(source, where + " is the zero vector");
    out.emplace(key, std::move(x));
  }
}
}  // namespace

Embeddings parse_embeddings(const std::string& json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text, stop_check_callback());
  } catch (const json::parse_error& e) {
    fail(source, "not valid JSON (" + echo(e.what(), 300) + ")");
  } catch (const json::exception& e) {  // out_of_range: a number beyond a double (1e999)
    fail(source, "unreadable JSON (" + echo(e.what(), 300) + ")");
  }
  if (!doc.is_object())
    fail(source, "top level must be a JSON object {\"dim\", \"images\", \"triples\"}");
  if (!doc.contains("dim")) fail(source, "missing field 'dim'");
  const json& dim = doc.at("dim");
  if (!dim.is_number() || std::floor(dim.get<double>()) != dim.get<double>())
    fail(source, "field 'dim' must be an integer, found " + echo(dim.dump(), 40));
  if (!dim.is_number_integer() || dim.get<double>() < 1 || dim.get<double>() > 1000000)
    fail(source, "field 'dim' is " + echo(dim.dump(), 40) + ", expected 1 to 1000000");
  Embeddings e;
  e.dim = doc.at("dim").get<int>();
  read_table(doc, "images", e.dim, source, /*nonzero=*/true, e.images);
  read_table(doc, "triples", e.dim, source, /*nonzero=*/false, e.triples);
  return e;
}

Embeddings load_embeddings(const std::string& path) {
  return parse_embeddings(read_input_file(path, "embeddings", input_limit::kDataBytes), path);
}

// ---------------------------------------------------------------------------------------------------

namespace {
void normalise(std::vector<double>& x) {
  double s = 0.0;
  for (const double v : x) s += v * v;
  if (s == 0.0) return;
  s = 1.0 / std::sqrt(s);
  for (auto& v : x) v *= s;
}
}  // namespace

SyntheticEncoder::SyntheticEncoder(int dim, std::uint64_t seed, double noise)
    : dim_(dim), seed_(seed), noise_(noise) {}

std::vector<double> SyntheticEncoder::word(const std::string& w) const {
  if (const auto it = cache_.find(w); it != cache_.end()) return it->second;
  Rng rng(seed_, "synthetic-encoder/word/" + w);
  std::vector<double> x(static_cast<std::size_t>(dim_));
  for (auto& v : x) v = rng.normal();
  normalise(x);
  cache_.emplace(w, x);
  return x;
}

std::vector<double> SyntheticEncoder::triple(const Triple& t) const {
  std::vector<double> x(static_cast<std::size_t>(dim_), 0.0);
  for (const std::string* phrase : {&t.subject, &t.predicate, &t.object}) {
    std::istringstream words(*phrase);
    std::string w;
    while (words >> w) {
      const auto v = word(w);
      for (std::size_t i = 0; i < x.size(); ++i) x[i] += v[i];
    }
  }
  normalise(x);
  return x;
}

std::vector<double> SyntheticEncoder::image(const SceneGraph& g) const {
  const auto beta = triple_scores(g);
  std::vector<double> x(static_cast<std::size_t>(dim_), 0.0);
  for (std::size_t n = 0; n < g.triples.size(); ++n) {
    const auto v = triple(g.triples[n]);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += beta[n] * v[i];
  }
  normalise(x);
  Rng rng = Rng(seed_, "synthetic-encoder/image-noise")
                .child("image", static_cast<std::uint64_t>(g.image_id));
  const double scale = noise_ / std::sqrt(static_cast<double>(dim_));
  for (auto& v : x) v += scale * rng.normal();
  normalise(x);
  return x;
}

}  // namespace semra::semantic
