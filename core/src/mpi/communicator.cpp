// The single-process communicator and the agreements every communicator shares.
#include "bilevel/communicator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bilevel {
namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int localSize() const override { return 1; }
  int localRank() const override { return 0; }
  std::string describe() const override { return "single process"; }
  void allgather(const std::vector<double>& mine, std::vector<double>* all,
                 std::vector<int>* counts) override {
    *all = mine;
    if (counts) *counts = {int(mine.size())};
  }
  void gatherBlocks(std::span<const float> mine, std::size_t block, std::size_t blocks,
                    float* all) override {
    std::copy(mine.begin(), mine.begin() + std::ptrdiff_t(block * blocks), all);
  }
  void scatterBlocks(const float* all, std::size_t block, std::size_t blocks,
                     std::span<float> mine) override {
    std::copy(all, all + block * blocks, mine.begin());
  }
  std::vector<std::string> allgatherText(const std::string& mine) override { return {mine}; }
  void broadcast(std::string*, int) override {}
  int maxOver(int value) override { return value; }
  [[noreturn]] void abort(const std::string& message) override {
    std::fprintf(stderr, "bilevel: %s\n", message.c_str());
    std::abort();
  }
};

}  // namespace

std::unique_ptr<Communicator> MakeSingleProcess() {
  return std::make_unique<SingleProcess>();
}

Status Agree(Communicator& comm, const Status& mine) {
  if (comm.size() == 1) return mine;
  if (comm.maxOver(mine.ok() ? 0 : 1) == 0) return Status::Ok();
  // "!" marks a failure, so that one without a message still counts.
  const std::vector<std::string> messages =
      comm.allgatherText(mine.ok() ? std::string() : "!" + mine.message());
  for (std::size_t r = 0; r < messages.size(); ++r)
    if (!messages[r].empty())
      return Status::Error("process " + std::to_string(r) + ": " + messages[r].substr(1));
  return Status::Error("a process failed");
}

bool AnyProcess(Communicator& comm, bool mine) {
  return comm.size() == 1 ? mine : comm.maxOver(mine ? 1 : 0) == 1;
}

std::string FromRoot(Communicator& comm, const std::string& text) {
  std::string bytes = text;
  comm.broadcast(&bytes, 0);
  return bytes;
}

int LaunchedProcesses() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  return 1;
}

#ifndef BILEVEL_HAVE_MPI
bool HaveMpi() {
  return false;
}

std::unique_ptr<Communicator> JoinProcesses(int*, char***) {
  return MakeSingleProcess();
}
#endif

}  // namespace bilevel
