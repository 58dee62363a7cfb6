#include "agent/stop_signals.h"

#include <pthread.h>

#include <csignal>

namespace rampart::agent {

void HandleStopSignals(void (*on_stop)(int)) {
  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
}

}  // namespace rampart::agent
