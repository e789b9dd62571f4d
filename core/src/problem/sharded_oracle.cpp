#include "problem/sharded_oracle.h"

#include <cstdlib>
#include <limits>
#include <new>
#include <sstream>

namespace bilevel {
namespace {

Batch<float> Pick(const Batch<float>& from, const std::vector<int>& images) {
  Batch<float> out(Shape{int(images.size()), from.c(), from.h(), from.w()});
  for (std::size_t k = 0; k < images.size(); ++k)
    std::copy(from.image(images[k]), from.image(images[k]) + from.imageSize(), out.image(int(k)));
  return out;
}

// The indices of [0, total) that rank r of n holds: r, r + n, r + 2n, ...
std::vector<int> Shard(int total, int r, int n) {
  std::vector<int> out;
  for (int i = r; i < total; i += n)
    out.push_back(i);
  return out;
}

// One process's status of a call, as exchanged: severity, status, counts, then the message.
struct Verdict {
  int severity = 0;
  OracleStatus status = OracleStatus::kOk;
  long lower = 0, cg = 0, power = 0;
  std::string message;

  std::string encode() const {
    std::ostringstream out;
    out << severity << ' ' << int(status) << ' ' << lower << ' ' << cg << ' ' << power << '\n'
        << message;
    return out.str();
  }
  static Verdict Decode(const std::string& text) {
    Verdict v;
    std::istringstream in(text);
    int status = 0;
    in >> v.severity >> status >> v.lower >> v.cg >> v.power;
    v.status = OracleStatus(status);
    const std::size_t eol = text.find('\n');
    if (eol != std::string::npos) v.message = text.substr(eol + 1);
    return v;
  }
};

// The call's verdict on every process: the most severe failure, from the lowest rank that has it,
// with the work of all; for a success, the first message any process has.
Verdict Combine(Communicator& comm, const Verdict& mine) {
  if (comm.size() == 1) return mine;
  std::vector<Verdict> all;
  for (const std::string& text : comm.allgatherText(mine.encode()))
    all.push_back(Verdict::Decode(text));
  Verdict out = all.front();
  out.lower = out.cg = out.power = 0;
  for (const Verdict& v : all) {
    out.lower += v.lower;
    out.cg += v.cg;
    out.power += v.power;
    if (v.severity > out.severity) {
      out.severity = v.severity;
      out.status = v.status;
      out.message = v.message;
    } else if (out.message.empty() && v.severity == out.severity) {
      out.message = v.message;
    }
  }
  return out;
}

}  // namespace

ShardedOracle::ShardedOracle(Communicator& comm, std::unique_ptr<ImageProblemOracle> local,
                             int train_size, int test_size)
    : comm_(comm), local_(std::move(local)), train_size_(train_size), test_size_(test_size) {}

Status ShardedOracle::Create(const ImageProblemOptions& options,
                             const RegularizerSettings& regularizer, Dataset dataset,
                             ProblemData problem, Communicator& comm,
                             std::unique_ptr<ShardedOracle>* out, OracleDevice device) {
  const int n = comm.size(), r = comm.rank();
  const int train = dataset.train.n(), test = dataset.test.n();
  if (train < n)
    return Status::Error("the run has " + std::to_string(n) + " processes but only " +
                         std::to_string(train) +
                         " training images; each process needs one at least");
  if (const char* fault = std::getenv("BILEVEL_INJECT_FAULT");
      fault && std::string(fault) == std::to_string(r) + ":load")
    return Status::Error("injected fault while loading (BILEVEL_INJECT_FAULT)");
  try {
    const std::vector<int> mine = Shard(train, r, n), mine_test = Shard(test, r, n);
    Dataset shard;
    shard.train = Pick(dataset.train, mine);
    shard.test = Pick(dataset.test, mine_test);
    for (int i : mine)
      shard.train_source.push_back(dataset.train_source[std::size_t(i)]);
    for (int t : mine_test)
      shard.test_source.push_back(dataset.test_source[std::size_t(t)]);
    shard.sources = std::move(dataset.sources);
    shard.warnings = std::move(dataset.warnings);
    ProblemData part;
    part.train_op = problem.train_op->select(mine);
    part.test_op = problem.test_op->select(mine_test);
    part.train_measured = Pick(problem.train_measured, mine);
    part.test_measured = Pick(problem.test_measured, mine_test);
    dataset = Dataset{};  // the other processes' images are not kept
    problem = ProblemData{};
    std::unique_ptr<ImageProblemOracle> local;
    if (Status s = ImageProblemOracle::Create(options, regularizer, std::move(shard),
                                              std::move(part), &local, std::move(device));
        !s.ok())
      return s;
    out->reset(new ShardedOracle(comm, std::move(local), train, test));
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory for this process's share of the images");
  }
}

int ShardedOracle::shardSize(int total, int r) const {
  const int n = comm_.size();
  return total / n + (r < total % n ? 1 : 0);
}

std::string ShardedOracle::backendName() const {
  return local_->backendName() + " in each of " + std::to_string(comm_.size()) + " processes (MPI)";
}

ImageOracle::BackendMove ShardedOracle::takeBackendMove() {
  const std::vector<std::string> why = comm_.allgatherText(local_->takeBackendMove().why);
  BackendMove all;
  for (std::size_t r = 0; r < why.size(); ++r) {
    if (why[r].empty()) continue;
    all.why += (all.why.empty() ? "process " : "; process ") + std::to_string(r) + ": " + why[r];
    moved_.push_back(int(r));
  }
  if (all.why.empty()) return all;
  std::string ranks;
  for (int r : moved_)
    ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  all.backend = backendName() + "; on the CPU after a GPU failure: process " + ranks;
  return all;
}

std::string ShardedOracle::injectedFault() {
  ++calls_;
  const char* fault = std::getenv("BILEVEL_INJECT_FAULT");
  if (!fault) return "";
  std::istringstream in(fault);
  int rank = -1;
  long call = -1;
  char colon = 0;
  std::string kind;
  if (!(in >> rank >> colon >> call) || rank != comm_.rank() || call != calls_) return "";
  if (in >> colon >> kind) return kind;
  return "error";
}

OracleResult ShardedOracle::evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) {
  OracleResult result;
  // The same answer on every process: the request and theta are the same everywhere.
  if (!CheckOracleRequest(request, trainingSize(), theta, &result)) return result;
  const int n = comm_.size(), rank = comm_.rank();
  OracleRequest local = request;
  local.images.clear();
  for (int i : request.images)
    if (i % n == rank) local.images.push_back(i / n);

  ImageProblemOracle::Solution solution;
  Verdict mine;
  try {
    const std::string fault = injectedFault();
    if (fault == "oom") throw std::bad_alloc();
    if (!fault.empty()) {
      solution.failure.status = OracleStatus::kError;
      solution.failure.message = "injected fault (BILEVEL_INJECT_FAULT)";
    } else if (local.images.empty()) {
      solution.failure.status = OracleStatus::kOk;
    } else {
      solution = local_->solve(theta, local);
    }
  } catch (const std::bad_alloc&) {
    solution = {};
    solution.failure.status = OracleStatus::kError;
    solution.failure.message = "out of memory";
  }
  const OracleResult& f = solution.failure;
  mine.severity = Severity(f.status);
  mine.status = f.status;
  mine.lower = f.lower_iterations;
  mine.cg = f.cg_iterations;
  mine.power = f.power_iterations;
  mine.message = f.message;
  if (!f.ok() && n > 1) mine.message = "process " + std::to_string(rank) + ": " + f.message;
  const Verdict all = Combine(comm_, mine);
  if (all.severity > 0) {
    result.status = all.status;
    result.message = all.message;
    result.lower_iterations = all.lower;
    result.cg_iterations = all.cg;
    result.power_iterations = all.power;
    return result;
  }

  // Every image's outcome, from the process that holds it, in the request's order.
  const int d = parameterCount(), per = ImageOutcomes::ValuesPerImage(d, request.gradient);
  std::vector<double> packed, gathered;
  for (int k = 0; k < solution.images.size(); ++k)
    solution.images.pack(k, request.gradient, &packed);
  std::vector<int> counts;
  comm_.allgather(packed, &gathered, &counts);
  std::vector<std::size_t> next(std::size_t(n), 0);  // where rank r's next image starts
  for (int r = 1; r < n; ++r)
    next[std::size_t(r)] = next[std::size_t(r) - 1] + std::size_t(counts[std::size_t(r) - 1]);
  ImageOutcomes images;
  for (int i : request.images) {
    std::size_t& at = next[std::size_t(i % n)];
    images.unpackAppend(gathered.data() + at, d, request.gradient);
    at += std::size_t(per);
  }
  result = ReduceOutcomes(images, request);
  if (result.message.empty()) result.message = all.message;
  local_->commit(solution);
  return result;
}

