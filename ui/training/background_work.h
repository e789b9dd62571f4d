// Where long work runs besides the EngineWorker, and at what priority.
//
// QtGui splits large image conversions (painting plots, flushing the window) into pieces on
// QThreadPool::globalInstance() and waits for them, so long jobs must not occupy that pool: the
// dataset preview and the Apply dialog run on BackgroundPool() instead. And the training threads
// run at a lower scheduling priority than the GUI and Qt's pool, so that on a busy machine the
// window is drawn first and training takes what is left.
#pragma once

class QThreadPool;

namespace studio {

// A pool of its own for long jobs (loading datasets, applying a regularizer).
QThreadPool* BackgroundPool();

// Lowers the calling thread's priority (Linux: its nice value, to at least `nice`); elsewhere it
// does nothing. Threads it creates afterwards inherit the priority.
void LowerThreadPriority(int nice);

}  // namespace studio
