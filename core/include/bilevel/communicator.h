// The processes of a data-parallel run (DESIGN.md section 8) and the few collective operations
// it needs. Under mpirun (a build with MPI) it is MPI_COMM_WORLD; otherwise it is this process
// alone, and every operation is a copy. All MPI calls of the engine are behind this interface
// (core/src/mpi/), so the rest of the code has no #ifdef.
//
// Collective operations must be called by every process, in the same order; the engine keeps its
// control flow identical on every process by deciding only on values all of them share (agreed
// statuses, gathered results). A failure of the communication itself ends every process
// (MPI_Abort): the processes could no longer agree on anything.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The number of processes on this machine (this one included), for sharing its cores.
  virtual int localSize() const = 0;
  // This process's rank among those on its machine (0 .. localSize() - 1), for choosing a GPU.
  virtual int localRank() const = 0;
  // "MPI" or "single process".
  virtual std::string describe() const = 0;

  // Every process's values, concatenated in rank order; counts[r] is how many came from rank r.
  virtual void allgather(const std::vector<double>& mine, std::vector<double>* all,
                         std::vector<int>* counts) = 0;
  // An array of `blocks` blocks of `block` values whose block b is held by rank b mod size():
  // mine holds this process's blocks in order (rank r: blocks r, r + size(), ...). gatherBlocks
  // puts every block in its place in rank 0's all (blocks * block values; ignored elsewhere);
  // scatterBlocks sends each process its blocks of rank 0's all. No other copy is made.
  virtual void gatherBlocks(std::span<const float> mine, std::size_t block, std::size_t blocks,
                            float* all) = 0;
  virtual void scatterBlocks(const float* all, std::size_t block, std::size_t blocks,
                             std::span<float> mine) = 0;
  // Every process's string, by rank.
  virtual std::vector<std::string> allgatherText(const std::string& mine) = 0;
  // Rank root's bytes, to every process.
  virtual void broadcast(std::string* bytes, int root = 0) = 0;
  virtual int maxOver(int value) = 0;

  // Ends every process now, with the message on standard error: the last resort when the
  // processes can no longer agree (for example out of memory in the middle of a collective).
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

// This process alone.
std::unique_ptr<Communicator> MakeSingleProcess();

// The processes of this program: MPI_COMM_WORLD when the build has MPI and a launcher (mpirun,
// mpiexec, srun) started the process, else this process alone. Initialises MPI (each thread may
// then call it, one at a time); the communicator finalises it when destroyed, so keep it until
// the end of main. Call it once, before starting threads.
std::unique_ptr<Communicator> JoinProcesses(int* argc, char*** argv);

// True when the build has MPI.
bool HaveMpi();
// How many processes a launcher (mpirun, mpiexec, srun) says it started with this one, from its
// environment; 1 when none did. A build without MPI refuses to run as one of several.
int LaunchedProcesses();

// The same status on every process: ok when every process's is ok, else the failure of the
// lowest failing rank ("process r: <message>" when there are several processes).
Status Agree(Communicator& comm, const Status& mine);
// True on every process when any process says true.
bool AnyProcess(Communicator& comm, bool mine);
// Rank 0's text, on every process.
std::string FromRoot(Communicator& comm, const std::string& text);

}  // namespace bilevel
