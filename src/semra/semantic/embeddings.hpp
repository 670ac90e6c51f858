#pragma once
// Vectors C(.) of images and triples for the ISS metric (eq. 6). The paper uses a multimodal
// image-text encoder; we read its output from a JSON file, or use a synthetic encoder so everything
// runs offline. The synthetic encoder is a documented stand-in, not a model of any real encoder.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "semra/semantic/scene_graph.hpp"

namespace semra::semantic {

// {"dim": D, "images": {"1": [...]}, "triples": {"man|riding on|bicycle": [...]}}.
struct Embeddings {
  int dim = 0;
  std::unordered_map<std::string, std::vector<double>> images;   // key: image_id as decimal text
  std::unordered_map<std::string, std::vector<double>> triples;  // key: Triple::key()

  const std::vector<double>* image(std::int64_t image_id) const;
  const std::vector<double>* triple(const Triple& t) const;
  // Throws InputError naming `source` and every missing vector (the first few) for these graphs.
  void require(const std::vector<SceneGraph>& graphs, const std::string& source) const;
};

// Parses and validates an embeddings file: dim a positive integer, every vector an array of exactly
// dim finite numbers, image vectors non-zero. Errors (InputError) name the source, the key and
// field.
Embeddings parse_embeddings(const std::string& json_text, const std::string& source);
Embeddings load_embeddings(const std::string& path);

// Synthetic encoder:
//  - word vector: a fixed pseudo-random unit vector per word, drawn from a stream seeded by
//    (seed, word), so the same word always gets the same vector;
//  - triple vector: normalised sum of the vectors of the words of subject, predicate and object
//    (words = white-space separated tokens; shared words make triples correlated, as in a real
//    encoder);
//  - image vector: normalised (u + noise * g / sqrt(D)) where u = normalised score-weighted (eq. 9)
//    sum of the image's triple vectors and g is a standard normal vector drawn from a stream seeded
//    by (seed, image_id). `noise` is the expected norm of the perturbation relative to |u| = 1: the
//    part of the image a scene graph does not describe.
class SyntheticEncoder {
 public:
  // Defaults shared by `semra semantic` and the vderl scenario's config.
  static constexpr int kDefaultDim = 64;
  static constexpr std::uint64_t kDefaultSeed = 1;
  static constexpr double kDefaultNoise = 1.4;

  SyntheticEncoder(int dim = kDefaultDim, std::uint64_t seed = kDefaultSeed,
                   double noise = kDefaultNoise);
  int dim() const { return dim_; }
  std::vector<double> word(const std::string& w) const;
  std::vector<double> triple(const Triple& t) const;
  std::vector<double> image(const SceneGraph& g) const;

 private:
  int dim_;
  std::uint64_t seed_;
  double noise_;
  // Word vectors are pure functions of (seed, word): cached, since a pool of images repeats words.
  // Not thread-safe: one encoder per thread.
  mutable std::unordered_map<std::string, std::vector<double>> cache_;
};

}  // namespace semra::semantic
