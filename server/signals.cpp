// The sigwait thread behind SIGHUP reloads and SIGINT/SIGTERM shutdown.
#include "server/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace covcheck::server {

namespace {

sigset_t server_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_server_signals() {
  sigset_t set = server_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

SignalThread::SignalThread(std::function<void()> on_reload, std::function<void()> on_stop) {
  thread_ = std::thread([this, on_reload = std::move(on_reload), on_stop = std::move(on_stop)] {
    sigset_t set = server_signals();
    for (;;) {
      int signal = 0;
      if (sigwait(&set, &signal) != 0) continue;
      if (quitting_) return;
      if (signal == SIGHUP) {
        on_reload();
        continue;
      }
      on_stop();
      return;
    }
  });
}

SignalThread::~SignalThread() {
  if (!thread_.joinable()) return;
  quitting_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait; a thread that already returned ignores it
  thread_.join();
}

}  // namespace covcheck::server
