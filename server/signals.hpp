// Signals for a running server without work in a signal handler: SIGHUP, SIGINT and
// SIGTERM are blocked in every thread and a dedicated thread takes them with sigwait.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace covcheck::server {

// Blocks SIGHUP, SIGINT and SIGTERM in the calling thread, and ignores SIGPIPE (a client
// that hangs up mid-answer must not kill the server). Call before starting any thread,
// so that every thread inherits the mask.
void block_server_signals();

class SignalThread {
 public:
  // SIGHUP calls `on_reload`; SIGINT or SIGTERM calls `on_stop` and ends the thread.
  SignalThread(std::function<void()> on_reload, std::function<void()> on_stop);
  ~SignalThread();  // ends the thread (without calling on_stop) when no stop signal came
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  std::atomic<bool> quitting_{false};
  std::thread thread_;
};

}  // namespace covcheck::server
