// A scene-graph file (semantic.scene_graphs, Visual Genome layout). Accepted graphs must satisfy
// what the loader promises and what the selection code (Algorithm 1) relies on.
#include <cmath>

#include "fuzz.hpp"
#include "semra/semantic/scene_graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  semra::fuzz::expect_input_errors_only([&] {
    const auto graphs =
        semra::semantic::parse_scene_graphs(semra::fuzz::text(data, size), "f.json");
    semra::fuzz::require(!graphs.empty(), "accepted a file with no images");
    for (const auto& g : graphs) {
      semra::fuzz::require(!g.triples.empty(), "accepted an image with no triples");
      for (const auto& t : g.triples)
        for (double mu : {t.mu_s, t.mu_p, t.mu_o})
          semra::fuzz::require(mu >= 0.0 && mu <= 1.0, "accepted a score outside [0, 1]");
      const auto scores = semra::semantic::triple_scores(g);
      double sum = 0.0;
      for (double b : scores) sum += b;
      semra::fuzz::require(std::abs(sum - 1.0) < 1e-9, "triple scores do not sum to 1");
      const auto sel = semra::semantic::select_triples(g, scores, 0.9);
      semra::fuzz::require(sel.count >= 1 && sel.count <= static_cast<int>(g.triples.size()),
                           "selection size out of range");
      semra::fuzz::require(semra::semantic::graph_letters(g) >= 0, "negative letter count");
    }
  });
  return 0;
}
