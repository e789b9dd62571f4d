#include "background_work.h"

#include <QThreadPool>
#include <cerrno>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace studio {

QThreadPool* BackgroundPool() {
  static QThreadPool* pool = [] {
    auto* p = new QThreadPool;  // lives until the process ends, like the global pool
    p->setMaxThreadCount(2);
    p->setExpiryTimeout(30000);
    return p;
  }();
  return pool;
}

void LowerThreadPriority(int nice) {
#ifdef __linux__
  // On Linux the nice value belongs to the thread (its kernel task id), not the process.
  const id_t tid = id_t(::syscall(SYS_gettid));
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && current < nice) ::setpriority(PRIO_PROCESS, tid, nice);
#else
  (void)nice;
#endif
}

}  // namespace studio
