#include "semra/semantic/report.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "semra/core/error.hpp"
#include "semra/semantic/iss.hpp"

namespace semra::semantic {

SemanticReport build_semantic_report(const std::vector<SceneGraph>& graphs,
                                     const Embeddings* embeddings, double xi,
                                     const std::string& embeddings_source) {
  if (!(xi > 0.0 && xi <= 1.0))
    throw InputError("--xi: the minimum similarity xi must lie in (0, 1], got " +
                     std::to_string(xi));
  if (embeddings != nullptr) embeddings->require(graphs, embeddings_source);
  const SyntheticEncoder encoder;

  SemanticReport report;
  report.xi = xi;
  report.encoder = embeddings != nullptr ? "file" : "synthetic";
  for (const auto& g : graphs) {
    const auto beta = triple_scores(g);
    const Selection sel = select_triples(g, beta, xi);
    ImageReport img;
    img.image_id = g.image_id;
    img.selected_count = sel.count;
    img.letters_selected = sel.letters;
    img.letters_total = graph_letters(g);
    img.estimated_similarity = sel.estimated_similarity;

    // Vectors in descending-score order: the ISS curve is over "the top n".
    std::vector<std::vector<double>> owned;  // synthetic vectors live here
    std::vector<const std::vector<double>*> vecs;
    std::vector<double> image_vec;
    if (embeddings != nullptr) {
      image_vec = *embeddings->image(g.image_id);
      for (const int n : sel.order)
        vecs.push_back(embeddings->triple(g.triples[static_cast<std::size_t>(n)]));
    } else {
      image_vec = encoder.image(g);
      owned.reserve(sel.order.size());
      for (const int n : sel.order)
        owned.push_back(encoder.triple(g.triples[static_cast<std::size_t>(n)]));
      for (const auto& v : owned) vecs.push_back(&v);
    }
    img.iss_curve = iss_curve(vecs, image_vec);
    img.iss = img.iss_curve[static_cast<std::size_t>(sel.count - 1)];

    for (std::size_t r = 0; r < sel.order.size(); ++r) {
      const auto n = static_cast<std::size_t>(sel.order[r]);
      img.triples.push_back(ReportTriple{g.triples[n], beta[n], static_cast<int>(r) < sel.count,
                                         triple_letters(g.triples[n])});
    }
    report.images.push_back(std::move(img));
  }
  return report;
}

std::string to_json(const SemanticReport& report) {
  nlohmann::ordered_json doc;
  doc["xi"] = report.xi;
  doc["encoder"] = report.encoder;
  doc["images"] = nlohmann::ordered_json::array();
  for (const auto& img : report.images) {
    nlohmann::ordered_json j;
    j["image_id"] = img.image_id;
    j["triples"] = nlohmann::ordered_json::array();
    for (const auto& t : img.triples) {
      nlohmann::ordered_json tj;
      tj["subject"] = t.triple.subject;
      tj["predicate"] = t.triple.predicate;
      tj["object"] = t.triple.object;
      tj["score"] = t.score;
      tj["selected"] = t.selected;
      tj["letters"] = t.letters;
      j["triples"].push_back(std::move(tj));
    }
    j["selected_count"] = img.selected_count;
    j["letters_selected"] = img.letters_selected;
    j["letters_total"] = img.letters_total;
    j["estimated_similarity"] = img.estimated_similarity;
    j["iss"] = img.iss;
    j["iss_curve"] = img.iss_curve;
    doc["images"].push_back(std::move(j));
  }
  return doc.dump(2) + "\n";
}

std::string to_table(const SemanticReport& report) {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf, "minimum similarity xi = %.3g; ISS from %s vectors\n", report.xi,
                report.encoder == "file" ? "the embeddings file's" : "synthetic-encoder");
  os << buf;
  for (const auto& img : report.images) {
    std::snprintf(buf, sizeof buf,
                  "\nimage %lld: %zu triples, %d selected (%d of %d letters), estimated similarity "
                  "%.3f, ISS %.3f\n",
                  static_cast<long long>(img.image_id), img.triples.size(), img.selected_count,
                  img.letters_selected, img.letters_total, img.estimated_similarity, img.iss);
    os << buf;
    os << "  rank  score   sent  letters  ISS(top n)  triple\n";
    for (std::size_t r = 0; r < img.triples.size(); ++r) {
      const auto& t = img.triples[r];
      std::snprintf(buf, sizeof buf, "  %4zu  %.4f  %-4s  %7d  %10.3f  ", r + 1, t.score,
                    t.selected ? "yes" : "no", t.letters, img.iss_curve[r]);
      os << buf << t.triple.subject << " | " << t.triple.predicate << " | " << t.triple.object
         << "\n";
    }
  }
  return os.str();
}

namespace {
SemanticReport load_and_build(const std::string& scene_graphs_path,
                              const std::string& embeddings_path, double xi) {
  if (!(xi > 0.0 && xi <= 1.0))
    throw InputError("--xi: the minimum similarity xi must lie in (0, 1], got " +
                     std::to_string(xi));
  const auto graphs = load_scene_graphs(scene_graphs_path);
  if (embeddings_path.empty()) return build_semantic_report(graphs, nullptr, xi);
  const Embeddings e = load_embeddings(embeddings_path);
  return build_semantic_report(graphs, &e, xi, embeddings_path);
}
}  // namespace

std::string semantic_report_json(const std::string& scene_graphs_path,
                                 const std::string& embeddings_path, double xi) {
  return to_json(load_and_build(scene_graphs_path, embeddings_path, xi));
}

std::string semantic_report_table(const std::string& scene_graphs_path,
                                  const std::string& embeddings_path, double xi) {
  return to_table(load_and_build(scene_graphs_path, embeddings_path, xi));
}

}  // namespace semra::semantic
