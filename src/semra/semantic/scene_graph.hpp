#pragma once
// Scene graphs: the semantic information of an image (vderl paper, Section II-A and II-C).
//
// An image's semantic information is a set of triples (subject, predicate, object), e.g.
// ("man", "riding on", "bicycle"). This file holds the types, the Visual-Genome-layout JSON loader,
// the size of a triple in letters (eq. 2), the triple scores (eq. 9), the triple selection of
// Algorithm 1 and the synthetic scene-graph generator that lets everything run offline.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "semra/core/rng.hpp"

namespace semra::semantic {

// One semantic triple psi = (e_i, l_ij, e_j) with the scene-graph model's probabilities:
// mu_s, mu_o = detection probabilities of the two objects, mu_p = probability of the predicate
// given them. All 1.0 for ground-truth graphs.
struct Triple {
  std::string subject;
  std::string predicate;
  std::string object;
  double mu_s = 1.0;
  double mu_p = 1.0;
  double mu_o = 1.0;

  // "subject|predicate|object": the key of the triple's vector in an embeddings file.
  std::string key() const;
};

// An image's scene graph, flattened to its triples (in file order).
struct SceneGraph {
  std::int64_t image_id = 0;
  std::vector<Triple> triples;
};

// Z(x): letters of a word sequence, not counting white space (eq. 2). Counts Unicode code points of
// UTF-8 text, so a non-ASCII letter counts once.
int letters(std::string_view text);
// Z(psi) = Z(e_i) + Z(l_ij) + Z(e_j): ("man", "riding on", "bicycle") -> 3 + 8 + 7 = 18 (eq. 2).
int triple_letters(const Triple& t);
// Z(Psi): sum over the triples (eq. 2).
int graph_letters(const SceneGraph& g);

// beta_n = exp(mu_s mu_p mu_o) / sum_m exp(mu_s mu_p mu_o) (eq. 9), in triple order. Sums to 1.
std::vector<double> triple_scores(const SceneGraph& g);

// Algorithm 1: triples sorted by score, descending (ties keep the original order); select the
// smallest prefix whose cumulative score (the estimated similarity E~) reaches xi. When no prefix
// reaches xi (only possible through rounding when xi is 1) every triple is selected.
struct Selection {
  std::vector<int> order;             // triple indices by descending score
  int count = 0;                      // N^: how many of `order` are selected (its first `count`)
  double estimated_similarity = 0.0;  // E~ = sum of the selected scores
  int letters = 0;                    // Z(Psi^) of the selected triples (eq. 2)
};
Selection select_triples(const SceneGraph& g, const std::vector<double>& scores, double xi);

// Parses scene graphs in Visual Genome's scene-graph layout: a JSON array of images
//   {"image_id": 1,
//    "objects": [{"object_id": 10, "names": ["man"], "score": 0.93}, ...],
//    "relationships": [{"relationship_id": 5, "subject_id": 10, "predicate": "riding on",
//                       "object_id": 11, "score": 0.8}, ...]}
// "score" is optional (1.0, as in ground-truth VG files); an object may give "name" instead of
// "names". Throws InputError naming `source`, the image and the field on any malformed or
// inconsistent input: not JSON, missing or mistyped field, duplicate or unknown ids, a score
// outside [0, 1] or not finite, an image with no relationships, no images at all.
std::vector<SceneGraph> parse_scene_graphs(const std::string& json_text, const std::string& source);
std::vector<SceneGraph> load_scene_graphs(const std::string& path);

// Synthetic generator (stand-in for a scene-graph model on a real dataset): objects and predicates
// drawn from a vocabulary of common Visual Genome words with Zipf-like frequencies (weight 1 /
// rank), 3..12 objects per image, min..max triples per image linking two distinct objects,
// detection probabilities mu ~ U(mu_min, 1).
struct SyntheticSceneGraphOptions {
  int min_triples = 5;
  int max_triples = 30;
  double mu_min = 0.2;
};
SceneGraph generate_scene_graph(Rng& rng, std::int64_t image_id,
                                const SyntheticSceneGraphOptions& options = {});

}  // namespace semra::semantic
