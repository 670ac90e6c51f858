#include "semra/core/experiment.hpp"

#include <stdexcept>

namespace semra {

std::size_t ExperimentResult::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw std::out_of_range("experiment result has no column '" + name + "'");
}

void ExperimentResult::add_row(std::int64_t step, const std::vector<double>& row) {
  if (values.size() != columns.size()) values.assign(columns.size(), {});
  if (row.size() != columns.size())
    throw std::logic_error("add_row: row size does not match the columns");
  steps.push_back(step);
  for (std::size_t c = 0; c < row.size(); ++c) values[c].push_back(row[c]);
}

void save_result(StateWriter& w, const ExperimentResult& r) {
  w.tag("result");
  w.str(r.scheme);
  w.u64(r.seed);
  w.u64(r.columns.size());
  for (const auto& c : r.columns) w.str(c);
  w.vec(r.steps);
  w.u64(r.values.size());
  for (const auto& v : r.values) w.vec(v);
  w.u64(r.scalars.size());
  for (const auto& [k, v] : r.scalars) {
    w.str(k);
    w.f64(v);
  }
  w.u64(r.samples.size());
  for (const auto& [k, v] : r.samples) {
    w.str(k);
    w.vec(v);
  }
}

void load_result(StateReader& r, ExperimentResult& out) {
  r.expect_tag("result");
  out.scheme = r.str();
  out.seed = r.u64();
  const auto nc = r.u64();
  out.columns.clear();
  for (std::uint64_t i = 0; i < nc; ++i) out.columns.push_back(r.str());
  r.vec_into(out.steps);
  const auto nv = r.u64();
  if (nv > nc) r.fail("corrupt result (more value columns than names)");
  out.values.resize(static_cast<std::size_t>(nv));
  for (auto& v : out.values) r.vec_into(v);
  out.scalars.clear();
  const auto ns = r.u64();
  for (std::uint64_t i = 0; i < ns; ++i) {
    auto k = r.str();
    out.scalars[k] = r.f64();
  }
  out.samples.clear();
  const auto np = r.u64();
  for (std::uint64_t i = 0; i < np; ++i) {
    auto k = r.str();
    r.vec_into(out.samples[k]);
  }
}

RunContext::RunContext(RunContext& shared, CheckpointHooks hooks)
    : models_root(shared.models_root), shared_(&shared.root()), hooks_(std::move(hooks)) {}

std::string saved_model_dir(const std::string& models_root, const std::string& scheme,
                            std::uint64_t seed) {
  return models_root + "/" + scheme + "-seed" + std::to_string(seed);
}

std::string RunContext::model_dir_for(const std::string& scheme, std::uint64_t seed) const {
  if (models_root.empty()) return "";
  return saved_model_dir(models_root, scheme, seed);
}

}  // namespace semra
