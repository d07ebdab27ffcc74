#include "app/matrix.hpp"

#include "app/exit_codes.hpp"
#include "model/kernel/availability.hpp"
#include "model/kernel/ctx.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <stdexcept>
#include <thread>

namespace pagerace::app {

namespace {

std::string known_variants() {
  std::string known;
  for (const model::Variant *v : model::all_variants())
    known += (known.empty() ? "" : ", ") + std::string(v->name);
  return known;
}

trace::MatrixCell empty_cell(const scenario::Scenario &sc, const model::Variant &variant) {
  trace::MatrixCell cell;
  cell.scenario = sc.name;
  cell.source = sc.source;
  cell.variant = variant.name;
  cell.result.scenario = sc.name;
  cell.result.scenario_source = sc.source;
  cell.result.variant = variant.name;
  cell.result.replay_command_prefix = replay_prefix(sc, variant);
  return cell;
}

trace::Judgement judge(const trace::Result &r) {
  if (r.bounded || !r.expectation.checked) return trace::Judgement::NotJudged;
  return r.expectation.met() ? trace::Judgement::Met : trace::Judgement::Mismatch;
}

} // namespace

trace::MatrixCell run_cell(const scenario::Scenario &sc, const model::Variant &variant,
                           const MatrixOptions &opts) {
  trace::MatrixCell cell = empty_cell(sc, variant);
  try {
    model::check_availability(sc, variant);
  } catch (const model::ScenarioRuntimeError &e) {
    cell.status = trace::CellStatus::NotApplicable;
    cell.message = format_position(e.pos()) + ": " + e.what();
    cell.result.expectation = expectation_for(sc, variant.name);
    cell.judgement =
        cell.result.expectation.checked ? trace::Judgement::Mismatch : trace::Judgement::NotJudged;
    return cell;
  }
  try {
    cell.result = opts.run ? opts.run(sc, variant, opts.check) : check(sc, variant, opts.check);
    cell.judgement = judge(cell.result);
  } catch (const model::ScenarioRuntimeError &e) {
    cell.status = trace::CellStatus::InputError;
    cell.message = format_position(e.pos()) + ": " + e.what();
  } catch (const std::invalid_argument &e) {
    cell.status = trace::CellStatus::InputError;
    cell.message = sc.source + ": " + e.what();
  } catch (const std::exception &e) {
    cell.status = trace::CellStatus::InternalError;
    cell.message = e.what();
  }
  return cell;
}

trace::Matrix run_matrix(const std::vector<scenario::Scenario> &scenarios,
                         const std::vector<const model::Variant *> &variants,
                         const MatrixOptions &opts) {
  trace::Matrix m;
  for (const auto &sc : scenarios)
    m.scenarios.push_back(sc.name);
  for (const model::Variant *v : variants)
    m.variants.push_back(v->name);
  const size_t n = scenarios.size() * variants.size();
  m.cells.resize(n);
  if (n == 0) return m;

  // Each worker takes the next cell index; a cell's slot is fixed by its
  // index, so the order of the output does not depend on the scheduling.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      const size_t row = i / variants.size(), column = i % variants.size();
      m.cells[i] = run_cell(scenarios[row], *variants[column], opts);
    }
  };
  size_t jobs = opts.jobs != 0 ? opts.jobs : static_cast<size_t>(default_jobs());
  jobs = std::min(jobs, n);
  if (jobs <= 1) {
    worker();
    return m;
  }
  std::vector<std::thread> threads;
  for (size_t t = 0; t < jobs; ++t)
    threads.emplace_back(worker);
  for (auto &t : threads)
    t.join();
  return m;
}

std::vector<const model::Variant *> parse_variant_list(const std::string &list) {
  std::vector<const model::Variant *> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty()) {
      throw std::invalid_argument(fmt::format(
          "--kernels '{}': empty kernel variant name (known: {})", list, known_variants()));
    }
    const model::Variant *v = model::find_variant(name);
    if (v == nullptr) {
      throw std::invalid_argument(fmt::format("--kernels: unknown kernel variant '{}' (known: {})",
                                              name, known_variants()));
    }
    if (std::find(out.begin(), out.end(), v) != out.end())
      throw std::invalid_argument(fmt::format("--kernels: variant '{}' is given twice", name));
    out.push_back(v);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

int matrix_exit_code(const trace::Matrix &m) {
  auto any = [&m](auto pred) { return std::any_of(m.cells.begin(), m.cells.end(), pred); };
  if (any([](const auto &c) { return c.status == trace::CellStatus::InternalError; }))
    return kExitInternal;
  if (any([](const auto &c) { return c.status == trace::CellStatus::InputError; }))
    return kExitInput;
  if (any([](const auto &c) { return c.judgement == trace::Judgement::Mismatch; }))
    return kExitViolation;
  if (any([](const auto &c) { return c.status == trace::CellStatus::Ran && c.result.bounded; }))
    return kExitBounded;
  return kExitClean;
}

} // namespace pagerace::app
