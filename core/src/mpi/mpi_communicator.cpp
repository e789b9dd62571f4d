// MPI_COMM_WORLD as a Communicator (built when BILEVEL_HAVE_MPI). The only file that calls MPI.
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <numeric>

#include "bilevel/communicator.h"

namespace bilevel {
namespace {

// True when a launcher started this process as one of several (Open MPI's mpirun, Hydra, PMIx,
// Slurm's srun with PMI).
bool Launched() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local_size_);
    MPI_Comm_free(&node);
  }
  ~MpiWorld() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int localSize() const override { return local_size_; }
  std::string describe() const override { return "MPI"; }

  void allgather(const std::vector<double>& mine, std::vector<double>* all,
                 std::vector<int>* counts) override {
    try {
      std::vector<int> n, displs;
      exchangeCounts(mine.size(), &n, &displs);
      all->resize(std::size_t(displs.back()) + std::size_t(n.back()));
      MPI_Allgatherv(mine.data(), int(mine.size()), MPI_DOUBLE, all->data(), n.data(),
                     displs.data(), MPI_DOUBLE, MPI_COMM_WORLD);
      if (counts) *counts = std::move(n);
    } catch (const std::bad_alloc&) {
      abort("out of memory while gathering results from every process");
    }
  }

  void gatherToRoot(const std::vector<float>& mine, std::vector<float>* all,
                    std::vector<int>* counts) override {
    try {
      std::vector<int> n, displs;
      exchangeCounts(mine.size(), &n, &displs);
      all->clear();
      if (rank_ == 0) all->resize(std::size_t(displs.back()) + std::size_t(n.back()));
      MPI_Gatherv(mine.data(), int(mine.size()), MPI_FLOAT, all->data(), n.data(), displs.data(),
                  MPI_FLOAT, 0, MPI_COMM_WORLD);
      if (counts) *counts = rank_ == 0 ? std::move(n) : std::vector<int>{};
    } catch (const std::bad_alloc&) {
      abort("out of memory while gathering the warm starts");
    }
  }

  std::vector<std::string> allgatherText(const std::string& mine) override {
    try {
      std::vector<int> n, displs;
      exchangeCounts(mine.size(), &n, &displs);
      std::string all(std::size_t(displs.back()) + std::size_t(n.back()), '\0');
      MPI_Allgatherv(mine.data(), int(mine.size()), MPI_CHAR, all.data(), n.data(), displs.data(),
                     MPI_CHAR, MPI_COMM_WORLD);
      std::vector<std::string> out;
      for (int r = 0; r < size_; ++r)
        out.push_back(all.substr(std::size_t(displs[r]), std::size_t(n[r])));
      return out;
    } catch (const std::bad_alloc&) {
      abort("out of memory while exchanging messages");
    }
  }

  void broadcast(std::string* bytes, int root) override {
    try {
      unsigned long long n = bytes->size();
      MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD);
      bytes->resize(std::size_t(n));
      // In pieces of at most INT_MAX bytes (MPI counts are ints).
      for (unsigned long long at = 0; at < n; at += INT_MAX) {
        const int count = int(std::min<unsigned long long>(INT_MAX, n - at));
        MPI_Bcast(bytes->data() + at, count, MPI_CHAR, root, MPI_COMM_WORLD);
      }
    } catch (const std::bad_alloc&) {
      abort("out of memory while receiving data from process " + std::to_string(root));
    }
  }

  int maxOver(int value) override {
    int out = value;
    MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }

  [[noreturn]] void abort(const std::string& message) override {
    std::fprintf(stderr, "bilevel (process %d of %d): %s; stopping every process\n", rank_, size_,
                 message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();
  }

 private:
  // Every rank's count and where its values start, checked against MPI's int counts.
  void exchangeCounts(std::size_t mine, std::vector<int>* counts, std::vector<int>* displs) {
    if (mine > std::size_t(INT_MAX)) abort("too much data for one MPI message");
    const int n = int(mine);
    counts->assign(std::size_t(size_), 0);
    MPI_Allgather(&n, 1, MPI_INT, counts->data(), 1, MPI_INT, MPI_COMM_WORLD);
    displs->assign(std::size_t(size_), 0);
    long long total = 0;
    for (int r = 0; r < size_; ++r) {
      (*displs)[std::size_t(r)] = int(total);
      total += (*counts)[std::size_t(r)];
      if (total > INT_MAX) abort("too much data for one MPI message");
    }
  }

  int rank_ = 0, size_ = 1, local_size_ = 1;
};

}  // namespace

bool HaveMpi() {
  return true;
}

std::unique_ptr<Communicator> JoinProcesses(int* argc, char*** argv) {
  if (!Launched()) return MakeSingleProcess();
  int provided = MPI_THREAD_SINGLE;
  // The training loop runs on a worker thread of the command-line tool; only one thread at a
  // time calls MPI.
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    std::fprintf(stderr, "bilevel: the MPI library does not allow calls from a worker thread\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return std::make_unique<MpiWorld>();
}

}  // namespace bilevel
