// MPI_COMM_WORLD as a Communicator (built when BILEVEL_HAVE_MPI). The only file that calls MPI.
#include <mpi.h>

#include <algorithm>
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
    MPI_Comm_rank(node, &local_rank_);
    MPI_Comm_free(&node);
  }
  ~MpiWorld() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int localSize() const override { return local_size_; }
  int localRank() const override { return local_rank_; }
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

  void gatherBlocks(std::span<const float> mine, std::size_t block, std::size_t blocks,
                    float* all) override {
    moveBlocks(const_cast<float*>(mine.data()), block, blocks, all, true);
  }

  void scatterBlocks(const float* all, std::size_t block, std::size_t blocks,
                     std::span<float> mine) override {
    moveBlocks(mine.data(), block, blocks, const_cast<float*>(all), false);
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

  // Rank 0 and each other rank exchange that rank's blocks (b = r, r + size, ...): to rank 0
  // (gather) or from it (scatter). Rank 0 reads or writes them in place in `all` through a strided
  // datatype, the others from or into their contiguous `mine`, in messages of at most INT_MAX
  // values; rank 0's own blocks are copied.
  void moveBlocks(float* mine, std::size_t block, std::size_t blocks, float* all, bool gather) {
    if (block == 0 || blocks == 0) return;
    const std::size_t n = std::size_t(size_);
    if (block > std::size_t(INT_MAX) || n * block > std::size_t(INT_MAX))
      abort("an image too large for one MPI message");
    const std::size_t piece = std::max<std::size_t>(1, std::size_t(INT_MAX) / block);
    const auto held = [&](std::size_t r) { return r < blocks ? (blocks - r + n - 1) / n : 0; };
    if (rank_ != 0) {
      const std::size_t count = held(std::size_t(rank_));
      for (std::size_t first = 0; first < count; first += piece) {
        const int values = int(std::min(piece, count - first) * block);
        float* at = mine + first * block;
        if (gather)
          MPI_Send(at, values, MPI_FLOAT, 0, kBlocksTag, MPI_COMM_WORLD);
        else
          MPI_Recv(at, values, MPI_FLOAT, 0, kBlocksTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
      return;
    }
    for (std::size_t k = 0, b = 0; b < blocks; b += n, ++k) {
      float* mine_at = mine + k * block;
      float* all_at = all + b * block;
      if (gather)
        std::copy(mine_at, mine_at + block, all_at);
      else
        std::copy(all_at, all_at + block, mine_at);
    }
    for (std::size_t r = 1; r < n; ++r) {
      const std::size_t count = held(r);
      for (std::size_t first = 0; first < count; first += piece) {
        MPI_Datatype strided;
        MPI_Type_vector(int(std::min(piece, count - first)), int(block), int(n * block), MPI_FLOAT,
                        &strided);
        MPI_Type_commit(&strided);
        float* at = all + (r + first * n) * block;
        if (gather)
          MPI_Recv(at, 1, strided, int(r), kBlocksTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
          MPI_Send(at, 1, strided, int(r), kBlocksTag, MPI_COMM_WORLD);
        MPI_Type_free(&strided);
      }
    }
  }

  static constexpr int kBlocksTag = 17;
  int rank_ = 0, size_ = 1, local_size_ = 1, local_rank_ = 0;
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
