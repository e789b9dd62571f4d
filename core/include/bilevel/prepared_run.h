// Everything one training run needs, assembled from a TrainingConfig: the dataset and its
// measurements, the image problem with its regularizer, the trainer, and the run folder on disk.
// Used by the command-line tool and the desktop application alike.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bilevel/communicator.h"
#include "bilevel/dataset.h"
#include "bilevel/image_oracle.h"
#include "bilevel/run_folder.h"
#include "bilevel/trainer.h"
#include "bilevel/training_config.h"

namespace bilevel {

struct PreparedRun {
  TrainingConfig config;
  std::unique_ptr<ImageOracle> oracle;  // ImageProblemOracle (on the CPU or a GPU), or sharded
  std::unique_ptr<Trainer> trainer;
  std::unique_ptr<RunFolder> folder;  // null when the run is not recorded
  std::vector<std::string> warnings;  // skipped files, unknown config fields, fallbacks
  std::string backend;  // where the engine runs: "CPU: 2 threads (AVX2+FMA)" or "GPU: <name>"
  int device = -1;      // the CUDA device it runs on; -1 on the CPU
  // The processes of a data-parallel run (not owned; null: this process alone). With more than
  // one, the oracle is a ShardedOracle, and only rank 0 has the run folder.
  Communicator* processes = nullptr;
};

struct PrepareOptions {
  std::string out_dir;               // empty: nothing written
  bool overwrite = false;            // replace the contents of a non-empty out_dir
  LoadProgress progress;             // while loading images
  bool measure_initial_test = true;  // the trainer's initial test PSNR (a solve of the test set)
  // A data-parallel run (DESIGN.md section 8): every process calls PrepareRun with the same
  // config and options; each keeps its shard of the images, rank 0 alone creates out_dir, and a
  // failure on any process fails it on all. Null or one process: an ordinary run.
  Communicator* processes = nullptr;
};

// Validates the config, selects the backend and thread count, loads the data, makes the
// measurements, builds the problem and the trainer at the initial parameters, and creates the
// run folder (config.json) when out_dir is given.
Status PrepareRun(const TrainingConfig& config, const PrepareOptions& options, PreparedRun* run);

// Opens a run folder, rebuilds its problem from config.json (the same data and seeds) and
// restores the trainer from checkpoint.npz; the log is cut back to the checkpoint's iteration.
// With several processes, every one calls it: rank 0 reads the folder and sends the config and
// the checkpoint to the others (a checkpoint resumes under any number of processes).
Status ResumeRun(const std::string& dir, const LoadProgress& progress, PreparedRun* run,
                 Communicator* processes = nullptr);

// Selects the backend for a device preference (ChooseDevice, bilevel/backend_info.h): "cuda" takes
// the GPU when the build has it and a device is present (without one: the CPU with a warning when
// allow_cpu_fallback is set, else an error); "auto" takes it when its start-up self-check also
// passes (a warning says why when it does not); "cpu" the CPU. Sets the thread count. *backend is
// "GPU: <name>" or the CPU description, *device the CUDA device (-1 on the CPU); with processes,
// each takes the device of its local rank. Building the problem may still fall back to the CPU
// (with a warning) when the device cannot be set up.
// With processes, the cores of a machine are shared among its processes unless threads is set.
Status SelectBackend(const TrainingConfig& config, std::string* backend,
                     std::vector<std::string>* warnings, Communicator* processes = nullptr,
                     int* device = nullptr);

}  // namespace bilevel
