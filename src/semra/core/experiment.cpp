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

std::string RunContext::model_dir_for(const std::string& scheme, std::uint64_t seed) const {
  if (models_root.empty()) return "";
  return models_root + "/" + scheme + "-seed" + std::to_string(seed);
}

}  // namespace semra
