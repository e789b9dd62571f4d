// bilevel-cli: the Bilevel Studio engine without a window.
#include <QCoreApplication>
#include <QTextStream>
#include <cstdio>

#include "bilevel/backend_info.h"
#include "bilevel/communicator.h"
#include "cli_common.h"
#include "commands.h"

namespace {

const char* kUsage =
    "Usage: bilevel-cli <command> [options]\n"
    "\n"
    "Commands:\n"
    "  train      train a regularizer from a preset or a config file, recorded in a run folder\n"
    "             (mpirun -np N bilevel-cli train ...: N processes share the images)\n"
    "  resume     continue a run from its folder's checkpoint\n"
    "  study      a preset over a grid of settings and seeds: run folders and a table\n"
    "  compare    ISGD against MAID on the same data and seed, with a plot of both\n"
    "  apply      denoise or deblur an image with a learned regularizer\n"
    "  hypergrad  write the hypergradient of a regularizer on given images to a .npy\n"
    "  bench      time lower-level and CG iterations of the CPU backend\n"
    "  presets    list the built-in experiments, or print one as JSON\n"
    "  baseline   non-local means, Wiener or Richardson-Lucy on a preset's test images\n"
    "  plot       one figure of several run folders, overlaid\n"
    "  evaluate   mean test PSNR of run folders' regularizers; or PSNR and SSIM on a folder\n"
    "  gallery    one image reconstructed by each run at increasing budgets\n"
    "  import     a published CRR-NN checkpoint (PyTorch) as a regularizer file\n"
    "\n"
    "Without a command: train --preset quick.\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help (or a command's help: bilevel-cli <command> --help)\n"
    "  -v, --version  show the version and the compute backends\n";

void PrintVersion() {
  const bilevel::CudaDeviceInfo cuda = bilevel::QueryCudaDevice();
  std::printf("bilevel-cli %s\n%s\n", BILEVEL_VERSION, bilevel::CpuBackendDescription().c_str());
  std::printf("MPI: %s\n", bilevel::HaveMpi() ? "yes (mpirun -np N bilevel-cli train ...)" : "no");
  std::printf("Image files: %s\n", bilevel::ImageCodecs());
  if (cuda.available) {
    std::printf("GPU: %s (%s)\n", cuda.name.c_str(), cuda.message.c_str());
    const bilevel::CudaSelfCheck check = bilevel::RunCudaSelfCheck();
    std::printf("GPU self-check: %s in %.0f ms: %s\n", check.passed ? "passed" : "FAILED",
                check.milliseconds, check.message.c_str());
  } else {
    std::printf("GPU: none (%s)\n", cuda.message.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!bilevel::HaveMpi() && bilevel::LaunchedProcesses() > 1) {
    std::fprintf(stderr,
                 "bilevel-cli: started as one of %d processes, but built without MPI (install "
                 "libopenmpi-dev and rebuild, or run it without mpirun)\n",
                 bilevel::LaunchedProcesses());
    return 2;
  }
  // Under mpirun: MPI, before anything else reads the arguments or starts a thread.
  const std::unique_ptr<bilevel::Communicator> processes = bilevel::JoinProcesses(&argc, &argv);
  cli::SetQuiet(processes->rank() != 0);  // rank 0 speaks for every process
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName("bilevel-cli");
  QCoreApplication::setApplicationVersion(BILEVEL_VERSION);
  QStringList args = QCoreApplication::arguments();
  args.removeFirst();
  if (args.isEmpty()) args = QStringList{"train", "--preset", "quick"};
  const QString command = args.first();
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "-v" || command == "--version") {
    PrintVersion();
    return 0;
  }
  if (!args.isEmpty()) args.removeFirst();
  if (command == "train") return RunTrainCommand(args, *processes);
  if (command == "resume") return RunResumeCommand(args, *processes);
  if (command == "study") return RunStudyCommand(args, *processes);
  // The other commands would run once per process, each writing the same files.
  if (processes->size() > 1)
    return cli::Fail(qPrintable(command), "only train and resume run under mpirun", 2);
  if (command == "compare") return RunCompareCommand(args);
  if (command == "apply") return RunApplyCommand(args);
  if (command == "hypergrad") return RunHypergradCommand(args);
  if (command == "bench") return RunBenchCommand(args);
  if (command == "presets") return RunPresetsCommand(args);
  if (command == "baseline") return RunBaselineCommand(args);
  if (command == "plot") return RunPlotCommand(args);
  if (command == "evaluate") return RunEvaluateCommand(args);
  if (command == "import") return RunImportCommand(args);
  if (command == "gallery") return RunGalleryCommand(args);
  std::fprintf(stderr, "bilevel-cli: unknown command '%s'\n\n%s", qPrintable(command), kUsage);
  return 2;
}