double ShardedOracle::testPsnr(const Eigen::VectorXd& theta, double epsilon,
                               const std::function<bool()>& keep_going, std::string* failure) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (test_size_ == 0) return kNaN;
  std::vector<double> mine;
  Verdict verdict;
  try {
    std::string why;
    const OracleStatus s = local_->dataset().test.n() == 0
                               ? OracleStatus::kOk
                               : local_->testPsnrs(theta, epsilon, keep_going, &mine, &why);
    verdict.severity = Severity(s);
    verdict.status = s;
    if (s == OracleStatus::kError) verdict.message = why;
  } catch (const std::bad_alloc&) {
    verdict.severity = Severity(OracleStatus::kError);
    verdict.status = OracleStatus::kError;
    verdict.message = "out of memory";
  }
  if (verdict.severity > 0 && comm_.size() > 1)
    verdict.message = "process " + std::to_string(comm_.rank()) + ": " + verdict.message;
  const Verdict all = Combine(comm_, verdict);
  if (all.status == OracleStatus::kError) {
    if (failure) *failure = all.message;
    return kNaN;
  }
  if (all.severity > 0) return kNaN;
  std::vector<double> gathered;
  std::vector<int> counts;
  comm_.allgather({double(local_->testUnconverged())}, &gathered, &counts);
  test_unconverged_ = 0;
  for (double c : gathered)
    test_unconverged_ += long(c);
  comm_.allgather(mine, &gathered, &counts);
  // Test image t is image t / n of rank t mod n.
  const int n = comm_.size();
  std::vector<std::size_t> first(std::size_t(n), 0);
  for (int r = 1; r < n; ++r)
    first[std::size_t(r)] = first[std::size_t(r) - 1] + std::size_t(counts[std::size_t(r) - 1]);
  std::vector<double> psnr(static_cast<std::size_t>(test_size_));
  for (int t = 0; t < test_size_; ++t)
    psnr[std::size_t(t)] = gathered[first[std::size_t(t % n)] + std::size_t(t / n)];
  return MeanInOrder(psnr);
}

