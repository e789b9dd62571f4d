// bilevel-cli: the Bilevel Studio engine without a window.
#include <QCoreApplication>
#include <QTextStream>
#include <cstdio>

#include "bilevel/backend_info.h"
#include "commands.h"

namespace {

const char* kUsage =
    "Usage: bilevel-cli <command> [options]\n"
    "\n"
    "Commands:\n"
    "  demo     learn a Field of Experts denoiser on built-in synthetic images (default)\n"
    "  bench    time lower-level and CG iterations of the CPU backend\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help (or a command's help: bilevel-cli <command> --help)\n"
    "  -v, --version  show the version and the compute backends\n";

void PrintVersion() {
  const bilevel::CudaDeviceInfo cuda = bilevel::QueryCudaDevice();
  std::printf("bilevel-cli %s\n%s\n", BILEVEL_VERSION, bilevel::CpuBackendDescription().c_str());
  if (cuda.available)
    std::printf("GPU: %s (%s)\n", cuda.name.c_str(), cuda.message.c_str());
  else
    std::printf("GPU: none (%s)\n", cuda.message.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName("bilevel-cli");
  QCoreApplication::setApplicationVersion(BILEVEL_VERSION);
  QStringList args = QCoreApplication::arguments();
  args.removeFirst();
  const QString command = args.isEmpty() ? QStringLiteral("demo") : args.first();
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "-v" || command == "--version") {
    PrintVersion();
    return 0;
  }
  if (!args.isEmpty()) args.removeFirst();
  if (command == "demo") return RunDemoCommand(args);
  if (command == "bench") return RunBenchCommand(args);
  std::fprintf(stderr, "bilevel-cli: unknown command '%s'\n\n%s", qPrintable(command), kUsage);
  return 2;
}
