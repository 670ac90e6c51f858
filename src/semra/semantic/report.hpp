#pragma once
// `semra semantic`: what gets sent for each image and why (the paper's Figs. 5, 9 and 10b).
// For each image of a scene-graph file: its triples by descending score (eq. 9), which Algorithm 1
// selects for the minimum similarity xi, their letters (eq. 2), the estimated similarity, the ISS
// of the selection (eq. 6) and the ISS curve (ISS when sending the top 1, 2, ... triples). ISS uses
// the given embeddings file, or the synthetic encoder (SyntheticEncoder defaults) when none is
// given.
#include <cstdint>
#include <string>
#include <vector>

#include "semra/semantic/embeddings.hpp"
#include "semra/semantic/scene_graph.hpp"

namespace semra::semantic {

struct ReportTriple {
  Triple triple;
  double score = 0.0;  // beta (eq. 9)
  bool selected = false;
  int letters = 0;  // Z(psi) (eq. 2)
};

struct ImageReport {
  std::int64_t image_id = 0;
  std::vector<ReportTriple> triples;  // descending score (ties: file order)
  int selected_count = 0;
  int letters_selected = 0;
  int letters_total = 0;
  double estimated_similarity = 0.0;  // sum of the selected scores (Algorithm 1, line 5)
  double iss = 0.0;                   // eq. (6) for the selected triples
  std::vector<double> iss_curve;      // iss_curve[n-1] = ISS of the top n triples
};

struct SemanticReport {
  double xi = 0.5;
  std::string encoder;  // "file" or "synthetic"
  std::vector<ImageReport> images;
};

// Builds the report. `embeddings` may be null (synthetic encoder). Throws InputError when xi is
// outside (0, 1] or when the embeddings lack a vector the graphs need.
SemanticReport build_semantic_report(const std::vector<SceneGraph>& graphs,
                                     const Embeddings* embeddings, double xi,
                                     const std::string& embeddings_source = "embeddings");

// The JSON output (`semra semantic --json`, docs/model-vderl.md 5):
// {"xi": 0.5, "encoder": "synthetic", "images": [{"image_id": 1, "triples": [{"subject": "man",
//  "predicate": "riding on", "object": "bicycle", "score": 0.21, "selected": true, "letters": 18},
//  ...], "selected_count": 3, "letters_selected": 45, "letters_total": 120,
//  "estimated_similarity": 0.52, "iss": 0.83, "iss_curve": [0.61, 0.75, 0.83, ...]}]}
std::string to_json(const SemanticReport& report);
// A human-readable table per image.
std::string to_table(const SemanticReport& report);

// The command's logic: load `scene_graphs_path` (and `embeddings_path` unless empty), validate,
// report. Throws InputError naming the file / flag on bad input.
std::string semantic_report_json(const std::string& scene_graphs_path,
                                 const std::string& embeddings_path, double xi);
std::string semantic_report_table(const std::string& scene_graphs_path,
                                  const std::string& embeddings_path, double xi);

}  // namespace semra::semantic