Status ShardedOracle::warmStarts(std::vector<float>* values) const {
  // This process's [x of its training images, q of them, x of its test images], in place.
  std::vector<std::span<const float>> mine;
  if (!local_->warmStartViews(&mine) || mine.size() != 3)
    return Status::Error("the warm starts cannot be read");
  const std::size_t image = local_->dataset().train.imageSize();
  const std::size_t m = std::size_t(train_size_), t = std::size_t(test_size_);
  values->clear();
  if (comm_.rank() == 0) {
    try {
      values->resize((2 * m + t) * image);
    } catch (const std::bad_alloc&) {
      comm_.abort("out of memory for the warm starts of a checkpoint");
    }
  }
  float* all = comm_.rank() == 0 ? values->data() : nullptr;
  // Into the single-process layout: x of every training image, q of them, x of every test image.
  comm_.gatherBlocks(mine[0], image, m, all);
  comm_.gatherBlocks(mine[1], image, m, all ? all + m * image : nullptr);
  comm_.gatherBlocks(mine[2], image, t, all ? all + 2 * m * image : nullptr);
  return Status::Ok();
}

Status ShardedOracle::restoreWarmStarts(const std::vector<float>& values) {
  const std::size_t image = local_->dataset().train.imageSize();
  const std::size_t m = std::size_t(train_size_), t = std::size_t(test_size_);
  const std::size_t expected = (2 * m + t) * image;
  Status checked;
  if (comm_.rank() == 0 && values.size() != expected)
    checked = Status::Error("the checkpoint's warm starts have " + std::to_string(values.size()) +
                            " values, this problem needs " + std::to_string(expected));
  if (Status s = Agree(comm_, checked); !s.ok()) return s;
  const int r = comm_.rank();
  const std::size_t mine_m = std::size_t(shardSize(train_size_, r));
  const std::size_t mine_t = std::size_t(shardSize(test_size_, r));
  std::vector<float> mine;
  try {
    mine.resize((2 * mine_m + mine_t) * image);
  } catch (const std::bad_alloc&) {
    comm_.abort("out of memory for this process's warm starts");
  }
  const float* all = r == 0 ? values.data() : nullptr;
  const std::span<float> local(mine);
  comm_.scatterBlocks(all, image, m, local.subspan(0, mine_m * image));
  comm_.scatterBlocks(all ? all + m * image : nullptr, image, m,
                      local.subspan(mine_m * image, mine_m * image));
  comm_.scatterBlocks(all ? all + 2 * m * image : nullptr, image, t,
                      local.subspan(2 * mine_m * image, mine_t * image));
  return local_->restoreWarmStarts(mine);
}

Status ShardedOracle::reconstruct(const Eigen::VectorXd& theta, bool test,
                                  const std::vector<int>& images, double epsilon,
                                  Batch<float>* out) {
  const int n = comm_.size();
  std::vector<int> local;
  for (int i : images) {
    if (i % n != comm_.rank())
      return Status::Error("image " + std::to_string(i) + " is held by process " +
                           std::to_string(i % n));
    local.push_back(i / n);
  }
  return local_->reconstruct(theta, test, local, epsilon, out);
}

}  // namespace bilevel
